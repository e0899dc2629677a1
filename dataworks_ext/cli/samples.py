"""``dataworks-ext samples``: realistic sample messages of every event, in each envelope.

The events come from the builders of :mod:`dataworks_ext.testing`: every public ``*_event``
builder that needs no argument is one, so an event that gets a builder appears here with no
change to this command.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..errors import ConfigurationError
from ._exit_codes import ExitCode
from ._options import add_command
from ._terminal import Console

if TYPE_CHECKING:
    from ..messages import EventMessage


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``samples`` to the command's subparsers."""
    samples = add_command(
        commands,
        "samples",
        help="write realistic sample messages of every event, in each envelope",
        description="Write realistic messages, as DataWorks and EventBridge send them, for "
        "every event the dataworks_ext.testing builders know (or the ones named), in each "
        "envelope (or the one named): to standard output, a file, or a folder with one file a "
        "message.  parse, check, trigger --file and serve read them back.",
        epilog="examples:\n"
        "  dataworks-ext samples --list\n"
        "  dataworks-ext samples freeze-node --envelope cloudevent > freeze.json\n"
        "  dataworks-ext samples --output samples/\n"
        "  dataworks-ext samples --format jsonl --output all.jsonl",
    )
    samples.add_argument(
        "events",
        nargs="*",
        metavar="EVENT",
        help="event codes (freeze-node) or builder names (freeze); default: every event",
    )
    samples.add_argument(
        "--envelope",
        default="all",
        metavar="ENVELOPE",
        help="cloudevent, function-compute or all (default: all)",
    )
    samples.add_argument(
        "--format",
        choices=("json", "jsonl"),
        default="json",
        help="json: one message, or an array of them (default); jsonl: one message a line",
    )
    samples.add_argument(
        "-o",
        "--output",
        metavar="PATH",
        help="a file, or a folder (existing, or ending in /) for one file a message "
        "named EVENT-CODE.ENVELOPE.json; default: standard output",
    )
    samples.add_argument(
        "--list", action="store_true", help="list the events and envelopes, write nothing"
    )
    samples.set_defaults(run=run)


Builder = Callable[..., "EventMessage"]


def sample_builders() -> dict[str, tuple[str, Builder]]:
    """Every extension-point event :mod:`dataworks_ext.testing` can build, by event code:
    ``{event code: (builder, build)}``, where ``build(message_id=, envelope=)`` builds one.

    Read from the table of event kinds: an event with a model of its own is built by the
    builder its row names, every other extension point by :func:`extension_point_event
    <dataworks_ext.testing.extension_point_event>` with its code.

    Example:
        >>> from dataworks_ext.cli.samples import sample_builders
        >>> sample_builders()["freeze-node"][0]
        'freeze_event'
        >>> sample_builders()["start-diJob"][0]
        "extension_point_event('start-diJob')"
    """
    import functools

    from .. import testing
    from ..events import event_kinds
    from ..testing._builders import builder_for

    found: dict[str, tuple[str, Builder]] = {}
    for kind in event_kinds():
        if not kind.is_extension_point:  # regular events: nothing to answer
            continue
        if kind.has_model and kind.builder is not None:
            build = getattr(testing, kind.builder, None) or builder_for(kind)
            found[kind.event_code] = (kind.builder, build)
        else:
            generic = functools.partial(testing.extension_point_event, kind.event_code)
            found[kind.event_code] = (f"extension_point_event({kind.event_code!r})", generic)
    return found


def _envelopes(choice: str) -> list[str]:
    from ..messages import EnvelopeKind

    known = [kind.value for kind in EnvelopeKind]
    if choice == "all":
        return known
    if choice not in known:
        raise ConfigurationError(f"--envelope {choice!r}: choose from {', '.join(known)} or all")
    return [choice]


def _chosen(names: list[str], builders: dict[str, tuple[str, Builder]]) -> list[str]:
    if not names:
        return list(builders)
    short = {
        builder_name.removesuffix("_event"): code for code, (builder_name, _) in builders.items()
    }
    codes = []
    for name in names:
        key = name.strip()
        code = key if key in builders else short.get(key.replace("-", "_"))
        if code is None:
            raise ConfigurationError(
                f"no sample of {name!r}: the events are {', '.join(builders)} "
                "(see dataworks-ext samples --list)"
            )
        codes.append(code)
    return codes


def run(args: argparse.Namespace, ui: Console) -> int:
    """Run ``samples``; returns the exit code."""
    import json

    builders = sample_builders()
    envelopes = _envelopes(args.envelope)
    codes = _chosen(args.events, builders)
    if args.list:
        width = max(len(code) for code in codes)
        for code in codes:  # not a table: a builder's name is never wrapped
            ui.print(f"{ui.style.bold(code.ljust(width))}  {builders[code][0]}")
        ui.print(ui.style.dim(f"each in {' and '.join(envelopes)}"))
        return ExitCode.OK
    messages = [
        (code, envelope, builders[code][1](envelope=envelope).to_dict())
        for code in codes
        for envelope in envelopes
    ]
    output = args.output
    if output is not None and (output.endswith(("/", os.sep)) or os.path.isdir(output)):
        try:
            os.makedirs(output, exist_ok=True)
            for code, envelope, data in messages:
                path = os.path.join(output, f"{code}.{envelope}.json")
                with open(path, "w", encoding="utf-8") as handle:
                    handle.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
        except OSError as exc:
            raise ConfigurationError(f"cannot write to {output}: {exc.strerror or exc}") from None
        ui.err.write(f"wrote {len(messages)} messages to {output}\n")
        return ExitCode.OK
    bodies = [data for _, _, data in messages]
    if args.format == "jsonl":
        text = "".join(json.dumps(data, ensure_ascii=False) + "\n" for data in bodies)
    else:
        shown: Any = bodies[0] if len(bodies) == 1 else bodies
        text = json.dumps(shown, ensure_ascii=False, indent=2) + "\n"
    if output is None:
        ui.out.write(text)
        ui.out.flush()
        return ExitCode.OK
    try:
        with open(output, "w", encoding="utf-8") as handle:
            handle.write(text)
    except OSError as exc:
        raise ConfigurationError(f"cannot write {output}: {exc.strerror or exc}") from None
    ui.err.write(f"wrote {len(messages)} messages to {output}\n")
    return ExitCode.OK
