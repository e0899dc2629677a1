"""The in-process answer store: the default of every Extension."""

from __future__ import annotations

import itertools
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence

from ..verdicts import Verdict
from ._base import Claim, ClaimState

__all__ = ["MemoryAnswerStore"]

_ACQUIRED = ClaimState.ACQUIRED
_DECIDED = ClaimState.DECIDED
_IN_PROGRESS = ClaimState.IN_PROGRESS
_ANSWERED = ClaimState.ANSWERED
_Key = str | tuple[str, str]
_new = tuple.__new__  # a Claim from a tuple, without the keyword handling of Claim()


class _Held:
    """A held (``verdict`` None) or decided record: when its lease ends, and whose it is."""

    __slots__ = ("token", "until", "verdict")

    def __init__(self, until: float, token: str | None, verdict: Verdict | None) -> None:
        self.until = until
        self.token = token
        self.verdict = verdict


class MemoryAnswerStore:
    """An in-process :class:`AnswerStore` (and :class:`AsyncAnswerStore`), bounded, with a TTL.

    Answers are kept for ``ttl`` seconds, at most ``max_size`` of them (the least recently
    used go first; about 200 bytes an answer).  Held and decided records are kept apart from
    the bound: a held one goes when its lease ends, a decided one once answered (or after the
    TTL).  It serves one process: with several instances use a shared store such as
    :class:`RedisAnswerStore`.

    Args:
        max_size: How many answers to keep at most.
        ttl: Seconds an answer is kept.  EventBridge retries a failed push for up to a day,
            so the default is a day.
        clock: A monotonic clock in seconds, injectable for tests.

    Example:
        >>> from dataworks_ext import MemoryAnswerStore, Verdict
        >>> store = MemoryAnswerStore()
        >>> claim = store.claim("ext", "m-1", lease=60)
        >>> claim.state.name, store.claim("ext", "m-1", lease=60).state.name
        ('ACQUIRED', 'IN_PROGRESS')
        >>> store.decide(claim, Verdict.fail("node 7 is protected"), lease=60)
        True
        >>> store.complete(claim, Verdict.fail("node 7 is protected"))
        True
        >>> store.claim("ext", "m-1", lease=60).verdict.tip
        'node 7 is protected'
    """

    operation_timeout = 0.0
    """Calls never wait on anything."""

    def __init__(
        self,
        max_size: int = 10_000,
        ttl: float = 24 * 3600.0,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if isinstance(max_size, bool) or not isinstance(max_size, int) or max_size < 1:
            raise ValueError(f"max_size must be a positive integer, got {max_size!r}")
        if isinstance(ttl, bool) or not isinstance(ttl, (int, float)) or not ttl > 0:
            raise ValueError(f"ttl must be a positive number of seconds, got {ttl!r}")
        self.max_size = max_size
        self.ttl = float(ttl)
        self._clock = clock
        self._answers: OrderedDict[_Key, tuple[float, Verdict]] = OrderedDict()
        self._claims: dict[_Key, _Held] = {}
        self._code: str | None = None  # the first extension code: its keys are the ids alone
        self._tokens = itertools.count(1)
        self._lock = threading.Lock()

    def __len__(self) -> int:
        """How many answers are kept."""
        return len(self._answers)

    def __repr__(self) -> str:
        return (
            f"MemoryAnswerStore(answers={len(self)}, in_progress={len(self._claims)}, "
            f"max_size={self.max_size}, ttl={self.ttl:g})"
        )

    def ping(self) -> bool:
        """Always ``True``: the store is this process's memory (for health checks)."""
        return True

    async def ping_async(self) -> bool:
        """Always ``True`` (see :meth:`ping`)."""
        return True

    def describe(self) -> tuple[str, tuple[str, ...]]:
        """The store's kind, and what to know about it (for :meth:`Extension.health`).

        Example:
            >>> from dataworks_ext import MemoryAnswerStore
            >>> MemoryAnswerStore().describe()[0]
            'memory'
        """
        return "memory", ()

    def claim(self, extension_code: str, message_id: str, lease: float) -> Claim:
        """Claim a message for ``lease`` seconds (see :meth:`AnswerStore.claim`)."""
        key = message_id if extension_code == self._code else self._key(extension_code, message_id)
        now = self._clock()
        if key not in self._answers:  # the usual case, without the lock: a new message
            token = str(next(self._tokens))
            record = _Held(now + lease, token, None)
            # setdefault is atomic; complete() records an answer before it frees the claim,
            # so a claim that takes a free slot and then finds no answer is the only one.
            if self._claims.setdefault(key, record) is record:
                if key not in self._answers:
                    if len(self._claims) > self.max_size:
                        self._drop_expired_claims(now)
                    return _new(Claim, (extension_code, message_id, _ACQUIRED, token, None))
                with self._lock:  # answered just now: give the slot back
                    if self._claims.get(key) is record:
                        del self._claims[key]
        return self._claim_locked(extension_code, message_id, key, lease, now)

    def _claim_locked(
        self, extension_code: str, message_id: str, key: _Key, lease: float, now: float
    ) -> Claim:
        with self._lock:
            answer = self._answers.get(key)
            if answer is not None:
                if answer[0] > now:
                    self._answers.move_to_end(key)
                    return _new(Claim, (extension_code, message_id, _ANSWERED, None, answer[1]))
                del self._answers[key]
            token = str(next(self._tokens))
            held = self._claims.get(key)
            if held is None:
                self._claims[key] = _Held(now + lease, token, None)
                return _new(Claim, (extension_code, message_id, _ACQUIRED, token, None))
            if held.until > now:
                return _new(Claim, (extension_code, message_id, _IN_PROGRESS, None, None))
            verdict = held.verdict  # its holder's lease ended: take it over
            self._claims[key] = _Held(now + lease, token, verdict)
        state = _ACQUIRED if verdict is None else _DECIDED
        return _new(Claim, (extension_code, message_id, state, token, verdict))

    def renew(self, claims: Sequence[Claim], lease: float) -> list[bool]:
        """Start the leases of ``claims`` again (see :meth:`AnswerStore.renew`)."""
        now = self._clock()
        kept: list[bool] = []
        with self._lock:
            for claim in claims:
                held = self._claims.get(self._key(claim.extension_code, claim.message_id))
                if held is not None and held.token == claim.token:
                    held.until = now + lease
                    kept.append(True)
                else:
                    kept.append(False)
        return kept

    def decide(self, claim: Claim, verdict: Verdict, lease: float) -> bool:
        """Fix the verdict before it is sent (see :meth:`AnswerStore.decide`)."""
        key = self._key(claim.extension_code, claim.message_id)
        now = self._clock()
        with self._lock:
            held = self._claims.get(key)
            if held is None:
                if key in self._answers:
                    return False
                self._claims[key] = _Held(now + lease, claim.token, verdict)
                return True
            if held.token != claim.token:
                return False
            held.until, held.verdict = now + lease, verdict
        return True

    def complete(self, claim: Claim, verdict: Verdict) -> bool:
        """Keep ``verdict`` for ``ttl`` seconds (see :meth:`AnswerStore.complete`)."""
        extension_code, message_id = claim.extension_code, claim.message_id
        key = message_id if extension_code == self._code else self._key(extension_code, message_id)
        now = self._clock()
        answers = self._answers
        with self._lock:
            held = self._claims.get(key)
            if key in answers:
                answers.move_to_end(key)
            answers[key] = (now + self.ttl, verdict)  # first the answer, then free the claim
            self._claims.pop(key, None)
            if len(answers) > self.max_size:
                answers.popitem(last=False)
            else:  # drop an expired answer from the old end, so memory follows traffic
                for oldest in answers:
                    if answers[oldest][0] <= now:
                        del answers[oldest]
                    break
        return held is None or held.token == claim.token

    def release(self, claim: Claim) -> bool:
        """Give the claim up (see :meth:`AnswerStore.release`)."""
        key = self._key(claim.extension_code, claim.message_id)
        with self._lock:
            held = self._claims.get(key)
            if held is None or held.token != claim.token:
                return False
            if held.verdict is None:
                del self._claims[key]
            else:  # decided: keep the verdict, end the lease now
                held.until = self._clock()
        return True

    async def claim_async(self, extension_code: str, message_id: str, lease: float) -> Claim:
        """:meth:`claim`, for ``handle_async`` (it never waits on anything)."""
        return self.claim(extension_code, message_id, lease)

    async def renew_async(self, claims: Sequence[Claim], lease: float) -> list[bool]:
        """:meth:`renew`, for ``handle_async``."""
        return self.renew(claims, lease)

    async def decide_async(self, claim: Claim, verdict: Verdict, lease: float) -> bool:
        """:meth:`decide`, for ``handle_async``."""
        return self.decide(claim, verdict, lease)

    async def complete_async(self, claim: Claim, verdict: Verdict) -> bool:
        """:meth:`complete`, for ``handle_async``."""
        return self.complete(claim, verdict)

    async def release_async(self, claim: Claim) -> bool:
        """:meth:`release`, for ``handle_async``."""
        return self.release(claim)

    def forget(self, extension_code: str, message_id: str) -> None:
        """Forget a message's answer and claim (its next delivery will be answered again).

        Example:
            >>> from dataworks_ext import MemoryAnswerStore, Verdict
            >>> store = MemoryAnswerStore()
            >>> store.complete(store.claim("ext", "m-1", 60), Verdict.ok())
            True
            >>> store.forget("ext", "m-1")
            >>> store.claim("ext", "m-1", 60).state.name
            'ACQUIRED'
        """
        key = self._key(extension_code, message_id)
        with self._lock:
            self._answers.pop(key, None)
            self._claims.pop(key, None)

    def _key(self, extension_code: str, message_id: str) -> _Key:
        """The message id itself for the first extension code seen (no new object kept for
        the usual single extension), else the pair."""
        if extension_code == self._code:
            return message_id
        if self._code is None:
            with self._lock:
                if self._code is None:
                    self._code = extension_code
            return self._key(extension_code, message_id)
        return (extension_code, message_id)

    def _drop_expired_claims(self, now: float) -> None:
        """Drop held records whose lease ended; decided ones stay (their verdict is fixed)
        until answered or past the TTL."""
        with self._lock:
            for key, held in list(self._claims.items()):
                until = held.until
                if until <= now and (held.verdict is None or until + self.ttl <= now):
                    del self._claims[key]
