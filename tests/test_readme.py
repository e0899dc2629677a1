"""The README's first example runs exactly as shown, with nothing set up.

The test saves the example under the file name the README gives, runs the command the README
shows from that folder (the installed ``dataworks-ext`` script, with no DataWorks or Alibaba
Cloud variable in the environment) and compares the output with the README's, message id and
local port aside.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from _docs_text import README, Block, blocks, section, stable

FIRST = section(README.read_text(encoding="utf-8"), "## A first extension")


def _first(info: str) -> Block:
    return next(block for block in blocks(FIRST) if block.info == info)


def _script() -> Path:
    script = Path(sys.executable).with_name("dataworks-ext")
    if not script.is_file():
        pytest.skip(f"the dataworks-ext script is not installed beside {sys.executable}")
    return script


def _clean_environment() -> dict[str, str]:
    """The environment of a fresh shell: no DataWorks, cloud or colour settings."""
    return {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DATAWORKS_", "ALIBABA_CLOUD_", "DWX_"))
        and key not in {"NO_COLOR", "FORCE_COLOR", "PYTHONPATH"}
    }


def _run(folder: Path, command: str) -> subprocess.CompletedProcess[str]:
    argv = shlex.split(command)
    assert argv[0] == "dataworks-ext", f"the README runs {argv[0]!r}, not dataworks-ext"
    return subprocess.run(
        [str(_script()), *argv[1:]],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=120,
        env=_clean_environment(),
    )


@pytest.fixture
def first_example(tmp_path: Path) -> Path:
    name = re.search(r"Save this as `([\w.]+\.py)`", FIRST)
    assert name, "the README's first example says under which file name to save it"
    (tmp_path / name.group(1)).write_text(_first("python").text, encoding="utf-8")
    return tmp_path


def test_the_first_example_is_the_checks_module_alone() -> None:
    code = _first("python").text
    assert "Extension" not in code.replace("BackfillEvent", "").replace("FreezeNodeEvent", "")
    assert "from_env" not in code


def test_the_first_command_prints_what_the_readme_shows(first_example: Path) -> None:
    (command,) = _first("sh").text.strip().splitlines()
    result = _run(first_example, command)

    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stderr == ""
    assert stable(result.stdout) == stable(_first("text").text)


@pytest.mark.parametrize(
    ("command", "verdict"),
    re.findall(r"`(dataworks-ext trigger [^`]+|--node-id \d+)`\s+(?:answers\s+)?(OK|FAIL)", FIRST),
)
def test_the_commands_named_after_it_answer_as_the_readme_says(
    first_example: Path, command: str, verdict: str
) -> None:
    if command.startswith("--"):  # an option changed in the command shown
        shown = _first("sh").text.strip()
        command = re.sub(r"--node-id \d+", command, shown)
    result = _run(first_example, f"{command} --expect {verdict}")

    assert result.returncode == 0, result.stdout + result.stderr
    assert f"verdict    {verdict}" in result.stdout
