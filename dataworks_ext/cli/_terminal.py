"""Terminal output of the ``dataworks-ext`` command: colour, aligned tables and pairs, help text.

Colour is used only when the stream is a terminal and ``NO_COLOR`` is not set (``--color
always|never`` overrides both); widths count East Asian wide characters as two columns.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable, Sequence
from types import TracebackType
from typing import TextIO


class Style:
    """ANSI styling that is a no-op when colour is off."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    def _wrap(self, text: str, code: str) -> str:
        return f"\x1b[{code}m{text}\x1b[0m" if self.enabled and text else text

    def bold(self, text: str) -> str:
        return self._wrap(text, "1")

    def dim(self, text: str) -> str:
        return self._wrap(text, "2")

    def ok(self, text: str) -> str:
        return self._wrap(text, "32")

    def fail(self, text: str) -> str:
        return self._wrap(text, "1;31")

    def warn(self, text: str) -> str:
        return self._wrap(text, "33")

    def verdict(self, text: str) -> str:
        if text == "OK":
            return self.ok(text)
        if text == "FAIL":
            return self.fail(text)
        return self.dim(text)


def _color_enabled(choice: str, stream: TextIO) -> bool:
    if choice == "always":
        return True
    if choice == "never" or os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("TERM") == "dumb":
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


class Console:
    """Where the command writes: stdout for results, stderr for errors; styled per stream."""

    def __init__(self, color: str, out: TextIO | None = None, err: TextIO | None = None) -> None:
        self.out = out or sys.stdout
        self.err = err or sys.stderr
        self.style = Style(_color_enabled(color, self.out))
        self.err_style = Style(_color_enabled(color, self.err))
        width = None
        isatty = getattr(self.out, "isatty", None)
        if isatty is not None and isatty():
            import shutil

            width = shutil.get_terminal_size((100, 24)).columns
        self.width = width
        """The terminal's width, or ``None`` when the output is not a terminal."""

    def print(self, text: str = "") -> None:
        print(text, file=self.out, flush=True)

    def note(self, text: str) -> None:
        """A line on standard error that is not an error (what a command says about itself)."""
        print(text, file=self.err, flush=True)

    def error(self, text: str) -> None:
        print(f"{self.err_style.fail('error:')} {text}", file=self.err, flush=True)

    def progress(self, label: str, total: int | None = None) -> _Progress:
        """A progress line on standard error for a long run; silent unless it is a terminal."""
        return _Progress(self.err, label, total)


class _Progress:
    """``label  120/4000`` rewritten in place on a terminal, at most ten times a second.

    Nothing is written when the stream is not a terminal (a pipe, a CI log), so what a
    command prints to be read stays clean.  Use it as a context manager: the line is erased
    when the run ends.
    """

    _INTERVAL = 0.1

    def __init__(self, stream: TextIO, label: str, total: int | None = None) -> None:
        isatty = getattr(stream, "isatty", None)
        self.enabled = bool(isatty and isatty()) and os.environ.get("TERM") != "dumb"
        self.stream = stream
        self.label = label
        self.total = total
        self.done = 0
        self._shown_at = 0.0
        self._width = 0

    def advance(self, count: int = 1) -> None:
        self.done += count
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self._shown_at >= self._INTERVAL or self.done == self.total:
            self._shown_at = now
            self._show()

    def _show(self) -> None:
        count = f"{self.done}/{self.total}" if self.total is not None else str(self.done)
        text = f"{self.label}  {count}"
        pad = " " * max(self._width - len(text), 0)
        self._width = len(text)
        self.stream.write(f"\r{text}{pad}")
        self.stream.flush()

    def close(self) -> None:
        if self.enabled and self._width:
            self.stream.write("\r" + " " * self._width + "\r")
            self.stream.flush()
            self._width = 0

    def __enter__(self) -> _Progress:
        return self

    def __exit__(
        self,
        _exc_type: type[BaseException] | None,
        _exc: BaseException | None,
        _tb: TracebackType | None,
    ) -> None:
        self.close()


def _text_width(text: str) -> int:
    import unicodedata

    if text.isascii():
        return len(text)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _wrap(text: str, width: int) -> list[str]:
    """Greedy word wrap by display width; words longer than a line are broken."""
    width = max(width, 1)
    lines: list[str] = []
    current, used = "", 0
    for word in text.split():
        size = _text_width(word)
        if current and used + 1 + size <= width:
            current, used = f"{current} {word}", used + 1 + size
            continue
        if current:
            lines.append(current)
        current, used = "", 0
        while size > width:  # a long word (or CJK text without spaces)
            piece, piece_width = "", 0
            for ch in word:
                if piece_width + _text_width(ch) > width:
                    break
                piece, piece_width = piece + ch, piece_width + _text_width(ch)
            lines.append(piece)
            word = word[len(piece) :]
            size = _text_width(word)
        current, used = word, size
    if current or not lines:
        lines.append(current)
    return lines


Cell = tuple[str, Callable[[str], str] | None]

_WRAP_WITHOUT_TERMINAL = 60
"""Width the wrapped column of a table gets when the output is not a terminal."""


def table_lines(
    headers: Sequence[str],
    rows: Sequence[Sequence[Cell]],
    style: Style,
    *,
    width: int | None = None,
    wrapped: int = -1,
) -> list[str]:
    """Lines of an aligned table; the ``wrapped`` column wraps to fit ``width`` columns.

    Without a ``width`` (not a terminal) that column wraps at 60 characters.
    """
    count = len(headers)
    flex = wrapped % count
    widths = [_text_width(h) for h in headers]
    for row in rows:
        for i, (text, _) in enumerate(row):
            widths[i] = max(widths[i], _text_width(text))
    gap = 2
    others = sum(w for i, w in enumerate(widths) if i != flex) + gap * (count - 1)
    room = _WRAP_WITHOUT_TERMINAL if width is None else width - others - 1
    widths[flex] = max(_text_width(headers[flex]), min(widths[flex], room))

    def lines_of(cells: Sequence[Cell]) -> list[str]:
        columns = [
            _wrap(text, widths[i]) if i == flex else [text] for i, (text, _) in enumerate(cells)
        ]
        out = []
        for n in range(max(len(c) for c in columns)):
            parts = []
            for i, (_, paint) in enumerate(cells):
                text = columns[i][n] if n < len(columns[i]) else ""
                pad = " " * (widths[i] - _text_width(text)) if i < count - 1 else ""
                parts.append((paint(text) if paint else text) + pad)
            out.append((" " * gap).join(parts).rstrip())
        return out

    lines = lines_of([(h, style.bold) for h in headers])
    for row in rows:
        lines += lines_of(row)
    return lines


def pairs_text(pairs: Sequence[tuple[str, str, Callable[[str], str] | None]], style: Style) -> str:
    """``label  value`` lines, labels aligned."""
    width = max((len(label) for label, _, _ in pairs), default=0)
    lines = []
    for label, value, paint in pairs:
        shown = paint(value) if paint else value
        lines.append(f"{style.dim(label.ljust(width))}  {shown}")
    return "\n".join(lines)


class WrappingHelpFormatter(argparse.HelpFormatter):
    """Wraps one-paragraph texts; keeps texts with line breaks (examples) as written."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        if "\n" in text:
            return "".join(indent + line for line in text.splitlines(keepends=True))
        return super()._fill_text(text, width, indent)
