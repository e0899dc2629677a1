"""``dataworks-ext local``: a LocalDataWorks on a port, printing each verdict as it arrives."""

from __future__ import annotations

import argparse
import threading
from typing import TYPE_CHECKING, Any

from ..errors import ConfigurationError
from ._exit_codes import ExitCode
from ._options import add_command, add_seed_option
from ._settings import add_settings_option
from ._terminal import Console

if TYPE_CHECKING:
    from ..testing._local import RecordedVerdict

DEFAULT_PORT = 8089
"""The port ``local`` listens on unless ``--port`` says otherwise."""


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``local`` to the command's subparsers."""
    local = add_command(
        commands,
        "local",
        help="run a local DataWorks endpoint and print each verdict it receives",
        description="Run LocalDataWorks (it answers the official SDK's signed verdict calls "
        "as DataWorks does, and the lookups GetNode, GetBaseline, GetInstance and "
        "GetIDEEventDetail from the data of --seed) on a port, print the environment "
        "that points CallbackClient.from_env / Extension.from_env at it, and print each "
        "verdict as it arrives, until Ctrl+C.",
        epilog="example:\n"
        "  dataworks-ext local --port 8089\n"
        "  # in another terminal, with the printed variables exported:\n"
        "  dataworks-ext trigger freeze --app mychecks:registry "
        "--endpoint http://127.0.0.1:8089",
    )
    local.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    local.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help=f"port to listen on ({DEFAULT_PORT}; 0: any)"
    )
    local.add_argument(
        "--json", action="store_true", help="print each verdict as one JSON line, nothing else"
    )
    add_seed_option(local)
    add_settings_option(local)
    local.set_defaults(run=run)


def _verdict_line(verdict: RecordedVerdict, ui: Console) -> str:
    import datetime as _dt

    style = ui.style
    stamp = _dt.datetime.now().strftime("%H:%M:%S")
    api = getattr(verdict, "api", None)
    parts = [
        style.dim(stamp),
        style.verdict(verdict.result.ljust(4)),
        verdict.message_id,
        style.dim(f"({verdict.extension_code}{f', {api}' if api else ''})"),
    ]
    if verdict.tip:
        parts.append(verdict.tip)
    return "  ".join(parts)


def run(args: argparse.Namespace, ui: Console) -> int:
    """Run ``local`` until Ctrl+C or SIGTERM; returns the exit code."""
    import json
    import signal
    import time

    from ..testing._local import LocalDataWorks
    from ..testing._seed import load_seed
    from ._render import jsonable
    from ._settings import apply_settings

    lock = threading.Lock()

    def show(verdict: RecordedVerdict) -> None:
        line = (
            json.dumps(jsonable(verdict), ensure_ascii=False)
            if args.json
            else _verdict_line(verdict, ui)
        )
        with lock:
            ui.print(line)

    local = LocalDataWorks(host=args.host, port=args.port, on_verdict=show)
    apply_settings(args, local)
    if args.seed is not None:
        load_seed(local, args.seed)  # before listening: a bad seed is a usage error
    try:
        local.start()
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise ConfigurationError(f"cannot listen on {args.host}:{args.port}: {reason}") from None

    def stop(_signum: int, _frame: Any) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        say = ui.print if not args.json else ui.note  # with --json, stdout is verdicts only
        style = ui.style if not args.json else ui.err_style
        say(f"LocalDataWorks listening on {style.bold(local.endpoint)}")
        say(style.dim("  point CallbackClient.from_env / Extension.from_env at it:"))
        for key, value in local.env().items():
            say(f"  export {key}={value}")
        say(style.dim("  verdicts appear below as they arrive; press Ctrl+C to stop"))
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        local.stop()
    count = len(local.verdicts)
    say(f"stopped; {count} verdict{'s' if count != 1 else ''} received")
    return ExitCode.OK
