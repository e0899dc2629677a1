"""One shared watchdog thread that fires deadlines, cheaply.

Watching a deadline costs a tuple and a dict insert, cancelling it a dict pop: neither takes
a lock.  Each timeout value keeps its own insertion-ordered bucket (``id(watch) -> watch``),
so its watches expire in the order they were made and only bucket heads are looked at.
Whoever pops a watch from its bucket owns it: :meth:`Watchdog.cancel` (the deadline will
not fire) or the watchdog thread (it fires); a dict pop is atomic, so exactly one of them
wins.

A callback runs in the watchdog's thread, so it must return at once and never do I/O: the
:class:`~dataworks_ext.Extension` hands the message's pipeline to a thread of its own there,
which delivers the timeout verdict while the late check runs on.

The thread starts on first use and never sleeps longer than the shortest timeout it has
seen, nor past the earliest deadline it knows of.  So a watch made after it looked at the
buckets, whose deadline is at least that shortest timeout away, is always due after the
thread next looks: only a watch with a new, shorter timeout needs to wake it (that one
takes the lock).  In the usual case, every message with the same timeout watched and
cancelled in turn, the thread stays asleep.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from typing import Any

logger = logging.getLogger("dataworks_ext")

_FOREVER = float("inf")

Fire = Callable[[Any], Any]
"""A deadline callback: called with the ``arg`` given to :meth:`Watchdog.watch`."""

Watch = tuple[float, Fire, Any, dict[int, Any]]
"""A watched deadline, as :meth:`Watchdog.watch` returns it: ``(deadline, fire, arg,
bucket)``.  Keep it until it is cancelled or waited for: its ``id`` is its key."""


class _Fired:
    """What a fired watch's callback returned, once it has returned."""

    __slots__ = ("finished", "result")

    def __init__(self) -> None:
        self.finished = False
        self.result: Any = None


class Watchdog:
    """Fires deadline callbacks from one daemon thread."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        """The clock deadlines are on (``time.monotonic``)."""
        self._reset()

    def _reset(self) -> None:
        """Start afresh; also in a forked child, which has the state but not the thread."""
        self._lock = threading.Lock()
        self._wakeup = threading.Condition(self._lock)  # the thread waits on it
        self._done = threading.Condition(self._lock)  # callers of wait() wait on it
        self._buckets: dict[float, dict[int, Watch]] = {}  # timeout -> id -> watch
        self._fired: dict[int, _Fired] = {}  # fired watches whose result nobody took yet
        self._idle = _FOREVER  # the shortest timeout seen: the longest the thread sleeps
        self._thread: threading.Thread | None = None

    def watch(self, timeout: float, fire: Fire, arg: Any = None) -> Watch:
        """Call ``fire(arg)`` in ``timeout`` seconds unless :meth:`cancel` comes first.

        ``fire`` runs in the watchdog thread: it must be quick and do no I/O."""
        bucket = self._buckets.get(timeout)
        if bucket is None:  # a timeout not seen before (or since a fork)
            bucket = self._new_timeout(timeout)
        watch = (self.clock() + timeout, fire, arg, bucket)
        bucket[id(watch)] = watch
        return watch

    def _new_timeout(self, timeout: float) -> dict[int, Watch]:
        with self._lock:
            bucket = self._buckets.get(timeout)
            if bucket is None:
                bucket = self._buckets[timeout] = {}
            if timeout < self._idle:
                self._idle = timeout
                if self._thread is None:
                    self._thread = threading.Thread(
                        target=self._run, name="dataworks-ext-watchdog", daemon=True
                    )
                    self._thread.start()
                else:
                    self._wakeup.notify()
            return bucket

    def cancel(self, watch: Watch) -> bool:
        """Stop watching; ``True`` if the deadline had not fired (nor started firing).

        After ``False``, :meth:`wait` gives what the callback returned.
        """
        return watch[3].pop(id(watch), None) is watch

    def wait(self, watch: Watch) -> Any:
        """Block until a fired watch's callback has returned; returns what it returned."""
        key = id(watch)
        with self._lock:
            while True:
                fired = self._fired.get(key)
                if fired is not None and fired.finished:
                    break
                self._done.wait()
            del self._fired[key]
        return fired.result

    def _due(self, now: float) -> Watch | float:
        """Pop and return an expired watch, else return the earliest deadline (or ``inf``)."""
        soonest = _FOREVER
        for bucket in list(self._buckets.values()):
            while bucket:
                try:
                    key = next(iter(bucket))
                except (StopIteration, RuntimeError):  # changed under us: look again
                    continue
                watch = bucket.get(key)
                if watch is None:  # cancelled meanwhile
                    continue
                if watch[0] > now:
                    soonest = min(soonest, watch[0])
                    break
                if bucket.pop(key, None) is watch:  # else cancelled meanwhile
                    return watch
        return soonest

    def _run(self) -> None:
        while True:
            with self._lock:
                now = self.clock()
                due = self._due(now)
                if isinstance(due, float):
                    wait = min(due, now + self._idle) - now
                    self._wakeup.wait(min(max(wait, 0.0), threading.TIMEOUT_MAX))
                    continue
                watch = due
                fired = self._fired[id(watch)] = _Fired()
            try:
                result = watch[1](watch[2])
            except BaseException:  # the thread must survive whatever a callback does
                logger.exception("a deadline callback failed")
                result = None
            with self._lock:
                fired.result = result
                fired.finished = True
                self._done.notify_all()


WATCHDOG = Watchdog()
"""The process-wide watchdog."""

if hasattr(os, "register_at_fork"):  # a pre-forking server's workers get a watchdog each
    os.register_at_fork(after_in_child=WATCHDOG._reset)
