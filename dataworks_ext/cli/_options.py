"""What the commands are built with: a parser, ``--color``/``-v``, ``--app``, where verdicts go."""

from __future__ import annotations

import argparse

from ._app import DEFAULT_EXTENSION_CODE
from ._terminal import WrappingHelpFormatter


def add_command(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    name: str,
    *,
    help: str,
    description: str,
    epilog: str | None = None,
) -> argparse.ArgumentParser:
    """Add the command ``name`` to ``commands``: its texts, wrapped as the others' are, and the
    options every command takes (``--color``, ``-v``)."""
    parser = commands.add_parser(
        name,
        help=help,
        description=description,
        epilog=epilog,
        formatter_class=WrappingHelpFormatter,
    )
    add_common_options(parser)
    return parser


def add_common_options(parser: argparse.ArgumentParser) -> None:
    """``--color`` and ``-v``, which every command (and the command itself) takes."""
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


def add_delivery_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("where verdicts go (default: an embedded LocalDataWorks)")
    where = group.add_mutually_exclusive_group()
    where.add_argument(
        "--endpoint",
        metavar="URL",
        help="deliver through CallbackClient to this DataWorks API endpoint (lookups go there "
        "too), credentials from ALIBABA_CLOUD_ACCESS_KEY_ID / ALIBABA_CLOUD_ACCESS_KEY_SECRET "
        "and region from DATAWORKS_REGION_ID; to post an event to your own webhook, use "
        "dataworks-ext send",
    )
    where.add_argument("--dry-run", action="store_true", help="decide but deliver nothing")
    group.add_argument(
        "--extension-code",
        metavar="CODE",
        help="answer with this extension code (default: the app's Extension's, else "
        f"DATAWORKS_EXTENSION_CODE, else {DEFAULT_EXTENSION_CODE})",
    )


def add_app_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--app",
        required=True,
        metavar="MODULE:ATTR",
        help="your Extension or Registry, e.g. mychecks:registry (MODULE alone finds it; "
        "a path/to/file.py works too)",
    )


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}")
    return value


def add_seed_option(parser: argparse.ArgumentParser | argparse._ArgumentGroup) -> None:
    parser.add_argument(
        "--seed",
        metavar="FILE",
        help="seed the embedded LocalDataWorks with the nodes, baselines, instances and event "
        "details of this JSON file, for checks that look things up "
        "(Lookups(CallbackClient.from_env()) reaches it)",
    )
