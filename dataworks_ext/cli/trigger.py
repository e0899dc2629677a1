"""``dataworks-ext trigger``: one realistic event through the user's checks, and its verdict."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..errors import CallbackError, ConfigurationError
from ..events import EVENT_KINDS
from ._app import _extension_for, load_app
from ._delivery import _delivered_text, _target
from ._exit_codes import ExitCode
from ._options import _add_app, _add_common, _add_delivery, _positive_int
from ._render import _nodes_text, _outcome_dict
from ._terminal import _Formatter, _pairs, _Ui

if TYPE_CHECKING:
    from ..messages import EventMessage

_NODE_OPERATIONS = ("freeze", "restore", "unpublish", "backfill")
TRIGGER_EVENTS = (
    *_NODE_OPERATIONS,
    *(kind.event_code for kind in EVENT_KINDS if kind.is_extension_point),
)
"""The events ``trigger`` builds: the four node operations by name, and every extension-point
event of :data:`~dataworks_ext.EVENT_KINDS` by its code (``commit-file``, ``start-diJob``...)."""


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``trigger`` to the command's subparsers."""
    trigger = commands.add_parser(
        "trigger",
        help="send one event through your checks and show the verdict",
        description="Build a realistic event, run your Extension or Registry on it, and show "
        "the verdict and where it was delivered.",
        epilog="examples:\n"
        "  dataworks-ext trigger freeze --app mychecks:registry --node-id 700005966962\n"
        "  dataworks-ext trigger backfill --app mychecks:extension --days 90 --expect FAIL\n"
        "  dataworks-ext trigger commit-file --app mychecks:registry --expect WARN\n"
        "\nexit codes: 0 done; 1 the verdict is not the one --expect names; 2 usage error;"
        " 3 the verdict could not be delivered",
        formatter_class=_Formatter,
    )
    _add_common(trigger)
    trigger.add_argument(
        "event",
        choices=TRIGGER_EVENTS,
        metavar="EVENT",
        help="the operation to check: freeze, restore, unpublish, backfill, or any "
        "extension-point event code (commit-file, deploy-file, pre-kill-instance, "
        "start-diJob, ...)",
    )
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
        choices=("OK", "WARN", "FAIL"),
        help="exit 1 unless the verdict is this one",
    )
    trigger.add_argument("--json", action="store_true", help="print the outcome as JSON")
    _add_delivery(trigger)
    trigger.set_defaults(run=run)


def _build_event(args: argparse.Namespace) -> EventMessage:
    from ..testing import _builders as builders

    common: dict[str, Any] = {
        "operator": args.operator,
        "message_id": args.message_id,
        "envelope": args.envelope,
    }
    if args.project_id is not None:
        common["project_id"] = args.project_id
    if args.event not in _NODE_OPERATIONS:
        if args.node_ids or args.days is not None:
            raise ConfigurationError(
                "--node-id and --days apply to freeze, restore, unpublish and backfill only"
            )
        built: EventMessage = builders.event_for(args.event, **common)
        return built
    if args.event == "backfill":
        if args.node_ids:
            common["root_node_id"] = args.node_ids[0]
            common["include_node_ids"] = args.node_ids
        return builders.backfill_event(days=args.days or 1, **common)
    if args.days is not None:
        raise ConfigurationError("--days applies to backfill only")
    if args.node_ids:
        common["node_ids"] = args.node_ids
    builder = {
        "freeze": builders.freeze_event,
        "restore": builders.restore_event,
        "unpublish": builders.unpublish_event,
    }[args.event]
    message: EventMessage = builder(**common)
    return message


def run(args: argparse.Namespace, ui: _Ui) -> int:
    """Run ``trigger``; returns the exit code."""
    import json

    from ..events import BackfillEvent

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
        data["api"] = None if outcome.verdict is None else extension.api_for(message).value
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
        names = [check.name for check in extension.registry.checks_for_event(event)]
        pairs.append(("checks", ", ".join(names) or "none for this event", None))
        pairs.append(("verdict", "-" if verdict is None else verdict.result.value, style.verdict))
        if verdict is not None and verdict.tip:
            pairs.append(("tip", verdict.tip, None))
        if outcome.error is not None and not isinstance(outcome.error, CallbackError):
            pairs.append(("error", f"{type(outcome.error).__name__}: {outcome.error}", style.warn))
        if verdict is not None:
            pairs.append(("api", extension.api_for(message).value, None))
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
