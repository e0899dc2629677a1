"""``dataworks-ext trigger``: one realistic event through the user's checks, and its verdict."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..errors import CallbackError, ConfigurationError
from ..outcomes import Disposition
from ._app import extension_for, load_app
from ._delivery import delivered_text, delivery_target, embedded_dataworks
from ._event_source import NODE_OPERATIONS, TRIGGER_EVENTS, add_event_options, built_or_read
from ._exit_codes import ExitCode
from ._options import (
    add_app_option,
    add_command,
    add_delivery_options,
    add_seed_option,
)
from ._render import nodes_text, outcome_dict
from ._settings import add_settings_option, apply_settings
from ._terminal import Console, pairs_text

if TYPE_CHECKING:
    from ..extension import Extension, Outcome
    from ..testing._local import LocalDataWorks


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``trigger`` to the command's subparsers."""
    trigger = add_command(
        commands,
        "trigger",
        help="send one event through your checks and show the verdict",
        description="Build a realistic event, run your Extension or Registry on it, and show "
        "the verdict and where it was delivered.",
        epilog="examples:\n"
        "  dataworks-ext trigger freeze --app mychecks:registry --node-id 700005966962\n"
        "  dataworks-ext trigger backfill --app mychecks:extension --days 90 --expect FAIL\n"
        "  dataworks-ext trigger --file captured.json --app mychecks:registry\n"
        "  dataworks-ext trigger commit-file --app mychecks:registry --expect WARN\n"
        "  dataworks-ext trigger commit-file --app mychecks:registry --code query.sql\n"
        "  dataworks-ext trigger freeze --app mychecks:registry --seed seed.json\n"
        "\nexit codes: 0 done; 1 the verdict is not the one --expect names; 2 usage error;"
        " 3 the verdict could not be delivered",
    )
    trigger.add_argument(
        "event",
        nargs="?",
        choices=TRIGGER_EVENTS,
        metavar="EVENT",
        help="the operation to check: freeze, restore, unpublish, backfill, or any "
        "extension-point event code (commit-file, deploy-file, pre-kill-instance, "
        "start-diJob, ...); or give --file",
    )
    add_app_option(trigger)
    add_event_options(trigger)
    trigger.add_argument(
        "--expect",
        type=str.upper,
        choices=("OK", "WARN", "FAIL"),
        help="exit 1 unless the verdict is this one",
    )
    trigger.add_argument("--json", action="store_true", help="print the outcome as JSON")
    lookups = trigger.add_argument_group(
        "what lookups find (the embedded LocalDataWorks answers GetNode, GetBaseline, "
        "GetInstance and GetIDEEventDetail)"
    )
    add_seed_option(lookups)
    lookups.add_argument(
        "--code",
        metavar="FILE",
        help="the code the built DataStudio event carries (commit-file, deploy-file, "
        "run-file, delete-file): GetIDEEventDetail answers it for the event",
    )
    add_delivery_options(trigger)
    add_settings_option(trigger)
    trigger.set_defaults(run=run)


def _messages(args: argparse.Namespace) -> Any:
    """What to send: the captured file's message or batch, or one built event."""
    from ..messages import decode

    source = built_or_read(args)
    return decode(source) if isinstance(source, bytes) else [source]


_DETAIL_KEYS = {
    "commit-file": "CommittedFile",
    "deploy-file": "CommittedFile",
    "delete-file": "DeletedFile",
    "run-file": "FileExecutionCommand",
}
"""The part of ``GetIDEEventDetail``'s ``EventDetail`` that holds each event's code."""


def _seed_code(args: argparse.Namespace, messages: Any, local: LocalDataWorks | None) -> None:
    """Make GetIDEEventDetail answer the code of ``--code`` for the built event."""
    from ._input import read_input

    if args.code is None:
        return
    if local is None:
        raise ConfigurationError(
            "--code fills the embedded LocalDataWorks; with --endpoint, the event detail "
            "comes from that endpoint: drop one of them"
        )
    if args.file is not None:
        raise ConfigurationError(
            "--code goes with a built event; for captured messages, put their event details "
            "in a --seed file (event_details by message id)"
        )
    message = messages[0]
    code = getattr(message.event, "event_code", None)
    key = _DETAIL_KEYS.get(code or "")
    if key is None:
        raise ConfigurationError(
            f"--code applies to {', '.join(_DETAIL_KEYS)} events, not {code or args.event}"
        )
    raw = read_input(args.code)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigurationError(f"{args.code}: not UTF-8 text") from None
    part: dict[str, Any] = {"Content": text}
    if key != "FileExecutionCommand":
        part["FileName"] = message.event.file_name
    local.seed_event_detail(message.message_id, {key: part})


def _seeded_nodes(args: argparse.Namespace, local: LocalDataWorks | None, ui: Console) -> None:
    """With a seed of nodes: a node operation without ``--node-id`` names the seeded nodes,
    and a ``--node-id`` the seed lacks is pointed out (GetNode will not find it)."""
    if local is None or args.seed is None or args.event not in NODE_OPERATIONS:
        return
    seeded = sorted(local.nodes)
    if not seeded:
        return
    if not args.node_ids:
        args.node_ids = seeded
        return
    missing = [str(n) for n in args.node_ids if n not in local.nodes]
    if missing:
        ui.note(
            f"note: {args.seed} has no node {', '.join(missing)}; GetNode answers "
            "Invalid.Tenant.NodeNotExists for it"
        )


def run(args: argparse.Namespace, ui: Console) -> int:
    """Run ``trigger``; returns the exit code."""
    with embedded_dataworks(args.endpoint, args.seed) as local:
        apply_settings(args, local)
        app = load_app(args.app)  # after the embedded DataWorks' variables are exported
        _seeded_nodes(args, local, ui)
        messages = _messages(args)
        _seed_code(args, messages, local)
        return _run(args, ui, app, messages, local)


def _run(
    args: argparse.Namespace,
    ui: Console,
    app: Any,
    messages: Any,
    local: LocalDataWorks | None,
) -> int:
    import json

    with delivery_target(args.endpoint, args.dry_run, local) as target:
        extension = extension_for(app, target.callback, args.extension_code)
        outcomes = extension.handle_batch(messages)
        delivered = [delivered_text(outcome, target) for outcome in outcomes]
    if args.json:
        code = extension.extension_code
        data = [outcome_dict(o, code, target.description) for o in outcomes]
        for item, outcome in zip(data, outcomes, strict=True):
            item["api"] = _api(outcome, extension)
        ui.print(json.dumps(data if len(data) != 1 else data[0], ensure_ascii=False, indent=2))
    else:
        for index, outcome in enumerate(outcomes):
            if len(outcomes) > 1:
                ui.print(("\n" if index else "") + ui.style.bold(f"[{index}]"))
            ui.print(_outcome_text(outcome, extension, delivered[index], ui))
    if Disposition.of(outcomes) is Disposition.RETRY:
        return ExitCode.UNDELIVERED  # not delivered now: a host would have it sent again
    if args.expect:
        got = [o.verdict.result.value if o.verdict is not None else "no verdict" for o in outcomes]
        if any(result != args.expect for result in got):
            ui.error(f"expected {args.expect}, got {', '.join(got)}")
            return ExitCode.FAILED
    return ExitCode.OK


def _outcome_text(outcome: Outcome, extension: Extension, delivered: str, ui: Console) -> str:
    from ..events import BackfillEvent

    style = ui.style
    event = outcome.event
    verdict = outcome.verdict
    code = getattr(event, "event_code", None) or "unreadable"
    pairs: list[tuple[str, str, Callable[[str], str] | None]] = [
        ("event", f"{code} ({type(event).__name__})" if event else code, style.bold),
        ("message", outcome.message_id or "(id not readable)", None),
        ("extension", extension.extension_code, None),
        ("nodes", nodes_text(event, 10), None),
    ]
    if isinstance(event, BackfillEvent):
        pairs.append(("dates", _periods_text(event), None))
    if event is not None:
        names = [check.name for check in extension.registry.checks_for_event(event)]
        pairs.append(("checks", ", ".join(names) or "none for this event", None))
    pairs.append(("verdict", "-" if verdict is None else verdict.result.value, style.verdict))
    if verdict is not None and verdict.tip:
        pairs.append(("tip", verdict.tip, None))
    if outcome.error is not None and not isinstance(outcome.error, CallbackError):
        pairs.append(("error", f"{type(outcome.error).__name__}: {outcome.error}", style.warn))
    api = _api(outcome, extension)
    if api is not None:
        pairs.append(("api", api, None))
    pairs.append(("delivered", delivered, style.ok if outcome.delivered else style.warn))
    return pairs_text(pairs, style)


def _api(outcome: Outcome, extension: Extension) -> str | None:
    """The API the outcome's verdict goes through, when there is a verdict and an event."""
    if outcome.verdict is None or outcome.event is None:
        return None
    return extension.api_for(outcome.event).value


def _periods_text(event: Any) -> str:
    spans = ", ".join(
        p.begin.isoformat() if p.days == 1 else f"{p.begin.isoformat()}..{p.end.isoformat()}"
        for p in event.periods
    )
    days = event.total_days
    return f"{spans} ({days} day{'s' if days != 1 else ''})"
