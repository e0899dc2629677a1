"""The whole delivery deadline on both paths, against real misbehaving HTTP servers on
127.0.0.1, and whether a failed call may have reached DataWorks (CallbackError.maybe_sent)."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from dataworks_ext import CallbackClient, CallbackError, MemoryRateLimiter, RateBudget, Verdict
from dataworks_ext._sdk_failures import classify
from dataworks_ext.testing import LocalDataWorks

WHERE = "http://127.0.0.1:1"


class RawServer:
    """A TCP server on 127.0.0.1 that reads one HTTP request per connection and then does
    what ``behave(connection, stop)`` does."""

    def __init__(self, behave: Callable[[socket.socket, threading.Event], None]) -> None:
        self.behave = behave
        self.stop = threading.Event()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.requests = 0
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._one, args=(conn,), daemon=True).start()

    def _one(self, conn: socket.socket) -> None:
        with contextlib.suppress(OSError):
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = conn.recv(65536)
                if not chunk:
                    return
                data += chunk
            head, _, body = data.partition(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":", 1)[1])
            while len(body) < length:
                body += conn.recv(65536)
            self.requests += 1
            self.behave(conn, self.stop)
        with contextlib.suppress(OSError):
            conn.close()

    def close(self) -> None:
        self.stop.set()
        self.listener.close()

    def client(self, **options: Any) -> CallbackClient:
        settings: dict[str, Any] = {
            "region_id": "cn-shanghai",
            "endpoint": f"http://127.0.0.1:{self.port}",
            "access_key_id": "LTAI5tDeadlineTest",
            "access_key_secret": "secret",
            "max_attempts": 1,
        }
        settings.update(options)
        return CallbackClient(**settings)


BODY = b'{"RequestId": "R1", "Success": true}'


def trickle(conn: socket.socket, stop: threading.Event) -> None:
    """Headers at once, then the body one byte every 0.3 s: each read is quick, the answer
    takes 12 s."""
    conn.sendall(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
        b"Content-Length: " + str(len(BODY)).encode() + b"\r\n\r\n"
    )
    for byte in BODY:
        if stop.wait(0.3):
            return
        conn.sendall(bytes([byte]))


def close_silently(conn: socket.socket, stop: threading.Event) -> None:
    """The request was read; the connection closes with no answer."""


def reset(conn: socket.socket, stop: threading.Event) -> None:
    """The request was read; the connection is reset (RST)."""
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


def silent(conn: socket.socket, stop: threading.Event) -> None:
    """The request was read; no answer comes."""
    stop.wait(10)


def gateway_timeout(conn: socket.socket, stop: threading.Event) -> None:
    """A gateway answers 504: DataWorks' answer was lost on the way."""
    body = b'{"RequestId": "R9", "Code": "GatewayTimeout", "Message": "timeout"}'
    conn.sendall(
        b"HTTP/1.1 504 Gateway Timeout\r\nContent-Type: application/json\r\n"
        b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body
    )


@pytest.fixture
def serve() -> Iterator[Callable[[Callable[[socket.socket, threading.Event], None]], RawServer]]:
    servers: list[RawServer] = []

    def start(behave: Callable[[socket.socket, threading.Event], None]) -> RawServer:
        server = RawServer(behave)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.close()


# ---------------------------------------------------------------------------- the deadline


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_a_trickling_answer_is_cut_at_the_delivery_deadline(
    serve: Callable[..., RawServer], mode: str
) -> None:
    server = serve(trickle)
    client = server.client(deadline=1.0, read_timeout=5.0, max_attempts=3)
    client._sdk_client()  # the SDK imported before the clock starts

    def deliver() -> None:
        if mode == "sync":
            client.deliver("m-1", "ext", Verdict.ok())
        else:
            asyncio.run(client.deliver_async("m-1", "ext", Verdict.ok()))

    started = time.monotonic()
    with pytest.raises(CallbackError) as caught:
        deliver()
    took = time.monotonic() - started
    assert took < 1.0 + 0.4, took
    assert caught.value.code == "DeadlineExceeded"
    assert caught.value.maybe_sent is True  # the request was sent: DataWorks may have it
    assert server.requests == 1


def test_the_sync_path_still_answers_normally_and_keeps_its_threads(
    serve: Callable[..., RawServer],
) -> None:
    def callers() -> int:
        return sum(1 for t in threading.enumerate() if t.name == "dataworks-ext-call")

    before = callers()
    with LocalDataWorks() as local:
        client = local.client()
        for i in range(20):
            client.deliver(f"m-{i}", "ext", Verdict.ok())
        assert len(local.verdicts) == 20
    assert callers() <= before + 1  # one thread reused, not one per call


# ---------------------------------------------------------------------------- maybe_sent


def refused_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])  # closed again: connecting is refused


@pytest.mark.parametrize(
    ("name", "behave", "code", "maybe_sent"),
    [
        ("no answer within the read timeout", silent, "ReadTimeout", True),
        ("connection closed after the request", close_silently, "ConnectionError", True),
        ("connection reset after the request", reset, "ConnectionError", True),
        ("a gateway's 504", gateway_timeout, "GatewayTimeout", True),
    ],
)
def test_an_unknown_outcome_may_have_been_sent(
    serve: Callable[..., RawServer], name: str, behave: Any, code: str, maybe_sent: bool
) -> None:
    server = serve(behave)
    client = server.client(read_timeout=0.5, deadline=5.0)
    with pytest.raises(CallbackError) as caught:
        client.deliver("m-1", "ext", Verdict.ok())
    assert (caught.value.code, caught.value.maybe_sent) == (code, maybe_sent), name


@pytest.mark.parametrize(
    ("fault", "code"),
    [
        ("bad-request", "InvalidParameter"),
        ("forbidden", "Forbidden.Access"),
        ("error", "InternalError.System"),
        ("throttle", "Throttling.User"),
        ("unsuccessful", "Unsuccessful"),
    ],
)
def test_an_answer_from_dataworks_says_nothing_was_recorded(fault: str, code: str) -> None:
    with LocalDataWorks() as local:
        local.inject(fault)
        with pytest.raises(CallbackError) as caught:
            local.client(max_attempts=1).deliver("m-1", "ext", Verdict.ok())
    assert (caught.value.code, caught.value.maybe_sent) == (code, False)


def test_a_refused_connection_was_not_sent() -> None:
    client = CallbackClient(
        region_id="cn-shanghai",
        endpoint=f"http://127.0.0.1:{refused_port()}",
        access_key_id="LTAI5tDeadlineTest",
        access_key_secret="secret",
        max_attempts=1,
    )
    with pytest.raises(CallbackError) as caught:
        client.deliver("m-1", "ext", Verdict.ok())
    assert (caught.value.code, caught.value.maybe_sent) == ("ConnectionError", False)
    with pytest.raises(CallbackError) as caught:
        asyncio.run(client.deliver_async("m-1", "ext", Verdict.ok()))
    assert (caught.value.code, caught.value.maybe_sent) == ("ConnectionError", False)


def test_a_call_the_budget_stopped_was_not_sent() -> None:
    limiter = MemoryRateLimiter(RateBudget.of(reads_per_second=1, daily=1))
    with LocalDataWorks() as local:
        client = local.client(limiter=limiter)
        client.deliver("m-1", "ext", Verdict.ok())
        with pytest.raises(CallbackError) as caught:
            client.deliver("m-2", "ext", Verdict.ok())
    assert (caught.value.code, caught.value.maybe_sent) == ("DailyLimitReached", False)


def test_a_timeout_before_a_refusal_keeps_maybe_sent(serve: Callable[..., RawServer]) -> None:
    answers = iter([silent, lambda conn, stop: None])  # a read timeout, then a closed socket

    def behave(conn: socket.socket, stop: threading.Event) -> None:
        next(answers)(conn, stop)

    server = serve(behave)
    client = server.client(read_timeout=0.3, deadline=5.0, max_attempts=2, backoff_base=0.01)
    with pytest.raises(CallbackError) as caught:
        client.deliver("m-1", "ext", Verdict.ok())
    assert caught.value.attempts == 2 and caught.value.maybe_sent is True


@pytest.mark.parametrize(
    ("exc", "maybe_sent"),
    [
        (socket.gaierror(-2, "Name or service not known"), False),
        (ConnectionRefusedError(111, "Connection refused"), False),
        (ConnectionResetError(104, "Connection reset by peer"), True),
        (BrokenPipeError(32, "Broken pipe"), True),
        (TimeoutError("timed out"), True),
        (KeyError("x"), True),  # unexpected: nobody knows
    ],
    ids=["dns", "refused", "reset", "broken-pipe", "timeout", "unexpected"],
)
def test_classify_says_whether_a_call_may_have_been_sent(
    exc: BaseException, maybe_sent: bool
) -> None:
    assert classify(exc, WHERE, 10.0).maybe_sent is maybe_sent
