"""Daemon threads that make blocking SDK calls, so the sync call path stops at its deadline."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from typing import Any

__all__ = ["CALLERS", "DeadlineReached"]


class DeadlineReached(Exception):
    """The path's own timer ran out before the SDK answered."""


class _Callers:
    """Daemon threads that make blocking SDK calls, so that the sync path stops waiting at
    the deadline: the SDK's timeouts bound each socket read, not the whole answer, and an
    endpoint that trickles its answer byte by byte would hold the caller far longer.

    A call past its deadline runs on in its thread until the SDK gives up; its outcome is
    dropped.  Idle threads are kept for the next calls (daemon threads: they never hold the
    interpreter's exit).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._idle: list[_Caller] = []

    def forget(self) -> None:
        """Forget every thread (in a forked child, which has none of them)."""
        self._lock = threading.Lock()
        self._idle = []

    def run(self, call: Callable[..., Any], request: Any, runtime: Any, timeout: float) -> object:
        """The answer of ``call(request, runtime)``, the exception it raised, or
        :class:`DeadlineReached` after ``timeout`` seconds."""
        with self._lock:
            caller = self._idle.pop() if self._idle else None
        if caller is None:
            caller = _Caller(self)
        return caller.run(call, request, runtime, timeout)

    def _rest(self, caller: _Caller) -> None:
        with self._lock:
            if len(self._idle) < 64:
                self._idle.append(caller)
                return
        caller.retire()


class _Caller:
    """One daemon thread of :class:`_Callers`, taking one call at a time."""

    __slots__ = ("_done", "_outcome", "_owner", "_todo")

    def __init__(self, owner: _Callers) -> None:
        import queue

        self._owner = owner
        self._todo: queue.SimpleQueue[tuple[Any, ...] | None] = queue.SimpleQueue()
        self._done = threading.Event()
        self._outcome: object = None
        threading.Thread(target=self._serve, name="dataworks-ext-call", daemon=True).start()

    def run(self, call: Callable[..., Any], request: Any, runtime: Any, timeout: float) -> object:
        import contextvars

        self._done.clear()
        self._todo.put((contextvars.copy_context(), call, request, runtime))
        if not self._done.wait(timeout):
            self.retire()  # the thread ends once the stuck call does; it is not reused
            return DeadlineReached()
        outcome = self._outcome
        self._outcome = None
        self._owner._rest(self)
        return outcome

    def retire(self) -> None:
        self._todo.put(None)

    def _serve(self) -> None:
        while True:
            work = self._todo.get()
            if work is None:
                return
            context, call, request, runtime = work
            try:
                self._outcome = context.run(call, request, runtime)
            except Exception as exc:
                self._outcome = exc
            self._done.set()


CALLERS = _Callers()
if hasattr(os, "register_at_fork"):  # a forked child has none of the parent's threads
    os.register_at_fork(after_in_child=CALLERS.forget)
