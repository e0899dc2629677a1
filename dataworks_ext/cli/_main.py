"""``main``: the ``dataworks-ext`` command's parser, logging and error handling.

Each command lives in its own module (:mod:`.demo`, :mod:`.trigger`, :mod:`.check`,
:mod:`.parse`, :mod:`.samples`, :mod:`.serve`, :mod:`.send`, :mod:`.local`) with its
``add_parser`` and its ``run``; this module puts them together.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from typing import Any

from .._version import __version__
from ..errors import ConfigurationError, DataWorksExtError
from . import check, demo, local, parse, samples, send, serve, trigger
from ._exit_codes import ExitCode
from ._terminal import Console, WrappingHelpFormatter

PROG = "dataworks-ext"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Try DataWorks extension checks locally, without a DataWorks account.",
        epilog=(
            "exit codes: 0 success; 1 unreadable message, unexpected verdict (trigger --expect, "
            "send --expect, check), an error status answering send, or failed demo; "
            "2 usage error; 3 a verdict could not be delivered (send: the host answered 503)"
        ),
        formatter_class=WrappingHelpFormatter,
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

    for command in (demo, trigger, check, parse, samples, serve, send, local):
        command.add_parser(commands)
    return parser


def _brief(formatter: Any) -> Any:
    """A formatter of log lines without the tracebacks of the SDK's own errors (a failed
    lookup, a refused call: their message says it all, and the command's output names them;
    ``-v`` shows the tracebacks); an error of the user's code keeps its traceback."""
    import copy
    import logging

    class Brief(logging.Formatter):
        def format(self, record: logging.LogRecord) -> str:
            error = record.exc_info[1] if record.exc_info else None
            if not isinstance(error, DataWorksExtError):
                return str(formatter.format(record))
            brief = copy.copy(record)
            brief.exc_info, brief.exc_text, brief.stack_info = None, None, None
            text: str = formatter.format(brief)
            return text

    return Brief()


def _configure_logging(verbosity: int, command: str) -> AbstractContextManager[None]:
    import logging

    logger = logging.getLogger("dataworks_ext")
    if verbosity >= 2:
        level = logging.DEBUG
    elif verbosity == 1:
        level = logging.INFO
    elif command in ("demo", "check"):
        level = logging.ERROR  # their tables show every verdict and tip
    else:
        level = logging.WARNING
    handler = logging.StreamHandler(sys.stderr)
    formatter = logging.Formatter("%(name)s %(levelname)s: %(message)s")
    handler.setFormatter(formatter if verbosity else _brief(formatter))

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
    ui = Console(args.color)
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
