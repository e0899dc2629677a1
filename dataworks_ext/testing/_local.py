"""A local DataWorks endpoint: answers the extension APIs over real HTTP.

``UpdateWorkbenchEventResult`` (Operation Center), ``UpdateIDEEventResult`` (DataStudio),
``CallbackExtension`` (any extension point), ``GetIDEEventDetail`` (what a DataStudio event
committed or deployed, as seeded by the test) and ``GetExtension`` (the extension's parameters,
as set by the test), in API version 2020-05-18, and ``UpdateIDEEventResult`` and
``GetIDEEventDetail`` in 2024-05-18 too.

:class:`LocalDataWorks` runs a small HTTP/1.1 server on 127.0.0.1 that checks what DataWorks
checks for the official SDK (the ``x-acs-action`` and ``x-acs-version`` headers, the
ACS3-HMAC-SHA256 signature, the parameters), records every verdict it accepts, and fails on
request (throttling, server errors, ...), so tests drive the real SDK end to end.
"""

from __future__ import annotations

import collections
import contextlib
import hashlib
import hmac
import http.server
import json
import logging
import socket
import socketserver
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from datetime import datetime, timezone
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, quote, urlsplit

import attrs

from ..callback import CallbackClient
from ..event_details import IdeEventDetail
from ..nodes import BaselineInfo, InstanceInfo, NodeInfo, write_answer
from ..settings import ExtensionSettings

__all__ = ["FAULTS", "LocalDataWorks", "RecordedVerdict"]

logger = logging.getLogger("dataworks_ext.testing.local")

_WORKBENCH = "UpdateWorkbenchEventResult"
_IDE = "UpdateIDEEventResult"
_CALLBACK_EXTENSION = "CallbackExtension"
_IDE_EVENT_DETAIL = "GetIDEEventDetail"
_GET_EXTENSION = "GetExtension"
_VERSION = "2020-05-18"
_VERSION_2024 = "2024-05-18"
_ANY_EXTENSION = ""  # the key of the settings every extension code gets unless set on its own
#: The actions the 2024-05-18 API has among those served here (the others are 2020-05-18's).
_ACTIONS_2024 = frozenset({_IDE, _IDE_EVENT_DETAIL})
_ALGORITHM = "ACS3-HMAC-SHA256"
_CONTENT_TYPE = "application/json;charset=utf-8"
_CLOCK_SKEW = 15 * 60.0
_NONCES_KEPT = 100_000

FAULTS: dict[str, tuple[int, str, str]] = {
    "throttle": (429, "Throttling.User", "Request was denied due to user flow control."),
    "error": (500, "InternalError.System", "An internal error occurred; retry later."),
    "bad-request": (400, "InvalidParameter", "The specified parameter is invalid."),
    "forbidden": (
        403,
        "Forbidden.Access",
        "Access is forbidden. Please first activate DataWorks Enterprise Edition.",
    ),
    "unsuccessful": (200, "", ""),
    "slow": (200, "", ""),
    "not-found": (400, "Invalid.Tenant.ObjectNotExists", "The specified object does not exist."),
    "lost-reply": (200, "", ""),
}
"""The faults :meth:`LocalDataWorks.inject` knows: name -> (HTTP status, code, message)."""


#: The lookup APIs served from seeded data: action -> (id parameter, what it looks up).
_LOOKUPS: dict[str, tuple[str, str]] = {
    "GetNode": ("NodeId", "Node"),
    "GetBaseline": ("BaselineId", "Baseline"),
    "GetInstance": ("InstanceId", "Instance"),
}


@attrs.frozen
class RecordedVerdict:
    """One verdict :class:`LocalDataWorks` accepted, as the parameters of the call.

    Example:
        >>> from dataworks_ext.testing import RecordedVerdict
        >>> verdict = RecordedVerdict("m-1", "ext", "FAIL", "node 7 is protected")
        >>> verdict.result, verdict.api
        ('FAIL', 'UpdateWorkbenchEventResult')
    """

    message_id: str
    """``MessageId``."""
    extension_code: str
    """``ExtensionCode``."""
    result: str
    """``CheckResult``: ``OK`` or ``FAIL``, or ``WARN`` (not through UpdateWorkbenchEventResult)."""
    tip: str | None = None
    """``CheckResultTip`` (``CheckMessage`` of ``CallbackExtension``), or ``None`` if not sent."""
    api: str = _WORKBENCH
    """The API the verdict came through: ``UpdateWorkbenchEventResult``,
    ``UpdateIDEEventResult`` or ``CallbackExtension``."""


class _Reject(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(code)
        self.status = status
        self.code = code
        self.message = message


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    request_queue_size = 1024
    app: LocalDataWorks

    def server_bind(self) -> None:
        # HTTPServer.server_bind looks the host up with socket.getfqdn (a reverse DNS query
        # that can be slow, and leave the machine); the name is not needed here.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = str(host)
        self.server_port = int(port)

    def handle_error(self, request: Any, client_address: Any) -> None:
        logger.debug("connection from %s ended with an error", client_address, exc_info=True)


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    wbufsize = -1  # headers and body leave in one send: no 40 ms delayed-ACK stalls
    disable_nagle_algorithm = True
    server: _Server
    server_version = "LocalDataWorks"
    sys_version = ""

    def setup(self) -> None:
        super().setup()
        self.server.app._track(self.connection, True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.app._track(self.connection, False)

    def do_POST(self) -> None:
        self.server.app._serve(self)

    do_GET = do_POST

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("%s " + format, self.address_string(), *args)

    def answer(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", _CONTENT_TYPE)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("x-acs-request-id", body["RequestId"])
        self.end_headers()
        self.wfile.write(data)


class LocalDataWorks:
    """A local stand-in for DataWorks' extension APIs, over real HTTP.

    A threaded HTTP/1.1 server on ``host`` (127.0.0.1, an ephemeral port unless ``port`` is
    given) that answers the official SDK the way DataWorks does: it checks the
    ``x-acs-action`` / ``x-acs-version`` headers, the ACS3-HMAC-SHA256 signature against its
    AccessKey pair (``InvalidAccessKeyId.NotFound``, HTTP 404, for an unknown key id;
    ``SignatureDoesNotMatch``, HTTP 400, for a wrong secret), a fresh signature nonce and the
    parameters (``MessageId``, ``ExtensionCode``, ``CheckResult`` in OK/FAIL), answers
    ``{"RequestId": ..., "Success": true}``, and records each verdict it accepts.  It serves
    ``UpdateIDEEventResult`` and ``CallbackExtension`` the same way (``CheckResult`` in
    OK/WARN/FAIL; the tip in ``CheckResultTip``, or ``CheckMessage`` for
    ``CallbackExtension``), recording the API in :attr:`RecordedVerdict.api`, and
    ``GetIDEEventDetail`` from the details a test seeds with :meth:`seed_event_detail`, and
    ``GetExtension`` from the settings a test gives :meth:`set_extension_settings`.  Calls
    name API version ``2020-05-18``, or ``2024-05-18`` for the actions that version has
    (``UpdateIDEEventResult``, ``GetIDEEventDetail``); another version is refused with
    ``InvalidVersion``.  Faults
    are injected with :meth:`inject`, on every API alike.  Use it as a (sync or async)
    context manager, or :meth:`start` and :meth:`stop`; the pytest fixture
    ``local_dataworks`` gives a running one.

    Args:
        access_key_id: The only AccessKey id accepted.
        access_key_secret: Its secret.
        region_id: The region its clients are configured for.
        host: The address to listen on.
        port: The port, or 0 for an ephemeral one.
        delay: Seconds added to every answer (settable later).
        security_token: If given, calls must carry this STS token too.
        on_verdict: Called with each :class:`RecordedVerdict` as it is accepted, in the
            server's thread, before DataWorks' answer goes back (``dataworks-ext local``
            prints them this way).  An exception it raises is logged and ignored.

    Example:
        >>> from dataworks_ext import Verdict
        >>> from dataworks_ext.testing import LocalDataWorks
        >>> with LocalDataWorks() as local:
        ...     local.inject("throttle")
        ...     local.client(backoff_base=0.001).deliver("m-1", "ext", Verdict.ok())
        ...     local.calls, local.verdicts
        ... # doctest: +NORMALIZE_WHITESPACE
        (2, [RecordedVerdict(message_id='m-1', extension_code='ext', result='OK', tip=None,
                             api='UpdateWorkbenchEventResult')])
    """

    def __init__(
        self,
        *,
        access_key_id: str = "LTAI5tLocalDataWorksKey",
        access_key_secret: str = "local-dataworks-secret",
        region_id: str = "cn-shanghai",
        host: str = "127.0.0.1",
        port: int = 0,
        delay: float = 0.0,
        security_token: str | None = None,
        on_verdict: Callable[[RecordedVerdict], None] | None = None,
    ) -> None:
        self.on_verdict = on_verdict
        self.access_key_id = access_key_id
        self.access_key_secret = access_key_secret
        self.region_id = region_id
        self.security_token = security_token
        self.host = host
        self.delay = delay
        self._port = port
        self._lock = threading.Lock()
        self._verdicts: list[RecordedVerdict] = []
        self._event_details: dict[str, tuple[int | None, dict[str, Any]]] = {}
        self._extensions: dict[str, dict[str, Any]] = {}
        self._calls_by_action: collections.Counter[str] = collections.Counter()
        self._calls_by_version: collections.Counter[tuple[str, str]] = collections.Counter()
        self._nodes: dict[int, dict[str, Any]] = {}
        self._baselines: dict[int, dict[str, Any]] = {}
        self._instances: dict[int, dict[str, Any]] = {}
        self._faults: collections.deque[tuple[str, float, str | None]] = collections.deque()
        self._nonces: set[str] = set()
        self._nonce_order: collections.deque[str] = collections.deque()
        self._calls = 0
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._connections: set[socket.socket] = set()
        self._stopping = threading.Event()

    def __repr__(self) -> str:
        where = self.endpoint if self._server is not None else "stopped"
        return f"LocalDataWorks({where}, {len(self._verdicts)} verdicts, {self._calls} calls)"

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> LocalDataWorks:
        """Start serving (a no-op when already running); returns ``self``.

        Example:
            >>> from dataworks_ext.testing import LocalDataWorks
            >>> local = LocalDataWorks().start()
            >>> local.endpoint.startswith("http://127.0.0.1:")
            True
            >>> local.stop()
        """
        if self._server is not None:
            return self
        self._stopping.clear()
        server = _Server((self.host, self._port), _Handler)
        server.app = self
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"LocalDataWorks:{server.server_address[1]}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close every open connection (a no-op when stopped).

        Example:
            >>> from dataworks_ext.testing import LocalDataWorks
            >>> local = LocalDataWorks().start()
            >>> local.stop(); local.stop()
        """
        server, thread = self._server, self._thread
        if server is None:
            return
        self._stopping.set()
        server.shutdown()
        server.server_close()
        with self._lock:
            connections = list(self._connections)
        for conn in connections:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        if thread is not None:
            thread.join(timeout=5)
        self._server = None
        self._thread = None

    def __enter__(self) -> LocalDataWorks:
        return self.start()

    def __exit__(
        self,
        _exc_type: type[BaseException] | None,
        _exc: BaseException | None,
        _tb: TracebackType | None,
    ) -> None:
        self.stop()

    async def __aenter__(self) -> LocalDataWorks:
        return self.start()

    async def __aexit__(
        self,
        _exc_type: type[BaseException] | None,
        _exc: BaseException | None,
        _tb: TracebackType | None,
    ) -> None:
        self.stop()

    # ------------------------------------------------------------------ what tests look at

    @property
    def port(self) -> int:
        """The port it listens on (known once started).

        Example:
            >>> from dataworks_ext.testing import LocalDataWorks
            >>> with LocalDataWorks() as local:
            ...     local.port > 0
            True
        """
        if self._server is None:
            if self._port:
                return self._port
            raise RuntimeError("LocalDataWorks is not running: call start() or use 'with'")
        return int(self._server.server_address[1])

    @property
    def endpoint(self) -> str:
        """The base URL, ``http://127.0.0.1:PORT``.

        Example:
            >>> from dataworks_ext.testing import LocalDataWorks
            >>> with LocalDataWorks() as local:
            ...     local.endpoint == f"http://127.0.0.1:{local.port}"
            True
        """
        return f"http://{self.host}:{self.port}"

    @property
    def verdicts(self) -> list[RecordedVerdict]:
        """Every accepted verdict, in arrival order (a copy).

        Example:
            >>> from dataworks_ext import Verdict
            >>> from dataworks_ext.testing import LocalDataWorks
            >>> with LocalDataWorks() as local:
            ...     local.client().deliver("m-1", "ext", Verdict.fail("frozen on Fridays"))
            ...     [v.tip for v in local.verdicts]
            ['frozen on Fridays']
        """
        with self._lock:
            return list(self._verdicts)

    @property
    def calls(self) -> int:
        """Every request received, rejected and faulted ones included.

        Example:
            >>> from dataworks_ext.testing import LocalDataWorks
            >>> with LocalDataWorks() as local:
            ...     local.calls
            0
        """
        with self._lock:
            return self._calls

    def verdict_for(self, message_id: str) -> RecordedVerdict | None:
        """The last verdict accepted for ``message_id``, or ``None``.

        Example:
            >>> from dataworks_ext import Verdict
            >>> from dataworks_ext.testing import LocalDataWorks
            >>> with LocalDataWorks() as local:
            ...     local.client().deliver("m-1", "ext", Verdict.ok())
            ...     local.verdict_for("m-1").result, local.verdict_for("m-2")
            ('OK', None)
        """
        with self._lock:
            for verdict in reversed(self._verdicts):
                if verdict.message_id == message_id:
                    return verdict
        return None

    def count_for(self, message_id: str) -> int:
        """How many verdicts were accepted for ``message_id``.

        Example:
            >>> from dataworks_ext.testing import LocalDataWorks
            >>> with LocalDataWorks() as local:
            ...     local.count_for("m-1")
            0
        """
        with self._lock:
            return sum(1 for v in self._verdicts if v.message_id == message_id)

    def inject(
        self, fault: str, times: int = 1, *, delay: float = 0.0, action: str | None = None
    ) -> None:
        """Make the next ``times`` calls fail with ``fault``; then normal answers resume.

        Faults: ``throttle`` (429 ``Throttling.User``), ``error`` (500
        ``InternalError.System``), ``bad-request`` (400 ``InvalidParameter``), ``forbidden``
        (403 ``Forbidden.Access``), ``unsuccessful`` (200 with ``Success`` false) and
        ``slow`` (``Success`` true, after ``delay`` seconds), and ``not-found`` (400
        ``Invalid.Tenant.ObjectNotExists``).  Faults queue up in the order injected, and apply
        before any check; a faulted call records nothing (not even a ``slow`` one), except
        ``lost-reply``: the call is checked and its verdict recorded as DataWorks would, then
        the reply waits ``delay`` seconds (past the client's read timeout, it is lost: the
        client cannot know the verdict was accepted).  With ``action`` (``"GetNode"``,
        ...), the faults apply only to calls of that API; without it, to every API but
        ``GetExtension`` (an Extension reads its settings before its first verdict: a fault
        meant for a verdict is not spent on that read).

        Example:
            >>> from dataworks_ext import CallbackError, Verdict
            >>> from dataworks_ext.testing import LocalDataWorks
            >>> with LocalDataWorks() as local:
            ...     local.inject("forbidden")
            ...     try:
            ...         local.client().deliver("m-1", "ext", Verdict.ok())
            ...     except CallbackError as exc:
            ...         print(exc.code, exc.status, exc.attempts)
            Forbidden.Access 403 1
        """
        if fault not in FAULTS:
            raise ValueError(f"unknown fault {fault!r}; choose from {', '.join(FAULTS)}")
        if isinstance(times, bool) or not isinstance(times, int) or times < 0:
            raise ValueError(f"times must be a non-negative int, not {times!r}")
        with self._lock:
            self._faults.extend([(fault, float(delay), action)] * times)

    def reset(self) -> None:
        """Forget verdicts, seeded event details and extension settings, pending faults, seen
        nonces and counters.

        Example:
            >>> from dataworks_ext.testing import LocalDataWorks
            >>> with LocalDataWorks() as local:
            ...     local.inject("error", 3)
            ...     local.reset()
            ...     local.calls, local.verdicts
            (0, [])
        """
        with self._lock:
            self._verdicts.clear()
            self._event_details.clear()
            self._extensions.clear()
            self._calls_by_action.clear()
            self._calls_by_version.clear()
            self._faults.clear()
            self._nonces.clear()
            self._nonce_order.clear()
            self._calls = 0

    def client(self, **kwargs: Any) -> CallbackClient:
        """A :class:`~dataworks_ext.CallbackClient` pointed here, with this server's keys.

        Backoffs are small (``backoff_base=0.005``, ``backoff_cap=0.05``) so retries are
        quick in tests; any keyword overrides (``max_attempts=1``, ``deadline=0.5``, ...).

        Example:
            >>> from dataworks_ext.testing import LocalDataWorks
            >>> with LocalDataWorks() as local:
            ...     local.client(max_attempts=2).max_attempts
            2
        """
        settings: dict[str, Any] = {
            "region_id": self.region_id,
            "endpoint": self.endpoint,
            "access_key_id": self.access_key_id,
            "access_key_secret": self.access_key_secret,
            "security_token": self.security_token,
            "backoff_base": 0.005,
            "backoff_cap": 0.05,
        }
        settings.update(kwargs)
        return CallbackClient(**settings)

    def env(self) -> dict[str, str]:
        """Environment variables for :meth:`CallbackClient.from_env` / ``Extension.from_env``.

        Example:
            >>> from dataworks_ext.testing import LocalDataWorks
            >>> with LocalDataWorks() as local:
            ...     sorted(local.env())  # doctest: +NORMALIZE_WHITESPACE
            ['ALIBABA_CLOUD_ACCESS_KEY_ID', 'ALIBABA_CLOUD_ACCESS_KEY_SECRET',
             'DATAWORKS_ENDPOINT', 'DATAWORKS_REGION_ID']
        """
        env = {
            "DATAWORKS_ENDPOINT": self.endpoint,
            "DATAWORKS_REGION_ID": self.region_id,
            "ALIBABA_CLOUD_ACCESS_KEY_ID": self.access_key_id,
            "ALIBABA_CLOUD_ACCESS_KEY_SECRET": self.access_key_secret,
        }
        if self.security_token:
            env["ALIBABA_CLOUD_SECURITY_TOKEN"] = self.security_token
        return env

    # ------------------------------------------------------------------ serving

    def _track(self, conn: socket.socket, open_: bool) -> None:
        with self._lock:
            if open_:
                self._connections.add(conn)
            else:
                self._connections.discard(conn)

    def _serve(self, handler: _Handler) -> None:
        request_id = str(uuid.uuid4()).upper()
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length > 0 else b""
        action = handler.headers.get("x-acs-action", "")
        with self._lock:
            self._calls += 1
            self._calls_by_action[action] += 1
            self._calls_by_version[(action, handler.headers.get("x-acs-version", ""))] += 1
            fault = self._next_fault(action)
        lost = None
        if fault is not None and fault[0] == "lost-reply":
            lost, fault = fault[1], None  # answered as usual, the reply held back below
        wait = self.delay + (fault[1] if fault is not None and fault[0] == "slow" else 0.0)
        if wait > 0 and self._stopping.wait(wait):
            handler.close_connection = True
            return
        if fault is not None:
            handler.answer(*self._fault_answer(fault[0], request_id))
            return
        try:
            verdict, answer = self._check(handler, body)
        except _Reject as reject:
            handler.answer(
                reject.status,
                {
                    "RequestId": request_id,
                    "HostId": f"dataworks.{self.region_id}.aliyuncs.com",
                    "Code": reject.code,
                    "Message": reject.message,
                },
            )
            return
        if verdict is not None:
            with self._lock:
                self._verdicts.append(verdict)
            if self.on_verdict is not None:
                try:
                    self.on_verdict(verdict)
                except Exception:
                    logger.exception("on_verdict raised on the verdict for %s", verdict.message_id)
        if lost is not None and self._stopping.wait(lost):
            handler.close_connection = True
            return
        handler.answer(200, {"RequestId": request_id, **answer})

    def _fault_answer(self, fault: str, request_id: str) -> tuple[int, dict[str, Any]]:
        status, code, message = FAULTS[fault]
        if fault == "slow":
            return 200, {"RequestId": request_id, "Success": True}
        if fault == "unsuccessful":
            return 200, {
                "RequestId": request_id,
                "Success": False,
                "ErrorCode": "Unsuccessful",
                "ErrorMessage": "The event result was not accepted.",
            }
        return status, {
            "RequestId": request_id,
            "HostId": f"dataworks.{self.region_id}.aliyuncs.com",
            "Code": code,
            "Message": message,
        }

    def _check(
        self, handler: _Handler, body: bytes
    ) -> tuple[RecordedVerdict | None, dict[str, Any]]:
        """Authenticate the call and run its action: (verdict to record, answer fields)."""
        headers = handler.headers
        action = headers.get("x-acs-action")
        serve = _ACTIONS.get(action or "")
        if serve is None:
            raise _Reject(404, "InvalidAction.NotFound", f"Specified api is not found: {action}")
        return serve(self, self._signed_params(handler, body))

    def _signed_params(self, handler: _Handler, body: bytes) -> dict[str, str]:
        """The parameters of a call (query and form body), once its version and signature
        are checked."""
        headers = handler.headers
        version = headers.get("x-acs-version")
        if version != _VERSION and not (
            version == _VERSION_2024 and headers.get("x-acs-action") in _ACTIONS_2024
        ):
            raise _Reject(400, "InvalidVersion", "Specified parameter Version is not valid.")
        split = urlsplit(handler.path)
        params = dict(parse_qsl(split.query, keep_blank_values=True))
        self._verify_signature(handler, split.path or "/", params, body)
        content_type = headers.get("Content-Type", "")
        if body and content_type.startswith("application/x-www-form-urlencoded"):
            for key, value in parse_qsl(body.decode("utf-8"), keep_blank_values=True):
                params.setdefault(key, value)
        return params

    # ------------------------------------------------------------------ the lookups

    def _get_node(self, params: dict[str, str]) -> tuple[None, dict[str, Any]]:
        return None, {"Success": True, "Data": self._lookup(params, "GetNode")}

    def _get_baseline(self, params: dict[str, str]) -> tuple[None, dict[str, Any]]:
        return None, {"Success": True, "Data": self._lookup(params, "GetBaseline")}

    def _get_instance(self, params: dict[str, str]) -> tuple[None, dict[str, Any]]:
        return None, {"Success": True, "Data": self._lookup(params, "GetInstance")}

    # ------------------------------------------------------------------ the actions

    def _workbench_event_result(
        self, params: dict[str, str]
    ) -> tuple[RecordedVerdict, dict[str, Any]]:
        verdict = _verdict(params, _WORKBENCH, ("OK", "FAIL"), "CheckResultTip")
        return verdict, {"Success": True}

    def _ide_event_result(self, params: dict[str, str]) -> tuple[RecordedVerdict, dict[str, Any]]:
        # The documented answer of UpdateIDEEventResult carries the RequestId alone.
        return _verdict(params, _IDE, ("OK", "WARN", "FAIL"), "CheckResultTip"), {}

    def _callback_extension(self, params: dict[str, str]) -> tuple[RecordedVerdict, dict[str, Any]]:
        verdict = _verdict(params, _CALLBACK_EXTENSION, ("OK", "WARN", "FAIL"), "CheckMessage")
        return verdict, {"Success": True}

    def _ide_event_detail(self, params: dict[str, str]) -> tuple[None, dict[str, Any]]:
        for name in ("MessageId", "ProjectId"):
            if not params.get(name):
                raise _Reject(400, f"Missing{name}", f"{name} is mandatory for this action.")
        with self._lock:
            seeded = self._event_details.get(params["MessageId"])
        if seeded is None or (seeded[0] is not None and str(seeded[0]) != params["ProjectId"]):
            raise _Reject(
                404,
                "Invalid.MessageId.NotFound",
                f"No event detail for message {params['MessageId']} in this workspace.",
            )
        return None, {"EventDetail": seeded[1]}

    def _get_extension(self, params: dict[str, str]) -> tuple[None, dict[str, Any]]:
        code = params.get("ExtensionCode")
        if not code:
            raise _Reject(
                400, "MissingExtensionCode", "ExtensionCode is mandatory for this action."
            )
        with self._lock:
            found = self._extensions.get(code) or self._extensions.get(_ANY_EXTENSION)
        if found is not None:
            found = {**found, "ExtensionCode": code}
        else:
            # An extension registered without parameters (the answer a test gets unless it
            # set some): no ParameterSetting.
            found = {"ExtensionCode": code, "Status": 1, "ParameterSetting": ""}
        return None, {"Extension": found}

    def set_extension_settings(
        self, extension_code: str | None, settings: str | ExtensionSettings | Mapping[str, Any]
    ) -> None:
        """Make ``GetExtension(extension_code)`` answer these settings (``None``: for every
        extension code not set on its own).

        ``settings`` is a parameter text (``key=value`` lines, as typed in DataWorks), an
        :class:`~dataworks_ext.settings.ExtensionSettings`, or the ``Extension`` object of
        the answer as DataWorks sends it (``ParameterSetting``, ``Status``,
        ``BindEventList``, ...).  An extension never set answers with an empty
        ``ParameterSetting`` and ``Status`` 1.  Set again to change them (a cache sees the
        change when it refreshes).

        Example:
            >>> from dataworks_ext.testing import LocalDataWorks
            >>> local = LocalDataWorks()
            >>> local.set_extension_settings("ext", "extension.project.disabled=23393")
            >>> local.extension_settings("ext")["ParameterSetting"]
            'extension.project.disabled=23393'
        """
        if isinstance(settings, ExtensionSettings):
            wire = settings.to_wire()
        elif isinstance(settings, str):
            wire = {"ParameterSetting": settings, "Status": 1}
        elif isinstance(settings, Mapping):
            wire = dict(settings)
        else:
            raise TypeError(
                "settings must be a parameter text, an ExtensionSettings or a mapping, "
                f"not {type(settings).__name__}"
            )
        key = _ANY_EXTENSION if extension_code is None else extension_code
        if extension_code is not None:
            wire["ExtensionCode"] = extension_code
        with self._lock:
            self._extensions[key] = wire

    def extension_settings(self, extension_code: str) -> dict[str, Any] | None:
        """The ``Extension`` object set for ``extension_code``, or ``None``.

        Example:
            >>> from dataworks_ext.testing import LocalDataWorks
            >>> LocalDataWorks().extension_settings("ext") is None
            True
        """
        with self._lock:
            found = self._extensions.get(extension_code)
        return None if found is None else dict(found)

    def seed_event_detail(
        self,
        message_id: str,
        event_detail: Mapping[str, Any] | IdeEventDetail,
        *,
        project_id: int | None = None,
    ) -> None:
        """Make ``GetIDEEventDetail(message_id)`` answer ``event_detail`` (its wire shape).

        ``event_detail`` is the ``EventDetail`` object of the official API: ``CommittedFile``
        (``Content``, ``Comment``, ``Committor``, ``ChangeType``, ``FileType``, ``NodeId``,
        ``NodeConfiguration``, ...), ``DeletedFile``, ``FileExecutionCommand`` or
        ``TableModel``; or an :class:`~dataworks_ext.IdeEventDetail`.  With ``project_id``,
        only that workspace's ``ProjectId`` finds it; an id never seeded answers HTTP 404
        ``Invalid.MessageId.NotFound`` (the code is this stand-in's choice).

        Example:
            >>> from dataworks_ext.testing import LocalDataWorks
            >>> with LocalDataWorks() as local:
            ...     local.seed_event_detail(
            ...         "m-1", {"CommittedFile": {"FileName": "ods_orders_d",
            ...                                   "Content": "SELECT 1;"}})
            ...     local.event_detail("m-1")["CommittedFile"]["Content"]
            'SELECT 1;'
        """
        wire = event_detail.to_wire() if isinstance(event_detail, IdeEventDetail) else event_detail
        with self._lock:
            self._event_details[message_id] = (project_id, dict(wire))

    def event_detail(self, message_id: str) -> dict[str, Any] | None:
        """The ``EventDetail`` seeded for ``message_id``, or ``None``.

        Example:
            >>> from dataworks_ext.testing import LocalDataWorks
            >>> LocalDataWorks().event_detail("m-1") is None
            True
        """
        with self._lock:
            seeded = self._event_details.get(message_id)
        return None if seeded is None else seeded[1]

    def _verify_signature(
        self, handler: _Handler, path: str, params: dict[str, str], body: bytes
    ) -> None:
        headers = handler.headers
        authorization = headers.get("Authorization", "")
        algorithm, _, rest = authorization.partition(" ")
        fields = dict(part.strip().partition("=")[::2] for part in rest.split(",") if "=" in part)
        if algorithm != _ALGORITHM or not {"Credential", "SignedHeaders", "Signature"} <= set(
            fields
        ):
            raise _Reject(
                400, "IncompleteSignature", "The request signature does not conform to the rules."
            )
        if fields["Credential"] != self.access_key_id:
            raise _Reject(404, "InvalidAccessKeyId.NotFound", "Specified access key is not found.")
        if self.security_token is not None and (
            headers.get("x-acs-security-token") != self.security_token
            or headers.get("x-acs-accesskey-id") != self.access_key_id
        ):
            raise _Reject(400, "InvalidSecurityToken.Mismatch", "The security token is invalid.")
        signed = fields["SignedHeaders"].split(";")
        if not {"host", "x-acs-action", "x-acs-version", "x-acs-date"} <= set(signed):
            raise _Reject(
                400, "IncompleteSignature", "The request signature does not conform to the rules."
            )
        canonical_headers = ""
        for name in signed:
            values = headers.get_all(name)
            if values is None:
                raise _Reject(400, "SignatureDoesNotMatch", "Specified signature is not matched.")
            canonical_headers += f"{name}:{','.join(sorted(v.strip() for v in values))}\n"
        query = "&".join(f"{key}={quote(params[key], safe='~')}" for key in sorted(params))
        payload = hashlib.sha256(body).hexdigest()
        canonical = "\n".join(
            [handler.command, path, query, canonical_headers, ";".join(signed), payload]
        )
        to_sign = f"{_ALGORITHM}\n{hashlib.sha256(canonical.encode('utf-8')).hexdigest()}"
        expected = hmac.new(
            self.access_key_secret.encode("utf-8"), to_sign.encode("utf-8"), hashlib.sha256
        ).hexdigest()
        if not hmac.compare_digest(expected, fields["Signature"]):
            raise _Reject(
                400,
                "SignatureDoesNotMatch",
                "Specified signature is not matched with our calculation.",
            )
        self._check_freshness(headers.get("x-acs-date", ""), headers.get("x-acs-signature-nonce"))

    def _check_freshness(self, date: str, nonce: str | None) -> None:
        try:
            stamp = datetime.strptime(date, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
        except ValueError:
            raise _Reject(
                400, "InvalidTimeStamp.Format", "Specified time stamp is not valid."
            ) from None
        if abs(stamp.timestamp() - time.time()) > _CLOCK_SKEW:
            raise _Reject(400, "InvalidTimeStamp.Expired", "Specified time stamp is expired.")
        if not nonce:
            raise _Reject(400, "MissingSignatureNonce", "SignatureNonce is mandatory.")
        with self._lock:
            if nonce in self._nonces:
                raise _Reject(400, "SignatureNonceUsed", "Specified signature nonce was used.")
            self._nonces.add(nonce)
            self._nonce_order.append(nonce)
            if len(self._nonce_order) > _NONCES_KEPT:
                self._nonces.discard(self._nonce_order.popleft())

    # ------------------------------------------------------------------ node context
    # GetNode, GetBaseline and GetInstance, answered from what the test seeds.

    def add_nodes(self, *nodes: NodeInfo | Mapping[str, Any]) -> None:
        """Seed nodes ``GetNode`` answers with (``PROD``): models, or ``Data`` objects as
        DataWorks sends them (ids as strings, ``Repeatability`` as ``"true"``, ...).

        Example:
            >>> from dataworks_ext.nodes import NodeInfo
            >>> from dataworks_ext.testing import LocalDataWorks
            >>> with LocalDataWorks() as local:
            ...     local.add_nodes(NodeInfo(node_id=7, priority=8), {"NodeId": "8"})
            ...     sorted(local.nodes)
            [7, 8]
        """
        self._seed(self._nodes, nodes, "NodeId")

    def add_baselines(self, *baselines: BaselineInfo | Mapping[str, Any]) -> None:
        """Seed baselines ``GetBaseline`` answers with; a baseline with a ``ProjectId``
        answers only calls for that workspace.

        Example:
            >>> from dataworks_ext.nodes import BaselineInfo
            >>> from dataworks_ext.testing import LocalDataWorks
            >>> with LocalDataWorks() as local:
            ...     local.add_baselines(BaselineInfo(baseline_id=1201, node_ids=(7, 8)))
            ...     local.baselines[1201]["NodeIds"]
            [7, 8]
        """
        self._seed(self._baselines, baselines, "BaselineId")

    def add_instances(self, *instances: InstanceInfo | Mapping[str, Any]) -> None:
        """Seed instances ``GetInstance`` answers with (``PROD``).

        Example:
            >>> from dataworks_ext.nodes import InstanceInfo
            >>> from dataworks_ext.testing import LocalDataWorks
            >>> with LocalDataWorks() as local:
            ...     local.add_instances(InstanceInfo(instance_id=5, node_id=7))
            ...     local.instances[5]["NodeId"]
            7
        """
        self._seed(self._instances, instances, "InstanceId")

    @property
    def nodes(self) -> dict[int, dict[str, Any]]:
        """The seeded nodes by id, as ``GetNode`` sends them (a copy).

        Example:
            >>> from dataworks_ext.testing import LocalDataWorks
            >>> LocalDataWorks().nodes
            {}
        """
        with self._lock:
            return dict(self._nodes)

    @property
    def baselines(self) -> dict[int, dict[str, Any]]:
        """The seeded baselines by id, as ``GetBaseline`` sends them (a copy).

        Example:
            >>> from dataworks_ext.testing import LocalDataWorks
            >>> LocalDataWorks().baselines
            {}
        """
        with self._lock:
            return dict(self._baselines)

    @property
    def instances(self) -> dict[int, dict[str, Any]]:
        """The seeded instances by id, as ``GetInstance`` sends them (a copy).

        Example:
            >>> from dataworks_ext.testing import LocalDataWorks
            >>> LocalDataWorks().instances
            {}
        """
        with self._lock:
            return dict(self._instances)

    def calls_for(self, action: str, version: str | None = None) -> int:
        """Calls received for one API (``"GetNode"``, ``"UpdateWorkbenchEventResult"``...),
        faulted and rejected ones included; with ``version`` (``"2024-05-18"``), only the
        calls that named that API version.

        Example:
            >>> from dataworks_ext.testing import LocalDataWorks
            >>> with LocalDataWorks() as local:
            ...     local.calls_for("GetNode"), local.calls_for("GetNode", "2020-05-18")
            (0, 0)
        """
        with self._lock:
            if version is None:
                return self._calls_by_action[action]
            return self._calls_by_version[(action, version)]

    def _seed(
        self,
        store: dict[int, dict[str, Any]],
        items: tuple[NodeInfo | BaselineInfo | InstanceInfo | Mapping[str, Any], ...],
        id_key: str,
    ) -> None:
        for item in items:
            wire = dict(item) if isinstance(item, Mapping) else write_answer(item)
            with self._lock:
                store[int(wire[id_key])] = wire

    def _next_fault(self, action: str) -> tuple[str, float, str | None] | None:
        """The first queued fault for ``action`` (taken off the queue); under the lock."""
        for index, fault in enumerate(self._faults):
            if (fault[2] is None and action != _GET_EXTENSION) or fault[2] == action:
                del self._faults[index]
                return fault
        return None

    def _lookup(self, params: dict[str, str], action: str) -> dict[str, Any]:
        """The ``Data`` of a lookup answer, or a :class:`_Reject` as DataWorks would answer."""
        id_name, what = _LOOKUPS[action]
        scope = "ProjectId" if action == "GetBaseline" else "ProjectEnv"
        for name in (id_name, scope):
            if not params.get(name):
                raise _Reject(400, f"Missing{name}", f"{name} is mandatory for this action.")
        if scope == "ProjectEnv" and params[scope] not in ("PROD", "DEV"):
            raise _Reject(400, "InvalidParameter", "ProjectEnv must be PROD or DEV.")
        key = params[id_name]
        store = {"GetNode": self._nodes, "GetBaseline": self._baselines}.get(
            action, self._instances
        )
        with self._lock:
            found = store.get(int(key)) if key.isdigit() else None
        if found is not None and scope == "ProjectId":
            seeded = found.get("ProjectId")
            if seeded is not None and str(seeded) != params[scope]:
                found = None
        if found is None or params.get("ProjectEnv") == "DEV":  # only production is seeded
            raise _Reject(
                400, f"Invalid.Tenant.{what}NotExists", f"The {what.lower()} does not exist."
            )
        return found


def _verdict(
    params: dict[str, str], api: str, results: tuple[str, ...], tip_parameter: str
) -> RecordedVerdict:
    for name in ("MessageId", "ExtensionCode", "CheckResult"):
        if not params.get(name):
            raise _Reject(400, f"Missing{name}", f"{name} is mandatory for this action.")
    result = params["CheckResult"]
    if result not in results:
        allowed = ", ".join(results[:-1]) + " or " + results[-1]
        raise _Reject(400, "InvalidParameter", f"CheckResult must be {allowed}, not {result!r}.")
    tip = params.get(tip_parameter)
    return RecordedVerdict(params["MessageId"], params["ExtensionCode"], result, tip or None, api)


_Action = Callable[[LocalDataWorks, dict[str, str]], tuple[RecordedVerdict | None, dict[str, Any]]]

#: The actions served: ``x-acs-action`` -> the method answering it.
_ACTIONS: dict[str, _Action] = {
    _WORKBENCH: LocalDataWorks._workbench_event_result,
    _IDE: LocalDataWorks._ide_event_result,
    _CALLBACK_EXTENSION: LocalDataWorks._callback_extension,
    _IDE_EVENT_DETAIL: LocalDataWorks._ide_event_detail,
    _GET_EXTENSION: LocalDataWorks._get_extension,
    "GetNode": LocalDataWorks._get_node,
    "GetBaseline": LocalDataWorks._get_baseline,
    "GetInstance": LocalDataWorks._get_instance,
}
