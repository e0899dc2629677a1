"""Delivering verdicts to DataWorks.

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
from collections.abc import Awaitable, Callable, Generator, Mapping
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from ._audit import note_call
from ._retry import RetryPolicy, seconds
from ._sdk_failures import SdkFailure, classify, clean, deadline_exceeded, unsuccessful
from ._version import __version__
from .errors import CallbackError, ConfigurationError
from .events import CallbackApi
from .verdicts import CheckResult, Verdict, tip_for_api

if TYPE_CHECKING:
    from .ratelimit import RateLimiter

__all__ = ["Callback", "CallbackClient", "sendable"]

logger = logging.getLogger("dataworks_ext.callback")

_CREDENTIAL_VARIABLES = (
    "ALIBABA_CLOUD_ACCESS_KEY_ID",
    "ALIBABA_CLOUD_CREDENTIALS_FILE",
    "ALIBABA_CLOUD_ROLE_ARN",
    "ALIBABA_CLOUD_ECS_METADATA",
)
"""Environment variables through which the default credential chain finds credentials."""


_WORKBENCH = CallbackApi.UPDATE_WORKBENCH_EVENT_RESULT


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
_SDK_LOCK = threading.Lock()
_SDK: _Sdk | None = None


class _Sdk:
    """The classes of the official SDK, imported once, on the first call."""

    __slots__ = ("Client", "Config", "CredentialClient", "RetryOptions", "Runtime", "models")

    def __init__(self) -> None:
        from alibabacloud_credentials.client import Client as CredentialClient
        from alibabacloud_dataworks_public20200518 import models
        from alibabacloud_dataworks_public20200518.client import Client
        from alibabacloud_tea_openapi.utils_models import Config
        from darabonba.policy.retry import RetryOptions
        from darabonba.runtime import RuntimeOptions

        self.Client: Any = Client
        self.Config: Any = Config
        self.CredentialClient: Any = CredentialClient
        self.RetryOptions: Any = RetryOptions
        self.Runtime: Any = RuntimeOptions
        # The request models, e.g. ``models.UpdateWorkbenchEventResultRequest``.
        self.models: Any = models


def _sdk() -> _Sdk:
    global _SDK
    sdk = _SDK
    if sdk is None:
        with _SDK_LOCK:
            sdk = _SDK
            if sdk is None:
                sdk = _SDK = _Sdk()
    return sdk


API_VERSIONS = ("2020-05-18", "2024-05-18")
"""The DataWorks OpenAPI versions a :class:`CallbackClient` speaks (``api_version``)."""

_SDK_2024_PACKAGE = "alibabacloud_dataworks_public20240518"
#: The SDK methods the 2024-05-18 API has among those the client calls: with
#: ``api_version="2024-05-18"`` they go through it; every other call stays on 2020-05-18
#: (which alone has UpdateWorkbenchEventResult, CallbackExtension and GetExtension).
_NEWER_IN_2024 = frozenset({"update_ideevent_result", "get_ideevent_detail"})
_SDK_2024: tuple[Any, Any] | None = None


def _sdk_2024() -> tuple[Any, Any]:
    """(the 2024-05-18 SDK's Client class, its models module), imported once."""
    global _SDK_2024
    found = _SDK_2024
    if found is None:
        with _SDK_LOCK:
            found = _SDK_2024
            if found is None:
                from alibabacloud_dataworks_public20240518 import models
                from alibabacloud_dataworks_public20240518.client import Client

                found = _SDK_2024 = (Client, models)
    return found


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


class CallbackClient:
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
    ) -> None:
        if api_version not in API_VERSIONS:
            raise ConfigurationError(
                f"api_version must be one of {', '.join(API_VERSIONS)}; got {api_version!r}"
            )
        if api_version == "2024-05-18":
            import importlib.util

            if importlib.util.find_spec(_SDK_2024_PACKAGE) is None:
                raise ConfigurationError(
                    "api_version='2024-05-18' needs the alibabacloud-dataworks-public20240518 "
                    "package: pip install 'dataworks-ext[datastudio2024]'"
                )
        self.api_version = api_version
        if limiter is not None and not all(
            callable(getattr(limiter, name, None)) for name in _LIMITER_METHODS
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

    def _route(self, action: str) -> tuple[Any, Any]:
        """(the SDK client, its models module) that make ``action``: the 2024-05-18 SDK's for
        the calls it has when ``api_version`` is ``2024-05-18``, else the 2020-05-18 SDK's."""
        if self.api_version != "2020-05-18" and action in _NEWER_IN_2024:
            client = self._client_2024
            if client is None:
                with self._lock:
                    if self._client_2024 is None:
                        self._client_2024 = self._build(_sdk_2024()[0])
                    client = self._client_2024
            return client, _sdk_2024()[1]
        return self._sdk_client(), _sdk().models

    def _routed(self, action: str) -> bool:
        """Whether the client that makes ``action`` is built (its SDK imported)."""
        if self.api_version != "2020-05-18" and action in _NEWER_IN_2024:
            return self._client_2024 is not None
        return self._client is not None

    def _build(self, client_class: Any = None) -> Any:
        sdk = _sdk()
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
        return (sdk.Client if client_class is None else client_class)(config)

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
        self,
        message_id: str,
        extension_code: str,
        verdict: Verdict,
        *,
        api: CallbackApi = _WORKBENCH,
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
        self,
        message_id: str,
        extension_code: str,
        verdict: Verdict,
        *,
        api: CallbackApi = _WORKBENCH,
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

    # ------------------------------------------------------------------ retried SDK calls

    def call(
        self,
        action: str,
        request: str,
        fields: Mapping[str, Any],
        checked: bool = True,
        *,
        message_id: str | None = None,
        what: str = "the verdict",
        retry: RetryPolicy | None = None,
    ) -> Any:
        """Call the SDK's ``<action>_with_options`` with a ``request`` model built from ``fields``.

        ``action`` is the SDK method's name (``"update_workbench_event_result"``, ``"get_node"``,
        ...), ``request`` the request model's class name in
        ``alibabacloud_dataworks_public20200518.models`` (``"GetNodeRequest"``).  The call is
        retried by ``retry`` (a :class:`~dataworks_ext.RetryPolicy`; default: the client's
        own); returns the answer's body once its ``Success`` is true (any answer when
        ``checked`` is false: for APIs whose answer has no ``Success``), else raises
        :class:`CallbackError` (``message_id`` and ``what`` only word errors and logs).

        This is the one path every call of the client takes (deliveries, lookups, the
        extension's settings): retried by one policy, within the rate budget (``limiter``),
        reported to the audit trail.  Use it for a DataWorks API the SDK has and this client
        has no method for.

        Example:
            >>> from dataworks_ext.testing import LocalDataWorks
            >>> with LocalDataWorks() as local:
            ...     local.set_extension_settings("ext", "owner=finance")
            ...     body = local.client().call(
            ...         "get_extension", "GetExtensionRequest", {"extension_code": "ext"}, False)
            ...     body.extension.parameter_setting
            'owner=finance'
        """
        try:
            client, models = self._route(action)
            call = getattr(client, f"{action}_with_options")
            built = getattr(models, request)(**fields)
        except Exception as exc:
            raise self._setup_failed(exc, message_id) from None
        steps = self._attempts(action, what, message_id, retry or self.retry, checked)
        step = next(steps)
        while True:
            outcome: object = None
            if isinstance(step, _Try):
                outcome = _CALLERS.run(call, built, step.runtime, max(step.remaining, 0.001) + 0.1)
            elif isinstance(step, _Budget):
                try:
                    limiter: Any = self.limiter
                    if step.throttled:
                        limiter.throttled(step.kind)
                    else:
                        outcome = limiter.reserve(step.kind)
                except Exception as exc:
                    outcome = exc
            else:
                self._sleep(step)
            try:
                step = steps.send(outcome)
            except StopIteration as done:
                return done.value

    async def call_async(
        self,
        action: str,
        request: str,
        fields: Mapping[str, Any],
        checked: bool = True,
        *,
        message_id: str | None = None,
        what: str = "the verdict",
        retry: RetryPolicy | None = None,
    ) -> Any:
        """:meth:`call` on the SDK's ``<action>_with_options_async``, without blocking the loop.

        The first call imports the SDK in a worker thread.

        Example:
            >>> import asyncio
            >>> from dataworks_ext.testing import LocalDataWorks
            >>> with LocalDataWorks() as local:
            ...     local.set_extension_settings("ext", "owner=finance")
            ...     body = asyncio.run(local.client().call_async(
            ...         "get_extension", "GetExtensionRequest", {"extension_code": "ext"}, False))
            ...     body.extension.parameter_setting
            'owner=finance'
        """
        import asyncio

        try:
            if not self._routed(action):  # the SDK's import blocks: not on the loop
                client, models = await asyncio.get_running_loop().run_in_executor(
                    None, self._route, action
                )
            else:
                client, models = self._route(action)
            call = getattr(client, f"{action}_with_options_async")
            built = getattr(models, request)(**fields)
        except Exception as exc:
            raise self._setup_failed(exc, message_id) from None
        sleep = asyncio.sleep if self._async_sleep is None else self._async_sleep
        steps = self._attempts(action, what, message_id, retry or self.retry, checked)
        step = next(steps)
        while True:
            outcome: object = None
            if isinstance(step, _Try):
                try:
                    outcome = await asyncio.wait_for(
                        call(built, step.runtime), timeout=max(step.remaining, 0.001) + 0.1
                    )
                except asyncio.TimeoutError:
                    outcome = _DeadlineReached()
                except Exception as exc:
                    outcome = exc
            elif isinstance(step, _Budget):
                try:
                    limiter: Any = self.limiter
                    if step.throttled:
                        await limiter.throttled_async(step.kind)
                    else:
                        outcome = await limiter.reserve_async(step.kind)
                except Exception as exc:
                    outcome = exc
            else:
                await sleep(step)
            try:
                step = steps.send(outcome)
            except StopIteration as done:
                return done.value

    def _attempts(
        self,
        action: str,
        what: str,
        message_id: str | None,
        policy: RetryPolicy,
        checked: bool = True,
    ) -> Generator[_Try | _Budget | float, object, Any]:
        """The retry loop, written once for both paths and doing no I/O itself.

        Yields a :class:`_Try` (make the call with its runtime options and send back the
        answer or the exception raised), a :class:`_Budget` (reserve a call from the rate
        limiter and send back the wait, or report a throttling answer to it), or a float
        (wait that many seconds, send back ``None``).  Returns the accepted answer's body;
        raises :class:`CallbackError`.
        """
        started = time.monotonic()
        attempt = 0
        kind = "write" if action in _WRITES else "read"
        limited = self.limiter is not None
        maybe_sent = False  # whether an attempt so far may have reached DataWorks
        while True:
            attempt += 1
            if limited:
                wait = yield _Budget(kind)
                if wait is None:
                    raise self._over_budget(message_id, attempt - 1, None, policy, maybe_sent)
                if isinstance(wait, BaseException):  # the limiter is down: call anyway
                    logger.warning(
                        "the rate limiter failed (%s); calling %s without waiting for budget",
                        type(wait).__name__,
                        action,
                    )
                elif isinstance(wait, float) and wait > 0:
                    if time.monotonic() - started + wait >= policy.deadline:
                        raise self._over_budget(message_id, attempt - 1, wait, policy, maybe_sent)
                    yield wait
            attempt_try = self._try(policy.deadline - (time.monotonic() - started))
            tried = time.perf_counter()
            outcome = yield attempt_try
            if isinstance(outcome, BaseException):
                failure = self._failure(outcome, attempt_try, policy)
            else:
                refused = unsuccessful(outcome, what) if checked else None
                if refused is None:
                    note_call(action, tried, None)
                    body = getattr(outcome, "body", None)
                    if logger.isEnabledFor(logging.DEBUG):
                        logger.debug(
                            "DataWorks accepted %s for message %s (request %s, attempt %d)",
                            action,
                            message_id,
                            clean(getattr(body, "request_id", None)),
                            attempt,
                            extra={"message_id": message_id},
                        )
                    return body
                failure = refused
            note_call(action, tried, failure.code)
            maybe_sent = maybe_sent or failure.maybe_sent
            if limited and (failure.status == 429 or (failure.code or "").startswith("Throttling")):
                yield _Budget(kind, throttled=True)  # slow the shared budget down
            delay = policy.delay(attempt, failure, time.monotonic() - started)
            if delay is None:
                raise self._gave_up(message_id, attempt, failure, started, policy, maybe_sent)
            logger.info(
                "attempt %d of %d of %s for message %s failed (%s); retrying in %.3fs",
                attempt,
                policy.max_attempts,
                action,
                message_id,
                failure.describe(),
                delay,
                extra={"message_id": message_id},
            )
            yield delay

    def _try(self, remaining: float) -> _Try:
        """Per-call options: the timeouts, cut to what is left of the deadline."""
        read = min(self.read_timeout, remaining)
        runtime = _sdk().Runtime(
            connect_timeout=_millis(min(self.connect_timeout, remaining)),
            read_timeout=_millis(read),
            autoretry=False,
        )
        return _Try(runtime, remaining, read, read < self.read_timeout)

    def _failure(self, exc: BaseException, attempt: _Try, policy: RetryPolicy) -> SdkFailure:
        if isinstance(exc, _DeadlineReached):
            return deadline_exceeded(policy.deadline)
        failure = classify(exc, self.url, attempt.read)
        if attempt.capped and failure.code in ("ReadTimeout", "ConnectTimeout"):
            exceeded = deadline_exceeded(policy.deadline)
            exceeded.maybe_sent = failure.maybe_sent  # not sent when it never connected
            return exceeded
        if failure.unexpected:
            # Neither an answer nor a transport error: log the class name for debugging,
            # never the text (the SDK's texts may carry request data).
            logger.warning("the Alibaba Cloud SDK raised %s", failure.code)
        return failure

    def _over_budget(
        self,
        message_id: str | None,
        attempts: int,
        wait: float | None,
        policy: RetryPolicy,
        maybe_sent: bool,
    ) -> CallbackError:
        """The error of a call the rate budget stopped before it was made: the daily cap is
        reached (``wait`` None), or its wait would pass the deadline."""
        if wait is None:
            reason, code = "the daily budget of DataWorks calls is spent", "DailyLimitReached"
        else:
            reason = (
                f"the rate budget's wait of {wait:.3g}s passes the {policy.deadline:g}s deadline"
            )
            code = "DeadlineExceeded"
        logger.debug("%s for message %s", reason, message_id, extra={"message_id": message_id})
        return CallbackError(
            reason,
            message_id=message_id,
            code=code,
            attempts=attempts,
            retryable=wait is not None,
            maybe_sent=maybe_sent,
        )

    def _setup_failed(self, exc: BaseException, message_id: str | None) -> CallbackError:
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

    def _gave_up(
        self,
        message_id: str | None,
        attempts: int,
        failure: SdkFailure,
        started: float,
        policy: RetryPolicy,
        maybe_sent: bool = False,
    ) -> CallbackError:
        reason = failure.reason
        if policy.cut_short(attempts, failure):
            reason = f"{reason}; the {policy.deadline:g}s delivery deadline left no time to retry"
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
            maybe_sent=maybe_sent or failure.maybe_sent,
        )


class _Try:
    """One attempt to make: the SDK's runtime options and the time budget behind them."""

    __slots__ = ("capped", "read", "remaining", "runtime")

    def __init__(self, runtime: Any, remaining: float, read: float, capped: bool) -> None:
        self.runtime = runtime
        self.remaining = remaining  # seconds left of the whole call's deadline
        self.read = read  # the read timeout of this attempt
        self.capped = capped  # whether the deadline cut the read timeout short


class _Budget:
    """A step of the rate budget: reserve a call of ``kind`` (send back the wait, ``None``
    for the daily cap, or the limiter's exception), or report a throttling answer."""

    __slots__ = ("kind", "throttled")

    def __init__(self, kind: str, *, throttled: bool = False) -> None:
        self.kind = kind
        self.throttled = throttled


#: What a rate limiter has (the RateLimiter protocol's methods).
_LIMITER_METHODS = ("reserve", "reserve_async", "throttled", "throttled_async", "remaining")

#: The SDK methods that write (deliver an answer); every other call reads.
_WRITES = frozenset(
    {"update_workbench_event_result", "update_ideevent_result", "callback_extension"}
)


class _DeadlineReached(Exception):
    """The path's own timer ran out before the SDK answered."""


class _Callers:
    """Daemon threads that make blocking SDK calls, so that the sync path stops waiting at
    the deadline: the SDK's timeouts bound each socket read, not the whole answer, and an
    endpoint that trickles its answer byte by byte would hold the caller far longer.

    A call past its deadline runs on in its thread until the SDK gives up; its outcome is
    dropped.  Idle threads are kept for the next calls (daemon threads: they never hold the
    interpreter's exit).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._idle: list[_Caller] = []

    def forget(self) -> None:
        """Forget every thread (in a forked child, which has none of them)."""
        self._lock = threading.Lock()
        self._idle = []

    def run(self, call: Callable[..., Any], request: Any, runtime: Any, timeout: float) -> object:
        """The answer of ``call(request, runtime)``, the exception it raised, or
        :class:`_DeadlineReached` after ``timeout`` seconds."""
        with self._lock:
            caller = self._idle.pop() if self._idle else None
        if caller is None:
            caller = _Caller(self)
        return caller.run(call, request, runtime, timeout)

    def _rest(self, caller: _Caller) -> None:
        with self._lock:
            if len(self._idle) < 64:
                self._idle.append(caller)
                return
        caller.retire()


class _Caller:
    """One daemon thread of :class:`_Callers`, taking one call at a time."""

    __slots__ = ("_done", "_outcome", "_owner", "_todo")

    def __init__(self, owner: _Callers) -> None:
        import queue

        self._owner = owner
        self._todo: queue.SimpleQueue[tuple[Any, ...] | None] = queue.SimpleQueue()
        self._done = threading.Event()
        self._outcome: object = None
        threading.Thread(target=self._serve, name="dataworks-ext-call", daemon=True).start()

    def run(self, call: Callable[..., Any], request: Any, runtime: Any, timeout: float) -> object:
        import contextvars

        self._done.clear()
        self._todo.put((contextvars.copy_context(), call, request, runtime))
        if not self._done.wait(timeout):
            self.retire()  # the thread ends once the stuck call does; it is not reused
            return _DeadlineReached()
        outcome = self._outcome
        self._outcome = None
        self._owner._rest(self)
        return outcome

    def retire(self) -> None:
        self._todo.put(None)

    def _serve(self) -> None:
        while True:
            work = self._todo.get()
            if work is None:
                return
            context, call, request, runtime = work
            try:
                self._outcome = context.run(call, request, runtime)
            except Exception as exc:
                self._outcome = exc
            self._done.set()


_CALLERS = _Callers()
if hasattr(os, "register_at_fork"):  # a forked child has none of the parent's threads
    os.register_at_fork(after_in_child=_CALLERS.forget)


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


def _millis(seconds: float) -> int:
    return max(1, int(seconds * 1000))
