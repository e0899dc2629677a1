#!/usr/bin/env python3
"""One entry point for the project's own chores, needing nothing but Python 3.10+.

    python3 scripts/dev.py demo     # install into .venvs/ and run the demo (the main job)
    python3 scripts/dev.py test     # install, lint, type-check and test on every Python found
    python3 scripts/dev.py docs     # build the HTML docs into docs/_build/html
    python3 scripts/dev.py bench    # run the benchmarks (prints a table, writes JSON)

Each command makes its own virtual environment under ``.venvs/`` and installs the project
with the extras it needs, so it works on a fresh machine.  ``test`` runs the suite on every
CPython from 3.10 to 3.13 it can find (``python3.X`` on PATH or under pyenv); set
``DWX_PYTHONS=3.11`` (comma-separated) to choose.  Lint and ``mypy --strict`` run once.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENVS = ROOT / ".venvs"
DEV_REQUIREMENTS = ROOT / "requirements-dev.txt"
SUPPORTED = ("3.10", "3.11", "3.12", "3.13")
PYTEST_NO_TESTS = 5
EXAMPLES_TYPED = (
    "examples/policies.py",
    "examples/flask/app.py",
    "examples/kafka/consumer.py",
    "examples/fc/index.py",
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


def cmd_test(args: list[str]) -> int:
    pythons = find_pythons()
    if not pythons:
        log("no CPython 3.10-3.13 found; using the running interpreter")
        pythons = {f"{sys.version_info.major}.{sys.version_info.minor}": Path(sys.executable)}
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


COMMANDS = {"demo": cmd_demo, "test": cmd_test, "docs": cmd_docs, "bench": cmd_bench}


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in COMMANDS:
        print(__doc__)
        return 2
    return COMMANDS[argv[0]](argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
