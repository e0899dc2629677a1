"""``dataworks-ext serve``: a local development webhook in front of the user's checks.

Each POSTed message or batch goes to the Extension; the reply carries the outcomes as JSON,
with the status :func:`reply_status` picks.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from contextlib import ExitStack
from typing import TYPE_CHECKING, Any

from ..errors import CallbackError, ConfigurationError, MessageError
from ._app import _describe_checks, _extension_for, load_app
from ._delivery import _delivered_text, _Target, _target
from ._exit_codes import ExitCode
from ._options import _add_app, _add_common, _add_delivery
from ._render import _error_dict, _jsonable, _outcome_dict
from ._terminal import _Formatter, _Ui

if TYPE_CHECKING:
    from ..extension import Extension, Outcome


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``serve`` to the command's subparsers."""
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
    serve.set_defaults(run=run)


def run(args: argparse.Namespace, ui: _Ui) -> int:
    """Run ``serve`` until Ctrl+C or SIGTERM; returns the exit code."""
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

    from ..messages import decode

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
            status = reply_status(outcomes)
            results = [_outcome_dict(o) for o in outcomes]
            self._send(status, {"outcomes": results})

    return Handler


def reply_status(outcomes: Sequence[Outcome]) -> int:
    """The HTTP status ``serve`` answers a POST with, from the outcomes of its messages.

    500 when a verdict could not be delivered (EventBridge delivers the message again), else
    400 when a message had no readable id (nobody to answer), else 200.
    """
    if any(isinstance(o.error, CallbackError) for o in outcomes):
        return 500
    if any(o.message_id is None for o in outcomes):
        return 400
    return 200
