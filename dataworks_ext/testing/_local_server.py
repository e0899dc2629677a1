"""Serves HTTP/1.1 on a local port for LocalDataWorks: one thread a connection, JSON answers.

The server knows nothing of DataWorks: it hands each request to the function given as
``on_request`` and tells ``on_connection`` of every connection opened and closed (so that
stopping can close the open ones).
"""

from __future__ import annotations

import http.server
import json
import logging
import socket
import socketserver
from collections.abc import Callable
from typing import Any

__all__ = ["Handler", "Server"]

logger = logging.getLogger("dataworks_ext.testing.local")

CONTENT_TYPE = "application/json;charset=utf-8"
"""The ``Content-Type`` of every answer, as DataWorks sends it."""


class Server(http.server.ThreadingHTTPServer):
    """A threaded HTTP server that passes each request to ``on_request``.

    Example:
        >>> from dataworks_ext.testing._local_server import Handler, Server
        >>> server = Server(("127.0.0.1", 0), Handler, on_request=lambda handler: None)
        >>> server.server_name
        '127.0.0.1'
        >>> server.server_close()
    """

    daemon_threads = True
    block_on_close = False
    request_queue_size = 1024

    def __init__(
        self,
        address: tuple[str, int],
        handler: type[Handler],
        *,
        on_request: Callable[[Handler], None],
        on_connection: Callable[[socket.socket, bool], None] | None = None,
    ) -> None:
        self.on_request = on_request
        self.on_connection = on_connection
        super().__init__(address, handler)

    def server_bind(self) -> None:
        """Bind without looking the host's name up.

        HTTPServer's own looks the host up with socket.getfqdn (a reverse DNS query that can
        be slow, and leave the machine); the name is not needed here.
        """
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = str(host)
        self.server_port = int(port)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Log a connection's error at debug level (a client going away is no news)."""
        logger.debug("connection from %s ended with an error", client_address, exc_info=True)


class Handler(http.server.BaseHTTPRequestHandler):
    """One connection: every POST or GET goes to the server's ``on_request``."""

    protocol_version = "HTTP/1.1"
    wbufsize = -1  # headers and body leave in one send: no 40 ms delayed-ACK stalls
    disable_nagle_algorithm = True
    server: Server
    server_version = "LocalDataWorks"
    sys_version = ""

    def setup(self) -> None:
        """Open the connection and tell the server's ``on_connection``."""
        super().setup()
        if self.server.on_connection is not None:
            self.server.on_connection(self.connection, True)

    def finish(self) -> None:
        """Close the connection and tell the server's ``on_connection``."""
        try:
            super().finish()
        finally:
            if self.server.on_connection is not None:
                self.server.on_connection(self.connection, False)

    def do_POST(self) -> None:
        """Hand the request to the server's ``on_request``."""
        self.server.on_request(self)

    do_GET = do_POST

    def log_message(self, format: str, *args: Any) -> None:
        """Log each request at debug level."""
        logger.debug("%s " + format, self.address_string(), *args)

    def answer(self, status: int, body: dict[str, Any]) -> None:
        """Send ``body`` as JSON with ``status``; its ``RequestId`` goes in a header too."""
        data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", CONTENT_TYPE)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("x-acs-request-id", body["RequestId"])
        self.end_headers()
        self.wfile.write(data)
