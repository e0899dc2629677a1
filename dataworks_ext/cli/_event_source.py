"""The event ``trigger`` and ``send`` work on: built from their options, or a captured one."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from ..errors import ConfigurationError
from ..events import EVENT_KINDS, kind_for_word
from ._input import read_input
from ._options import positive_int

if TYPE_CHECKING:
    from ..messages import EventMessage

NODE_OPERATIONS = tuple(kind.word for kind in EVENT_KINDS if kind.word)
"""The events built by their word (freeze, restore, unpublish, backfill): the table's words."""
TRIGGER_EVENTS = (
    *NODE_OPERATIONS,
    *(kind.event_code for kind in EVENT_KINDS if kind.is_extension_point),
)
"""The events ``trigger`` builds: the four node operations by name, and every extension-point
event of :data:`~dataworks_ext.EVENT_KINDS` by its code (``commit-file``, ``start-diJob``...)."""


def add_event_options(parser: argparse.ArgumentParser, verb: str = "send") -> None:
    """The options that build an event (or name a captured one): ``trigger`` and ``send``."""
    parser.add_argument(
        "--file",
        metavar="FILE",
        help=f"{verb} this captured message or batch (a JSON file, or - for standard input) "
        "instead of building an event",
    )
    parser.add_argument(
        "--node-id",
        dest="node_ids",
        metavar="N",
        type=positive_int,
        action="append",
        help="a node id (repeat for several; for backfill the first is the root node)",
    )
    parser.add_argument(
        "--days", type=int, metavar="N", help="business dates of the backfill (default 1)"
    )
    parser.add_argument(
        "--operator", metavar="UID", default="1107550004253538", help="the operator's UID"
    )
    parser.add_argument("--project-id", type=positive_int, metavar="N", help="workspace id")
    parser.add_argument("--message-id", metavar="ID", help="the message id (default: new)")
    parser.add_argument(
        "--envelope",
        choices=("cloudevent", "function-compute"),
        default="cloudevent",
        help="the envelope the event arrives in (default: cloudevent)",
    )


def build_event(args: argparse.Namespace) -> EventMessage:
    from ..testing import _builders as builders

    common: dict[str, Any] = {
        "operator": args.operator,
        "message_id": args.message_id,
        "envelope": args.envelope,
    }
    if args.project_id is not None:
        common["project_id"] = args.project_id
    if args.event not in NODE_OPERATIONS:
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
    kind = kind_for_word(args.event)  # one of NODE_OPERATIONS: it has a builder
    assert kind is not None
    message: EventMessage = getattr(builders, f"{kind.name}_event")(**common)
    return message


BUILDER_OPTIONS = (
    ("node_ids", "--node-id"),
    ("days", "--days"),
    ("project_id", "--project-id"),
    ("message_id", "--message-id"),
)


def built_or_read(args: argparse.Namespace) -> EventMessage | bytes:
    """The event the options build, or the bytes of the captured file ``--file`` names (as
    they are); a :class:`ConfigurationError` for an event named with ``--file``, or options
    that build an event given with it."""
    if args.file is None:
        if args.event is None:
            raise ConfigurationError("name the event to build (freeze, ...) or give --file")
        if args.days is not None and args.days < 1:
            raise ConfigurationError("--days must be at least 1")
        return build_event(args)
    if args.event is not None:
        raise ConfigurationError(f"--file sends a captured message: drop {args.event!r}")
    given = [option for name, option in BUILDER_OPTIONS if getattr(args, name) is not None]
    if args.envelope != "cloudevent":
        given.append("--envelope")
    if given:
        raise ConfigurationError(
            f"{', '.join(given)} build an event; --file sends the captured one as it is"
        )
    return read_input(args.file)
