"""Remembering answered messages, so a redelivered message is not answered twice.

EventBridge delivers at least once.  :class:`Extension` asks a :class:`SeenStore` whether a
message id was already answered, and tells it once a verdict was delivered.  The default,
:class:`MemorySeenStore`, is an LRU with a time-to-live and a size bound; a deployment of
several instances plugs a shared store (Redis, a database table) behind the same protocol.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Protocol, runtime_checkable

__all__ = ["MemorySeenStore", "SeenStore"]


@runtime_checkable
class SeenStore(Protocol):
    """Where an :class:`Extension` remembers the message ids it has answered.

    Both methods are called from the thread that handles the message (and from the event
    loop's thread in :meth:`Extension.handle_async`), so they must be quick and thread-safe.

    Example:
        >>> from dataworks_ext import MemorySeenStore, SeenStore
        >>> isinstance(MemorySeenStore(), SeenStore)
        True
    """

    def seen(self, message_id: str) -> bool:
        """Whether a verdict for ``message_id`` was already delivered."""
        ...

    def remember(self, message_id: str) -> None:
        """Record that a verdict for ``message_id`` was delivered."""
        ...


class MemorySeenStore:
    """An in-process :class:`SeenStore`: least recently used ids are forgotten first.

    Args:
        max_size: How many ids to keep at most (memory stays bounded: about 150 bytes an id).
        ttl: Seconds an id is remembered.  EventBridge retries a failed push for up to a day,
            so the default is a day.
        clock: A monotonic clock in seconds, injectable for tests.

    Example:
        >>> from dataworks_ext import MemorySeenStore
        >>> store = MemorySeenStore(max_size=2)
        >>> for message_id in ("a", "b", "c"):
        ...     store.remember(message_id)
        >>> store.seen("a"), store.seen("c"), len(store)
        (False, True, 2)
    """

    def __init__(
        self,
        max_size: int = 10_000,
        ttl: float = 24 * 3600.0,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not isinstance(max_size, int) or max_size < 1:
            raise ValueError(f"max_size must be a positive integer, got {max_size!r}")
        if not ttl > 0:
            raise ValueError(f"ttl must be a positive number of seconds, got {ttl!r}")
        self.max_size = max_size
        self.ttl = float(ttl)
        self._clock = clock
        self._expiry: OrderedDict[str, float] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._expiry)

    def __repr__(self) -> str:
        return f"MemorySeenStore(size={len(self)}, max_size={self.max_size}, ttl={self.ttl:g})"

    def seen(self, message_id: str) -> bool:
        """Whether ``message_id`` was remembered less than ``ttl`` seconds ago."""
        if message_id not in self._expiry:  # the usual answer, without taking the lock
            return False
        with self._lock:
            expiry = self._expiry.get(message_id)
            if expiry is None:
                return False
            if expiry <= self._clock():
                del self._expiry[message_id]
                return False
            self._expiry.move_to_end(message_id)
            return True

    def remember(self, message_id: str) -> None:
        """Remember ``message_id`` for ``ttl`` seconds, forgetting the oldest beyond the bound."""
        now = self._clock()
        until = now + self.ttl
        expiry = self._expiry
        with self._lock:
            if expiry.setdefault(message_id, until) is not until:  # known: refresh, move up
                expiry[message_id] = until
                expiry.move_to_end(message_id)
            if len(expiry) > self.max_size:
                while len(expiry) > self.max_size:
                    expiry.popitem(last=False)
                return
            # Drop expired ids from the old end, a few at a time, so memory follows traffic.
            oldest = next(iter(expiry))
            if expiry[oldest] <= now:
                del expiry[oldest]
                oldest = next(iter(expiry))
                if expiry[oldest] <= now:
                    del expiry[oldest]

    def forget(self, message_id: str) -> None:
        """Forget ``message_id`` (its next delivery will be answered again)."""
        with self._lock:
            self._expiry.pop(message_id, None)
