#!/usr/bin/env python3
"""One entry point for the project's own chores, needing nothing but Python 3.10+.

    python3 scripts/dev.py demo     # install into .venvs/ and run the demo (the main job)
    python3 scripts/dev.py test     # install, lint, type-check and test on this Python
    python3 scripts/dev.py test --all  # the same on every supported Python found (CI)
    python3 scripts/dev.py docs     # build the HTML docs into docs/_build/html
    python3 scripts/dev.py bench    # run the benchmarks (prints a table, writes JSON)
    python3 scripts/dev.py build    # build the sdist and the wheel into dist/ and check them
    python3 scripts/dev.py wheel-test  # build, install the wheel into a fresh virtualenv, test it

Each command makes its own virtual environment under ``.venvs/`` and installs the project
with the extras it needs, so it works on a fresh machine.  ``test`` runs the suite on the
Python running this script; ``test --all`` on every CPython from 3.10 to 3.13 it can find
(``python3.X`` on PATH or under pyenv), as CI does; ``DWX_PYTHONS=3.11`` (comma-separated)
chooses the versions instead.  Lint and ``mypy --strict`` run once.  Other arguments go to
pytest (``python3 scripts/dev.py test -x -q tests/test_cli.py``).
"""

from __future__ import annotations

import email.parser
import hashlib
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENVS = ROOT / ".venvs"
DIST = ROOT / "dist"
BUILD_TOOLS = ("build>=1.2", "twine>=6.1")
DEV_REQUIREMENTS = ROOT / "requirements-dev.txt"
SUPPORTED = ("3.10", "3.11", "3.12", "3.13")
PYTEST_NO_TESTS = 5
EXAMPLES_TYPED = (
    "examples/policies.py",
    "examples/flask_app/app.py",
    "examples/kafka/consumer.py",
    "examples/fc/index.py",
    "examples/datastudio/checks.py",
)


def log(text: str) -> None:
    print(f"[dev] {text}", flush=True)


def run(cmd: list[str | Path], **kwargs: object) -> int:
    log("$ " + " ".join(str(c) for c in cmd))
    return subprocess.call([str(c) for c in cmd], cwd=ROOT, **kwargs)  # type: ignore[call-overload]


def find_pythons() -> dict[str, Path]:
    wanted = os.environ.get("DWX_PYTHONS")
    versions = [v.strip() for v in wanted.split(",")] if wanted else list(SUPPORTED)
    found: dict[str, Path] = {}
    pyenv_root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    for version in versions:
        candidates: list[Path] = []
        if pyenv_root.is_dir():
            candidates += sorted(pyenv_root.glob(f"{version}.*/bin/python{version}"), reverse=True)
        on_path = shutil.which(f"python{version}")
        if on_path:
            candidates.append(Path(on_path))
        if f"{sys.version_info.major}.{sys.version_info.minor}" == version:
            candidates.append(Path(sys.executable))
        for candidate in candidates:
            if candidate.exists():
                found[version] = candidate
                break
    return found


def venv_for(python: Path, name: str, extras: str, *, dev_tools: bool = True) -> Path:
    """Create (or reuse) ``.venvs/<name>`` with the project installed with ``extras``.

    ``dev_tools`` adds what developers of the project use (``requirements-dev.txt``: the
    pinned linters, orjson for the fast-path tests); users' extras never include them.
    """
    venv = VENVS / name
    bindir = venv / "bin"
    stamp = venv / ".dwx-installed"
    dev = DEV_REQUIREMENTS.read_bytes() if dev_tools else b""
    key = hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + extras.encode() + dev).hexdigest()
    if stamp.exists() and stamp.read_text() == key and (bindir / "python").exists():
        return bindir
    if venv.exists():
        shutil.rmtree(venv)
    if run([python, "-m", "venv", venv]) != 0:
        raise SystemExit(f"could not create a virtualenv with {python}")
    log(f"installing the project with [{extras}] into {venv.relative_to(ROOT)} (once)")
    install = [bindir / "python", "-m", "pip", "install", "-q", "-e", f".[{extras}]"]
    if dev_tools:
        install += ["-r", DEV_REQUIREMENTS]
    if run(install) != 0:
        raise SystemExit(f"installing the project into {venv} failed")
    stamp.write_text(key)
    return bindir


def current_python() -> dict[str, Path]:
    """The interpreter running this script, by its version."""
    return {f"{sys.version_info.major}.{sys.version_info.minor}": Path(sys.executable)}


def pythons_to_test(every: bool) -> dict[str, Path]:
    """``DWX_PYTHONS`` when set; with ``--all``, every supported CPython found; else the
    running interpreter."""
    if not every and not os.environ.get("DWX_PYTHONS"):
        return current_python()
    found = find_pythons()
    if not found:
        log("no CPython 3.10-3.13 found; using the running interpreter")
        return current_python()
    return found


def cmd_test(args: list[str]) -> int:
    every = "--all" in args
    args = [arg for arg in args if arg != "--all"]
    pythons = pythons_to_test(every)
    log("testing on " + ", ".join(f"{v} ({p})" for v, p in pythons.items()))
    failures: list[str] = []
    first = True
    for version, python in pythons.items():
        started = time.monotonic()
        bindir = venv_for(python, f"py{version}", "test,examples")
        if first:
            first = False
            checks = [
                [bindir / "ruff", "check", "."],
                [bindir / "ruff", "format", "--check", "."],
                [bindir / "mypy", "--strict", "dataworks_ext", *EXAMPLES_TYPED],
                # the registry surface and the operations, generated from EVENT_KINDS
                [bindir / "python", "scripts/generate_registry.py", "--check"],
                # dead code, at 80 % confidence (unused names, unreachable code)
                [bindir / "vulture", "dataworks_ext", "--min-confidence", "80"],
            ]
            for check in checks:
                if run(check) != 0:
                    failures.append(f"{version}: {Path(check[0]).name} {check[1]}")
        code = run([bindir / "python", "-m", "pytest", *args])
        if code == PYTEST_NO_TESTS:
            log(f"python {version}: pytest collected no tests; that is a failure")
            failures.append(f"{version}: no tests ran")
        elif code != 0:
            failures.append(f"{version}: pytest exited {code}")
        log(f"python {version} done in {time.monotonic() - started:.0f}s")
    if failures:
        log("FAILED: " + "; ".join(failures))
        return 1
    log("all checks passed on " + ", ".join(pythons))
    return 0


def main_venv() -> Path:
    return venv_for(Path(sys.executable), "main", "test,examples")


def cmd_demo(args: list[str]) -> int:
    bindir = main_venv()
    return run([bindir / "dataworks-ext", "demo", *args])


def cmd_docs(args: list[str]) -> int:
    bindir = venv_for(Path(sys.executable), "docs", "test,examples,docs")
    out = ROOT / "docs" / "_build" / "html"
    code = run([bindir / "sphinx-build", "-W", "--keep-going", "-n", "-b", "html", "docs", out])
    if code == 0:
        log(f"open {out / 'index.html'}")
    return code


def cmd_bench(args: list[str]) -> int:
    bindir = main_venv()
    return run([bindir / "python", "benchmarks/run.py", *args])


# ---------------------------------------------------------------------------- release

# The tests that must pass against the installed wheel, not the checkout: every docstring
# example, the import-lightness tests, and what the wheel itself must hold.
INSTALLED_TESTS = (
    "tests/test_installed.py",
    "tests/test_doctests.py::test_docstring_examples",
    "tests/test_callback.py::test_import_dataworks_ext_does_not_import_the_sdk",
    "tests/test_pytest_plugin.py::"
    "test_the_testing_helpers_and_the_plugin_do_not_import_hypothesis_or_the_official_sdk",
    "tests/test_pytest_plugin.py::"
    "test_the_command_starts_without_importing_what_only_some_commands_need",
)
REQUIRED_METADATA = ("Name", "Version", "Summary", "Requires-Python", "License-Expression")


def tools_venv() -> Path:
    """``.venvs/tools``: build and twine, without the project."""
    venv = VENVS / "tools"
    bindir = venv / "bin"
    stamp = venv / ".dwx-installed"
    key = " ".join(BUILD_TOOLS)
    if stamp.exists() and stamp.read_text() == key and (bindir / "python").exists():
        return bindir
    if venv.exists():
        shutil.rmtree(venv)
    if run([sys.executable, "-m", "venv", venv]) != 0:
        raise SystemExit("could not create the tools virtualenv")
    log(f"installing {', '.join(BUILD_TOOLS)} into {venv.relative_to(ROOT)} (once)")
    if run([bindir / "python", "-m", "pip", "install", "-q", *BUILD_TOOLS]) != 0:
        raise SystemExit("installing the build tools failed")
    stamp.write_text(key)
    return bindir


def source_modules() -> set[str]:
    """The package's files a wheel must hold: every module and py.typed."""
    package = ROOT / "dataworks_ext"
    return {
        path.relative_to(ROOT).as_posix()
        for path in package.rglob("*")
        if path.is_file()
        and (path.suffix == ".py" or path.name == "py.typed")
        and "__pycache__" not in path.parts
    }


def check_wheel(wheel: Path) -> list[str]:
    """What is wrong with the wheel's metadata and contents (an empty list when nothing)."""
    problems: list[str] = []
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        info = next(n.split("/")[0] for n in names if n.endswith(".dist-info/METADATA"))
        metadata = email.parser.Parser().parsestr(archive.read(f"{info}/METADATA").decode())
        entry_points = archive.read(f"{info}/entry_points.txt").decode()
    for field in REQUIRED_METADATA:
        if not metadata.get(field):
            problems.append(f"METADATA has no {field}")
    classifiers = metadata.get_all("Classifier") or []
    for wanted in ("Typing :: Typed", "Programming Language :: Python :: 3.10"):
        if wanted not in classifiers:
            problems.append(f"no classifier {wanted!r}")
    if not metadata.get_all("Project-URL"):
        problems.append("no Project-URL ([project.urls])")
    if metadata.get("Description-Content-Type") != "text/markdown":
        problems.append("the long description is not declared as Markdown")
    if not any(n.endswith(("licenses/LICENSE", "/LICENSE")) for n in names):
        problems.append("the LICENSE file is not in the wheel")
    for wanted in ("dataworks-ext = dataworks_ext.cli:main", "dataworks_ext.testing.pytest_plugin"):
        if wanted not in entry_points:
            problems.append(f"entry point missing: {wanted}")
    for missing in sorted(source_modules() - names):
        problems.append(f"not in the wheel: {missing}")
    return problems


def check_sdist(sdist: Path) -> list[str]:
    with tarfile.open(sdist) as archive:
        names = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    wanted = source_modules() | {"pyproject.toml", "README.md", "LICENSE", "CHANGELOG.md"}
    return [f"not in the sdist: {name}" for name in sorted(wanted - names)]


def cmd_build(args: list[str]) -> int:
    bindir = tools_venv()
    if DIST.exists():
        shutil.rmtree(DIST)
    if run([bindir / "python", "-m", "build", "--outdir", DIST, ROOT]) != 0:
        return 1
    built = sorted(DIST.iterdir())
    if run([bindir / "twine", "check", "--strict", *built]) != 0:
        return 1
    wheel = next(p for p in built if p.suffix == ".whl")
    sdist = next(p for p in built if p.name.endswith(".tar.gz"))
    problems = check_wheel(wheel) + check_sdist(sdist)
    for problem in problems:
        log(f"FAILED: {problem}")
    if problems:
        return 1
    log("built and checked: " + ", ".join(p.name for p in built))
    return 0


def cmd_wheel_test(args: list[str]) -> int:
    """Install the wheel (not editable) into a fresh virtualenv and test the installed copy."""
    if cmd_build([]) != 0:
        return 1
    wheel = next(DIST.glob("*.whl"))
    venv = VENVS / "wheel-test"
    if venv.exists():
        shutil.rmtree(venv)
    if run([sys.executable, "-m", "venv", venv]) != 0:
        return 1
    bindir = venv / "bin"
    # The user-facing extras whose modules have docstring examples, and the OpenTelemetry SDK
    # those of dataworks_ext.telemetry configure (the otel extra is the API alone).
    extras = f"{wheel}[test,redis,otel]"
    if run([bindir / "python", "-m", "pip", "install", "-q", extras, "opentelemetry-sdk"]) != 0:
        return 1
    with tempfile.TemporaryDirectory(prefix="dwx-wheel-test-") as scratch:
        # Run from an empty folder, with pytest's importlib mode and no conftest path
        # insertion, so `import dataworks_ext` can only find the installed copy
        # (tests/test_installed.py asserts it).
        env = {**os.environ, "DWX_INSTALLED_TEST": "1", "DWX_SOURCE": str(ROOT)}
        env.pop("PYTHONPATH", None)
        command = [
            bindir / "python", "-m", "pytest", "-q", "-p", "no:cacheprovider",
            "--rootdir", scratch, "-c", os.devnull, "--import-mode=importlib",
            *(ROOT / test for test in INSTALLED_TESTS), *args,
        ]  # fmt: skip
        log("$ " + " ".join(str(c) for c in command))
        code = subprocess.call([str(c) for c in command], cwd=scratch, env=env)
    if code != 0:
        log(f"FAILED: the installed wheel's tests exited {code}")
        return 1
    log(f"the installed {wheel.name} passed its tests")
    return 0


COMMANDS = {
    "demo": cmd_demo,
    "test": cmd_test,
    "docs": cmd_docs,
    "bench": cmd_bench,
    "build": cmd_build,
    "wheel-test": cmd_wheel_test,
}


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in COMMANDS:
        print(__doc__)
        return 2
    return COMMANDS[argv[0]](argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
