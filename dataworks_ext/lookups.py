"""Context for checks: what DataWorks knows of an event's nodes, and what DataStudio carries.

An Operation Center event carries node ids and little else, a DataStudio event a file's name
and id.  :class:`Lookups` asks DataWorks the rest (``GetNode``, ``GetBaseline``,
``GetInstance``; ``GetIDEEventDetail`` for the code and node configuration a DataStudio
operation carries) through the same :class:`~dataworks_ext.CallbackClient` that delivers
verdicts: the same credentials, retry policy and deadlines.  Lookups are made on first use only
and cached across messages (with a TTL and a size bound); a batch is looked up concurrently,
but bounded; every call of the process first takes a token from one shared
:class:`TokenBucket`, so lookups stay within DataWorks' OpenAPI rate limits; a throttled call
is waited out and retried by the client.

Example:
    >>> from dataworks_ext.lookups import Lookups
    >>> from dataworks_ext.nodes import NodeInfo
    >>> from dataworks_ext.testing import LocalDataWorks
    >>> with LocalDataWorks() as local:
    ...     local.add_nodes(NodeInfo(node_id=700005966962, owner_id="1107550004253538",
    ...                              priority=8))
    ...     lookups = Lookups(local.client())
    ...     lookups.node(700005966962).priority, lookups.node(700005966962).owner_id
    ...     local.calls_for("GetNode")
    (8, '1107550004253538')
    1
"""

from __future__ import annotations

import collections
import concurrent.futures
import threading
import time
from collections.abc import Generator, Hashable, Iterable, Mapping
from contextvars import copy_context
from typing import TYPE_CHECKING, Any, TypeVar

import attrs

from ._audit import follow_calls
from .errors import CallbackError, ConfigurationError, NodeLookupError, TooManyLookupsError
from .event_details import IdeEventDetail
from .nodes import BaselineInfo, InstanceInfo, NodeInfo
from .ratelimit import (
    EDITION_RATE_LIMITS,
    RateLimit,
    TokenBucket,
    process_bucket,
    set_rate_limit,
)

if TYPE_CHECKING:
    from .callback import CallbackClient
    from .messages import EventMessage

__all__ = [
    "EDITION_RATE_LIMITS",
    "LookupStats",
    "Lookups",
    "RateLimit",
    "TokenBucket",
    "process_bucket",
    "set_rate_limit",
]

T = TypeVar("T")

DEFAULT_LIMIT = 100
"""The most ids :meth:`Lookups.nodes` and :meth:`Lookups.instances` look up at once unless
told otherwise."""


# ---------------------------------------------------------------------------- the cache

_MISS: Any = object()


class _Cache:
    """A dict with a TTL per entry and a size bound (the oldest entries go first)."""

    __slots__ = ("_data", "_lock", "hits", "max_entries", "misses", "ttl")

    def __init__(self, ttl: float, max_entries: int) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        self._data: collections.OrderedDict[Hashable, tuple[float, Any]] = collections.OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get_many(self, keys: Iterable[Hashable]) -> list[Any]:
        now = time.monotonic()
        found = []
        with self._lock:
            data = self._data
            for key in keys:
                entry = data.get(key)
                if entry is not None and entry[0] > now:
                    found.append(entry[1])
                    self.hits += 1
                else:
                    if entry is not None:
                        del data[key]
                    found.append(_MISS)
                    self.misses += 1
        return found

    def put(self, key: Hashable, value: Any) -> None:
        with self._lock:
            self._data[key] = (time.monotonic() + self.ttl, value)
            self._data.move_to_end(key)
            while len(self._data) > self.max_entries:
                self._data.popitem(last=False)

    def __len__(self) -> int:
        return len(self._data)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()


# ---------------------------------------------------------------------------- the lookups

_EVENT_DETAIL = "event detail"

#: kind -> (the SDK method, its request model, the model of the answer's object, the API
#: name, the answer body's attribute holding that object, whether the answer has Success)
_APIS: Mapping[str, tuple[str, str, type[Any], str, str, bool]] = {
    "node": ("get_node", "GetNodeRequest", NodeInfo, "GetNode", "data", True),
    "baseline": ("get_baseline", "GetBaselineRequest", BaselineInfo, "GetBaseline", "data", True),
    "instance": ("get_instance", "GetInstanceRequest", InstanceInfo, "GetInstance", "data", True),
    _EVENT_DETAIL: (
        "get_ideevent_detail",
        "GetIDEEventDetailRequest",
        IdeEventDetail,
        "GetIDEEventDetail",
        "event_detail",
        False,
    ),
}
_NOT_FOUND_MARKS = ("notexist", "notfound", "not_exist", "not_found")
_NOT_LOOKUP_CODES = ("InvalidAccessKeyId", "InvalidAction", "InvalidApi")


@attrs.frozen
class LookupStats:
    """How a :class:`Lookups` has fared: cache hits and misses, and calls made.

    Example:
        >>> from dataworks_ext.lookups import LookupStats
        >>> LookupStats(hits=9, misses=1, calls=1).hit_ratio
        0.9
    """

    hits: int
    """Lookups answered from the cache."""
    misses: int
    """Lookups not in the cache (or expired)."""
    calls: int
    """Lookups that called DataWorks (retries of one lookup count once)."""

    @property
    def hit_ratio(self) -> float:
        """``hits / (hits + misses)``, 0.0 before any lookup."""
        total = self.hits + self.misses
        return self.hits / total if total else 0.0


class Lookups:
    """Look up nodes, baselines and instances in DataWorks, cached, bounded and rate-limited.

    Build one per process from the client the :class:`~dataworks_ext.Extension` delivers
    through, and let your checks close over it.  Every method has an ``_async`` twin for
    ``async def`` checks.

    * **On first use only, cached across messages**: an answer is kept ``ttl`` seconds (300),
      at most ``max_entries`` answers (10,000; the oldest go first).  Concurrent lookups of
      the same id share one call.  Failures are not cached.
    * **Concurrent but bounded**: :meth:`nodes` looks up the ids it lacks at most
      ``max_concurrency`` at a time (8), and refuses more than ``limit`` ids (100) at once
      with :class:`~dataworks_ext.TooManyLookupsError` before any call.
    * **Within the rate limits**: each call first takes a token from the process's shared
      :class:`TokenBucket` (:func:`set_rate_limit`; Enterprise's 50 a second by default).
      A throttled answer (429, ``Throttling.*``) is retried after a backoff by the client's
      retry policy, within its deadline.
    * **Typed failures**: a lookup that fails for good raises
      :class:`~dataworks_ext.NodeLookupError` naming the id; raised in a check, the
      Extension's ``error_result`` answers.

    Args:
        client: The :class:`~dataworks_ext.CallbackClient` whose SDK client, credentials,
            retry policy and deadline the calls use.
        ttl: Seconds an answer is kept.
        max_entries: The most answers kept.
        max_concurrency: The most calls in flight for one batch (sync: for the whole
            object).
        project_env: ``PROD`` (the default: extension events are about production nodes)
            or ``DEV``.
        bucket: The token bucket to take from; :func:`process_bucket` unless given.

    Example:
        >>> from dataworks_ext.lookups import Lookups
        >>> from dataworks_ext.nodes import NodeInfo
        >>> from dataworks_ext.testing import LocalDataWorks
        >>> with LocalDataWorks() as local:
        ...     local.add_nodes(*(NodeInfo(node_id=i, priority=i % 9) for i in range(1, 6)))
        ...     lookups = Lookups(local.client(), ttl=60)
        ...     [n.priority for n in lookups.nodes([1, 2, 3, 4, 5]).values()]
        ...     _ = lookups.nodes([1, 2])
        ...     lookups.stats
        [1, 2, 3, 4, 5]
        LookupStats(hits=2, misses=5, calls=5)
    """

    def __init__(
        self,
        client: CallbackClient,
        *,
        ttl: float = 300.0,
        max_entries: int = 10_000,
        max_concurrency: int = 8,
        project_env: str = "PROD",
        bucket: TokenBucket | None = None,
    ) -> None:
        if not callable(getattr(client, "call", None)):
            raise ConfigurationError(
                f"client must be a CallbackClient, got {type(client).__name__}"
            )
        if isinstance(ttl, bool) or not isinstance(ttl, (int, float)) or not ttl > 0:
            raise ConfigurationError(f"ttl must be a positive number of seconds, got {ttl!r}")
        for name, value in (("max_entries", max_entries), ("max_concurrency", max_concurrency)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ConfigurationError(f"{name} must be a whole number of at least 1")
        if project_env not in ("PROD", "DEV"):
            raise ConfigurationError(f"project_env must be PROD or DEV, got {project_env!r}")
        self.client = client  # its calls go to the audit trail of the message they serve:
        follow_calls(client)  # also when it is not the Extension's own client
        self.max_concurrency = max_concurrency
        self.project_env = project_env
        self.bucket = process_bucket() if bucket is None else bucket
        self._cache = _Cache(float(ttl), max_entries)
        self._lock = threading.Lock()
        self._inflight: dict[Hashable, concurrent.futures.Future[Any]] = {}
        self._pool: concurrent.futures.ThreadPoolExecutor | None = None
        self._calls = 0

    def __repr__(self) -> str:
        return (
            f"Lookups({self.client!r}, ttl={self._cache.ttl:g}, "
            f"max_entries={self._cache.max_entries}, cached={len(self._cache)})"
        )

    @property
    def stats(self) -> LookupStats:
        """Cache hits and misses, and calls made, since this object was built.

        Example:
            >>> from dataworks_ext import CallbackClient
            >>> from dataworks_ext.lookups import Lookups
            >>> Lookups(CallbackClient(region_id="cn-shanghai")).stats
            LookupStats(hits=0, misses=0, calls=0)
        """
        return LookupStats(self._cache.hits, self._cache.misses, self._calls)

    def clear(self) -> None:
        """Forget every cached answer.

        Example:
            >>> from dataworks_ext import CallbackClient
            >>> from dataworks_ext.lookups import Lookups
            >>> Lookups(CallbackClient(region_id="cn-shanghai")).clear()
        """
        self._cache.clear()

    # ------------------------------------------------------------------ sync

    def node(self, node_id: int) -> NodeInfo:
        """The node ``node_id`` (``GetNode``).

        Raises:
            dataworks_ext.NodeLookupError: It could not be looked up (``not_found`` when
                DataWorks has no such node).

        Example:
            >>> from dataworks_ext import NodeLookupError
            >>> from dataworks_ext.lookups import Lookups
            >>> from dataworks_ext.testing import LocalDataWorks
            >>> with LocalDataWorks() as local:
            ...     try:
            ...         Lookups(local.client()).node(404)
            ...     except NodeLookupError as exc:
            ...         print(exc.kind, exc.object_id, exc.not_found)
            node 404 True
        """
        found: NodeInfo = self._get("node", node_id)
        return found

    def nodes(
        self, node_ids: Iterable[int], *, limit: int | None = DEFAULT_LIMIT
    ) -> dict[int, NodeInfo]:
        """The nodes ``node_ids``, by id in the order given (repeats once).

        Cached ones are answered at once; the rest are looked up concurrently, at most
        ``max_concurrency`` at a time.  More than ``limit`` distinct ids raise
        :class:`~dataworks_ext.TooManyLookupsError` before any call (``None``: no limit).

        Example:
            >>> from dataworks_ext import CallbackClient, TooManyLookupsError
            >>> from dataworks_ext.lookups import Lookups
            >>> try:
            ...     Lookups(CallbackClient(region_id="cn-shanghai")).nodes(range(20_000))
            ... except TooManyLookupsError as exc:
            ...     print(exc)
            20000 nodes to look up at once; the limit is 100
        """
        return self._get_many("node", node_ids, limit)

    def baseline(self, baseline_id: int, project_id: int) -> BaselineInfo:
        """The baseline ``baseline_id`` of workspace ``project_id`` (``GetBaseline``).

        Example:
            >>> from dataworks_ext.lookups import Lookups
            >>> from dataworks_ext.nodes import BaselineInfo
            >>> from dataworks_ext.testing import LocalDataWorks
            >>> with LocalDataWorks() as local:
            ...     local.add_baselines(BaselineInfo(baseline_id=1201, project_id=23393,
            ...                                      node_ids=(7, 8)))
            ...     Lookups(local.client()).baseline(1201, 23393).node_ids
            (7, 8)
        """
        found: BaselineInfo = self._get("baseline", (baseline_id, project_id))
        return found

    def instance(self, instance_id: int) -> InstanceInfo:
        """The instance ``instance_id`` (``GetInstance``).

        Example:
            >>> from dataworks_ext.lookups import Lookups
            >>> from dataworks_ext.nodes import InstanceInfo
            >>> from dataworks_ext.testing import LocalDataWorks
            >>> with LocalDataWorks() as local:
            ...     local.add_instances(InstanceInfo(instance_id=5, node_id=7))
            ...     Lookups(local.client()).instance(5).node_id
            7
        """
        found: InstanceInfo = self._get("instance", instance_id)
        return found

    def instances(
        self, instance_ids: Iterable[int], *, limit: int | None = DEFAULT_LIMIT
    ) -> dict[int, InstanceInfo]:
        """The instances ``instance_ids``, as :meth:`nodes` does for nodes.

        Example:
            >>> from dataworks_ext.lookups import Lookups
            >>> from dataworks_ext.nodes import InstanceInfo
            >>> from dataworks_ext.testing import LocalDataWorks
            >>> with LocalDataWorks() as local:
            ...     local.add_instances(InstanceInfo(instance_id=5, node_id=7),
            ...                         InstanceInfo(instance_id=6, node_id=8))
            ...     {i: x.node_id for i, x in Lookups(local.client()).instances([5, 6]).items()}
            {5: 7, 6: 8}
        """
        return self._get_many("instance", instance_ids, limit)

    def event_detail(
        self, message: EventMessage | str, project_id: int | None = None
    ) -> IdeEventDetail:
        """What a DataStudio operation carries (``GetIDEEventDetail``): the committed file
        with its code and node configuration, the deleted file, the code run, or the table.

        ``message`` is the event's message (its id and the event's ``project_id`` are used)
        or a message id with ``project_id``.  Looked up on first use and cached per message.

        Raises:
            dataworks_ext.NodeLookupError: It could not be looked up (kind
                ``"event detail"``, ``object_id`` the message id).

        Example:
            >>> from dataworks_ext.lookups import Lookups
            >>> from dataworks_ext.testing import LocalDataWorks, commit_file_event
            >>> with LocalDataWorks() as local:
            ...     message = commit_file_event()
            ...     local.seed_event_detail(message.message_id,
            ...                             {"CommittedFile": {"Content": "SELECT 1;"}})
            ...     lookups = Lookups(local.client())
            ...     lookups.event_detail(message).committed_file.content
            ...     _ = lookups.event_detail(message)
            ...     local.calls_for("GetIDEEventDetail")
            'SELECT 1;'
            1
        """
        found: IdeEventDetail = self._get(_EVENT_DETAIL, _detail_key(message, project_id))
        return found

    # ------------------------------------------------------------------ async

    async def node_async(self, node_id: int) -> NodeInfo:
        """:meth:`node`, without blocking the event loop.

        Example:
            >>> import asyncio
            >>> from dataworks_ext.lookups import Lookups
            >>> from dataworks_ext.nodes import NodeInfo
            >>> from dataworks_ext.testing import LocalDataWorks
            >>> with LocalDataWorks() as local:
            ...     local.add_nodes(NodeInfo(node_id=7, owner_id="42"))
            ...     asyncio.run(Lookups(local.client()).node_async(7)).owner_id
            '42'
        """
        found: NodeInfo = await self._get_async("node", node_id)
        return found

    async def nodes_async(
        self, node_ids: Iterable[int], *, limit: int | None = DEFAULT_LIMIT
    ) -> dict[int, NodeInfo]:
        """:meth:`nodes`, without blocking the event loop (at most ``max_concurrency`` calls
        of this batch in flight).

        Example:
            >>> import asyncio
            >>> from dataworks_ext.lookups import Lookups
            >>> from dataworks_ext.testing import LocalDataWorks, node_info
            >>> with LocalDataWorks() as local:
            ...     local.add_nodes(node_info(7), node_info(8))
            ...     sorted(asyncio.run(Lookups(local.client()).nodes_async([8, 7, 8])))
            [7, 8]
        """
        return await self._get_many_async("node", node_ids, limit)

    async def baseline_async(self, baseline_id: int, project_id: int) -> BaselineInfo:
        """:meth:`baseline`, without blocking the event loop.

        Example:
            >>> import asyncio
            >>> from dataworks_ext.lookups import Lookups
            >>> from dataworks_ext.nodes import BaselineInfo
            >>> from dataworks_ext.testing import LocalDataWorks
            >>> with LocalDataWorks() as local:
            ...     local.add_baselines(BaselineInfo(baseline_id=3, baseline_name="finance"))
            ...     asyncio.run(Lookups(local.client()).baseline_async(3, 23393)).baseline_name
            'finance'
        """
        found: BaselineInfo = await self._get_async("baseline", (baseline_id, project_id))
        return found

    async def instance_async(self, instance_id: int) -> InstanceInfo:
        """:meth:`instance`, without blocking the event loop.

        Example:
            >>> import asyncio
            >>> from dataworks_ext.lookups import Lookups
            >>> from dataworks_ext.nodes import InstanceInfo
            >>> from dataworks_ext.testing import LocalDataWorks
            >>> with LocalDataWorks() as local:
            ...     local.add_instances(InstanceInfo(instance_id=5, node_id=7))
            ...     asyncio.run(Lookups(local.client()).instance_async(5)).node_id
            7
        """
        found: InstanceInfo = await self._get_async("instance", instance_id)
        return found

    async def instances_async(
        self, instance_ids: Iterable[int], *, limit: int | None = DEFAULT_LIMIT
    ) -> dict[int, InstanceInfo]:
        """:meth:`instances`, without blocking the event loop.

        Example:
            >>> import asyncio
            >>> from dataworks_ext.lookups import Lookups
            >>> from dataworks_ext.testing import LocalDataWorks
            >>> with LocalDataWorks() as local:
            ...     asyncio.run(Lookups(local.client()).instances_async([]))
            {}
        """
        return await self._get_many_async("instance", instance_ids, limit)

    async def event_detail_async(
        self, message: EventMessage | str, project_id: int | None = None
    ) -> IdeEventDetail:
        """:meth:`event_detail`, without blocking the event loop.

        Example:
            >>> import asyncio
            >>> from dataworks_ext.lookups import Lookups
            >>> from dataworks_ext.testing import LocalDataWorks
            >>> with LocalDataWorks() as local:
            ...     local.seed_event_detail("m-1", {"TableModel": {"TableName": "ods_t"}})
            ...     detail = asyncio.run(Lookups(local.client()).event_detail_async("m-1", 23393))
            ...     detail.table_model.table_name
            'ods_t'
        """
        key = _detail_key(message, project_id)
        found: IdeEventDetail = await self._get_async(_EVENT_DETAIL, key)
        return found

    # ------------------------------------------------------------------ the one body

    def _claim(self, key: Hashable) -> tuple[concurrent.futures.Future[Any], bool]:
        """The in-flight future of ``key``, and whether the caller must make the call."""
        with self._lock:
            future = self._inflight.get(key)
            if future is not None:
                return future, False
            future = self._inflight[key] = concurrent.futures.Future()
            return future, True

    def _steps(self, kind: str, key: Hashable) -> Generator[float | _Call, Any, Any]:
        """One lookup, written once for both paths and doing no I/O itself.

        Yields a float (wait that long, send back ``None``) or a :class:`_Call` (make it, send
        back the answer's body or throw in the :class:`CallbackError`).  Returns the model.
        """
        delay = self._reserve(kind, key)
        if delay:
            yield delay
        method, request, _, _, _, checked = _APIS[kind]
        try:
            body = yield _Call(method, request, self._fields(kind, key), checked, _name(kind, key))
        except CallbackError as exc:
            raise _failed(kind, key, exc) from None
        return _read(kind, key, body)

    def _get(self, kind: str, key: Hashable) -> Any:
        (found,) = self._cache.get_many([(kind, key)])
        return self._fetch(kind, key) if found is _MISS else found

    def _fetch(self, kind: str, key: Hashable) -> Any:
        future, mine = self._claim((kind, key))
        if not mine:
            return future.result()
        with _Flight(self, kind, key, future) as flight:
            plan = _Plan(self._steps(kind, key))
            while (step := plan.step) is not None:
                if isinstance(step, _Call):
                    try:
                        body = self.client.call(*step.args, what=step.what)
                    except CallbackError as exc:
                        plan.fail(exc)
                        continue
                    plan.answer(body)
                else:
                    time.sleep(step)
                    plan.answer(None)
            flight.value = plan.value
            return plan.value

    async def _get_async(self, kind: str, key: Hashable) -> Any:
        (found,) = self._cache.get_many([(kind, key)])
        return await self._fetch_async(kind, key) if found is _MISS else found

    async def _fetch_async(self, kind: str, key: Hashable) -> Any:
        import asyncio

        future, mine = self._claim((kind, key))
        if not mine:
            return await asyncio.wrap_future(future)
        with _Flight(self, kind, key, future) as flight:
            plan = _Plan(self._steps(kind, key))
            while (step := plan.step) is not None:
                if not isinstance(step, _Call):
                    await asyncio.sleep(step)
                    plan.answer(None)
                    continue
                try:
                    body = await self.client.call_async(*step.args, what=step.what)
                except CallbackError as exc:
                    plan.fail(exc)
                else:
                    plan.answer(body)
            flight.value = plan.value
            return plan.value

    def _split(
        self, kind: str, ids: Iterable[int], limit: int | None
    ) -> tuple[list[int], list[Any], list[int]]:
        """(the distinct ids, what the cache has for each, the ids it lacks)."""
        unique = list(dict.fromkeys(ids))
        if limit is not None and len(unique) > limit:
            raise TooManyLookupsError(kind, len(unique), limit)
        found = self._cache.get_many([(kind, i) for i in unique])
        return unique, found, [i for i, value in zip(unique, found, strict=True) if value is _MISS]

    @staticmethod
    def _merge(unique: list[int], found: list[Any], fetched: Mapping[int, Any]) -> dict[int, Any]:
        pairs = zip(unique, found, strict=True)
        return {i: fetched[i] if value is _MISS else value for i, value in pairs}

    def _get_many(self, kind: str, ids: Iterable[int], limit: int | None) -> dict[int, Any]:
        unique, found, missing = self._split(kind, ids, limit)
        if len(missing) <= 1:
            fetched = {i: self._fetch(kind, i) for i in missing}
        else:
            pool = self._executor()
            # each call in the caller's context (a copy each), so tracing sees the lookups
            futures = [pool.submit(copy_context().run, self._fetch, kind, i) for i in missing]
            fetched = {i: f.result() for i, f in zip(missing, futures, strict=True)}
        return self._merge(unique, found, fetched)

    async def _get_many_async(
        self, kind: str, ids: Iterable[int], limit: int | None
    ) -> dict[int, Any]:
        import asyncio

        unique, found, missing = self._split(kind, ids, limit)
        gate = asyncio.Semaphore(self.max_concurrency)

        async def one(item: int) -> Any:
            async with gate:
                return await self._fetch_async(kind, item)

        values = await asyncio.gather(*(one(i) for i in missing))
        return self._merge(unique, found, dict(zip(missing, values, strict=True)))

    def _executor(self) -> concurrent.futures.ThreadPoolExecutor:
        pool = self._pool
        if pool is None:
            with self._lock:
                if self._pool is None:
                    self._pool = concurrent.futures.ThreadPoolExecutor(
                        self.max_concurrency, thread_name_prefix="dataworks-lookup"
                    )
                pool = self._pool
        return pool

    def _reserve(self, kind: str, key: Hashable) -> float:
        if getattr(self.client, "limiter", None) is not None:  # the client takes from it
            with self._lock:
                self._calls += 1
            return 0.0
        delay = self.bucket.reserve()
        if delay is None:
            raise NodeLookupError(
                f"the daily limit of {self.bucket.limit.per_day} calls is reached",
                kind=kind,
                object_id=_object_id(key),
                api=_APIS[kind][3],
                code="DailyLimitReached",
                attempts=0,
            )
        with self._lock:
            self._calls += 1
        return delay

    def _fields(self, kind: str, key: Any) -> dict[str, Any]:
        if kind == "baseline":
            return {"baseline_id": key[0], "project_id": key[1]}
        if kind == _EVENT_DETAIL:
            return {"message_id": key[0], "project_id": key[1]}
        return {f"{kind}_id": key, "project_env": self.project_env}


class _Call:
    """A call for the driver of :meth:`Lookups._steps` to make through the client."""

    __slots__ = ("args", "what")

    def __init__(
        self, method: str, request: str, fields: dict[str, Any], checked: bool, what: str
    ) -> None:
        self.args = (method, request, fields, checked)
        self.what = what


class _Plan:
    """Drives the steps of :meth:`Lookups._steps`: :attr:`step` is the next one (a wait in
    seconds or a :class:`_Call`; ``None`` once done, with the model in :attr:`value`)."""

    __slots__ = ("step", "steps", "value")

    def __init__(self, steps: Generator[float | _Call, Any, Any]) -> None:
        self.steps = steps
        self.step: float | _Call | None = None
        self.value: Any = None
        self._advance(next, steps)

    def answer(self, body: Any) -> None:
        """Send back the answer of the call made (``None`` after a wait)."""
        self._advance(self.steps.send, body)

    def fail(self, exc: CallbackError) -> None:
        """Throw in the error of the call made."""
        self._advance(self.steps.throw, exc)

    def _advance(self, move: Any, arg: Any) -> None:
        try:
            self.step = move(arg)
        except StopIteration as done:
            self.step, self.value = None, done.value


class _Flight:
    """The lookup of one key in flight: on leaving, its answer is cached and handed to those
    waiting for it, or its error is."""

    __slots__ = ("future", "key", "kind", "lookups", "value")

    def __init__(
        self, lookups: Lookups, kind: str, key: Hashable, future: concurrent.futures.Future[Any]
    ) -> None:
        self.lookups = lookups
        self.kind = kind
        self.key = key
        self.future = future
        self.value: Any = None

    def __enter__(self) -> _Flight:
        return self

    def __exit__(self, _exc_type: Any, exc: BaseException | None, _tb: Any) -> None:
        lookups, key = self.lookups, (self.kind, self.key)
        if exc is None:
            lookups._cache.put(key, self.value)  # cached before the in-flight entry goes
        with lookups._lock:
            lookups._inflight.pop(key, None)
        if exc is None:
            self.future.set_result(self.value)
        elif isinstance(exc, Exception):
            self.future.set_exception(exc)
        else:  # cancelled, interrupted: those waiting get a lookup error, not the signal
            self.future.set_exception(_cancelled(self.kind, self.key))


def _object_id(key: Any) -> int | str:
    found = key[0] if isinstance(key, tuple) else key
    return found if isinstance(found, str) else int(found)


def _detail_key(message: Any, project_id: int | None) -> tuple[str, int]:
    """(message id, project id) of an event detail, from a message or an id."""
    message_id: Any = message
    if not isinstance(message, str):
        message_id = getattr(message, "message_id", None)
        if project_id is None:
            project_id = getattr(getattr(message, "event", None), "project_id", None)
    if not isinstance(message_id, str) or not message_id:
        raise ConfigurationError("event_detail needs a message or a non-empty message id")
    if project_id is None or isinstance(project_id, bool) or not isinstance(project_id, int):
        raise ConfigurationError(
            f"event_detail needs the workspace's project_id (an int), got {project_id!r}"
        )
    return message_id, project_id


def _name(kind: str, key: Any) -> str:
    return f"{kind} {_object_id(key)}"


def _failed(kind: str, key: Any, exc: CallbackError) -> NodeLookupError:
    code = exc.code or ""
    folded = code.lower().replace(".", "")
    not_found = any(mark in folded for mark in _NOT_FOUND_MARKS) and not code.startswith(
        _NOT_LOOKUP_CODES
    )
    return NodeLookupError(
        f"DataWorks has no such {kind}" if not_found else exc.reason,
        kind=kind,
        object_id=_object_id(key),
        api=_APIS[kind][3],
        code=exc.code,
        status=exc.status,
        request_id=exc.request_id,
        attempts=exc.attempts,
        not_found=not_found,
    )


def _cancelled(kind: str, key: Any) -> NodeLookupError:
    return NodeLookupError(
        "the lookup was cancelled", kind=kind, object_id=_object_id(key), api=_APIS[kind][3]
    )


def _read(kind: str, key: Any, body: Any) -> Any:
    """The model of an answer's ``Data``; no ``Data`` means DataWorks has no such object."""
    from .errors import FieldError

    _, _, model, api, attribute, _ = _APIS[kind]
    data = getattr(body, attribute, None)
    request_id = getattr(body, "request_id", None)
    if data is None:
        raise NodeLookupError(
            f"DataWorks has no such {kind}",
            kind=kind,
            object_id=_object_id(key),
            api=api,
            request_id=request_id,
            not_found=True,
        )
    try:
        return model.from_wire(data.to_map() if hasattr(data, "to_map") else data)
    except FieldError as exc:
        raise NodeLookupError(
            f"DataWorks answered with {exc}",
            kind=kind,
            object_id=_object_id(key),
            api=api,
            code="InvalidResponse",
            request_id=request_id,
        ) from None
