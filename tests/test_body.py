"""read_body and read_wsgi_body: at most the limit plus one byte held, chunked or not."""

from __future__ import annotations

import io
import tracemalloc

import pytest

from dataworks_ext import MessageDecodeError, RequestTooLargeError, read_body, read_wsgi_body


class CountingStream(io.BytesIO):
    """A stream that remembers how much was read from it."""

    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.taken = 0

    def read(self, size: int | None = -1, /) -> bytes:
        data = super().read(size)
        self.taken += len(data)
        return data

    def readline(self, size: int | None = -1, /) -> bytes:
        data = super().readline(size)
        self.taken += len(data)
        return data


def chunked(body: bytes, piece: int = 1000) -> bytes:
    parts = [
        b"%x\r\n%s\r\n" % (len(body[i : i + piece]), body[i : i + piece])
        for i in range(0, len(body), piece)
    ]
    return b"".join(parts) + b"0\r\nX-Trailer: 1\r\n\r\n"


@pytest.mark.parametrize("size", [0, 1, 99, 100])
def test_bodies_up_to_the_limit_are_read_whole(size: int) -> None:
    body = b"x" * size
    assert read_body(io.BytesIO(body), 100) == body
    assert read_body(io.BytesIO(body + b"next request"), 100, length=size) == body
    assert read_body(io.BytesIO(chunked(body) + b"next"), 100, chunked=True) == body


def test_past_the_limit_a_content_length_is_refused_unread_when_too_far() -> None:
    stream = CountingStream(b"x" * 1000)
    with pytest.raises(RequestTooLargeError) as caught:
        read_body(stream, 100, length=1000, discard=0)
    assert stream.taken == 0 and caught.value.limit == 100
    stream = CountingStream(b"x" * 150)
    with pytest.raises(RequestTooLargeError):
        read_body(stream, 100, length=150)  # within the discard allowance: drained
    assert stream.taken == 150


@pytest.mark.parametrize("framing", ["terminated", "chunked"])
def test_past_the_limit_at_most_the_discard_allowance_is_read(framing: str) -> None:
    body = b"y" * 10_000
    stream = CountingStream(chunked(body) if framing == "chunked" else body)
    with pytest.raises(RequestTooLargeError):
        read_body(stream, 1_000, chunked=framing == "chunked", discard=2_000)
    assert stream.taken <= 1_000 + 2_000 + 2 * 1_100  # a chunk's framing past the allowance


def test_memory_held_is_the_limit_whatever_is_sent() -> None:
    limit = 1 << 20
    stream = io.BytesIO(chunked(b"z" * (20 * limit), piece=1 << 16))
    tracemalloc.start()
    try:
        with pytest.raises(RequestTooLargeError):
            read_body(stream, limit, chunked=True)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 3 * limit


@pytest.mark.parametrize("raw", [b"zz\r\n", b"-5\r\nhello\r\n0\r\n\r\n", b"a\r\nshort", b""])
def test_broken_chunked_coding_is_a_decode_error(raw: bytes) -> None:
    with pytest.raises(MessageDecodeError, match="chunked body is broken"):
        read_body(io.BytesIO(raw), 100, chunked=True)


def test_wsgi_bodies() -> None:
    data = b'{"id": "m-1"}'
    environ = {"wsgi.input": io.BytesIO(data + b"more"), "CONTENT_LENGTH": str(len(data))}
    assert read_wsgi_body(environ, 100) == data
    terminated = {"wsgi.input": io.BytesIO(data), "wsgi.input_terminated": True}
    assert read_wsgi_body(terminated, 100) == data
    unframed = {"wsgi.input": io.BytesIO(data)}  # no length, not terminated: nothing safe
    assert read_wsgi_body(unframed, 100) == b""
    with pytest.raises(RequestTooLargeError):
        read_wsgi_body({"wsgi.input": io.BytesIO(b"x" * 200), "wsgi.input_terminated": True}, 100)
    with pytest.raises(MessageDecodeError, match="Content-Length"):
        read_wsgi_body({"wsgi.input": io.BytesIO(data), "CONTENT_LENGTH": "12a"}, 100)
