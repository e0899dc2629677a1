"""The examples of the docs are tests.

* Every module of the package is run with doctest: the API reference shows these examples,
  so a failing one is a wrong page of the docs.  ``dataworks_ext.testing.strategies`` is
  skipped when hypothesis is not installed.
* The ``>>>`` examples on the Markdown pages of docs/ are run with doctest too.
* The Getting started page's files (docs/snippets/first_check/) are run as a reader would:
  ``pytest`` on its test file, and the ``dataworks-ext trigger`` commands it shows.
"""

from __future__ import annotations

import doctest
import importlib
import importlib.util
import os
import pkgutil
import subprocess
import sys
import types
import warnings
from pathlib import Path
from typing import Any

import pytest

import dataworks_ext

MODULES = sorted(
    info.name
    for info in pkgutil.walk_packages(dataworks_ext.__path__, prefix="dataworks_ext.")
    if not info.name.endswith("__main__")
)
NEEDS = {"dataworks_ext.testing.strategies": "hypothesis"}


def _import(name: str) -> types.ModuleType:
    needed = NEEDS.get(name)
    if needed and importlib.util.find_spec(needed) is None:
        pytest.skip(f"{name} needs {needed}, which is not installed")
    return importlib.import_module(name)


def test_every_module_is_collected() -> None:
    assert "dataworks_ext" not in MODULES  # the package itself is added below
    assert {"dataworks_ext.events", "dataworks_ext.extension"} <= set(MODULES)


@pytest.mark.parametrize("name", ["dataworks_ext", *MODULES])
def test_docstring_examples(name: str) -> None:
    module = _import(name)
    finder = doctest.DocTestFinder(exclude_empty=True)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    failures: list[str] = []
    with warnings.catch_warnings():
        # The strategies' examples call .example(), which is meant for exactly this use.
        warnings.filterwarnings("ignore", message=r"The `\.example\(\)` method")
        for test in finder.find(module, name, module=module):
            report: list[str] = []
            result = runner.run(test, out=report.append, clear_globs=True)
            if result.failed:
                failures.append(f"{test.name} ({result.failed} of {result.attempted}):\n")
                failures.append("".join(report))
    assert not failures, "docstring examples that fail:\n\n" + "".join(failures)


# ---------------------------------------------------------------------------- the docs' examples

DOCS = Path(__file__).resolve().parent.parent / "docs"
FIRST_CHECK = DOCS / "snippets" / "first_check"


def _sessions(text: str) -> str:
    """The page with everything but its interactive sessions blanked, lines kept in place.

    A session is a fenced code block (```) whose first line starts with ``>>>``.
    """
    lines = text.splitlines()
    kept = [""] * len(lines)
    fence: str | None = None
    block: list[int] = []
    for number, line in enumerate(lines):
        stripped = line.strip()
        if fence is None:
            if stripped.startswith("```"):
                fence = stripped[: len(stripped) - len(stripped.lstrip("`"))]
                block = []
        elif stripped == fence:
            if block and lines[block[0]].lstrip().startswith(">>> "):
                for index in block:
                    kept[index] = lines[index]
            fence = None
        else:
            block.append(number)
    return "\n".join(kept) + "\n"


PAGES_WITH_EXAMPLES = sorted(
    page.relative_to(DOCS).as_posix()
    for page in DOCS.rglob("*.md")
    if "_build" not in page.parts and ">>> " in _sessions(page.read_text(encoding="utf-8"))
)


@pytest.mark.parametrize("page", PAGES_WITH_EXAMPLES)
def test_examples_on_docs_pages(page: str) -> None:
    path = DOCS / page
    parser = doctest.DocTestParser()
    test = parser.get_doctest(
        _sessions(path.read_text(encoding="utf-8")), {}, f"docs/{page}", str(path), 0
    )
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    report: list[str] = []
    result = runner.run(test, out=report.append)
    assert result.attempted, f"docs/{page} has no example to run"
    assert not result.failed, "".join(report)


def _python_blocks(text: str) -> list[tuple[int, str]]:
    """The fenced ```python blocks of a page that are code, not sessions: (line, code)."""
    blocks: list[tuple[int, str]] = []
    lines = text.splitlines()
    start: int | None = None
    for number, line in enumerate(lines):
        if start is None and line.strip() == "```python":
            start = number + 1
        elif start is not None and line.strip() == "```":
            code = "\n".join(lines[start:number])
            if not code.lstrip().startswith(">>>"):
                blocks.append((start + 1, code))
            start = None
    return blocks


EXTENSION_POINT_PAGES = sorted(
    page.relative_to(DOCS).as_posix() for page in (DOCS / "extension-points").glob("*.md")
)


@pytest.mark.parametrize("page", EXTENSION_POINT_PAGES)
def test_extension_point_examples_register_checks(page: str) -> None:
    from dataworks_ext import EVENT_KINDS, Extension
    from dataworks_ext.testing import (
        RecordingCallback,
        backfill_event,
        freeze_event,
        restore_event,
        unpublish_event,
    )

    blocks = _python_blocks((DOCS / page).read_text(encoding="utf-8"))
    assert blocks, f"docs/{page} shows no example"
    for line, code in blocks:
        namespace: dict[str, object] = {"__name__": f"docs_{line}"}
        exec(compile(code, f"docs/{page}:{line}", "exec"), namespace)
        registry = namespace["registry"]
        recorder = RecordingCallback()
        extension = Extension("docs", callback=recorder, registry=registry)
        for build in (freeze_event, restore_event, unpublish_event, backfill_event):
            extension.handle(build())
        assert len(recorder) == 4
        # Every check the page registers runs on a message of its event.
        assert len(registry) > 0  # type: ignore[arg-type]
        for kind in EVENT_KINDS:
            checks = registry.checks_for_code(kind.event_code)  # type: ignore[attr-defined]
            if not checks or not kind.is_extension_point:
                continue
            outcome = extension.handle(_message_of(kind.event_code))
            assert outcome.verdict is not None and outcome.error is None, (page, kind.event_code)


def _message_of(event_code: str) -> Any:
    from dataworks_ext import testing

    for name in testing.__all__:
        if name.endswith("_event") and name != "extension_point_event":
            message = getattr(testing, name)()
            if message.event_code == event_code:
                return message
    return testing.extension_point_event(event_code, {"rowCount": 5000})


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args],
        cwd=FIRST_CHECK,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "NO_COLOR": "1"},
    )


@pytest.mark.skipif(not FIRST_CHECK.is_dir(), reason="the docs are not part of this tree")
def test_getting_started_tests_pass() -> None:
    result = _run("-m", "pytest", "-p", "no:cacheprovider", "test_checks.py")
    assert result.returncode == 0, result.stdout + result.stderr
    page = (DOCS / "getting-started.md").read_text(encoding="utf-8")
    shown = page.split("```sh\npytest\n```", 1)[1].split("```text\n", 1)[1].split("```", 1)[0]
    output = [line.rstrip() for line in result.stdout.splitlines()]
    lines = [line.rstrip() for line in shown.splitlines()]
    assert any(output[i : i + len(lines)] == lines for i in range(len(output))), (
        f"the guide shows\n{shown}\nbut pytest printed\n{result.stdout}"
    )
    assert "3 passed" in output[-1]


@pytest.mark.skipif(not FIRST_CHECK.is_dir(), reason="the docs are not part of this tree")
@pytest.mark.parametrize(
    ("args", "verdict"),
    [
        (["freeze", "--node-id", "700005966962"], "FAIL"),
        (["freeze", "--node-id", "700005967001"], "OK"),
        (["backfill", "--days", "90"], "FAIL"),
    ],
)
def test_getting_started_trigger_commands(args: list[str], verdict: str) -> None:
    result = _run(
        "-m", "dataworks_ext", "trigger", *args, "--app", "checks:registry", "--expect", verdict
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "delivered  yes" in result.stdout
