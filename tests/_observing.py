"""Helpers the audit and telemetry tests share."""

from __future__ import annotations

import asyncio
import socket
from typing import Any

from dataworks_ext import Extension, FreezeNodeEvent, Registry

MODES = ["sync", "async"]


def answering(answer: Any = True, *, enforce: bool = True) -> Registry:
    """A registry whose one freeze check, ``protect``, returns ``answer`` (or raises it)."""
    reg = Registry()

    @reg.on_freeze(name="protect", enforce=enforce)
    def protect(event: FreezeNodeEvent) -> Any:
        if isinstance(answer, BaseException):
            raise answer
        return answer

    return reg


def handle(ext: Extension, raw: Any, mode: str) -> Any:
    """``ext.handle(raw)``, or ``handle_async`` in a loop of its own for ``mode="async"``."""
    return asyncio.run(ext.handle_async(raw)) if mode == "async" else ext.handle(raw)


def closed_port() -> int:
    """A port on 127.0.0.1 nobody listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port
