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
import logging
import socket
import threading
import uuid
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import attrs

from ..callback import CallbackClient
from ..event_details import IdeEventDetail
from ..settings import ExtensionSettings
from ._acs_signature import NonceBook, Reject, verify_signature
from ._local_apis import (
    ACTIONS,
    ANY_EXTENSION,
    GET_EXTENSION,
    WORKBENCH,
    Seeded,
    SeedItem,
    check_version,
)
from ._local_server import Handler, Server

__all__ = ["FAULTS", "LocalDataWorks", "RecordedVerdict"]

logger = logging.getLogger("dataworks_ext.testing.local")

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
    api: str = WORKBENCH
    """The API the verdict came through: ``UpdateWorkbenchEventResult``,
    ``UpdateIDEEventResult`` or ``CallbackExtension``."""


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
        self._seeded = Seeded()
        self._calls_by_action: collections.Counter[str] = collections.Counter()
        self._calls_by_version: collections.Counter[tuple[str, str]] = collections.Counter()
        self._faults: collections.deque[tuple[str, float, str | None]] = collections.deque()
        self._nonces = NonceBook()
        self._calls = 0
        self._server: Server | None = None
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
        server = Server(
            (self.host, self._port), Handler, on_request=self._serve, on_connection=self._track
        )
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

    def __exit__(self, *_exc_info: object) -> None:
        self.stop()

    async def __aenter__(self) -> LocalDataWorks:
        return self.start()

    async def __aexit__(self, *_exc_info: object) -> None:
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
            self._calls_by_action.clear()
            self._calls_by_version.clear()
            self._faults.clear()
            self._calls = 0
        self._seeded.clear()
        self._nonces.clear()

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

    # ------------------------------------------------------------------ seeded data

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
        key = ANY_EXTENSION if extension_code is None else extension_code
        if extension_code is not None:
            wire["ExtensionCode"] = extension_code
        with self._seeded.lock:
            self._seeded.extensions[key] = wire

    def extension_settings(self, extension_code: str) -> dict[str, Any] | None:
        """The ``Extension`` object set for ``extension_code``, or ``None``.

        Example:
            >>> from dataworks_ext.testing import LocalDataWorks
            >>> LocalDataWorks().extension_settings("ext") is None
            True
        """
        with self._seeded.lock:
            found = self._seeded.extensions.get(extension_code)
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
        with self._seeded.lock:
            self._seeded.event_details[message_id] = (project_id, dict(wire))

    def event_detail(self, message_id: str) -> dict[str, Any] | None:
        """The ``EventDetail`` seeded for ``message_id``, or ``None``.

        Example:
            >>> from dataworks_ext.testing import LocalDataWorks
            >>> LocalDataWorks().event_detail("m-1") is None
            True
        """
        with self._seeded.lock:
            seeded = self._seeded.event_details.get(message_id)
        return None if seeded is None else seeded[1]

    # GetNode, GetBaseline and GetInstance, answered from what the test seeds.

    def add_nodes(self, *nodes: SeedItem) -> None:
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
        self._seeded.seed("nodes", nodes, "NodeId")

    def add_baselines(self, *baselines: SeedItem) -> None:
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
        self._seeded.seed("baselines", baselines, "BaselineId")

    def add_instances(self, *instances: SeedItem) -> None:
        """Seed instances ``GetInstance`` answers with (``PROD``).

        Example:
            >>> from dataworks_ext.nodes import InstanceInfo
            >>> from dataworks_ext.testing import LocalDataWorks
            >>> with LocalDataWorks() as local:
            ...     local.add_instances(InstanceInfo(instance_id=5, node_id=7))
            ...     local.instances[5]["NodeId"]
            7
        """
        self._seeded.seed("instances", instances, "InstanceId")

    @property
    def nodes(self) -> dict[int, dict[str, Any]]:
        """The seeded nodes by id, as ``GetNode`` sends them (a copy).

        Example:
            >>> from dataworks_ext.testing import LocalDataWorks
            >>> LocalDataWorks().nodes
            {}
        """
        return self._seeded.copy_of("nodes")

    @property
    def baselines(self) -> dict[int, dict[str, Any]]:
        """The seeded baselines by id, as ``GetBaseline`` sends them (a copy).

        Example:
            >>> from dataworks_ext.testing import LocalDataWorks
            >>> LocalDataWorks().baselines
            {}
        """
        return self._seeded.copy_of("baselines")

    @property
    def instances(self) -> dict[int, dict[str, Any]]:
        """The seeded instances by id, as ``GetInstance`` sends them (a copy).

        Example:
            >>> from dataworks_ext.testing import LocalDataWorks
            >>> LocalDataWorks().instances
            {}
        """
        return self._seeded.copy_of("instances")

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

    # ------------------------------------------------------------------ serving

    def _next_fault(self, action: str) -> tuple[str, float, str | None] | None:
        """The first queued fault for ``action`` (taken off the queue); under the lock."""
        for index, fault in enumerate(self._faults):
            if (fault[2] is None and action != GET_EXTENSION) or fault[2] == action:
                del self._faults[index]
                return fault
        return None

    def _track(self, conn: socket.socket, open_: bool) -> None:
        with self._lock:
            if open_:
                self._connections.add(conn)
            else:
                self._connections.discard(conn)

    def _serve(self, handler: Handler) -> None:
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
        except Reject as reject:
            handler.answer(reject.status, self._error(request_id, reject.code, reject.message))
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
        return status, self._error(request_id, code, message)

    def _error(self, request_id: str, code: str, message: str) -> dict[str, Any]:
        """The body of DataWorks' error answer."""
        host = f"dataworks.{self.region_id}.aliyuncs.com"
        return {"RequestId": request_id, "HostId": host, "Code": code, "Message": message}

    def _check(
        self, handler: Handler, body: bytes
    ) -> tuple[RecordedVerdict | None, dict[str, Any]]:
        """Authenticate the call and run its action: (verdict to record, answer fields)."""
        headers = handler.headers
        action = headers.get("x-acs-action")
        serve = ACTIONS.get(action or "")
        if serve is None:
            raise Reject(404, "InvalidAction.NotFound", f"Specified api is not found: {action}")
        verdict, answer = serve(self._seeded, self._signed_params(handler, body))
        return (None if verdict is None else RecordedVerdict(*verdict)), answer

    def _signed_params(self, handler: Handler, body: bytes) -> dict[str, str]:
        """The parameters of a call (query and form body), once its version and signature
        are checked."""
        headers = handler.headers
        check_version(headers.get("x-acs-action"), headers.get("x-acs-version"))
        split = urlsplit(handler.path)
        params = dict(parse_qsl(split.query, keep_blank_values=True))
        verify_signature(
            handler.command,
            split.path or "/",
            headers,
            params,
            body,
            access_key_id=self.access_key_id,
            access_key_secret=self.access_key_secret,
            security_token=self.security_token,
        )
        self._nonces.check(headers.get("x-acs-date", ""), headers.get("x-acs-signature-nonce"))
        content_type = headers.get("Content-Type", "")
        if body and content_type.startswith("application/x-www-form-urlencoded"):
            for key, value in parse_qsl(body.decode("utf-8"), keep_blank_values=True):
                params.setdefault(key, value)
        return params
