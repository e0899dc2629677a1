"""Builders of realistic messages, with sensible defaults for every field."""

from __future__ import annotations

import datetime as _dt
import inspect
import itertools
import json
import uuid
from collections.abc import Iterable, Mapping
from typing import Any, Protocol

from .._convert import structure_common
from ..events import (
    BackfillEvent,
    BackfillOrder,
    BizPeriod,
    ChangeType,
    CommitFileEvent,
    CommitTableEvent,
    DeleteFileEvent,
    DeployFileEvent,
    DeployTableEvent,
    ExtensionPointEvent,
    FileEvent,
    FreezeNodeEvent,
    InstancePreEvent,
    ModelledEvent,
    Module,
    NodeEvent,
    PreFreezeInstanceEvent,
    PreKillInstanceEvent,
    PreRerunInstanceEvent,
    PreSetInstanceSuccessEvent,
    PreUnfreezeInstanceEvent,
    RestoreNodeEvent,
    RunFileEvent,
    TableEvent,
    UnpublishNodeEvent,
    kind_for_event,
)
from ..messages import EnvelopeKind, EventMessage
from ..nodes import BaselineInfo, InstanceInfo, NodeInfo

__all__ = [
    "DEFAULT_BASELINE_ID",
    "DEFAULT_FILE_CREATE_TIME",
    "DEFAULT_INSTANCE_IDS",
    "DEFAULT_NODE_IDS",
    "DEFAULT_OPERATOR",
    "DEFAULT_PROJECT_ID",
    "DEFAULT_REGION",
    "DEFAULT_TENANT_ID",
    "REMOVE",
    "as_envelope",
    "backfill_event",
    "baseline_info",
    "batch",
    "commit_file_event",
    "commit_table_event",
    "delete_file_event",
    "deploy_file_event",
    "deploy_table_event",
    "event_for",
    "extension_point_event",
    "freeze_event",
    "instance_info",
    "message_for",
    "node_info",
    "pre_freeze_instance_event",
    "pre_kill_instance_event",
    "pre_rerun_instance_event",
    "pre_set_instance_success_event",
    "pre_unfreeze_instance_event",
    "restore_event",
    "run_file_event",
    "unpublish_event",
    "with_payload",
]

DEFAULT_OPERATOR = "1107550004253538"
"""A realistic Alibaba Cloud account UID."""
DEFAULT_PROJECT_ID = 23393
"""A realistic DataWorks workspace id."""
DEFAULT_TENANT_ID = 28378142127872
"""A realistic DataWorks tenant id (over 2**32, as real ones are)."""
DEFAULT_NODE_IDS = (700005966962, 700005966963)
"""Two realistic production node ids."""
DEFAULT_REGION = "cn-shanghai"
"""The region the builders put in CloudEvents."""

_counter = itertools.count(1)
EnvelopeLike = EnvelopeKind | str


def _new_id() -> str:
    return str(uuid.uuid4())


def message_for(
    event: ModelledEvent | ExtensionPointEvent,
    *,
    message_id: str | None = None,
    envelope: EnvelopeLike = EnvelopeKind.CLOUDEVENT,
    region: str = DEFAULT_REGION,
    time: _dt.datetime | None = None,
) -> EventMessage:
    """Wrap an event in a realistic envelope, as DataWorks and EventBridge would send it.

    Example:
        >>> from dataworks_ext import FreezeNodeEvent
        >>> from dataworks_ext.testing import message_for
        >>> event = FreezeNodeEvent(operator="1", project_id=2, tenant_id=3, node_ids=(4,),
        ...                         extension_biz_id="b-1")
        >>> message_for(event, message_id="m-9", envelope="function-compute").to_dict()
        ... # doctest: +NORMALIZE_WHITESPACE
        {'eventCategoryType': 'operation-center', 'blockBusiness': True, 'messageId': 'm-9',
         'eventType': 'freeze-node', 'extensionBizId': 'b-1',
         'messageBody': {'operator': '1', 'projectId': 2, 'tenantId': 3, 'nodeIds': [4],
                         'extensionBizId': 'b-1', 'blockBusiness': True,
                         'eventCode': 'freeze-node'}}
    """
    kind = kind_for_event(event)
    module = kind.module if kind is not None else Module.OPERATION_CENTER
    message_id = message_id or _new_id()
    envelope = EnvelopeKind(envelope)
    if envelope is EnvelopeKind.FUNCTION_COMPUTE:
        return EventMessage(
            message_id=message_id,
            event=event,
            envelope=envelope,
            extension_biz_id=event.extension_biz_id,
            event_type=event.event_code,
            attributes={
                "eventCategoryType": module.value,
                "blockBusiness": event.block_business,
            },
        )
    when = time or _dt.datetime.now(_dt.timezone.utc)
    stamp = when.astimezone(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    operator = event.operator or ""
    account = operator if operator.isdigit() else DEFAULT_OPERATOR
    project = event.project_id if event.project_id is not None else DEFAULT_PROJECT_ID
    event_type = kind.eventbridge_type if kind is not None else event.event_code
    return EventMessage(
        message_id=message_id,
        event=event,
        envelope=envelope,
        extension_biz_id=event.extension_biz_id,
        event_type=event_type,
        source="acs.dataworks",
        subject=f"acs.dataworks:{region}:{account}:{project}",
        time=stamp,
        region=region,
        account=account,
        attributes={
            "specversion": "1.0",
            "datacontenttype": "application/json;charset=utf-8",
            "aliyunpublishtime": stamp,
            "aliyunoriginalaccountid": account,
            "aliyuneventbusname": "default",
            "aliyunpublishaddr": "10.25.12.131",
        },
    )


_REWRAPPABLE = (
    NodeEvent,
    BackfillEvent,
    FileEvent,
    TableEvent,
    InstancePreEvent,
    ExtensionPointEvent,
)


def as_envelope(message: EventMessage, envelope: EnvelopeLike) -> EventMessage:
    """The same event and id in another envelope.

    Example:
        >>> from dataworks_ext.testing import as_envelope, freeze_event
        >>> as_envelope(freeze_event(), "function-compute").envelope.value
        'function-compute'
    """
    event = message.event
    if isinstance(
        event,
        (NodeEvent, BackfillEvent, FileEvent, TableEvent, InstancePreEvent, ExtensionPointEvent),
    ):
        return message_for(event, message_id=message.message_id, envelope=envelope)
    raise TypeError("only extension-point events can be re-wrapped")


def _node_event(
    cls: type[NodeEvent],
    node_ids: Iterable[int],
    operator: str,
    project_id: int,
    tenant_id: int,
    extension_biz_id: str | None,
    extra: Mapping[str, Any] | None,
    message_id: str | None,
    envelope: EnvelopeLike,
) -> EventMessage:
    event = cls(
        operator=operator,
        project_id=project_id,
        tenant_id=tenant_id,
        node_ids=tuple(node_ids),
        extension_biz_id=_new_id() if extension_biz_id is None else extension_biz_id,
        extra=dict(extra or {}),
    )
    return message_for(event, message_id=message_id, envelope=envelope)  # type: ignore[arg-type]


def freeze_event(
    *,
    node_ids: Iterable[int] = DEFAULT_NODE_IDS,
    operator: str = DEFAULT_OPERATOR,
    project_id: int = DEFAULT_PROJECT_ID,
    tenant_id: int = DEFAULT_TENANT_ID,
    extension_biz_id: str | None = None,
    extra: Mapping[str, Any] | None = None,
    message_id: str | None = None,
    envelope: EnvelopeLike = EnvelopeKind.CLOUDEVENT,
) -> EventMessage:
    """A message announcing that production nodes are about to be frozen.

    Ids default to fresh UUIDs, so every call is a new message.

    Example:
        >>> from dataworks_ext.testing import freeze_event
        >>> message = freeze_event(node_ids=[42])
        >>> message.event.node_ids, message.event_type
        ((42,), 'dataworks:NodeChange:FreezeNode')
    """
    return _node_event(
        FreezeNodeEvent,
        node_ids,
        operator,
        project_id,
        tenant_id,
        extension_biz_id,
        extra,
        message_id,
        envelope,
    )


def restore_event(
    *,
    node_ids: Iterable[int] = DEFAULT_NODE_IDS,
    operator: str = DEFAULT_OPERATOR,
    project_id: int = DEFAULT_PROJECT_ID,
    tenant_id: int = DEFAULT_TENANT_ID,
    extension_biz_id: str | None = None,
    extra: Mapping[str, Any] | None = None,
    message_id: str | None = None,
    envelope: EnvelopeLike = EnvelopeKind.CLOUDEVENT,
) -> EventMessage:
    """A message announcing that frozen nodes are about to be restored.

    Example:
        >>> from dataworks_ext.testing import restore_event
        >>> restore_event().event_code
        'unfreeze-node'
    """
    return _node_event(
        RestoreNodeEvent,
        node_ids,
        operator,
        project_id,
        tenant_id,
        extension_biz_id,
        extra,
        message_id,
        envelope,
    )


def unpublish_event(
    *,
    node_ids: Iterable[int] = DEFAULT_NODE_IDS,
    operator: str = DEFAULT_OPERATOR,
    project_id: int = DEFAULT_PROJECT_ID,
    tenant_id: int = DEFAULT_TENANT_ID,
    extension_biz_id: str | None = None,
    extra: Mapping[str, Any] | None = None,
    message_id: str | None = None,
    envelope: EnvelopeLike = EnvelopeKind.CLOUDEVENT,
) -> EventMessage:
    """A message announcing that production nodes are about to be unpublished.

    Example:
        >>> from dataworks_ext.testing import unpublish_event
        >>> unpublish_event(envelope="function-compute").to_dict()["eventType"]
        'undeploy-node'
    """
    return _node_event(
        UnpublishNodeEvent,
        node_ids,
        operator,
        project_id,
        tenant_id,
        extension_biz_id,
        extra,
        message_id,
        envelope,
    )


def backfill_event(
    *,
    days: int = 1,
    start: _dt.date | None = None,
    periods: Iterable[tuple[_dt.date, _dt.date] | BizPeriod] | None = None,
    root_node_id: int = DEFAULT_NODE_IDS[0],
    include_node_ids: Iterable[int] | None = None,
    exclude_node_ids: Iterable[int] = (),
    name: str | None = None,
    is_parallel: bool = False,
    parallel_group: int = 1,
    start_future_instance_immediately: bool = False,
    order: BackfillOrder | str = BackfillOrder.ASC,
    operator: str = DEFAULT_OPERATOR,
    project_id: int = DEFAULT_PROJECT_ID,
    tenant_id: int = DEFAULT_TENANT_ID,
    extension_biz_id: str | None = None,
    extra: Mapping[str, Any] | None = None,
    message_id: str | None = None,
    envelope: EnvelopeLike = EnvelopeKind.CLOUDEVENT,
) -> EventMessage:
    """A message announcing a data backfill.

    By default one period of ``days`` business dates ending yesterday; give ``periods`` for
    several ranges.  ``include_node_ids`` defaults to the root node alone.

    Example:
        >>> import datetime
        >>> from dataworks_ext.testing import backfill_event
        >>> event = backfill_event(days=7, start=datetime.date(2024, 4, 1)).event
        >>> event.total_days, event.last_date
        (7, datetime.date(2024, 4, 7))
    """
    if periods is None:
        if days < 1:
            raise ValueError("days must be at least 1")
        first = start or (_dt.date.today() - _dt.timedelta(days=days))
        built: tuple[BizPeriod, ...] = (
            BizPeriod(begin=first, end=first + _dt.timedelta(days=days - 1)),
        )
    else:
        built = tuple(
            p if isinstance(p, BizPeriod) else BizPeriod(begin=p[0], end=p[1]) for p in periods
        )
    first_date = min((p.begin for p in built), default=_dt.date.today())
    event = BackfillEvent(
        name=name or f"P_backfill_{root_node_id}_{first_date:%Y%m%d}_{next(_counter)}",
        root_node_id=root_node_id,
        root_node_project_id=project_id,
        periods=built,
        operator=operator,
        project_id=project_id,
        tenant_id=tenant_id,
        extension_biz_id=_new_id() if extension_biz_id is None else extension_biz_id,
        include_node_ids=tuple(include_node_ids)
        if include_node_ids is not None
        else (root_node_id,),
        exclude_node_ids=tuple(exclude_node_ids),
        use_multiple_time_periods=len(built) > 1,
        is_parallel=is_parallel,
        parallel_group=parallel_group,
        start_future_instance_immediately=start_future_instance_immediately,
        order=BackfillOrder(order),
        extra=dict(extra or {}),
    )
    return message_for(event, message_id=message_id, envelope=envelope)


DEFAULT_FILE_CREATE_TIME = _dt.datetime(2024, 3, 18, 10, 42, 7)
"""A realistic ``fileCreateTime`` (naive: DataWorks sends it without a zone)."""
DEFAULT_INSTANCE_IDS = (1000087654321, 1000087654322)
"""Two realistic instance ids."""

_COMMON_DEFAULTS: dict[str, Any] = {
    "operator": DEFAULT_OPERATOR,
    "project_id": DEFAULT_PROJECT_ID,
    "tenant_id": DEFAULT_TENANT_ID,
    "extension_biz_id": None,
    "extra": None,
    "message_id": None,
    "envelope": EnvelopeKind.CLOUDEVENT,
}
_FILE_DEFAULTS: dict[str, Any] = {
    "file_name": "ods_orders_d",
    "file_id": 501234,
    "file_version": None,
    "file_type": 10,
    "file_owner": DEFAULT_OPERATOR,
    "file_create_time": DEFAULT_FILE_CREATE_TIME,
    "change_type": None,
    "data_source_name": "odps_first",
    "resource_type": None,
    "node_id": DEFAULT_NODE_IDS[0],
    **_COMMON_DEFAULTS,
}
#: Commits and deployments carry a version and a change type; runs and deletions do not.
_VERSIONED = {"file_version": 3, "change_type": ChangeType.UPDATE}
_TABLE_DEFAULTS: dict[str, Any] = {
    "table_name": "ods_orders_d",
    "table_type": "ODPS",
    "max_compute_project": "sales_dw",
    **_COMMON_DEFAULTS,
}
_INSTANCE_DEFAULTS: dict[str, Any] = {
    "task_ids": DEFAULT_INSTANCE_IDS,
    "extension_biz_name": "instance_check",
    **_COMMON_DEFAULTS,
}


class _FileEventBuilder(Protocol):
    def __call__(
        self,
        *,
        file_name: str = ...,
        file_id: int = ...,
        file_version: int | None = ...,
        file_type: int | None = ...,
        file_owner: str | None = ...,
        file_create_time: _dt.datetime | None = ...,
        change_type: ChangeType | None = ...,
        data_source_name: str | None = ...,
        resource_type: str | None = ...,
        node_id: int | None = ...,
        operator: str = ...,
        project_id: int = ...,
        tenant_id: int = ...,
        extension_biz_id: str | None = ...,
        extra: Mapping[str, Any] | None = ...,
        message_id: str | None = ...,
        envelope: EnvelopeLike = ...,
    ) -> EventMessage: ...


class _TableEventBuilder(Protocol):
    def __call__(
        self,
        *,
        table_name: str = ...,
        table_type: str | None = ...,
        max_compute_project: str | None = ...,
        operator: str = ...,
        project_id: int = ...,
        tenant_id: int = ...,
        extension_biz_id: str | None = ...,
        extra: Mapping[str, Any] | None = ...,
        message_id: str | None = ...,
        envelope: EnvelopeLike = ...,
    ) -> EventMessage: ...


class _InstanceEventBuilder(Protocol):
    def __call__(
        self,
        *,
        task_ids: Iterable[int] = ...,
        extension_biz_name: str | None = ...,
        operator: str = ...,
        project_id: int = ...,
        tenant_id: int = ...,
        extension_biz_id: str | None = ...,
        extra: Mapping[str, Any] | None = ...,
        message_id: str | None = ...,
        envelope: EnvelopeLike = ...,
    ) -> EventMessage: ...


def _builder(name: str, cls: type[Any], defaults: Mapping[str, Any], doc: str) -> Any:
    """A keyword-only builder of ``cls`` messages; every field defaults to ``defaults``."""
    kinds = inspect.Parameter.KEYWORD_ONLY

    def build(**fields: Any) -> EventMessage:
        unknown = fields.keys() - defaults.keys()
        if unknown:
            raise TypeError(
                f"{name}() got unexpected keyword arguments: {', '.join(sorted(unknown))}"
            )
        values = {**defaults, **fields}
        message_id, envelope = values.pop("message_id"), values.pop("envelope")
        if values["extension_biz_id"] is None:
            values["extension_biz_id"] = _new_id()
        values["extra"] = dict(values["extra"] or {})
        if "task_ids" in values:
            values["task_ids"] = tuple(values["task_ids"])
        return message_for(cls(**values), message_id=message_id, envelope=envelope)

    build.__name__ = build.__qualname__ = name
    build.__doc__ = doc
    build.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [inspect.Parameter(key, kinds, default=value) for key, value in defaults.items()],
        return_annotation=EventMessage,
    )
    return build


commit_file_event: _FileEventBuilder = _builder(
    "commit_file_event",
    CommitFileEvent,
    {**_FILE_DEFAULTS, **_VERSIONED},
    """A message announcing that a DataStudio file is about to be committed.

    Every field of :class:`~dataworks_ext.CommitFileEvent` is a keyword; the defaults are an
    ODPS SQL file (``fileType`` 10) at version 3, an update.

    Example:
        >>> from dataworks_ext.testing import commit_file_event
        >>> message = commit_file_event(file_name="dwd_orders_di")
        >>> message.event.file_name, message.event_type
        ('dwd_orders_di', 'dataworks:FileChange:CommitFile')
    """,
)
deploy_file_event: _FileEventBuilder = _builder(
    "deploy_file_event",
    DeployFileEvent,
    {**_FILE_DEFAULTS, **_VERSIONED},
    """A message announcing that a DataStudio file is about to be deployed to production.

    Takes the keywords of :func:`commit_file_event`.

    Example:
        >>> from dataworks_ext.testing import deploy_file_event
        >>> deploy_file_event(envelope="function-compute").to_dict()["eventType"]
        'deploy-file'
    """,
)
run_file_event: _FileEventBuilder = _builder(
    "run_file_event",
    RunFileEvent,
    _FILE_DEFAULTS,
    """A message announcing that a file's code is about to run in DataStudio.

    Takes the keywords of :func:`commit_file_event`; no version or change type by default.

    Example:
        >>> from dataworks_ext.testing import run_file_event
        >>> run_file_event().event.file_version is None
        True
    """,
)
delete_file_event: _FileEventBuilder = _builder(
    "delete_file_event",
    DeleteFileEvent,
    _FILE_DEFAULTS,
    """A message announcing that a DataStudio file is about to be deleted.

    Takes the keywords of :func:`commit_file_event`; no version or change type by default.

    Example:
        >>> from dataworks_ext.testing import delete_file_event
        >>> delete_file_event().event_code
        'delete-file'
    """,
)
commit_table_event: _TableEventBuilder = _builder(
    "commit_table_event",
    CommitTableEvent,
    {**_TABLE_DEFAULTS, "max_compute_project": "sales_dw_dev"},
    """A message announcing that a table is about to be committed to development.

    Every field of :class:`~dataworks_ext.CommitTableEvent` is a keyword.

    Example:
        >>> from dataworks_ext.testing import commit_table_event
        >>> commit_table_event(table_name="dim_shop").event.table_name
        'dim_shop'
    """,
)
deploy_table_event: _TableEventBuilder = _builder(
    "deploy_table_event",
    DeployTableEvent,
    _TABLE_DEFAULTS,
    """A message announcing that a table is about to be deployed to production.

    Takes the keywords of :func:`commit_table_event`.

    Example:
        >>> from dataworks_ext.testing import deploy_table_event
        >>> deploy_table_event().event_type
        'dataworks:TableChange:DeployTable'
    """,
)
pre_freeze_instance_event: _InstanceEventBuilder = _builder(
    "pre_freeze_instance_event",
    PreFreezeInstanceEvent,
    _INSTANCE_DEFAULTS,
    """A message announcing that instances are about to be frozen.

    Every field of :class:`~dataworks_ext.PreFreezeInstanceEvent` is a keyword.

    Example:
        >>> from dataworks_ext.testing import pre_freeze_instance_event
        >>> pre_freeze_instance_event(task_ids=[7]).event.task_ids
        (7,)
    """,
)
pre_unfreeze_instance_event: _InstanceEventBuilder = _builder(
    "pre_unfreeze_instance_event",
    PreUnfreezeInstanceEvent,
    _INSTANCE_DEFAULTS,
    """A message announcing that instances are about to be unfrozen.

    Takes the keywords of :func:`pre_freeze_instance_event`.

    Example:
        >>> from dataworks_ext.testing import pre_unfreeze_instance_event
        >>> pre_unfreeze_instance_event().event_code
        'pre-unfreeze-instance'
    """,
)
pre_rerun_instance_event: _InstanceEventBuilder = _builder(
    "pre_rerun_instance_event",
    PreRerunInstanceEvent,
    _INSTANCE_DEFAULTS,
    """A message announcing that instances are about to be rerun.

    Takes the keywords of :func:`pre_freeze_instance_event`.

    Example:
        >>> from dataworks_ext.testing import pre_rerun_instance_event
        >>> pre_rerun_instance_event().event_type
        'dataworks:InstanceChange:PreRerunInstance'
    """,
)
pre_set_instance_success_event: _InstanceEventBuilder = _builder(
    "pre_set_instance_success_event",
    PreSetInstanceSuccessEvent,
    _INSTANCE_DEFAULTS,
    """A message announcing that instances are about to be set to succeeded.

    Takes the keywords of :func:`pre_freeze_instance_event`.

    Example:
        >>> from dataworks_ext.testing import pre_set_instance_success_event
        >>> pre_set_instance_success_event().event_code
        'pre-set-instance-success'
    """,
)
pre_kill_instance_event: _InstanceEventBuilder = _builder(
    "pre_kill_instance_event",
    PreKillInstanceEvent,
    _INSTANCE_DEFAULTS,
    """A message announcing that running instances are about to be killed.

    Takes the keywords of :func:`pre_freeze_instance_event`.

    Example:
        >>> from dataworks_ext.testing import pre_kill_instance_event
        >>> pre_kill_instance_event(envelope="function-compute").to_dict()["eventType"]
        'pre-kill-instance'
    """,
)


def extension_point_event(
    event_code: str,
    payload: Mapping[str, Any] | None = None,
    *,
    operator: str = DEFAULT_OPERATOR,
    project_id: int | None = DEFAULT_PROJECT_ID,
    tenant_id: int = DEFAULT_TENANT_ID,
    extension_biz_id: str | None = None,
    message_id: str | None = None,
    envelope: EnvelopeLike = EnvelopeKind.CLOUDEVENT,
) -> EventMessage:
    """A message of an extension point without a model of its own: an ExtensionPointEvent.

    ``payload`` holds the event's own fields; the common ones (``eventCode``, ``operator``,
    ``projectId``, ``tenantId``, ``extensionBizId``) are filled in unless it has them.

    Example:
        >>> from dataworks_ext.testing import extension_point_event
        >>> message = extension_point_event("start-diJob", {"extensionBizName": "ods_sync"})
        >>> message.event.payload["extensionBizName"], message.event_type
        ('ods_sync', 'dataworks:NodeChange:StartDiJob')
    """
    common: dict[str, Any] = {
        "eventCode": event_code,
        "operator": operator,
        "tenantId": tenant_id,
        "extensionBizId": _new_id() if extension_biz_id is None else extension_biz_id,
        "blockBusiness": True,
    }
    if project_id is not None:
        common["projectId"] = project_id
    event = structure_common(event_code, {**common, **(payload or {})})
    return message_for(event, message_id=message_id, envelope=envelope)


def event_for(event_code: str, /, **fields: Any) -> EventMessage:
    """A realistic message of any extension-point event, by its code.

    The code's own builder makes it (``freeze-node`` -> :func:`freeze_event`,
    ``commit-file`` -> :func:`commit_file_event`, ...), with ``fields`` as its keywords; a
    code without a model of its own (``start-diJob``, or one the SDK does not know) goes to
    :func:`extension_point_event`, with ``fields`` as its keywords (``payload=`` for the
    event's own fields).

    Example:
        >>> from dataworks_ext.testing import event_for
        >>> type(event_for("commit-file", file_name="ods_orders_d").event).__name__
        'CommitFileEvent'
        >>> event_for("start-diJob").event.event_code
        'start-diJob'
    """
    builder = _BY_CODE.get(event_code)
    if builder is None:
        message: EventMessage = extension_point_event(event_code, **fields)
        return message
    built: EventMessage = builder(**fields)
    return built


def batch(*messages: EventMessage) -> bytes:
    """An EventBridge batch push: the messages as one JSON array, UTF-8 encoded.

    Example:
        >>> from dataworks_ext import parse_messages
        >>> from dataworks_ext.testing import batch, freeze_event, restore_event
        >>> len(parse_messages(batch(freeze_event(), restore_event())))
        2
    """
    return json.dumps([m.to_dict() for m in messages], ensure_ascii=False).encode()


class _Remove:
    """The type of :data:`REMOVE`."""

    _instance: _Remove | None = None

    def __new__(cls) -> _Remove:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "REMOVE"


REMOVE: Any = _Remove()
"""Give it to :func:`with_payload` to take a field out of the payload."""


def with_payload(message: EventMessage, /, **fields: Any) -> dict[str, Any]:
    """The message's wire form with payload fields set to any value, or removed.

    Name fields by their wire name (``nodeIds``, ``multipleTimePeriods``); :data:`REMOVE`
    deletes one.  The result is a plain dict, not an :class:`EventMessage`: it may well be
    unreadable, which is the point: test what your extension answers to a broken message.

    Example:
        >>> from dataworks_ext import Extension, Registry
        >>> from dataworks_ext.testing import REMOVE, freeze_event, with_payload
        >>> broken = with_payload(freeze_event(message_id="m-1"), nodeIds="1,2", tenantId=REMOVE)
        >>> "tenantId" in broken["data"], broken["data"]["nodeIds"]
        (False, '1,2')
        >>> outcome = Extension("ext", registry=Registry()).handle(
        ...     with_payload(freeze_event(message_id="m-2"), nodeIds="1,2"))
        >>> outcome.verdict.result.value, outcome.error.field
        ('FAIL', 'data.nodeIds')
    """
    wire = message.to_dict()
    key = "messageBody" if message.envelope is EnvelopeKind.FUNCTION_COMPUTE else "data"
    payload = dict(wire[key])
    for name, value in fields.items():
        if value is REMOVE:
            payload.pop(name, None)
        else:
            payload[name] = value
    wire[key] = payload
    return wire


# ---------------------------------------------------------------------- node context

DEFAULT_BASELINE_ID = 1201
"""A realistic baseline id."""


def node_info(node_id: int = DEFAULT_NODE_IDS[0], /, **fields: Any) -> NodeInfo:
    """A realistic production node as ``GetNode`` describes it; any field can be overridden.

    Example:
        >>> from dataworks_ext.testing import node_info
        >>> node = node_info(7, priority=8)
        >>> node.node_id, node.priority, node.owner_id, node.scheduler_type
        (7, 8, '1107550004253538', 'NORMAL')
    """
    values: dict[str, Any] = {
        "node_name": f"ods_orders_{node_id}",
        "owner_id": DEFAULT_OPERATOR,
        "priority": 1,
        "baseline_id": DEFAULT_BASELINE_ID,
        "project_id": DEFAULT_PROJECT_ID,
        "scheduler_type": "NORMAL",
        "program_type": "ODPS_SQL",
        "cron_express": "00 00 00 * * ?",
        "res_group_name": "default_schedule_group",
        "repeatability": True,
        "repeat_mode": 1,
    }
    values.update(fields)
    return NodeInfo(node_id=node_id, **values)


def baseline_info(
    baseline_id: int = DEFAULT_BASELINE_ID,
    /,
    node_ids: Iterable[int] = DEFAULT_NODE_IDS,
    **fields: Any,
) -> BaselineInfo:
    """A realistic baseline as ``GetBaseline`` describes it, guarding ``node_ids``.

    Example:
        >>> from dataworks_ext.testing import baseline_info
        >>> baseline_info(3, node_ids=[7, 8], baseline_name="finance").node_ids
        (7, 8)
    """
    values: dict[str, Any] = {
        "baseline_name": f"baseline_{baseline_id}",
        "baseline_type": "DAILY",
        "owner": DEFAULT_OPERATOR,
        "priority": 7,
        "project_id": DEFAULT_PROJECT_ID,
        "enabled": True,
    }
    values.update(fields)
    return BaselineInfo(baseline_id=baseline_id, node_ids=tuple(node_ids), **values)


def instance_info(
    instance_id: int, /, node_id: int = DEFAULT_NODE_IDS[0], **fields: Any
) -> InstanceInfo:
    """A realistic instance of ``node_id`` as ``GetInstance`` describes it.

    Example:
        >>> from dataworks_ext.testing import instance_info
        >>> instance = instance_info(1160007, node_id=7, status="FAILURE")
        >>> instance.node_id, instance.status, instance.dag_type
        (7, 'FAILURE', 'DAILY')
    """
    values: dict[str, Any] = {
        "node_name": f"ods_orders_{node_id}",
        "owner": DEFAULT_OPERATOR,
        "priority": 1,
        "status": "SUCCESS",
        "task_type": "NORMAL",
        "dag_type": "DAILY",
        "repeatability": True,
    }
    values.update(fields)
    return InstanceInfo(instance_id=instance_id, node_id=node_id, **values)


_BY_CODE: dict[str, Any] = {
    "freeze-node": freeze_event,
    "unfreeze-node": restore_event,
    "undeploy-node": unpublish_event,
    "backfill-data": backfill_event,
    "commit-file": commit_file_event,
    "deploy-file": deploy_file_event,
    "run-file": run_file_event,
    "delete-file": delete_file_event,
    "commit-table": commit_table_event,
    "deploy-table": deploy_table_event,
    "pre-freeze-instance": pre_freeze_instance_event,
    "pre-unfreeze-instance": pre_unfreeze_instance_event,
    "pre-rerun-instance": pre_rerun_instance_event,
    "pre-set-instance-success": pre_set_instance_success_event,
    "pre-kill-instance": pre_kill_instance_event,
}
"""The builder of each event code with a model of its own."""
