"""The audit trail: one :class:`AuditRecord` per message handled, and how it is delivered.

While a message goes through the pipeline, a small trail collects cheap primitives
(the message, the claim, each check's verdict and duration, the delivery's attempts and time);
only once the message is settled is the record assembled, then emitted in one place: to the
``dataworks_ext.audit`` logger (the record as a dict in ``record.audit``), to the Extension's
``on_audit`` hook, and to OpenTelemetry when enabled.  Without a hook, with the audit logger
not enabled for INFO and without telemetry, no trail is made at all.
"""

from __future__ import annotations

import contextvars
import datetime
import json
import logging
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import attrs

from ._calls import CallPath
from ._text import valid_data, valid_text
from .errors import CallbackError, HandlerTimeoutError, MessageError, StoreError
from .outcomes import Reason
from .stores._base import Claim

if TYPE_CHECKING:
    from ._calls import CallRecord

__all__ = [
    "AUDIT_LOGGER",
    "AuditJsonFormatter",
    "AuditRecord",
    "CheckRecord",
    "MessageObserver",
    "Trail",
]

AUDIT_LOGGER = "dataworks_ext.audit"
"""The name of the logger audit records go to, at INFO, as ``record.audit`` (a dict)."""

audit_logger = logging.getLogger(AUDIT_LOGGER)
logger = logging.getLogger("dataworks_ext")

_FIRST_IDS = 5
"""How many ids of a long id list a record keeps (beside the count)."""
_ID_LISTS = ("node_ids", "task_ids", "include_node_ids", "exclude_node_ids")
_SCALARS = ("root_node_id", "file_id", "file_name", "node_id", "table_name")


@attrs.frozen
class CheckRecord:
    """What one check answered for one message, in an :class:`AuditRecord`.

    Example:
        >>> from dataworks_ext import CheckRecord
        >>> record = CheckRecord("protect", "FAIL", "node 7 is protected", 0.4, None, True)
        >>> record.to_dict()["result"]
        'FAIL'
    """

    name: str
    """The check's name."""
    result: str
    """``OK``, ``WARN`` or ``FAIL``: what the check answered (for a check that raised, what
    the Extension's ``error_result`` policy answered for it)."""
    tip: str | None
    """The tip it gave."""
    duration_ms: float
    """How long it ran, in milliseconds."""
    error: str | None
    """The class name of the exception it raised, if it raised."""
    enforced: bool
    """Whether its answer counted in the verdict (``False``: a report-only check, whose
    answer is only recorded)."""

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict.

        Example:
            >>> from dataworks_ext import CheckRecord
            >>> sorted(CheckRecord("c", "OK", None, 1.0, None, False).to_dict())
            ['duration_ms', 'enforced', 'error', 'name', 'result', 'tip']
        """
        return {
            "name": self.name,
            "result": self.result,
            "tip": self.tip,
            "duration_ms": self.duration_ms,
            "error": self.error,
            "enforced": self.enforced,
        }


@attrs.frozen
class AuditRecord:
    """One message handled: who did what to which objects, what each check said, what was sent.

    Delivered to the ``on_audit`` hook of :class:`~dataworks_ext.Extension` and, at INFO, to
    the ``dataworks_ext.audit`` logger (as ``record.audit``, the :meth:`to_dict` form; see
    :class:`AuditJsonFormatter`).  It holds no secret and no payload: ids are summarised
    (a count and the first five), errors given by class.

    Example:
        >>> from dataworks_ext import Extension, FreezeNodeEvent, Registry, Verdict
        >>> from dataworks_ext.testing import freeze_event
        >>> reg = Registry()
        >>> @reg.on_freeze
        ... def protect(event: FreezeNodeEvent) -> Verdict:
        ...     return Verdict.fail("node 7 is protected")
        >>> records = []
        >>> ext = Extension("ext", registry=reg, on_audit=records.append)
        >>> _ = ext.handle(freeze_event(message_id="m-1", node_ids=[7, 8]))
        >>> record = records[0]
        >>> record.result, record.decided_by, record.touches["node_ids"]
        ('FAIL', ('protect',), {'count': 2, 'first': [7, 8]})
        >>> record.store, record.disposition, [c.name for c in record.checks]
        ('acquired', 'ACK', ['protect'])
    """

    extension_code: str
    """The extension that handled the message."""
    message_id: str | None
    """The message id (``None`` when it could not be read)."""
    event_code: str | None
    """The event code (``freeze-node``, ...), ``None`` when unreadable."""
    module: str | None
    """The DataWorks module the event belongs to (``OPERATION_CENTER``, ``DATA_STUDIO``, ...)."""
    workspace: int | None
    """The DataWorks workspace (project id)."""
    operator: str | None
    """The UID of the account that started the operation."""
    touches: Mapping[str, Any] = attrs.field(hash=False)
    """What the operation acts on: id lists as ``{"count": n, "first": [...]}``, and the
    file, table or root node by id or name."""
    checks: tuple[CheckRecord, ...]
    """Every check that ran, in order."""
    result: str | None
    """The verdict sent (or decided, in a dry run): ``OK``, ``WARN``, ``FAIL``; for a
    duplicate the one sent before; ``None`` when nothing was decided."""
    tip: str | None
    """The verdict's tip."""
    decided_by: tuple[str, ...]
    """What decided the verdict: the enforced checks whose own answer is the verdict's result
    (for OK: every check, as all passed), with the checks that raised when the
    ``error_result`` policy gave the verdict; or the policy that gave it when no check did
    (``unreadable_result``, ``timeout_result``, ``unhandled_result``).  Empty when nothing
    was decided now (a duplicate, a message in progress elsewhere, the store down)."""
    reason: str
    """What happened: ``checked``, ``unhandled``, ``switched off`` (the extension's parameters
    switch the message off: answered OK, no check ran), ``unreadable``, ``deadline``,
    ``duplicate``, ``in progress``, ``store down``, ``delivery failed``, ``nothing to
    answer``, ``rejected``, ``resent`` (a verdict decided before, by an instance that died or
    whose delivery failed, was delivered again; no check ran), or ``cancelled`` (the host
    cancelled the message, or the process was interrupted, before an answer was decided)."""
    would_have: str | None
    """What the report-only checks would have answered (``OK``, ``WARN``, ``FAIL``), or
    ``None`` when no report-only check ran."""
    api: str | None
    """The DataWorks API the verdict goes through (``UpdateWorkbenchEventResult``, ...)."""
    delivered: bool
    """Whether the verdict reached DataWorks."""
    delivery_attempts: int | None
    """Calls made to deliver it (``None`` when no delivery was tried)."""
    delivery_ms: float | None
    """How long delivery took, retries included, in milliseconds."""
    store: str | None
    """The answer store's answer to the claim: ``acquired``, ``decided`` (decided before:
    the verdict was delivered again), ``in progress``, ``answered``, ``store down``, or
    ``None`` when nothing was claimed."""
    disposition: str
    """``ACK``, ``RETRY`` or ``REJECT``: what the host replies."""
    error: str | None
    """The class name of the error met on the way (with its code for a callback error)."""
    started: float
    """When handling started (seconds since the epoch)."""
    duration_ms: float
    """How long handling took, in milliseconds."""
    switched_off_by: str | None = None
    """The extension parameter that switched the message off (``extension.project.disabled``,
    ...): it was answered OK without running the checks.  ``None`` otherwise."""

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (what ``record.audit`` of the audit logger carries).

        Example:
            >>> from dataworks_ext import Extension, Registry
            >>> from dataworks_ext.testing import backfill_event
            >>> records = []
            >>> _ = Extension("ext", registry=Registry(), on_audit=records.append).handle(
            ...     backfill_event(message_id="m-2"))
            >>> data = records[0].to_dict()
            >>> data["message_id"], data["reason"], data["result"], data["checks"]
            ('m-2', 'unhandled', 'OK', [])
        """
        record: dict[str, Any] = valid_data(
            {
                "extension_code": self.extension_code,
                "message_id": self.message_id,
                "event_code": self.event_code,
                "module": self.module,
                "workspace": self.workspace,
                "operator": self.operator,
                "touches": dict(self.touches),
                "checks": [check.to_dict() for check in self.checks],
                "result": self.result,
                "tip": self.tip,
                "decided_by": list(self.decided_by),
                "reason": self.reason,
                "would_have": self.would_have,
                "api": self.api,
                "delivered": self.delivered,
                "delivery_attempts": self.delivery_attempts,
                "delivery_ms": self.delivery_ms,
                "store": self.store,
                "disposition": self.disposition,
                "error": self.error,
                "started": self.started,
                "duration_ms": self.duration_ms,
                "switched_off_by": self.switched_off_by,
            }
        )
        return record


@runtime_checkable
class MessageObserver(Protocol):
    """What an :class:`~dataworks_ext.Extension` hands each settled message to, as its
    ``telemetry`` option: :class:`~dataworks_ext.telemetry.Telemetry` is one; write your own
    to send the records and timings elsewhere.

    ``active`` is read once per message: while it is false the message's trail is not kept
    for the observer (it costs nothing).  ``observe`` is called once per message settled,
    with its :class:`AuditRecord` and its trail (``trail.checks``: each check's verdict and
    times; ``trail.calls``: the :class:`~dataworks_ext.CallRecord` of every SDK call made
    for it; ``trail.delivery``: when delivery started and ended, ``time.perf_counter``).
    An observer that raises is logged; the message is answered anyway.

    Example:
        >>> from dataworks_ext import Extension, Registry
        >>> from dataworks_ext.telemetry import MessageObserver
        >>> from dataworks_ext.testing import freeze_event
        >>> class Count:
        ...     active = True
        ...     def __init__(self) -> None:
        ...         self.seen: list[str] = []
        ...     def observe(self, record, trail) -> None:
        ...         self.seen.append(f"{record.message_id} {record.reason} {len(trail.calls)}")
        >>> counter = Count()
        >>> isinstance(counter, MessageObserver)
        True
        >>> _ = Extension("ext", registry=Registry(), telemetry=counter).handle(
        ...     freeze_event(message_id="m-1"))
        >>> counter.seen
        ['m-1 unhandled 0']
    """

    @property
    def active(self) -> bool:
        """Whether the observer wants this message (read before the message is handled)."""
        ...

    def observe(self, record: AuditRecord, trail: Trail) -> None:
        """Receive one settled message: its record and its trail."""
        ...


def _iso_time(created: float) -> str:
    """An instant as ISO 8601 in UTC, with milliseconds and its offset."""
    stamp = datetime.datetime.fromtimestamp(created, tz=datetime.timezone.utc)
    return stamp.isoformat(timespec="milliseconds")


class AuditJsonFormatter(logging.Formatter):
    """Formats audit log records as one JSON object a line (other records as JSON too).

    Attach it to a handler of the ``dataworks_ext.audit`` logger; a record's ``audit`` dict
    is written as it is, with ``time`` (ISO 8601 in UTC, with milliseconds and its
    ``+00:00`` offset, so a line means one instant wherever it is read) and ``level`` added.

    Example:
        >>> import io, json, logging
        >>> from dataworks_ext import AuditJsonFormatter, Extension, Registry
        >>> from dataworks_ext.testing import freeze_event
        >>> stream = io.StringIO()
        >>> handler = logging.StreamHandler(stream)
        >>> handler.setFormatter(AuditJsonFormatter())
        >>> audit = logging.getLogger("dataworks_ext.audit")
        >>> audit.addHandler(handler); audit.setLevel(logging.INFO)
        >>> _ = Extension("ext", registry=Registry()).handle(freeze_event(message_id="m-3"))
        >>> audit.removeHandler(handler); audit.setLevel(logging.NOTSET)
        >>> line = json.loads(stream.getvalue())
        >>> line["message_id"], line["disposition"], line["level"]
        ('m-3', 'ACK', 'INFO')
        >>> line["time"].endswith("+00:00")
        True
    """

    def format(self, record: logging.LogRecord) -> str:
        """The record as one line of JSON."""
        data: Any = getattr(record, "audit", None)
        if isinstance(data, Mapping):
            body = dict(data)
        else:
            body = {"logger": record.name, "message": record.getMessage()}
        body["time"] = _iso_time(record.created)
        body["level"] = record.levelname
        return valid_text(json.dumps(body, ensure_ascii=False, default=str))


# ---------------------------------------------------------------------- collecting

_OPEN: contextvars.ContextVar[Trail | None] = contextvars.ContextVar(
    "dataworks_ext_trail", default=None
)
"""The trail of the message whose pipeline runs here, while it runs: where :func:`note_call`
puts the calls a client reports.  Private to this module: the drivers open a trail with
:func:`trail_open`, the settings cache steps out of it with :func:`outside_message`."""


class TrailScope:
    """While entered: the calls a client reports here go to ``trail`` (none for ``None``).

    Made by :func:`trail_open` and :func:`outside_message`; cheap (no generator).
    """

    __slots__ = ("_token", "_trail")

    def __init__(self, trail: Trail | None) -> None:
        self._trail = trail
        self._token: contextvars.Token[Trail | None] | None = None

    def __enter__(self) -> None:
        self._token = _OPEN.set(self._trail)

    def __exit__(self, *exc: object) -> None:
        if self._token is not None:
            _OPEN.reset(self._token)


def trail_open(trail: Trail | None) -> TrailScope:
    """The calls reported while the scope is entered are ``trail``'s (a message's checks and
    delivery run inside it); ``None`` notes nothing."""
    return TrailScope(trail)


def outside_message() -> TrailScope:
    """The calls reported while the scope is entered belong to no message (the settings
    fetch, made for the extension, not for the message that happened to need it)."""
    return TrailScope(None)


def note_call(record: CallRecord) -> None:
    """The audit trail's call hook: note ``record`` in the trail open here, if any.

    An :class:`~dataworks_ext.Extension` adds it to its callback client (see
    :func:`follow_calls`); outside a message's pipeline it does nothing.
    """
    trail = _OPEN.get()
    if trail is not None and not trail.closed:
        trail.calls.append(record)


def follow_calls(callback: object) -> None:
    """Subscribe the audit trail to ``callback``'s calls, when it is a client with call
    hooks (:class:`~dataworks_ext.CallbackClient`); adding it twice adds it once."""
    if isinstance(callback, CallPath):
        callback.add_hook(note_call)


class Trail:
    """What the pipeline did with one message, as cheap primitives; assembled at the end.

    Made by the pipeline for a message someone observes; read by observers
    (:class:`MessageObserver`).
    """

    __slots__ = (
        "api",
        "attempts",
        "calls",
        "checks",
        "claim",
        "closed",
        "delivery",
        "message",
        "perf",
        "store_errors",
        "switched_off",
        "wall",
    )

    def __init__(self, message: Any) -> None:
        self.wall = time.time_ns()
        self.perf = time.perf_counter()
        self.message = message
        """The EventMessage (or ``None`` when the message could not be read)."""
        self.claim: Any = None
        self.checks: list[tuple[Any, Any, BaseException | None, float, float, bool]] = []
        """(check, verdict, error, started, ended, enforced) for each check that ran."""
        self.calls: list[CallRecord] = []
        """Every attempt of every SDK call made for the message, as its client reported it."""
        self.delivery: tuple[float, float] | None = None
        self.attempts: int | None = None
        self.api: str | None = None
        self.closed = False
        self.store_errors = 0
        self.switched_off: str | None = None
        """The extension parameter that switched the message off, if one did."""

    def record(self, extension_code: str, outcome: Any) -> AuditRecord:
        """Assemble the record of the finished pipeline."""
        message = self.message
        event = outcome.event if outcome.event is not None else getattr(message, "event", None)
        kind = None
        if message is not None:
            kind = message.kind
        checks = tuple(
            CheckRecord(
                check.name,
                verdict.result.value,
                verdict.tip,
                round((ended - started) * 1000, 3),
                None if error is None else type(error).__name__,
                enforced,
            )
            for check, verdict, error, started, ended, enforced in self.checks
        )
        verdict = outcome.verdict
        result = None if verdict is None else verdict.result.value
        error = outcome.error
        claim = self.claim
        if type(claim) is Claim:
            store: str | None = claim.state.value
        elif claim is None:
            store = None
        else:
            store = "store down"
        reason = _reason(outcome, store, checks, error)
        switched_off = self.switched_off
        if switched_off is not None and reason == "unhandled":  # no check ran: the parameter
            reason = "switched off"
        if switched_off is not None and reason == "switched off":
            decided_by: tuple[str, ...] = (switched_off,)
        else:
            decided_by = _decided_by(outcome, reason, checks)
        reports = [c.result for c in checks if not c.enforced]
        would_have = None
        if reports:
            would_have = max(reports, key=_RANK.__getitem__)
        error_text = None
        if error is not None:
            error_text = type(error).__name__
            code = getattr(error, "code", None)
            if isinstance(error, (CallbackError, StoreError)) and code:
                error_text = f"{error_text} ({code})"
        delivery_ms = None
        if self.delivery is not None:
            delivery_ms = round((self.delivery[1] - self.delivery[0]) * 1000, 3)
        api = self.api  # the API that answered, as the pipeline chose it
        return AuditRecord(
            extension_code=extension_code,
            message_id=outcome.message_id,
            event_code=getattr(event, "event_code", None) or getattr(error, "event_code", None),
            module=None if kind is None else kind.module.name,
            workspace=getattr(event, "project_id", None),
            operator=getattr(event, "operator", None),
            touches=_touches(event),
            checks=checks,
            result=result,
            tip=None if verdict is None else verdict.tip,
            decided_by=decided_by,
            reason=reason,
            would_have=would_have,
            api=api,
            delivered=outcome.delivered,
            delivery_attempts=self.attempts,
            delivery_ms=delivery_ms,
            store=store,
            disposition=outcome.disposition.value,
            error=error_text,
            started=self.wall / 1e9,
            duration_ms=round((time.perf_counter() - self.perf) * 1000, 3),
            switched_off_by=switched_off if reason == "switched off" else None,
        )


_RANK = {"OK": 0, "WARN": 1, "FAIL": 2}


def _reason(outcome: Any, store: str | None, checks: tuple[CheckRecord, ...], error: Any) -> str:
    """The record's reason: the outcome's, and for an answer, what decided it."""
    reason = outcome.reason
    if reason is Reason.CLAIM_LOST:
        return "in progress"
    if reason is not Reason.ANSWERED:
        return str(reason.value)
    if store == "decided":
        return "resent"
    if isinstance(error, MessageError):
        return "unreadable"
    if isinstance(error, HandlerTimeoutError):
        return "deadline"
    if not checks:
        return "unhandled"
    return "checked"


_POLICIES = {
    "unreadable": ("unreadable_result",),
    "deadline": ("timeout_result",),
    "unhandled": ("unhandled_result",),
}


def _decided_by(outcome: Any, reason: str, checks: tuple[CheckRecord, ...]) -> tuple[str, ...]:
    """The checks (or the policy) that gave the verdict decided now; see AuditRecord."""
    verdict = outcome.verdict
    if verdict is None or reason in ("duplicate", "in progress", "store down", "resent"):
        return ()
    policy = _POLICIES.get(reason)
    if policy is not None:
        return policy
    result = verdict.result.value
    names = tuple(c.name for c in checks if c.enforced and c.error is None and c.result == result)
    raised = tuple(c.name for c in checks if c.enforced and c.error is not None)
    if not names and not raised:  # every check report-only, or none answered like this
        return ()
    return names + raised if outcome.error is not None else names or raised


def _touches(event: Any) -> dict[str, Any]:
    """What an event acts on, summarised: long id lists as a count and the first few ids."""
    found: dict[str, Any] = {}
    if event is None:
        return found
    for name in _ID_LISTS:
        ids = getattr(event, name, None)
        if ids:
            found[name] = {"count": len(ids), "first": list(ids[:_FIRST_IDS])}
    for name in _SCALARS:
        value = getattr(event, name, None)
        if value is not None:
            found[name] = value
    return found


def emit(
    record: AuditRecord,
    hook: Callable[[AuditRecord], Any] | None,
) -> None:
    """Hand ``record`` to the audit logger (when enabled for INFO) and to ``hook``."""
    if audit_logger.isEnabledFor(logging.INFO):
        # makeRecord + handle: a log record without the caller lookup of Logger.info (the
        # place in this module is no news), filtered and handled as Logger.info would.
        audit_logger.handle(
            audit_logger.makeRecord(
                AUDIT_LOGGER,
                logging.INFO,
                __file__,
                0,
                "%s %s for %s (%s): %s",
                (
                    record.extension_code,
                    record.result or "-",
                    record.event_code or "an unreadable event",
                    "no readable message id"
                    if record.message_id is None
                    else f"message {record.message_id}",
                    record.reason,
                ),
                None,
                extra={"audit": record.to_dict()},
            )
        )
    if hook is not None:
        try:
            hook(record)
        except Exception as exc:
            logger.error(
                "the on_audit hook raised %s on message %s; the message was handled anyway",
                type(exc).__name__,
                record.message_id,
                exc_info=exc,
                extra={"message_id": record.message_id},
            )
