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
being answered elsewhere  --       ``in_progress=True``, nothing done (RETRY)
answer store unreachable  --       nothing delivered, :class:`StoreError` (RETRY)
callback fails for good   --       the claim is released, :class:`CallbackError` (RETRY)
========================  =======  ==========================================================

Each answer goes through the API of the event's module (:attr:`EventKind.api
<dataworks_ext.events.EventKind.api>`, or the ``apis`` override): ``UpdateWorkbenchEventResult``,
``UpdateIDEEventResult`` or ``CallbackExtension``.  A WARN for an API that documents no WARN
(``UpdateWorkbenchEventResult``) is sent as OK with its tip, and a warning is logged.  The
policies above take OK, WARN or FAIL.

The pipeline (parse, claim, decide, deliver, complete) is written once, as a generator that
yields the effects it needs (claim, run the checks, deliver, complete, release) and receives
their results.  :meth:`Extension.handle` performs them with blocking calls,
:meth:`Extension.handle_async` with awaits; nothing else differs.  When a deadline fires
while a sync check is stuck, the pipeline is resumed with the timeout on a thread of its own,
which delivers the timeout verdict; the watchdog thread itself never does any I/O.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
from collections.abc import Awaitable, Callable, Generator, Mapping
from types import EllipsisType
from typing import TYPE_CHECKING, Any, Literal

from ._audit import CALLS, AuditRecord, _Trail, audit_logger, emit
from ._watchdog import WATCHDOG, Watch
from .callback import Callback, sendable
from .errors import (
    CallbackError,
    ConfigurationError,
    HandlerTimeoutError,
    MessageError,
    StoreError,
)
from .events import (
    CallbackApi,
    Event,
    EventKind,
    ExtensionPointEvent,
    UnknownEvent,
    api_for_code,
    kind_for_code,
)
from .messages import EventMessage, RawMessage, _named_code, decode, parse_message
from .outcomes import Outcome
from .registry import Check, Registry, default_registry
from .stores._base import AnswerStore, AsyncAnswerStore, Claim, ClaimState
from .stores._memory import MemoryAnswerStore
from .verdicts import CheckResult, Verdict, combine

if TYPE_CHECKING:
    from ._health import Health
    from .settings import ExtensionSettings, SettingsCache
    from .telemetry import Telemetry

__all__ = ["Extension", "Outcome"]

logger = logging.getLogger("dataworks_ext")

_watch = WATCHDOG.watch
_cancel = WATCHDOG.cancel
_INFO = logging.INFO
_PASS = Verdict.ok()
_PASSED: tuple[Verdict, None] = (_PASS, None)
_TRUTHY = frozenset({"1", "true", "yes", "on"})
_ACQUIRED = ClaimState.ACQUIRED
_ANSWERED = ClaimState.ANSWERED

_NO_DEADLINE_LEASE = 15 * 60.0
"""Lease seconds for the checks when ``handler_timeout`` is ``None``."""
_DEFAULT_DELIVERY_SECONDS = 30.0
"""Lease seconds for a delivery when the callback has no ``deadline`` attribute."""
_LEASE_MARGIN = 5.0

# The effects the pipeline yields: (kind, *arguments).
_CLAIM, _CHECK, _DELIVER, _COMPLETE, _RELEASE, _SETTINGS = range(6)


class _TimedOut:
    """Sent into the pipeline instead of (verdict, error) when the deadline passed."""

    __slots__ = ()


_TIMED_OUT = _TimedOut()

Decided = tuple[Verdict, BaseException | None] | _TimedOut
Steps = Generator[tuple[Any, ...], Any, Outcome]


class _HandedOver(Exception):
    """The deadline fired: the pipeline finished on the deadline's thread, with this outcome."""

    def __init__(self, outcome: Outcome) -> None:
        self.outcome = outcome


class _Late:
    """The deadline's thread reports the outcome of the pipeline it finished here."""

    __slots__ = ("done", "outcome")

    def __init__(self) -> None:
        self.done = threading.Event()
        self.outcome: Outcome | None = None


class _Plan:
    """What one event type needs, worked out once: its checks, whether any is async, and
    which of them are enforced (the others only report what they would have answered)."""

    __slots__ = (
        "any_async",
        "checks",
        "enforced",
        "registry",
        "single",
        "version",
        "wants_settings",
    )

    def __init__(
        self, checks: tuple[Check, ...], enforce: bool, registry: Registry, version: int
    ) -> None:
        self.registry = registry
        self.version = version  # the registry's version it was made from
        self.checks = checks
        self.any_async = any(check.is_async for check in checks)
        self.wants_settings = any(check.wants_settings for check in checks)
        self.enforced = tuple(enforce and check.enforce for check in checks)
        everything = all(self.enforced)
        self.single = checks[0] if len(checks) == 1 and everything else None


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
            ``opentelemetry-api``), ``False``, or a
            :class:`~dataworks_ext.telemetry.Telemetry` with providers of its own.
        apis: The API that answers an event, per event code (or
            :class:`~dataworks_ext.events.EventKind`), overriding the table's
            (:attr:`EventKind.api <dataworks_ext.events.EventKind.api>`), e.g.
            ``{"commit-file": CallbackApi.CALLBACK_EXTENSION}``.
        honour_parameters: With a :class:`CallbackClient` as the callback, a message that the
            extension's parameters switch off (``extension.project.disabled``,
            ``extension.project.{eventCode}.disabled``,
            ``extension.fileType.{fileType}.{eventCode}.enabled=false``; read with
            ``GetExtension`` and cached, see :mod:`dataworks_ext.settings`) is answered OK
            with a tip naming the parameter, without running the checks.  ``False`` runs the
            checks anyway.

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
        telemetry: bool | Literal["auto"] | Telemetry = "auto",
        apis: Mapping[str | EventKind, CallbackApi | str] | None = None,
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
        self.extension_code = extension_code.strip()
        self.registry = default_registry if registry is None else registry
        self.unreadable_result = _result(unreadable_result, "unreadable_result")
        self.error_result = _result(error_result, "error_result")
        self.timeout_result = _result(timeout_result, "timeout_result")
        self.unhandled_result = _result(unhandled_result, "unhandled_result")
        self._given_lease = None if lease is None else float(lease)
        self.apis = _apis(apis)
        self._takes_api = True
        self._callback: Callback | None = None
        self._handler_timeout: float | None = None
        self.handler_timeout = handler_timeout
        self.callback = callback
        self.store = MemoryAnswerStore() if store is None else store
        self._plans: dict[Any, _Plan] = {}
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
        self._settings_for: Any = None
        self._telemetry = _telemetry(telemetry)
        self._fire = self._on_deadline  # one bound method, made once
        self._sync_effects = (
            self._claim,
            self._check,
            self._deliver,
            self._complete,
            self._release,
            self._settings,
        )
        self._async_effects = (
            self._claim_async,
            self._check_async,
            self._deliver_async,
            self._complete_async,
            self._release_async,
            self._settings_async,
        )

    def __repr__(self) -> str:
        mode = "dry run" if self._callback is None else type(self._callback).__name__
        return (
            f"Extension({self.extension_code!r}, {mode}, {self.registry!r}, "
            f"handler_timeout={self.handler_timeout})"
        )

    # ------------------------------------------------------------------ settings

    @property
    def callback(self) -> Callback | None:
        """Where verdicts go (``None``: a dry run); may be replaced, e.g. on new credentials."""
        return self._callback

    @callback.setter
    def callback(self, callback: Callback | None) -> None:
        if callback is not None and not isinstance(callback, Callback):
            raise ConfigurationError(
                f"callback must have deliver() and deliver_async(); got {type(callback).__name__}"
            )
        self._callback = callback
        self._takes_api = callback is None or _takes_api(callback)
        self._update_lease()

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
        self._update_lease()

    @property
    def store(self) -> AnswerStore | AsyncAnswerStore:
        """The answer store (see :class:`AnswerStore`)."""
        store: AnswerStore | AsyncAnswerStore = self._store
        return store

    @store.setter
    def store(self, store: AnswerStore | AsyncAnswerStore) -> None:
        is_sync = isinstance(store, AnswerStore)
        is_async = isinstance(store, AsyncAnswerStore)
        if not (is_sync or is_async):
            raise ConfigurationError(
                "store must have claim(), complete() and release() (or their *_async forms); "
                f"got {type(store).__name__}"
            )
        self._store: Any = store
        self._async_store: Any = store if is_async else None

    @property
    def telemetry(self) -> Telemetry | None:
        """The :class:`~dataworks_ext.telemetry.Telemetry` in use, or ``None`` (off, or for
        ``telemetry="auto"``, no OpenTelemetry provider set yet).

        Example:
            >>> from dataworks_ext import Extension
            >>> Extension("ext", telemetry=False).telemetry is None
            True
        """
        telemetry = self._telemetry
        if isinstance(telemetry, _AutoTelemetry):
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
        self._plans = {}

    @property
    def lease(self) -> float:
        """Seconds a claim is held before another instance may take the message over.

        Unless given, ``handler_timeout`` (15 minutes without one) plus the callback's
        ``deadline`` (30 s for a callback without one, 0 in a dry run) plus 5 seconds: a
        holder that is still alive has answered by then.

        Example:
            >>> from dataworks_ext import CallbackClient, Extension
            >>> Extension("ext", CallbackClient(region_id="cn-shanghai", deadline=20),
            ...           handler_timeout=30).lease
            55.0
        """
        return self._lease

    def _update_lease(self) -> None:
        if self._given_lease is not None:
            self._lease = self._given_lease
            return
        checks = _NO_DEADLINE_LEASE if self._handler_timeout is None else self._handler_timeout
        delivery = 0.0
        if self._callback is not None:
            deadline: Any = getattr(self._callback, "deadline", None)
            ok = isinstance(deadline, (int, float)) and not isinstance(deadline, bool)
            delivery = float(deadline) if ok and deadline > 0 else _DEFAULT_DELIVERY_SECONDS
        self._lease = checks + delivery + _LEASE_MARGIN

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
        return self._drive(self._start(raw), None)

    def handle_batch(self, raw: RawMessage | list[Any]) -> list[Outcome]:
        """Handle a single message or an EventBridge batch, each message on its own.

        Never raises: a body that is not JSON at all gives one outcome with
        ``message_id=None`` and the :class:`MessageDecodeError`.  Reply
        :meth:`Disposition.of` of the outcomes.

        Example:
            >>> from dataworks_ext import Disposition, Extension, Registry
            >>> from dataworks_ext.testing import freeze_event, restore_event, batch
            >>> outcomes = Extension("ext", registry=Registry()).handle_batch(
            ...     batch(freeze_event(), restore_event()))
            >>> [o.verdict.result.value for o in outcomes], Disposition.of(outcomes).name
            (['OK', 'OK'], 'ACK')
        """
        try:
            items = _items(raw)
        except MessageError as exc:
            return [self._rejected(exc)]
        return [self._drive(self._start(item), None) for item in items]

    async def handle_async(self, raw: RawMessage | EventMessage) -> Outcome:
        """The same as :meth:`handle`, for asyncio hosts.

        Async checks run on the loop, cut at the deadline by asyncio; sync checks run on the
        loop too (keep them quick: a sync check past the deadline is answered with the
        timeout verdict when it returns).  A store without an async form runs in a worker
        thread, so it never blocks the loop.

        Example:
            >>> import asyncio
            >>> from dataworks_ext import Extension, Registry
            >>> from dataworks_ext.testing import unpublish_event
            >>> ext = Extension("ext", registry=Registry())
            >>> asyncio.run(ext.handle_async(unpublish_event())).verdict.passed
            True
        """
        return await self._drive_async(self._start(raw))

    async def handle_batch_async(self, raw: RawMessage | list[Any]) -> list[Outcome]:
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
            items = _items(raw)
        except MessageError as exc:
            return [self._rejected(exc)]
        return list(await asyncio.gather(*(self._drive_async(self._start(i)) for i in items)))

    # ------------------------------------------------------------------ health

    def health(self) -> Health:
        """Whether this extension can answer: the store pings, credentials, checks registered.

        Cheap enough for a health endpoint: one store ping (a ``PING`` for Redis), no call to
        DataWorks.  Serve ``extension.health().http_reply()`` (200 when ok, 503 otherwise).

        Example:
            >>> from dataworks_ext import Extension, Registry
            >>> health = Extension("ext", registry=Registry()).health()
            >>> health.ok, health.problems
            (False, ('no check is registered',))
        """
        from ._health import assess, store_down

        ping = getattr(self._store, "ping", None)
        store = "not checked"
        if ping is not None:
            try:
                store = "ok" if ping() else "down: ping answered false"
            except Exception as exc:
                store = store_down(exc)
        return assess(store, self._callback, self.registry.counts())

    async def health_async(self) -> Health:
        """The same as :meth:`health`, pinging the store without blocking the loop.

        Example:
            >>> import asyncio
            >>> from dataworks_ext import Extension, Registry
            >>> asyncio.run(Extension("ext", registry=Registry()).health_async()).store
            'ok'
        """
        from ._health import assess, store_down

        store = "not checked"
        try:
            ping = getattr(self._store, "ping_async", None)
            if ping is not None:
                store = "ok" if await ping() else "down: ping answered false"
            elif getattr(self._store, "ping", None) is not None:
                store = "ok" if await _in_thread(self._store.ping) else "down: ping answered false"
        except Exception as exc:
            store = store_down(exc)
        return assess(store, self._callback, self.registry.counts())

    # ------------------------------------------------------------------ the pipeline, once

    def _steps(self, raw: Any) -> Steps:
        """Parse, claim, decide, deliver, complete: yields each effect, gets its result."""
        failure: MessageError | None = None
        if isinstance(raw, EventMessage):
            message: Any = raw
        else:
            try:
                message = parse_message(raw)
            except MessageError as exc:
                if exc.message_id is None:
                    return self._rejected(exc)
                message, failure = _Unreadable(exc.message_id, _named_code(raw)), exc
        if failure is None and (
            message.extension_biz_id is None or isinstance(message.event, UnknownEvent)
        ):
            return self._nothing_to_answer(message)  # not message.needs_answer
        message_id = message.message_id
        claim = yield (_CLAIM, message_id)
        if type(claim) is not Claim:
            return self._store_down(message, _unclaimed(claim, message_id))
        if claim[2] is not _ACQUIRED:  # claim.state
            return self._not_ours(message, claim)
        try:
            error: BaseException | None
            if failure is not None:
                verdict, error = self._unreadable_verdict(failure), failure
            else:
                plan = self._plan(message)
                off: str | None = None
                if self._callback is not None and (self.honour_parameters or plan.wants_settings):
                    off = yield (_SETTINGS, message)
                if off is not None:
                    verdict, error = self._switched_off_verdict(off, message), None
                elif not plan.checks:
                    verdict, error = self._unhandled(message), None
                else:
                    decided: Decided = yield (_CHECK, message, plan)
                    if type(decided) is _TimedOut:
                        assert self._handler_timeout is not None
                        error = HandlerTimeoutError(message_id, self._handler_timeout)
                        verdict = self._timeout_verdict(message, error)
                    else:
                        verdict, error = decided  # type: ignore[misc]
            callback = self._callback
            if callback is not None:
                api = self.api_for(message)
                verdict = self._sendable(message, verdict, api)
                refused = yield (_DELIVER, callback, message_id, verdict, api)
                if refused is not None:
                    failed = self._delivery_failed(message, verdict, refused)
                    released = yield (_RELEASE, claim)
                    if type(released) is StoreError:
                        logger.error("%s; it is freed when its lease ends", released)
                    return Outcome(message_id, message.event, verdict, False, False, failed)
        except GeneratorExit:
            raise
        except BaseException:  # KeyboardInterrupt, a cancelled task, a refusal: let it go
            yield (_RELEASE, claim)
            raise
        stored = yield (_COMPLETE, claim, verdict)
        if type(stored) is StoreError or not stored:
            self._not_recorded(message, stored)
        if logger.isEnabledFor(_INFO):
            self._log_delivered(message, verdict)
        return Outcome(message_id, message.event, verdict, callback is not None, False, error)

    def _start(self, raw: Any) -> Steps:
        """The pipeline for ``raw``: observed (audit, telemetry) only when someone listens."""
        telemetry = self._telemetry
        if (
            self.on_audit is None
            and (telemetry is None or not telemetry.active)
            and not audit_logger.isEnabledFor(_INFO)
        ):
            return self._steps(raw)
        return self._observed(raw)

    def _observed(self, raw: Any) -> Steps:
        """The pipeline, with a trail of what it did; the trail is emitted when it ends.

        Passes every effect through, adding the trail to the check effect (for each check's
        answer and time) and timing deliveries; the SDK calls made meanwhile are noted in
        the trail through a context variable.
        """
        message: Any = raw
        if not isinstance(raw, EventMessage):
            try:
                message = raw = parse_message(raw)
            except MessageError:
                message = None  # the pipeline reads it again and reports it
        trail = _Trail(message)
        telemetry = self._telemetry
        steps = self._steps(raw)
        value: Any = None
        try:
            effect = steps.send(None)
            while True:
                kind = effect[0]
                if kind == _CHECK:
                    effect = (*effect, trail)
                CALLS.set(trail)
                started = time.perf_counter()
                try:
                    value = yield effect
                except BaseException as exc:
                    effect = steps.throw(exc)
                    continue
                finally:
                    CALLS.set(None)
                if kind == _DELIVER:
                    trail.delivery = (started, time.perf_counter())
                    attempts = getattr(value, "attempts", None)  # a CallbackError's
                    if type(attempts) is not int:  # delivered: the SDK calls noted, if any
                        attempts = sum(1 for call in trail.calls if call[1] >= started) or 1
                    trail.attempts = attempts
                elif kind == _CLAIM:
                    trail.claim = value
                elif kind == _SETTINGS:
                    trail.switched_off = value
                if type(value) is StoreError:
                    trail.store_errors += 1
                effect = steps.send(value)
        except StopIteration as stop:
            outcome: Outcome = stop.value
        trail.closed = True
        try:
            record = trail.record(self.extension_code, outcome)
            emit(record, self.on_audit)
            if telemetry is not None and telemetry.active:
                telemetry._emit(trail, record)
        except Exception:  # observing never changes the answer
            logger.exception("could not emit the audit record of message %s", outcome.message_id)
        return outcome

    def _plan(self, message: EventMessage) -> _Plan:
        """The plan of the message's event type (or, for the generic event, its code), made
        again only when its registered checks changed."""
        event = message.event
        key: Any = type(event)
        if key is ExtensionPointEvent:
            key = event.event_code
        plan = self._plans.get(key)
        registry = self.registry
        if plan is None or plan.version != registry.version or plan.registry is not registry:
            version = registry.version
            by_code = type(key) is str
            checks = registry.checks_for_code(key) if by_code else registry.checks_for(key)
            plan = self._plans[key] = _Plan(checks, self.enforce, registry, version)
        return plan

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
        code = message.event_code
        return self.apis.get(code) or api_for_code(code) or CallbackApi.CALLBACK_EXTENSION

    def _sendable(self, message: EventMessage, verdict: Verdict, api: CallbackApi) -> Verdict:
        sent = sendable(verdict, api)
        if sent is not verdict:
            logger.warning(
                "%s takes no WARN: answering OK with the warning's tip for %s (message %s)",
                api.value,
                message.event_code,
                message.message_id,
                extra=_log(message, verdict),
            )
        return sent

    # ------------------------------------------------------------------ extension parameters

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
        callback = self._callback
        cache = self._settings_cache
        if cache is not None and self._settings_for is callback:
            return cache
        from .callback import CallbackClient
        from .settings import SettingsCache  # imported on first need: not to answer a message

        if not isinstance(callback, CallbackClient):
            return None
        cache = self._settings_cache = SettingsCache(callback, self.extension_code)
        self._settings_for = callback
        return cache

    def _settings(self, effect: tuple[Any, ...], steps: Steps) -> str | None:
        """The parameter that switches the message off (the settings cached or fetched)."""
        cache = self.settings_cache
        if cache is None:
            return None
        try:
            settings = cache.get()
        except Exception:  # the settings never stop a message
            logger.exception("could not read the extension settings")
            return None
        return self._switched_off(effect[1], settings)

    async def _settings_async(self, effect: tuple[Any, ...]) -> str | None:
        cache = self.settings_cache
        if cache is None:
            return None
        try:
            settings = await cache.get_async()
        except Exception:
            logger.exception("could not read the extension settings")
            return None
        return self._switched_off(effect[1], settings)

    def _switched_off(
        self, message: EventMessage, settings: ExtensionSettings | None
    ) -> str | None:
        if settings is None or not self.honour_parameters:
            return None
        off = settings.switched_off_by(message)
        if off is not None:
            logger.info(
                "%s is switched off by the extension parameter %s: answered OK, not checked",
                message.event_code,
                off,
                extra=_log(message),
            )
        return off

    def _switched_off_verdict(self, parameter: str, message: EventMessage) -> Verdict:
        from .settings import switched_off_tip

        return Verdict.ok(switched_off_tip(parameter, message))

    def _call_with_settings(self, check: Check, event: Event, message: EventMessage) -> Any:
        cache = self.settings_cache
        settings = None if cache is None else cache.current
        if check.wants_message:
            return check.fn(event, message, settings=settings)
        return check.fn(event, settings=settings)

    # ------------------------------------------------------------------ the sync driver

    def _drive(self, steps: Steps, value: Any) -> Outcome:
        send = steps.send
        perform = self._sync_effects
        try:
            effect = send(value)
            while True:
                try:
                    value = perform[effect[0]](effect, steps)
                except _HandedOver as handed:  # the pipeline finished on another thread
                    return handed.outcome
                except BaseException as exc:  # the pipeline releases its claim, re-raises
                    effect = steps.throw(exc)
                    continue
                effect = send(value)
        except StopIteration as stop:
            outcome: Outcome = stop.value
            return outcome

    def _claim(self, effect: tuple[Any, ...], steps: Steps) -> Claim | StoreError:
        try:
            claim: Claim = self._store.claim(self.extension_code, effect[1], self._lease)
            return claim
        except Exception as exc:
            return _store_error("claim", effect[1], exc)

    def _check(self, effect: tuple[Any, ...], steps: Steps) -> Decided:
        message: EventMessage = effect[1]
        plan: _Plan = effect[2]
        if plan.any_async:
            _refuse_inside_running_loop()
        timeout = self._handler_timeout
        watch = (
            None if timeout is None else _watch(timeout, self._fire, (steps, message.message_id))
        )
        decided: Decided | None
        trail = effect[3] if len(effect) > 3 else None
        try:
            single = plan.single
            if single is not None and trail is None:
                decided = self._run_check(message, single, watch)
            else:
                decided = self._run_checks(message, plan, watch, trail)
        except BaseException:
            if watch is None or _cancel(watch):
                raise  # the pipeline is still this thread's: it releases the claim
            decided = None  # the deadline's thread owns the pipeline now
        else:
            if watch is None or _cancel(watch):
                return decided
        late: _Late | None = WATCHDOG.wait(watch)  # the deadline fired first
        if late is None:  # its thread could not start: finish here
            return _TIMED_OUT
        late.done.wait()
        if type(decided) is tuple:
            self._discard_late(message, decided[0])
        assert late.outcome is not None
        raise _HandedOver(late.outcome)

    def _deliver(self, effect: tuple[Any, ...], steps: Steps) -> Exception | None:
        try:
            if self._takes_api:
                effect[1].deliver(effect[2], self.extension_code, effect[3], api=effect[4])
            else:
                effect[1].deliver(effect[2], self.extension_code, effect[3])
        except Exception as exc:
            return exc
        return None

    def _complete(self, effect: tuple[Any, ...], steps: Steps) -> bool | StoreError:
        claim: Claim = effect[1]
        try:
            stored: bool = self._store.complete(claim, effect[2])
            return stored
        except Exception as exc:
            return _store_error("complete", claim.message_id, exc)

    def _release(self, effect: tuple[Any, ...], steps: Steps) -> bool | StoreError:
        claim: Claim = effect[1]
        try:
            return bool(self._store.release(claim))
        except Exception as exc:
            return _store_error("release", claim.message_id, exc)

    def _on_deadline(self, arg: tuple[Steps, str]) -> _Late:
        """Runs in the watchdog thread: hands the pipeline to a thread of its own (no I/O)."""
        late = _Late()
        threading.Thread(
            target=self._finish_late, args=(*arg, late), name="dataworks-ext-deadline", daemon=True
        ).start()
        return late

    def _finish_late(self, steps: Steps, message_id: str, late: _Late) -> None:
        """Finish the pipeline with the timeout verdict while the stuck check runs on."""
        try:
            late.outcome = self._drive(steps, _TIMED_OUT)
        except BaseException as exc:  # never leave the stuck thread waiting
            logger.exception("delivering the timeout verdict for message %s failed", message_id)
            failure = CallbackError(
                f"delivering the timeout verdict raised {type(exc).__name__}",
                message_id=message_id,
                code=type(exc).__name__,
            )
            late.outcome = Outcome(message_id, None, None, False, error=failure)
        finally:
            late.done.set()

    def _run_checks(
        self, message: EventMessage, plan: _Plan, watch: Watch | None, trail: _Trail | None
    ) -> Decided:
        """(verdict, first check error), or _TIMED_OUT when the deadline cut an async check.

        Only enforced checks count; a report-only check's answer is recorded and logged.
        """
        verdicts: list[Verdict] = []
        first_error: BaseException | None = None
        for check, enforced in zip(plan.checks, plan.enforced, strict=True):
            started = 0.0 if trail is None else time.perf_counter()
            decided = self._run_check(message, check, watch)
            if type(decided) is _TimedOut:
                return decided
            verdict, error = decided  # type: ignore[misc]
            if trail is not None:
                trail.checks.append((check, verdict, error, started, time.perf_counter(), enforced))
            if not enforced:
                self._reported(message, check, verdict)
                continue
            verdicts.append(verdict)
            if first_error is None:
                first_error = error
        return combine(verdicts), first_error

    def _run_check(self, message: EventMessage, check: Check, watch: Watch | None) -> Decided:
        event = message.event
        try:
            if check.wants_settings:
                result = self._call_with_settings(check, event, message)
            else:
                result = check.fn(event, message) if check.wants_message else check.fn(event)
        except Exception as exc:
            return self._check_failed(message, check, exc), exc
        if result is None or result is True:
            return _PASSED
        if type(result) is Verdict:
            return result, None
        try:
            if check.is_async or hasattr(result, "__await__"):
                result = _run_coroutine(result, _remaining(watch))
            return self._to_verdict(check, result), None
        except _DeadlinePassed:
            return _TIMED_OUT
        except Exception as exc:
            return self._check_failed(message, check, exc), exc

    # ------------------------------------------------------------------ the async driver

    async def _drive_async(self, steps: Steps) -> Outcome:
        send = steps.send
        perform = self._async_effects
        try:
            effect = send(None)
            while True:
                try:
                    value = await perform[effect[0]](effect)
                except BaseException as exc:  # the pipeline releases its claim, re-raises
                    effect = steps.throw(exc)
                    continue
                effect = send(value)
        except StopIteration as stop:
            outcome: Outcome = stop.value
            return outcome

    async def _claim_async(self, effect: tuple[Any, ...]) -> Claim | StoreError:
        store = self._async_store
        try:
            if store is not None:
                claim: Claim = await store.claim_async(self.extension_code, effect[1], self._lease)
            else:
                claim = await _in_thread(
                    self._store.claim, self.extension_code, effect[1], self._lease
                )
            return claim
        except Exception as exc:
            return _store_error("claim", effect[1], exc)

    async def _check_async(self, effect: tuple[Any, ...]) -> Decided:
        import asyncio

        message: EventMessage = effect[1]
        plan: _Plan = effect[2]
        event = message.event
        timeout = self._handler_timeout
        loop = asyncio.get_running_loop()
        deadline = None if timeout is None else loop.time() + timeout
        verdicts: list[Verdict] = []
        first_error: BaseException | None = None
        trail: _Trail | None = effect[3] if len(effect) > 3 else None
        for check, enforced in zip(plan.checks, plan.enforced, strict=True):
            started = 0.0 if trail is None else time.perf_counter()
            error: Exception | None = None
            try:
                if check.wants_settings:
                    result = self._call_with_settings(check, event, message)
                else:
                    result = check.fn(event, message) if check.wants_message else check.fn(event)
                if check.is_async or hasattr(result, "__await__"):
                    result = await _await_until(result, deadline, asyncio)
                answer = self._to_verdict(check, result)
            except _DeadlinePassed:
                return _TIMED_OUT
            except Exception as exc:
                answer, error = self._check_failed(message, check, exc), exc
            if trail is not None:
                trail.checks.append((check, answer, error, started, time.perf_counter(), enforced))
            if not enforced:
                self._reported(message, check, answer)
                continue
            verdicts.append(answer)
            first_error = first_error or error
        verdict = verdicts[0] if len(verdicts) == 1 else combine(verdicts)
        if deadline is not None and loop.time() > deadline:  # a sync check overran on the loop
            self._discard_late(message, verdict)
            return _TIMED_OUT
        return verdict, first_error

    async def _deliver_async(self, effect: tuple[Any, ...]) -> Exception | None:
        try:
            if self._takes_api:
                await effect[1].deliver_async(
                    effect[2], self.extension_code, effect[3], api=effect[4]
                )
            else:
                await effect[1].deliver_async(effect[2], self.extension_code, effect[3])
        except Exception as exc:
            return exc
        return None

    async def _complete_async(self, effect: tuple[Any, ...]) -> bool | StoreError:
        claim: Claim = effect[1]
        store = self._async_store
        try:
            if store is not None:
                return bool(await store.complete_async(claim, effect[2]))
            return bool(await _in_thread(self._store.complete, claim, effect[2]))
        except Exception as exc:
            return _store_error("complete", claim.message_id, exc)

    async def _release_async(self, effect: tuple[Any, ...]) -> bool | StoreError:
        claim: Claim = effect[1]
        store = self._async_store
        try:
            if store is not None:
                return bool(await store.release_async(claim))
            return bool(await _in_thread(self._store.release, claim))
        except Exception as exc:
            return _store_error("release", claim.message_id, exc)

    # ------------------------------------------------------------------ outcomes and policies

    def _rejected(self, exc: MessageError) -> Outcome:
        logger.warning(
            "could not read a message, nor its id; nobody can be answered: %s",
            exc,
            extra={"message_id": None, "event_code": None, "extension_biz_id": None},
        )
        return Outcome(None, None, None, False, error=exc)

    def _nothing_to_answer(self, message: EventMessage) -> Outcome:
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug("nothing to answer for %s event", message.event_code, extra=_log(message))
        return Outcome(message.message_id, message.event, None, False)

    def _store_down(self, message: EventMessage, error: StoreError) -> Outcome:
        logger.error("%s; nothing was answered, the host should retry", error, extra=_log(message))
        return Outcome(message.message_id, message.event, None, False, error=error)

    def _not_ours(self, message: EventMessage, claim: Claim) -> Outcome:
        event = message.event
        if claim.state is _ANSWERED:
            if logger.isEnabledFor(_INFO):
                logger.info(
                    "message %s was already answered; not answering again",
                    message.message_id,
                    extra=_log(message),
                )
            return Outcome(message.message_id, event, claim.verdict, False, duplicate=True)
        if logger.isEnabledFor(_INFO):
            logger.info(
                "message %s is being answered elsewhere; the host should retry later",
                message.message_id,
                extra=_log(message),
            )
        return Outcome(message.message_id, event, None, False, in_progress=True)

    def _not_recorded(self, message: EventMessage, stored: bool | StoreError) -> None:
        if type(stored) is StoreError:
            logger.error(
                "%s; the verdict was delivered, so the message is acknowledged, but a "
                "redelivery after the claim's lease would be answered again",
                stored,
                extra=_log(message),
            )
        else:
            logger.warning(
                "the claim on message %s ended before its verdict was recorded (lease %gs): "
                "another instance holds it now and may answer it too",
                message.message_id,
                self._lease,
                extra=_log(message),
            )

    def _log_delivered(self, message: EventMessage, verdict: Verdict) -> None:
        logger.info(
            "%s %s for %s (message %s)%s",
            "delivered" if self._callback is not None else "decided (dry run)",
            verdict.result.value,
            message.event_code,
            message.message_id,
            f": {verdict.tip}" if verdict.tip else "",
            extra=_log(message, verdict),
        )

    # ------------------------------------------------------------------ policies

    def _unreadable_verdict(self, exc: MessageError) -> Verdict:
        where = f" ({exc.field})" if exc.field else ""
        logger.warning(
            "could not read message %s%s: %s",
            exc.message_id,
            where,
            exc.reason,
            extra={"message_id": exc.message_id, "event_code": None, "extension_biz_id": None},
        )
        tip = f"The extension could not read this event{where}: {exc.reason}"
        return _policy_verdict(self.unreadable_result, tip, "")

    def _unhandled(self, message: EventMessage) -> Verdict:
        if kind_for_code(message.event_code) is None:
            logger.warning(
                "%s is an extension-point event this SDK does not know; answering %s "
                "through CallbackExtension",
                message.event_code,
                self.unhandled_result.value,
                extra=_log(message),
            )
        else:
            logger.warning(
                "no check is registered for %s; answering %s",
                message.event_code,
                self.unhandled_result.value,
                extra=_log(message),
            )
        if self.unhandled_result is CheckResult.OK:
            return _PASS
        tip = f"This extension has no check for {message.event_code} events"
        return _policy_verdict(self.unhandled_result, tip, "")

    def _to_verdict(self, check: Check, result: Any) -> Verdict:
        if result is None or result is True:
            return _PASS
        if type(result) is Verdict:
            return result
        if result is False:
            return Verdict.fail(f"Check '{check.name}' refused the operation")
        if isinstance(result, Verdict):
            return result
        raise TypeError(
            f"check '{check.name}' returned {type(result).__name__}; "
            "expected a Verdict, True/None (pass) or False (fail)"
        )

    def _check_failed(self, message: EventMessage, check: Check, exc: BaseException) -> Verdict:
        logger.error(
            "check '%s' raised %s on message %s",
            check.name,
            type(exc).__name__,
            message.message_id,
            exc_info=exc,
            extra=_log(message),
        )
        tip = f"Check '{check.name}' failed with {type(exc).__name__}"
        own: Any = getattr(exc, "tip", None)
        if isinstance(own, str) and own:
            tip = f"{tip}: {own}"
        return _policy_verdict(self.error_result, tip, "; the operation is blocked until it passes")

    def _timeout_verdict(self, message: EventMessage, error: HandlerTimeoutError) -> Verdict:
        logger.warning("%s", error, extra=_log(message))
        tip = f"The extension's checks did not finish within {error.timeout:g}s"
        return _policy_verdict(self.timeout_result, tip, "")

    def _reported(self, message: EventMessage, check: Check, verdict: Verdict) -> None:
        """A report-only check answered: log what it would have answered, unless OK."""
        if verdict.result is not CheckResult.OK and logger.isEnabledFor(_INFO):
            logger.info(
                "report-only check '%s' would have answered %s for message %s%s",
                check.name,
                verdict.result.value,
                message.message_id,
                f": {verdict.tip}" if verdict.tip else "",
                extra=_log(message, verdict),
            )

    def _discard_late(self, message: EventMessage, verdict: Verdict) -> None:
        logger.warning(
            "late result %s for message %s discarded: the timeout verdict was already sent",
            verdict.result.value,
            message.message_id,
            extra=_log(message, verdict),
        )

    def _delivery_failed(
        self, message: EventMessage, verdict: Verdict, exc: Exception
    ) -> CallbackError:
        if not isinstance(exc, CallbackError):
            exc_name = type(exc).__name__
            wrapped = CallbackError(
                f"the callback raised {exc_name}",
                message_id=message.message_id,
                code=exc_name,
            )
            wrapped.__cause__ = exc
            exc = wrapped
        logger.error(
            "could not deliver %s for message %s: %s",
            verdict.result.value,
            message.message_id,
            exc,
            extra=_log(message, verdict),
        )
        return exc


class _Unreadable:
    """Stands in for the EventMessage of an unreadable message whose id is known; its
    ``event_code`` is the one the message names, if any (it chooses the answering API)."""

    __slots__ = ("event_code", "message_id")
    event = None
    extension_biz_id = None

    def __init__(self, message_id: str, event_code: str | None) -> None:
        self.message_id = message_id
        self.event_code = event_code or "unreadable"


def _result(value: CheckResult | str, name: str) -> CheckResult:
    try:
        return CheckResult(value.upper() if isinstance(value, str) else value)
    except (ValueError, AttributeError):
        raise ConfigurationError(f"{name} must be 'OK', 'WARN' or 'FAIL', got {value!r}") from None


def _policy_verdict(result: CheckResult, tip: str, blocked: str) -> Verdict:
    """The verdict a policy answers: FAIL with ``tip`` (and ``blocked``), else OK or WARN
    with ``tip``, passed by the policy."""
    if result is CheckResult.FAIL:
        return Verdict.fail(tip + blocked)
    passed = f"{tip}; passed by the extension's policy"
    return Verdict.warn(passed) if result is CheckResult.WARN else Verdict.ok(passed)


def _apis(apis: Mapping[Any, Any] | None) -> dict[str, CallbackApi]:
    """The ``apis`` override by event code, checked: known extension-point codes, known APIs."""
    if apis is None:
        return {}
    if not isinstance(apis, Mapping):
        raise ConfigurationError(
            f"apis must map event codes to CallbackApi values, got {type(apis).__name__}"
        )
    out: dict[str, CallbackApi] = {}
    for key, value in apis.items():
        code = key.event_code if isinstance(key, EventKind) else key
        kind = kind_for_code(code) if isinstance(code, str) else None
        if kind is None or not kind.is_extension_point:
            raise ConfigurationError(
                f"apis: {key!r} is not the code of an extension-point event in EVENT_KINDS"
            )
        try:
            out[code] = CallbackApi(value)
        except ValueError:
            choices = ", ".join(api.value for api in CallbackApi)
            raise ConfigurationError(
                f"apis[{code!r}] must be one of {choices}; got {value!r}"
            ) from None
    return out


def _takes_api(callback: Callback) -> bool:
    """Whether the callback's ``deliver`` takes the ``api`` keyword (custom callbacks written
    before it existed do not: they are called without it)."""
    import inspect

    try:
        parameters = inspect.signature(callback.deliver).parameters
    except (TypeError, ValueError):
        return True
    return "api" in parameters or any(
        p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values()
    )


class _AutoTelemetry:
    """``telemetry="auto"``: a Telemetry on the global providers once the application set one.

    Until then each message costs a look into ``sys.modules``; nothing is imported.
    """

    __slots__ = ("found",)

    def __init__(self) -> None:
        self.found: Telemetry | None = None

    @property
    def active(self) -> bool:
        if self.found is not None:
            return True
        if sys.modules.get("opentelemetry.trace") is None:  # not imported: nothing set
            return False
        from .telemetry import Telemetry, provider_set

        if not provider_set():
            return False
        self.found = Telemetry()
        return True

    def _emit(self, trail: _Trail, record: AuditRecord) -> None:
        if self.found is not None:
            self.found._emit(trail, record)


def _telemetry(option: Any) -> Telemetry | _AutoTelemetry | None:
    """What the ``telemetry`` option asks for, or ``None`` (nothing imported when off)."""
    if option is False or option is None:
        return None
    if isinstance(option, str) and option == "auto":
        return _AutoTelemetry()
    if option is True:
        if not _importable("opentelemetry.trace", "opentelemetry.metrics"):
            raise ConfigurationError(
                "telemetry=True needs opentelemetry-api: pip install 'dataworks-ext[otel]'"
            )
        from .telemetry import Telemetry

        return Telemetry()
    if callable(getattr(option, "_emit", None)) and hasattr(option, "active"):
        found: Telemetry = option
        return found
    raise ConfigurationError(
        f"telemetry must be True, False, 'auto' or a Telemetry, got {option!r}"
    )


def _importable(*names: str) -> bool:
    """Whether every module of ``names`` can be imported, without importing any."""
    from importlib.util import find_spec

    try:
        return all(find_spec(name) is not None for name in names)
    except (ImportError, ValueError):
        return False


def _items(raw: RawMessage | list[Any]) -> list[Any]:
    obj = decode(raw)
    return obj if isinstance(obj, list) else [obj]


def _log(message: Any, verdict: Verdict | None = None) -> dict[str, Any]:
    return {
        "message_id": message.message_id,
        "event_code": message.event_code,
        "extension_biz_id": message.extension_biz_id,
        "verdict": None if verdict is None else verdict.result.value,
    }


class _DeadlinePassed(Exception):
    """The extension's deadline (not a check's own TimeoutError) cut an async check short."""


async def _await_until(awaitable: Awaitable[Any], deadline: float | None, asyncio: Any) -> Any:
    """Await a check's result until ``deadline`` (loop time); raise :class:`_DeadlinePassed`.

    A check that raises TimeoutError itself before the deadline is a failing check, not a
    late one, so its error propagates as it is.
    """
    if deadline is None:
        return await awaitable
    loop = asyncio.get_running_loop()
    try:
        return await asyncio.wait_for(awaitable, max(0.0, deadline - loop.time()))
    except asyncio.TimeoutError:
        if loop.time() >= deadline - 0.001:
            raise _DeadlinePassed from None
        raise


def _refuse_inside_running_loop() -> None:
    import asyncio

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return
    raise RuntimeError(
        "Extension.handle() was called inside a running event loop and a check is async; "
        "use 'await extension.handle_async(...)' instead"
    )


def _run_coroutine(awaitable: Awaitable[Any], timeout: float | None) -> Any:
    import asyncio

    async def run() -> Any:
        deadline = None if timeout is None else asyncio.get_running_loop().time() + timeout
        return await _await_until(awaitable, deadline, asyncio)

    return asyncio.run(run())


def _remaining(watch: Watch | None) -> float | None:
    """Seconds left before the watched deadline (``None`` without one)."""
    return None if watch is None else watch[0] - WATCHDOG.clock()


def _unclaimed(found: Any, message_id: str) -> StoreError:
    """The StoreError of a claim that failed, or that gave something other than a Claim."""
    if isinstance(found, StoreError):
        return found
    return StoreError(
        f"claim() returned {type(found).__name__}, not a Claim",
        operation="claim",
        message_id=message_id,
    )


def _store_error(operation: str, message_id: str, exc: Exception) -> StoreError:
    if isinstance(exc, StoreError):
        return exc
    error = StoreError(f"{type(exc).__name__}: {exc}", operation=operation, message_id=message_id)
    error.__cause__ = exc
    return error


async def _in_thread(fn: Any, *args: Any) -> Any:
    """Run a blocking store call in a worker thread, so the event loop goes on."""
    import asyncio

    return await asyncio.get_running_loop().run_in_executor(None, fn, *args)
