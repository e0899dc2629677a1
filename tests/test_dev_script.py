"""``scripts/dev.py test`` runs the current interpreter; ``--all`` every supported Python found
(CI's choice); the README's Quickstart keeps its two commands and says so."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def dev(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    spec = importlib.util.spec_from_file_location("_dwx_dev_script", ROOT / "scripts" / "dev.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.delenv("DWX_PYTHONS", raising=False)
    return module


def test_test_runs_the_current_interpreter_only(dev: ModuleType) -> None:
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    assert dev.pythons_to_test(False) == {version: Path(sys.executable)}


def test_all_looks_for_every_supported_python(
    dev: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    found = {"3.10": Path("/x/python3.10"), "3.13": Path("/x/python3.13")}
    monkeypatch.setattr(dev, "find_pythons", lambda: found)
    assert dev.pythons_to_test(True) == found
    monkeypatch.setenv("DWX_PYTHONS", "3.13")  # the versions named, without --all
    assert dev.pythons_to_test(False) == found


def test_cmd_test_takes_all_off_the_pytest_arguments(
    dev: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    chosen: list[bool] = []
    monkeypatch.setattr(dev, "pythons_to_test", lambda every: chosen.append(every) or {})
    monkeypatch.setattr(dev, "venv_for", lambda *a, **k: pytest.fail("nothing to install"))
    assert dev.cmd_test(["--all", "-x"]) == 0
    assert chosen == [True]


def test_ci_runs_every_python_and_the_readme_says_what_test_does() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert re.search(r'^"\$PY" scripts/dev\.py test --all$', ci, re.M)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    quickstart = readme.split("## Quickstart", 1)[1].split("\n## ", 1)[0]
    block = quickstart.split("```sh\n", 1)[1].split("```", 1)[0]
    commands = [line.split("#")[0].strip() for line in block.splitlines() if line.strip()]
    assert commands == ["python3 scripts/dev.py demo", "python3 scripts/dev.py test"]
    assert "on this Python" in block
    assert "`test --all`" in quickstart
    doc = (ROOT / "scripts" / "dev.py").read_text(encoding="utf-8").split('"""')[1]
    assert "test --all" in doc and "on this Python" in doc
