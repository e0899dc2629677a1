"""mypy accepts checks whose parameter matches their decorator and rejects the rest."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

mypy_api = pytest.importorskip("mypy.api")

SNIPPET = textwrap.dedent(
    """
    from dataworks_ext import (
        BackfillEvent, EventMessage, FreezeNodeEvent, NodeEvent, Registry, Verdict,
    )

    reg = Registry()

    @reg.on_freeze
    def good(event: FreezeNodeEvent) -> Verdict:
        return Verdict.ok()

    @reg.on_freeze(name="with-message")
    async def good_async(event: FreezeNodeEvent, message: EventMessage) -> bool:
        return True

    @reg.on_restore
    def good_base(event: NodeEvent) -> None:
        return None

    reveal_type(good)

    @reg.on_freeze
    def wrong_event(event: BackfillEvent) -> Verdict:  # line 23
        return Verdict.ok()

    @reg.on_backfill(name="wrong-return")
    def wrong_return(event: BackfillEvent) -> str:  # line 27
        return "yes"
    """
)


def _mypy(tmp_path: Path, snippet: str) -> tuple[list[str], list[str]]:
    """(lines, error lines) of ``mypy --strict`` on the snippet saved as checks.py."""
    source = tmp_path / "checks.py"
    source.write_text(snippet)
    cache = Path(__file__).parent.parent / ".mypy_cache"
    stdout, stderr, status = mypy_api.run(
        ["--strict", "--cache-dir", str(cache), "--no-error-summary", str(source)]
    )
    # mypy may name the file by the path it had when cached: compare file names only
    lines = [line.rsplit("/", 1)[-1] if ":" in line else line for line in stdout.splitlines()]
    errors = [line for line in lines if line.startswith("checks.py:") and ": error:" in line]
    assert status == 1, stdout + stderr
    return lines, errors


def test_mypy_rejects_mismatched_checks(tmp_path: Path) -> None:
    lines, errors = _mypy(tmp_path, SNIPPET)
    assert any(line.startswith("checks.py:22:") for line in errors), errors
    assert any(line.startswith("checks.py:26:") for line in errors), errors
    assert len(errors) == 2, errors
    assert any("def (event: dataworks_ext._models_node.FreezeNodeEvent)" in line for line in lines)


NEW_SNIPPET = textwrap.dedent(
    """
    from dataworks_ext import (
        CommitFileEvent, EventMessage, ExtensionPointEvent, FreezeNodeEvent, Registry, Verdict,
    )

    reg = Registry()

    @reg.on_commit_file
    def good(event: CommitFileEvent) -> Verdict:
        return Verdict.warn("heads up")

    @reg.on("commit-file")
    def by_code(event: CommitFileEvent, message: EventMessage) -> bool:
        return True

    @reg.on("start-diJob")
    def generic(event: ExtensionPointEvent) -> None:
        return None

    @reg.on_deploy_file
    def wrong_event(event: FreezeNodeEvent) -> Verdict:  # decorator on line 20
        return Verdict.ok()

    @reg.on("commit-file")
    def wrong_by_code(event: FreezeNodeEvent) -> Verdict:  # decorator on line 24
        return Verdict.ok()

    from dataworks_ext.testing import commit_file_event, pre_kill_instance_event

    message: EventMessage = commit_file_event(file_name="ods_orders_d", file_version=None)
    pre_kill_instance_event(task_ids=[1, 2])
    commit_file_event(file_nme="typo")  # line 32
    """
)


def test_mypy_checks_the_new_decorators_and_on(tmp_path: Path) -> None:
    _, errors = _mypy(tmp_path, NEW_SNIPPET)
    assert any(line.startswith("checks.py:20:") for line in errors), errors
    assert any(line.startswith("checks.py:24:") for line in errors), errors
    assert any(line.startswith("checks.py:32:") for line in errors), errors
    assert len(errors) == 3, errors


REPORT_SNIPPET = textwrap.dedent(
    """
    from dataworks_ext import BackfillEvent, FreezeNodeEvent, Registry, Verdict

    reg = Registry()

    @reg.on_freeze(name="new-rule", enforce=False)
    def new_rule(event: FreezeNodeEvent) -> Verdict:
        return Verdict.fail("would refuse")

    @reg.on("backfill-data", enforce=False)
    def by_code(event: BackfillEvent) -> bool:
        return True

    @reg.on_backfill(enforce=False)
    def wrong_event(event: FreezeNodeEvent) -> bool:  # decorator on line 14
        return True

    @reg.on_freeze(enforce="no")  # line 18
    def wrong_flag(event: FreezeNodeEvent) -> bool:
        return True
    """
)


def test_mypy_types_report_only_registration(tmp_path: Path) -> None:
    _, errors = _mypy(tmp_path, REPORT_SNIPPET)
    assert {line.split(":")[1] for line in errors} == {"14", "18"}, errors
