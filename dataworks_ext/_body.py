"""Reading a request body safely: at most the limit plus one byte, chunked or not.

A host hands :meth:`Extension.handle_batch` the body it read; reading it is the host's job,
and the place where a hostile client (or an unlucky batch) can make a host hold more than it
means to.  :func:`read_body` and :func:`read_wsgi_body` never hold more than ``limit`` bytes,
and say :class:`RequestTooLargeError` (answered 413 by :func:`http_reply`) past it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol, runtime_checkable

from .errors import MessageDecodeError, RequestTooLargeError

__all__ = ["BodyStream", "read_body", "read_wsgi_body"]

_PIECE = 64 * 1024
_MAX_LINE = 1024  # a chunk-size line or a trailer line


@runtime_checkable
class BodyStream(Protocol):
    """What :func:`read_body` reads from: a binary stream (``wsgi.input``, a socket file).

    Example:
        >>> import io
        >>> from dataworks_ext import BodyStream
        >>> isinstance(io.BytesIO(b"{}"), BodyStream)
        True
    """

    def read(self, size: int = ..., /) -> bytes:
        """Up to ``size`` bytes; fewer at the end of the body."""
        ...

    def readline(self, size: int = ..., /) -> bytes:
        """One line, of at most ``size`` bytes (used for chunked bodies only)."""
        ...


def _too_large(limit: int) -> RequestTooLargeError:
    return RequestTooLargeError(
        f"the request body is larger than the limit of {limit:,} bytes", limit=limit
    )


def read_body(
    stream: BodyStream,
    limit: int,
    *,
    length: int | None = None,
    chunked: bool = False,
    discard: int | None = None,
) -> bytes:
    """Read a request body of at most ``limit`` bytes from ``stream``.

    ``length`` is the ``Content-Length`` when the request has one: past ``limit`` the body is
    refused before a byte is read, else exactly that many bytes are read.  ``chunked`` says the
    stream carries HTTP/1.1 chunked transfer coding still to decode (a raw socket, as behind
    ``http.server.BaseHTTPRequestHandler``).  With neither, the stream ends where the
    body ends (a WSGI server that sets ``wsgi.input_terminated``) and is read to its end.
    Either way no more than ``limit + 1`` bytes are held.

    Past the limit, up to ``discard`` more bytes (``limit`` when not given) are read and
    thrown away, a piece at a time, so that a client that sends its whole body before it
    reads the answer (as most do) sees the 413 rather than a reset connection; a body larger
    still is left unread (close the connection).

    Raises:
        RequestTooLargeError: the body is larger than ``limit`` (answer it 413:
            ``http_reply([Outcome.refused(exc)])``).
        MessageDecodeError: the chunked coding is broken.

    Example:
        >>> import io
        >>> from dataworks_ext import RequestTooLargeError, read_body
        >>> read_body(io.BytesIO(b'{"id": "m-1"}'), 100)
        b'{"id": "m-1"}'
        >>> read_body(io.BytesIO(b"5\\r\\nhello\\r\\n0\\r\\n\\r\\n"), 100, chunked=True)
        b'hello'
        >>> try:
        ...     read_body(io.BytesIO(b"x" * 101), 100)
        ... except RequestTooLargeError as exc:
        ...     print(exc)
        the request body is larger than the limit of 100 bytes
    """
    budget = limit if discard is None else discard
    if length is not None:
        if length > limit:
            if length <= limit + budget:
                _skip(stream, length)
            raise _too_large(limit)
        return _read_exactly(stream, length)
    if chunked:
        return _read_chunked(stream, limit, budget)
    pieces: list[bytes] = []
    size = 0
    while size <= limit:
        piece = stream.read(min(_PIECE, limit + 1 - size))
        if not piece:
            break
        pieces.append(piece)
        size += len(piece)
    if size > limit:
        del pieces
        _skip(stream, budget)
        raise _too_large(limit)
    return b"".join(pieces)


def _skip(stream: BodyStream, most: int) -> int:
    """Read and drop up to ``most`` bytes (to the end of the stream); how many were read."""
    skipped = 0
    while skipped < most:
        piece = stream.read(min(_PIECE, most - skipped))
        if not piece:
            break
        skipped += len(piece)
    return skipped


def _read_exactly(stream: BodyStream, length: int) -> bytes:
    pieces: list[bytes] = []
    left = length
    while left > 0:
        piece = stream.read(min(_PIECE, left))
        if not piece:  # the client went away: what came is what there is (and not JSON)
            break
        pieces.append(piece)
        left -= len(piece)
    return b"".join(pieces)


def _read_chunked(stream: BodyStream, limit: int, budget: int) -> bytes:
    pieces: list[bytes] = []
    size = 0
    skipping = False
    while True:
        line = stream.readline(_MAX_LINE)
        try:
            chunk = int(line.split(b";", 1)[0].strip(), 16)
        except ValueError:
            raise MessageDecodeError(
                f"the chunked body is broken: chunk size {line[:40]!r}"
            ) from None
        if chunk < 0:
            raise MessageDecodeError("the chunked body is broken: a negative chunk size")
        if chunk == 0:
            while stream.readline(_MAX_LINE) not in (b"\r\n", b"\n", b""):
                pass  # trailers
            if skipping:
                raise _too_large(limit)
            return b"".join(pieces)
        if skipping or size + chunk > limit:
            if not skipping:
                pieces, skipping = [], True
            if chunk > budget:
                raise _too_large(limit)  # past what is worth reading: left unread
            budget -= _skip(stream, chunk)
            stream.readline(_MAX_LINE)
            continue
        data = _read_exactly(stream, chunk)
        if len(data) < chunk:
            raise MessageDecodeError("the chunked body is broken: it ends inside a chunk")
        pieces.append(data)
        size += chunk
        stream.readline(_MAX_LINE)  # the CRLF after the chunk


def read_wsgi_body(environ: Mapping[str, Any], limit: int) -> bytes:
    """Read the body of a WSGI request (Flask, Django, any WSGI framework): :func:`read_body`
    of ``environ["wsgi.input"]``, chunked or not.

    With a ``Content-Length``, at most that many bytes (refused unread past ``limit``).
    Without one (``Transfer-Encoding: chunked``), the stream is read only when the server
    says it ends where the body does (``wsgi.input_terminated``: werkzeug, gunicorn and
    waitress set it); else the body is taken as empty, as werkzeug does.

    Example:
        >>> import io
        >>> from dataworks_ext import read_wsgi_body
        >>> environ = {"wsgi.input": io.BytesIO(b"[]..."), "CONTENT_LENGTH": "2"}
        >>> read_wsgi_body(environ, 4 * 1024 * 1024)
        b'[]'
    """
    stream = environ["wsgi.input"]
    header = str(environ.get("CONTENT_LENGTH") or "").strip()
    if header:
        if not header.isdigit():
            raise MessageDecodeError(f"the Content-Length is not a number: {header[:40]!r}")
        return read_body(stream, limit, length=int(header))
    if not environ.get("wsgi.input_terminated"):
        return b""
    return read_body(stream, limit)
