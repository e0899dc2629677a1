"""One instance of an extension, as a team deploys several: an HTTP server on 127.0.0.1 whose
Extension answers LocalDataWorks and shares a RedisAnswerStore with the other instances.

Run by tests/test_several_instances.py; settings come from the environment
(``DATAWORKS_*`` for the callback, ``WORKER_REDIS_URL``, ``WORKER_KEY_PREFIX``,
``WORKER_LEASE``, ``WORKER_JITTER``, ``WORKER_SOCKET_TIMEOUT``, ``WORKER_READ_TIMEOUT``,
``WORKER_DEADLINE``).  It prints its port, then serves until killed.  A message whose id
starts with ``stall-`` stalls its check for a minute; one whose id starts with
``die-after-send-`` kills its own process (SIGKILL) as soon as DataWorks accepted its verdict,
before the answer store records it.
"""

from __future__ import annotations

import http.server
import os
import random
import signal
import threading
from typing import Any

from dataworks_ext import (
    CallbackClient,
    EventMessage,
    Extension,
    FreezeNodeEvent,
    RedisAnswerStore,
    Registry,
    Verdict,
    http_reply,
)

registry = Registry()
jitter = float(os.environ.get("WORKER_JITTER", "0.02"))


@registry.on_freeze
def protect(event: FreezeNodeEvent, message: EventMessage) -> Verdict:
    if message.message_id.startswith("stall-"):
        threading.Event().wait(60)
    threading.Event().wait(random.uniform(0, jitter))
    if 7 in event.node_ids:
        return Verdict.fail("node 7 is protected")
    return Verdict.ok(f"checked by {os.getpid()}")


store = RedisAnswerStore.from_url(
    os.environ["WORKER_REDIS_URL"],
    key_prefix=os.environ["WORKER_KEY_PREFIX"],
    socket_timeout=float(os.environ.get("WORKER_SOCKET_TIMEOUT", "0.4")),
)
client = CallbackClient.from_env(
    read_timeout=float(os.environ.get("WORKER_READ_TIMEOUT", "10")),
    deadline=float(os.environ.get("WORKER_DEADLINE", "20")),
)


class DieAfterSend:
    """The worker's callback: delivers, then dies at once for ``die-after-send-`` ids."""

    deadline = client.deadline

    def deliver(self, message_id: str, extension_code: str, verdict: Verdict, **kw: Any) -> None:
        client.deliver(message_id, extension_code, verdict, **kw)
        if message_id.startswith("die-after-send-"):
            os.kill(os.getpid(), signal.SIGKILL)

    async def deliver_async(
        self, message_id: str, extension_code: str, verdict: Verdict, **kw: Any
    ) -> None:
        raise NotImplementedError("the worker serves with Extension.handle")


extension = Extension.from_env(
    registry,
    callback=DieAfterSend(),
    store=store,
    lease=float(os.environ.get("WORKER_LEASE", "10")),
)


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    wbufsize = -1

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        reply = http_reply(extension.handle_batch(body))
        self.send_response(reply.status)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        self.wfile.write(reply.body)

    def log_message(self, format: str, *args: object) -> None:
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
print(server.server_address[1], flush=True)
server.serve_forever()
