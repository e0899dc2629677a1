"""The command knows every extension point: trigger builds any of them, parse names the API."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from dataworks_ext import EVENT_KINDS
from dataworks_ext.cli import ExitCode, main
from dataworks_ext.cli.trigger import TRIGGER_EVENTS

SAMPLES = Path(__file__).parent / "samples"

CHECKS = """
from dataworks_ext import CommitFileEvent, Registry, Verdict

registry = Registry()

@registry.on_commit_file(name="naming")
def naming(event: CommitFileEvent) -> Verdict:
    if event.file_name.startswith("ods_"):
        return Verdict.warn(f"{event.file_name} is in the ODS layer: tell the ingestion team")
    return Verdict.ok()

@registry.on("start-diJob", name="no-syncs")
def no_syncs(event) -> Verdict:
    return Verdict.fail("no synchronization jobs during the close")
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "dschecks.py").write_text(CHECKS)
    monkeypatch.syspath_prepend(str(tmp_path))
    yield tmp_path
    sys.modules.pop("dschecks", None)


def _lines(text: str) -> dict[str, str]:
    return dict(line.split(None, 1) for line in text.splitlines() if line.strip())


def test_trigger_offers_every_extension_point_code() -> None:
    codes = {kind.event_code for kind in EVENT_KINDS if kind.is_extension_point}
    assert codes <= set(TRIGGER_EVENTS)
    assert {"freeze", "restore", "unpublish", "backfill"} <= set(TRIGGER_EVENTS)


def test_trigger_a_datastudio_commit_warns_through_update_ide_event_result(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        ["trigger", "commit-file", "--app", "dschecks:registry", "--message-id", "m-c",
         "--expect", "WARN"]
    )  # fmt: skip
    out = capsys.readouterr().out
    assert code == ExitCode.OK, out
    lines = _lines(out)
    assert lines["event"] == "commit-file (CommitFileEvent)"
    assert (lines["checks"], lines["verdict"], lines["api"]) == (
        "naming",
        "WARN",
        "UpdateIDEEventResult",
    )
    assert lines["delivered"].endswith("(recorded WARN)")


def test_trigger_a_generic_extension_point_by_code(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["trigger", "start-diJob", "--app", "dschecks", "--json", "--expect", "FAIL"])
    data = json.loads(capsys.readouterr().out)
    assert code == ExitCode.OK
    assert (data["event_code"], data["result"], data["api"], data["delivered"]) == (
        "start-diJob",
        "FAIL",
        "CallbackExtension",
        True,
    )


def test_trigger_refuses_node_options_for_other_events(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["trigger", "deploy-file", "--app", "dschecks", "--node-id", "7", "--dry-run"])
    assert code == ExitCode.USAGE
    assert "--node-id and --days apply to freeze" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("sample", "api"),
    [
        ("commit_file_cloudevent.json", "UpdateIDEEventResult (documented)"),
        ("start_dijob_cloudevent.json", "CallbackExtension (inferred)"),
        ("freeze_cloudevent.json", "UpdateWorkbenchEventResult (documented)"),
        ("pre_rerun_instance_function_compute.json", "UpdateWorkbenchEventResult (documented)"),
    ],
)
def test_parse_names_the_answering_api(
    sample: str, api: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["parse", str(SAMPLES / sample)]) == ExitCode.OK
    assert " ".join(_lines(capsys.readouterr().out)["answered"].split()) == f"through {api}"
    assert main(["parse", "--json", str(SAMPLES / sample)]) == ExitCode.OK
    assert json.loads(capsys.readouterr().out)["answered_through"] == api.split()[0]


def test_parse_a_regular_event_names_no_api(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["parse", str(SAMPLES / "instance_status_cloudevent.json")]) == ExitCode.OK
    assert "answered through" not in capsys.readouterr().out
