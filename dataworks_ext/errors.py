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
    "StoreError",
]

_QUOTE_LIMIT = 80


def _quote(value: Any) -> str:
    """A short, safe rendering of an offending value for an error text."""
    try:
        text = repr(value)
    except RecursionError:
        return f"a {type(value).__name__} nested too deeply to show"
    if len(text) > _QUOTE_LIMIT:
        return f"{text[: _QUOTE_LIMIT - 3]}... ({type(value).__name__}, {len(text)} chars)"
    return text


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

    Example:
        >>> from dataworks_ext import MessageError, parse_message
        >>> try:
        ...     parse_message('{"id": "m-1", "type": "dataworks:NodeChange:FreezeNode",'
        ...                   ' "data": {"nodeIds": "1,2"}}')
        ... except MessageError as exc:
        ...     print(exc.message_id, exc.field)
        m-1 data.nodeIds
    """

    def __init__(
        self, reason: str, *, message_id: str | None = None, field: str | None = None
    ) -> None:
        self.reason = reason
        self.message_id = message_id
        self.field = field
        super().__init__(reason)

    def __str__(self) -> str:
        text = self.reason
        if self.field and not text.startswith(self.field):
            text = f"{self.field}: {text}"
        if self.message_id is not None:
            text = f"{text} (message {self.message_id})"
        return text

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (type(self), self.reason, self.message_id, self.field))


def _rebuild(
    cls: type[MessageError], reason: str, message_id: str | None, field: str | None
) -> MessageError:
    return cls(reason, message_id=message_id, field=field)


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

    Example:
        >>> from dataworks_ext import CallbackError
        >>> err = CallbackError("throttled", message_id="m-1", code="Throttling.User",
        ...                     status=429, request_id="R1", attempts=3, retryable=True)
        >>> print(err)
        throttled (message m-1, code Throttling.User, HTTP 429, request R1, after 3 attempts)
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
    ) -> None:
        self.reason = reason
        self.message_id = message_id
        self.code = code
        self.status = status
        self.request_id = request_id
        self.attempts = attempts
        self.retryable = retryable
        super().__init__(reason)

    def __str__(self) -> str:
        parts = []
        if self.message_id is not None:
            parts.append(f"message {self.message_id}")
        if self.code:
            parts.append(f"code {self.code}")
        if self.status is not None:
            parts.append(f"HTTP {self.status}")
        if self.request_id:
            parts.append(f"request {self.request_id}")
        parts.append(f"after {self.attempts} attempt{'s' if self.attempts != 1 else ''}")
        return f"{self.reason} ({', '.join(parts)})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild_callback_error, (self.reason, self.__dict__.copy()))


def _rebuild_callback_error(reason: str, state: dict[str, Any]) -> CallbackError:
    state = {k: v for k, v in state.items() if k != "reason"}
    return CallbackError(reason, **state)


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
