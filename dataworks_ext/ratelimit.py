"""How fast the SDK calls DataWorks: one rate budget for every call, in one process or shared
by every replica.

DataWorks limits OpenAPI calls per account and region (Enterprise about 50 reads and 20 writes a
second; lower editions about 5 calls a second and 100 to 10,000 calls a day).  A
:class:`RateLimiter` hands out that budget: each call a :class:`~dataworks_ext.CallbackClient`
given ``limiter=`` makes first takes from it (deliveries are writes, lookups and
``GetExtension`` reads); the wait for budget counts against the call's deadline; a
throttling answer from DataWorks (``Throttling.*``, HTTP 429) slows the budget down for
everyone who shares it.

* :class:`MemoryRateLimiter`: token buckets in this process (:func:`process_limiter` is the
  one of the process, whose read bucket is the one :class:`~dataworks_ext.lookups.Lookups`
  takes from by default: :func:`process_bucket`).
* :class:`RedisRateLimiter`: a GCRA budget in Redis, one Lua script per call, shared by every
  replica of the extension.

Example:
    >>> from dataworks_ext.ratelimit import MemoryRateLimiter
    >>> limiter = MemoryRateLimiter.for_edition("enterprise")
    >>> limiter.reserve("write"), limiter.remaining().reads
    (0.0, 50)
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from typing import Any, Literal, Protocol, runtime_checkable

import attrs

from .errors import ConfigurationError

__all__ = [
    "EDITION_BUDGETS",
    "EDITION_RATE_LIMITS",
    "BudgetLeft",
    "CallKind",
    "MemoryRateLimiter",
    "RateBudget",
    "RateLimit",
    "RateLimiter",
    "RedisRateLimiter",
    "TokenBucket",
    "process_bucket",
    "process_limiter",
    "set_rate_limit",
]

CallKind = Literal["read", "write"]
"""What a call does: ``"write"`` (a delivery: ``UpdateWorkbenchEventResult``,
``UpdateIDEEventResult``, ``CallbackExtension``) or ``"read"`` (everything else)."""


@attrs.frozen
class RateLimit:
    """How fast lookups may call DataWorks: a rate, a burst, and an optional daily cap.

    Args:
        per_second: Calls a second, sustained.
        burst: Calls that may go at once after a quiet spell (at least 1).
        per_day: Calls a (UTC) day, or ``None`` for no cap.  Past it, a lookup fails at once
            with :class:`~dataworks_ext.NodeLookupError` (code ``DailyLimitReached``).

    Example:
        >>> from dataworks_ext.ratelimit import RateLimit
        >>> RateLimit.for_edition("basic")
        RateLimit(per_second=5.0, burst=5, per_day=100)
        >>> RateLimit(per_second=0)
        Traceback (most recent call last):
        ...
        dataworks_ext.errors.ConfigurationError: per_second must be a positive number, got 0
    """

    per_second: float = attrs.field(converter=float)
    burst: int = 1
    per_day: int | None = None

    def __attrs_post_init__(self) -> None:
        if not self.per_second > 0:
            raise ConfigurationError(
                f"per_second must be a positive number, got {self.per_second:g}"
            )
        for name, value in (("burst", self.burst), ("per_day", self.per_day)):
            if value is None and name == "per_day":
                continue
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ConfigurationError(f"{name} must be a whole number of at least 1")

    @classmethod
    def for_edition(cls, edition: str) -> RateLimit:
        """The limit for a DataWorks edition: ``basic``, ``standard``, ``professional`` or
        ``enterprise`` (see :data:`EDITION_RATE_LIMITS`).

        Example:
            >>> from dataworks_ext.ratelimit import RateLimit
            >>> RateLimit.for_edition("Enterprise").per_second
            50.0
        """
        limit = EDITION_RATE_LIMITS.get(str(edition).strip().lower())
        if limit is None:
            raise ConfigurationError(
                f"unknown DataWorks edition {edition!r}; "
                f"choose from {', '.join(EDITION_RATE_LIMITS)}"
            )
        return limit


EDITION_RATE_LIMITS: Mapping[str, RateLimit] = {
    "basic": RateLimit(per_second=5, burst=5, per_day=100),
    "standard": RateLimit(per_second=5, burst=5, per_day=1_000),
    "professional": RateLimit(per_second=10, burst=10, per_day=10_000),
    "enterprise": RateLimit(per_second=50, burst=50),
}
"""Read-call limits of DataWorks' OpenAPI per edition (per account and region).

Enterprise allows about 50 read calls a second and no daily cap; Basic about 5 calls a
second and 100 a day; Standard and Professional cap calls at 1,000 and 10,000 a day.
DataWorks does not publish a per-second figure for Standard and Professional: the ones here
are cautious choices.  The limits are per account: other tools of the same account share
them, so leave room.
"""


class TokenBucket:
    """A token bucket shared by threads and tasks: each DataWorks call takes one token.

    A caller *reserves* a token and waits (``time.sleep`` or ``asyncio.sleep``) until it is
    due: no polling, and callers are served in the order they asked.  :func:`process_bucket`
    is the one bucket every :class:`Lookups` of the process uses unless given another.

    Example:
        >>> from dataworks_ext.ratelimit import RateLimit, TokenBucket
        >>> bucket = TokenBucket(RateLimit(per_second=10, burst=2))
        >>> [round(bucket.reserve(), 2) for _ in range(4)]
        [0.0, 0.0, 0.1, 0.2]
    """

    def __init__(self, limit: RateLimit, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._lock = threading.Lock()
        self._clock = clock
        self._day = -1
        self._today = 0
        self.configure(limit)

    def __repr__(self) -> str:
        return f"TokenBucket({self.limit!r})"

    def configure(self, limit: RateLimit) -> None:
        """Use a new limit from now on (the bucket starts full).

        Example:
            >>> from dataworks_ext.ratelimit import RateLimit, TokenBucket
            >>> bucket = TokenBucket(RateLimit(per_second=1))
            >>> bucket.configure(RateLimit.for_edition("enterprise"))
            >>> bucket.limit.burst
            50
        """
        if not isinstance(limit, RateLimit):
            raise ConfigurationError(f"expected a RateLimit, got {type(limit).__name__}")
        with self._lock:
            self.limit = limit
            self._tokens = float(limit.burst)
            self._stamp = self._clock()

    def reserve(self) -> float | None:
        """Take a token: the seconds to wait until it is due, or ``None`` when the daily cap
        is reached (nothing is taken then).

        Example:
            >>> from dataworks_ext.ratelimit import RateLimit, TokenBucket
            >>> bucket = TokenBucket(RateLimit(per_second=1, per_day=1))
            >>> bucket.reserve(), bucket.reserve()
            (0.0, None)
        """
        with self._lock:
            limit = self.limit
            if limit.per_day is not None:
                day = int(time.time() // 86_400)
                if day != self._day:
                    self._day, self._today = day, 0
                if self._today >= limit.per_day:
                    return None
                self._today += 1
            now = self._clock()
            tokens = min(float(limit.burst), self._tokens + (now - self._stamp) * limit.per_second)
            self._stamp = now
            self._tokens = tokens - 1.0
            return 0.0 if self._tokens >= 0.0 else -self._tokens / limit.per_second

    def penalise(self, seconds: float) -> None:
        """Empty the bucket and hold it ``seconds`` more (a throttling answer): the next call
        waits ``seconds``.

        Example:
            >>> from dataworks_ext.ratelimit import RateLimit, TokenBucket
            >>> bucket = TokenBucket(RateLimit(per_second=10, burst=10))
            >>> bucket.penalise(1.0)
            >>> round(bucket.reserve(), 2)
            1.0
        """
        with self._lock:
            limit = self.limit
            now = self._clock()
            tokens = min(float(limit.burst), self._tokens + (now - self._stamp) * limit.per_second)
            self._stamp = now
            self._tokens = min(tokens, 0.0) - seconds * limit.per_second + 1.0

    def available(self) -> int:
        """Tokens that may be taken now without waiting.

        Example:
            >>> from dataworks_ext.ratelimit import RateLimit, TokenBucket
            >>> TokenBucket(RateLimit(per_second=1, burst=3)).available()
            3
        """
        with self._lock:
            limit = self.limit
            tokens = self._tokens + (self._clock() - self._stamp) * limit.per_second
            return max(0, int(min(float(limit.burst), tokens)))

    def left_today(self) -> int | None:
        """Calls left under the daily cap today, or ``None`` without a cap.

        Example:
            >>> from dataworks_ext.ratelimit import RateLimit, TokenBucket
            >>> TokenBucket(RateLimit(per_second=1, per_day=10)).left_today()
            10
        """
        with self._lock:
            per_day = self.limit.per_day
            if per_day is None:
                return None
            today = self._today if int(time.time() // 86_400) == self._day else 0
            return max(0, per_day - today)


_PROCESS_BUCKET = TokenBucket(EDITION_RATE_LIMITS["enterprise"])


def process_bucket() -> TokenBucket:
    """The token bucket every :class:`Lookups` of the process shares by default.

    Example:
        >>> from dataworks_ext.ratelimit import process_bucket
        >>> process_bucket() is process_bucket()
        True
    """
    return _PROCESS_BUCKET


def set_rate_limit(limit: RateLimit | str) -> None:
    """Set the process's lookup rate: a :class:`RateLimit` or an edition name.

    The default is the Enterprise edition's (50 calls a second); set it once at start-up.  An
    edition name sets the whole budget of :func:`process_limiter` (reads and writes); a
    :class:`RateLimit` the read bucket alone.

    Example:
        >>> from dataworks_ext.ratelimit import process_bucket, set_rate_limit
        >>> set_rate_limit("basic")
        >>> process_bucket().limit.per_day
        100
        >>> set_rate_limit("enterprise")
    """
    if isinstance(limit, RateLimit):
        _PROCESS_BUCKET.configure(limit)
    else:
        _PROCESS_LIMITER.configure(RateBudget.for_edition(limit))


# ---------------------------------------------------------------------------- budgets


@attrs.frozen
class RateBudget:
    """The calls a DataWorks account may make: a read limit, and a write limit or none (then
    reads and writes take from one budget).

    Example:
        >>> from dataworks_ext.ratelimit import RateBudget
        >>> budget = RateBudget.for_edition("enterprise")
        >>> budget.reads.per_second, budget.writes.per_second
        (50.0, 20.0)
        >>> RateBudget.for_edition("basic").writes is None  # one budget for every call
        True
    """

    reads: RateLimit
    """The limit of read calls (of every call, when ``writes`` is ``None``)."""
    writes: RateLimit | None = None
    """The limit of write calls, or ``None``: writes take from the read budget."""

    @classmethod
    def for_edition(cls, edition: str) -> RateBudget:
        """The budget of a DataWorks edition (see :data:`EDITION_BUDGETS`).

        Example:
            >>> from dataworks_ext.ratelimit import RateBudget
            >>> RateBudget.for_edition("standard").reads.per_day
            1000
        """
        budget = EDITION_BUDGETS.get(str(edition).strip().lower())
        if budget is None:
            raise ConfigurationError(
                f"unknown DataWorks edition {edition!r}; choose from {', '.join(EDITION_BUDGETS)}"
            )
        return budget

    @classmethod
    def of(
        cls,
        *,
        edition: str | None = None,
        reads_per_second: float | None = None,
        writes_per_second: float | None = None,
        daily: int | None = None,
    ) -> RateBudget:
        """A budget from an edition, or from numbers (``writes_per_second=None``: writes share
        the read budget; ``daily``: calls a UTC day, reads and writes together).

        Example:
            >>> from dataworks_ext.ratelimit import RateBudget
            >>> RateBudget.of(reads_per_second=10, writes_per_second=5).writes
            RateLimit(per_second=5.0, burst=1, per_day=None)
        """
        if edition is not None:
            if reads_per_second is not None or writes_per_second is not None or daily is not None:
                raise ConfigurationError(
                    "give an edition or reads_per_second/writes_per_second/daily, not both"
                )
            return cls.for_edition(edition)
        if reads_per_second is None:
            raise ConfigurationError("give an edition, or reads_per_second (and optionally more)")
        if daily is not None and writes_per_second is not None:
            raise ConfigurationError(
                "a daily cap counts every call: give it with one budget for reads and writes "
                "(writes_per_second=None)"
            )
        # burst 1: calls evenly spaced, so no one-second window holds more than the rate
        reads = RateLimit(per_second=reads_per_second, per_day=daily)
        writes = None
        if writes_per_second is not None:
            writes = RateLimit(per_second=writes_per_second)
        return cls(reads, writes)


EDITION_BUDGETS: Mapping[str, RateBudget] = {
    "basic": RateBudget(EDITION_RATE_LIMITS["basic"]),
    "standard": RateBudget(EDITION_RATE_LIMITS["standard"]),
    "professional": RateBudget(EDITION_RATE_LIMITS["professional"]),
    "enterprise": RateBudget(EDITION_RATE_LIMITS["enterprise"], RateLimit(per_second=20, burst=1)),
}
"""The OpenAPI budget of each DataWorks edition (per account and region): Enterprise about 50
reads and 20 writes a second and no daily cap; Basic, Standard and Professional one budget for
every call (5, 5 and 10 calls a second; 100, 1,000 and 10,000 calls a day)."""


@attrs.frozen
class BudgetLeft:
    """What is left of a rate budget now (what a health check reports).

    Example:
        >>> from dataworks_ext.ratelimit import BudgetLeft
        >>> BudgetLeft(reads=50, writes=20, today=None).to_dict()
        {'reads': 50, 'writes': 20, 'today': None}
    """

    reads: int
    """Read calls that may go now without waiting."""
    writes: int
    """Write calls that may go now without waiting (the same as ``reads`` with one budget)."""
    today: int | None
    """Calls left today under the daily cap, or ``None`` without one."""

    def to_dict(self) -> dict[str, int | None]:
        """A JSON-ready dict.

        Example:
            >>> from dataworks_ext.ratelimit import BudgetLeft
            >>> BudgetLeft(1, 1, 99).to_dict()["today"]
            99
        """
        return {"reads": self.reads, "writes": self.writes, "today": self.today}


@runtime_checkable
class RateLimiter(Protocol):
    """Hands out the rate budget of DataWorks' OpenAPI to the calls of a client.

    A caller *reserves* one call and waits the seconds :meth:`reserve` answers before making
    it (``None``: the daily cap is reached, make no call).  :meth:`throttled` reports a
    throttling answer from DataWorks: the budget then slows down for everyone sharing it.
    Implementations are safe to use from several threads (and tasks) at once.

    Example:
        >>> from dataworks_ext.ratelimit import MemoryRateLimiter, RateLimiter
        >>> isinstance(MemoryRateLimiter.for_edition("basic"), RateLimiter)
        True
    """

    def reserve(self, kind: CallKind) -> float | None:
        """Reserve one call of ``kind``: the seconds to wait, or ``None`` (daily cap)."""
        ...

    async def reserve_async(self, kind: CallKind) -> float | None:
        """:meth:`reserve`, without blocking the event loop."""
        ...

    def throttled(self, kind: CallKind) -> None:
        """DataWorks throttled a call of ``kind``: slow the budget down."""
        ...

    async def throttled_async(self, kind: CallKind) -> None:
        """:meth:`throttled`, without blocking the event loop."""
        ...

    def remaining(self) -> BudgetLeft:
        """What is left of the budget now."""
        ...


class MemoryRateLimiter:
    """A rate budget in this process: a token bucket for reads and one for writes (or one for
    both), and a throttling answer empties the bucket of its kind.

    Args:
        budget: A :class:`RateBudget` or an edition name.
        throttle_penalty: Seconds of budget a throttling answer takes away.

    Example:
        >>> from dataworks_ext.ratelimit import MemoryRateLimiter, RateBudget, RateLimit
        >>> limiter = MemoryRateLimiter(RateBudget(RateLimit(per_second=10, burst=2)))
        >>> [round(limiter.reserve("write"), 2) for _ in range(3)]
        [0.0, 0.0, 0.1]
    """

    def __init__(
        self,
        budget: RateBudget | str,
        *,
        throttle_penalty: float = 1.0,
        reads: TokenBucket | None = None,
    ) -> None:
        self._reads = TokenBucket(EDITION_RATE_LIMITS["enterprise"]) if reads is None else reads
        self._writes: TokenBucket | None = None
        self.throttle_penalty = float(throttle_penalty)
        self.configure(budget)

    @classmethod
    def for_edition(cls, edition: str, **options: Any) -> MemoryRateLimiter:
        """The budget of a DataWorks edition, in this process.

        Example:
            >>> from dataworks_ext.ratelimit import MemoryRateLimiter
            >>> MemoryRateLimiter.for_edition("professional").budget.reads.per_day
            10000
        """
        return cls(RateBudget.for_edition(edition), **options)

    def __repr__(self) -> str:
        return f"MemoryRateLimiter({self.budget!r})"

    def configure(self, budget: RateBudget | str) -> None:
        """Use a new budget from now on (the buckets start full).

        Example:
            >>> from dataworks_ext.ratelimit import MemoryRateLimiter
            >>> limiter = MemoryRateLimiter("basic")
            >>> limiter.configure("enterprise")
            >>> limiter.budget.writes.per_second
            20.0
        """
        if isinstance(budget, str):
            budget = RateBudget.for_edition(budget)
        if not isinstance(budget, RateBudget):
            raise ConfigurationError(f"expected a RateBudget, got {type(budget).__name__}")
        self.budget = budget
        self._reads.configure(budget.reads)
        self._writes = None if budget.writes is None else TokenBucket(budget.writes)

    def _bucket(self, kind: CallKind) -> TokenBucket:
        writes = self._writes
        return writes if kind == "write" and writes is not None else self._reads

    def reserve(self, kind: CallKind) -> float | None:
        """Reserve one call: the seconds to wait, or ``None`` when the daily cap is reached.

        Example:
            >>> from dataworks_ext.ratelimit import MemoryRateLimiter
            >>> MemoryRateLimiter("basic").reserve("read")
            0.0
        """
        return self._bucket(kind).reserve()

    async def reserve_async(self, kind: CallKind) -> float | None:
        """:meth:`reserve` (no I/O: it never blocks).

        Example:
            >>> import asyncio
            >>> from dataworks_ext.ratelimit import MemoryRateLimiter
            >>> asyncio.run(MemoryRateLimiter("basic").reserve_async("write"))
            0.0
        """
        return self._bucket(kind).reserve()

    def throttled(self, kind: CallKind) -> None:
        """Take ``throttle_penalty`` seconds of budget away from the bucket of ``kind``.

        Example:
            >>> from dataworks_ext.ratelimit import MemoryRateLimiter
            >>> limiter = MemoryRateLimiter("enterprise")
            >>> limiter.throttled("write")
            >>> limiter.reserve("write") > 0
            True
        """
        self._bucket(kind).penalise(self.throttle_penalty)

    async def throttled_async(self, kind: CallKind) -> None:
        """:meth:`throttled` (no I/O).

        Example:
            >>> import asyncio
            >>> from dataworks_ext.ratelimit import MemoryRateLimiter
            >>> asyncio.run(MemoryRateLimiter("basic").throttled_async("read"))
        """
        self.throttled(kind)

    def remaining(self) -> BudgetLeft:
        """Calls that may go now, per kind, and what is left today.

        Example:
            >>> from dataworks_ext.ratelimit import MemoryRateLimiter
            >>> MemoryRateLimiter("basic").remaining()
            BudgetLeft(reads=5, writes=5, today=100)
        """
        reads = self._reads.available()
        writes = self._writes.available() if self._writes is not None else reads
        return BudgetLeft(reads, writes, self._reads.left_today())


_PROCESS_LIMITER = MemoryRateLimiter("enterprise", reads=_PROCESS_BUCKET)


def process_limiter() -> MemoryRateLimiter:
    """The rate limiter of this process: its read bucket is :func:`process_bucket` (what
    :class:`~dataworks_ext.lookups.Lookups` takes from by default), its budget the one
    :func:`set_rate_limit` sets (Enterprise's unless told otherwise).

    Example:
        >>> from dataworks_ext.ratelimit import process_bucket, process_limiter
        >>> process_limiter() is process_limiter(), process_limiter()._reads is process_bucket()
        (True, True)
    """
    return _PROCESS_LIMITER


# ---------------------------------------------------------------------------- Redis

# GCRA with reservations: the stored TAT (theoretical arrival time, microseconds) moves one
# interval on per call; a call waits until TAT - tolerance.  Redis's clock is the only clock,
# so replicas with skewed clocks agree.  ARGV: interval, tolerance, daily cap (0: none), mode
# (take | penalty | peek), penalty (microseconds).
_SCRIPT = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local tolerance = tonumber(ARGV[2])
local daily = tonumber(ARGV[3])
local mode = ARGV[4]
local day = KEYS[2] .. ':' .. math.floor(tonumber(t[1]) / 86400)
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
if mode == 'peek' then
  local left = math.floor((tolerance + interval - (tat - now)) / interval)
  if left < 0 then left = 0 end
  local today = -1
  if daily > 0 then today = daily - tonumber(redis.call('GET', day) or '0') end
  return {left, today}
end
if mode == 'penalty' then
  if tat < now + tolerance then tat = now + tolerance end
  tat = tat + tonumber(ARGV[5])
  redis.call('SET', KEYS[1], string.format('%.0f', tat), 'PX',
             math.floor((tat - now + tolerance) / 1000) + 1000)
  return 0
end
if daily > 0 then
  local n = redis.call('INCR', day)
  if n == 1 then redis.call('EXPIRE', day, 172800) end
  if n > daily then
    redis.call('DECR', day)
    return -1
  end
end
local wait = tat - tolerance - now
if wait < 0 then wait = 0 end
tat = tat + interval
redis.call('SET', KEYS[1], string.format('%.0f', tat), 'PX',
           math.floor((tat - now + tolerance) / 1000) + 1000)
return wait
"""


class RedisRateLimiter:
    """A rate budget in Redis, shared by every process (and replica) that names the same keys.

    One Lua script per call (GCRA with reservations, on Redis's clock): a call reserves the
    next free slot of its kind's budget and waits until it is due; a daily cap is counted in
    the same script; a throttling answer pushes the budget's next slot ``throttle_penalty``
    seconds later for everyone.  redis-py is imported when the limiter is built (the
    ``redis`` extra); async callers reserve in a worker thread, so the loop never blocks.

    Args:
        client: A ``redis.Redis`` client (sync).
        budget: The :class:`RateBudget` (see :meth:`from_url` for the edition shortcuts).
        key_prefix: The prefix of its keys: processes with the same prefix share the budget.
        throttle_penalty: Seconds a throttling answer pushes the budget back.

    Example:
        >>> from dataworks_ext import RedisRateLimiter
        >>> limiter = RedisRateLimiter.from_url("redis://127.0.0.1:6379/0",
        ...                                     edition="enterprise")  # doctest: +SKIP
        >>> client = CallbackClient(region_id="cn-shanghai", limiter=limiter)  # doctest: +SKIP
    """

    def __init__(
        self,
        client: Any,
        budget: RateBudget,
        *,
        key_prefix: str = "dataworks-ext:rate:",
        throttle_penalty: float = 1.0,
    ) -> None:
        if not isinstance(budget, RateBudget):
            raise ConfigurationError(f"budget must be a RateBudget, got {type(budget).__name__}")
        if not isinstance(key_prefix, str) or not key_prefix:
            raise ConfigurationError("key_prefix must be a non-empty string")
        self._redis = client
        self.budget = budget
        self.key_prefix = key_prefix
        self.throttle_penalty = float(throttle_penalty)
        self._script = client.register_script(_SCRIPT)

    @classmethod
    def from_url(
        cls,
        url: str,
        *,
        edition: str | None = None,
        reads_per_second: float | None = None,
        writes_per_second: float | None = None,
        daily: int | None = None,
        key_prefix: str = "dataworks-ext:rate:",
        throttle_penalty: float = 1.0,
        **redis_options: Any,
    ) -> RedisRateLimiter:
        """A limiter on the Redis at ``url`` (``redis://[:password@]host:port/db``), with the
        budget of an ``edition`` or of the numbers given (see :meth:`RateBudget.of`).

        Example:
            >>> from dataworks_ext import RedisRateLimiter
            >>> RedisRateLimiter.from_url("redis://127.0.0.1:1/0")
            Traceback (most recent call last):
            ...
            dataworks_ext.errors.ConfigurationError: give an edition, or reads_per_second (and optionally more)
        """  # noqa: E501
        budget = RateBudget.of(
            edition=edition,
            reads_per_second=reads_per_second,
            writes_per_second=writes_per_second,
            daily=daily,
        )
        try:
            import redis
        except ImportError:
            raise ConfigurationError(
                "RedisRateLimiter needs redis-py: pip install 'dataworks-ext[redis]'"
            ) from None
        options = {"socket_timeout": 2.0, "socket_connect_timeout": 2.0, **redis_options}
        client = redis.Redis.from_url(url, **options)
        return cls(client, budget, key_prefix=key_prefix, throttle_penalty=throttle_penalty)

    def __repr__(self) -> str:
        return f"RedisRateLimiter({self.budget!r}, key_prefix={self.key_prefix!r})"

    def _args(self, kind: CallKind) -> tuple[list[str], list[Any]]:
        budget = self.budget
        limit = budget.writes if kind == "write" and budget.writes is not None else budget.reads
        name = "writes" if limit is budget.writes else "reads"
        interval = 1_000_000 / limit.per_second
        tolerance = interval * (limit.burst - 1)
        keys = [f"{self.key_prefix}{name}", f"{self.key_prefix}day"]
        return keys, [f"{interval:.0f}", f"{tolerance:.0f}", budget.reads.per_day or 0]

    def reserve(self, kind: CallKind) -> float | None:
        """Reserve one call: the seconds to wait, or ``None`` when the daily cap is reached.

        Example:
            >>> limiter.reserve("write")  # doctest: +SKIP
            0.0
        """
        keys, args = self._args(kind)
        wait = int(self._script(keys=keys, args=[*args, "take", 0]))
        return None if wait < 0 else wait / 1_000_000

    async def reserve_async(self, kind: CallKind) -> float | None:
        """:meth:`reserve`, in a worker thread.

        Example:
            >>> await limiter.reserve_async("read")  # doctest: +SKIP
            0.0
        """
        import asyncio

        return await asyncio.to_thread(self.reserve, kind)

    def throttled(self, kind: CallKind) -> None:
        """Push the budget of ``kind`` ``throttle_penalty`` seconds back, for every replica.

        Example:
            >>> limiter.throttled("write")  # doctest: +SKIP
        """
        keys, args = self._args(kind)
        self._script(keys=keys, args=[*args, "penalty", f"{self.throttle_penalty * 1e6:.0f}"])

    async def throttled_async(self, kind: CallKind) -> None:
        """:meth:`throttled`, in a worker thread.

        Example:
            >>> await limiter.throttled_async("write")  # doctest: +SKIP
        """
        import asyncio

        await asyncio.to_thread(self.throttled, kind)

    def remaining(self) -> BudgetLeft:
        """Calls that may go now, per kind, and what is left today (two script calls).

        Example:
            >>> limiter.remaining()  # doctest: +SKIP
            BudgetLeft(reads=50, writes=20, today=None)
        """
        found = []
        for kind in ("read", "write"):
            keys, args = self._args(kind)
            left, today = self._script(keys=keys, args=[*args, "peek", 0])
            found.append((int(left), int(today)))
        today_left = found[0][1]
        return BudgetLeft(found[0][0], found[1][0], None if today_left < 0 else max(today_left, 0))

    def ping(self) -> bool:
        """Whether the Redis server answers.

        Example:
            >>> limiter.ping()  # doctest: +SKIP
            True
        """
        return bool(self._redis.ping())
