"""``dataworks-ext serve``: a local development webhook in front of the user's checks.

Each POSTed message or batch goes to the Extension; the reply carries the outcomes as JSON,
with the library's HTTP convention (:func:`~dataworks_ext.http_reply`): 200 for ACK, 503 with
``Retry-After`` for RETRY, 400 for REJECT, 413 for a body over
:data:`~dataworks_ext.MAX_BODY_BYTES` (with a ``Content-Length`` or chunked: at most that many
bytes plus one are read) or a batch of more than :data:`~dataworks_ext.MAX_BATCH_MESSAGES`.
"""

from __future__ import annotations

import argparse
from contextlib import ExitStack
from typing import TYPE_CHECKING, Any

from .._body import read_body
from .._text import valid_text
from ..errors import ConfigurationError, MessageError
from ..messages import MAX_BODY_BYTES
from ..outcomes import Disposition, Outcome, http_reply
from ._app import describe_checks, describe_settings, extension_for, load_app
from ._delivery import DeliveryTarget, delivered_text, delivery_target, embedded_dataworks
from ._exit_codes import ExitCode
from ._options import add_app_option, add_command, add_delivery_options, add_seed_option
from ._render import jsonable, outcome_dict
from ._settings import add_settings_option, apply_settings
from ._terminal import Console

if TYPE_CHECKING:
    from ..extension import Extension


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``serve`` to the command's subparsers."""
    serve = add_command(
        commands,
        "serve",
        help="run a local webhook that hands POSTed events to your checks",
        description="A local development webhook: POST a captured message or batch and get "
        "back the outcomes as JSON, with the status of their disposition (200 ACK: every "
        "message settled; 503 RETRY: a verdict could not be delivered, EventBridge would "
        "send it again; 400 REJECT: a message without a readable id).  GET / describes "
        "it; GET /verdicts lists what the embedded LocalDataWorks recorded.",
    )
    add_app_option(serve)
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port to listen on (8000; 0: any)")
    serve.add_argument("-q", "--quiet", action="store_true", help="no line per request")
    add_seed_option(serve)
    add_delivery_options(serve)
    add_settings_option(serve)
    serve.set_defaults(run=run)


def run(args: argparse.Namespace, ui: Console) -> int:
    """Run ``serve`` until Ctrl+C or SIGTERM; returns the exit code."""
    import signal
    from http.server import ThreadingHTTPServer

    from ..extension import Extension

    with ExitStack() as stack:
        local = stack.enter_context(embedded_dataworks(args.endpoint, args.seed))
        apply_settings(args, local)
        app = load_app(args.app)  # after the embedded DataWorks' variables are exported
        target = stack.enter_context(delivery_target(args.endpoint, args.dry_run, local))
        extension = extension_for(app, target.callback, args.extension_code)
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
            f"{describe_checks(extension.registry)}"
        )
        if isinstance(app, Extension):
            ui.print(
                f"  your Extension as configured ({describe_settings(extension)}); "
                "only its callback is replaced"
            )
        ui.print(f"  verdicts go to {target.description}")
        ui.print(f"  replay a captured event: curl --data-binary @event.json {url}")
        if target.local is not None:
            ui.print(f"  what LocalDataWorks recorded: curl {url}verdicts")
        ui.print("  press Ctrl+C to stop")

        def stop(_signum: int, _frame: Any) -> None:
            raise KeyboardInterrupt

        previous = signal.signal(signal.SIGTERM, stop)
        stack.callback(signal.signal, signal.SIGTERM, previous)
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            ui.print("stopped")
    return ExitCode.OK


_NO_VERDICTS = (
    "verdicts are listed only with the embedded LocalDataWorks (serve without --endpoint or "
    "--dry-run); here they go to {where}, so there is nothing to list: ask the endpoint "
    "that received them"
)


def _make_handler(extension: Extension, target: DeliveryTarget, ui: Console, quiet: bool) -> Any:
    import json
    import threading
    from http.server import BaseHTTPRequestHandler

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

        def _send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
            data = valid_text(json.dumps(body, ensure_ascii=False, indent=2)).encode() + b"\n"
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            for name, value in (headers or {}).items():
                if name.lower() != "content-type":
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0].rstrip("/")
            if path == "/verdicts" and target.local is not None:
                self._send(200, [jsonable(v) for v in target.local.verdicts])
            elif path == "/verdicts":
                self._send(404, {"error": _NO_VERDICTS.format(where=target.description)})
            elif path == "":
                self._send(
                    200,
                    {
                        "extension_code": extension.extension_code,
                        "checks": describe_checks(extension.registry),
                        "delivering_to": target.description,
                        "usage": "POST a captured message or EventBridge batch to this URL",
                    },
                )
            else:
                self._send(404, {"error": f"no such path: {self.path}"})

        def do_POST(self) -> None:
            length = self.headers.get("Content-Length")
            chunked = "chunked" in self.headers.get("Transfer-Encoding", "").lower()
            if not chunked and (length is None or not length.isdigit()):
                self._send(411, {"error": "send the body with a Content-Length or chunked"})
                return
            try:  # at most MAX_BODY_BYTES + 1 bytes
                size = None if chunked or length is None else int(length)
                body = read_body(self.rfile, MAX_BODY_BYTES, length=size, chunked=chunked)
            except MessageError as exc:  # too large (413), or broken chunked coding (400)
                self.close_connection = True  # the rest of the body is not read
                outcomes = [Outcome.refused(exc)]
            else:
                outcomes = extension.handle_batch(body)
            for outcome in outcomes:
                verdict = outcome.verdict
                if outcome.message_id is None:
                    log(f"POST {self.path}  {style.fail('unreadable')}  {outcome.error}")
                    continue
                result = "-" if verdict is None else verdict.result.value
                what = delivered_text(outcome, target)
                tip = f"  {valid_text(verdict.tip)}" if verdict is not None and verdict.tip else ""
                code = getattr(outcome.event, "event_code", "unreadable")
                log(
                    f"POST {self.path}  {code} {outcome.message_id}  "
                    f"{style.verdict(result)}  delivered {what}{tip}"
                )
            reply = http_reply(outcomes)
            code = extension.extension_code
            results = [outcome_dict(o, code, target.description) for o in outcomes]
            disposition = Disposition.of(outcomes).value
            self._send(
                reply.status, {"disposition": disposition, "outcomes": results}, reply.headers
            )

    return Handler
