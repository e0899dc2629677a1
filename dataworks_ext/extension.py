"""The :class:`Extension`: one incoming message in, exactly one answer to DataWorks out.

Policies, each a keyword of :class:`Extension` with a safe default:

========================  =======  ==========================================================
situation                 default  what happens
========================  =======  ==========================================================
unreadable message, id    FAIL     ``unreadable_result``; without a readable id,
readable                           :class:`MessageError` is raised (a web host answers 400)
a check raises            FAIL     ``error_result``; the tip names the check and error class,
                                   the traceback is logged
checks run past the       FAIL     ``timeout_result`` after ``handler_timeout`` seconds (30);
deadline                           a late result is logged and discarded
no check registered       OK       ``unhandled_result``, with a logged warning
regular event, or no      --       nothing to answer: ``verdict=None``, ``delivered=False``
``extensionBizId``
already answered          --       not answered again: ``duplicate=True``
callback fails for good   --       :class:`CallbackError` is raised out of :meth:`handle`
========================  =======  ==========================================================
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Awaitable, Mapping, Sequence
from types import EllipsisType
from typing import Any

import attrs

from ._watchdog import WATCHDOG, Watch
from .callback import Callback
from .dedupe import MemorySeenStore, SeenStore
from .errors import (
    CallbackError,
    ConfigurationError,
    HandlerTimeoutError,
    MessageError,
)
from .events import Event, UnknownEvent
from .messages import EventMessage, RawMessage, decode, parse_message
from .registry import Check, Registry, default_registry
from .verdicts import CheckResult, Verdict, combine

__all__ = ["Extension", "Outcome"]

logger = logging.getLogger("dataworks_ext")

_watch = WATCHDOG.watch
_INFO = logging.INFO
_PASS = Verdict.ok()
_PASSED: tuple[Verdict, None, bool] = (_PASS, None, False)
_TRUTHY = frozenset({"1", "true", "yes", "on"})


@attrs.frozen
class Outcome:
    """What :class:`Extension` did with one message, for the host to act on.

    A web host answers 2xx when every outcome is :attr:`settled`, and 5xx otherwise so that
    EventBridge delivers the message again; a Kafka consumer commits the offset only then.

    Example:
        >>> from dataworks_ext import Extension, Registry
        >>> from dataworks_ext.testing import freeze_event
        >>> outcome = Extension("my-extension", registry=Registry()).handle(freeze_event())
        >>> outcome.verdict.result.value, outcome.delivered, outcome.duplicate
        ('OK', False, False)
    """

    message_id: str | None
    """The message id, or ``None`` when it could not be read."""
    event: Event | None
    """The typed event, or ``None`` when the message could not be read."""
    verdict: Verdict | None
    """The answer decided, or ``None`` when nothing was decided (regular event, duplicate)."""
    delivered: bool
    """Whether the verdict reached DataWorks (always ``False`` in a dry run)."""
    duplicate: bool = False
    """Whether the message had already been answered, so nothing was done."""
    error: BaseException | None = None
    """The :class:`MessageError`, check exception, :class:`HandlerTimeoutError` or
    :class:`CallbackError` met on the way, if any."""

    @property
    def settled(self) -> bool:
        """Whether the host may acknowledge the message: nothing is left to deliver."""
        return not isinstance(self.error, CallbackError) and self.message_id is not None


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
        seen_store: Where answered message ids are remembered; a bounded
            :class:`MemorySeenStore` unless given.

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
        >>> ext.handle(freeze_event(message_id="m-1")).duplicate
        True
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
        seen_store: SeenStore | None = None,
    ) -> None:
        if not isinstance(extension_code, str) or not extension_code.strip():
            raise ConfigurationError(
                "extension_code must be the non-empty code DataWorks assigned the extension"
            )
        if callback is not None and not isinstance(callback, Callback):
            raise ConfigurationError(
                f"callback must have deliver() and deliver_async(); got {type(callback).__name__}"
            )
        if handler_timeout is not None and not (
            isinstance(handler_timeout, (int, float)) and handler_timeout > 0
        ):
            raise ConfigurationError(
                f"handler_timeout must be a positive number of seconds or None, "
                f"got {handler_timeout!r}"
            )
        self.extension_code = extension_code.strip()
        self.callback = callback
        self.registry = default_registry if registry is None else registry
        self.handler_timeout = None if handler_timeout is None else float(handler_timeout)
        self.unreadable_result = _result(unreadable_result, "unreadable_result")
        self.error_result = _result(error_result, "error_result")
        self.timeout_result = _result(timeout_result, "timeout_result")
        self.unhandled_result = _result(unhandled_result, "unhandled_result")
        self.seen_store: SeenStore = MemorySeenStore() if seen_store is None else seen_store
        self._inflight: set[str] = set()
        self._fire = self._on_deadline  # one bound method, made once
        self._inflight_lock = threading.Lock()
        self._inflight_cond = threading.Condition(self._inflight_lock)
        self._waiting = 0

    def __repr__(self) -> str:
        mode = "dry run" if self.callback is None else type(self.callback).__name__
        return (
            f"Extension({self.extension_code!r}, {mode}, {self.registry!r}, "
            f"handler_timeout={self.handler_timeout})"
        )

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
        dry run); the default ``...`` reads it from the environment.  Other keywords go
        to the constructor.

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
        if callback is ...:
            callback = None
            if env.get("DATAWORKS_DRY_RUN", "").strip().lower() not in _TRUTHY:
                from .callback import CallbackClient

                callback = CallbackClient.from_env(environ=env)
        return cls(code, callback, registry, **options)

    # ------------------------------------------------------------------ public entry points

    def handle(self, raw: RawMessage | EventMessage) -> Outcome:
        """Handle one message: parse, decide, deliver, and report what happened.

        Raises:
            MessageError: the message is unreadable and so is its id: nobody to answer.
            CallbackError: the verdict could not be delivered; refuse the message so that
                EventBridge delivers it again.

        Example:
            >>> from dataworks_ext import Extension, Registry
            >>> from dataworks_ext.testing import backfill_event
            >>> Extension("ext", registry=Registry()).handle(backfill_event()).verdict.passed
            True
        """
        outcome = self._process(raw)
        if isinstance(outcome.error, CallbackError):
            raise outcome.error
        return outcome

    def handle_batch(self, raw: RawMessage | list[Any]) -> list[Outcome]:
        """Handle a single message or an EventBridge batch, each message on its own.

        Never raises for one message: an unreadable message without an id gives an Outcome
        with ``message_id=None`` and the :class:`MessageError`, an undelivered verdict one
        with the :class:`CallbackError` (:attr:`Outcome.settled` is ``False`` for both).
        Raises :class:`MessageDecodeError` only when the body as a whole is not JSON.

        Example:
            >>> from dataworks_ext import Extension, Registry
            >>> from dataworks_ext.testing import freeze_event, restore_event, batch
            >>> outcomes = Extension("ext", registry=Registry()).handle_batch(
            ...     batch(freeze_event(), restore_event()))
            >>> [o.verdict.result.value for o in outcomes]
            ['OK', 'OK']
        """
        outcomes = []
        for item in _items(raw):
            try:
                outcomes.append(self._process(item))
            except MessageError as exc:  # no readable id: nobody to answer
                outcomes.append(Outcome(None, None, None, False, error=exc))
        return outcomes

    async def handle_async(self, raw: RawMessage | EventMessage) -> Outcome:
        """The same as :meth:`handle`, for asyncio hosts; async checks run on the loop.

        Example:
            >>> import asyncio
            >>> from dataworks_ext import Extension, Registry
            >>> from dataworks_ext.testing import unpublish_event
            >>> ext = Extension("ext", registry=Registry())
            >>> asyncio.run(ext.handle_async(unpublish_event())).verdict.passed
            True
        """
        outcome = await self._process_async(raw)
        if isinstance(outcome.error, CallbackError):
            raise outcome.error
        return outcome

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

        async def one(item: Any) -> Outcome:
            try:
                return await self._process_async(item)
            except MessageError as exc:  # no readable id: nobody to answer
                return Outcome(None, None, None, False, error=exc)

        return list(await asyncio.gather(*(one(item) for item in _items(raw))))

    # ------------------------------------------------------------------ the pipeline (sync)

    def _process(self, raw: Any) -> Outcome:
        # The hot path, kept flat: parse, claim, watch the deadline, check, deliver.
        if isinstance(raw, EventMessage):
            message = raw
        else:
            try:
                message = parse_message(raw)
            except MessageError as exc:
                if exc.message_id is None:
                    raise
                return self._answer_unreadable(exc)
        if message.extension_biz_id is None or isinstance(message.event, UnknownEvent):
            return self._nothing_to_answer(message)  # not message.needs_answer
        checks = self.registry.checks_for(type(message.event))
        one_sync_check = len(checks) == 1 and not checks[0].is_async  # the usual case
        if not one_sync_check and any(check.is_async for check in checks):
            _refuse_inside_running_loop()
        message_id = message.message_id
        with self._inflight_lock:
            claimed = message_id not in self._inflight and not self.seen_store.seen(message_id)
            if claimed:
                self._inflight.add(message_id)
        if not claimed and not self._claim(message_id):
            return self._duplicate(message)
        try:
            if not one_sync_check:
                return self._decide_and_deliver(message, checks)
            # One sync check: _decide_and_deliver(), _run_check(), _deliver_outcome(), inline.
            check = checks[0]
            timeout = self.handler_timeout
            watch = None if timeout is None else _watch(timeout, self._fire, message)
            error: BaseException | None = None
            timed_out = False
            try:
                if check.wants_message:
                    result = check.fn(message.event, message)
                else:
                    result = check.fn(message.event)
            except Exception as exc:
                verdict, error = self._check_failed(message, check, exc), exc
            else:
                if result is None or result is True:
                    verdict = _PASS
                elif type(result) is Verdict:
                    verdict = result
                else:
                    verdict, error, timed_out = self._settle(message, check, result, watch)
            if watch is not None and not WATCHDOG.cancel(watch):
                late: Outcome = WATCHDOG.wait(watch)  # the deadline fired first
                self._discard_late(message, verdict)
                return late
            if timed_out:
                return self._on_deadline(message)
            callback = self.callback  # _deliver_outcome(), inline
            if callback is not None:
                try:
                    callback.deliver(message_id, self.extension_code, verdict)
                except Exception as exc:
                    failure = self._delivery_failed(message, verdict, exc)
                    return Outcome(message_id, message.event, verdict, False, False, failure)
            self.seen_store.remember(message_id)
            if logger.isEnabledFor(_INFO):
                self._log_delivered(message, verdict)
            return Outcome(message_id, message.event, verdict, callback is not None, False, error)
        finally:
            self._inflight.discard(message_id)  # _release(), inline
            if self._waiting:
                self._wake_waiters()

    def _nothing_to_answer(self, message: EventMessage) -> Outcome:
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug("nothing to answer for %s event", message.event_code, extra=_log(message))
        return Outcome(message.message_id, message.event, None, False)

    def _decide_and_deliver(self, message: EventMessage, checks: Sequence[Check]) -> Outcome:
        if not checks:
            return self._deliver_outcome(message, self._unhandled(message), None)
        timeout = self.handler_timeout
        watch = None if timeout is None else _watch(timeout, self._fire, message)
        if len(checks) == 1:
            verdict, error, timed_out = self._run_check(message, checks[0], watch)
        else:
            verdict, error, timed_out = self._run_checks(message, checks, watch)
        if watch is not None and not WATCHDOG.cancel(watch):
            late: Outcome = WATCHDOG.wait(watch)  # the deadline fired first
            self._discard_late(message, verdict)
            return late
        if timed_out:
            return self._on_deadline(message)
        return self._deliver_outcome(message, verdict, error)

    def _run_checks(
        self, message: EventMessage, checks: Sequence[Check], watch: Watch | None
    ) -> tuple[Verdict, BaseException | None, bool]:
        """(verdict, first check error, whether the deadline cut an async check short)."""
        verdicts: list[Verdict] = []
        first_error: BaseException | None = None
        for check in checks:
            verdict, error, timed_out = self._run_check(message, check, watch)
            if timed_out:
                return _PASS, None, True
            verdicts.append(verdict)
            if first_error is None:
                first_error = error
        return combine(verdicts), first_error, False

    def _run_check(
        self, message: EventMessage, check: Check, watch: Watch | None
    ) -> tuple[Verdict, BaseException | None, bool]:
        event = message.event
        try:
            result = check.fn(event, message) if check.wants_message else check.fn(event)
        except Exception as exc:
            return self._check_failed(message, check, exc), exc, False
        if not check.is_async:
            if result is None or result is True:
                return _PASSED
            if type(result) is Verdict:
                return result, None, False
        return self._settle(message, check, result, watch)

    def _settle(
        self, message: EventMessage, check: Check, result: Any, watch: Watch | None
    ) -> tuple[Verdict, BaseException | None, bool]:
        """The verdict of whatever else a check returned: awaited (until the deadline)."""
        try:
            if check.is_async or hasattr(result, "__await__"):
                result = _run_coroutine(result, _remaining(watch))
            return self._to_verdict(check, result), None, False
        except _DeadlinePassed:
            return _PASS, None, True
        except Exception as exc:
            return self._check_failed(message, check, exc), exc, False

    def _deliver_outcome(
        self, message: EventMessage, verdict: Verdict, error: BaseException | None
    ) -> Outcome:
        callback = self.callback
        if callback is not None:
            try:
                callback.deliver(message.message_id, self.extension_code, verdict)
            except Exception as exc:
                failure = self._delivery_failed(message, verdict, exc)
                return Outcome(message.message_id, message.event, verdict, False, False, failure)
        self.seen_store.remember(message.message_id)
        if logger.isEnabledFor(_INFO):
            self._log_delivered(message, verdict)
        delivered = callback is not None
        return Outcome(message.message_id, message.event, verdict, delivered, False, error)

    def _delivered(self, message: EventMessage, verdict: Verdict) -> bool:
        self.seen_store.remember(message.message_id)
        if logger.isEnabledFor(logging.INFO):
            self._log_delivered(message, verdict)
        return self.callback is not None

    def _log_delivered(self, message: EventMessage, verdict: Verdict) -> None:
        logger.info(
            "%s %s for %s (message %s)%s",
            "delivered" if self.callback is not None else "decided (dry run)",
            verdict.result.value,
            message.event_code,
            message.message_id,
            f": {verdict.tip}" if verdict.tip else "",
            extra=_log(message, verdict),
        )

    def _on_deadline(self, message: EventMessage) -> Outcome:
        """Runs in the watchdog thread when the checks of ``message`` are late."""
        timeout = self.handler_timeout or 0.0
        error = HandlerTimeoutError(message.message_id, timeout)
        verdict = self._timeout_verdict(message, error)
        outcome = self._deliver_outcome(message, verdict, error)
        return outcome

    # ------------------------------------------------------------------ the pipeline (async)

    async def _process_async(self, raw: Any) -> Outcome:
        import asyncio

        if isinstance(raw, EventMessage):
            message = raw
        else:
            try:
                message = parse_message(raw)
            except MessageError as exc:
                if exc.message_id is None:
                    raise
                return await self._answer_unreadable_async(exc, asyncio)
        if not message.needs_answer:
            return self._nothing_to_answer(message)
        message_id = message.message_id
        if not await self._claim_async(message_id, asyncio):
            return self._duplicate(message)
        try:
            checks = self.registry.checks_for(type(message.event))
            if not checks:
                return await self._deliver_outcome_async(message, self._unhandled(message), None)
            timeout = self.handler_timeout
            watch = None
            if timeout is not None:
                watch = _watch(timeout, self._fire, message)
            verdict, error, timed_out = await self._run_checks_async(
                message, checks, timeout, asyncio
            )
            if watch is not None and not WATCHDOG.cancel(watch):
                late: Outcome = await _wait_fired(watch, asyncio)
                self._discard_late(message, verdict)
                return late
            if timed_out:
                assert timeout is not None
                error = HandlerTimeoutError(message_id, timeout)
                verdict = self._timeout_verdict(message, error)
            return await self._deliver_outcome_async(message, verdict, error)
        finally:
            self._release(message_id)

    async def _run_checks_async(
        self,
        message: EventMessage,
        checks: Sequence[Check],
        timeout: float | None,
        asyncio: Any,
    ) -> tuple[Verdict, BaseException | None, bool]:
        event = message.event
        loop = asyncio.get_running_loop()
        deadline = None if timeout is None else loop.time() + timeout
        verdicts: list[Verdict] = []
        first_error: BaseException | None = None
        for check in checks:
            try:
                result = check.fn(event, message) if check.wants_message else check.fn(event)
                if check.is_async or hasattr(result, "__await__"):
                    result = await _await_until(result, deadline, asyncio)
                verdicts.append(self._to_verdict(check, result))
            except _DeadlinePassed:
                return _PASS, None, True
            except Exception as exc:
                verdicts.append(self._check_failed(message, check, exc))
                first_error = first_error or exc
        verdict = verdicts[0] if len(verdicts) == 1 else combine(verdicts)
        return verdict, first_error, False

    async def _deliver_outcome_async(
        self, message: EventMessage, verdict: Verdict, error: BaseException | None
    ) -> Outcome:
        callback = self.callback
        if callback is not None:
            try:
                await callback.deliver_async(message.message_id, self.extension_code, verdict)
            except Exception as exc:
                failure = self._delivery_failed(message, verdict, exc)
                return Outcome(message.message_id, message.event, verdict, False, error=failure)
        delivered = self._delivered(message, verdict)
        return Outcome(message.message_id, message.event, verdict, delivered, error=error)

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
        if self.unreadable_result is CheckResult.FAIL:
            return Verdict.fail(tip)
        return Verdict.ok(f"{tip}; passed by the extension's policy")

    def _answer_unreadable(self, exc: MessageError) -> Outcome:
        message_id = exc.message_id
        assert message_id is not None
        verdict = self._unreadable_verdict(exc)
        if not self._claim(message_id):
            return Outcome(message_id, None, None, False, duplicate=True, error=exc)
        try:
            return self._deliver_outcome(_Unreadable(message_id), verdict, exc)  # type: ignore[arg-type]
        finally:
            self._release(message_id)

    async def _answer_unreadable_async(self, exc: MessageError, asyncio: Any) -> Outcome:
        message_id = exc.message_id
        assert message_id is not None
        verdict = self._unreadable_verdict(exc)
        if not await self._claim_async(message_id, asyncio):
            return Outcome(message_id, None, None, False, duplicate=True, error=exc)
        try:
            stand_in = _Unreadable(message_id)
            return await self._deliver_outcome_async(stand_in, verdict, exc)  # type: ignore[arg-type]
        finally:
            self._release(message_id)

    def _unhandled(self, message: EventMessage) -> Verdict:
        logger.warning(
            "no check is registered for %s; answering %s",
            message.event_code,
            self.unhandled_result.value,
            extra=_log(message),
        )
        if self.unhandled_result is CheckResult.OK:
            return _PASS
        return Verdict.fail(f"This extension has no check for {message.event_code} events")

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
        if self.error_result is CheckResult.FAIL:
            return Verdict.fail(f"{tip}; the operation is blocked until it passes")
        return Verdict.ok(f"{tip}; passed by the extension's policy")

    def _timeout_verdict(self, message: EventMessage, error: HandlerTimeoutError) -> Verdict:
        logger.warning("%s", error, extra=_log(message))
        tip = f"The extension's checks did not finish within {error.timeout:g}s"
        if self.timeout_result is CheckResult.FAIL:
            return Verdict.fail(tip)
        return Verdict.ok(f"{tip}; passed by the extension's policy")

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

    def _duplicate(self, message: EventMessage) -> Outcome:
        if logger.isEnabledFor(logging.INFO):
            logger.info(
                "message %s was already answered; not answering again",
                message.message_id,
                extra=_log(message),
            )
        return Outcome(message.message_id, message.event, None, False, duplicate=True)

    # ------------------------------------------------------------------ duplicates in flight

    def _claim(self, message_id: str) -> bool:
        """Take the message for this thread; ``False`` if it was already answered."""
        with self._inflight_lock:
            if message_id in self._inflight:
                self._waiting += 1
                try:
                    while message_id in self._inflight:
                        self._inflight_cond.wait()
                finally:
                    self._waiting -= 1
            if self.seen_store.seen(message_id):
                return False
            self._inflight.add(message_id)
            return True

    async def _claim_async(self, message_id: str, asyncio: Any) -> bool:
        while True:
            with self._inflight_lock:
                if message_id not in self._inflight:
                    if self.seen_store.seen(message_id):
                        return False
                    self._inflight.add(message_id)
                    return True
            await asyncio.sleep(0.005)

    def _release(self, message_id: str) -> None:
        # No lock to discard: a waiter counts itself in _waiting, under the lock, before it
        # looks for the id again, so either it sees the id gone or we see it waiting.
        self._inflight.discard(message_id)
        if self._waiting:
            self._wake_waiters()

    def _wake_waiters(self) -> None:
        with self._inflight_lock:
            self._inflight_cond.notify_all()


@attrs.frozen
class _Unreadable:
    """Stands in for the EventMessage of an unreadable message whose id is known."""

    message_id: str
    event: None = None
    event_code: str = "unreadable"
    extension_biz_id: None = None


def _result(value: CheckResult | str, name: str) -> CheckResult:
    try:
        return CheckResult(value.upper() if isinstance(value, str) else value)
    except (ValueError, AttributeError):
        raise ConfigurationError(f"{name} must be 'OK' or 'FAIL', got {value!r}") from None


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


async def _wait_fired(watch: Watch, asyncio: Any) -> Any:
    while not WATCHDOG.finished(watch):
        await asyncio.sleep(0.005)
    return WATCHDOG.wait(watch)


def _remaining(watch: Watch | None) -> float | None:
    """Seconds left before the watched deadline (``None`` without one)."""
    return None if watch is None else watch[0] - WATCHDOG.clock()
