"""The ``dataworks-ext`` command: try checks locally, read captured messages, serve a dev webhook.

Commands (each has ``--help``)::

    dataworks-ext demo                                   example checks, realistic events, a table
    dataworks-ext trigger freeze --app checks:registry   one event through your checks
    dataworks-ext parse captured.json                    a captured message or batch, typed
    dataworks-ext serve --app checks:registry            a local webhook to replay events against

Exit codes (:class:`ExitCode`): 0 success; 1 a message is unreadable (``parse``, ``serve``
never exits with it), a verdict differs from ``--expect`` (``trigger``) or the demo went
wrong; 2 a usage error: bad arguments, an ``--app`` that cannot be loaded, a file that cannot
be read, missing credentials; 3 a verdict could not be delivered.

Colour is used only when the output is a terminal and ``NO_COLOR`` is not set;
``--color always|never`` overrides both.

Example:
    >>> from dataworks_ext.cli import main
    >>> main(["--color", "never", "trigger", "restore", "--app", "dataworks_ext._demo",
    ...       "--dry-run", "--expect", "OK", "--message-id", "m-1"])  # doctest: +ELLIPSIS
    event      unfreeze-node (RestoreNodeEvent)
    ...
    verdict    OK
    tip        Restore by 1107550004253538 recorded as m-1
    delivered  no (dry run)
    0
"""

from __future__ import annotations

import argparse
import enum
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, ExitStack, contextmanager
from typing import TYPE_CHECKING, Any, TextIO

from .errors import CallbackError, ConfigurationError, DataWorksExtError, MessageError

if TYPE_CHECKING:
    from .events import Event
    from .extension import Extension, Outcome
    from .messages import EventMessage
    from .registry import Registry

__all__ = ["ExitCode", "load_app", "main"]

PROG = "dataworks-ext"
DEFAULT_EXTENSION_CODE = "local-extension"
"""The extension code used when neither ``--extension-code``, the app's Extension nor
``DATAWORKS_EXTENSION_CODE`` gives one."""


class ExitCode(enum.IntEnum):
    """The exit codes of the ``dataworks-ext`` command.

    Example:
        >>> from dataworks_ext.cli import ExitCode
        >>> int(ExitCode.USAGE)
        2
    """

    OK = 0
    """Everything went as asked."""
    FAILED = 1
    """A message is unreadable, a verdict is not the one ``--expect`` named, or the demo's
    own verification failed."""
    USAGE = 2
    """Bad arguments, an ``--app`` that cannot be loaded, a file that cannot be read."""
    UNDELIVERED = 3
    """A verdict could not be delivered (:class:`~dataworks_ext.CallbackError`)."""


# ---------------------------------------------------------------------------- output


class _Style:
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


class _Ui:
    """Where the command writes: stdout for results, stderr for errors; styled per stream."""

    def __init__(self, color: str, out: TextIO | None = None, err: TextIO | None = None) -> None:
        self.out = out or sys.stdout
        self.err = err or sys.stderr
        self.style = _Style(_color_enabled(color, self.out))
        self.err_style = _Style(_color_enabled(color, self.err))
        width = None
        isatty = getattr(self.out, "isatty", None)
        if isatty is not None and isatty():
            import shutil

            width = shutil.get_terminal_size((100, 24)).columns
        self.width = width
        """The terminal's width, or ``None`` when the output is not a terminal."""

    def print(self, text: str = "") -> None:
        print(text, file=self.out, flush=True)

    def error(self, text: str) -> None:
        print(f"{self.err_style.fail('error:')} {text}", file=self.err, flush=True)

    def hint(self, text: str) -> None:
        print(f"{self.err_style.dim('hint:')} {text}", file=self.err, flush=True)


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


def _table(
    headers: Sequence[str],
    rows: Sequence[Sequence[Cell]],
    style: _Style,
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


def _pairs(pairs: Sequence[tuple[str, str, Callable[[str], str] | None]], style: _Style) -> str:
    """``label  value`` lines, labels aligned."""
    width = max((len(label) for label, _, _ in pairs), default=0)
    lines = []
    for label, value, paint in pairs:
        shown = paint(value) if paint else value
        lines.append(f"{style.dim(label.ljust(width))}  {shown}")
    return "\n".join(lines)


# ---------------------------------------------------------------------------- loading --app


def load_app(spec: str) -> Extension | Registry:
    """Load the :class:`Extension` or :class:`Registry` an ``--app`` argument names.

    ``spec`` is ``MODULE:ATTR`` (``ATTR`` may be dotted), ``MODULE`` alone (the module's only
    Extension, else its only Registry, else :data:`default_registry` when the module filled
    it with the module-level decorators), or a file path ``path/to/checks.py[:ATTR]``.  The
    current directory is importable, as with ``python -m``.

    Raises:
        ConfigurationError: with a message that says what to fix.

    Example:
        >>> from dataworks_ext.cli import load_app
        >>> load_app("dataworks_ext._demo:registry")
        Registry(FreezeNodeEvent=1, RestoreNodeEvent=1, UnpublishNodeEvent=1, BackfillEvent=1)
        >>> load_app("dataworks_ext._demo:nope")
        Traceback (most recent call last):
        ...
        dataworks_ext.errors.ConfigurationError: module 'dataworks_ext._demo' has no attribute 'nope'; its Extension and Registry objects: registry
    """  # noqa: E501
    from .extension import Extension
    from .registry import Registry, default_registry

    module_part, sep, attr = spec.rpartition(":") if _has_attr(spec) else (spec, "", "")
    if not module_part.strip() or (sep and not attr.strip()):
        raise ConfigurationError(
            f"--app {spec!r} is not MODULE or MODULE:ATTR (for example myext.checks:registry)"
        )
    module = _import_module(module_part.strip())
    name = getattr(module, "__name__", module_part)
    found = {
        key: value
        for key, value in vars(module).items()
        if isinstance(value, (Extension, Registry)) and not key.startswith("__")
    }
    if attr:
        target: Any = module
        for part in attr.strip().split("."):
            try:
                target = getattr(target, part)
            except AttributeError:
                listed = ", ".join(sorted(found)) or "none"
                raise ConfigurationError(
                    f"module {name!r} has no attribute {attr!r}; "
                    f"its Extension and Registry objects: {listed}"
                ) from None
        if not isinstance(target, (Extension, Registry)):
            raise ConfigurationError(
                f"{name}:{attr} is a {type(target).__name__}, not an Extension or a Registry"
            )
        return target
    extensions = {k: v for k, v in found.items() if isinstance(v, Extension)}
    registries = {k: v for k, v in found.items() if isinstance(v, Registry)}
    groups: tuple[tuple[str, dict[str, Extension | Registry]], ...] = (
        ("Extension", dict(extensions)),
        ("Registry", dict(registries)),
    )
    for kind, candidates in groups:
        if len(candidates) == 1:
            return next(iter(candidates.values()))
        if len(candidates) > 1:
            names = ", ".join(sorted(candidates))
            raise ConfigurationError(
                f"module {name!r} has several {kind} objects ({names}); "
                f"name one with --app {name}:ATTR"
            )
    if len(default_registry):
        return default_registry
    raise ConfigurationError(
        f"module {name!r} has no Extension or Registry and registered no checks; "
        f"name one with --app {name}:ATTR, or register checks with @on_freeze and friends"
    )


def _has_attr(spec: str) -> bool:
    """Whether ``spec`` ends in ``:ATTR`` (a Windows drive letter ``C:\\`` is not one)."""
    head, sep, tail = spec.rpartition(":")
    return bool(sep) and not tail.startswith(("\\", "/")) and not (len(head) == 1 and not tail)


def _import_module(module_name: str) -> Any:
    import importlib
    import importlib.util

    cwd = os.getcwd()
    if cwd not in sys.path and "" not in sys.path:
        sys.path.insert(0, cwd)
    is_path = module_name.endswith(".py") or "/" in module_name or os.sep in module_name
    try:
        if not is_path:
            return importlib.import_module(module_name)
        path = os.path.abspath(module_name)
        if not os.path.isfile(path):
            raise ConfigurationError(f"--app {module_name!r}: no such file")
        folder = os.path.dirname(path)
        if folder not in sys.path:
            sys.path.insert(0, folder)
        stem = os.path.splitext(os.path.basename(path))[0]
        spec = importlib.util.spec_from_file_location(stem, path)
        if spec is None or spec.loader is None:
            raise ConfigurationError(f"--app {module_name!r}: not a Python file")
        module = importlib.util.module_from_spec(spec)
        sys.modules[stem] = module
        spec.loader.exec_module(module)
        return module
    except ModuleNotFoundError as exc:
        missing = exc.name or ""
        if missing and (module_name == missing or module_name.startswith(missing + ".")):
            raise ConfigurationError(
                f"cannot import {module_name!r}: there is no module named {missing!r} "
                f"(looked in {cwd} and the installed packages)"
            ) from None
        raise _user_code_error(module_name, exc) from None
    except ConfigurationError:
        raise
    except Exception as exc:
        raise _user_code_error(module_name, exc) from None


def _user_code_error(module_name: str, exc: BaseException) -> ConfigurationError:
    import traceback

    where = ""
    if not isinstance(exc, SyntaxError):
        frames = traceback.extract_tb(exc.__traceback__)
        if frames:
            last = frames[-1]
            where = f" (at {last.filename}:{last.lineno})"
    return ConfigurationError(
        f"importing {module_name!r} raised {type(exc).__name__}: {exc}{where}"
    )


def _registry_of(app: Extension | Registry) -> Registry:
    from .registry import Registry

    return app if isinstance(app, Registry) else app.registry


def _describe_checks(registry: Registry) -> str:
    from .events import EVENT_KINDS

    names: dict[str, list[str]] = {}
    for kind in EVENT_KINDS:
        for check in registry.checks_for(kind.cls):
            names.setdefault(check.name, []).append(_EVENT_WORDS[kind.event_code])
    if not names:
        return "no checks"
    return ", ".join(f"{name} ({', '.join(words)})" for name, words in names.items())


_EVENT_WORDS = {
    "freeze-node": "freeze",
    "unfreeze-node": "restore",
    "undeploy-node": "unpublish",
    "backfill-data": "backfill",
}


def _extension_for(
    app: Extension | Registry, callback: Any, extension_code: str | None
) -> Extension:
    """An Extension with the app's checks and policies, delivering to ``callback``."""
    from .extension import Extension

    if isinstance(app, Extension):
        return Extension(
            extension_code or app.extension_code,
            callback,
            app.registry,
            handler_timeout=app.handler_timeout,
            unreadable_result=app.unreadable_result,
            error_result=app.error_result,
            timeout_result=app.timeout_result,
            unhandled_result=app.unhandled_result,
        )
    code = (
        extension_code
        or os.environ.get("DATAWORKS_EXTENSION_CODE", "").strip()
        or DEFAULT_EXTENSION_CODE
    )
    return Extension(code, callback, app)


# ---------------------------------------------------------------------------- delivering


class _Target:
    """Where verdicts go: an embedded LocalDataWorks, a given endpoint, or nowhere."""

    def __init__(self, callback: Any, description: str, local: Any = None) -> None:
        self.callback = callback
        self.description = description
        self.local = local


@contextmanager
def _target(endpoint: str | None, dry_run: bool) -> Iterator[_Target]:
    if dry_run:
        yield _Target(None, "nowhere (dry run)")
        return
    if endpoint:
        from .callback import CallbackClient

        environ = {**os.environ, "DATAWORKS_ENDPOINT": endpoint}
        yield _Target(CallbackClient.from_env(environ=environ), endpoint)
        return
    from .testing import LocalDataWorks

    with LocalDataWorks() as local:
        yield _Target(local.client(), f"LocalDataWorks at {local.endpoint}", local)


# ---------------------------------------------------------------------------- rendering


def _nodes_text(event: Event | None, limit: int = 3) -> str:
    nodes = getattr(event, "node_ids", None)
    if not nodes:
        return "-"
    shown = ", ".join(str(n) for n in nodes[:limit])
    if len(nodes) > limit:
        shown += f" +{len(nodes) - limit}"
    return shown


def _outcome_dict(outcome: Outcome) -> dict[str, Any]:
    """An Outcome as JSON-ready data (``trigger --json`` and ``serve`` answers)."""
    verdict = outcome.verdict
    error = outcome.error
    return {
        "message_id": outcome.message_id,
        "event_code": getattr(outcome.event, "event_code", None),
        "verdict": None if verdict is None else verdict.result.value,
        "tip": None if verdict is None else verdict.tip,
        "delivered": outcome.delivered,
        "duplicate": outcome.duplicate,
        "settled": outcome.settled,
        "error": None if error is None else _error_dict(error),
    }


def _error_dict(error: BaseException) -> dict[str, Any]:
    data: dict[str, Any] = {"type": type(error).__name__, "message": str(error)}
    if isinstance(error, MessageError):
        data.update(reason=error.reason, field=error.field, message_id=error.message_id)
    if isinstance(error, CallbackError):
        data.update(code=error.code, status=error.status, retryable=error.retryable)
    return data


def _delivered_text(outcome: Outcome, target: _Target) -> str:
    if outcome.message_id is None:
        return "no: unreadable, and so is its id"
    if outcome.duplicate:
        return "no: already answered"
    if outcome.verdict is None:
        return "no: nothing to answer"
    if isinstance(outcome.error, CallbackError):
        return f"no: {outcome.error}"
    if not outcome.delivered:
        return "no (dry run)"
    text = f"yes, to {target.description}"
    if target.local is not None and outcome.message_id is not None:
        recorded = target.local.verdict_for(outcome.message_id)
        text += f" (recorded {getattr(recorded, 'result', 'nothing')})"
    return text


# ---------------------------------------------------------------------------- demo


def _cmd_demo(args: argparse.Namespace, ui: _Ui) -> int:
    from . import _demo
    from .events import UnknownEvent

    style = ui.style
    ui.print(style.bold("dataworks-ext demo: example checks against realistic DataWorks events"))
    ui.print(style.dim(f"checks: {_describe_checks(_demo.registry)}"))
    cases = _demo.cases()
    with _target(None, dry_run=False) as target:
        extension = _extension_for(_demo.registry, target.callback, "dataworks-ext-demo")
        ui.print(style.dim(f"delivering to {target.description}"))
        ui.print()
        rows: list[list[Cell]] = []
        problems: list[str] = []
        answered: dict[str, str] = {}
        for case in cases:
            outcome = extension.handle_batch(case.raw)[0]
            verdict = outcome.verdict
            result = "-" if verdict is None else verdict.result.value
            if outcome.duplicate:
                tip = "already answered; not answered again"
            elif verdict is not None and verdict.tip:
                tip = verdict.tip
            else:
                tip = ""
            event = None if isinstance(outcome.event, UnknownEvent) else outcome.event
            delivered = (
                "yes" if outcome.delivered else ("no, duplicate" if outcome.duplicate else "no")
            )
            rows.append(
                [
                    (case.label, None),
                    (_nodes_text(event, 1), None),
                    (result, style.verdict),
                    (tip, None),
                    (delivered, style.ok if outcome.delivered else style.dim),
                ]
            )
            if (case.expect is None) != (verdict is None) or (
                verdict is not None and verdict.result.value != case.expect
            ):
                problems.append(f"{case.label}: expected {case.expect}, got {result}")
            if verdict is not None and outcome.delivered:
                answered[case.message_id] = verdict.result.value
        for line in _table(
            ["event", "nodes", "verdict", "tip", "delivered"],
            rows,
            style,
            width=ui.width,
            wrapped=3,
        ):
            ui.print(line)
        ui.print()
        local = target.local
        recorded = {mid: getattr(local.verdict_for(mid), "result", None) for mid in answered}
        mismatched = [mid for mid, result in answered.items() if recorded[mid] != result]
        duplicate_id = cases[-1].message_id
        once = local.count_for(duplicate_id) == 1
        counts = {r: list(recorded.values()).count(r) for r in ("OK", "FAIL")}
        extra = len(local.verdicts) - len(answered)
        if not mismatched and once and not problems and extra == 0:
            ui.print(
                style.ok("✓ ") + f"LocalDataWorks recorded {len(local.verdicts)} verdicts for "
                f"{len(answered)} messages ({counts['OK']} OK, {counts['FAIL']} FAIL), "
                "each as decided; the duplicate was answered once."
            )
            return ExitCode.OK
    for problem in problems:
        ui.error(problem)
    if mismatched:
        ui.error(f"LocalDataWorks recorded other verdicts for {', '.join(mismatched)}")
    if not once:
        ui.error("the duplicate was not answered exactly once")
    if extra:
        ui.error(f"LocalDataWorks recorded {extra} verdicts more than were delivered")
    return ExitCode.FAILED


# ---------------------------------------------------------------------------- trigger

_TRIGGER_EVENTS = ("freeze", "restore", "unpublish", "backfill")


def _build_event(args: argparse.Namespace) -> EventMessage:
    from . import testing

    common: dict[str, Any] = {
        "operator": args.operator,
        "message_id": args.message_id,
        "envelope": args.envelope,
    }
    if args.project_id is not None:
        common["project_id"] = args.project_id
    if args.event == "backfill":
        if args.node_ids:
            common["root_node_id"] = args.node_ids[0]
            common["include_node_ids"] = args.node_ids
        return testing.backfill_event(days=args.days or 1, **common)
    if args.days is not None:
        raise ConfigurationError("--days applies to backfill only")
    if args.node_ids:
        common["node_ids"] = args.node_ids
    builder = {
        "freeze": testing.freeze_event,
        "restore": testing.restore_event,
        "unpublish": testing.unpublish_event,
    }[args.event]
    message: EventMessage = builder(**common)
    return message


def _cmd_trigger(args: argparse.Namespace, ui: _Ui) -> int:
    import json

    from .events import BackfillEvent

    app = load_app(args.app)
    if args.days is not None and args.days < 1:
        raise ConfigurationError("--days must be at least 1")
    message = _build_event(args)
    style = ui.style
    with _target(args.endpoint, args.dry_run) as target:
        extension = _extension_for(app, target.callback, args.extension_code)
        outcome = extension.handle_batch([message])[0]
        delivered_text = _delivered_text(outcome, target)
    if args.json:
        data = _outcome_dict(outcome)
        data["extension_code"] = extension.extension_code
        data["delivered_to"] = target.description if outcome.delivered else None
        ui.print(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        event = message.event
        verdict = outcome.verdict
        pairs: list[tuple[str, str, Callable[[str], str] | None]] = [
            ("event", f"{message.event_code} ({type(event).__name__})", style.bold),
            ("message", message.message_id, None),
            ("extension", extension.extension_code, None),
            ("nodes", _nodes_text(event, 10), None),
        ]
        if isinstance(event, BackfillEvent):
            pairs.append(("dates", _periods_text(event), None))
        names = [check.name for check in extension.registry.checks_for(type(event))]
        pairs.append(("checks", ", ".join(names) or "none for this event", None))
        pairs.append(("verdict", "-" if verdict is None else verdict.result.value, style.verdict))
        if verdict is not None and verdict.tip:
            pairs.append(("tip", verdict.tip, None))
        if outcome.error is not None and not isinstance(outcome.error, CallbackError):
            pairs.append(("error", f"{type(outcome.error).__name__}: {outcome.error}", style.warn))
        pairs.append(("delivered", delivered_text, style.ok if outcome.delivered else style.warn))
        ui.print(_pairs(pairs, style))
    if isinstance(outcome.error, CallbackError):
        return ExitCode.UNDELIVERED
    if args.expect and (outcome.verdict is None or outcome.verdict.result.value != args.expect):
        got = "no verdict" if outcome.verdict is None else outcome.verdict.result.value
        ui.error(f"expected {args.expect}, got {got}")
        return ExitCode.FAILED
    return ExitCode.OK


def _periods_text(event: Any) -> str:
    spans = ", ".join(
        p.begin.isoformat() if p.days == 1 else f"{p.begin.isoformat()}..{p.end.isoformat()}"
        for p in event.periods
    )
    days = event.total_days
    return f"{spans} ({days} day{'s' if days != 1 else ''})"


# ---------------------------------------------------------------------------- parse


def _read_input(path: str) -> bytes:
    if path == "-":
        return sys.stdin.buffer.read()
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise ConfigurationError(f"cannot read {path}: {reason}") from None


def _jsonable(value: Any) -> Any:
    import datetime as _dt

    import attrs

    if attrs.has(type(value)):
        return {a.name: _jsonable(getattr(value, a.name)) for a in attrs.fields(type(value))}
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (_dt.date, _dt.datetime)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict) or hasattr(value, "items"):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return value


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
        "region": message.region,
        "account": message.account,
        "time": message.time,
        "event": _jsonable(event),
    }
    if hasattr(event, "total_days"):
        data["event"]["total_days"] = event.total_days
    return data


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
        return json.dumps(_jsonable(value), ensure_ascii=False)
    return str(value)


def _message_lines(message: EventMessage, style: _Style) -> str:
    import attrs

    from .events import UnknownEvent, wire_name

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
    return _pairs(pairs, style)


def _error_lines(error: MessageError, style: _Style) -> str:
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
    return _pairs(pairs, style)


def _cmd_parse(args: argparse.Namespace, ui: _Ui) -> int:
    import json

    from .messages import decode, parse_object

    raw = _read_input(args.file)
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
            {"error": _error_dict(r)} if isinstance(r, MessageError) else _message_dict(r)
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


# ---------------------------------------------------------------------------- serve


def _cmd_serve(args: argparse.Namespace, ui: _Ui) -> int:
    import signal
    from http.server import ThreadingHTTPServer

    app = load_app(args.app)
    with ExitStack() as stack:
        target = stack.enter_context(_target(args.endpoint, args.dry_run))
        extension = _extension_for(app, target.callback, args.extension_code)
        handler = _make_handler(extension, target, ui, args.quiet)
        try:
            server = ThreadingHTTPServer((args.host, args.port), handler)
        except OSError as exc:
            reason = exc.strerror or str(exc)
            raise ConfigurationError(
                f"cannot listen on {args.host}:{args.port}: {reason}"
            ) from None
        server.daemon_threads = True
        stack.callback(server.server_close)
        host, port = server.server_address[:2]
        host = host.decode() if isinstance(host, bytes) else str(host)
        shown_host = f"[{host}]" if ":" in host else host
        url = f"http://{shown_host}:{port}/"
        style = ui.style
        ui.print(f"Serving {style.bold(args.app)} on {style.bold(url)}")
        ui.print(
            f"  extension code {extension.extension_code}; checks: "
            f"{_describe_checks(extension.registry)}"
        )
        ui.print(f"  verdicts go to {target.description}")
        ui.print(f"  replay a captured event: curl --data-binary @event.json {url}")
        if target.local is not None:
            ui.print(f"  what LocalDataWorks recorded: curl {url}verdicts")
        ui.print("  press Ctrl+C to stop")

        def stop(signum: int, frame: Any) -> None:
            raise KeyboardInterrupt

        previous = signal.signal(signal.SIGTERM, stop)
        stack.callback(signal.signal, signal.SIGTERM, previous)
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            ui.print("stopped")
    return ExitCode.OK


def _make_handler(extension: Extension, target: _Target, ui: _Ui, quiet: bool) -> Any:
    import json
    import threading
    from http.server import BaseHTTPRequestHandler

    from .messages import decode

    lock = threading.Lock()
    style = ui.style

    def log(line: str) -> None:
        if not quiet:
            with lock:
                ui.print(line)

    class Handler(BaseHTTPRequestHandler):
        server_version = "dataworks-ext-serve"
        protocol_version = "HTTP/1.1"
        wbufsize = -1  # headers and body leave in one send
        disable_nagle_algorithm = True

        def log_message(self, format: str, *args: Any) -> None:
            return  # one line per request is written by the handlers

        def _send(self, status: int, body: Any) -> None:
            data = json.dumps(body, ensure_ascii=False, indent=2).encode() + b"\n"
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0].rstrip("/")
            if path == "/verdicts" and target.local is not None:
                self._send(200, [_jsonable(v) for v in target.local.verdicts])
            elif path == "":
                self._send(
                    200,
                    {
                        "extension_code": extension.extension_code,
                        "checks": _describe_checks(extension.registry),
                        "delivering_to": target.description,
                        "usage": "POST a captured message or EventBridge batch to this URL",
                    },
                )
            else:
                self._send(404, {"error": f"no such path: {self.path}"})

        def do_POST(self) -> None:
            length = self.headers.get("Content-Length")
            if length is None or not length.isdigit():
                self._send(411, {"error": "send the body with a Content-Length"})
                return
            body = self.rfile.read(int(length))
            try:
                obj = decode(body)
            except MessageError as exc:
                log(f"POST {self.path}  {style.fail('400')}  {exc}")
                self._send(400, {"error": _error_dict(exc)})
                return
            outcomes = extension.handle_batch(obj)
            for outcome in outcomes:
                verdict = outcome.verdict
                if outcome.message_id is None:
                    log(f"POST {self.path}  {style.fail('unreadable')}  {outcome.error}")
                    continue
                result = "-" if verdict is None else verdict.result.value
                what = _delivered_text(outcome, target)
                tip = f"  {verdict.tip}" if verdict is not None and verdict.tip else ""
                code = getattr(outcome.event, "event_code", "unreadable")
                log(
                    f"POST {self.path}  {code} {outcome.message_id}  "
                    f"{style.verdict(result)}  delivered {what}{tip}"
                )
            status = 200
            if any(isinstance(o.error, CallbackError) for o in outcomes):
                status = 500  # EventBridge delivers the message again
            elif any(o.message_id is None for o in outcomes):
                status = 400  # nobody to answer
            results = [_outcome_dict(o) for o in outcomes]
            self._send(status, {"outcomes": results})

    return Handler


# ---------------------------------------------------------------------------- the parser


class _Formatter(argparse.HelpFormatter):
    """Wraps one-paragraph texts; keeps texts with line breaks (examples) as written."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        if "\n" in text:
            return "".join(indent + line for line in text.splitlines(keepends=True))
        return super()._fill_text(text, width, indent)


def _add_common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--color",
        choices=("auto", "always", "never"),
        default=argparse.SUPPRESS,
        help="colour the output: auto (a terminal without NO_COLOR), always or never",
    )
    parser.add_argument(
        "-v",
        "--verbose",
        action="count",
        default=argparse.SUPPRESS,
        help="log what the SDK does (-v info, -vv debug)",
    )


def _add_delivery(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("where verdicts go (default: an embedded LocalDataWorks)")
    where = group.add_mutually_exclusive_group()
    where.add_argument(
        "--endpoint",
        metavar="URL",
        help="deliver through CallbackClient to this DataWorks endpoint, credentials from "
        "ALIBABA_CLOUD_ACCESS_KEY_ID / ALIBABA_CLOUD_ACCESS_KEY_SECRET and region from "
        "DATAWORKS_REGION_ID",
    )
    where.add_argument("--dry-run", action="store_true", help="decide but deliver nothing")
    group.add_argument(
        "--extension-code",
        metavar="CODE",
        help="answer with this extension code (default: the app's Extension's, else "
        f"DATAWORKS_EXTENSION_CODE, else {DEFAULT_EXTENSION_CODE})",
    )


def _parser() -> argparse.ArgumentParser:
    from . import __version__

    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Try DataWorks Operation Center extension checks locally, "
        "without a DataWorks account.",
        epilog=(
            "exit codes: 0 success; 1 unreadable message, unexpected verdict or failed demo; "
            "2 usage error; 3 a verdict could not be delivered"
        ),
        formatter_class=_Formatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument(
        "--color",
        choices=("auto", "always", "never"),
        default="auto",
        help="colour the output: auto (a terminal without NO_COLOR), always or never",
    )
    parser.add_argument("-v", "--verbose", action="count", default=0, help="log what the SDK does")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    demo = commands.add_parser(
        "demo",
        help="run example checks against realistic events and show the verdicts",
        description="Run example checks (shipped in dataworks_ext._demo) against a realistic "
        "set of events, through parsing, the checks, CallbackClient and an embedded "
        "LocalDataWorks, and print what was decided and delivered.",
        formatter_class=_Formatter,
    )
    _add_common(demo)
    demo.set_defaults(run=_cmd_demo)

    trigger = commands.add_parser(
        "trigger",
        help="send one event through your checks and show the verdict",
        description="Build a realistic event, run your Extension or Registry on it, and show "
        "the verdict and where it was delivered.",
        epilog="examples:\n"
        "  dataworks-ext trigger freeze --app mychecks:registry --node-id 700005966962\n"
        "  dataworks-ext trigger backfill --app mychecks:extension --days 90 --expect FAIL\n"
        "\nexit codes: 0 done; 1 the verdict is not the one --expect names; 2 usage error;"
        " 3 the verdict could not be delivered",
        formatter_class=_Formatter,
    )
    _add_common(trigger)
    trigger.add_argument("event", choices=_TRIGGER_EVENTS, help="the operation to check")
    _add_app(trigger)
    trigger.add_argument(
        "--node-id",
        dest="node_ids",
        metavar="N",
        type=_positive_int,
        action="append",
        help="a node id (repeat for several; for backfill the first is the root node)",
    )
    trigger.add_argument(
        "--days", type=int, metavar="N", help="business dates of the backfill (default 1)"
    )
    trigger.add_argument(
        "--operator", metavar="UID", default="1107550004253538", help="the operator's UID"
    )
    trigger.add_argument("--project-id", type=_positive_int, metavar="N", help="workspace id")
    trigger.add_argument("--message-id", metavar="ID", help="the message id (default: new)")
    trigger.add_argument(
        "--envelope",
        choices=("cloudevent", "function-compute"),
        default="cloudevent",
        help="the envelope the event arrives in (default: cloudevent)",
    )
    trigger.add_argument(
        "--expect",
        type=str.upper,
        choices=("OK", "FAIL"),
        help="exit 1 unless the verdict is this one",
    )
    trigger.add_argument("--json", action="store_true", help="print the outcome as JSON")
    _add_delivery(trigger)
    trigger.set_defaults(run=_cmd_trigger)

    parse = commands.add_parser(
        "parse",
        help="read a captured message or batch and show the typed event",
        description="Read a message as DataWorks or EventBridge sends it (a CloudEvent, an "
        "EventBridge batch or a Function Compute envelope) and print the typed event, or the "
        "reason it cannot be read with the offending field.",
        epilog="exit codes: 0 every message is readable; 1 a message is unreadable; "
        "2 usage error or the file cannot be read",
        formatter_class=_Formatter,
    )
    _add_common(parse)
    parse.add_argument("file", metavar="FILE", help="a JSON file, or - for standard input")
    parse.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parse.set_defaults(run=_cmd_parse)

    serve = commands.add_parser(
        "serve",
        help="run a local webhook that hands POSTed events to your checks",
        description="A local development webhook: POST a captured message or batch and get "
        "back the outcomes as JSON (200 when every message is settled, 400 for a message "
        "without a readable id, 500 when a verdict could not be delivered).  GET / describes "
        "it; GET /verdicts lists what the embedded LocalDataWorks recorded.",
        formatter_class=_Formatter,
    )
    _add_common(serve)
    _add_app(serve)
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port to listen on (8000; 0: any)")
    serve.add_argument("-q", "--quiet", action="store_true", help="no line per request")
    _add_delivery(serve)
    serve.set_defaults(run=_cmd_serve)
    return parser


def _add_app(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--app",
        required=True,
        metavar="MODULE:ATTR",
        help="your Extension or Registry, e.g. mychecks:registry (MODULE alone finds it; "
        "a path/to/file.py works too)",
    )


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}")
    return value


def _configure_logging(verbosity: int, command: str) -> AbstractContextManager[None]:
    import logging

    logger = logging.getLogger("dataworks_ext")
    if verbosity >= 2:
        level = logging.DEBUG
    elif verbosity == 1:
        level = logging.INFO
    elif command == "demo":
        level = logging.ERROR  # the demo's table shows every verdict and tip
    else:
        level = logging.WARNING
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(name)s %(levelname)s: %(message)s"))

    @contextmanager
    def configured() -> Iterator[None]:
        old_level, old_propagate = logger.level, logger.propagate
        logger.addHandler(handler)
        logger.setLevel(level)
        logger.propagate = False
        try:
            yield
        finally:
            logger.removeHandler(handler)
            logger.setLevel(old_level)
            logger.propagate = old_propagate

    return configured()


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``dataworks-ext`` command; returns its exit code.

    Example:
        >>> from dataworks_ext.cli import main
        >>> main(["--version"])  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        SystemExit: 0
    """
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help()
        return ExitCode.USAGE
    ui = _Ui(args.color)
    try:
        with _configure_logging(args.verbose or 0, args.command):
            code: int = args.run(args, ui)
    except ConfigurationError as exc:
        ui.error(str(exc))
        return ExitCode.USAGE
    except DataWorksExtError as exc:
        ui.error(f"{type(exc).__name__}: {exc}")
        return ExitCode.FAILED
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # the reader went away (`dataworks-ext parse big.json | head`); nothing to report
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return ExitCode.OK
    return int(code)
