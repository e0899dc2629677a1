"""One heartbeat renews the leases of every claim in flight, so a live holder keeps them.

A claim's lease is short (seconds), so that a dead holder's message is taken over soon; a
holder that is alive renews it every third of the lease, however long its checks or its
delivery take.  One heartbeat serves every message in flight: a thread for
:meth:`Extension.handle <dataworks_ext.Extension.handle>`, a task per event loop for
``handle_async``, each renewing all the claims it holds in one store call (one pipelined
round trip on Redis).  With nothing held, the task ends and the thread only looks again once
a third of a lease (no store call).  A renewal that finds a
claim lost (its lease ended and another instance took the message) drops it; the holder then
finds out at its next store step, which refuses it (the fencing token), and delivers nothing.
"""

from __future__ import annotations

import logging
import os
import threading
import weakref
from collections.abc import Callable, Sequence
from typing import Any

from .stores._base import Claim

__all__ = ["AsyncHeartbeat", "Heartbeat"]

logger = logging.getLogger("dataworks_ext")

Renew = Callable[[Sequence[Claim], float], list[bool]]


def _renewed(claims: list[Claim], kept: Sequence[bool], held: dict[str | None, Claim]) -> None:
    for claim, ok in zip(claims, kept, strict=False):
        if not ok and held.pop(claim.token, None) is not None:
            logger.warning(
                "the claim on message %s was lost (its lease ended and another instance took "
                "it); this instance will deliver nothing for it",
                claim.message_id,
                extra={"message_id": claim.message_id},
            )


def _failed(count: int, exc: BaseException) -> None:
    logger.warning(
        "could not renew the leases of %d claim(s) (%s); they are kept while the store is "
        "back within the lease",
        count,
        type(exc).__name__,
    )


class Heartbeat:
    """Renews every claim held by the blocking path, from one daemon thread.

    ``store`` and ``lease`` are read at each beat (the Extension's may change).
    """

    def __init__(self, store: Callable[[], Any], lease: Callable[[], float]) -> None:
        self._store = store
        self._lease = lease
        self._held: dict[str | None, Claim] = {}
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None
        self._idle = False  # the thread waits for a first claim (not between beats)
        self._pid = os.getpid()

    def hold(self, claim: Claim) -> None:
        """Renew ``claim`` from now on, until :meth:`drop`."""
        self._held[claim.token] = claim  # a dict store is atomic: no lock on the usual path
        if self._idle or self._thread is None or self._pid != os.getpid():
            self._wake()

    def _wake(self) -> None:
        with self._cond:
            if self._thread is None or self._pid != os.getpid():  # none yet, or a fork's
                self._pid = os.getpid()
                self._thread = threading.Thread(
                    target=self._run, name="dataworks-ext-heartbeat", daemon=True
                )
                self._thread.start()
            elif self._idle:
                self._cond.notify()

    def drop(self, claim: Claim) -> None:
        """Stop renewing ``claim`` (completed, released, or handed over)."""
        self._held.pop(claim.token, None)

    def __len__(self) -> int:
        return len(self._held)

    def _run(self) -> None:
        cond = self._cond
        held = self._held
        while True:
            with cond:
                while not held:
                    # A claim added while the thread decided to wait (hold() reads _idle
                    # without the lock) is picked up within one interval: in time for its
                    # first renewal, which is due a third into its lease.
                    self._idle = True
                    cond.wait(self._lease() / 3)
                self._idle = False
                lease = self._lease()
                cond.wait(lease / 3)
                claims = list(held.values())
            if not claims:
                continue
            try:
                kept = self._store().renew(claims, lease)
            except Exception as exc:
                _failed(len(claims), exc)
                continue
            _renewed(claims, kept, held)


class _LoopBeat:
    __slots__ = ("held", "task")

    def __init__(self) -> None:
        self.held: dict[str | None, Claim] = {}
        self.task: Any = None


class AsyncHeartbeat:
    """Renews every claim held by ``handle_async``, from one task per event loop."""

    def __init__(self, store: Callable[[], Any], lease: Callable[[], float]) -> None:
        self._store = store
        self._lease = lease
        self._loops: weakref.WeakKeyDictionary[Any, _LoopBeat] = weakref.WeakKeyDictionary()

    def hold(self, claim: Claim) -> None:
        """Renew ``claim`` from now on (call it on the loop), until :meth:`drop`."""
        import asyncio

        loop = asyncio.get_running_loop()
        beat = self._loops.get(loop)
        if beat is None:
            beat = self._loops[loop] = _LoopBeat()
        beat.held[claim.token] = claim
        if beat.task is None:
            beat.task = loop.create_task(self._run(beat))

    def drop(self, claim: Claim) -> None:
        """Stop renewing ``claim`` (call it on the loop that holds it)."""
        import asyncio

        try:
            beat = self._loops.get(asyncio.get_running_loop())
        except RuntimeError:
            beat = None
        if beat is not None:
            beat.held.pop(claim.token, None)

    async def _run(self, beat: _LoopBeat) -> None:
        import asyncio

        held = beat.held
        try:
            while held:
                lease = self._lease()
                await asyncio.sleep(lease / 3)
                claims = list(held.values())
                if not claims:
                    break
                store = self._store()
                try:
                    renew = getattr(store, "renew_async", None)
                    if renew is not None:
                        kept = await renew(claims, lease)
                    else:
                        kept = await asyncio.to_thread(store.renew, claims, lease)
                except Exception as exc:
                    _failed(len(claims), exc)
                    continue
                _renewed(claims, kept, held)
        finally:
            beat.task = None
