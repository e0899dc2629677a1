"""``dataworks-ext send``: post an event to a running host, as EventBridge would, and show its
answer.

The event is built as ``trigger`` builds one, or read from a captured file; it goes to the
URL given (and nowhere else) in one HTTP POST, with the headers given (the shared secret of a
webhook). The answer's status, disposition and outcomes are printed as the host sent them.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from ..errors import ConfigurationError
from ._event_source import TRIGGER_EVENTS, add_event_options, built_or_read
from ._exit_codes import ExitCode
from ._options import add_command
from ._terminal import Console, pairs_text

DEFAULT_TIMEOUT = 30.0
"""Seconds ``send`` waits for the host's answer unless ``--timeout`` says otherwise."""


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``send`` to the command's subparsers."""
    send = add_command(
        commands,
        "send",
        help="post an event to a running host (your webhook) and show its answer",
        description="Post one event (built as trigger builds it, or captured in a file) to a "
        "running host, as an EventBridge HTTP target receives it, and print the HTTP status, "
        "the disposition and each outcome of the answer.  Nothing is sent anywhere but URL.",
        epilog="examples:\n"
        "  dataworks-ext send http://127.0.0.1:8080/dataworks/events freeze\n"
        "  dataworks-ext send http://127.0.0.1:8080/dataworks/events freeze \\\n"
        "      --header 'X-DataWorks-Webhook-Secret: s3cret' --node-id 700005966962\n"
        "  dataworks-ext send http://127.0.0.1:8000/ --file captured.json --json\n"
        "\nexit codes: 0 the host answered 2xx (ACK); 1 it answered another status (400 "
        "REJECT, 401, 413, ...) or a verdict is not the one --expect names; 2 usage error, or "
        "the host cannot be reached; 3 it answered 503 (RETRY: EventBridge would send the "
        "event again)",
    )
    send.add_argument("url", metavar="URL", help="where the host takes events (http or https)")
    send.add_argument(
        "event",
        nargs="?",
        choices=TRIGGER_EVENTS,
        metavar="EVENT",
        help="the event to build: freeze, restore, unpublish, backfill, or any "
        "extension-point event code (commit-file, ...); or give --file",
    )
    add_event_options(send)
    send.add_argument(
        "-H",
        "--header",
        dest="headers",
        metavar="'NAME: VALUE'",
        action="append",
        default=[],
        help="an HTTP header to send, such as the webhook's shared secret (repeat for several)",
    )
    send.add_argument(
        "--timeout",
        type=float,
        default=DEFAULT_TIMEOUT,
        metavar="SECONDS",
        help=f"how long to wait for the answer ({DEFAULT_TIMEOUT:g})",
    )
    send.add_argument(
        "--expect",
        type=str.upper,
        choices=("OK", "WARN", "FAIL"),
        help="exit 1 unless every outcome's verdict is this one",
    )
    send.add_argument(
        "--json", action="store_true", help="print the status and the host's answer as JSON"
    )
    send.set_defaults(run=run)


def _headers(given: list[str]) -> dict[str, str]:
    headers = {"Content-Type": "application/json"}
    for text in given:
        name, sep, value = text.partition(":")
        if not sep or not name.strip() or any(c.isspace() for c in name.strip()):
            raise ConfigurationError(
                f"--header {text!r} is not 'Name: value' "
                "(for example 'X-DataWorks-Webhook-Secret: s3cret')"
            )
        headers[name.strip()] = value.strip()
    return headers


def _body(args: argparse.Namespace) -> bytes:
    """The request body: the captured file's bytes as they are, or the built event."""
    source = built_or_read(args)
    return source if isinstance(source, bytes) else source.to_json()


def _post(url: str, body: bytes, headers: dict[str, str], timeout: float) -> tuple[int, str, Any]:
    """POST ``body`` to ``url``: (status, reason, the answer as JSON or as text)."""
    import urllib.error
    import urllib.request
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigurationError(
            f"{url!r} is not an http(s) URL (for example http://127.0.0.1:8080/dataworks/events)"
        )
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # only to URL
    try:
        with opener.open(request, timeout=timeout) as response:
            status, reason, raw = response.status, response.reason, response.read()
    except urllib.error.HTTPError as exc:
        status, reason, raw = exc.code, exc.reason, exc.read()
    except (urllib.error.URLError, OSError) as exc:
        why = getattr(exc, "reason", None) or exc
        raise ConfigurationError(f"cannot reach {url}: {why}") from None
    text = raw.decode("utf-8", "replace")
    try:
        answer: Any = json.loads(text) if text.strip() else None
    except ValueError:
        answer = text
    return status, str(reason), answer


def run(args: argparse.Namespace, ui: Console) -> int:
    """Run ``send``; returns the exit code."""
    if args.timeout <= 0:
        raise ConfigurationError("--timeout must be more than 0 seconds")
    headers = _headers(args.headers)
    body = _body(args)
    status, reason, answer = _post(args.url, body, headers, args.timeout)
    outcomes = answer.get("outcomes") if isinstance(answer, dict) else None
    outcomes = outcomes if isinstance(outcomes, list) else []
    if args.json:
        ui.print(json.dumps({"status": status, "answer": answer}, ensure_ascii=False, indent=2))
    else:
        _print_answer(ui, status, reason, answer, outcomes)
    if status == 503:
        return ExitCode.UNDELIVERED
    if not 200 <= status < 300:
        return ExitCode.FAILED
    if args.expect:
        got = [str(o.get("result") or "no verdict") for o in outcomes if isinstance(o, dict)]
        if not got or any(result != args.expect for result in got):
            ui.error(f"expected {args.expect}, got {', '.join(got) or 'no outcome'}")
            return ExitCode.FAILED
    return ExitCode.OK


def _print_answer(ui: Console, status: int, reason: str, answer: Any, outcomes: list[Any]) -> None:
    style = ui.style
    paint = style.ok if 200 <= status < 300 else style.fail
    pairs: list[tuple[str, str, Any]] = [("status", f"{status} {reason}".strip(), paint)]
    if isinstance(answer, dict) and "disposition" in answer:
        pairs.append(("disposition", str(answer["disposition"]), None))
    elif isinstance(answer, dict) and "error" in answer:
        pairs.append(("error", str(answer["error"]), style.warn))
    elif answer is not None:
        shown = answer if isinstance(answer, str) else json.dumps(answer, ensure_ascii=False)
        pairs.append(("answer", shown[:500], None))
    ui.print(pairs_text(pairs, style))
    for index, outcome in enumerate(outcomes):
        if not isinstance(outcome, dict):
            continue
        ui.print("\n" + style.bold(f"[{index}]"))
        ui.print(pairs_text(_outcome_pairs(outcome, ui), style))


def _outcome_pairs(outcome: dict[str, Any], ui: Console) -> list[tuple[str, str, Any]]:
    style = ui.style
    pairs: list[tuple[str, str, Any]] = [
        ("message", str(outcome.get("message_id") or "(id not readable)"), None),
        ("event", str(outcome.get("event_code") or "unreadable"), style.bold),
        ("verdict", str(outcome.get("result") or "-"), style.verdict),
    ]
    if outcome.get("tip"):
        pairs.append(("tip", str(outcome["tip"]), None))
    flags = [name for name in ("duplicate", "in_progress") if outcome.get(name)]
    delivered = "yes" if outcome.get("delivered") else "no"
    pairs.append(("delivered", delivered + (f" ({', '.join(flags)})" if flags else ""), None))
    if outcome.get("disposition"):
        pairs.append(("disposition", str(outcome["disposition"]), None))
    error = outcome.get("error")
    if error:
        pairs.append(("error", str(error), style.warn))
    return pairs
