"""The pipeline of one message, written once: parse, claim, check, decide, deliver, complete.

:meth:`Pipeline.steps` is a generator, like h11's state machine: it never does I/O.  It
keeps what it knows of the message in a :class:`Job` and yields a :class:`Step` naming what
it needs done next; a driver (:mod:`dataworks_ext._drivers`: blocking or asyncio) performs
that step on the job and sends back the result.  Both drivers run the same steps, and the
checks through the same runner (:meth:`Pipeline.checks`); they differ only in how a call is
made (a blocking call, or an await).

The order is the guarantee: the verdict is *decided* in the answer store (its record moves
from held to decided) before it is delivered, so a redelivery re-sends that verdict and
never runs the checks again; see :mod:`dataworks_ext.stores._base` for the states.
"""

from __future__ import annotations

import enum
import logging
import time
from collections.abc import Generator
from typing import TYPE_CHECKING, Any

from ._audit import MessageObserver, Trail, audit_logger, emit
from .callback import sendable
from .errors import CallbackError, HandlerTimeoutError, MessageError, StoreError
from .events import CallbackApi, ExtensionPointEvent, UnknownEvent, api_for_code, kind_for_code
from .messages import EventMessage, lenient_event_code, parse_message
from .outcomes import Outcome, Reason
from .registry import Check, Registry
from .stores._base import Claim, ClaimState
from .verdicts import CheckResult, Verdict, combine

if TYPE_CHECKING:
    from .callback import Callback
    from .extension import Extension
    from .settings import ExtensionSettings

__all__ = ["PASSED", "TIMED_OUT", "Decided", "Job", "Pipeline", "Step", "Steps", "Wiring"]

logger = logging.getLogger("dataworks_ext")

_INFO = logging.INFO
_PASS = Verdict.ok()
PASSED: tuple[Verdict, None] = (_PASS, None)
_ACQUIRED = ClaimState.ACQUIRED
_DECIDED = ClaimState.DECIDED
_ANSWERED = ClaimState.ANSWERED


class Step(enum.IntEnum):
    """What the pipeline needs done next; the driver performs it on the :class:`Job`."""

    CLAIM = 0
    """Claim ``job.message_id`` in the store; send back the Claim, or a StoreError."""
    CHECK = 1
    """Run ``job.plan``'s checks; send back (verdict, first error), or TIMED_OUT."""
    DECIDE = 2
    """Record ``job.verdict`` as decided; send back True, False (the claim was lost), or a
    StoreError."""
    DELIVER = 3
    """Deliver ``job.verdict`` through ``job.api``; send back None, or the exception."""
    COMPLETE = 4
    """Record ``job.verdict`` as answered; send back True/False, or a StoreError."""
    RELEASE = 5
    """Give ``job.claim`` up (a decided verdict is kept); send back True/False/StoreError."""
    SETTINGS = 6
    """Read the extension's parameters (cached); send back the parameter that switches the
    message off, or None."""


class _TimedOut:
    """Sent back for CHECK instead of (verdict, error) when the deadline passed."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "TIMED_OUT"


TIMED_OUT = _TimedOut()
Decided = tuple[Verdict, BaseException | None] | _TimedOut
Steps = Generator[Step, Any, Outcome]


class Job:
    """One message on its way through the pipeline: everything the steps need."""

    __slots__ = (
        "api",
        "callback",
        "claim",
        "error",
        "message",
        "message_id",
        "plan",
        "raw",
        "trail",
        "verdict",
    )

    def __init__(self, raw: Any, trail: Trail | None) -> None:
        self.raw = raw
        self.trail = trail
        self.message: Any = None  # the EventMessage, or an _Unreadable with its id
        self.message_id: str = ""
        self.claim: Claim | None = None
        self.plan: Plan | None = None
        self.verdict: Verdict = _PASS
        self.error: BaseException | None = None
        self.api: CallbackApi | None = None
        self.callback: Any = None


class Plan:
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


class Wiring:
    """What the pipeline and its drivers read of an Extension's configuration on every message.

    The Extension builds one, hands it to its :class:`Pipeline`, and keeps it current from its
    setters (``store``, ``callback``); the pipeline reads nothing private of the Extension.
    """

    __slots__ = ("async_store", "callback", "observer", "store", "takes_api")

    def __init__(self) -> None:
        self.callback: Callback | None = None
        """Where verdicts go; ``None`` for a dry run."""
        self.store: Any = None
        """The answer store (sync or async)."""
        self.async_store: Any = None
        """The same store when it has the ``*_async`` forms, else ``None``."""
        self.takes_api = True
        """Whether the callback's ``deliver`` takes ``api=`` (read from it when it is set)."""
        self.observer: MessageObserver | None = None
        """Who is told of every settled message besides the audit trail (telemetry)."""


class Pipeline:
    """The steps of one message, the check runner, and the policies' verdicts, for ``ext``."""

    def __init__(self, ext: Extension, wiring: Wiring) -> None:
        self.ext = ext
        self.wiring = wiring
        self._plans: dict[Any, Plan] = {}

    def job(self, raw: Any) -> Job:
        """A job for ``raw``, with a trail only when someone listens (audit, telemetry)."""
        ext = self.ext
        telemetry = self.wiring.observer
        if (
            ext.on_audit is None
            and (telemetry is None or not telemetry.active)
            and not audit_logger.isEnabledFor(_INFO)
        ):
            return Job(raw, None)
        return Job(raw, Trail(None))

    # ------------------------------------------------------------------ the steps

    def steps(self, job: Job) -> Steps:
        """Parse, claim, check, then :meth:`answer`: yields each step, gets its result."""
        raw = job.raw
        failure: MessageError | None = None
        if isinstance(raw, EventMessage):
            message: Any = raw
        else:
            try:
                message = parse_message(raw)
            except MessageError as exc:
                if exc.message_id is None:
                    return self.rejected(exc)
                message, failure = _Unreadable(exc.message_id, lenient_event_code(raw)), exc
        job.message = message
        trail = job.trail
        if trail is not None and failure is None:
            trail.message = message
        if failure is None and (
            message.extension_biz_id is None or isinstance(message.event, UnknownEvent)
        ):
            return self._nothing_to_answer(message)  # not message.needs_answer
        job.message_id = message.message_id
        claim = yield Step.CLAIM
        if trail is not None:
            trail.claim = claim
        if type(claim) is not Claim:
            return self._store_down(message, _unclaimed(claim, job.message_id))
        job.claim = claim
        state = claim.state
        if state is _DECIDED:  # decided before: deliver that verdict again, decide nothing
            assert claim.verdict is not None
            job.verdict = claim.verdict
            return (yield from self.answer(job, decided=True))
        if state is not _ACQUIRED:
            return self._not_ours(message, claim)
        try:
            if failure is not None:
                job.verdict, job.error = self._unreadable_verdict(failure), failure
            else:
                plan = job.plan = self.plan(message)
                off: str | None = None
                honour = self.ext.honour_parameters or plan.wants_settings
                if honour and self.wiring.callback is not None:
                    off = yield Step.SETTINGS
                    if trail is not None:
                        trail.switched_off = off
                if off is not None:
                    job.verdict = Verdict.ok(self._switched_off_tip(off, message))
                elif not plan.checks:
                    job.verdict = self._unhandled(message)
                else:
                    decided: Decided = yield Step.CHECK
                    if type(decided) is _TimedOut:
                        self.timed_out(job)
                    else:
                        job.verdict, job.error = decided  # type: ignore[misc]
        except GeneratorExit:
            raise
        except BaseException:  # KeyboardInterrupt, a cancelled task: free the message, go
            yield Step.RELEASE
            raise
        return (yield from self.answer(job))

    def answer(self, job: Job, *, decided: bool = False) -> Steps:
        """Decide (unless ``decided`` already), deliver, complete: the verdict is fixed first.

        Drivers run it on its own too: the blocking driver for the timeout verdict at a
        deadline, while the late check runs on.
        """
        message = job.message
        callback = job.callback = self.wiring.callback
        if callback is not None:  # (a dry run fixes nothing and sends nothing)
            try:
                api = job.api = self.ext.api_for(message)
                if job.trail is not None:
                    job.trail.api = api.value
                job.verdict = self._sendable(message, job.verdict, api)
                if not decided:
                    fixed = yield Step.DECIDE
                    if fixed is not True:
                        return (yield from self._not_decided(job, fixed))
                refused = yield Step.DELIVER
                if refused is not None:
                    failed = self._delivery_failed(message, job.verdict, refused)
                    released = yield Step.RELEASE  # the verdict stays decided; the lease ends
                    if type(released) is StoreError:
                        logger.error("%s; its lease ends by itself", released, extra=_log(message))
                    return Outcome(
                        job.message_id,
                        message.event,
                        job.verdict,
                        False,
                        error=failed,
                        reason=Reason.DELIVERY_FAILED,
                        api=job.api,
                    )
            except GeneratorExit:
                raise
            except BaseException:  # a decided verdict stays decided; the lease ends
                yield Step.RELEASE
                raise
        stored = yield Step.COMPLETE
        return self._answered(job, stored, callback is not None)

    def _answered(self, job: Job, stored: Any, delivered: bool) -> Outcome:
        """The outcome of a verdict delivered (or decided, in a dry run) and recorded."""
        message = job.message
        error = job.error
        if type(stored) is StoreError:
            logger.error(
                "%s; the verdict was %s, so the message is acknowledged, and a redelivery "
                "finds it decided (or, if the store lost it, is decided again)",
                stored,
                "delivered" if delivered else "decided (dry run)",
                extra=_log(message),
            )
            error = stored
        elif not stored:
            logger.warning(
                "another instance held message %s when its verdict was recorded",
                job.message_id,
                extra=_log(message),
            )
        if logger.isEnabledFor(_INFO):
            self._log_delivered(message, job.verdict)
        return Outcome(
            job.message_id,
            message.event,
            job.verdict,
            delivered,
            error=error,
            reason=Reason.ANSWERED,
            api=job.api if delivered else None,
        )

    def _not_decided(self, job: Job, fixed: Any) -> Steps:
        """The decision could not be recorded: deliver nothing."""
        message = job.message
        if type(fixed) is StoreError:
            released = yield Step.RELEASE
            if type(released) is StoreError:
                logger.error("%s; its lease ends by itself", released, extra=_log(message))
            return self._store_down(message, fixed)
        logger.warning(
            "the claim on message %s was lost before its verdict was decided (another "
            "instance took it after the lease); nothing was delivered",
            job.message_id,
            extra=_log(message),
        )
        return Outcome(
            job.message_id, message.event, None, False, in_progress=True, reason=Reason.CLAIM_LOST
        )

    # ------------------------------------------------------------------ the checks

    def plan(self, message: EventMessage) -> Plan:
        """The plan of the message's event type (or, for the generic event, its code), made
        again only when its registered checks changed."""
        event = message.event
        key: Any = type(event)
        if key is ExtensionPointEvent:
            key = event.event_code
        plan = self._plans.get(key)
        registry = self.ext.registry
        if plan is None or plan.version != registry.version or plan.registry is not registry:
            version = registry.version
            by_code = type(key) is str
            checks = registry.checks_for_code(key) if by_code else registry.checks_for(key)
            plan = self._plans[key] = Plan(checks, self.ext.enforce, registry, version)
        return plan

    def forget_plans(self) -> None:
        """Make every plan again (the Extension's ``enforce`` changed)."""
        self._plans = {}

    def checks(self, job: Job) -> Generator[Check, Decided, Decided]:
        """The check runner, for both drivers: yields each check to run, gets its
        (verdict, error) or TIMED_OUT; returns the combined verdict and the first error.

        Only enforced checks count; a report-only check's answer is recorded and logged.
        """
        plan = job.plan
        assert plan is not None
        trail = job.trail
        verdicts: list[Verdict] = []
        first_error: BaseException | None = None
        for check, enforced in zip(plan.checks, plan.enforced, strict=True):
            started = 0.0 if trail is None else time.perf_counter()
            decided = yield check
            if type(decided) is _TimedOut:
                return decided
            verdict, error = decided  # type: ignore[misc]
            if trail is not None:
                trail.checks.append((check, verdict, error, started, time.perf_counter(), enforced))
            if not enforced:
                self._reported(job.message, check, verdict)
                continue
            verdicts.append(verdict)
            if first_error is None:
                first_error = error
        return combine(verdicts), first_error

    def invoke(self, job: Job, check: Check) -> Any:
        """Call ``check`` with what it declares: the event, the message, the settings."""
        message = job.message
        if check.wants_settings:
            cache = self.ext.settings_cache
            settings = None if cache is None else cache.current
            if check.wants_message:
                return check.fn(message.event, message, settings=settings)
            return check.fn(message.event, settings=settings)
        return check.fn(message.event, message) if check.wants_message else check.fn(message.event)

    def switched_off(self, job: Job, settings: ExtensionSettings | None) -> str | None:
        """The parameter of ``settings`` that switches the job's message off, if any."""
        if settings is None or not self.ext.honour_parameters:
            return None
        message = job.message
        off = settings.switched_off_by(message)
        if off is not None:
            logger.info(
                "%s is switched off by the extension parameter %s: answered OK, not checked",
                message.event_code,
                off,
                extra=_log(message),
            )
        return off

    def _switched_off_tip(self, parameter: str, message: Any) -> str:
        from .settings import switched_off_tip

        return switched_off_tip(parameter, message)

    def result(self, job: Job, check: Check, result: Any) -> Decided:
        """What a check's return value means: (verdict, None), or the error policy's verdict."""
        if result is None or result is True:
            return PASSED
        if type(result) is Verdict:
            return result, None
        if result is False:
            return Verdict.fail(f"Check '{check.name}' refused the operation"), None
        if isinstance(result, Verdict):
            return result, None
        error = TypeError(
            f"check '{check.name}' returned {type(result).__name__}; "
            "expected a Verdict, True/None (pass) or False (fail)"
        )
        return self.failed(job, check, error), error

    def failed(self, job: Job, check: Check, exc: BaseException) -> Verdict:
        """The ``error_result`` policy's verdict for a check that raised ``exc``."""
        message = job.message
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
        return _policy_verdict(
            self.ext.error_result, tip, "; the operation is blocked until it passes"
        )

    def timed_out(self, job: Job) -> None:
        """The deadline passed: the ``timeout_result`` policy's verdict is the answer."""
        timeout = self.ext.handler_timeout
        assert timeout is not None
        error = job.error = HandlerTimeoutError(job.message_id, timeout)
        logger.warning("%s", error, extra=_log(job.message))
        tip = f"The extension's checks did not finish within {error.timeout:g}s"
        job.verdict = _policy_verdict(self.ext.timeout_result, tip, "")

    def discard_late(self, job: Job, verdict: Verdict) -> None:
        """A check answered after the deadline: the timeout verdict stands."""
        logger.warning(
            "late result %s for message %s discarded: the timeout verdict was already decided",
            verdict.result.value,
            job.message_id,
            extra=_log(job.message, verdict),
        )

    # ------------------------------------------------------------------ observing

    def finish(self, job: Job, outcome: Outcome) -> Outcome:
        """The message is settled: emit its audit record (and telemetry), if observed."""
        trail = job.trail
        if trail is None:
            return outcome
        ext = self.ext
        trail.closed = True
        try:
            record = trail.record(ext.extension_code, outcome)
            emit(record, ext.on_audit)
            telemetry = self.wiring.observer
            if telemetry is not None and telemetry.active:
                telemetry.observe(record, trail)
        except Exception:  # observing never changes the answer
            logger.exception("could not emit the audit record of message %s", outcome.message_id)
        return outcome

    def cancelled(self, job: Job, exc: BaseException) -> None:
        """The host cancelled the message (or the process was interrupted): record that.

        The claim was given up on the way out (a verdict already decided stays decided), so
        the redelivery is answered; the record's disposition is RETRY.
        """
        message = job.message
        logger.warning(
            "handling of message %s was interrupted (%s); its claim was given up, so a "
            "redelivery is answered",
            job.message_id or None,
            type(exc).__name__,
            extra=_log(message) if message is not None else {},
        )
        event = getattr(message, "event", None)
        outcome = Outcome(
            job.message_id or None,
            event,
            None,
            False,
            error=exc,
            in_progress=True,
            reason=Reason.CANCELLED,
        )
        self.finish(job, outcome)

    # ------------------------------------------------------------------ outcomes and policies

    def _sendable(self, message: Any, verdict: Verdict, api: CallbackApi) -> Verdict:
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

    def rejected(self, exc: MessageError) -> Outcome:
        """The outcome of a body nobody can be answered for (no readable id)."""
        logger.warning(
            "could not read a message, nor its id; nobody can be answered: %s",
            exc,
            extra={"message_id": None, "event_code": None, "extension_biz_id": None},
        )
        return Outcome(None, None, None, False, error=exc, reason=Reason.REJECTED)

    def _nothing_to_answer(self, message: EventMessage) -> Outcome:
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug("nothing to answer for %s event", message.event_code, extra=_log(message))
        return Outcome(
            message.message_id, message.event, None, False, reason=Reason.NOTHING_TO_ANSWER
        )

    def _store_down(self, message: Any, error: StoreError) -> Outcome:
        logger.error("%s; nothing was answered, the host should retry", error, extra=_log(message))
        return Outcome(
            message.message_id, message.event, None, False, error=error, reason=Reason.STORE_DOWN
        )

    def _not_ours(self, message: Any, claim: Claim) -> Outcome:
        event = message.event
        if claim.state is _ANSWERED:
            if logger.isEnabledFor(_INFO):
                logger.info(
                    "message %s was already answered; not answering again",
                    message.message_id,
                    extra=_log(message),
                )
            return Outcome(
                message.message_id,
                event,
                claim.verdict,
                False,
                duplicate=True,
                reason=Reason.DUPLICATE,
            )
        if logger.isEnabledFor(_INFO):
            logger.info(
                "message %s is being answered elsewhere; the host should retry later",
                message.message_id,
                extra=_log(message),
            )
        return Outcome(
            message.message_id, event, None, False, in_progress=True, reason=Reason.IN_PROGRESS
        )

    def _log_delivered(self, message: Any, verdict: Verdict) -> None:
        logger.info(
            "%s %s for %s (message %s)%s",
            "delivered" if self.wiring.callback is not None else "decided (dry run)",
            verdict.result.value,
            message.event_code,
            message.message_id,
            f": {verdict.tip}" if verdict.tip else "",
            extra=_log(message, verdict),
        )

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
        return _policy_verdict(self.ext.unreadable_result, tip, "")

    def _unhandled(self, message: EventMessage) -> Verdict:
        result = self.ext.unhandled_result
        if kind_for_code(message.event_code) is None:
            logger.warning(
                "%s is an extension-point event this SDK does not know; answering %s "
                "through CallbackExtension",
                message.event_code,
                result.value,
                extra=_log(message),
            )
        else:
            logger.warning(
                "no check is registered for %s; answering %s",
                message.event_code,
                result.value,
                extra=_log(message),
            )
        if result is CheckResult.OK:
            return _PASS
        tip = f"This extension has no check for {message.event_code} events"
        return _policy_verdict(result, tip, "")

    def _reported(self, message: Any, check: Check, verdict: Verdict) -> None:
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

    def _delivery_failed(self, message: Any, verdict: Verdict, exc: Exception) -> CallbackError:
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
            "could not deliver %s for message %s: %s; the verdict stays decided and is sent "
            "again on redelivery",
            verdict.result.value,
            message.message_id,
            exc,
            extra=_log(message, verdict),
        )
        return exc


def api_for(apis: dict[str, CallbackApi], code: str) -> CallbackApi:
    """The API answering events of ``code``: the override, the table's, or CallbackExtension."""
    return apis.get(code) or api_for_code(code) or CallbackApi.CALLBACK_EXTENSION


class _Unreadable:
    """Stands in for the EventMessage of an unreadable message whose id is known; its
    ``event_code`` is the one the message names, if any (it chooses the answering API)."""

    __slots__ = ("event_code", "message_id")
    event = None
    extension_biz_id = None

    def __init__(self, message_id: str, event_code: str | None) -> None:
        self.message_id = message_id
        self.event_code = event_code or "unreadable"


def _policy_verdict(result: CheckResult, tip: str, blocked: str) -> Verdict:
    """The verdict a policy answers: FAIL with ``tip`` (and ``blocked``), else OK or WARN
    with ``tip``, passed by the policy."""
    if result is CheckResult.FAIL:
        return Verdict.fail(tip + blocked)
    passed = f"{tip}; passed by the extension's policy"
    return Verdict.warn(passed) if result is CheckResult.WARN else Verdict.ok(passed)


def _log(message: Any, verdict: Verdict | None = None) -> dict[str, Any]:
    return {
        "message_id": message.message_id,
        "event_code": message.event_code,
        "extension_biz_id": message.extension_biz_id,
        "verdict": None if verdict is None else verdict.result.value,
    }


def _unclaimed(found: Any, message_id: str) -> StoreError:
    """The StoreError of a claim that failed, or that gave something other than a Claim."""
    if isinstance(found, StoreError):
        return found
    return StoreError(
        f"claim() returned {type(found).__name__}, not a Claim",
        operation="claim",
        message_id=message_id,
    )


def store_error(operation: str, message_id: str, exc: Exception) -> StoreError:
    """``exc`` met by the store's ``operation`` on ``message_id``, as a StoreError."""
    if isinstance(exc, StoreError):
        return exc
    error = StoreError(f"{type(exc).__name__}: {exc}", operation=operation, message_id=message_id)
    error.__cause__ = exc
    return error
