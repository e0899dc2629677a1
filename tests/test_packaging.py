"""What the project declares to pip: the version in one place, extras users can install."""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _pyproject() -> dict[str, Any]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        tomllib = pytest.importorskip("tomli")
    with open(ROOT / "pyproject.toml", "rb") as handle:
        data: dict[str, Any] = tomllib.load(handle)
    return data


def test_the_version_is_read_from_one_place() -> None:
    from dataworks_ext import __version__
    from dataworks_ext._version import __version__ as defined

    project = _pyproject()
    assert "version" not in project["project"]
    assert project["project"]["dynamic"] == ["version"]
    assert project["tool"]["hatch"]["version"]["path"] == "dataworks_ext/_version.py"
    assert __version__ is defined
    assert re.fullmatch(r"\d+\.\d+\.\d+((a|b|rc)\d+)?(\.post\d+)?(\.dev\d+)?", defined)


def test_user_extras_pin_none_of_the_projects_own_tools() -> None:
    extras = _pyproject()["project"]["optional-dependencies"]
    assert {"pytest", "hypothesis"} <= {re.split(r"[<>=!~ \[]", r)[0] for r in extras["test"]}
    developer_only = ("mypy", "ruff", "sphinx", "build", "twine", "pyinstrument")
    for name in ("test", "fast"):
        for requirement in extras[name]:
            assert "==" not in requirement, f"[{name}] pins {requirement}"
            assert not requirement.startswith(developer_only), f"[{name}] has {requirement}"


def test_the_developer_tools_are_in_their_own_file() -> None:
    lines = (ROOT / "requirements-dev.txt").read_text(encoding="utf-8").splitlines()
    wanted = {line.split("==")[0] for line in lines if line and not line.startswith("#")}
    assert {"mypy", "ruff"} <= wanted
    assert "requirements-dev.txt" in (ROOT / "scripts" / "dev.py").read_text(encoding="utf-8")


def test_the_readme_and_the_guide_agree_on_what_to_install() -> None:
    from dataworks_ext import __version__

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    guide = (ROOT / "docs" / "getting-started.md").read_text(encoding="utf-8")
    for text in (readme, guide):
        assert 'pip install "dataworks-ext[test]"' in text  # from an index, once published
        assert "scripts/dev.py build" in text  # the wheel, today
    wheels = re.findall(r"dataworks_ext-([^-\s]+)-py3-none-any\.whl", guide)
    assert wheels and set(wheels) == {__version__}, "the guide names another version's wheel"
