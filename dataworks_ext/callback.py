"""Delivering verdicts to DataWorks.

:class:`Callback` is the interface :class:`Extension` delivers through.  The SDK ships
:class:`CallbackClient` (``UpdateWorkbenchEventResult`` through the official Alibaba Cloud
SDK) and, for tests and local development, :class:`dataworks_ext.testing.RecordingCallback`
and :class:`dataworks_ext.testing.PrintingCallback`.
"""

from __future__ import annotations

import logging
import os
import random
import threading
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Protocol, runtime_checkable

from .errors import CallbackError, ConfigurationError
from .verdicts import Verdict

__all__ = ["Callback", "CallbackClient"]

logger = logging.getLogger("dataworks_ext.callback")


@runtime_checkable
class Callback(Protocol):
    """Delivers one verdict for one message to DataWorks.

    Implementations raise :class:`dataworks_ext.CallbackError` when a verdict could not be
    delivered, after whatever retrying is right; returning means DataWorks accepted it.  Both
    methods must be safe to call from several threads (and tasks) at once.

    Example:
        >>> from dataworks_ext import Callback, Verdict
        >>> class Collect:
        ...     def __init__(self) -> None:
        ...         self.sent: list[tuple[str, str, Verdict]] = []
        ...     def deliver(self, message_id: str, extension_code: str, verdict: Verdict) -> None:
        ...         self.sent.append((message_id, extension_code, verdict))
        ...     async def deliver_async(
        ...         self, message_id: str, extension_code: str, verdict: Verdict
        ...     ) -> None:
        ...         self.deliver(message_id, extension_code, verdict)
        >>> isinstance(Collect(), Callback)
        True
    """

    def deliver(self, message_id: str, extension_code: str, verdict: Verdict) -> None:
        """Deliver ``verdict`` as the answer to ``message_id`` for ``extension_code``."""
        ...

    async def deliver_async(self, message_id: str, extension_code: str, verdict: Verdict) -> None:
        """The same as :meth:`deliver`, without blocking the event loop."""
        ...


# ---------------------------------------------------------------------------- the official SDK

_DEFAULT_REGION = "cn-shanghai"
_SDK_LOCK = threading.Lock()
_SDK: _Sdk | None = None


class _Sdk:
    """The classes of the official SDK, imported once, on the first delivery."""

    __slots__ = ("Client", "Config", "CredentialClient", "Request", "RetryOptions", "Runtime")

    def __init__(self) -> None:
        from alibabacloud_credentials.client import Client as CredentialClient
        from alibabacloud_dataworks_public20200518.client import Client
        from alibabacloud_dataworks_public20200518.models import (
            UpdateWorkbenchEventResultRequest,
        )
        from alibabacloud_tea_openapi.utils_models import Config
        from darabonba.policy.retry import RetryOptions
        from darabonba.runtime import RuntimeOptions

        self.Client: Any = Client
        self.Config: Any = Config
        self.CredentialClient: Any = CredentialClient
        self.Request: Any = UpdateWorkbenchEventResultRequest
        self.RetryOptions: Any = RetryOptions
        self.Runtime: Any = RuntimeOptions


def _sdk() -> _Sdk:
    global _SDK
    sdk = _SDK
    if sdk is None:
        with _SDK_LOCK:
            sdk = _SDK
            if sdk is None:
                sdk = _SDK = _Sdk()
    return sdk


# ---------------------------------------------------------------------------- failures


class _Failure:
    """One failed attempt, described in our own words (never the SDK's texts)."""

    __slots__ = ("code", "reason", "request_id", "retryable", "status", "unexpected")

    def __init__(
        self,
        reason: str,
        code: str | None,
        *,
        status: int | None = None,
        request_id: str | None = None,
        retryable: bool = False,
    ) -> None:
        self.reason = reason
        self.code = code
        self.status = status
        self.request_id = request_id
        self.retryable = retryable
        self.unexpected = False

    def describe(self) -> str:
        parts = [self.code or "no code"]
        if self.status is not None:
            parts.append(f"HTTP {self.status}")
        if self.request_id:
            parts.append(f"request {self.request_id}")
        return ", ".join(parts)


def _clean(value: Any) -> str | None:
    """The SDK formats missing codes and ids as the string ``'None'``; undo that."""
    if value is None:
        return None
    text = str(value).strip()
    return None if text in ("", "None", "null") else text


def _as_status(value: Any) -> int | None:
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


def _response_failure(status: int | None, code: str | None, request_id: str | None) -> _Failure:
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
    return _Failure(
        reason,
        code,
        status=status,
        request_id=request_id,
        retryable=throttled or server_side or status == 408,
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


_SDK_ERRORS = {
    "AlibabaCloudException",
    "ClientException",
    "ServerException",
    "ThrottlingException",
    "ResponseException",
    "DaraException",
}


def _classify(exc: BaseException, where: str, read_timeout: float) -> _Failure:
    """Turn whatever the SDK raised into a :class:`_Failure`, by status and code."""
    chain = _chain(exc)
    for item in chain:
        status = _as_status(getattr(item, "status_code", None) or getattr(item, "statusCode", None))
        if status is not None:
            code = _clean(getattr(item, "code", None))
            return _response_failure(status, code, _clean(getattr(item, "request_id", None)))
    names = _class_names(chain)
    if "CredentialException" in names:
        return _Failure("could not obtain Alibaba Cloud credentials", "CredentialError")
    for item in chain:
        code = _clean(getattr(item, "code", None))
        if code and type(item).__name__ in _SDK_ERRORS:
            # Raised before any call was made (no credentials configured, ...).
            return _response_failure(None, code, None)
    kind = _transport_kind(chain)
    if kind == "ConnectTimeout":
        return _Failure(f"could not connect to DataWorks at {where} in time", kind, retryable=True)
    if kind == "ReadTimeout":
        return _Failure(f"DataWorks did not answer within {read_timeout:g}s", kind, retryable=True)
    if kind == "ConnectionError":
        return _Failure(f"could not reach DataWorks at {where}", kind, retryable=True)
    if names & {"JSONDecodeError", "UnicodeDecodeError"}:
        return _Failure(
            "DataWorks sent an answer that is not JSON", "InvalidResponse", retryable=True
        )
    inner = chain[1] if len(chain) > 1 and type(exc).__name__ == "UnretryableException" else exc
    name = type(inner).__name__
    failure = _Failure(f"the Alibaba Cloud SDK raised {name}", name)
    failure.unexpected = True
    return failure


# ---------------------------------------------------------------------------- the client


def _seconds(value: float, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        raise ConfigurationError(f"{name} must be a positive number of seconds, got {value!r}")
    return float(value)


def _mask(key_id: str) -> str:
    return f"{key_id[:4]}***" if len(key_id) >= 8 else "***"


def _split_endpoint(endpoint: str, protocol: str) -> tuple[str, str]:
    """``(protocol, host[:port])`` from ``host``, ``host:port`` or ``scheme://host[:port]``."""
    text = endpoint.strip()
    if "://" in text:
        scheme, _, text = text.partition("://")
        protocol = scheme.lower()
    text = text.rstrip("/")
    if protocol not in ("http", "https"):
        raise ConfigurationError(f"the endpoint's protocol must be http or https, not {protocol!r}")
    if not text or any(c in text for c in "/?#@ "):
        raise ConfigurationError(
            f"endpoint must be a host, host:port or http(s)://host[:port]; got {endpoint!r}"
        )
    return protocol, text


class CallbackClient:
    """Delivers verdicts with ``UpdateWorkbenchEventResult`` through the official SDK.

    Calls go through ``alibabacloud-dataworks-public20200518`` (signed with
    ACS3-HMAC-SHA256 by the SDK), imported on the first delivery so that
    ``import dataworks_ext`` stays fast.  One SDK client is made per ``CallbackClient`` and
    reused by every thread and task.

    Throttling (HTTP 429, ``Throttling.*``), server errors (5xx), timeouts and connection
    errors are retried with exponential backoff and full jitter, at most ``max_attempts``
    calls and within ``deadline`` seconds for the whole delivery.  Parameter (400),
    credential and permission (403) errors, and an answer with ``Success`` false, are not
    retried.  When a verdict cannot be delivered, :class:`CallbackError` is raised with the
    error code, HTTP status, request id and number of calls; no text the client writes (its
    ``repr``, its logs, its errors) contains the AccessKey secret or the security token.

    The SDK takes a proxy from ``HTTP_PROXY`` / ``HTTPS_PROXY`` and does not honour
    ``NO_PROXY``: unset them for a process that must reach a local or VPC endpoint directly.

    Args:
        region_id: The DataWorks region, e.g. ``cn-shanghai``.
        endpoint: ``None`` for ``dataworks.<region_id>.aliyuncs.com``; else a host,
            ``host:port``, or ``http://host:port`` / ``https://host`` (the scheme then sets
            the protocol).
        protocol: ``https`` (default) or ``http``, for an endpoint given without a scheme.
        access_key_id: A static AccessKey id (with ``access_key_secret``).
        access_key_secret: Its secret.
        security_token: An STS token, for temporary credentials.
        credential: An ``alibabacloud_credentials.client.Client`` to use instead of keys.  With
            neither keys nor ``credential``, the default credential chain is used
            (``ALIBABA_CLOUD_ACCESS_KEY_ID`` ..., config files, RAM roles).
        connect_timeout: Seconds to wait for a connection, per call.
        read_timeout: Seconds to wait for an answer, per call.
        max_attempts: The most calls one delivery makes (at least 1).
        backoff_base: Seconds: the first retry waits up to this long, each later one up to
            twice the previous bound (full jitter).
        backoff_cap: Seconds no single wait exceeds.
        deadline: Seconds one delivery may take in total, retries and waits included.
        sleep: What waits between sync attempts (``time.sleep``); for tests.
        async_sleep: What waits between async attempts (``asyncio.sleep``); for tests.

    Example:
        >>> from dataworks_ext import CallbackClient
        >>> client = CallbackClient(region_id="cn-hangzhou", access_key_id="LTAI5tExample",
        ...                         access_key_secret="not-shown")
        >>> client
        CallbackClient(region_id='cn-hangzhou', endpoint='https://dataworks.cn-hangzhou.aliyuncs.com', access_key_id='LTAI***')
        >>> client.deliver("m-1", "my-extension", Verdict.ok())  # doctest: +SKIP
    """  # noqa: E501

    def __init__(
        self,
        *,
        region_id: str,
        endpoint: str | None = None,
        protocol: str = "https",
        access_key_id: str | None = None,
        access_key_secret: str | None = None,
        security_token: str | None = None,
        credential: Any = None,
        connect_timeout: float = 5.0,
        read_timeout: float = 10.0,
        max_attempts: int = 4,
        backoff_base: float = 0.2,
        backoff_cap: float = 5.0,
        deadline: float = 20.0,
        sleep: Callable[[float], object] | None = None,
        async_sleep: Callable[[float], Awaitable[object]] | None = None,
    ) -> None:
        if not isinstance(region_id, str) or not region_id.strip():
            raise ConfigurationError("region_id must be a region such as 'cn-shanghai'")
        self.region_id = region_id.strip()
        protocol = str(protocol).lower()
        if endpoint is None or not str(endpoint).strip():
            endpoint = f"dataworks.{self.region_id}.aliyuncs.com"
        self.protocol, self.endpoint = _split_endpoint(str(endpoint), protocol)
        if bool(access_key_id) != bool(access_key_secret):
            raise ConfigurationError(
                "give both access_key_id and access_key_secret, or neither (default chain)"
            )
        if security_token and not access_key_id:
            raise ConfigurationError("security_token needs access_key_id and access_key_secret")
        if credential is not None and access_key_id:
            raise ConfigurationError("give either AccessKeys or credential, not both")
        if isinstance(max_attempts, bool) or not isinstance(max_attempts, int) or max_attempts < 1:
            raise ConfigurationError(
                f"max_attempts must be an int of 1 or more, not {max_attempts!r}"
            )
        self.connect_timeout = _seconds(connect_timeout, "connect_timeout")
        self.read_timeout = _seconds(read_timeout, "read_timeout")
        self.max_attempts = max_attempts
        self.backoff_base = _seconds(backoff_base, "backoff_base")
        self.backoff_cap = _seconds(backoff_cap, "backoff_cap")
        self.deadline = _seconds(deadline, "deadline")
        self._access_key_id = access_key_id or None
        self._access_key_secret = access_key_secret or None
        self._security_token = security_token or None
        self._credential = credential
        self._sleep: Callable[[float], object] = time.sleep if sleep is None else sleep
        self._async_sleep = async_sleep
        self._client: Any = None
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ construction helpers

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **options: Any) -> CallbackClient:
        """Build a client from environment variables (``os.environ`` unless given).

        ``DATAWORKS_REGION_ID`` (default ``cn-shanghai``), ``DATAWORKS_ENDPOINT`` (optional),
        ``ALIBABA_CLOUD_ACCESS_KEY_ID`` / ``ALIBABA_CLOUD_ACCESS_KEY_SECRET`` /
        ``ALIBABA_CLOUD_SECURITY_TOKEN``; without keys, the SDK's default credential chain.
        Other keywords go to the constructor.

        Example:
            >>> from dataworks_ext import CallbackClient
            >>> CallbackClient.from_env(environ={"DATAWORKS_REGION_ID": "cn-beijing",
            ...                                  "DATAWORKS_ENDPOINT": "http://127.0.0.1:9000"})
            CallbackClient(region_id='cn-beijing', endpoint='http://127.0.0.1:9000', credentials='default chain')
        """  # noqa: E501
        env: Mapping[str, str] = os.environ if environ is None else environ

        def get(name: str) -> str | None:
            value = env.get(name)
            return value.strip() or None if isinstance(value, str) else None

        settings: dict[str, Any] = {
            "region_id": get("DATAWORKS_REGION_ID") or _DEFAULT_REGION,
            "endpoint": get("DATAWORKS_ENDPOINT"),
            "access_key_id": get("ALIBABA_CLOUD_ACCESS_KEY_ID"),
            "access_key_secret": get("ALIBABA_CLOUD_ACCESS_KEY_SECRET"),
            "security_token": get("ALIBABA_CLOUD_SECURITY_TOKEN"),
        }
        if bool(settings["access_key_id"]) != bool(settings["access_key_secret"]):
            raise ConfigurationError(
                "set both ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET, "
                "or neither to use the default credential chain"
            )
        if not settings["access_key_id"]:
            settings["security_token"] = None
        settings.update(options)
        return cls(**settings)

    @classmethod
    def from_fc_context(
        cls, context: Any, region_id: str | None = None, **options: Any
    ) -> CallbackClient:
        """Build a client from the temporary credentials Function Compute gives a function.

        Uses ``context.credentials`` (``access_key_id``, ``access_key_secret``,
        ``security_token``) and ``context.region`` unless ``region_id`` is given.  The
        credentials expire: build the client in the handler, once per invocation (cheap:
        the SDK stays imported).

        Example:
            >>> from types import SimpleNamespace
            >>> from dataworks_ext import CallbackClient
            >>> context = SimpleNamespace(region="cn-shanghai", credentials=SimpleNamespace(
            ...     access_key_id="STS.NTfakeid", access_key_secret="s", security_token="t"))
            >>> CallbackClient.from_fc_context(context).region_id
            'cn-shanghai'
        """
        credentials = getattr(context, "credentials", None)
        key_id = getattr(credentials, "access_key_id", None) or getattr(
            credentials, "accessKeyId", None
        )
        secret = getattr(credentials, "access_key_secret", None) or getattr(
            credentials, "accessKeySecret", None
        )
        token = getattr(credentials, "security_token", None) or getattr(
            credentials, "securityToken", None
        )
        if not key_id or not secret:
            raise ConfigurationError(
                "the Function Compute context has no credentials: give the function a role"
            )
        region = region_id or getattr(context, "region", None)
        if not region:
            raise ConfigurationError("the Function Compute context has no region: give region_id")
        return cls(
            region_id=region,
            access_key_id=key_id,
            access_key_secret=secret,
            security_token=token,
            **options,
        )

    def __repr__(self) -> str:
        if self._access_key_id:
            who = f"access_key_id={_mask(self._access_key_id)!r}"
        elif self._credential is not None:
            who = f"credential={type(self._credential).__name__}"
        else:
            who = "credentials='default chain'"
        return f"CallbackClient(region_id={self.region_id!r}, endpoint={self.url!r}, {who})"

    __str__ = __repr__

    @property
    def url(self) -> str:
        """The base URL calls go to, e.g. ``https://dataworks.cn-shanghai.aliyuncs.com``.

        Example:
            >>> from dataworks_ext import CallbackClient
            >>> CallbackClient(region_id="cn-shanghai", endpoint="127.0.0.1:8000",
            ...                protocol="http").url
            'http://127.0.0.1:8000'
        """
        return f"{self.protocol}://{self.endpoint}"

    # ------------------------------------------------------------------ the SDK client

    def _sdk_client(self) -> Any:
        client = self._client
        if client is not None:
            return client
        with self._lock:
            if self._client is None:
                self._client = self._build()
            return self._client

    def _build(self) -> Any:
        sdk = _sdk()
        from . import __version__

        config = sdk.Config(
            region_id=self.region_id,
            endpoint=self.endpoint,
            protocol=self.protocol,
            connect_timeout=_millis(self.connect_timeout),
            read_timeout=_millis(self.read_timeout),
            user_agent=f"dataworks-ext/{__version__}",
            retry_options=sdk.RetryOptions({"retryable": False}),
        )
        if self._access_key_id:
            config.access_key_id = self._access_key_id
            config.access_key_secret = self._access_key_secret
            config.security_token = self._security_token
        else:
            config.credential = (
                self._credential if self._credential is not None else sdk.CredentialClient()
            )
        return sdk.Client(config)

    def _setup_failed(self, exc: BaseException, message_id: str) -> CallbackError:
        logger.error(
            "could not set up the Alibaba Cloud SDK client (%s)",
            type(exc).__name__,
            extra={"message_id": message_id},
        )
        return CallbackError(
            f"could not set up the Alibaba Cloud SDK client ({type(exc).__name__})",
            message_id=message_id,
            code="ClientSetupError",
            attempts=0,
        )

    @staticmethod
    def _request(message_id: str, extension_code: str, verdict: Verdict) -> Any:
        return _sdk().Request(
            message_id=message_id,
            extension_code=extension_code,
            check_result=verdict.result.value,
            check_result_tip=verdict.tip,
        )

    def _runtime(self, remaining: float) -> tuple[Any, float, bool]:
        """Per-call options: the timeouts, cut to what is left of the deadline."""
        read = min(self.read_timeout, remaining)
        return (
            _sdk().Runtime(
                connect_timeout=_millis(min(self.connect_timeout, remaining)),
                read_timeout=_millis(read),
                autoretry=False,
            ),
            read,
            read < self.read_timeout,
        )

    # ------------------------------------------------------------------ delivering

    def deliver(self, message_id: str, extension_code: str, verdict: Verdict) -> None:
        """Deliver ``verdict`` for ``message_id``, retrying what may pass on a later try.

        Raises:
            CallbackError: DataWorks did not accept the verdict (``code``, ``status``,
                ``request_id``, ``attempts`` and ``retryable`` tell why).

        Example:
            >>> from dataworks_ext import Verdict
            >>> from dataworks_ext.testing import LocalDataWorks
            >>> with LocalDataWorks() as local:
            ...     local.client().deliver("m-1", "ext", Verdict.fail("node 7 is protected"))
            ...     local.verdict_for("m-1").result
            'FAIL'
        """
        try:
            client = self._sdk_client()
            request = self._request(message_id, extension_code, verdict)
        except Exception as exc:
            raise self._setup_failed(exc, message_id) from None
        started = time.monotonic()
        attempt = 0
        while True:
            attempt += 1
            remaining = self.deadline - (time.monotonic() - started)
            runtime, read, capped = self._runtime(remaining)
            try:
                response = client.update_workbench_event_result_with_options(request, runtime)
            except Exception as exc:
                failure = self._failure(exc, read, capped)
            else:
                refused = self._answer(response, message_id, verdict, attempt)
                if refused is None:
                    return
                failure = refused
            delay = self._next_delay(message_id, attempt, failure, started)
            if delay is None:
                raise self._gave_up(message_id, attempt, failure, started) from None
            self._sleep(delay)

    async def deliver_async(self, message_id: str, extension_code: str, verdict: Verdict) -> None:
        """The same as :meth:`deliver`, on the SDK's async path, without blocking the loop.

        The first delivery imports the SDK in a worker thread.

        Example:
            >>> import asyncio
            >>> from dataworks_ext import Verdict
            >>> from dataworks_ext.testing import LocalDataWorks
            >>> with LocalDataWorks() as local:
            ...     asyncio.run(local.client().deliver_async("m-2", "ext", Verdict.ok()))
            ...     local.count_for("m-2")
            1
        """
        import asyncio

        try:
            if self._client is None:
                client = await asyncio.get_running_loop().run_in_executor(None, self._sdk_client)
            else:
                client = self._client
            request = self._request(message_id, extension_code, verdict)
        except Exception as exc:
            raise self._setup_failed(exc, message_id) from None
        sleep = asyncio.sleep if self._async_sleep is None else self._async_sleep
        started = time.monotonic()
        attempt = 0
        while True:
            attempt += 1
            remaining = self.deadline - (time.monotonic() - started)
            runtime, read, capped = self._runtime(remaining)
            try:
                response = await asyncio.wait_for(
                    client.update_workbench_event_result_with_options_async(request, runtime),
                    timeout=max(remaining, 0.001) + 0.1,
                )
            except asyncio.TimeoutError:
                failure = self._deadline_failure()
            except Exception as exc:
                failure = self._failure(exc, read, capped)
            else:
                refused = self._answer(response, message_id, verdict, attempt)
                if refused is None:
                    return
                failure = refused
            delay = self._next_delay(message_id, attempt, failure, started)
            if delay is None:
                raise self._gave_up(message_id, attempt, failure, started) from None
            await sleep(delay)

    # ------------------------------------------------------------------ deciding

    def _failure(self, exc: BaseException, read: float, capped: bool) -> _Failure:
        failure = _classify(exc, self.url, read)
        if capped and failure.code in ("ReadTimeout", "ConnectTimeout"):
            return self._deadline_failure()
        if failure.unexpected:
            # Neither an answer nor a transport error: log the class name for debugging,
            # never the text (the SDK's texts may carry request data).
            logger.warning("the Alibaba Cloud SDK raised %s", failure.code)
        return failure

    def _deadline_failure(self) -> _Failure:
        return _Failure(
            f"no answer from DataWorks within the {self.deadline:g}s delivery deadline",
            "DeadlineExceeded",
            retryable=True,
        )

    def _answer(
        self, response: Any, message_id: str, verdict: Verdict, attempt: int
    ) -> _Failure | None:
        body = getattr(response, "body", None)
        request_id = _clean(getattr(body, "request_id", None))
        if getattr(body, "success", None) is True:
            if logger.isEnabledFor(logging.DEBUG):
                logger.debug(
                    "DataWorks accepted %s for message %s (request %s, attempt %d)",
                    verdict.result.value,
                    message_id,
                    request_id,
                    attempt,
                    extra={"message_id": message_id},
                )
            return None
        return _Failure(
            "DataWorks did not accept the verdict (Success is not true)",
            "Unsuccessful",
            status=_as_status(getattr(response, "status_code", None)),
            request_id=request_id,
        )

    def _next_delay(
        self, message_id: str, attempt: int, failure: _Failure, started: float
    ) -> float | None:
        """Seconds to wait before the next attempt, or ``None`` to give up now."""
        if not failure.retryable or attempt >= self.max_attempts:
            return None
        bound = min(self.backoff_cap, self.backoff_base * 2 ** (attempt - 1))
        delay = random.uniform(0.0, bound)
        if time.monotonic() - started + delay >= self.deadline:
            return None
        logger.info(
            "attempt %d of %d to deliver message %s failed (%s); retrying in %.3fs",
            attempt,
            self.max_attempts,
            message_id,
            failure.describe(),
            delay,
            extra={"message_id": message_id},
        )
        return delay

    def _gave_up(
        self, message_id: str, attempts: int, failure: _Failure, started: float
    ) -> CallbackError:
        reason = failure.reason
        if (
            failure.retryable
            and attempts < self.max_attempts
            and failure.code != "DeadlineExceeded"
        ):
            reason = f"{reason}; the {self.deadline:g}s delivery deadline left no time to retry"
        logger.debug(
            "giving up on message %s after %d attempt(s) in %.3fs (%s)",
            message_id,
            attempts,
            time.monotonic() - started,
            failure.describe(),
            extra={"message_id": message_id},
        )
        return CallbackError(
            reason,
            message_id=message_id,
            code=failure.code,
            status=failure.status,
            request_id=failure.request_id,
            attempts=attempts,
            retryable=failure.retryable,
        )


def _millis(seconds: float) -> int:
    return max(1, int(seconds * 1000))
