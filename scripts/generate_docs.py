#!/usr/bin/env python3
"""Write the generated parts of the docs into their Markdown pages, so that a page reads the
same on the repository's web page as in the built docs.

    python3 scripts/generate_docs.py           # refresh every page; name the ones that changed
    python3 scripts/generate_docs.py --check   # change nothing; exit 1 naming the stale pages

What is generated (``docs/_ext/dwx_generated.py`` describes the markers): the files of the
Getting started guide, example messages, field tables of the event models and event tables
of the extension points, and the output of the commands the pages show (run here, with their
output written under the command).  ``tests/test_docs.py`` fails while a page is stale.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _generated() -> object:
    spec = importlib.util.spec_from_file_location(
        "dwx_generated", ROOT / "docs" / "_ext" / "dwx_generated.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def main(argv: list[str]) -> int:
    generated = _generated()
    skip: frozenset[str] = frozenset()
    if sys.version_info[:2] != generated.USAGE_PYTHON:  # type: ignore[attr-defined]
        skip = frozenset({"usage"})
        wanted = ".".join(map(str, generated.USAGE_PYTHON))  # type: ignore[attr-defined]
        print(f"the command synopses are left as they are: run this with Python {wanted}")
    stale = []
    for page in generated.pages():  # type: ignore[attr-defined]
        text = page.read_text(encoding="utf-8")
        fresh = generated.refresh(text, page, skip)  # type: ignore[attr-defined]
        if fresh == text:
            continue
        stale.append(page.relative_to(ROOT).as_posix())
        if "--check" not in argv:
            page.write_text(fresh, encoding="utf-8")
    verb = "stale" if "--check" in argv else "refreshed"
    for name in stale:
        print(f"{verb} {name}")
    return 1 if stale and "--check" in argv else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
