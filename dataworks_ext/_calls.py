"""The retried call path: every SDK call a CallbackClient makes, paced, retried and reported.

``CallPath`` is the part of :class:`~dataworks_ext.CallbackClient` that makes calls: the
official SDK imported on the first call, one retry policy and rate budget for the sync and
the async path, and the client's call hooks (:class:`~dataworks_ext.CallHook`), each handed
a :class:`~dataworks_ext.CallRecord` of every attempt.  ``dataworks_ext.callback`` maps
verdicts onto the answering APIs and configures the client; this module knows no verdict.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Awaitable, Callable, Generator, Iterable, Mapping
from typing import TYPE_CHECKING, Any, Protocol

import attrs

from ._callers import CALLERS, DeadlineReached
from ._retry import RetryPolicy
from ._sdk_failures import SdkFailure, classify, clean, deadline_exceeded, unsuccessful
from ._version import __version__
from .errors import CallbackError, ConfigurationError

if TYPE_CHECKING:
    from .ratelimit import RateLimiter

__all__ = [
    "API_VERSIONS",
    "LIMITER_METHODS",
    "SDK_2024_PACKAGE",
    "WRITES",
    "CallHook",
    "CallPath",
    "CallRecord",
    "hooks_option",
]

logger = logging.getLogger("dataworks_ext.callback")


@attrs.frozen(slots=True)
class CallRecord:
    """One attempt of an SDK call a :class:`~dataworks_ext.CallbackClient` made, as its call
    hooks receive it: a delivery of a verdict or a read (a lookup, ``GetExtension``).

    Example:
        >>> from dataworks_ext import CallRecord
        >>> record = CallRecord("get_node", 10.0, 10.25, None, delivery=False, attempt=1)
        >>> record.duration, record.failure is None
        (0.25, True)
    """

    action: str
    """The SDK method called, e.g. ``update_workbench_event_result`` or ``get_node``."""
    started: float
    """When the attempt started (``time.perf_counter()``)."""
    ended: float
    """When its answer (or failure) came (``time.perf_counter()``)."""
    failure: str | None
    """The failure's code (``Throttling.User``, ``ReadTimeout``, ...), ``None`` when
    DataWorks accepted the call."""
    delivery: bool = attrs.field(kw_only=True)
    """Whether the call delivers an answer (``UpdateWorkbenchEventResult``,
    ``UpdateIDEEventResult``, ``CallbackExtension``); ``False`` for reads."""
    attempt: int = attrs.field(kw_only=True)
    """Which attempt of the call this was (1 for the first, 2 for the first retry, ...)."""
    message_id: str | None = attrs.field(default=None, kw_only=True)
    """The message the call is made for, when the caller named one."""
    api_version: str = attrs.field(default="2020-05-18", kw_only=True)
    """The DataWorks OpenAPI version the client speaks (``api_version``)."""

    @property
    def duration(self) -> float:
        """Seconds from the attempt's start to its answer.

        Example:
            >>> from dataworks_ext import CallRecord
            >>> CallRecord("callback_extension", 1.0, 1.5, "ReadTimeout", delivery=True,
            ...            attempt=2).duration
            0.5
        """
        return self.ended - self.started


class CallHook(Protocol):
    """What a :class:`~dataworks_ext.CallbackClient` calls with each :class:`CallRecord`.

    Give hooks to the client (``CallbackClient(..., hooks=[...])``) or add them later
    (:meth:`~dataworks_ext.CallbackClient.add_hook`); each is called once per attempt of
    every SDK call the client makes, deliveries and reads alike, on the thread (or task)
    that made the call, right after the attempt's answer.  Keep a hook quick: it runs on the
    call's path.  A hook that raises is logged once and the call carries on.

    Example:
        >>> from dataworks_ext import CallbackClient, CallRecord, Verdict
        >>> from dataworks_ext.testing import LocalDataWorks
        >>> seen: list[CallRecord] = []
        >>> with LocalDataWorks() as local:
        ...     client = local.client(hooks=[seen.append])
        ...     client.deliver("m-1", "ext", Verdict.ok())
        >>> [(r.action, r.delivery, r.attempt, r.failure) for r in seen]
        [('update_workbench_event_result', True, 1, None)]
    """

    def __call__(self, record: CallRecord, /) -> object:
        """Receive one attempt's record (the value returned is ignored)."""
        ...


def hooks_option(hooks: Iterable[CallHook] | None) -> tuple[CallHook, ...]:
    """The ``hooks`` option, checked: callables, in order."""
    if hooks is None:
        return ()
    if callable(hooks) or isinstance(hooks, (str, bytes)):  # type: ignore[unreachable]
        raise ConfigurationError(
            f"hooks must be a list of callables, got {type(hooks).__name__} (wrap it in a list)"
        )
    found = tuple(hooks)
    for hook in found:
        if not callable(hook):
            raise ConfigurationError(f"each hook must be callable, got {type(hook).__name__}")
    return found


# ---------------------------------------------------------------------------- the official SDK


_SDK_LOCK = threading.Lock()
_SDK: _Sdk | None = None


class _Sdk:
    """The classes of the official SDK, imported once, on the first call."""

    __slots__ = ("Client", "Config", "CredentialClient", "RetryOptions", "Runtime", "models")

    def __init__(self) -> None:
        from alibabacloud_credentials.client import Client as CredentialClient
        from alibabacloud_dataworks_public20200518 import models
        from alibabacloud_dataworks_public20200518.client import Client
        from alibabacloud_tea_openapi.utils_models import Config
        from darabonba.policy.retry import RetryOptions
        from darabonba.runtime import RuntimeOptions

        self.Client: Any = Client
        self.Config: Any = Config
        self.CredentialClient: Any = CredentialClient
        self.RetryOptions: Any = RetryOptions
        self.Runtime: Any = RuntimeOptions
        # The request models, e.g. ``models.UpdateWorkbenchEventResultRequest``.
        self.models: Any = models


def _sdk() -> _Sdk:
    global _SDK
    sdk = _SDK
    if sdk is None:
        with _SDK_LOCK:
            sdk = _SDK
            if sdk is None:
                sdk = _SDK = _Sdk()
    return sdk


API_VERSIONS = ("2020-05-18", "2024-05-18")
"""The DataWorks OpenAPI versions a :class:`CallbackClient` speaks (``api_version``)."""

SDK_2024_PACKAGE = "alibabacloud_dataworks_public20240518"
#: The SDK methods the 2024-05-18 API has among those the client calls: with
#: ``api_version="2024-05-18"`` they go through it; every other call stays on 2020-05-18
#: (which alone has UpdateWorkbenchEventResult, CallbackExtension and GetExtension).
_NEWER_IN_2024 = frozenset({"update_ideevent_result", "get_ideevent_detail"})
_SDK_2024: tuple[Any, Any] | None = None


def _sdk_2024() -> tuple[Any, Any]:
    """(the 2024-05-18 SDK's Client class, its models module), imported once."""
    global _SDK_2024
    found = _SDK_2024
    if found is None:
        with _SDK_LOCK:
            found = _SDK_2024
            if found is None:
                from alibabacloud_dataworks_public20240518 import models
                from alibabacloud_dataworks_public20240518.client import Client

                found = _SDK_2024 = (Client, models)
    return found


class CallPath:
    """The call path of a :class:`~dataworks_ext.CallbackClient`: :meth:`call` and
    :meth:`call_async`, retried by one policy within the rate budget, each attempt handed to
    the client's call hooks.

    The client's constructor sets the attributes; this class makes the calls.
    """

    api_version: str
    limiter: RateLimiter | None
    region_id: str
    protocol: str
    endpoint: str
    connect_timeout: float
    read_timeout: float
    retry: RetryPolicy
    _access_key_id: str | None
    _access_key_secret: str | None
    _security_token: str | None
    _credential: Any
    _sleep: Callable[[float], object]
    _async_sleep: Callable[[float], Awaitable[object]] | None
    _client: Any
    _client_2024: Any
    _lock: threading.Lock
    _hooks: tuple[CallHook, ...]
    _hooks_failed: list[CallHook]

    # ------------------------------------------------------------------ call hooks

    @property
    def hooks(self) -> tuple[CallHook, ...]:
        """The call hooks, in the order they are called (see :class:`CallHook`).

        Example:
            >>> from dataworks_ext import CallbackClient
            >>> CallbackClient(region_id="cn-shanghai", hooks=[print]).hooks
            (<built-in function print>,)
        """
        return self._hooks

    def add_hook(self, hook: CallHook) -> None:
        """Call ``hook`` with the :class:`CallRecord` of every attempt from now on; a hook
        already added is not added twice.

        Example:
            >>> from dataworks_ext import CallbackClient
            >>> client = CallbackClient(region_id="cn-shanghai")
            >>> client.add_hook(print); client.add_hook(print)
            >>> len(client.hooks)
            1
        """
        if not callable(hook):
            raise ConfigurationError(f"a hook must be callable, got {type(hook).__name__}")
        with self._lock:
            if not any(known is hook or known == hook for known in self._hooks):
                self._hooks = (*self._hooks, hook)

    def remove_hook(self, hook: CallHook) -> None:
        """Stop calling ``hook`` (nothing happens when it was not added).

        Example:
            >>> from dataworks_ext import CallbackClient
            >>> client = CallbackClient(region_id="cn-shanghai", hooks=[print])
            >>> client.remove_hook(print)
            >>> client.hooks
            ()
        """
        with self._lock:
            self._hooks = tuple(
                known for known in self._hooks if not (known is hook or known == hook)
            )

    def _report(
        self, action: str, started: float, failure: str | None, attempt: int, message_id: Any
    ) -> None:
        """Hand the record of one attempt to every hook; a hook that raises never stops it."""
        record = CallRecord(
            action,
            started,
            time.perf_counter(),
            failure,
            delivery=action in WRITES,
            attempt=attempt,
            message_id=message_id,
            api_version=self.api_version,
        )
        for hook in self._hooks:
            try:
                hook(record)
            except Exception as exc:
                self._hook_failed(hook, exc)

    def _hook_failed(self, hook: CallHook, exc: Exception) -> None:
        """Log a hook's failure: at ERROR the first time, at DEBUG after that."""
        with self._lock:
            first = not any(known is hook for known in self._hooks_failed)
            if first:
                self._hooks_failed.append(hook)
        logger.log(
            logging.ERROR if first else logging.DEBUG,
            "the call hook %r raised %s; the call carries on%s",
            hook,
            type(exc).__name__,
            "" if first else " (logged at ERROR the first time)",
            exc_info=exc if first else None,
        )

    @property
    def url(self) -> str:
        """The base URL calls go to, e.g. ``https://dataworks.cn-shanghai.aliyuncs.com``.

        Example:
            >>> from dataworks_ext import CallbackClient
            >>> CallbackClient(region_id="cn-shanghai", endpoint="127.0.0.1:8000",
            ...                protocol="http").url
            'http://127.0.0.1:8000'
        """
        return f"{self.protocol}://{self.endpoint}"

    # ------------------------------------------------------------------ the SDK client

    def _sdk_client(self) -> Any:
        client = self._client
        if client is not None:
            return client
        with self._lock:
            if self._client is None:
                self._client = self._build()
            return self._client

    def _route(self, action: str) -> tuple[Any, Any]:
        """(the SDK client, its models module) that make ``action``: the 2024-05-18 SDK's for
        the calls it has when ``api_version`` is ``2024-05-18``, else the 2020-05-18 SDK's."""
        if self.api_version != "2020-05-18" and action in _NEWER_IN_2024:
            client = self._client_2024
            if client is None:
                with self._lock:
                    if self._client_2024 is None:
                        self._client_2024 = self._build(_sdk_2024()[0])
                    client = self._client_2024
            return client, _sdk_2024()[1]
        return self._sdk_client(), _sdk().models

    def _routed(self, action: str) -> bool:
        """Whether the client that makes ``action`` is built (its SDK imported)."""
        if self.api_version != "2020-05-18" and action in _NEWER_IN_2024:
            return self._client_2024 is not None
        return self._client is not None

    def _build(self, client_class: Any = None) -> Any:
        sdk = _sdk()
        config = sdk.Config(
            region_id=self.region_id,
            endpoint=self.endpoint,
            protocol=self.protocol,
            connect_timeout=_millis(self.connect_timeout),
            read_timeout=_millis(self.read_timeout),
            user_agent=f"dataworks-ext/{__version__}",
            retry_options=sdk.RetryOptions({"retryable": False}),
        )
        if self._access_key_id:
            config.access_key_id = self._access_key_id
            config.access_key_secret = self._access_key_secret
            config.security_token = self._security_token
        else:
            config.credential = (
                self._credential if self._credential is not None else sdk.CredentialClient()
            )
        return (sdk.Client if client_class is None else client_class)(config)

    # ------------------------------------------------------------------ retried SDK calls

    def call(
        self,
        action: str,
        request: str,
        fields: Mapping[str, Any],
        checked: bool = True,
        *,
        message_id: str | None = None,
        what: str = "the verdict",
        retry: RetryPolicy | None = None,
    ) -> Any:
        """Call the SDK's ``<action>_with_options`` with a ``request`` model built from ``fields``.

        ``action`` is the SDK method's name (``"update_workbench_event_result"``, ``"get_node"``,
        ...), ``request`` the request model's class name in
        ``alibabacloud_dataworks_public20200518.models`` (``"GetNodeRequest"``).  The call is
        retried by ``retry`` (a :class:`~dataworks_ext.RetryPolicy`; default: the client's
        own); returns the answer's body once its ``Success`` is true (any answer when
        ``checked`` is false: for APIs whose answer has no ``Success``), else raises
        :class:`CallbackError` (``message_id`` and ``what`` only word errors and logs).

        This is the one path every call of the client takes (deliveries, lookups, the
        extension's settings): retried by one policy, within the rate budget (``limiter``),
        reported to the call hooks (see :class:`CallHook`).  Use it for a DataWorks API the SDK
        has and this client has no method for.

        Example:
            >>> from dataworks_ext.testing import LocalDataWorks
            >>> with LocalDataWorks() as local:
            ...     local.set_extension_settings("ext", "owner=finance")
            ...     body = local.client().call(
            ...         "get_extension", "GetExtensionRequest", {"extension_code": "ext"}, False)
            ...     body.extension.parameter_setting
            'owner=finance'
        """
        call, built = self._bound(action, request, fields, message_id)
        steps = self._attempts(action, what, message_id, retry or self.retry, checked)
        step = next(steps)
        while True:
            outcome: object = None
            if isinstance(step, _Try):
                outcome = CALLERS.run(call, built, step.runtime, max(step.remaining, 0.001) + 0.1)
            elif isinstance(step, _Budget):
                outcome = self._budget(step)
            else:
                self._sleep(step)
            try:
                step = steps.send(outcome)
            except StopIteration as done:
                return done.value

    async def call_async(
        self,
        action: str,
        request: str,
        fields: Mapping[str, Any],
        checked: bool = True,  # as for call(): False for an API whose answer has no Success
        *,
        message_id: str | None = None,
        what: str = "the verdict",
        retry: RetryPolicy | None = None,
    ) -> Any:
        """:meth:`call` on the SDK's ``<action>_with_options_async``, without blocking the loop.

        The first call imports the SDK in a worker thread.

        Example:
            >>> import asyncio
            >>> from dataworks_ext.testing import LocalDataWorks
            >>> with LocalDataWorks() as local:
            ...     local.set_extension_settings("ext", "owner=finance")
            ...     body = asyncio.run(local.client().call_async(
            ...         "get_extension", "GetExtensionRequest", {"extension_code": "ext"}, False))
            ...     body.extension.parameter_setting
            'owner=finance'
        """
        import asyncio

        routed = None
        if not self._routed(action):  # the SDK's import blocks: not on the loop
            try:
                routed = await asyncio.get_running_loop().run_in_executor(None, self._route, action)
            except Exception as exc:
                raise self._setup_failed(exc, message_id) from None
        call, built = self._bound(action, request, fields, message_id, routed, "_async")
        sleep = asyncio.sleep if self._async_sleep is None else self._async_sleep
        steps = self._attempts(action, what, message_id, retry or self.retry, checked)
        step = next(steps)
        while True:
            outcome: object = None
            if isinstance(step, _Try):
                try:
                    outcome = await asyncio.wait_for(
                        call(built, step.runtime), timeout=max(step.remaining, 0.001) + 0.1
                    )
                except asyncio.TimeoutError:
                    outcome = DeadlineReached()
                except Exception as exc:
                    outcome = exc
            elif isinstance(step, _Budget):
                outcome = await self._budget_async(step)
            else:
                await sleep(step)
            try:
                step = steps.send(outcome)
            except StopIteration as done:
                return done.value

    def _bound(
        self,
        action: str,
        request: str,
        fields: Mapping[str, Any],
        message_id: str | None,
        routed: tuple[Any, Any] | None = None,
        suffix: str = "",
    ) -> tuple[Any, Any]:
        """(the SDK method ``<action>_with_options<suffix>``, the request built from
        ``fields``), through ``routed`` (the SDK client and models) unless routed here."""
        try:
            client, models = self._route(action) if routed is None else routed
            return getattr(client, f"{action}_with_options{suffix}"), getattr(models, request)(
                **fields
            )
        except Exception as exc:
            raise self._setup_failed(exc, message_id) from None

    def _budget(self, step: _Budget) -> object:
        """Take ``step`` to the rate limiter: the wait it answers, or the exception raised."""
        limiter: Any = self.limiter
        try:
            if step.throttled:
                return limiter.throttled(step.kind)
            return limiter.reserve(step.kind)
        except Exception as exc:
            return exc

    async def _budget_async(self, step: _Budget) -> object:
        """:meth:`_budget` without blocking the loop."""
        limiter: Any = self.limiter
        try:
            if step.throttled:
                return await limiter.throttled_async(step.kind)
            return await limiter.reserve_async(step.kind)
        except Exception as exc:
            return exc

    def _attempts(
        self,
        action: str,
        what: str,
        message_id: str | None,
        policy: RetryPolicy,
        checked: bool = True,
    ) -> Generator[_Try | _Budget | float, object, Any]:
        """The retry loop, written once for both paths and doing no I/O itself.

        Yields a :class:`_Try` (make the call with its runtime options and send back the
        answer or the exception raised), a :class:`_Budget` (reserve a call from the rate
        limiter and send back the wait, or report a throttling answer to it), or a float
        (wait that many seconds, send back ``None``).  Returns the accepted answer's body;
        raises :class:`CallbackError`.
        """
        started = time.monotonic()
        attempt = 0
        kind = "write" if action in WRITES else "read"
        limited = self.limiter is not None
        maybe_sent = False  # whether an attempt so far may have reached DataWorks
        while True:
            attempt += 1
            if limited:
                wait = yield _Budget(kind)
                if wait is None:
                    raise self._over_budget(message_id, attempt - 1, None, policy, maybe_sent)
                if isinstance(wait, BaseException):  # the limiter is down: call anyway
                    logger.warning(
                        "the rate limiter failed (%s); calling %s without waiting for budget",
                        type(wait).__name__,
                        action,
                    )
                elif isinstance(wait, float) and wait > 0:
                    if time.monotonic() - started + wait >= policy.deadline:
                        raise self._over_budget(message_id, attempt - 1, wait, policy, maybe_sent)
                    yield wait
            attempt_try = self._try(policy.deadline - (time.monotonic() - started))
            tried = time.perf_counter()
            outcome = yield attempt_try
            if isinstance(outcome, BaseException):
                failure = self._failure(outcome, attempt_try, policy)
            else:
                refused = unsuccessful(outcome, what) if checked else None
                if refused is None:
                    if self._hooks:
                        self._report(action, tried, None, attempt, message_id)
                    body = getattr(outcome, "body", None)
                    if logger.isEnabledFor(logging.DEBUG):
                        logger.debug(
                            "DataWorks accepted %s for message %s (request %s, attempt %d)",
                            action,
                            message_id,
                            clean(getattr(body, "request_id", None)),
                            attempt,
                            extra={"message_id": message_id},
                        )
                    return body
                failure = refused
            if self._hooks:
                self._report(action, tried, failure.code, attempt, message_id)
            maybe_sent = maybe_sent or failure.maybe_sent
            if limited and (failure.status == 429 or (failure.code or "").startswith("Throttling")):
                yield _Budget(kind, throttled=True)  # slow the shared budget down
            delay = policy.delay(attempt, failure, time.monotonic() - started)
            if delay is None:
                raise self._gave_up(message_id, attempt, failure, started, policy, maybe_sent)
            logger.info(
                "attempt %d of %d of %s for message %s failed (%s); retrying in %.3fs",
                attempt,
                policy.max_attempts,
                action,
                message_id,
                failure.describe(),
                delay,
                extra={"message_id": message_id},
            )
            yield delay

    def _try(self, remaining: float) -> _Try:
        """Per-call options: the timeouts, cut to what is left of the deadline."""
        read = min(self.read_timeout, remaining)
        runtime = _sdk().Runtime(
            connect_timeout=_millis(min(self.connect_timeout, remaining)),
            read_timeout=_millis(read),
            autoretry=False,
        )
        return _Try(runtime, remaining, read, read < self.read_timeout)

    def _failure(self, exc: BaseException, attempt: _Try, policy: RetryPolicy) -> SdkFailure:
        if isinstance(exc, DeadlineReached):
            return deadline_exceeded(policy.deadline)
        failure = classify(exc, self.url, attempt.read)
        if attempt.capped and failure.code in ("ReadTimeout", "ConnectTimeout"):
            exceeded = deadline_exceeded(policy.deadline)
            exceeded.maybe_sent = failure.maybe_sent  # not sent when it never connected
            return exceeded
        if failure.unexpected:
            # Neither an answer nor a transport error: log the class name for debugging,
            # never the text (the SDK's texts may carry request data).
            logger.warning("the Alibaba Cloud SDK raised %s", failure.code)
        return failure

    def _over_budget(
        self,
        message_id: str | None,
        attempts: int,
        wait: float | None,
        policy: RetryPolicy,
        maybe_sent: bool,
    ) -> CallbackError:
        """The error of a call the rate budget stopped before it was made: the daily cap is
        reached (``wait`` None), or its wait would pass the deadline."""
        if wait is None:
            reason, code = "the daily budget of DataWorks calls is spent", "DailyLimitReached"
        else:
            reason = (
                f"the rate budget's wait of {wait:.3g}s passes the {policy.deadline:g}s deadline"
            )
            code = "DeadlineExceeded"
        logger.debug("%s for message %s", reason, message_id, extra={"message_id": message_id})
        return CallbackError(
            reason,
            message_id=message_id,
            code=code,
            attempts=attempts,
            retryable=wait is not None,
            maybe_sent=maybe_sent,
        )

    def _setup_failed(self, exc: BaseException, message_id: str | None) -> CallbackError:
        logger.error(
            "could not set up the Alibaba Cloud SDK client (%s)",
            type(exc).__name__,
            extra={"message_id": message_id},
        )
        return CallbackError(
            f"could not set up the Alibaba Cloud SDK client ({type(exc).__name__})",
            message_id=message_id,
            code="ClientSetupError",
            attempts=0,
        )

    def _gave_up(
        self,
        message_id: str | None,
        attempts: int,
        failure: SdkFailure,
        started: float,
        policy: RetryPolicy,
        maybe_sent: bool = False,
    ) -> CallbackError:
        reason = failure.reason
        if policy.cut_short(attempts, failure):
            reason = f"{reason}; the {policy.deadline:g}s delivery deadline left no time to retry"
        logger.debug(
            "giving up on message %s after %d attempt(s) in %.3fs (%s)",
            message_id,
            attempts,
            time.monotonic() - started,
            failure.describe(),
            extra={"message_id": message_id},
        )
        return CallbackError(
            reason,
            message_id=message_id,
            code=failure.code,
            status=failure.status,
            request_id=failure.request_id,
            attempts=attempts,
            retryable=failure.retryable,
            maybe_sent=maybe_sent or failure.maybe_sent,
        )


class _Try:
    """One attempt to make: the SDK's runtime options and the time budget behind them."""

    __slots__ = ("capped", "read", "remaining", "runtime")

    def __init__(self, runtime: Any, remaining: float, read: float, capped: bool) -> None:
        self.runtime = runtime
        self.remaining = remaining  # seconds left of the whole call's deadline
        self.read = read  # the read timeout of this attempt
        self.capped = capped  # whether the deadline cut the read timeout short


class _Budget:
    """A step of the rate budget: reserve a call of ``kind`` (send back the wait, ``None``
    for the daily cap, or the limiter's exception), or report a throttling answer."""

    __slots__ = ("kind", "throttled")

    def __init__(self, kind: str, *, throttled: bool = False) -> None:
        self.kind = kind
        self.throttled = throttled


#: What a rate limiter has (the RateLimiter protocol's methods).
LIMITER_METHODS = ("reserve", "reserve_async", "throttled", "throttled_async", "remaining")

#: The SDK methods that write (deliver an answer); every other call reads.
WRITES = frozenset(
    {"update_workbench_event_result", "update_ideevent_result", "callback_extension"}
)


def _millis(seconds: float) -> int:
    return max(1, int(seconds * 1000))
