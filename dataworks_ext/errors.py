"""The exception tree of dataworks-ext.

Every error the SDK raises on purpose derives from :class:`DataWorksExtError`.  Unreadable
input raises :class:`MessageError` (also a :class:`ValueError`); a verdict that could not be
delivered raises :class:`CallbackError`.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "CallbackError",
    "ConfigurationError",
    "DataWorksExtError",
    "EnvelopeError",
    "FieldError",
    "HandlerTimeoutError",
    "MessageDecodeError",
    "MessageError",
    "NodeLookupError",
    "RequestTooLargeError",
    "StoreError",
    "TooManyLookupsError",
]


class DataWorksExtError(Exception):
    """Base class of every error raised by dataworks-ext.

    Example:
        >>> from dataworks_ext import DataWorksExtError, parse_message
        >>> try:
        ...     parse_message(b"")
        ... except DataWorksExtError as exc:
        ...     print(type(exc).__name__)
        MessageDecodeError
    """


class MessageError(DataWorksExtError, ValueError):
    """A message could not be read.

    Attributes:
        message_id: The message id when it could be read before the problem was found, else
            ``None``.  With an id a host can still answer DataWorks (the :class:`Extension`
            answers FAIL by default); without one there is nobody to answer, and a web host
            should reply 400.
        field: The offending field: its wire name (``nodeIds``) or a dotted path into the
            message (``data.multipleTimePeriods[0].bizEndTime``), or ``None``.
        event_code: The event the message names (its ``eventCode``, its CloudEvent ``type``,
            its Function Compute ``eventType``), read leniently when the id could be read;
            else ``None``.

    Example:
        >>> from dataworks_ext import MessageError, parse_message
        >>> try:
        ...     parse_message('{"id": "m-1", "type": "dataworks:NodeChange:FreezeNode",'
        ...                   ' "data": {"nodeIds": "1,2"}}')
        ... except MessageError as exc:
        ...     print(exc.message_id, exc.field, exc.event_code)
        m-1 data.nodeIds freeze-node
    """

    def __init__(
        self,
        reason: str,
        *,
        message_id: str | None = None,
        field: str | None = None,
        event_code: str | None = None,
    ) -> None:
        self.reason = reason
        self.message_id = message_id
        self.field = field
        self.event_code = event_code
        super().__init__(reason)

    def __str__(self) -> str:
        text = self.reason
        if self.field and not text.startswith(self.field):
            text = f"{self.field}: {text}"
        if self.message_id is not None:
            text = f"{text} (message {self.message_id})"
        return text

    def __reduce__(self) -> tuple[Any, ...]:
        return (
            _rebuild,
            (type(self), self.reason, self.message_id, self.field, self.event_code),
        )


def _rebuild(
    cls: type[MessageError],
    reason: str,
    message_id: str | None,
    field: str | None,
    event_code: str | None = None,
) -> MessageError:
    return cls(reason, message_id=message_id, field=field, event_code=event_code)


class MessageDecodeError(MessageError):
    """The raw input is not a JSON document: empty, not UTF-8, broken or nested too deeply.

    Example:
        >>> from dataworks_ext import MessageDecodeError, parse_message
        >>> try:
        ...     parse_message(b"\\xff\\xfe")
        ... except MessageDecodeError as exc:
        ...     print(exc)
        the message is not valid UTF-8 (invalid start byte at byte 0)
    """


class RequestTooLargeError(MessageError):
    """A request is refused whole, before any message is read: its body is larger than the
    body limit, or its batch holds more messages than the batch limit.

    Its outcome is REJECT, and :func:`~dataworks_ext.http_reply` answers it with HTTP 413.
    See :data:`~dataworks_ext.MAX_BODY_BYTES` and :data:`~dataworks_ext.MAX_BATCH_MESSAGES`.

    Attributes:
        limit: The limit the request went past (bytes, or messages).

    Example:
        >>> from dataworks_ext import RequestTooLargeError
        >>> from dataworks_ext.messages import decode_batch
        >>> try:
        ...     decode_batch(b"[{}, {}, {}]", max_messages=2)
        ... except RequestTooLargeError as exc:
        ...     print(exc, exc.limit)
        the batch holds 3 messages, more than the limit of 2 messages 2
    """

    def __init__(
        self,
        reason: str,
        *,
        message_id: str | None = None,
        field: str | None = None,
        limit: int = 0,
    ) -> None:
        super().__init__(reason, message_id=message_id, field=field)
        self.limit = limit

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild_too_large, (self.reason, self.limit))


def _rebuild_too_large(reason: str, limit: int) -> RequestTooLargeError:
    return RequestTooLargeError(reason, limit=limit)


class EnvelopeError(MessageError):
    """The JSON is not any envelope DataWorks sends (CloudEvent, batch, Function Compute).

    Example:
        >>> from dataworks_ext import EnvelopeError, parse_message
        >>> try:
        ...     parse_message("[1, 2]")
        ... except EnvelopeError as exc:
        ...     print(exc)
        the message is a JSON array; use parse_messages() for an EventBridge batch
    """


class FieldError(MessageError):
    """A field of the message is missing or holds a value of the wrong kind.

    Example:
        >>> from dataworks_ext import FieldError, parse_message
        >>> try:
        ...     parse_message('{"messageId": "m-2", "eventType": "freeze-node",'
        ...                   ' "messageBody": {"projectId": "x"}}')
        ... except FieldError as exc:
        ...     print(exc.field)
        messageBody.projectId
    """


class ConfigurationError(DataWorksExtError, ValueError):
    """A setting is missing or invalid: an environment variable, a keyword, an app path.

    Example:
        >>> from dataworks_ext import ConfigurationError, Extension
        >>> try:
        ...     Extension.from_env(environ={})
        ... except ConfigurationError as exc:
        ...     print(exc)
        DATAWORKS_EXTENSION_CODE is not set: give the extension code DataWorks assigned
    """


class HandlerTimeoutError(DataWorksExtError, TimeoutError):
    """The checks for a message did not finish within the extension's ``handler_timeout``.

    It is never raised out of :meth:`Extension.handle`; it is reported in
    :attr:`Outcome.error` while the timeout verdict is delivered in its place.

    Example:
        >>> from dataworks_ext import HandlerTimeoutError
        >>> str(HandlerTimeoutError("m-1", 30.0))
        'the checks for message m-1 did not finish within 30s'
    """

    def __init__(self, message_id: str, timeout: float) -> None:
        self.message_id = message_id
        self.timeout = timeout
        super().__init__(f"the checks for message {message_id} did not finish within {timeout:g}s")

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.message_id, self.timeout))


class CallbackError(DataWorksExtError):
    """A verdict could not be delivered to DataWorks, after every retry that was right.

    A host that sees it should refuse the message (HTTP 5xx, no Kafka commit) so that
    EventBridge delivers it again.  The text never contains credentials.

    Attributes:
        message_id: The message whose verdict was not delivered.
        code: The error code DataWorks answered (``Throttling.User``, ``Forbidden.Access``,
            ...), or a local one such as ``ConnectionError`` or ``DeadlineExceeded``.
        status: The HTTP status, or ``None`` when no answer arrived.
        request_id: DataWorks' request id of the last attempt, for support tickets.
        attempts: How many calls were made.
        retryable: Whether the last failure was of a kind that may pass on a later try.
        maybe_sent: Whether DataWorks may have received and recorded the verdict: ``True``
            when the outcome of a call is unknown (no answer within the read timeout or the
            deadline, a connection reset after sending, a gateway's 502/504); ``False`` when
            it is known that nothing was recorded (no call made, connection refused, a name
            that did not resolve, an error answer from DataWorks).  A retry of a verdict that
            may have been recorded must send the same verdict.

    Example:
        >>> from dataworks_ext import CallbackError
        >>> err = CallbackError("throttled", message_id="m-1", code="Throttling.User",
        ...                     status=429, request_id="R1", attempts=3, retryable=True)
        >>> print(err)
        throttled (message m-1, code Throttling.User, HTTP 429, request R1, after 3 attempts)
        >>> err.maybe_sent
        False
    """

    def __init__(
        self,
        reason: str,
        *,
        message_id: str | None = None,
        code: str | None = None,
        status: int | None = None,
        request_id: str | None = None,
        attempts: int = 1,
        retryable: bool = False,
        maybe_sent: bool = False,
    ) -> None:
        self.reason = reason
        self.message_id = message_id
        self.code = code
        self.status = status
        self.request_id = request_id
        self.attempts = attempts
        self.retryable = retryable
        self.maybe_sent = maybe_sent
        super().__init__(reason)

    def __str__(self) -> str:
        head = [] if self.message_id is None else [f"message {self.message_id}"]
        return f"{self.reason} ({_call_details(self, head)})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild_with_keywords, (type(self), self.reason, self.__dict__.copy()))


def _call_details(error: CallbackError | NodeLookupError, head: list[str]) -> str:
    """``code X, HTTP 429, request R, after 3 attempts``, after ``head``."""
    parts = list(head)
    if error.code:
        parts.append(f"code {error.code}")
    if error.status is not None:
        parts.append(f"HTTP {error.status}")
    if error.request_id:
        parts.append(f"request {error.request_id}")
    parts.append(f"after {error.attempts} attempt{'s' if error.attempts != 1 else ''}")
    return ", ".join(parts)


def _rebuild_with_keywords(cls: type[Any], reason: str, state: dict[str, Any]) -> Any:
    return cls(reason, **{k: v for k, v in state.items() if k != "reason"})


class NodeLookupError(DataWorksExtError):
    """A node, baseline, instance or event detail could not be looked up in DataWorks, for good.

    Raised by :class:`~dataworks_ext.lookups.Lookups` after the client's retries (throttling
    is waited out, not raised).  Raised inside a check, it is a check error: the
    :class:`~dataworks_ext.Extension` answers with its ``error_result`` policy.  The text names
    what could not be looked up and never contains credentials.

    Attributes:
        kind: ``"node"``, ``"baseline"``, ``"instance"`` or ``"event detail"``.
        object_id: The id that was looked up (the message id, for an event detail).
        api: The DataWorks API called (``GetNode``, ``GetBaseline``, ``GetInstance``,
            ``GetIDEEventDetail``).
        code: DataWorks' error code (``Throttling.User``, ``Invalid.Tenant.NodeNotExists``,
            ...) or a local one (``ConnectionError``, ``DailyLimitReached``, ...), or ``None``.
        status: The HTTP status, or ``None`` when no answer arrived.
        request_id: DataWorks' request id of the last attempt.
        attempts: How many calls were made.
        not_found: Whether DataWorks said there is no such object.

    Example:
        >>> from dataworks_ext import NodeLookupError
        >>> print(NodeLookupError("DataWorks has no such node", kind="node",
        ...                       object_id=700005966962, api="GetNode",
        ...                       code="Invalid.Tenant.NodeNotExists", status=400,
        ...                       not_found=True))
        could not look up node 700005966962: DataWorks has no such node (GetNode, code Invalid.Tenant.NodeNotExists, HTTP 400, after 1 attempt)
    """  # noqa: E501

    def __init__(
        self,
        reason: str,
        *,
        kind: str,
        object_id: int | str,
        api: str,
        code: str | None = None,
        status: int | None = None,
        request_id: str | None = None,
        attempts: int = 1,
        not_found: bool = False,
    ) -> None:
        self.reason = reason
        self.kind = kind
        self.object_id = object_id
        self.api = api
        self.code = code
        self.status = status
        self.request_id = request_id
        self.attempts = attempts
        self.not_found = not_found
        super().__init__(reason)

    @property
    def tip(self) -> str:
        """A sentence for the user, naming what could not be looked up and why (no request
        details): what a tip may say about the failure.

        Example:
            >>> from dataworks_ext import NodeLookupError
            >>> NodeLookupError("DataWorks has no such node", kind="node", object_id=404,
            ...                 api="GetNode", not_found=True).tip
            'Node 404 could not be looked up in DataWorks: DataWorks has no such node'
        """
        what = f"{self.kind.capitalize()} {self.object_id}"
        return f"{what} could not be looked up in DataWorks: {self.reason}"

    def __str__(self) -> str:
        details = _call_details(self, [self.api])
        return f"could not look up {self.kind} {self.object_id}: {self.reason} ({details})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild_with_keywords, (type(self), self.reason, self.__dict__.copy()))


class TooManyLookupsError(DataWorksExtError, ValueError):
    """A check asked to look up more objects at once than its limit allows.

    :meth:`Lookups.nodes <dataworks_ext.lookups.Lookups.nodes>` refuses, before any call, a
    batch over its ``limit`` (100 unless given): a 20,000-node backfill never becomes 20,000
    calls by accident.  The ready-made node rules check their own ``max_lookups`` first and
    answer as configured instead.

    Example:
        >>> from dataworks_ext import TooManyLookupsError
        >>> print(TooManyLookupsError("node", 20000, 100))
        20000 nodes to look up at once; the limit is 100
    """

    def __init__(self, kind: str, count: int, limit: int) -> None:
        self.kind = kind
        self.count = count
        self.limit = limit
        super().__init__(f"{count} {kind}s to look up at once; the limit is {limit}")

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.kind, self.count, self.limit))


class StoreError(DataWorksExtError):
    """The answer store could not be reached, or could not record a claim or an answer.

    :class:`Extension` never raises it: an outcome whose claim could not be recorded carries
    it in :attr:`Outcome.error`, nothing is delivered, and its disposition is
    :attr:`Disposition.RETRY`.  The text names the operation and the client's error class,
    never a password.

    Attributes:
        operation: ``claim``, ``complete`` or ``release``.
        message_id: The message concerned.

    Example:
        >>> from dataworks_ext import StoreError
        >>> print(StoreError("connection refused", operation="claim", message_id="m-1"))
        the answer store failed to claim message m-1: connection refused
    """

    def __init__(self, reason: str, *, operation: str, message_id: str | None = None) -> None:
        self.reason = reason
        self.operation = operation
        self.message_id = message_id
        super().__init__(reason)

    def __str__(self) -> str:
        what = f" message {self.message_id}" if self.message_id is not None else ""
        return f"the answer store failed to {self.operation}{what}: {self.reason}"

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild_store_error, (self.reason, self.operation, self.message_id))


def _rebuild_store_error(reason: str, operation: str, message_id: str | None) -> StoreError:
    return StoreError(reason, operation=operation, message_id=message_id)
