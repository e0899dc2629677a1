"""What an installed dataworks-ext must hold: its modules, py.typed, the command, the plugin.

In the development checkout (an editable install) these check the checkout.  CI also runs this
file, the docstring examples and the import-lightness tests against the wheel installed (not
editable) into a fresh virtualenv, from an empty folder (``python3 scripts/dev.py
wheel-test``); there ``DWX_INSTALLED_TEST=1`` and the first test insists that the package under
test is the installed copy, so a module left out of the wheel, a missing ``py.typed`` or entry
point fails CI.
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
from importlib import metadata
from pathlib import Path

import pytest

import dataworks_ext
from dataworks_ext._version import __version__

PACKAGE = Path(dataworks_ext.__file__).resolve().parent
SOURCE = Path(os.environ.get("DWX_SOURCE", Path(__file__).resolve().parent.parent))


def _files(root: Path) -> set[str]:
    return {
        path.relative_to(root).as_posix()
        for path in root.rglob("*")
        if path.is_file()
        and (path.suffix == ".py" or path.name == "py.typed")
        and "__pycache__" not in path.parts
    }


@pytest.mark.skipif(
    os.environ.get("DWX_INSTALLED_TEST") != "1", reason="runs against an installed wheel only"
)
def test_the_package_under_test_is_the_installed_wheel() -> None:
    site_packages = Path(sysconfig.get_paths()["purelib"]).resolve()
    assert PACKAGE.is_relative_to(site_packages), f"testing {PACKAGE}, not the installed copy"
    assert (SOURCE / "dataworks_ext").resolve() != PACKAGE
    direct_url = metadata.distribution("dataworks-ext").read_text("direct_url.json") or ""
    assert '"editable": true' not in direct_url


def test_every_module_of_the_source_and_py_typed_are_installed() -> None:
    missing = _files(SOURCE / "dataworks_ext") - _files(PACKAGE)
    assert not missing, f"not installed: {sorted(missing)}"
    assert (PACKAGE / "py.typed").is_file()


def test_the_installed_metadata_matches_the_package() -> None:
    dist = metadata.distribution("dataworks-ext")
    assert dist.version == __version__
    assert dist.metadata["Requires-Python"] == ">=3.10"
    scripts = {ep.name: ep.value for ep in dist.entry_points.select(group="console_scripts")}
    assert scripts == {"dataworks-ext": "dataworks_ext.cli:main"}
    plugins = {ep.name: ep.value for ep in dist.entry_points.select(group="pytest11")}
    assert plugins == {"dataworks_ext": "dataworks_ext.testing.pytest_plugin"}


def test_the_installed_command_reports_the_installed_version(tmp_path: Path) -> None:
    script = Path(sys.executable).with_name("dataworks-ext")
    assert script.exists(), f"no dataworks-ext script beside {sys.executable}"
    result = subprocess.run(
        [str(script), "--version"], capture_output=True, text=True, cwd=tmp_path, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"dataworks-ext {metadata.version('dataworks-ext')}"


def test_python_dash_m_runs_the_command(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "dataworks_ext", "--version"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith(__version__)
