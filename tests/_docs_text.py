"""Reading the Markdown of the README and the docs as a reader sees it: its fenced blocks."""

from __future__ import annotations

import re
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
README = ROOT / "README.md"

_UUID = re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b")
_PORT = re.compile(r"\b127\.0\.0\.1:\d+")


class Block(NamedTuple):
    """A fenced code block: its info string (``python``, ``text``...), first line, text."""

    info: str
    line: int
    text: str


def blocks(text: str) -> list[Block]:
    """The page's fenced code blocks, in order (nested fences are part of their block)."""
    found: list[Block] = []
    lines = text.splitlines()
    fence: str | None = None
    info = ""
    start = 0
    for number, line in enumerate(lines):
        stripped = line.strip()
        if fence is None:
            if stripped.startswith("```"):
                fence = stripped[: len(stripped) - len(stripped.lstrip("`"))]
                info = stripped[len(fence) :].strip()
                start = number + 1
        elif stripped == fence:
            found.append(Block(info, start + 1, "\n".join(lines[start:number]) + "\n"))
            fence = None
    return found


def section(text: str, heading: str) -> str:
    """The part of a page under ``heading`` (a whole heading line), up to the next one."""
    lines = text.splitlines()
    begin = lines.index(heading)
    level = heading.split(" ", 1)[0]
    end = next(
        (
            index
            for index in range(begin + 1, len(lines))
            if lines[index].split(" ", 1)[0] in {"#" * n for n in range(1, len(level) + 1)}
            and not _in_fence(lines[:index])
        ),
        len(lines),
    )
    return "\n".join(lines[begin:end]) + "\n"


def _in_fence(lines: list[str]) -> bool:
    return sum(line.strip().startswith("```") for line in lines) % 2 == 1


def stable(output: str) -> str:
    """Output with what changes from run to run (message ids, local ports) made fixed."""
    output = _UUID.sub("<uuid>", output)
    return _PORT.sub("127.0.0.1:<port>", output)
