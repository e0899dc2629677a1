"""One shared watchdog thread that fires deadlines, cheaply.

Watching a deadline costs one lock round trip and a dict insert; cancelling it another.  The
thread starts on first use, sleeps until the earliest deadline, and fires expired watches
outside its lock.  Watches with equal timeouts expire in the order they were made, so each
timeout value keeps its own insertion-ordered bucket and only bucket heads are looked at.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

logger = logging.getLogger("dataworks_ext")


class Watch:
    """A deadline being watched; ``fire`` runs in the watchdog thread once it passes."""

    __slots__ = ("bucket", "deadline", "finished", "fire", "result")

    def __init__(self, bucket: float, deadline: float, fire: Callable[[Watch], Any]) -> None:
        self.bucket = bucket
        self.deadline = deadline
        self.fire = fire
        self.finished = False
        self.result: Any = None


class Watchdog:
    """Fires :class:`Watch` callbacks at their deadlines from one daemon thread."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._cond = threading.Condition(threading.Lock())
        self._buckets: dict[float, dict[int, Watch]] = {}
        self._thread: threading.Thread | None = None

    def watch(self, timeout: float, fire: Callable[[Watch], Any]) -> Watch:
        """Call ``fire(watch)`` in ``timeout`` seconds unless :meth:`cancel` comes first."""
        watch = Watch(timeout, self._clock() + timeout, fire)
        with self._cond:
            bucket = self._buckets.get(timeout)
            if bucket is None:
                bucket = self._buckets[timeout] = {}
            wake = not bucket
            bucket[id(watch)] = watch
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="dataworks-ext-watchdog", daemon=True
                )
                self._thread.start()
            elif wake:
                self._cond.notify_all()
        return watch

    def cancel(self, watch: Watch) -> bool:
        """Stop watching; ``True`` if the deadline had not fired (nor started firing)."""
        with self._cond:
            return self._buckets[watch.bucket].pop(id(watch), None) is not None

    def wait(self, watch: Watch) -> Any:
        """Block until a fired watch's callback has returned; returns what it returned."""
        with self._cond:
            while not watch.finished:
                self._cond.wait()
        return watch.result

    def _next_due(self) -> tuple[Watch | None, float | None]:
        """The first expired watch (removed), else the seconds until the next deadline."""
        now = self._clock()
        soonest: float | None = None
        for bucket in self._buckets.values():
            if not bucket:
                continue
            key, watch = next(iter(bucket.items()))
            if watch.deadline <= now:
                del bucket[key]
                return watch, None
            delay = watch.deadline - now
            soonest = delay if soonest is None else min(soonest, delay)
        return None, soonest

    def _run(self) -> None:
        while True:
            with self._cond:
                watch, delay = self._next_due()
                if watch is None:
                    self._cond.wait(delay)
                    continue
            try:
                result = watch.fire(watch)
            except BaseException:  # the thread must survive whatever a callback does
                logger.exception("a deadline callback failed")
                result = None
            with self._cond:
                watch.result = result
                watch.finished = True
                self._cond.notify_all()


WATCHDOG = Watchdog()
"""The process-wide watchdog."""
