"""The docs say what the code does.

* Generated blocks (the Getting started files, the example messages) are written into the
  Markdown pages so that they read well on the repository's web page; a page whose block no
  longer matches its source is stale (refresh: ``python scripts/generate_docs.py``).
* The tests the testing page shows pass, and fail when the fault they are about is taken
  away (a test that cannot fail is no test).
* Every check name a sample output shows (``checks: NAME (event)``, ``checks     NAME``,
  ``Check 'NAME' refused``) is registered by the code the docs show or ship, so a sample that
  names a check nobody registers is caught.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
import types
from collections.abc import Iterator
from pathlib import Path

import pytest
from _docs_text import DOCS, README, ROOT, Block, blocks

import dataworks_ext
from dataworks_ext import EVENT_KINDS, Registry


def _load(path: Path, name: str) -> types.ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


generated = _load(DOCS / "_ext" / "dwx_generated.py", "dwx_generated_for_tests")

PAGES = sorted(
    [
        README,
        *(page for page in DOCS.rglob("*.md") if "_build" not in page.parts),
        *ROOT.glob("examples/*/README.md"),
    ]
)


def _name(page: Path) -> str:
    return page.relative_to(ROOT).as_posix()


# ---------------------------------------------------------------------------- generated blocks


def test_the_guide_and_the_messages_page_have_generated_blocks() -> None:
    assert {"getting-started.md", "messages.md"} <= {p.name for p in generated.pages()}


@pytest.mark.parametrize("page", generated.pages(), ids=_name)
def test_generated_blocks_are_fresh(page: Path) -> None:
    text = page.read_text(encoding="utf-8")
    # argparse wraps usage lines differently from one Python to the next
    skip = frozenset() if sys.version_info[:2] == generated.USAGE_PYTHON else {"usage"}
    assert generated.refresh(text, page, frozenset(skip)) == text, (
        f"{_name(page)} is stale: run python scripts/generate_docs.py"
    )


def test_a_stale_block_is_refreshed(tmp_path: Path) -> None:
    page = DOCS / "messages.md"
    text = page.read_text(encoding="utf-8")
    stale = text.replace('"eventCode": "freeze-node"', '"eventCode": "freeze-nodes"', 1)
    assert stale != text
    assert generated.refresh(stale, page) == text


@pytest.mark.parametrize("page", PAGES, ids=_name)
def test_pages_show_their_code_without_a_build(page: Path) -> None:
    """A directive that only a docs build expands would show as a directive on the web page."""
    text = page.read_text(encoding="utf-8")
    assert "{literalinclude}" not in text
    assert "dwx-example-message" not in text
    if "extension-points" in page.parts:  # field tables, event tables, example messages
        assert "{eval-rst}" not in text


def test_the_extension_point_pages_carry_their_tables_and_messages() -> None:
    pages = sorted((DOCS / "extension-points").glob("*.md"))
    assert pages and set(pages) <= set(generated.pages())
    backfill = (DOCS / "extension-points" / "backfill.md").read_text(encoding="utf-8")
    assert "| `multipleTimePeriods` | `periods` | `tuple[BizPeriod, ...]`, required |" in backfill
    assert "| Data backfill event | `backfill-data` |" in backfill
    assert '"eventCode": "backfill-data"' in backfill


def test_a_stale_field_table_is_found_by_the_generator(tmp_path: Path) -> None:
    page = DOCS / "extension-points" / "backfill.md"
    text = page.read_text(encoding="utf-8")
    stale = text.replace("| `rootNodeId` | `root_node_id` |", "| `rootNodeID` | `root_node_id` |")
    assert stale != text
    assert generated.refresh(stale, page) == text


def test_the_generator_script_finds_nothing_stale() -> None:
    import subprocess

    done = subprocess.run(
        [sys.executable, str(DOCS.parent / "scripts" / "generate_docs.py"), "--check"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr


# ---------------------------------------------------------------------------- check names


def _registries(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, Registry]]:
    """Every registry the docs show or the repository ships, with where it comes from."""
    from dataworks_ext.cli import demo_checks as _demo

    yield "dataworks_ext.cli.demo_checks", _demo.registry
    from dataworks_ext import CallbackClient, Lookups

    yield (
        "dataworks_ext.cli.demo_checks",
        _demo.code_checks(Lookups(CallbackClient(region_id="cn-shanghai"))),
    )
    yield "examples/policies.py", _load(ROOT / "examples" / "policies.py", "policies_docs").registry
    for path in sorted(DOCS.glob("snippets/**/*.py")):
        if not path.name.startswith("test_"):
            module = _load(path, f"snippet_{path.stem}")
            for value in vars(module).values():
                if isinstance(value, Registry):
                    yield _name(path), value
    decorators = [name for name in dataworks_ext.__all__ if name.startswith("on_")]
    for page in PAGES:
        for block in blocks(page.read_text(encoding="utf-8")):
            if block.info != "python" or "@" not in block.text or ">>>" in block.text:
                continue
            # The module-level decorators register into a registry of the block's own.
            own = Registry()
            for name in decorators:
                monkeypatch.setattr(dataworks_ext, name, getattr(own, name))
            namespace: dict[str, object] = {"__name__": f"docs_block_{block.line}"}
            try:
                exec(compile(block.text, f"{_name(page)}:{block.line}", "exec"), namespace)
            except ImportError:
                continue  # it imports the reader's own module (from checks import registry)
            yield f"{_name(page)}:{block.line}", own
            for value in namespace.values():
                if isinstance(value, Registry) and value is not own:
                    yield f"{_name(page)}:{block.line}", value


def _check_names(registry: Registry) -> set[str]:
    return {check.name for kind in EVENT_KINDS for check in registry.checks_for(kind.cls)}


_SHOWN = (
    re.compile(r"^checks {2,}(?P<names>.+)$"),  # trigger
    re.compile(r"checks: (?P<described>.+)$"),  # demo, serve
    re.compile(r"Check '(?P<name>[^']+)' refused"),  # a check that returned False
)


def _shown_names(text: str) -> Iterator[tuple[int, str]]:
    for block in blocks(text):
        if block.info not in ("text", ""):
            continue
        for offset, line in enumerate(block.text.splitlines()):
            for pattern in _SHOWN:
                match = pattern.search(line.strip())
                if not match:
                    continue
                found = match.groupdict()
                if found.get("names"):
                    names = [n.strip() for n in found["names"].split(",")]
                elif found.get("described"):
                    names = re.findall(r"([\w.-]+) \([^)]*\)", found["described"])
                else:
                    names = [found["name"]]
                for name in names:
                    yield block.line + offset, name


def test_the_sample_names_are_found() -> None:
    shown = {name for page in PAGES for _, name in _shown_names(page.read_text("utf-8"))}
    assert {"protect_finance_nodes", "protected-nodes", "backfill-limits"} <= shown


def test_check_names_in_sample_outputs_are_registered(monkeypatch: pytest.MonkeyPatch) -> None:
    registered: dict[str, str] = {}
    for where, registry in _registries(monkeypatch):
        for name in _check_names(registry):
            registered.setdefault(name, where)
    assert {"protect_finance_nodes", "max-backfill-days", "max-31-days"} <= set(registered)
    unknown = [
        f"{_name(page)}:{line}: {name}"
        for page in PAGES
        for line, name in _shown_names(page.read_text(encoding="utf-8"))
        if name not in registered and name != "none for this event"
    ]
    assert not unknown, (
        "sample outputs name checks that no example registers (known: "
        + ", ".join(sorted(registered))
        + "):\n"
        + "\n".join(unknown)
    )


def test_a_misnamed_check_in_a_sample_is_caught() -> None:
    sample = "```text\n  extension code x; checks: protect (freeze), max_backfill (backfill)\n```\n"
    assert [name for _, name in _shown_names(sample)] == ["protect", "max_backfill"]


@pytest.fixture(autouse=True)
def _forget_loaded_modules() -> Iterator[None]:
    before = set(sys.modules)
    yield
    for name in set(sys.modules) - before:
        if name.startswith(("snippet_", "policies_docs", "docs_block_")):
            del sys.modules[name]


# ---------------------------------------------------------------------------- the testing page

FIRST_CHECK = DOCS / "snippets" / "first_check"
_IMPORTED = re.compile(r"^\s*(?:from|import) (\w+)", re.MULTILINE)


def _page_tests(page: Path) -> list[Block]:
    """The page's test modules that can run beside the Getting started ``checks.py``."""
    found = []
    for block in blocks(page.read_text(encoding="utf-8")):
        if block.info != "python" or "def test_" not in block.text or ">>>" in block.text:
            continue
        modules = set(_IMPORTED.findall(block.text)) - {"checks"}
        if all(importlib.util.find_spec(name) is not None for name in modules):
            found.append(block)
    return found


def _pytest(folder: Path, files: dict[str, str]) -> subprocess.CompletedProcess[str]:
    folder.mkdir()
    shutil.copy(FIRST_CHECK / "checks.py", folder / "checks.py")
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rf", "-p", "no:cacheprovider", "."],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "NO_COLOR": "1"},
    )


def test_the_testing_page_tests_pass_and_can_fail(tmp_path: Path) -> None:
    """The page's tests pass; with a fault they set up taken away, the test fails.

    A test written so that it passes whatever happens (an ``except`` that asserts only when
    the error comes) shows up here: it still passes without its fault.
    """
    tests = _page_tests(DOCS / "testing.md")
    assert len(tests) >= 4
    result = _pytest(tmp_path / "as-shown", {f"test_line_{b.line}.py": b.text for b in tests})
    assert result.returncode == 0, result.stdout + result.stderr

    mutants: dict[str, str] = {}
    expected: set[str] = set()
    for block in tests:
        lines = block.text.splitlines()
        test = None
        for number, line in enumerate(lines):
            if line.startswith("def test_"):
                test = line[4 : line.index("(")]
            if ".inject(" in line and test:
                name = f"test_line_{block.line}_without_{number}.py"
                mutants[name] = "\n".join(lines[:number] + lines[number + 1 :]) + "\n"
                expected.add(f"{name}::{test}")
    assert expected, "the page injects no fault to take away"
    result = _pytest(tmp_path / "without-faults", mutants)
    failed = set(re.findall(r"^FAILED (\S+)", result.stdout, re.MULTILINE))
    assert expected <= failed, (
        f"tests that pass without the fault they are about: {sorted(expected - failed)}\n"
        + result.stdout
    )


@pytest.mark.parametrize(
    ("kind", "settings"),
    [
        ("range", {"start": "2025-01-01T00:00:00+08:00", "end": "2025-01-02T00:00:00+08:00"}),
        ("daily", {"start": "22:00", "end": "06:00"}),
        ("weekly", {"start": "sat", "end": "mon"}),
        ("monthly", {"days": [-1]}),
        ("weekends", {}),
        ("month_end", {}),
        ("dates", {"dates": ["2025-10-01"]}),
    ],
)
def test_the_policies_page_says_which_windows_need_a_name(
    kind: str, settings: dict[str, object]
) -> None:
    from dataworks_ext import ConfigurationError
    from dataworks_ext.policies import from_config

    page = (DOCS / "policies.md").read_text(encoding="utf-8")
    said = re.search(r"`range`, `daily`, `weekly` and `monthly` need a `name`", page)
    assert said, "policies.md no longer says which windows need a name"
    needs_name = kind in ("range", "daily", "weekly", "monthly")
    config = {
        "timezone": "Asia/Shanghai",
        "rules": [{"type": "change_freeze_window", "windows": [{"type": kind, **settings}]}],
    }
    if needs_name:
        with pytest.raises(ConfigurationError, match=r"windows\[0\]\.name: missing"):
            from_config(config)
    else:
        assert len(from_config(config)) >= 1
