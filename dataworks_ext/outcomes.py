"""What happened to a message (:class:`Outcome`), and what the host replies (:class:`Disposition`).

A host calls :meth:`Extension.handle_batch` and maps :meth:`Disposition.of` of the outcomes
to its platform, nothing more:

=========  ==============================================  ====  ===========================
           when                                            HTTP  Kafka / Function Compute
=========  ==============================================  ====  ===========================
ACK        every message settled: answered, nothing to     200   commit / return
           answer, or a duplicate
RETRY      something must come back later: a delivery      503   do not commit, back off /
           failed, the store is down, or the message is          fail the invocation
           being answered elsewhere right now
REJECT     a message is unreadable and so is its id:       400   log and skip / return
           nobody can be answered, retrying cannot help
           (the whole request refused as too large:        413)
=========  ==============================================  ====  ===========================
"""

from __future__ import annotations

import enum
import json
from collections.abc import Iterable
from typing import Any

import attrs

from ._text import valid_text
from .errors import CallbackError, DataWorksExtError, RequestTooLargeError, StoreError
from .events import CallbackApi, Event
from .verdicts import Verdict

__all__ = [
    "MAX_REPLY_OUTCOMES",
    "RETRY_AFTER_SECONDS",
    "Disposition",
    "HttpReply",
    "Outcome",
    "Reason",
    "http_reply",
]

RETRY_AFTER_SECONDS = 5
"""The ``Retry-After`` a RETRY reply carries unless told otherwise, in seconds."""

MAX_REPLY_OUTCOMES = 100
"""The most outcomes an :func:`http_reply` body lists; it counts the rest in ``omitted``."""


class Disposition(str, enum.Enum):
    """What the host replies for one message or a batch.

    Example:
        >>> from dataworks_ext import Disposition
        >>> Disposition.of([]).name, Disposition.RETRY.http_status
        ('ACK', 503)
    """

    ACK = "ACK"
    """Acknowledge: every message is settled."""
    RETRY = "RETRY"
    """Refuse, so that the message comes back later."""
    REJECT = "REJECT"
    """Refuse for good: the message cannot be answered by anyone."""

    @classmethod
    def of(cls, outcomes: Iterable[Outcome]) -> Disposition:
        """The reply for a batch: RETRY wins over REJECT, REJECT over ACK; ACK when empty.

        Example:
            >>> from dataworks_ext import Disposition, Extension, Registry
            >>> from dataworks_ext.testing import batch, freeze_event
            >>> outcomes = Extension("ext", registry=Registry()).handle_batch(
            ...     batch(freeze_event()) [:-1] + b', {"no": "id"}]')
            >>> [o.disposition.name for o in outcomes], Disposition.of(outcomes).name
            (['ACK', 'REJECT'], 'REJECT')
        """
        found = cls.ACK
        for outcome in outcomes:
            disposition = outcome.disposition
            if disposition is cls.RETRY:
                return disposition
            if disposition is cls.REJECT:
                found = disposition
        return found

    @property
    def http_status(self) -> int:
        """The HTTP convention: 200 for ACK, 503 (with ``Retry-After``) for RETRY, 400 for REJECT.

        Example:
            >>> from dataworks_ext import Disposition
            >>> [d.http_status for d in Disposition]
            [200, 503, 400]
        """
        return _HTTP_STATUS[self]


_HTTP_STATUS = {Disposition.ACK: 200, Disposition.RETRY: 503, Disposition.REJECT: 400}


class Reason(str, enum.Enum):
    """What happened to a message, in one word: :attr:`Outcome.reason`.

    Each reason has one :class:`Disposition` (:attr:`disposition`): the table the host's
    reply, the audit record, telemetry and the command line all read.

    Example:
        >>> from dataworks_ext import Reason
        >>> [(r.value, r.disposition.name) for r in (Reason.ANSWERED, Reason.STORE_DOWN)]
        [('answered', 'ACK'), ('store down', 'RETRY')]
    """

    ANSWERED = "answered"
    """The verdict was delivered (in a dry run: decided); :attr:`Outcome.delivered` says which."""
    NOTHING_TO_ANSWER = "nothing to answer"
    """A regular event, or one without ``extensionBizId``: no answer is expected."""
    DUPLICATE = "duplicate"
    """Answered before; not answered again (:attr:`Outcome.verdict` is that answer)."""
    IN_PROGRESS = "in progress"
    """Another instance (or thread) holds the message right now."""
    CLAIM_LOST = "claim lost"
    """This instance's claim ended (its lease ran out and another instance took the message)
    before its verdict was decided, so it delivered nothing."""
    STORE_DOWN = "store down"
    """The answer store could not be reached: nothing was decided or delivered."""
    DELIVERY_FAILED = "delivery failed"
    """The verdict was decided but DataWorks did not accept it (:class:`CallbackError`); the
    redelivery sends the same verdict."""
    REJECTED = "rejected"
    """Unreadable, id included: nobody can be answered, and retrying cannot help."""
    CANCELLED = "cancelled"
    """The host cancelled the message (or the process was interrupted) before a verdict was
    decided; the claim was given up."""

    @property
    def disposition(self) -> Disposition:
        """What the host replies for a message that ended this way.

        Example:
            >>> from dataworks_ext import Reason
            >>> Reason.REJECTED.disposition.name
            'REJECT'
        """
        return _DISPOSITIONS[self]


_DISPOSITIONS = {
    Reason.ANSWERED: Disposition.ACK,
    Reason.NOTHING_TO_ANSWER: Disposition.ACK,
    Reason.DUPLICATE: Disposition.ACK,
    Reason.IN_PROGRESS: Disposition.RETRY,
    Reason.CLAIM_LOST: Disposition.RETRY,
    Reason.STORE_DOWN: Disposition.RETRY,
    Reason.DELIVERY_FAILED: Disposition.RETRY,
    Reason.REJECTED: Disposition.REJECT,
    Reason.CANCELLED: Disposition.RETRY,
}


def _reason_of(outcome: Outcome) -> Reason:
    """The reason of an Outcome built without one, from its flags (as built before reasons)."""
    error = outcome.error
    if outcome.message_id is None:
        return Reason.REJECTED
    if error is not None and not isinstance(error, Exception):
        return Reason.CANCELLED
    if outcome.in_progress:
        return Reason.IN_PROGRESS
    if outcome.duplicate:
        return Reason.DUPLICATE
    if not outcome.delivered and isinstance(error, CallbackError):
        return Reason.DELIVERY_FAILED
    if not outcome.delivered and isinstance(error, StoreError):
        return Reason.STORE_DOWN
    if outcome.verdict is None:
        return Reason.NOTHING_TO_ANSWER
    return Reason.ANSWERED


@attrs.frozen
class Outcome:
    """What :class:`Extension` did with one message, for the host to act on.

    The host needs only :attr:`disposition` (or :meth:`Disposition.of` for a batch).

    Example:
        >>> from dataworks_ext import Extension, Registry
        >>> from dataworks_ext.testing import freeze_event
        >>> outcome = Extension("my-extension", registry=Registry()).handle(freeze_event())
        >>> outcome.verdict.result.value, outcome.delivered, outcome.disposition.name
        ('OK', False, 'ACK')
    """

    message_id: str | None
    """The message id, or ``None`` when it could not be read."""
    event: Event | None
    """The typed event, or ``None`` when the message could not be read."""
    verdict: Verdict | None
    """The answer decided (for a duplicate: the answer delivered before), or ``None`` when
    nothing was decided (regular event, unreadable, in progress elsewhere, store down)."""
    delivered: bool
    """Whether the verdict reached DataWorks now (always ``False`` in a dry run)."""
    duplicate: bool = False
    """Whether the message had already been answered, so it was not answered again."""
    error: BaseException | None = None
    """The :class:`MessageError`, check exception, :class:`HandlerTimeoutError`,
    :class:`CallbackError` or :class:`StoreError` met on the way, if any."""
    in_progress: bool = False
    """Whether the message is being answered elsewhere right now (another instance or thread),
    or this instance lost its claim: it comes back later."""
    reason: Reason = attrs.field(default=attrs.Factory(_reason_of, takes_self=True), kw_only=True)
    """What happened, in one word (see :class:`Reason`); derived from the flags above when
    not given."""
    api: CallbackApi | None = attrs.field(default=None, kw_only=True)
    """The API the verdict went through (``None`` when nothing was sent: a dry run, a
    duplicate, nothing to answer, ...)."""

    @classmethod
    def refused(cls, error: BaseException) -> Outcome:
        """The outcome of a request refused before any message was read: ``error`` says why
        (a :class:`~dataworks_ext.RequestTooLargeError` from :func:`~dataworks_ext.read_body`,
        answered 413 by :func:`http_reply`).  Its disposition is REJECT.

        Example:
            >>> from dataworks_ext import Outcome, RequestTooLargeError, http_reply
            >>> refused = Outcome.refused(RequestTooLargeError("too large", limit=10))
            >>> refused.disposition.name, http_reply([refused]).status
            ('REJECT', 413)
        """
        return cls(None, None, None, False, error=error, reason=Reason.REJECTED)

    @property
    def disposition(self) -> Disposition:
        """ACK, RETRY or REJECT: what the host replies for this message (the
        :attr:`reason`'s).

        Example:
            >>> from dataworks_ext import CallbackError, Outcome
            >>> Outcome("m-1", None, None, False, error=CallbackError("down")).disposition.name
            'RETRY'
        """
        return _DISPOSITIONS[self.reason]

    @property
    def settled(self) -> bool:
        """Deprecated: ``outcome.disposition is Disposition.ACK``."""
        return self.disposition is Disposition.ACK

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready summary, for a host's response body and logs.

        The SDK's own errors are shown in full (their texts never hold secrets); any other
        error, such as a check's exception, by its class only.

        Example:
            >>> from dataworks_ext import Extension, Registry
            >>> from dataworks_ext.testing import freeze_event
            >>> extension = Extension("ext", registry=Registry())
            >>> outcome = extension.handle(freeze_event(message_id="m-1"))
            >>> outcome.to_dict()  # doctest: +NORMALIZE_WHITESPACE
            {'message_id': 'm-1', 'event_code': 'freeze-node', 'result': 'OK', 'tip': None,
             'delivered': False, 'duplicate': False, 'in_progress': False,
             'reason': 'answered', 'api': None, 'disposition': 'ACK', 'error': None}
        """
        verdict = self.verdict
        message_id = self.message_id
        # an unreadable message whose envelope names its event: the error carries the code
        code = getattr(self.event, "event_code", None) or getattr(self.error, "event_code", None)
        tip = None if verdict is None else verdict.tip
        return {
            "message_id": message_id if message_id is None else valid_text(message_id),
            "event_code": code if code is None else valid_text(code),
            "result": None if verdict is None else verdict.result.value,
            "tip": tip if tip is None else valid_text(tip),
            "delivered": self.delivered,
            "duplicate": self.duplicate,
            "in_progress": self.in_progress,
            "reason": self.reason.value,
            "api": None if self.api is None else self.api.value,
            "disposition": self.disposition.value,
            "error": _error_text(self.error),
        }


def _error_text(error: BaseException | None) -> str | None:
    if error is None:
        return None
    if isinstance(error, DataWorksExtError):
        return valid_text(f"{type(error).__name__}: {error}")
    return type(error).__name__


@attrs.frozen
class HttpReply:
    """An HTTP answer for EventBridge (or any HTTP caller): status, headers and a JSON body.

    Example:
        >>> from dataworks_ext import HttpReply
        >>> HttpReply(200, {"Content-Type": "application/json"}, b"{}").status
        200
    """

    status: int
    """200, 503 or 400 (see :attr:`Disposition.http_status`); 413 for a request refused
    whole as too large (:class:`~dataworks_ext.RequestTooLargeError`)."""
    headers: dict[str, str]
    """``Content-Type``, and ``Retry-After`` for a RETRY."""
    body: bytes
    """``{"disposition": ..., "outcomes": [...]}`` as UTF-8 JSON (see :meth:`Outcome.to_dict`);
    past :data:`MAX_REPLY_OUTCOMES` outcomes, also ``"omitted"``: how many are not listed."""


def http_reply(outcomes: Iterable[Outcome], *, retry_after: int = RETRY_AFTER_SECONDS) -> HttpReply:
    """The HTTP reply to a request that carried ``outcomes``' messages.

    The status is :attr:`Disposition.http_status` of :meth:`Disposition.of` the outcomes,
    or 413 for a request refused whole as too large.  The body lists at most
    :data:`MAX_REPLY_OUTCOMES` outcomes (those that are not ACK first, as they decide the
    reply) and counts the others in ``omitted``; it is valid UTF-8 whatever the messages
    held (a lone surrogate becomes U+FFFD).

    Example:
        >>> from dataworks_ext import Extension, Registry, http_reply
        >>> from dataworks_ext.testing import freeze_event
        >>> reply = http_reply(Extension("ext", registry=Registry()).handle_batch(b"{oops"))
        >>> reply.status, reply.body[:25]
        (400, b'{"disposition": "REJECT",')
        >>> http_reply(Extension("ext", registry=Registry()).handle_batch(
        ...     b"[]", max_bytes=1)).status
        413
    """
    outcomes = list(outcomes)
    disposition = Disposition.of(outcomes)
    status = disposition.http_status
    if len(outcomes) == 1 and isinstance(outcomes[0].error, RequestTooLargeError):
        status = 413
    headers = {"Content-Type": "application/json"}
    if disposition is Disposition.RETRY:
        headers["Retry-After"] = str(retry_after)
    shown = outcomes
    if len(outcomes) > MAX_REPLY_OUTCOMES:
        ack = Disposition.ACK
        shown = [o for o in outcomes if o.disposition is not ack][:MAX_REPLY_OUTCOMES]
        shown += [o for o in outcomes if o.disposition is ack][: MAX_REPLY_OUTCOMES - len(shown)]
    body: dict[str, Any] = {
        "disposition": disposition.value,
        "outcomes": [o.to_dict() for o in shown],
    }
    if len(shown) < len(outcomes):
        body["omitted"] = len(outcomes) - len(shown)
    text = json.dumps(body, ensure_ascii=False)
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate a check's own text slipped in
        data = valid_text(text).encode("utf-8")
    return HttpReply(status, headers, data)
