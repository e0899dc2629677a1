"""The verdict-delivery API: the Callback interface, and CallbackClient's verdict-to-API mapping.

:class:`Callback` is the interface :class:`Extension` delivers through; each delivery names the
:class:`~dataworks_ext.events.CallbackApi` that takes the answer (``UpdateWorkbenchEventResult``
for Operation Center, ``UpdateIDEEventResult`` for DataStudio, ``CallbackExtension`` for every
other extension point).  The SDK ships :class:`CallbackClient` (those APIs through the
official Alibaba Cloud SDK) and, for tests and local development,
:class:`dataworks_ext.testing.RecordingCallback` and
:class:`dataworks_ext.testing.PrintingCallback`.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from ._calls import (
    API_VERSIONS,
    LIMITER_METHODS,
    SDK_2024_PACKAGE,
    CallHook,
    CallPath,
    CallRecord,
    hooks_option,
)
from ._retry import RetryPolicy, seconds
from .errors import ConfigurationError
from .events import CallbackApi
from .verdicts import CheckResult, Verdict, tip_for_api

if TYPE_CHECKING:
    from .ratelimit import RateLimiter

__all__ = ["API_VERSIONS", "CallHook", "CallRecord", "Callback", "CallbackClient", "sendable"]

logger = logging.getLogger("dataworks_ext.callback")

_CREDENTIAL_VARIABLES = (
    "ALIBABA_CLOUD_ACCESS_KEY_ID",
    "ALIBABA_CLOUD_CREDENTIALS_FILE",
    "ALIBABA_CLOUD_ROLE_ARN",
    "ALIBABA_CLOUD_ECS_METADATA",
)
"""Environment variables through which the default credential chain finds credentials."""


_DEFAULT = CallbackApi.UPDATE_WORKBENCH_EVENT_RESULT
"""The API a delivery goes through unless it names one (Operation Center's)."""


@runtime_checkable
class Callback(Protocol):
    """Delivers one verdict for one message to DataWorks, through the API named by ``api``.

    Implementations raise :class:`dataworks_ext.CallbackError` when a verdict could not be
    delivered, after whatever retrying is right; returning means DataWorks accepted it.  Both
    methods must be safe to call from several threads (and tasks) at once.  ``api`` is the
    :class:`~dataworks_ext.events.CallbackApi` that takes the answer (the event's row of
    :data:`~dataworks_ext.EVENT_KINDS` decides it, or the Extension's ``apis`` override).  A
    callback whose ``deliver`` takes no ``api`` keyword still works: the Extension calls it
    without one.

    Example:
        >>> from dataworks_ext import Callback, CallbackApi, Verdict
        >>> class Collect:
        ...     def __init__(self) -> None:
        ...         self.sent: list[tuple[str, str, Verdict, CallbackApi]] = []
        ...     def deliver(self, message_id: str, extension_code: str, verdict: Verdict, *,
        ...                 api: CallbackApi = CallbackApi.UPDATE_WORKBENCH_EVENT_RESULT) -> None:
        ...         self.sent.append((message_id, extension_code, verdict, api))
        ...     async def deliver_async(
        ...         self, message_id: str, extension_code: str, verdict: Verdict, *,
        ...         api: CallbackApi = CallbackApi.UPDATE_WORKBENCH_EVENT_RESULT,
        ...     ) -> None:
        ...         self.deliver(message_id, extension_code, verdict, api=api)
        >>> isinstance(Collect(), Callback)
        True
    """

    def deliver(
        self, message_id: str, extension_code: str, verdict: Verdict, *, api: CallbackApi = ...
    ) -> None:
        """Deliver ``verdict`` as the answer to ``message_id`` for ``extension_code``."""
        ...

    async def deliver_async(
        self, message_id: str, extension_code: str, verdict: Verdict, *, api: CallbackApi = ...
    ) -> None:
        """The same as :meth:`deliver`, without blocking the event loop."""
        ...


def sendable(verdict: Verdict, api: CallbackApi) -> Verdict:
    """``verdict`` as ``api`` can take it: a WARN becomes OK with its tip where WARN is not
    documented (``UpdateWorkbenchEventResult``); anything else is returned as it is.

    A WARN passes (the operation may proceed), so OK is its faithful answer: never blocked,
    and the tip still reaches the user.  The :class:`~dataworks_ext.Extension` logs a warning
    when it converts one.

    Example:
        >>> from dataworks_ext import CallbackApi, Verdict
        >>> from dataworks_ext.callback import sendable
        >>> sent = sendable(Verdict.warn("3 of 40 nodes are on the finance baseline"),
        ...                 CallbackApi.UPDATE_WORKBENCH_EVENT_RESULT)
        >>> sent.result.value, sent.tip
        ('OK', '3 of 40 nodes are on the finance baseline')
        >>> sendable(Verdict.warn("late"), CallbackApi.CALLBACK_EXTENSION).result.value
        'WARN'
    """
    if verdict.result is CheckResult.WARN and not api.supports_warn:
        return Verdict.ok(verdict.tip)
    return verdict


# ---------------------------------------------------------------------------- the official SDK

_DEFAULT_REGION = "cn-shanghai"

# ---------------------------------------------------------------------------- the client


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


class CallbackClient(CallPath):
    """Delivers verdicts through the official SDK, by the API each delivery names.

    ``UpdateWorkbenchEventResult`` (Operation Center, the default), ``UpdateIDEEventResult``
    (DataStudio) or ``CallbackExtension`` (any extension point): see :meth:`deliver`.

    Calls go through ``alibabacloud-dataworks-public20200518`` (signed with
    ACS3-HMAC-SHA256 by the SDK), imported on the first delivery so that
    ``import dataworks_ext`` stays fast.  One SDK client is made per ``CallbackClient`` and
    reused by every thread and task.

    Throttling (HTTP 429, ``Throttling.*``), server errors (5xx), timeouts and connection
    errors are retried with exponential backoff and full jitter, at most ``max_attempts``
    calls and within ``deadline`` seconds for the whole delivery; one retry policy
    (the ``retry`` attribute) decides this for the sync and the async path alike.  Parameter (400),
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
        api_version: ``"2020-05-18"`` (the default: every call through
            ``alibabacloud-dataworks-public20200518``) or ``"2024-05-18"``: each call then
            goes through the newest version that has it, ``UpdateIDEEventResult`` and
            ``GetIDEEventDetail`` through ``alibabacloud-dataworks-public20240518`` (the
            ``datastudio2024`` extra), ``UpdateWorkbenchEventResult``,
            ``CallbackExtension``, ``GetExtension`` and the node lookups through 2020-05-18,
            which alone has them.
        limiter: A :class:`~dataworks_ext.ratelimit.RateLimiter` every call takes from first
            (deliveries are writes, lookups and ``GetExtension`` reads), e.g.
            :class:`~dataworks_ext.RedisRateLimiter` shared by every replica; the wait counts
            against the call's ``deadline``, and a throttling answer slows the budget down.
            ``None`` (the default): deliveries are not paced, lookups take from
            :func:`~dataworks_ext.ratelimit.process_bucket`.
        hooks: Callables (see :class:`~dataworks_ext.CallHook`) each handed the
            :class:`~dataworks_ext.CallRecord` of every attempt of every call the client
            makes, deliveries and reads alike; :meth:`add_hook` adds one later.  A hook that
            raises is logged once and never stops a call.  An
            :class:`~dataworks_ext.Extension` adds its own, which notes its messages' calls
            in their audit trail (and telemetry).

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
        api_version: str = "2020-05-18",
        limiter: RateLimiter | None = None,
        hooks: Iterable[CallHook] | None = None,
    ) -> None:
        if api_version not in API_VERSIONS:
            raise ConfigurationError(
                f"api_version must be one of {', '.join(API_VERSIONS)}; got {api_version!r}"
            )
        if api_version == "2024-05-18":
            import importlib.util

            if importlib.util.find_spec(SDK_2024_PACKAGE) is None:
                raise ConfigurationError(
                    "api_version='2024-05-18' needs the alibabacloud-dataworks-public20240518 "
                    "package: pip install 'dataworks-ext[datastudio2024]'"
                )
        self.api_version = api_version
        if limiter is not None and not all(
            callable(getattr(limiter, name, None)) for name in LIMITER_METHODS
        ):
            raise ConfigurationError(
                "limiter must have reserve(), reserve_async(), throttled(), throttled_async() "
                f"and remaining(); got {type(limiter).__name__}"
            )
        self.limiter = limiter
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
        self.connect_timeout = seconds(connect_timeout, "connect_timeout")
        self.read_timeout = seconds(read_timeout, "read_timeout")
        self.retry = RetryPolicy(
            max_attempts=max_attempts,
            backoff_base=backoff_base,
            backoff_cap=backoff_cap,
            deadline=deadline,
        )
        self._access_key_id = access_key_id or None
        self._access_key_secret = access_key_secret or None
        self._security_token = security_token or None
        self._credential = credential
        self._sleep: Callable[[float], object] = time.sleep if sleep is None else sleep
        self._async_sleep = async_sleep
        self._client: Any = None
        self._client_2024: Any = None
        self._lock = threading.Lock()
        self._hooks = hooks_option(hooks)
        self._hooks_failed = []

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
    def has_credentials(self) -> bool | None:
        """Whether credentials are present, told without calling DataWorks.

        ``True`` with AccessKeys or a ``credential`` given, or with the default chain when
        the environment names keys, a credentials file or a role; ``None`` when the default
        chain may still find some (an instance's RAM role); never ``False`` for the chain.

        Example:
            >>> from dataworks_ext import CallbackClient
            >>> CallbackClient(region_id="cn-shanghai", access_key_id="LTAI5tExample",
            ...                access_key_secret="not-shown").has_credentials
            True
        """
        if self._access_key_id or self._credential is not None:
            return True
        env = os.environ
        if any(env.get(name) for name in _CREDENTIAL_VARIABLES):
            return True
        home = os.path.expanduser("~")
        if os.path.exists(os.path.join(home, ".alibabacloud", "credentials")) or os.path.exists(
            os.path.join(home, ".aliyun", "config.json")
        ):
            return True
        return None

    # ------------------------------------------------------------------ the retry policy

    @property
    def max_attempts(self) -> int:
        """The most calls one delivery makes (from ``retry``, the retry policy)."""
        return self.retry.max_attempts

    @property
    def backoff_base(self) -> float:
        """Seconds the first retry waits at most (from ``retry``, the retry policy)."""
        return self.retry.backoff_base

    @property
    def backoff_cap(self) -> float:
        """Seconds no single wait exceeds (from ``retry``, the retry policy)."""
        return self.retry.backoff_cap

    @property
    def deadline(self) -> float:
        """Seconds one delivery may take in total (from ``retry``, the retry policy)."""
        return self.retry.deadline

    # ------------------------------------------------------------------ delivering

    def deliver(
        self, message_id: str, extension_code: str, verdict: Verdict, *, api: CallbackApi = _DEFAULT
    ) -> None:
        """Deliver ``verdict`` for ``message_id`` through ``api``, retrying what may pass later.

        ``UpdateWorkbenchEventResult`` (the default) and ``UpdateIDEEventResult`` carry the tip
        in ``CheckResultTip``, ``CallbackExtension`` in ``CheckMessage``.  A WARN for
        ``UpdateWorkbenchEventResult``, which documents only OK and FAIL, is sent as OK with
        its tip (see :func:`sendable`), with a logged warning.

        Raises:
            CallbackError: DataWorks did not accept the verdict (``code``, ``status``,
                ``request_id``, ``attempts`` and ``retryable`` tell why).

        Example:
            >>> from dataworks_ext import CallbackApi, Verdict
            >>> from dataworks_ext.testing import LocalDataWorks
            >>> with LocalDataWorks() as local:
            ...     local.client().deliver("m-1", "ext", Verdict.fail("node 7 is protected"))
            ...     local.client().deliver("m-2", "ext", Verdict.warn("MAX_PT on line 3"),
            ...                            api=CallbackApi.UPDATE_IDE_EVENT_RESULT)
            ...     local.verdict_for("m-1").result, local.verdict_for("m-2").api
            ('FAIL', 'UpdateIDEEventResult')
        """
        self.call(*_request(message_id, extension_code, verdict, api), message_id=message_id)

    async def deliver_async(
        self, message_id: str, extension_code: str, verdict: Verdict, *, api: CallbackApi = _DEFAULT
    ) -> None:
        """The same as :meth:`deliver`, on the SDK's async path, without blocking the loop.

        The first delivery imports the SDK in a worker thread.

        Example:
            >>> import asyncio
            >>> from dataworks_ext import CallbackApi, Verdict
            >>> from dataworks_ext.testing import LocalDataWorks
            >>> with LocalDataWorks() as local:
            ...     asyncio.run(local.client().deliver_async(
            ...         "m-2", "ext", Verdict.ok(), api=CallbackApi.CALLBACK_EXTENSION))
            ...     local.verdict_for("m-2").api
            'CallbackExtension'
        """
        await self.call_async(
            *_request(message_id, extension_code, verdict, api), message_id=message_id
        )


#: Per API: the SDK method, its request model, and whether its answer carries ``Success``
#: (``UpdateIDEEventResult`` answers with its ``RequestId`` alone).
_APIS: dict[CallbackApi, tuple[str, str, bool]] = {
    CallbackApi.UPDATE_WORKBENCH_EVENT_RESULT: (
        "update_workbench_event_result",
        "UpdateWorkbenchEventResultRequest",
        True,
    ),
    CallbackApi.UPDATE_IDE_EVENT_RESULT: (
        "update_ideevent_result",
        "UpdateIDEEventResultRequest",
        False,
    ),
    CallbackApi.CALLBACK_EXTENSION: ("callback_extension", "CallbackExtensionRequest", True),
}


def _request(
    message_id: str, extension_code: str, verdict: Verdict, api: CallbackApi
) -> tuple[str, str, dict[str, Any], bool]:
    """The SDK method, request model, fields and success rule that deliver ``verdict``."""
    try:
        method, request, checked = _APIS[CallbackApi(api)]
    except ValueError:
        raise ConfigurationError(
            f"api must be one of {', '.join(a.value for a in CallbackApi)}; got {api!r}"
        ) from None
    sent = sendable(verdict, api)
    if sent is not verdict:
        logger.warning(
            "%s takes no WARN: message %s is answered OK with the warning's tip",
            api.value,
            message_id,
            extra={"message_id": message_id},
        )
    tip = "check_message" if api is CallbackApi.CALLBACK_EXTENSION else "check_result_tip"
    fields = {
        "message_id": message_id,
        "extension_code": extension_code,
        "check_result": sent.result.value,
        tip: tip_for_api(sent.tip),
    }
    return method, request, fields, checked
