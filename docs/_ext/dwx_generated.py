"""Generated blocks written into the Markdown pages, so the sources read well as they stand.

A page shown on the repository's web page cannot run a Sphinx directive, so what a reader must
see there (the Getting started files, the example messages) is written into the page itself,
as a fenced code block after a marker comment that says where it comes from:

``<!-- file: snippets/first_check/checks.py -->``
    The file (relative to ``docs/``), as it is: the tests run the file, so the code on the
    page is the code that is tested.
``<!-- example-message: freeze-node cloudevent -->``
    A realistic message of that event code in that envelope (``cloudevent`` or
    ``function-compute``), made by the :mod:`dataworks_ext.testing` builders.
``<!-- fields: dataworks_ext.BackfillEvent -->``
    A Markdown table of an event model's fields (wire name, Python name, type and default,
    meaning, from ``attrs.fields()`` and their documentation), then its computed properties.
``<!-- event-kinds: backfill -->``
    A Markdown table of the events of those extension points (comma-separated
    :class:`~dataworks_ext.events.ExtensionPoint` names; ``regular``: the events no extension
    point asks about), from
    :data:`dataworks_ext.EVENT_KINDS`: codes, class, decorator, and the API that answers.

``<!-- output: dataworks-ext demo -->``
    What the command prints, run here (``python -m dataworks_ext``, no colour, none of the
    caller's DataWorks settings), after a ``$ command`` line.  ``cd DIR && `` first runs it
    in that folder (relative to ``docs/``; not shown); a final ``2>&1`` shows what it writes
    on standard error too (not shown either).  What changes from run to run is
    written the same each time: an ephemeral port of 127.0.0.1 as ``41395``, the message id
    ``trigger`` makes up as ``85e38ff6-...``, the installed package's folder as
    ``/path/to/site-packages``.
``<!-- usage: trigger -->``
    The synopsis of a ``dataworks-ext`` command: the usage lines of its ``--help``.

After changing a snippet, a builder or an event model, refresh the pages with::

    python scripts/generate_docs.py

``tests/test_docs.py`` fails while a page is stale.  This module needs only dataworks_ext (no
Sphinx), so the tests can use it without the docs tools installed.
"""

from __future__ import annotations

import datetime as dt
import inspect
import json
import re
import sys
from pathlib import Path
from typing import Any

DOCS = Path(__file__).resolve().parent.parent

_MARKER = re.compile(r"^<!-- (file|example-message|fields|event-kinds|output|usage): (.+?) -->$")
# The block belongs to its source, not to ruff's Markdown formatter (the Getting started files
# keep the narrower line length of docs/snippets/ruff.toml).
_FMT_OFF, _FMT_ON = "<!-- fmt:off -->", "<!-- fmt:on -->"

_EXAMPLE_TIME = dt.datetime(2024, 4, 8, 2, 15, 30, 123000, tzinfo=dt.timezone.utc)
_EXAMPLE_MESSAGE_ID = "2d3b7a50-6f0e-4c7a-9e7c-0c1f5b8a9d41"
_EXAMPLE_BIZ_ID = "bd1f0bf8-8a4d-4d6c-9d0b-0f6c1f1e2a11"


def example_message(event_code: str, envelope: str) -> Any:
    """A realistic :class:`dataworks_ext.EventMessage`, made by the testing builders."""
    from dataworks_ext import testing
    from dataworks_ext.events import kind_for_code

    kind = kind_for_code(event_code)
    if kind is not None and kind.is_extension_point and not kind.has_model:
        message = testing.extension_point_event(
            event_code, message_id=_EXAMPLE_MESSAGE_ID, extension_biz_id=_EXAMPLE_BIZ_ID
        )
        return testing.message_for(
            message.event, message_id=_EXAMPLE_MESSAGE_ID, envelope=envelope, time=_EXAMPLE_TIME
        )
    for name in testing.__all__:
        if not name.endswith("_event") or name == "extension_point_event":
            continue
        builder = getattr(testing, name)
        kwargs: dict[str, Any] = {"message_id": _EXAMPLE_MESSAGE_ID}
        kwargs["extension_biz_id"] = _EXAMPLE_BIZ_ID
        params = inspect.signature(builder).parameters
        if "start" in params:
            kwargs.update(days=7, start=dt.date(2024, 4, 1), name="P_backfill_ods_orders_20240401")
        message = builder(**kwargs)
        if message.event.event_code == event_code:
            return testing.message_for(
                message.event,
                message_id=_EXAMPLE_MESSAGE_ID,
                envelope=envelope,
                time=_EXAMPLE_TIME,
            )
    raise LookupError(f"no builder in dataworks_ext.testing makes {event_code!r} events")


def example_message_json(event_code: str, envelope: str = "cloudevent") -> str:
    """The example message as the pages show it: indented JSON."""
    message = example_message(event_code, envelope)
    return json.dumps(message.to_dict(), indent=2, ensure_ascii=False)


def _cell(text: str) -> str:
    """Text for one cell of a Markdown table: one line, its pipes escaped."""
    return " ".join(text.split()).replace("|", "\\|")


def type_text(tp: Any) -> str:
    """A short rendering of a type annotation (``tuple[int, ...]``, ``str | None``)."""
    import types
    import typing

    if tp is type(None) or tp is None:
        return "None"
    if tp is Any:
        return "Any"
    if tp is Ellipsis:
        return "..."
    origin = typing.get_origin(tp)
    if origin in (types.UnionType, typing.Union):
        return " | ".join(type_text(arg) for arg in typing.get_args(tp))
    if origin is not None:
        args = ", ".join(type_text(arg) for arg in typing.get_args(tp))
        return f"{getattr(origin, '__name__', str(origin))}[{args}]"
    return str(getattr(tp, "__qualname__", tp))


def _default_text(field: Any) -> str:
    import enum

    import attrs

    default = field.default
    if default is attrs.NOTHING:
        return "required"
    if isinstance(default, attrs.Factory):  # type: ignore[arg-type]
        value = default.factory()
        return "default empty" if not value else f"default `{value!r}`"
    if isinstance(default, enum.Enum):
        return f"default `{default.value}`"
    if isinstance(default, bool) or default is None:
        return f"default `{json.dumps(default)}`"
    return f"default `{default!r}`"


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(_cell(cell) for cell in row) + " |" for row in rows]
    return lines


def fields_table(path: str) -> str:
    """The Markdown table of an attrs model's fields, and a list of its properties."""
    import importlib
    import typing

    import attrs

    from dataworks_ext.events import wire_name

    modname, _, name = path.rpartition(".")
    cls = getattr(importlib.import_module(modname), name)
    hints = typing.get_type_hints(cls)
    rows = []
    for field in attrs.fields(cls):
        wire = wire_name(field)
        rows.append(
            [
                "*(any other field)*" if wire == "*" else f"`{wire}`",
                f"`{field.name}`",
                f"`{type_text(hints.get(field.name, field.type))}`, {_default_text(field)}",
                field.metadata.get("doc", ""),
            ]
        )
    lines = _table(["Wire name", "Python name", "Type", "Meaning"], rows)
    properties = [
        (member, value)
        for member, value in inspect.getmembers(cls)
        if isinstance(value, property) and not member.startswith("_")
    ]
    if properties:
        lines += ["", "Computed from those fields:", ""]
        for member, value in properties:
            summary = (inspect.getdoc(value) or "").split("\n\n")[0]
            lines.append(f"- `{member}`: {' '.join(summary.split())}")
    return "\n".join(lines)


def _decorators() -> dict[type[Any], str]:
    """Which module-level decorator registers a check for which event class: each row's."""
    import dataworks_ext

    return {k.cls: k.decorator for k in dataworks_ext.EVENT_KINDS if k.decorator is not None}


def event_kinds_table(points: str) -> str:
    """The Markdown table of the events of some extension points (comma-separated names)."""
    import dataworks_ext

    wanted = {p.strip().lower() for p in points.split(",") if p.strip()}
    if wanted == {"regular"}:  # the events no extension point asks about
        regular = [
            [kind.title, f"`{kind.event_code}`", f"`{kind.eventbridge_type}`", kind.module.value]
            for kind in dataworks_ext.EVENT_KINDS
            if kind.extension_point is None
        ]
        return "\n".join(_table(["Event", "eventCode", "EventBridge type", "Module"], regular))
    decorators = _decorators()
    rows = []
    for kind in dataworks_ext.EVENT_KINDS:
        point = kind.extension_point
        if point is None or not {point.name.lower(), str(point.value).lower()} & wanted:
            continue
        if kind.has_model:
            check = f"`{kind.cls.__name__}`"
            decorator = decorators.get(kind.cls)
            if decorator:
                check += f", `@{decorator}`"
        else:
            check = f'`ExtensionPointEvent`, `@registry.on("{kind.event_code}")`'
        pairing = "documented" if kind.api_documented else "inferred"
        rows.append(
            [
                kind.title,
                f"`{kind.event_code}`",
                f"`{kind.eventbridge_type}`",
                check,
                f"`{kind.api.value}` ({pairing})",
            ]
        )
    if not rows:
        raise LookupError(f"no event kinds for extension point {points!r}")
    header = ["Event", "eventCode", "EventBridge type", "Class and decorator", "Answered by"]
    return "\n".join(_table(header, rows))


EXAMPLE_PORT = "41395"
"""The port an ephemeral port of 127.0.0.1 is shown as in command output."""
EXAMPLE_UUID = "85e38ff6-3cf1-48b9-a34a-639734bf9fb2"
"""The id a new message id (a UUID) is shown as in command output."""
_NEW_ID = re.compile(
    r"^(message +)[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.MULTILINE
)


def _run_cli(args: list[str], cwd: Path, *, with_errors: bool = False) -> str:
    """What ``dataworks-ext ARGS`` prints on standard output (and standard error, in the
    order written, ``with_errors``), run in a subprocess."""
    import os
    import subprocess

    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DATAWORKS_", "ALIBABA_CLOUD_", "FORCE_COLOR"))
    }
    env.update(NO_COLOR="1", COLUMNS="100", PYTHONIOENCODING="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "dataworks_ext", *args],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT if with_errors else subprocess.PIPE,
        text=True,
        encoding="utf-8",
        timeout=300,
    )
    if done.returncode not in (0, 1, 2) or (done.returncode == 2 and not with_errors):
        raise LookupError(f"dataworks-ext {' '.join(args)} exited {done.returncode}: {done.stderr}")
    return done.stdout


def command_output(argument: str) -> str:
    """``$ command`` and what it prints, with what changes between runs written one way."""
    import shlex

    import dataworks_ext

    cwd = DOCS
    folder, sep, command = argument.partition(" && ")
    if sep and folder.startswith("cd "):
        cwd = (DOCS / folder[3:].strip()).resolve()
    else:
        command = argument
    words = shlex.split(command)
    with_errors = words[-1] == "2>&1"
    if with_errors:
        words = words[:-1]
        command = command.removesuffix("2>&1").rstrip()
    if words[0] != "dataworks-ext":
        raise LookupError(f"output: {command!r} is not a dataworks-ext command")
    output = _run_cli(["--color", "never", *words[1:]], cwd, with_errors=with_errors)
    package = str(Path(dataworks_ext.__file__).resolve().parent.parent)
    output = output.replace(package, "/path/to/site-packages")
    output = re.sub(r"(127\.0\.0\.1:)\d{4,5}\b", rf"\g<1>{EXAMPLE_PORT}", output)
    output = _NEW_ID.sub(rf"\g<1>{EXAMPLE_UUID}", output)  # the id trigger makes up
    return f"$ {command}\n{output.rstrip()}"


def command_usage(command: str) -> str:
    """The usage lines of ``dataworks-ext COMMAND --help``."""
    text = _run_cli([*command.split(), "--help"], DOCS)
    first, *rest = text.split("\n\n", 1)[0].splitlines()
    indent = len("usage: ")
    return "\n".join([first.removeprefix("usage: "), *(line[indent:] for line in rest)])


def _content(kind: str, argument: str, page: Path) -> tuple[str | None, str]:
    """(language, text) of the block a marker asks for; no language: Markdown as it is."""
    if kind == "output":
        return "text", command_output(argument)
    if kind == "usage":
        return "text", command_usage(argument)
    if kind == "fields":
        return None, fields_table(argument)
    if kind == "event-kinds":
        return None, event_kinds_table(argument)
    if kind == "file":
        path = (page.parent / argument).resolve()
        if not path.is_relative_to(DOCS) or not path.is_file():
            raise LookupError(f"{page.name}: no file {argument} under docs/")
        language = {".py": "python", ".json": "json", ".toml": "toml"}.get(path.suffix, "text")
        return language, path.read_text(encoding="utf-8").rstrip("\n")
    event_code, _, envelope = argument.partition(" ")
    return "json", example_message_json(event_code, envelope.strip() or "cloudevent")


USAGE_PYTHON = (3, 12)
"""The Python whose ``argparse`` wrote the ``usage`` blocks (its wrapping of usage lines
changes between versions; on another, the tests leave those blocks as they are)."""


def refresh(text: str, page: Path, skip: frozenset[str] = frozenset()) -> str:
    """The page with every generated block written anew after its marker.

    The block is the fenced code block on the line after the marker, between ``fmt:off`` and
    ``fmt:on`` comments; a marker without one gets one.
    """
    lines = text.splitlines()
    out: list[str] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        out.append(line)
        index += 1
        match = _MARKER.match(line.strip())
        if not match or match.group(1) in skip:
            continue
        language, content = _content(match.group(1), match.group(2).strip(), page)
        if index < len(lines) and lines[index] == _FMT_OFF:
            end = index + 1
            while end < len(lines) and lines[end] != _FMT_ON:
                end += 1
            index = end + 1
        elif index < len(lines) and lines[index].startswith("```"):
            fence = lines[index][: len(lines[index]) - len(lines[index].lstrip("`"))]
            end = index + 1
            while end < len(lines) and lines[end].strip() != fence:
                end += 1
            index = end + 1
        if language is None:
            out += [_FMT_OFF, "", *content.splitlines(), "", _FMT_ON]
            continue
        fence = "````" if "```" in content else "```"
        out += [_FMT_OFF, f"{fence}{language}", *content.splitlines(), fence, _FMT_ON]
    return "\n".join(out) + "\n"


def pages() -> list[Path]:
    """The Markdown pages of docs/ that have generated blocks."""
    return sorted(
        page
        for page in DOCS.rglob("*.md")
        if "_build" not in page.parts
        and any(_MARKER.match(line.strip()) for line in page.read_text("utf-8").splitlines())
    )


def main() -> int:
    """Refresh every page; print the ones that changed."""
    for page in pages():
        text = page.read_text(encoding="utf-8")
        fresh = refresh(text, page)
        if fresh != text:
            page.write_text(fresh, encoding="utf-8")
            print(f"refreshed {page.relative_to(DOCS.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
