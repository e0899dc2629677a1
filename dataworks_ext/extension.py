"""The :class:`Extension`: one incoming message in, exactly one answer to DataWorks out.

Policies, each a keyword of :class:`Extension` with a safe default:

========================  =======  ==========================================================
situation                 default  what happens (and the outcome's disposition)
========================  =======  ==========================================================
unreadable message, id    FAIL     ``unreadable_result`` (ACK); without a readable id nobody
readable                           can be answered (REJECT)
a check raises            FAIL     ``error_result``; the tip names the check and error class,
                                   the traceback is logged (ACK)
checks run past the       FAIL     ``timeout_result`` after ``handler_timeout`` seconds (30);
deadline                           a late result is logged and discarded (ACK)
no check registered       OK       ``unhandled_result``, with a logged warning (ACK); an
                                   extension-point code the SDK does not know is answered
                                   the same way, through ``CallbackExtension``
regular event, or no      --       nothing to answer: ``verdict=None`` (ACK)
``extensionBizId``
already answered          --       not answered again: ``duplicate=True``, ``verdict`` the
                                   answer delivered before (ACK)
decided, not answered     --       the verdict decided before is delivered again; the checks
(its holder died or a              do not run again (ACK once delivered)
delivery failed)
being answered elsewhere  --       ``in_progress=True``, nothing done (RETRY)
claim lost before the     --       nothing delivered, ``in_progress=True`` (RETRY)
verdict was decided
answer store unreachable  --       nothing delivered, :class:`StoreError` (RETRY)
callback fails for good   --       the verdict stays decided, the lease ends at once, and
                                   :class:`CallbackError` (RETRY): the redelivery re-sends it
========================  =======  ==========================================================

Each answer goes through the API of the event's module (:attr:`EventKind.api
<dataworks_ext.events.EventKind.api>`, or the ``apis`` override): ``UpdateWorkbenchEventResult``,
``UpdateIDEEventResult`` or ``CallbackExtension``.  A WARN for an API that documents no WARN
(``UpdateWorkbenchEventResult``) is sent as OK with its tip, and a warning is logged.  The
policies above take OK, WARN or FAIL.

The work is split in rooms of one job each: the pipeline's steps (``_pipeline.py``), the
drivers that perform them blocking or with awaits (``_drivers.py``), the heartbeat that
keeps the leases of claims in flight (``_heartbeat.py``), and the answer stores
(``stores/``).  This module holds the options and the public entry points.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from types import EllipsisType
from typing import TYPE_CHECKING, Any, Literal

from ._audit import AuditRecord, MessageObserver, follow_calls
from ._drivers import AsyncDriver, SyncDriver
from ._options import (
    AutoTelemetry,
    apis_option,
    result_option,
    takes_api,
    telemetry_option,
)
from ._pipeline import Pipeline, Wiring, api_for
from .callback import Callback
from .errors import ConfigurationError, MessageError
from .events import CallbackApi, Event, EventKind
from .messages import (
    MAX_BATCH_MESSAGES,
    MAX_BODY_BYTES,
    EventMessage,
    RawMessage,
    decode_batch,
)
from .outcomes import Outcome
from .registry import Registry, default_registry
from .stores._base import AnswerStore, AsyncAnswerStore
from .stores._memory import MemoryAnswerStore
from .verdicts import CheckResult

if TYPE_CHECKING:
    from ._health import Health
    from .settings import SettingsCache
    from .telemetry import Telemetry

__all__ = ["DEFAULT_LEASE", "MIN_LEASE", "Extension", "Outcome"]

_TRUTHY = frozenset({"1", "true", "yes", "on"})

DEFAULT_LEASE = 10.0
"""Seconds a claim is held without renewal before another instance may take the message
over.  The holder renews it every third of that while it works, so a long check keeps its
claim; a dead holder's message is taken over this long after it died."""
MIN_LEASE = 1.0
"""The shortest lease accepted."""
_LEASE_PER_STORE_TIMEOUT = 2.0
"""A lease must be at least this many times the store's ``operation_timeout``, so that a
renewal sent a third into the lease has time to land."""
_NOT_YET = object()
"""No settings cache was looked for yet."""
DEFAULT_CHECK_THREADS = 32
"""Threads that run sync checks for ``handle_async``, per Extension."""


class Extension:
    """Joins your checks, your extension code and a callback into the thing that answers.

    Args:
        extension_code: The code DataWorks assigned when the extension was registered.
        callback: Where verdicts go, usually a :class:`CallbackClient`; ``None`` is a dry
            run: decide, deliver nothing.
        registry: The checks; :data:`default_registry` (what the module-level decorators
            fill) unless given.
        handler_timeout: Seconds the checks of one message may take together, or ``None``
            for no deadline.  At the deadline the ``timeout_result`` verdict is delivered.
        unreadable_result: The answer to a message whose id is readable but whose event is
            not.  FAIL (fail closed) by default.
        error_result: The answer when a check raises.  FAIL by default; OK fails open.
        timeout_result: The answer at the deadline.  FAIL by default.
        unhandled_result: The answer to an extension-point event no check is registered for.
            OK by default (the extension does not govern it), with a logged warning.
        store: Where messages are claimed and answers recorded: a
            :class:`MemoryAnswerStore` (this process only) unless given; with several
            instances, a shared one such as :class:`RedisAnswerStore`.
        lease: Seconds a claim is held before another instance may take the message over;
            by default ``handler_timeout`` plus the callback's delivery ``deadline`` plus 5
            (see :attr:`lease`).
        on_audit: Called with the :class:`AuditRecord` of every message handled (to ship
            it to a table, SLS, Kafka); a hook that raises is logged, the message is
            answered anyway.  Records also go to the ``dataworks_ext.audit`` logger at INFO.
        enforce: ``False`` puts every check in report mode: each runs, what it would have
            answered is recorded (audit record, metrics, log), and DataWorks is answered OK
            with no tip.  Checks registered with ``enforce=False`` are in report mode anyway.
        telemetry: OpenTelemetry traces and metrics: ``"auto"`` (on once the application
            has set an OpenTelemetry tracer or meter provider), ``True`` (on; needs
            ``opentelemetry-api``), ``False``, a
            :class:`~dataworks_ext.telemetry.Telemetry` with providers of its own, or any
            other :class:`~dataworks_ext.telemetry.MessageObserver` (handed each settled
            message's audit record and trail).
        apis: The API that answers an event, per event code (or
            :class:`~dataworks_ext.events.EventKind`), overriding the table's
            (:attr:`EventKind.api <dataworks_ext.events.EventKind.api>`), e.g.
            ``{"commit-file": CallbackApi.CALLBACK_EXTENSION}``.
        honour_parameters: With a :class:`CallbackClient` as the callback, a message that the
            extension's parameters switch off (``extension.project.disabled``,
            ``extension.project.{eventCode}.disabled``,
            ``extension.fileType.{fileType}.{eventCode}.enabled=false``; read with
            ``GetExtension`` and cached, see :class:`~dataworks_ext.ExtensionSettings`) is
            answered OK with a tip naming the parameter, without running the checks.
            ``False`` runs the checks anyway.
        check_threads: How many threads run sync checks for :meth:`handle_async` (a bounded
            pool, made on first use), so that they block neither the event loop nor each
            other.

    Example:
        >>> from dataworks_ext import Extension, FreezeNodeEvent, Registry, Verdict
        >>> from dataworks_ext.testing import RecordingCallback, freeze_event
        >>> reg = Registry()
        >>> @reg.on_freeze
        ... def protect(event: FreezeNodeEvent) -> Verdict:
        ...     return Verdict.fail("node 700005966962 is protected")
        >>> recorder = RecordingCallback()
        >>> ext = Extension("my-extension", callback=recorder, registry=reg)
        >>> outcome = ext.handle(freeze_event(message_id="m-1").to_json())
        >>> outcome.delivered, recorder.verdicts["m-1"].tip
        (True, 'node 700005966962 is protected')
        >>> again = ext.handle(freeze_event(message_id="m-1"))
        >>> again.duplicate, again.verdict.tip, again.disposition.name
        (True, 'node 700005966962 is protected', 'ACK')
    """

    def __init__(
        self,
        extension_code: str,
        callback: Callback | None = None,
        registry: Registry | None = None,
        *,
        handler_timeout: float | None = 30.0,
        unreadable_result: CheckResult | str = CheckResult.FAIL,
        error_result: CheckResult | str = CheckResult.FAIL,
        timeout_result: CheckResult | str = CheckResult.FAIL,
        unhandled_result: CheckResult | str = CheckResult.OK,
        store: AnswerStore | AsyncAnswerStore | None = None,
        lease: float | None = None,
        on_audit: Callable[[AuditRecord], Any] | None = None,
        enforce: bool = True,
        telemetry: bool | Literal["auto"] | Telemetry | MessageObserver = "auto",
        apis: Mapping[str | EventKind, CallbackApi | str] | None = None,
        check_threads: int = DEFAULT_CHECK_THREADS,
        honour_parameters: bool = True,
    ) -> None:
        if not isinstance(extension_code, str) or not extension_code.strip():
            raise ConfigurationError(
                "extension_code must be the non-empty code DataWorks assigned the extension"
            )
        if lease is not None and (
            isinstance(lease, bool) or not isinstance(lease, (int, float)) or not lease > 0
        ):
            raise ConfigurationError(f"lease must be a positive number of seconds, got {lease!r}")
        if type(check_threads) is not int or check_threads < 1:
            raise ConfigurationError(
                f"check_threads must be a positive whole number, got {check_threads!r}"
            )
        self.extension_code = extension_code.strip()
        self.registry = default_registry if registry is None else registry
        self.unreadable_result = result_option(unreadable_result, "unreadable_result")
        self.error_result = result_option(error_result, "error_result")
        self.timeout_result = result_option(timeout_result, "timeout_result")
        self.unhandled_result = result_option(unhandled_result, "unhandled_result")
        self.check_threads = check_threads
        self._given_lease = lease
        self._lease = DEFAULT_LEASE if lease is None else float(lease)
        self.apis = apis_option(apis)
        self._wiring = Wiring()
        self._handler_timeout: float | None = None
        self._pipeline = Pipeline(self, self._wiring)
        self.handler_timeout = handler_timeout
        self.callback = callback
        self.store = MemoryAnswerStore() if store is None else store
        if on_audit is not None and not callable(on_audit):
            raise ConfigurationError(
                f"on_audit must be a callable taking an AuditRecord, got {type(on_audit).__name__}"
            )
        self.on_audit = on_audit
        self.enforce = enforce
        if not isinstance(honour_parameters, bool):
            raise ConfigurationError(
                f"honour_parameters must be True or False, got {honour_parameters!r}"
            )
        self.honour_parameters = honour_parameters
        self._settings_cache: SettingsCache | None = None
        self._settings_for: Any = _NOT_YET
        self._given_telemetry = telemetry
        self._wiring.observer = telemetry_option(telemetry)
        self._sync = SyncDriver(self, self._pipeline)
        self._async = AsyncDriver(self, self._pipeline)

    def __repr__(self) -> str:
        mode = "dry run" if self.callback is None else type(self.callback).__name__
        return (
            f"Extension({self.extension_code!r}, {mode}, {self.registry!r}, "
            f"handler_timeout={self.handler_timeout})"
        )

    # ------------------------------------------------------------------ settings

    @property
    def callback(self) -> Callback | None:
        """Where verdicts go (``None``: a dry run); may be replaced, e.g. on new credentials."""
        return self._wiring.callback

    @callback.setter
    def callback(self, callback: Callback | None) -> None:
        if callback is not None and not isinstance(callback, Callback):
            raise ConfigurationError(
                f"callback must have deliver() and deliver_async(); got {type(callback).__name__}"
            )
        self._wiring.callback = callback
        self._wiring.takes_api = callback is None or takes_api(callback)
        follow_calls(callback)  # its calls go to the audit trail of the message they serve

    @property
    def handler_timeout(self) -> float | None:
        """Seconds the checks of one message may take together (``None``: no deadline)."""
        return self._handler_timeout

    @handler_timeout.setter
    def handler_timeout(self, timeout: float | None) -> None:
        if timeout is not None and (
            isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not timeout > 0
        ):
            raise ConfigurationError(
                f"handler_timeout must be a positive number of seconds or None, got {timeout!r}"
            )
        self._handler_timeout = None if timeout is None else float(timeout)

    @property
    def store(self) -> AnswerStore | AsyncAnswerStore:
        """The answer store (see :class:`AnswerStore`)."""
        store: AnswerStore | AsyncAnswerStore = self._wiring.store
        return store

    @store.setter
    def store(self, store: AnswerStore | AsyncAnswerStore) -> None:
        is_sync = isinstance(store, AnswerStore)
        is_async = isinstance(store, AsyncAnswerStore)
        if not (is_sync or is_async):
            raise ConfigurationError(
                "store must have claim(), renew(), decide(), complete() and release() (or their "
                "*_async forms, see AnswerStore); "
                f"got {type(store).__name__}"
            )
        _check_lease(self._lease, store)
        self._wiring.store = store
        self._wiring.async_store = store if is_async else None

    @property
    def telemetry(self) -> Telemetry | MessageObserver | None:
        """The :class:`~dataworks_ext.telemetry.Telemetry` in use (or the
        :class:`~dataworks_ext.telemetry.MessageObserver` given), or ``None`` (off, or for
        ``telemetry="auto"``, no OpenTelemetry provider set yet).

        Example:
            >>> from dataworks_ext import Extension
            >>> Extension("ext", telemetry=False).telemetry is None
            True
        """
        telemetry = self._wiring.observer
        if isinstance(telemetry, AutoTelemetry):
            return telemetry.found if telemetry.active else None
        return telemetry

    @property
    def enforce(self) -> bool:
        """Whether checks' answers count (``False``: every check only reports; answer OK).

        Example:
            >>> from dataworks_ext import Extension, FreezeNodeEvent, Registry, Verdict
            >>> from dataworks_ext.testing import freeze_event
            >>> reg = Registry()
            >>> _ = reg.add(FreezeNodeEvent, lambda event: Verdict.fail("no"), name="new-rule")
            >>> records = []
            >>> ext = Extension("ext", registry=reg, enforce=False, on_audit=records.append)
            >>> ext.handle(freeze_event()).verdict.passed, records[0].would_have
            (True, 'FAIL')
        """
        return self._enforce

    @enforce.setter
    def enforce(self, enforce: bool) -> None:
        if not isinstance(enforce, bool):
            raise ConfigurationError(f"enforce must be True or False, got {enforce!r}")
        self._enforce = enforce
        self._pipeline.forget_plans()

    @property
    def lease(self) -> float:
        """Seconds a claim is held without renewal before another instance may take it over.

        :data:`DEFAULT_LEASE` (10 s) unless given.  While this instance works on a message
        (its checks, its delivery), a heartbeat renews the claim every third of the lease,
        so the lease bounds how soon a *dead* holder's message is answered by another
        instance, not how long a check may take.  It must be at least :data:`MIN_LEASE`
        and twice the store's ``operation_timeout`` (a :class:`ConfigurationError` says so).

        Example:
            >>> from dataworks_ext import Extension
            >>> Extension("ext").lease, Extension("ext", lease=30).lease
            (10.0, 30.0)
        """
        return self._lease

    def replace(self, **changes: Any) -> Extension:
        """A new Extension with this one's options, as they were given, but for ``changes``.

        Like ``attrs.evolve``: ``lease`` and ``telemetry`` are passed on as they were given
        (a lease left to its default stays the default; ``"auto"`` stays ``"auto"``), every
        other option as it is now (a callback set later included).  This Extension is left
        as it is; the new one shares its registry, store and callback unless ``changes``
        replace them.  A subclass whose constructor takes other arguments overrides it.

        Raises:
            ConfigurationError: ``changes`` names something that is not an option of
                :class:`Extension` (or has a bad value).

        Example:
            >>> from dataworks_ext import Extension
            >>> from dataworks_ext.testing import RecordingCallback
            >>> ext = Extension("ext", handler_timeout=5)
            >>> replay = ext.replace(callback=RecordingCallback(), extension_code="other")
            >>> replay.extension_code, replay.handler_timeout, ext.callback is None
            ('other', 5.0, True)
        """
        options: dict[str, Any] = {
            "extension_code": self.extension_code,
            "callback": self.callback,
            "registry": self.registry,
            "handler_timeout": self._handler_timeout,
            "unreadable_result": self.unreadable_result,
            "error_result": self.error_result,
            "timeout_result": self.timeout_result,
            "unhandled_result": self.unhandled_result,
            "store": self._wiring.store,
            "lease": self._given_lease,
            "on_audit": self.on_audit,
            "enforce": self._enforce,
            "telemetry": self._given_telemetry,
            "apis": dict(self.apis),
            "check_threads": self.check_threads,
            "honour_parameters": self.honour_parameters,
        }
        unknown = sorted(set(changes) - set(options))
        if unknown:
            raise ConfigurationError(
                f"replace() takes the options of Extension; not {', '.join(unknown)}"
            )
        options.update(changes)
        return type(self)(**options)

    @classmethod
    def from_env(
        cls,
        registry: Registry | None = None,
        *,
        environ: Mapping[str, str] | None = None,
        callback: Callback | EllipsisType | None = ...,
        **options: Any,
    ) -> Extension:
        """Build an Extension from environment variables.

        ``DATAWORKS_EXTENSION_CODE`` (required) is the extension code.  The callback is
        :meth:`CallbackClient.from_env` (``DATAWORKS_REGION_ID``, ``DATAWORKS_ENDPOINT``,
        ``ALIBABA_CLOUD_ACCESS_KEY_ID`` ...), or none at all when ``DATAWORKS_DRY_RUN`` is
        ``1``/``true``.  Pass ``callback=`` to choose it yourself (for example a
        :meth:`CallbackClient.from_fc_context` client in Function Compute, or ``None`` for a
        dry run); the default ``...`` reads it from the environment.  With
        ``DATAWORKS_REDIS_URL`` (``redis://[:password@]host:port/db``) set, the answer store
        is a :class:`RedisAnswerStore` on that server, shared by every instance.  Other
        keywords go to the constructor.

        Example:
            >>> from dataworks_ext import Extension
            >>> ext = Extension.from_env(environ={"DATAWORKS_EXTENSION_CODE": "ext-1",
            ...                                   "DATAWORKS_DRY_RUN": "1"})
            >>> ext.extension_code, ext.callback
            ('ext-1', None)
        """
        env = os.environ if environ is None else environ
        code = env.get("DATAWORKS_EXTENSION_CODE", "").strip()
        if not code:
            raise ConfigurationError(
                "DATAWORKS_EXTENSION_CODE is not set: give the extension code DataWorks assigned"
            )
        redis_url = env.get("DATAWORKS_REDIS_URL", "").strip()
        if redis_url and "store" not in options:
            from .stores._redis import RedisAnswerStore

            options["store"] = RedisAnswerStore.from_url(redis_url)
        if callback is ...:
            callback = None
            if env.get("DATAWORKS_DRY_RUN", "").strip().lower() not in _TRUTHY:
                from .callback import CallbackClient

                callback = CallbackClient.from_env(environ=env)
        return cls(code, callback, registry, **options)

    # ------------------------------------------------------------------ public entry points

    def handle(self, raw: RawMessage | EventMessage) -> Outcome:
        """Handle one message: parse, claim, decide, deliver, and report what happened.

        Never raises for a message: an unreadable one without a readable id gives an outcome
        with ``message_id=None`` (REJECT), a verdict that could not be delivered one with the
        :class:`CallbackError` (RETRY).  The host replies :attr:`Outcome.disposition`.

        Example:
            >>> from dataworks_ext import Extension, Registry
            >>> from dataworks_ext.testing import backfill_event
            >>> Extension("ext", registry=Registry()).handle(backfill_event()).verdict.passed
            True
        """
        return self._sync.run(raw)

    def handle_batch(
        self,
        raw: RawMessage | list[Any],
        *,
        max_bytes: int = MAX_BODY_BYTES,
        max_messages: int = MAX_BATCH_MESSAGES,
    ) -> list[Outcome]:
        """Handle a single message or an EventBridge batch, each message on its own.

        Never raises: a body that is not JSON at all gives one outcome with
        ``message_id=None`` and the :class:`MessageDecodeError`; a body over ``max_bytes``
        or a batch of more than ``max_messages`` messages is refused whole, before any
        message is handled, with one such outcome holding a :class:`RequestTooLargeError`
        (:func:`http_reply` answers it 413).  Reply :meth:`Disposition.of` of the outcomes.

        Example:
            >>> from dataworks_ext import Disposition, Extension, Registry
            >>> from dataworks_ext.testing import freeze_event, restore_event, batch
            >>> outcomes = Extension("ext", registry=Registry()).handle_batch(
            ...     batch(freeze_event(), restore_event()))
            >>> [o.verdict.result.value for o in outcomes], Disposition.of(outcomes).name
            (['OK', 'OK'], 'ACK')
        """
        try:
            items = _items(raw, max_bytes, max_messages)
        except MessageError as exc:
            return [self._pipeline.rejected(exc)]
        run = self._sync.run
        return [run(item) for item in items]

    async def handle_async(self, raw: RawMessage | EventMessage) -> Outcome:
        """The same as :meth:`handle`, for asyncio hosts.

        Async checks run on the loop, sync checks in a bounded thread pool
        (``check_threads``), both cut at the deadline by asyncio, so a slow sync check
        blocks neither the loop nor other messages.  A store without an async form runs in a
        worker thread.  Once the verdict is decided, deciding, delivering and recording it
        run in a task shielded from cancellation: cancelling ``handle_async`` (a client that
        went away) then raises ``CancelledError`` here while the answer is still given.

        Example:
            >>> import asyncio
            >>> from dataworks_ext import Extension, Registry
            >>> from dataworks_ext.testing import unpublish_event
            >>> ext = Extension("ext", registry=Registry())
            >>> asyncio.run(ext.handle_async(unpublish_event())).verdict.passed
            True
        """
        return await self._async.run(raw)

    async def handle_batch_async(
        self,
        raw: RawMessage | list[Any],
        *,
        max_bytes: int = MAX_BODY_BYTES,
        max_messages: int = MAX_BATCH_MESSAGES,
    ) -> list[Outcome]:
        """The same as :meth:`handle_batch`, handling the batch's messages concurrently.

        Example:
            >>> import asyncio
            >>> from dataworks_ext import Extension, Registry
            >>> from dataworks_ext.testing import freeze_event, batch
            >>> ext = Extension("ext", registry=Registry())
            >>> len(asyncio.run(ext.handle_batch_async(batch(freeze_event(), freeze_event()))))
            2
        """
        import asyncio

        try:
            items = _items(raw, max_bytes, max_messages)
        except MessageError as exc:
            return [self._pipeline.rejected(exc)]
        run = self._async.run
        return list(await asyncio.gather(*(run(item) for item in items)))

    # ------------------------------------------------------------------ health

    def health(self) -> Health:
        """Whether this extension can answer: the store pings, credentials, checks registered.

        Cheap enough for a health endpoint: one store ping (a ``PING`` for Redis, and a
        look at its persistence and eviction settings where the server allows ``CONFIG
        GET``), no call to DataWorks.  Serve ``extension.health().http_reply()`` (200 when
        ok, 503 otherwise).

        Example:
            >>> from dataworks_ext import Extension, Registry
            >>> health = Extension("ext", registry=Registry()).health()
            >>> health.ok, health.problems, health.store_kind
            (False, ('no check is registered',), 'memory')
        """
        from ._health import assess, store_down

        store = self._wiring.store
        kind = _kind(store)
        warnings: tuple[str, ...] = ()
        ping = getattr(store, "ping", None)
        state = "not checked"
        if ping is not None:
            try:
                state = "ok" if ping() else "down: ping answered false"
            except Exception as exc:
                state = store_down(exc)
        describe = getattr(store, "describe", None)
        if describe is not None and state == "ok":
            try:
                kind, warnings = describe()
            except Exception as exc:
                warnings = (f"could not describe the store ({type(exc).__name__})",)
        return assess(state, self.callback, self.registry.counts(), kind, tuple(warnings))

    async def health_async(self) -> Health:
        """The same as :meth:`health`, without blocking the loop.

        Example:
            >>> import asyncio
            >>> from dataworks_ext import Extension, Registry
            >>> asyncio.run(Extension("ext", registry=Registry()).health_async()).store
            'ok'
        """
        import asyncio

        from ._health import assess, store_down

        store = self._wiring.store
        kind = _kind(store)
        warnings: tuple[str, ...] = ()
        state = "not checked"
        try:
            ping = getattr(store, "ping_async", None)
            if ping is not None:
                state = "ok" if await ping() else "down: ping answered false"
            elif getattr(store, "ping", None) is not None:
                up = await asyncio.to_thread(store.ping)
                state = "ok" if up else "down: ping answered false"
        except Exception as exc:
            state = store_down(exc)
        describe = getattr(store, "describe_async", None)
        if describe is None and getattr(store, "describe", None) is not None:
            describe = lambda: asyncio.to_thread(store.describe)  # noqa: E731
        if describe is not None and state == "ok":
            try:
                kind, warnings = await describe()
            except Exception as exc:
                warnings = (f"could not describe the store ({type(exc).__name__})",)
        return assess(state, self.callback, self.registry.counts(), kind, tuple(warnings))

    @property
    def settings_cache(self) -> SettingsCache | None:
        """The cache of the extension's settings (``GetExtension``), made on first need for a
        :class:`CallbackClient` callback; ``None`` for other callbacks and in a dry run.

        Example:
            >>> from dataworks_ext import CallbackClient, Extension
            >>> ext = Extension("ext", CallbackClient(region_id="cn-shanghai"))
            >>> ext.settings_cache
            SettingsCache('ext', ttl=60)
            >>> Extension("ext").settings_cache is None
            True
        """
        callback = self.callback
        if self._settings_for is callback:  # made (or found needless) for this callback
            return self._settings_cache
        from .callback import CallbackClient

        cache = None
        if isinstance(callback, CallbackClient):
            from .settings import SettingsCache  # on first need: not to answer a message

            cache = SettingsCache(callback, self.extension_code)
        self._settings_cache, self._settings_for = cache, callback
        return cache

    def api_for(self, message: EventMessage | Event) -> CallbackApi:
        """The API that answers ``message`` (or its event): the ``apis`` override of its event
        code, else its
        row of :data:`~dataworks_ext.EVENT_KINDS`, else (an extension-point code the SDK does
        not know) ``CallbackExtension``.

        Example:
            >>> from dataworks_ext import CallbackApi, Extension
            >>> from dataworks_ext.testing import commit_file_event, extension_point_event
            >>> ext = Extension("ext", apis={"deploy-file": CallbackApi.CALLBACK_EXTENSION})
            >>> ext.api_for(commit_file_event()).value
            'UpdateIDEEventResult'
            >>> ext.api_for(extension_point_event("approve-everything")).value
            'CallbackExtension'
        """
        return api_for(self.apis, message.event_code)


def _kind(store: Any) -> str:
    """A store's kind for health, before (or without) its own ``describe``."""
    return type(store).__name__


def _check_lease(lease: float, store: Any) -> None:
    """Refuse a lease the heartbeat cannot keep, or that outlives the store's answers."""
    if lease < MIN_LEASE:
        raise ConfigurationError(
            f"lease={lease:g}s is shorter than the minimum of {MIN_LEASE:g}s; the heartbeat "
            "renews a claim every third of its lease"
        )
    timeout: Any = getattr(store, "operation_timeout", 0.0)
    if isinstance(timeout, (int, float)) and lease < _LEASE_PER_STORE_TIMEOUT * timeout:
        raise ConfigurationError(
            f"lease={lease:g}s is too short for a store whose calls may take "
            f"{timeout:g}s: a renewal sent a third into the lease could land after it ended; "
            f"give a lease of at least {_LEASE_PER_STORE_TIMEOUT * timeout:g}s (or a shorter "
            "socket timeout)"
        )
    ttl: Any = getattr(store, "ttl", None)
    if isinstance(ttl, (int, float)) and lease >= ttl:
        raise ConfigurationError(
            f"lease={lease:g}s must be shorter than the store's ttl={ttl:g}s (how long an "
            "answer is kept)"
        )


def _items(raw: RawMessage | list[Any], max_bytes: int, max_messages: int) -> list[Any]:
    return decode_batch(raw, max_bytes=max_bytes, max_messages=max_messages)
