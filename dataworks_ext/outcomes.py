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
=========  ==============================================  ====  ===========================
"""

from __future__ import annotations

import enum
import json
from collections.abc import Iterable
from typing import Any

import attrs

from .errors import CallbackError, DataWorksExtError, StoreError
from .events import Event
from .verdicts import Verdict

__all__ = ["RETRY_AFTER_SECONDS", "Disposition", "HttpReply", "Outcome", "http_reply"]

RETRY_AFTER_SECONDS = 5
"""The ``Retry-After`` a RETRY reply carries unless told otherwise, in seconds."""


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
    """Whether the message is being answered elsewhere right now (another instance or thread)."""

    @property
    def disposition(self) -> Disposition:
        """ACK, RETRY or REJECT: what the host replies for this message.

        Example:
            >>> from dataworks_ext import CallbackError, Outcome
            >>> Outcome("m-1", None, None, False, error=CallbackError("down")).disposition.name
            'RETRY'
        """
        if self.message_id is None:
            return Disposition.REJECT
        if self.in_progress or (
            not self.delivered and isinstance(self.error, (CallbackError, StoreError))
        ):
            return Disposition.RETRY
        return Disposition.ACK

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
             'disposition': 'ACK', 'error': None}
        """
        verdict = self.verdict
        return {
            "message_id": self.message_id,
            "event_code": getattr(self.event, "event_code", None)
            or getattr(self.error, "event_code", None),  # an unreadable message names it
            "result": None if verdict is None else verdict.result.value,
            "tip": None if verdict is None else verdict.tip,
            "delivered": self.delivered,
            "duplicate": self.duplicate,
            "in_progress": self.in_progress,
            "disposition": self.disposition.value,
            "error": _error_text(self.error),
        }


def _error_text(error: BaseException | None) -> str | None:
    if error is None:
        return None
    if isinstance(error, DataWorksExtError):
        return f"{type(error).__name__}: {error}"
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
    """200, 503 or 400 (see :attr:`Disposition.http_status`)."""
    headers: dict[str, str]
    """``Content-Type``, and ``Retry-After`` for a RETRY."""
    body: bytes
    """``{"disposition": ..., "outcomes": [...]}`` as UTF-8 JSON (see :meth:`Outcome.to_dict`)."""


def http_reply(outcomes: Iterable[Outcome], *, retry_after: int = RETRY_AFTER_SECONDS) -> HttpReply:
    """The HTTP reply to a request that carried ``outcomes``' messages.

    Example:
        >>> from dataworks_ext import Extension, Registry, http_reply
        >>> from dataworks_ext.testing import freeze_event
        >>> reply = http_reply(Extension("ext", registry=Registry()).handle_batch(b"{oops"))
        >>> reply.status, reply.body[:25]
        (400, b'{"disposition": "REJECT",')
    """
    outcomes = list(outcomes)
    disposition = Disposition.of(outcomes)
    headers = {"Content-Type": "application/json"}
    if disposition is Disposition.RETRY:
        headers["Retry-After"] = str(retry_after)
    body = {"disposition": disposition.value, "outcomes": [o.to_dict() for o in outcomes]}
    return HttpReply(
        disposition.http_status, headers, json.dumps(body, ensure_ascii=False).encode("utf-8")
    )
