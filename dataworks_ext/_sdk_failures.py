"""What a failed call of the official Alibaba Cloud SDK means, in our own words.

The SDK raises its own exception classes (``ClientException``, ``ServerException``, darabonba's
``UnretryableException`` wrapping a transport error, ...) and lets requests, urllib3 or aiohttp
errors through.  :func:`classify` reads whatever was raised by HTTP status, error code and
exception class *names* (so neither requests, urllib3 nor aiohttp is imported here) and returns
a :class:`SdkFailure`: a reason to show, the code, the status, the request id, and whether the
same call may pass on a later try.  :func:`unsuccessful` does the same for an answer whose
``Success`` is not true.  Nothing here does I/O or knows what the call was for.
"""

from __future__ import annotations

from typing import Any

__all__ = ["SdkFailure", "classify", "deadline_exceeded", "response_failure", "unsuccessful"]


class SdkFailure:
    """One failed attempt, described in our own words (never the SDK's texts)."""

    __slots__ = ("code", "maybe_sent", "reason", "request_id", "retryable", "status", "unexpected")

    def __init__(
        self,
        reason: str,
        code: str | None,
        *,
        status: int | None = None,
        request_id: str | None = None,
        retryable: bool = False,
        unexpected: bool = False,
        maybe_sent: bool = False,
    ) -> None:
        self.reason = reason
        self.code = code
        self.status = status
        self.request_id = request_id
        self.retryable = retryable
        # Neither an answer nor a transport error: worth a warning with the class name.
        self.unexpected = unexpected
        # Whether DataWorks may have received (and recorded) the call: the outcome is unknown.
        self.maybe_sent = maybe_sent

    def describe(self) -> str:
        """``code, HTTP status, request id`` for logs."""
        parts = [self.code or "no code"]
        if self.status is not None:
            parts.append(f"HTTP {self.status}")
        if self.request_id:
            parts.append(f"request {self.request_id}")
        return ", ".join(parts)

    def __repr__(self) -> str:
        return (
            f"SdkFailure({self.reason!r}, {self.describe()}, retryable={self.retryable}, "
            f"maybe_sent={self.maybe_sent})"
        )


def clean(value: Any) -> str | None:
    """The SDK formats missing codes and ids as the string ``'None'``; undo that."""
    if value is None:
        return None
    text = str(value).strip()
    return None if text in ("", "None", "null") else text


def as_status(value: Any) -> int | None:
    """An HTTP status as an int, or ``None``."""
    try:
        return None if value is None else int(value)
    except (TypeError, ValueError):
        return None


_CREDENTIAL_CODES = (
    "InvalidAccessKeyId",
    "SignatureDoesNotMatch",
    "IncompleteSignature",
    "InvalidSecurityToken",
    "InvalidCredentials",
    "InvalidTimeStamp",
    "SignatureNonceUsed",
)


def response_failure(status: int | None, code: str | None, request_id: str | None) -> SdkFailure:
    """An error answer from DataWorks: decided by HTTP status and error code only."""
    code_text = code or ""
    throttled = status == 429 or code_text.startswith("Throttling")
    server_side = status is not None and status >= 500
    if throttled:
        reason = "DataWorks throttled the call"
    elif server_side:
        reason = "DataWorks failed with a server error"
    elif code_text.startswith(_CREDENTIAL_CODES):
        reason = "DataWorks rejected the credentials or the signature"
    elif status == 403:
        reason = "DataWorks refused permission for the call"
    elif status == 400:
        reason = "DataWorks rejected the call's parameters"
    elif status is None:
        reason = "the Alibaba Cloud SDK refused to make the call"
    else:
        reason = "DataWorks rejected the call"
    return SdkFailure(
        reason,
        code,
        status=status,
        request_id=request_id,
        retryable=throttled or server_side or status == 408,
        # An answer says what happened, except a gateway's: it lost DataWorks' answer.
        maybe_sent=status in _GATEWAY_LOST,
    )


def unsuccessful(response: Any, what: str) -> SdkFailure | None:
    """``None`` when the answer's body says ``Success`` true, else why ``what`` failed."""
    body = getattr(response, "body", None)
    if getattr(body, "success", None) is True:
        return None
    return SdkFailure(
        f"DataWorks did not accept {what} (Success is not true)",
        "Unsuccessful",
        status=as_status(getattr(response, "status_code", None)),
        request_id=clean(getattr(body, "request_id", None)),
    )


_GATEWAY_LOST = frozenset({502, 504})


def deadline_exceeded(deadline: float) -> SdkFailure:
    """No answer before the whole call's deadline: the request may have reached DataWorks."""
    return SdkFailure(
        f"no answer from DataWorks within the {deadline:g}s delivery deadline",
        "DeadlineExceeded",
        retryable=True,
        maybe_sent=True,
    )


def _chain(exc: BaseException) -> list[BaseException]:
    """``exc``, the exception the SDK wrapped in it, and their causes, without repeats."""
    seen: list[BaseException] = []
    todo: list[BaseException | None] = [exc]
    while todo and len(seen) < 16:
        item = todo.pop(0)
        if item is None or any(item is s for s in seen):
            continue
        seen.append(item)
        inner = getattr(item, "inner_exception", None)
        todo.extend(
            [inner if isinstance(inner, BaseException) else None, item.__cause__, item.__context__]
        )
    return seen


def _class_names(chain: list[BaseException]) -> set[str]:
    return {klass.__name__ for item in chain for klass in type(item).__mro__}


# Transport errors by class name (no import of requests, urllib3 or aiohttp needed).  The
# chain is read outermost first, so requests' own verdict (ConnectTimeout vs ConnectionError)
# wins over urllib3's internals (whose NewConnectionError subclasses ConnectTimeoutError).
_CONNECT_TIMEOUTS = frozenset({"ConnectTimeout", "ConnectionTimeoutError"})
_READ_TIMEOUTS = frozenset(
    {"ReadTimeout", "SocketTimeoutError", "ServerTimeoutError", "Timeout", "TimeoutError"}
)
_CONNECTION_ERRORS = frozenset(
    {"ConnectionError", "ClientConnectionError", "ClientOSError", "OSError"}
)
_WRAPPERS = frozenset({"UnretryableException", "RetryError"})


def _transport_kind(chain: list[BaseException]) -> str | None:
    """``ConnectTimeout``, ``ReadTimeout``, ``ConnectionError`` or ``None``."""
    for item in chain:
        names = {klass.__name__ for klass in type(item).__mro__}
        if type(item).__name__ in _WRAPPERS:
            continue
        if names & _CONNECT_TIMEOUTS:
            return "ConnectTimeout"
        if names & _READ_TIMEOUTS:
            return "ReadTimeout"
        if names & _CONNECTION_ERRORS:
            return "ConnectionError"
    # darabonba turns every IOError of a call into a RetryError carrying only its text.
    return "ConnectionError" if any(type(i).__name__ == "RetryError" for i in chain) else None


_SDK_ERRORS = frozenset(
    {
        "AlibabaCloudException",
        "ClientException",
        "ServerException",
        "ThrottlingException",
        "ResponseException",
        "DaraException",
    }
)


def classify(exc: BaseException, where: str, read_timeout: float) -> SdkFailure:
    """Turn whatever the SDK raised into a :class:`SdkFailure`, by status, code and class.

    ``where`` (the endpoint's URL) and ``read_timeout`` (seconds) only word the reason.
    """
    chain = _chain(exc)
    for item in chain:
        status = as_status(getattr(item, "status_code", None) or getattr(item, "statusCode", None))
        if status is not None:
            code = clean(getattr(item, "code", None))
            return response_failure(status, code, clean(getattr(item, "request_id", None)))
    names = _class_names(chain)
    if "CredentialException" in names:
        return SdkFailure("could not obtain Alibaba Cloud credentials", "CredentialError")
    for item in chain:
        code = clean(getattr(item, "code", None))
        if code and type(item).__name__ in _SDK_ERRORS:
            # Raised before any call was made (no credentials configured, ...).
            return response_failure(None, code, None)
    kind = _transport_kind(chain)
    if kind == "ConnectTimeout":
        return SdkFailure(
            f"could not connect to DataWorks at {where} in time", kind, retryable=True
        )
    if kind == "ReadTimeout":
        return SdkFailure(
            f"DataWorks did not answer within {read_timeout:g}s",
            kind,
            retryable=True,
            maybe_sent=True,
        )
    if kind == "ConnectionError":
        return SdkFailure(
            f"could not reach DataWorks at {where}",
            kind,
            retryable=True,
            maybe_sent=not _never_connected(chain, names),
        )
    if names & {"JSONDecodeError", "UnicodeDecodeError"}:
        return SdkFailure(
            "DataWorks sent an answer that is not JSON",
            "InvalidResponse",
            retryable=True,
            maybe_sent=True,
        )
    inner = chain[1] if len(chain) > 1 and type(exc).__name__ == "UnretryableException" else exc
    name = type(inner).__name__
    return SdkFailure(
        f"the Alibaba Cloud SDK raised {name}", name, unexpected=True, maybe_sent=True
    )


# A connection error before any byte of the request left: the connection was refused, the
# name did not resolve, the network is unreachable.  Any other connection error (reset, broken
# pipe, the server closing without an answer) may come after the request was sent.
_NEVER_CONNECTED = frozenset(
    {
        "NewConnectionError",
        "ConnectionRefusedError",
        "NameResolutionError",
        "gaierror",
        "ClientConnectorError",
        "ClientConnectorDNSError",
        "ConnectTimeoutError",
    }
)
_NEVER_CONNECTED_TEXTS = (
    "connection refused",
    "name or service not known",
    "nodename nor servname",
    "failed to resolve",
    "temporary failure in name resolution",
    "network is unreachable",
    "no route to host",
)


def _never_connected(chain: list[BaseException], names: set[str]) -> bool:
    """Whether a connection error happened before the request could be sent."""
    if names & _NEVER_CONNECTED:
        return True
    # darabonba's RetryError carries only the text of the error it wrapped: read, never shown.
    text = " ".join(str(item) for item in chain).lower()
    return any(mark in text for mark in _NEVER_CONNECTED_TEXTS)
