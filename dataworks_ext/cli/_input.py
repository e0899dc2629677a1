"""Reading captured messages: one file or standard input (``parse``, ``trigger --file``), and
folders of JSON files and JSON lines with the verdicts expected of them (``check``)."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from ..errors import ConfigurationError

MESSAGE_SUFFIXES = (".json", ".jsonl", ".ndjson")
"""The files a folder given to ``check`` is searched for (recursively)."""
EXPECT_SUFFIX = ".expect.json"
"""``captured.expect.json`` holds what is expected of the messages in ``captured.json``."""
EXPECT_KEY = "expect"
"""The key of a message (in a JSON file or a JSON line) that holds what is expected of it."""
EXPECT_FIELDS = ("result", "tip_contains", "decided_by")
"""The fields of an expectation."""
_RESULTS = ("OK", "WARN", "FAIL")


def read_input(path: str) -> bytes:
    """The bytes of ``path``, or of standard input for ``-``."""
    if path == "-":
        return sys.stdin.buffer.read()
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise ConfigurationError(f"cannot read {path}: {reason}") from None


class Expectation:
    """What a captured message's verdict must be: its result (``None``: no verdict at all),
    a piece of its tip, the check that decided it; a field left out is not compared."""

    __slots__ = ("decided_by", "has_result", "result", "tip_contains")

    def __init__(self, data: Any, where: str) -> None:
        if not isinstance(data, Mapping):
            raise ConfigurationError(
                f"{where}: an expectation is a JSON object such as "
                f'{{"result": "FAIL", "tip_contains": "protected"}}'
            )
        unknown = sorted(set(data) - set(EXPECT_FIELDS))
        if unknown:
            raise ConfigurationError(
                f"{where}: unknown expectation field {', '.join(map(repr, unknown))}; "
                f"the fields are {', '.join(EXPECT_FIELDS)}"
            )
        self.has_result = "result" in data
        self.result: str | None = None
        if self.has_result:
            result = data["result"]
            if result is not None and str(result).upper() not in _RESULTS:
                raise ConfigurationError(
                    f"{where}: result must be OK, WARN, FAIL or null (no verdict), got {result!r}"
                )
            self.result = None if result is None else str(result).upper()
        self.tip_contains = _optional_text(data, "tip_contains", where)
        self.decided_by = _optional_text(data, "decided_by", where)

    def differences(
        self, result: str | None, tip: str | None, decided_by: Sequence[str]
    ) -> list[str]:
        """What differs from the expectation, in words; empty when everything matches."""
        found: list[str] = []
        if self.has_result and self.result != result:
            found.append(f"expected {self.result or 'no verdict'}, got {result or 'no verdict'}")
        if self.tip_contains is not None and self.tip_contains not in (tip or ""):
            found.append(f"tip lacks {self.tip_contains!r}")
        if self.decided_by is not None and self.decided_by not in decided_by:
            found.append(f"not decided by {self.decided_by!r}")
        return found

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {}
        if self.has_result:
            data["result"] = self.result
        if self.tip_contains is not None:
            data["tip_contains"] = self.tip_contains
        if self.decided_by is not None:
            data["decided_by"] = self.decided_by
        return data


def _optional_text(data: Mapping[str, Any], key: str, where: str) -> str | None:
    value = data.get(key)
    if value is not None and not isinstance(value, str):
        raise ConfigurationError(f"{where}: {key} must be a string, got {value!r}")
    return value


class Captured:
    """One captured message: where it came from, its body, and what is expected of it."""

    __slots__ = ("_by_id", "body", "expect", "source")

    def __init__(
        self,
        source: str,
        body: Any,
        expect: Expectation | None,
        by_id: Mapping[str, Expectation] | None = None,
    ) -> None:
        self.source = source
        self.body = body
        """The decoded JSON of the message, or the raw bytes of a line that is not JSON."""
        self.expect = expect
        self._by_id = by_id

    def expectation(self, message_id: str | None) -> Expectation | None:
        """The expectation for this message, once its id is known."""
        if self.expect is not None:
            return self.expect
        if self._by_id is not None and message_id is not None:
            return self._by_id.get(message_id)
        return None


def _files(paths: Sequence[str]) -> list[str]:
    found: list[str] = []
    for path in paths:
        if os.path.isdir(path):
            for root, dirs, names in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(names):
                    if name.endswith(MESSAGE_SUFFIXES) and not name.endswith(EXPECT_SUFFIX):
                        found.append(os.path.join(root, name))
        elif os.path.isfile(path):
            found.append(path)
        else:
            raise ConfigurationError(f"{path}: no such file or folder")
    if not found:
        shown = ", ".join(paths)
        raise ConfigurationError(
            f"no captured messages in {shown} (looked for {', '.join(MESSAGE_SUFFIXES)} files)"
        )
    return found


def _beside(path: str) -> tuple[Expectation | None, dict[str, Expectation] | None]:
    """The expectation file beside ``path``: one expectation for all its messages, or one per
    message id."""
    stem = path.rsplit(".", 1)[0] if "." in os.path.basename(path) else path
    expect_path = stem + EXPECT_SUFFIX
    if not os.path.isfile(expect_path):
        return None, None
    raw = read_input(expect_path)
    try:
        data = json.loads(raw)
    except ValueError as exc:
        raise ConfigurationError(f"{expect_path}: not JSON ({exc})") from None
    by_id = (
        isinstance(data, Mapping)
        and bool(data)
        and not set(data) <= set(EXPECT_FIELDS)
        and all(isinstance(v, Mapping) for v in data.values())
    )
    if by_id:
        return None, {
            str(key): Expectation(value, f"{expect_path} [{key}]") for key, value in data.items()
        }
    return Expectation(data, expect_path), None


def _one(source: str, body: Any, beside: tuple[Expectation | None, Any]) -> Captured:
    expect, by_id = beside
    if isinstance(body, Mapping) and EXPECT_KEY in body:
        body = dict(body)
        expect = Expectation(body.pop(EXPECT_KEY), f"{source}: {EXPECT_KEY}")
    return Captured(source, body, expect, by_id)


def captured_messages(paths: Sequence[str]) -> Iterator[Captured]:
    """Every message in ``paths`` (files, or folders searched for JSON and JSON-lines files).

    A file holds one message, an array of them (an EventBridge batch), or one message a line;
    a line that is not JSON is a message that cannot be read, as it would be in production.
    """
    for path in _files(paths):
        beside = _beside(path)
        raw = read_input(path)
        try:
            whole = json.loads(raw)
        except ValueError:
            lines = raw.splitlines()
            if len([line for line in lines if line.strip()]) <= 1:
                yield _one(path, raw, beside)
                continue
            for number, line in enumerate(lines, 1):
                if not line.strip():
                    continue
                try:
                    item = json.loads(line)
                except ValueError:
                    yield _one(f"{path}:{number}", line, beside)
                    continue
                items = item if isinstance(item, list) else [item]
                for index, one in enumerate(items):
                    where = f"{path}:{number}" + (f"[{index}]" if len(items) > 1 else "")
                    yield _one(where, one, beside)
            continue
        if isinstance(whole, list):
            for index, item in enumerate(whole):
                yield _one(f"{path}[{index}]", item, beside)
        else:
            yield _one(path, whole, beside)
