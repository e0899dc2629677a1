"""``dataworks-ext parse``: a captured message or batch, read as the SDK reads it."""

from __future__ import annotations

import argparse
import enum
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..errors import MessageError
from ._exit_codes import ExitCode
from ._input import read_input
from ._options import add_command
from ._render import error_dict, jsonable
from ._terminal import Console, Style, pairs_text

if TYPE_CHECKING:
    from ..messages import EventMessage


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``parse`` to the command's subparsers."""
    parse = add_command(
        commands,
        "parse",
        help="read a captured message or batch and show the typed event",
        description="Read a message as DataWorks or EventBridge sends it (a CloudEvent, an "
        "EventBridge batch or a Function Compute envelope) and print the typed event, or the "
        "reason it cannot be read with the offending field.",
        epilog="exit codes: 0 every message is readable; 1 a message is unreadable; "
        "2 usage error or the file cannot be read",
    )
    parse.add_argument("file", metavar="FILE", help="a JSON file, or - for standard input")
    parse.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parse.set_defaults(run=run)


def _message_dict(message: EventMessage) -> dict[str, Any]:
    event = message.event
    data: dict[str, Any] = {
        "message_id": message.message_id,
        "envelope": message.envelope.value,
        "event_code": message.event_code,
        "event_class": type(event).__name__,
        "event_type": message.event_type,
        "extension_biz_id": message.extension_biz_id,
        "needs_answer": message.needs_answer,
        "answered_through": _answered_through(message),
        "region": message.region,
        "account": message.account,
        "time": message.time,
        "event": jsonable(event),
    }
    if hasattr(event, "total_days"):
        data["event"]["total_days"] = event.total_days
    return data


def _answered_through(message: EventMessage) -> str | None:
    """The API an Extension answers the message through (no overrides), or ``None``."""
    from ..events import api_for_code

    api = api_for_code(message.event_code) if message.needs_answer else None
    return None if api is None else api.value


def _value_text(value: Any) -> str:
    import json

    if isinstance(value, enum.Enum):
        return str(value.value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple):
        if value and all(isinstance(v, int) for v in value):
            shown = ", ".join(str(v) for v in value[:12])
            return shown + (f", … ({len(value)} in all)" if len(value) > 12 else "")
        return ", ".join(_value_text(v) for v in value) or "(none)"
    if hasattr(value, "begin") and hasattr(value, "end"):
        return f"{value.begin.isoformat()}..{value.end.isoformat()} ({value.days} days)"
    if isinstance(value, dict) or hasattr(value, "items"):
        return json.dumps(jsonable(value), ensure_ascii=False)
    return str(value)


def _message_lines(message: EventMessage, style: Style) -> str:
    import attrs

    from ..events import UnknownEvent, wire_name

    event = message.event
    pairs: list[tuple[str, str, Callable[[str], str] | None]] = [
        ("message id", message.message_id, style.bold),
        ("envelope", message.envelope.value, None),
        ("event", f"{message.event_code} ({type(event).__name__})", style.bold),
    ]
    if message.event_type and message.event_type != message.event_code:
        pairs.append(("type", message.event_type, None))
    pairs.append(("extension biz id", message.extension_biz_id or "-", None))
    answer = "yes" if message.needs_answer else "no"
    pairs.append(("needs an answer", answer, None))
    api = _answered_through(message)
    if api is not None:
        kind = message.kind
        how = "documented" if kind is not None and kind.api_documented else "inferred"
        if kind is None:
            how = "an extension point this SDK does not know"
        pairs.append(("answered through", f"{api} ({how})", None))
    for label, value in (("region", message.region), ("time", message.time)):
        if value:
            pairs.append((label, value, None))
    if isinstance(event, UnknownEvent):
        pairs.append(("payload", _value_text(event.payload), None))
    else:
        for field in attrs.fields(type(event)):
            if field.name == "extension_biz_id":
                continue
            value = getattr(event, field.name)
            if field.name == "extra":
                if value:
                    pairs.append(("other fields", _value_text(value), style.warn))
                continue
            label = field.name
            if field.metadata.get("wire"):  # a wire name that is not the camelCase one
                label = f"{label} ({wire_name(field)})"
            pairs.append((label, _value_text(value), None))
        if hasattr(event, "total_days"):
            pairs.append(("total_days", str(event.total_days), None))
    return pairs_text(pairs, style)


def _error_lines(error: MessageError, style: Style) -> str:
    pairs: list[tuple[str, str, Callable[[str], str] | None]] = [
        ("unreadable", type(error).__name__, style.fail),
        ("message id", error.message_id or "(not readable)", None),
        ("field", error.field or "-", style.bold),
        ("reason", error.reason, None),
    ]
    if error.message_id is not None:
        pairs.append(
            ("answer", "an Extension answers FAIL by default (unreadable_result)", style.dim)
        )
    else:
        pairs.append(("answer", "nobody to answer: a web host replies 400", style.dim))
    return pairs_text(pairs, style)


def run(args: argparse.Namespace, ui: Console) -> int:
    """Run ``parse``; returns the exit code."""
    import json

    from ..messages import decode, parse_object

    raw = read_input(args.file)
    results: list[EventMessage | MessageError] = []
    try:
        obj = decode(raw)
    except MessageError as exc:
        results.append(exc)
        is_batch = False
    else:
        is_batch = isinstance(obj, list)
        for index, item in enumerate(obj if is_batch else [obj]):
            try:
                results.append(parse_object(item))
            except MessageError as exc:
                if is_batch:
                    field = f"[{index}].{exc.field}" if exc.field else f"[{index}]"
                    exc = type(exc)(exc.reason, message_id=exc.message_id, field=field)
                results.append(exc)
    failed = sum(isinstance(r, MessageError) for r in results)
    if args.json:
        items = [
            {"error": error_dict(r)} if isinstance(r, MessageError) else _message_dict(r)
            for r in results
        ]
        ui.print(json.dumps(items if is_batch else items[0], ensure_ascii=False, indent=2))
    else:
        style = ui.style
        if is_batch:
            ui.print(style.dim(f"an EventBridge batch of {len(results)} messages"))
        for index, result in enumerate(results):
            if is_batch:
                ui.print(style.bold(f"\n[{index}]"))
            if isinstance(result, MessageError):
                ui.print(_error_lines(result, style))
            else:
                ui.print(_message_lines(result, style))
    if failed:
        where = f"{failed} of {len(results)} messages" if is_batch else "the message"
        ui.error(f"{where} could not be read")
        return ExitCode.FAILED
    return ExitCode.OK
