"""Typed models of the events DataWorks sends to extensions.

One class per modelled extension-point event: Operation Center's node events
(:class:`FreezeNodeEvent`, :class:`RestoreNodeEvent`, :class:`UnpublishNodeEvent`,
:class:`BackfillEvent`) and instance pre-events (:class:`PreFreezeInstanceEvent`, ...),
DataStudio's file and table events (:class:`CommitFileEvent`, :class:`DeployTableEvent`,
...); every other extension-point event parses as :class:`ExtensionPointEvent` (its code, the
common fields and the payload as read), and regular events as :class:`UnknownEvent`.
:data:`EVENT_KINDS` is the one table of every event code: its EventBridge ``type``, its
module, whether it is an extension point, its model class and the API that answers it.

Every field carries its wire name and meaning in its attrs metadata (``wire`` and ``doc``);
the class docstrings and the reference pages of the docs are generated from them.
"""

from __future__ import annotations

import datetime as _dt
import enum
from collections.abc import Mapping
from typing import Any, ClassVar

import attrs

__all__ = [
    "EVENT_KINDS",
    "BackfillEvent",
    "BackfillOrder",
    "BizPeriod",
    "CallbackApi",
    "ChangeType",
    "CommitFileEvent",
    "CommitTableEvent",
    "DataStudioEvent",
    "DeleteFileEvent",
    "DeployFileEvent",
    "DeployTableEvent",
    "Event",
    "EventKind",
    "ExtensionEvent",
    "ExtensionPoint",
    "ExtensionPointEvent",
    "FileEvent",
    "FreezeNodeEvent",
    "InstanceOperationEvent",
    "InstancePreEvent",
    "ModelledEvent",
    "Module",
    "NodeEvent",
    "PreFreezeInstanceEvent",
    "PreKillInstanceEvent",
    "PreRerunInstanceEvent",
    "PreSetInstanceSuccessEvent",
    "PreUnfreezeInstanceEvent",
    "RestoreNodeEvent",
    "RunFileEvent",
    "TableEvent",
    "UnknownEvent",
    "UnpublishNodeEvent",
    "api_for_code",
    "kind_for_class",
    "kind_for_code",
    "kind_for_event",
    "kind_for_type",
    "wire_name",
]


def wire_name(attribute: attrs.Attribute[Any]) -> str:
    """The JSON name of a model field: its ``wire`` metadata, else its camelCase name.

    Example:
        >>> import attrs
        >>> from dataworks_ext.events import BackfillEvent, wire_name
        >>> [wire_name(a) for a in attrs.fields(BackfillEvent)][:3]
        ['name', 'rootNodeId', 'rootNodeProjectId']
    """
    explicit = attribute.metadata.get("wire")
    if explicit:
        return str(explicit)
    head, *rest = attribute.name.split("_")
    return head + "".join(part.title() for part in rest)


def _field(doc: str, *, wire: str | None = None, **kwargs: Any) -> Any:
    metadata: dict[str, Any] = {"doc": doc}
    if wire:
        metadata["wire"] = wire
    return attrs.field(metadata=metadata, **kwargs)


def _extra_field() -> Any:
    return attrs.field(
        factory=dict,
        hash=False,
        repr=False,
        metadata={
            "doc": "Payload fields this SDK does not model, by wire name, exactly as received.",
            "wire": "*",
        },
    )


def _documented(cls: type[Any]) -> type[Any]:
    """Append an ``Attributes:`` section built from the field metadata to the docstring."""
    lines = ["", "    Attributes:"]
    for attribute in attrs.fields(cls):
        wire = wire_name(attribute)
        where = "other payload fields" if wire == "*" else f"wire ``{wire}``"
        lines.append(f"        {attribute.name}: {attribute.metadata['doc']} ({where})")
    cls.__doc__ = (cls.__doc__ or "").rstrip() + "\n" + "\n".join(lines) + "\n"
    return cls


class ExtensionPoint(str, enum.Enum):
    """The extension points an extension can be bound to, as the console groups them.

    Example:
        >>> from dataworks_ext import ExtensionPoint, FreezeNodeEvent
        >>> FreezeNodeEvent.extension_point is ExtensionPoint.FREEZE_AND_RESTORE
        True
    """

    FREEZE_AND_RESTORE = "freeze-and-restore-nodes"
    """Operation Center - Freeze and restore nodes (two events: freeze and restore)."""
    UNPUBLISH = "unpublish-node"
    """Operation Center - Unpublish node."""
    BACKFILL = "data-backfill"
    """Operation Center - Data backfill (all four backfill modes)."""
    INSTANCE_OPERATIONS = "instance-operations"
    """Operation Center - Instance operations (freeze, unfreeze, rerun, set success, kill)."""
    FILE_CHANGE = "file-change"
    """DataStudio - File changes (commit, deploy, run and delete a file)."""
    TABLE_CHANGE = "table-change"
    """DataStudio - Table changes (commit and deploy a table)."""
    DATA_INTEGRATION = "data-integration"
    """Data Integration - Starting synchronization jobs."""
    DATA_QUALITY = "data-quality"
    """Data Quality - Rules, evaluation tasks and their notifications."""
    SECURITY_CENTER = "security-center"
    """Security Center - Approval requests."""
    TENANT = "tenant"
    """Tenant - Deleting workspaces, downloading and uploading data."""


class Module(str, enum.Enum):
    """The DataWorks module an event comes from.

    Example:
        >>> from dataworks_ext.events import Module, kind_for_code
        >>> kind_for_code("commit-file").module is Module.DATASTUDIO
        True
    """

    OPERATION_CENTER = "operation-center"
    """Operation Center: nodes, instances, backfills."""
    DATASTUDIO = "datastudio"
    """DataStudio (Data Development): files and tables."""
    DATA_INTEGRATION = "data-integration"
    """Data Integration: synchronization jobs."""
    DATA_QUALITY = "data-quality"
    """Data Quality: rules and evaluation tasks."""
    SECURITY_CENTER = "security-center"
    """Security Center: approvals."""
    TENANT = "tenant"
    """Tenant-level operations: workspaces, data download and upload."""


class CallbackApi(str, enum.Enum):
    """The DataWorks API (version 2020-05-18) that takes an extension's answer to an event.

    Example:
        >>> from dataworks_ext.events import CallbackApi, kind_for_code
        >>> kind_for_code("deploy-file").api is CallbackApi.UPDATE_IDE_EVENT_RESULT
        True
    """

    UPDATE_WORKBENCH_EVENT_RESULT = "UpdateWorkbenchEventResult"
    """Operation Center: ``CheckResult`` OK or FAIL, the reason in ``CheckResultTip``."""
    UPDATE_IDE_EVENT_RESULT = "UpdateIDEEventResult"
    """DataStudio: ``CheckResult`` OK, WARN or FAIL, the reason in ``CheckResultTip``."""
    CALLBACK_EXTENSION = "CallbackExtension"
    """Any extension point: ``CheckResult`` OK, WARN or FAIL, the reason in ``CheckMessage``."""

    @property
    def supports_warn(self) -> bool:
        """Whether the API documents WARN as a ``CheckResult``."""
        return self is not CallbackApi.UPDATE_WORKBENCH_EVENT_RESULT

    @property
    def tip_parameter(self) -> str:
        """The request parameter that carries the tip shown to the user."""
        if self is CallbackApi.CALLBACK_EXTENSION:
            return "CheckMessage"
        return "CheckResultTip"


class ChangeType(str, enum.Enum):
    """What a DataStudio commit or deployment does to a file (``changeType``).

    On the wire a string, ``"0"``, ``"1"`` or ``"2"``; the number is accepted too.

    Example:
        >>> from dataworks_ext import ChangeType
        >>> ChangeType("1") is ChangeType.UPDATE
        True
    """

    CREATE = "0"
    """The file is new."""
    UPDATE = "1"
    """The file changed."""
    DELETE = "2"
    """The file is removed."""


class BackfillOrder(str, enum.Enum):
    """The order in which a backfill runs its business dates.

    Example:
        >>> from dataworks_ext import BackfillOrder
        >>> BackfillOrder("desc") is BackfillOrder.DESC
        True
    """

    ASC = "asc"
    """Oldest business date first."""
    DESC = "desc"
    """Newest business date first."""


def _check_period(instance: BizPeriod, attribute: attrs.Attribute[Any], value: _dt.date) -> None:
    if value < instance.begin:
        raise ValueError(f"bizEndTime {value.isoformat()} is before bizBeginTime")


@_documented
@attrs.frozen(kw_only=True)
class BizPeriod:
    """One range of business dates of a backfill, both ends inclusive.

    Example:
        >>> import datetime
        >>> from dataworks_ext import BizPeriod
        >>> period = BizPeriod(begin=datetime.date(2024, 4, 1), end=datetime.date(2024, 4, 30))
        >>> period.days
        30
    """

    begin: _dt.date = _field("The first business date (``YYYY-MM-DD``).", wire="bizBeginTime")
    end: _dt.date = _field(
        "The last business date, on or after ``begin``.",
        wire="bizEndTime",
        validator=_check_period,
    )

    @property
    def days(self) -> int:
        """How many business dates the period covers (``end - begin + 1``)."""
        return (self.end - self.begin).days + 1


@attrs.frozen(kw_only=True)
class NodeEvent:
    """Fields shared by the freeze, restore and unpublish events (not sent on its own).

    Example:
        >>> from dataworks_ext import NodeEvent, FreezeNodeEvent
        >>> issubclass(FreezeNodeEvent, NodeEvent)
        True
    """

    event_code: ClassVar[str]
    extension_point: ClassVar[ExtensionPoint]

    operator: str = _field("UID of the Alibaba Cloud account that started the operation.")
    project_id: int = _field("Id of the DataWorks workspace the nodes belong to.")
    tenant_id: int = _field("Id of the DataWorks tenant (may exceed 2**32).")
    node_ids: tuple[int, ...] = _field("Ids of the production nodes the operation acts on.")
    extension_biz_id: str | None = _field(
        "Id of this check process in DataWorks; ``None`` when the payload has none.",
        default=None,
    )
    block_business: bool = _field(
        "Whether DataWorks blocks the operation until the extension answers.", default=True
    )
    extra: Mapping[str, Any] = _extra_field()


@_documented
@attrs.frozen(kw_only=True)
class FreezeNodeEvent(NodeEvent):
    """Someone is about to freeze production nodes (``freeze-node``).

    Example:
        >>> from dataworks_ext import FreezeNodeEvent
        >>> event = FreezeNodeEvent(operator="1107550004253538", project_id=23393,
        ...                         tenant_id=28378142127872, node_ids=(700005966962,),
        ...                         extension_biz_id="bd1f0bf8-8a4d-4d6c-9d0b-0f6c1f1e2a11")
        >>> event.event_code
        'freeze-node'
    """

    event_code: ClassVar[str] = "freeze-node"
    extension_point: ClassVar[ExtensionPoint] = ExtensionPoint.FREEZE_AND_RESTORE


@_documented
@attrs.frozen(kw_only=True)
class RestoreNodeEvent(NodeEvent):
    """Someone is about to restore (unfreeze) frozen production nodes (``unfreeze-node``).

    Example:
        >>> from dataworks_ext import RestoreNodeEvent
        >>> RestoreNodeEvent.event_code
        'unfreeze-node'
    """

    event_code: ClassVar[str] = "unfreeze-node"
    extension_point: ClassVar[ExtensionPoint] = ExtensionPoint.FREEZE_AND_RESTORE


@_documented
@attrs.frozen(kw_only=True)
class UnpublishNodeEvent(NodeEvent):
    """Someone is about to unpublish (undeploy) production nodes (``undeploy-node``).

    Example:
        >>> from dataworks_ext import UnpublishNodeEvent
        >>> UnpublishNodeEvent.event_code
        'undeploy-node'
    """

    event_code: ClassVar[str] = "undeploy-node"
    extension_point: ClassVar[ExtensionPoint] = ExtensionPoint.UNPUBLISH


@_documented
@attrs.frozen(kw_only=True)
class BackfillEvent:
    """Someone is about to start a data backfill (``backfill-data``), in any of its modes.

    Example:
        >>> import datetime
        >>> from dataworks_ext import BackfillEvent, BizPeriod
        >>> event = BackfillEvent(
        ...     name="P_backfill_ods_orders_20240401", root_node_id=700005966962,
        ...     root_node_project_id=23393, operator="1107550004253538", project_id=23393,
        ...     tenant_id=28378142127872, extension_biz_id="7f0c",
        ...     periods=(BizPeriod(begin=datetime.date(2024, 4, 1),
        ...                        end=datetime.date(2024, 4, 7)),))
        >>> event.total_days
        7
    """

    event_code: ClassVar[str] = "backfill-data"
    extension_point: ClassVar[ExtensionPoint] = ExtensionPoint.BACKFILL

    name: str = _field("Name the user gave the backfill run.")
    root_node_id: int = _field("Id of the node the backfill starts from.")
    root_node_project_id: int = _field("Id of the workspace of the root node.")
    periods: tuple[BizPeriod, ...] = _field(
        "The business-date ranges to backfill; on the wire a string holding a JSON array.",
        wire="multipleTimePeriods",
    )
    operator: str = _field("UID of the Alibaba Cloud account that started the backfill.")
    project_id: int = _field("Id of the DataWorks workspace.")
    tenant_id: int = _field("Id of the DataWorks tenant (may exceed 2**32).")
    extension_biz_id: str | None = _field(
        "Id of this check process in DataWorks; ``None`` when the payload has none.",
        default=None,
    )
    include_node_ids: tuple[int, ...] = _field(
        "Ids of the descendant nodes included in the backfill.", factory=tuple
    )
    exclude_node_ids: tuple[int, ...] = _field(
        "Ids of nodes excluded from the backfill; they run as dry-run instances.", factory=tuple
    )
    use_multiple_time_periods: bool = _field(
        "Whether the user chose several business-date ranges.", default=False
    )
    is_parallel: bool = _field("Whether business dates run in parallel groups.", default=False)
    parallel_group: int = _field(
        "How many groups run in parallel (1 means not grouped).", default=1
    )
    start_future_instance_immediately: bool = _field(
        "Whether instances for future business dates start at once.", default=False
    )
    order: BackfillOrder = _field(
        "The order business dates run in: ``asc`` or ``desc``.", default=BackfillOrder.ASC
    )
    block_business: bool = _field(
        "Whether DataWorks blocks the backfill until the extension answers.", default=True
    )
    extra: Mapping[str, Any] = _extra_field()

    @property
    def node_ids(self) -> tuple[int, ...]:
        """The root node followed by the included nodes, without repeats."""
        return tuple(dict.fromkeys((self.root_node_id, *self.include_node_ids)))

    @property
    def total_days(self) -> int:
        """Business dates covered by all periods together, overlaps counted once."""
        covered: set[_dt.date] = set()
        one_day = _dt.timedelta(days=1)
        for period in self.periods:
            day = period.begin
            while day <= period.end:
                covered.add(day)
                day += one_day
        return len(covered)

    @property
    def first_date(self) -> _dt.date | None:
        """The earliest business date of the backfill, or ``None`` without periods."""
        return min((p.begin for p in self.periods), default=None)

    @property
    def last_date(self) -> _dt.date | None:
        """The latest business date of the backfill, or ``None`` without periods."""
        return max((p.end for p in self.periods), default=None)


_BIZ_ID_DOC = "Id of this check process in DataWorks; ``None`` when the payload has none."


@attrs.frozen(kw_only=True)
class FileEvent:
    """Fields shared by DataStudio's file events (not sent on its own).

    ``file_create_time`` is read from ``yyyy-MM-dd HH:mm:ss`` as a naive
    :class:`~datetime.datetime`: DataWorks gives no time zone, and the SDK does not invent one.

    Example:
        >>> from dataworks_ext import CommitFileEvent, FileEvent
        >>> issubclass(CommitFileEvent, FileEvent)
        True
    """

    event_code: ClassVar[str]
    extension_point: ClassVar[ExtensionPoint]

    file_name: str = _field("Name of the file (the node, resource or function) in DataStudio.")
    file_id: int = _field("Id of the file.")
    operator: str = _field("UID of the Alibaba Cloud account that started the operation.")
    project_id: int = _field("Id of the DataWorks workspace.")
    tenant_id: int = _field("Id of the DataWorks tenant (may exceed 2**32).")
    extension_biz_id: str | None = _field(_BIZ_ID_DOC, default=None)
    file_version: int | None = _field(
        "Version of the file being committed or deployed; ``None`` when not sent.", default=None
    )
    file_type: int | None = _field(
        "The code type of the file (as ``ListFileType`` lists them, e.g. 10 for ODPS SQL).",
        default=None,
    )
    file_owner: str | None = _field("UID of the file's owner.", default=None)
    file_create_time: _dt.datetime | None = _field(
        "When the file was created, ``yyyy-MM-dd HH:mm:ss`` with no zone: a naive datetime.",
        default=None,
    )
    change_type: ChangeType | None = _field(
        "What the commit or deployment does to the file: create, update or delete.",
        default=None,
    )
    data_source_name: str | None = _field("Name of the data source the code runs on.", default=None)
    resource_type: str | None = _field("The resource type, for resource files.", default=None)
    node_id: int | None = _field("Id of the scheduling node of the file.", default=None)
    block_business: bool = _field(
        "Whether DataWorks blocks the operation until the extension answers.", default=True
    )
    extra: Mapping[str, Any] = _extra_field()


@_documented
@attrs.frozen(kw_only=True)
class CommitFileEvent(FileEvent):
    """Someone is about to commit a file in DataStudio (``commit-file``).

    Example:
        >>> from dataworks_ext import ChangeType, CommitFileEvent
        >>> event = CommitFileEvent(file_name="ods_orders_d", file_id=501234, file_version=3,
        ...                         operator="1107550004253538", project_id=23393,
        ...                         tenant_id=28378142127872, change_type=ChangeType.UPDATE)
        >>> event.event_code, event.change_type.name
        ('commit-file', 'UPDATE')
    """

    event_code: ClassVar[str] = "commit-file"
    extension_point: ClassVar[ExtensionPoint] = ExtensionPoint.FILE_CHANGE


@_documented
@attrs.frozen(kw_only=True)
class DeployFileEvent(FileEvent):
    """Someone is about to deploy a file to production (``deploy-file``).

    Example:
        >>> from dataworks_ext import DeployFileEvent
        >>> DeployFileEvent.event_code
        'deploy-file'
    """

    event_code: ClassVar[str] = "deploy-file"
    extension_point: ClassVar[ExtensionPoint] = ExtensionPoint.FILE_CHANGE


@_documented
@attrs.frozen(kw_only=True)
class RunFileEvent(FileEvent):
    """Someone is about to run a file's code in DataStudio (``run-file``).

    Example:
        >>> from dataworks_ext import RunFileEvent
        >>> RunFileEvent.event_code
        'run-file'
    """

    event_code: ClassVar[str] = "run-file"
    extension_point: ClassVar[ExtensionPoint] = ExtensionPoint.FILE_CHANGE


@_documented
@attrs.frozen(kw_only=True)
class DeleteFileEvent(FileEvent):
    """Someone is about to delete a file in DataStudio (``delete-file``; it goes to the bin).

    Example:
        >>> from dataworks_ext import DeleteFileEvent
        >>> DeleteFileEvent.event_code
        'delete-file'
    """

    event_code: ClassVar[str] = "delete-file"
    extension_point: ClassVar[ExtensionPoint] = ExtensionPoint.FILE_CHANGE


@attrs.frozen(kw_only=True)
class TableEvent:
    """Fields shared by DataStudio's table events (not sent on its own).

    Example:
        >>> from dataworks_ext import CommitTableEvent, TableEvent
        >>> issubclass(CommitTableEvent, TableEvent)
        True
    """

    event_code: ClassVar[str]
    extension_point: ClassVar[ExtensionPoint]

    table_name: str = _field("Name of the table.")
    operator: str = _field("UID of the Alibaba Cloud account that started the operation.")
    project_id: int = _field("Id of the DataWorks workspace.")
    tenant_id: int = _field("Id of the DataWorks tenant (may exceed 2**32).")
    extension_biz_id: str | None = _field(_BIZ_ID_DOC, default=None)
    table_type: str | None = _field("The kind of table (``ODPS``).", default=None)
    max_compute_project: str | None = _field(
        "The MaxCompute project the table belongs to.", default=None
    )
    block_business: bool = _field(
        "Whether DataWorks blocks the operation until the extension answers.", default=True
    )
    extra: Mapping[str, Any] = _extra_field()


@_documented
@attrs.frozen(kw_only=True)
class CommitTableEvent(TableEvent):
    """Someone is about to commit a table to the development environment (``commit-table``).

    Example:
        >>> from dataworks_ext import CommitTableEvent
        >>> CommitTableEvent(table_name="ods_orders_d", operator="1107550004253538",
        ...                  project_id=23393, tenant_id=28378142127872).event_code
        'commit-table'
    """

    event_code: ClassVar[str] = "commit-table"
    extension_point: ClassVar[ExtensionPoint] = ExtensionPoint.TABLE_CHANGE


@_documented
@attrs.frozen(kw_only=True)
class DeployTableEvent(TableEvent):
    """Someone is about to deploy a table to production (``deploy-table``).

    Example:
        >>> from dataworks_ext import DeployTableEvent
        >>> DeployTableEvent.event_code
        'deploy-table'
    """

    event_code: ClassVar[str] = "deploy-table"
    extension_point: ClassVar[ExtensionPoint] = ExtensionPoint.TABLE_CHANGE


@attrs.frozen(kw_only=True)
class InstancePreEvent:
    """Fields shared by Operation Center's instance pre-events (not sent on its own).

    Example:
        >>> from dataworks_ext import InstancePreEvent, PreKillInstanceEvent
        >>> issubclass(PreKillInstanceEvent, InstancePreEvent)
        True
    """

    event_code: ClassVar[str]
    extension_point: ClassVar[ExtensionPoint]

    operator: str = _field("UID of the Alibaba Cloud account that started the operation.")
    project_id: int = _field("Id of the DataWorks workspace.")
    tenant_id: int = _field("Id of the DataWorks tenant (may exceed 2**32).")
    task_ids: tuple[int, ...] = _field("Ids of the instances the operation acts on.")
    extension_biz_id: str | None = _field(_BIZ_ID_DOC, default=None)
    extension_biz_name: str | None = _field(
        "Name DataWorks gives this check process.", default=None
    )
    block_business: bool = _field(
        "Whether DataWorks blocks the operation until the extension answers.", default=True
    )
    extra: Mapping[str, Any] = _extra_field()


@_documented
@attrs.frozen(kw_only=True)
class PreFreezeInstanceEvent(InstancePreEvent):
    """Someone is about to freeze instances (``pre-freeze-instance``).

    Example:
        >>> from dataworks_ext import PreFreezeInstanceEvent
        >>> PreFreezeInstanceEvent(operator="1107550004253538", project_id=23393,
        ...                        tenant_id=28378142127872, task_ids=(1000087654321,)).task_ids
        (1000087654321,)
    """

    event_code: ClassVar[str] = "pre-freeze-instance"
    extension_point: ClassVar[ExtensionPoint] = ExtensionPoint.INSTANCE_OPERATIONS


@_documented
@attrs.frozen(kw_only=True)
class PreUnfreezeInstanceEvent(InstancePreEvent):
    """Someone is about to unfreeze (restore) instances (``pre-unfreeze-instance``).

    Example:
        >>> from dataworks_ext import PreUnfreezeInstanceEvent
        >>> PreUnfreezeInstanceEvent.event_code
        'pre-unfreeze-instance'
    """

    event_code: ClassVar[str] = "pre-unfreeze-instance"
    extension_point: ClassVar[ExtensionPoint] = ExtensionPoint.INSTANCE_OPERATIONS


@_documented
@attrs.frozen(kw_only=True)
class PreRerunInstanceEvent(InstancePreEvent):
    """Someone is about to rerun instances (``pre-rerun-instance``).

    Example:
        >>> from dataworks_ext import PreRerunInstanceEvent
        >>> PreRerunInstanceEvent.event_code
        'pre-rerun-instance'
    """

    event_code: ClassVar[str] = "pre-rerun-instance"
    extension_point: ClassVar[ExtensionPoint] = ExtensionPoint.INSTANCE_OPERATIONS


@_documented
@attrs.frozen(kw_only=True)
class PreSetInstanceSuccessEvent(InstancePreEvent):
    """Someone is about to set instances to succeeded (``pre-set-instance-success``).

    Example:
        >>> from dataworks_ext import PreSetInstanceSuccessEvent
        >>> PreSetInstanceSuccessEvent.event_code
        'pre-set-instance-success'
    """

    event_code: ClassVar[str] = "pre-set-instance-success"
    extension_point: ClassVar[ExtensionPoint] = ExtensionPoint.INSTANCE_OPERATIONS


@_documented
@attrs.frozen(kw_only=True)
class PreKillInstanceEvent(InstancePreEvent):
    """Someone is about to kill (terminate) running instances (``pre-kill-instance``).

    Example:
        >>> from dataworks_ext import PreKillInstanceEvent
        >>> PreKillInstanceEvent.event_code
        'pre-kill-instance'
    """

    event_code: ClassVar[str] = "pre-kill-instance"
    extension_point: ClassVar[ExtensionPoint] = ExtensionPoint.INSTANCE_OPERATIONS


@_documented
@attrs.frozen(kw_only=True)
class ExtensionPointEvent:
    """An extension-point event without a model of its own: its code, common fields, payload.

    Data Integration, Data Quality, Security Center and tenant-level extension points parse
    into it, and so does an extension-point event whose code the SDK does not know yet (one
    that carries ``extensionBizId``): DataWorks waits for an answer to it all the same.
    Register a check for one with :meth:`Registry.on <dataworks_ext.Registry.on>`.

    Example:
        >>> from dataworks_ext import parse_message
        >>> message = parse_message(
        ...     {"id": "m-1", "type": "dataworks:NodeChange:StartDiJob",
        ...      "data": {"operator": "1107550004253538", "projectId": "23393",
        ...               "extensionBizId": "b1", "extensionBizName": "ods_sync"}})
        >>> event = message.event
        >>> event.event_code, event.project_id, event.payload["extensionBizName"]
        ('start-diJob', 23393, 'ods_sync')
    """

    event_code: str = _field("The ``eventCode`` of the payload, else the envelope's event type.")
    operator: str | None = _field(
        "UID of the account that started the operation, when the payload has it.", default=None
    )
    project_id: int | None = _field(
        "Id of the DataWorks workspace, when the payload has it.", default=None
    )
    tenant_id: int | None = _field(
        "Id of the DataWorks tenant, when the payload has it.", default=None
    )
    extension_biz_id: str | None = _field(_BIZ_ID_DOC, default=None)
    block_business: bool = _field(
        "Whether DataWorks blocks the operation until the extension answers.", default=True
    )
    payload: Mapping[str, Any] = _field(
        "The payload exactly as received.", wire="*", factory=dict, hash=False, repr=False
    )


@_documented
@attrs.frozen(kw_only=True)
class UnknownEvent:
    """A regular event (or any message without an extension-point check id to answer).

    It is not an error: an extension has nothing to answer for it.  Extension-point events
    without a model of their own parse as :class:`ExtensionPointEvent` instead.

    Example:
        >>> from dataworks_ext import UnknownEvent
        >>> UnknownEvent(event_code="instance-status-changes", payload={}).event_code
        'instance-status-changes'
    """

    event_code: str = _field("The ``eventCode`` of the payload, else the envelope's event type.")
    payload: Mapping[str, Any] = _field(
        "The payload exactly as received.", wire="*", hash=False, repr=False
    )

    @property
    def extension_biz_id(self) -> str | None:
        """The payload's ``extensionBizId`` when it is a string, else ``None``."""
        value = self.payload.get("extensionBizId")
        return value if isinstance(value, str) else None


ExtensionEvent = FreezeNodeEvent | RestoreNodeEvent | UnpublishNodeEvent | BackfillEvent
"""The events of Operation Center's node extension points (freeze, restore, unpublish, backfill)."""

DataStudioEvent = (
    CommitFileEvent
    | DeployFileEvent
    | RunFileEvent
    | DeleteFileEvent
    | CommitTableEvent
    | DeployTableEvent
)
"""DataStudio's file and table extension-point events."""

InstanceOperationEvent = (
    PreFreezeInstanceEvent
    | PreUnfreezeInstanceEvent
    | PreRerunInstanceEvent
    | PreSetInstanceSuccessEvent
    | PreKillInstanceEvent
)
"""Operation Center's instance pre-events (freeze, unfreeze, rerun, set success, kill)."""

ModelledEvent = ExtensionEvent | DataStudioEvent | InstanceOperationEvent
"""Every extension-point event with a model class of its own."""

Event = ModelledEvent | ExtensionPointEvent | UnknownEvent
"""Every event :func:`dataworks_ext.parse_message` can return."""

_OC = CallbackApi.UPDATE_WORKBENCH_EVENT_RESULT
_IDE = CallbackApi.UPDATE_IDE_EVENT_RESULT
_ANY = CallbackApi.CALLBACK_EXTENSION


@attrs.frozen
class EventKind:
    """One row of :data:`EVENT_KINDS`: an event code with its type, module, class and API.

    Example:
        >>> from dataworks_ext.events import kind_for_type
        >>> kind = kind_for_type("dataworks:NodeChange:UnFreezeNode")
        >>> kind.event_code, kind.api.value, kind.supports_warn
        ('unfreeze-node', 'UpdateWorkbenchEventResult', False)
    """

    cls: type[Any]
    """The model class: its own, :class:`ExtensionPointEvent`, or :class:`UnknownEvent`."""
    event_code: str
    """The ``eventCode`` in the payload (and ``eventType`` of the Function Compute envelope)."""
    eventbridge_type: str
    """The CloudEvent ``type`` EventBridge gives it."""
    extension_point: ExtensionPoint | None
    """The extension point the event belongs to; ``None`` for a regular event."""
    title: str
    """The event's name in the DataWorks console."""
    module: Module = Module.OPERATION_CENTER
    """The DataWorks module the event comes from."""
    api: CallbackApi | None = _OC
    """The API that takes the answer; ``None`` for a regular event (nothing to answer)."""
    api_documented: bool = True
    """Whether DataWorks' pages pair this event with ``api`` (else the SDK infers it)."""
    note: str = ""
    """What is inferred about the row, when something is."""

    @property
    def is_extension_point(self) -> bool:
        """Whether DataWorks waits for an extension's answer to this event."""
        return self.extension_point is not None

    @property
    def supports_warn(self) -> bool:
        """Whether the answering API documents WARN (``False`` for a regular event)."""
        return self.api is not None and self.api.supports_warn

    @property
    def has_model(self) -> bool:
        """Whether the event has a model class of its own."""
        return self.cls is not ExtensionPointEvent and self.cls is not UnknownEvent


_INFERRED_API = (
    "CallbackExtension's page says it answers extension-point events in general and names no "
    "module; the SDK answers every extension point outside Operation Center and DataStudio "
    "through it."
)
_INFERRED_TYPE = (
    "The EventBridge type is inferred from the page's dataworks:{Category}:{Action} pattern."
)


def _generic(
    code: str,
    eventbridge_type: str,
    point: ExtensionPoint,
    title: str,
    module: Module,
    *,
    type_inferred: bool = False,
) -> EventKind:
    note = _INFERRED_API + (" " + _INFERRED_TYPE if type_inferred else "")
    return EventKind(
        ExtensionPointEvent,
        code,
        eventbridge_type,
        point,
        title,
        module,
        _ANY,
        api_documented=False,
        note=note,
    )


def _regular(
    code: str, eventbridge_type: str, title: str, module: Module, *, type_inferred: bool = False
) -> EventKind:
    note = _INFERRED_TYPE if type_inferred else ""
    return EventKind(UnknownEvent, code, eventbridge_type, None, title, module, None, note=note)


_OC_DOC = "UpdateWorkbenchEventResult's page: it answers a process in Operation Center."
_IDE_DOC = "UpdateIDEEventResult's page: it answers extension-point events of data development."
_DQ = Module.DATA_QUALITY
_DQP = ExtensionPoint.DATA_QUALITY


def _dq(code: str, action: str, title: str) -> EventKind:
    return _generic(code, f"dataworks:DqcCheck:{action}", _DQP, title, _DQ, type_inferred=True)


EVENT_KINDS: tuple[EventKind, ...] = (
    # Operation Center: node extension points.
    EventKind(
        FreezeNodeEvent,
        "freeze-node",
        "dataworks:NodeChange:FreezeNode",
        ExtensionPoint.FREEZE_AND_RESTORE,
        "Pre-freeze node event",
    ),
    EventKind(
        RestoreNodeEvent,
        "unfreeze-node",
        "dataworks:NodeChange:UnFreezeNode",
        ExtensionPoint.FREEZE_AND_RESTORE,
        "Prerequisite event for node restoration",
    ),
    EventKind(
        UnpublishNodeEvent,
        "undeploy-node",
        "dataworks:NodeChange:UndeployNode",
        ExtensionPoint.UNPUBLISH,
        "Pre-unpublish node event",
    ),
    EventKind(
        BackfillEvent,
        "backfill-data",
        "dataworks:BackfillDataOperate:BackfillData",
        ExtensionPoint.BACKFILL,
        "Data backfill event",
    ),
    # Operation Center: instance pre-events.
    *(
        EventKind(
            cls,
            cls.event_code,
            f"dataworks:InstanceChange:{action}",
            ExtensionPoint.INSTANCE_OPERATIONS,
            title,
            note=_OC_DOC,
        )
        for cls, action, title in (
            (PreFreezeInstanceEvent, "PreFreezeInstance", "Pre-freeze instance event"),
            (PreUnfreezeInstanceEvent, "PreUnfreezeInstance", "Pre-unfreeze instance event"),
            (PreRerunInstanceEvent, "PreRerunInstance", "Pre-rerun instance event"),
            (
                PreSetInstanceSuccessEvent,
                "PreSetInstanceSuccess",
                "Pre-event for setting an instance to succeeded",
            ),
            (PreKillInstanceEvent, "PreKillInstance", "Pre-kill instance event"),
        )
    ),
    # DataStudio: files and tables.
    *(
        EventKind(
            cls,
            cls.event_code,
            f"dataworks:{category}:{action}",
            cls.extension_point,
            title,
            Module.DATASTUDIO,
            _IDE,
            note=_IDE_DOC,
        )
        for cls, category, action, title in (
            (CommitFileEvent, "FileChange", "CommitFile", "Pre-event for file committing"),
            (DeployFileEvent, "FileChange", "DeployFile", "Pre-event for file deployment"),
            (RunFileEvent, "FileChange", "RunFile", "Pre-event for running code"),
            (DeleteFileEvent, "FileChange", "DeleteFile", "Pre-event for file deletion"),
            (CommitTableEvent, "TableChange", "CommitTable", "Pre-event for table committing"),
            (DeployTableEvent, "TableChange", "DeployTable", "Pre-event for table deployment"),
        )
    ),
    # Data Integration.
    _generic(
        "start-diJob",
        "dataworks:NodeChange:StartDiJob",
        ExtensionPoint.DATA_INTEGRATION,
        "Pre-event for starting a synchronization job",
        Module.DATA_INTEGRATION,
    ),
    _generic(
        "batch-start-diJob",
        "dataworks:NodeChange:BatchStartDiJob",
        ExtensionPoint.DATA_INTEGRATION,
        "Pre-event for starting synchronization jobs in batch",
        Module.DATA_INTEGRATION,
    ),
    # Data Quality.
    _dq(
        "batch-create-data-quality-rules",
        "BatchCreateDataQualityRules",
        "Pre-event for creating rules in batch",
    ),
    _dq(
        "batch-update-data-quality-rules",
        "BatchUpdateDataQualityRules",
        "Pre-event for updating rules in batch",
    ),
    _dq(
        "batch-delete-data-quality-rules",
        "BatchDeleteDataQualityRules",
        "Pre-event for deleting rules in batch",
    ),
    _dq("update-data-quality-rule", "UpdateDataQualityRule", "Pre-event for updating a rule"),
    _dq(
        "create-data-quality-evaluation-task",
        "CreateDataQualityEvaluationTask",
        "Pre-event for creating an evaluation task",
    ),
    _dq(
        "update-data-quality-evaluation-task",
        "UpdateDataQualityEvaluationTask",
        "Pre-event for updating an evaluation task",
    ),
    _dq(
        "clone-data-quality-evaluation-task",
        "CloneDataQualityEvaluationTask",
        "Pre-event for cloning an evaluation task",
    ),
    _dq(
        "batch-delete-data-quality-evaluation-tasks",
        "BatchDeleteDataQualityEvaluationTasks",
        "Pre-event for deleting evaluation tasks in batch",
    ),
    _dq(
        "create-data-quality-evaluation-task-notification",
        "CreateDataQualityEvaluationTaskNotification",
        "Pre-event for creating an evaluation task's notification",
    ),
    _dq(
        "update-data-quality-evaluation-task-notification",
        "UpdateDataQualityEvaluationTaskNotification",
        "Pre-event for updating an evaluation task's notification",
    ),
    _dq(
        "delete-data-quality-evaluation-task-notification",
        "DeleteDataQualityEvaluationTaskNotification",
        "Pre-event for deleting an evaluation task's notification",
    ),
    # Security Center.
    _generic(
        "approval-change-before-create",
        "dataworks:ApprovalChange:ApprovalChangeBeforeCreate",
        ExtensionPoint.SECURITY_CENTER,
        "Pre-event for creating an approval request",
        Module.SECURITY_CENTER,
    ),
    # Tenant.
    _generic(
        "delete-project",
        "dataworks:ProjectChange:DeleteProject",
        ExtensionPoint.TENANT,
        "Pre-event for deleting a workspace",
        Module.TENANT,
    ),
    _generic(
        "download-resources",
        "dataworks:ResourcesDownload:DownloadResources",
        ExtensionPoint.TENANT,
        "Pre-event for data download",
        Module.TENANT,
        type_inferred=True,
    ),
    _generic(
        "download-resources-execute",
        "dataworks:ResourcesDownload:DownloadResourcesExecute",
        ExtensionPoint.TENANT,
        "Pre-event for running a data download",
        Module.TENANT,
        type_inferred=True,
    ),
    _generic(
        "upload-data-to-table",
        "dataworks:ResourcesUpload:UploadDataToTable",
        ExtensionPoint.TENANT,
        "Pre-event for uploading data to a table",
        Module.TENANT,
    ),
    # Regular events: DataWorks does not wait for an answer.
    _regular(
        "node-change-created",
        "dataworks:NodeChange:NodeChangeCreated",
        "Node added",
        Module.OPERATION_CENTER,
    ),
    _regular(
        "node-change-updated",
        "dataworks:NodeChange:NodeChangeUpdated",
        "Node updated",
        Module.OPERATION_CENTER,
    ),
    _regular(
        "node-change-deleted",
        "dataworks:NodeChange:NodeChangeDeleted",
        "Node deleted",
        Module.OPERATION_CENTER,
        type_inferred=True,
    ),
    _regular(
        "instance-status-changes",
        "dataworks:InstanceStatusChanges:InstanceStatusChanges",
        "Instance status changed",
        Module.OPERATION_CENTER,
    ),
    *(
        _regular(code, f"dataworks:InstanceChange:{action}", title, Module.OPERATION_CENTER)
        for code, action, title in (
            ("freeze-instance", "FreezeInstance", "Instance frozen"),
            ("unfreeze-instance", "UnfreezeInstance", "Instance unfrozen"),
            ("kill-instance", "KillInstance", "Instance killed"),
            ("rerun-instance", "RerunInstance", "Instance rerun"),
            ("set-instance-success", "SetInstanceSuccess", "Instance set to succeeded"),
        )
    ),
    _regular(
        "expired-task-instances-deleted",
        "dataworks:InstanceChange:ExpiredTaskInstancesDeleted",
        "Expired instances deleted",
        Module.OPERATION_CENTER,
        type_inferred=True,
    ),
    _regular(
        "delete-task-instance-dependencies",
        "dataworks:InstanceChange:DeleteTaskInstanceDependencies",
        "Instance dependencies deleted",
        Module.OPERATION_CENTER,
        type_inferred=True,
    ),
    _regular(
        "dag-status-changes",
        "dataworks:DagStatusChanges:DagStatusChanges",
        "Workflow (DAG) status changed",
        Module.OPERATION_CENTER,
        type_inferred=True,
    ),
    _regular(
        "workbench-monitor-alert",
        "dataworks:WorkbenchMonitorAlert:WorkbenchMonitorAlert",
        "Operation Center alert",
        Module.OPERATION_CENTER,
        type_inferred=True,
    ),
    _regular(
        "dqc-check-finished-event",
        "dataworks:DqcCheck:DqcCheckFinishedEvent",
        "Data Quality check finished",
        Module.DATA_QUALITY,
        type_inferred=True,
    ),
)
"""Every event code DataWorks documents: extension points and regular events, one row each.

A new code is one row.  A row's ``cls`` is the model the payload parses into: a class of its
own, :class:`ExtensionPointEvent` for extension points without one, :class:`UnknownEvent` for
regular events (which have no ``extension_point`` and no ``api``).
"""

_BY_CODE = {kind.event_code: kind for kind in EVENT_KINDS}
_BY_TYPE = {kind.eventbridge_type: kind for kind in EVENT_KINDS}
_BY_TYPE_FOLDED = {kind.eventbridge_type.lower(): kind for kind in EVENT_KINDS}
_BY_CLASS = {kind.cls: kind for kind in EVENT_KINDS if kind.has_model}
MODELLED_CLASSES: tuple[type[Any], ...] = tuple(_BY_CLASS)
"""The model classes of their own, in table order (what the registry and converter serve)."""


def kind_for_code(event_code: str) -> EventKind | None:
    """The row of :data:`EVENT_KINDS` for an ``eventCode``, or ``None``.

    Example:
        >>> from dataworks_ext.events import kind_for_code
        >>> kind_for_code("backfill-data").cls.__name__
        'BackfillEvent'
    """
    return _BY_CODE.get(event_code)


def api_for_code(event_code: str) -> CallbackApi | None:
    """The API that answers an event code: its row's, ``CallbackExtension`` for a code the
    table does not list (an extension point newer than the SDK), ``None`` for a regular event.

    Example:
        >>> from dataworks_ext.events import api_for_code
        >>> api_for_code("commit-file").value, api_for_code("approve-leave").value
        ('UpdateIDEEventResult', 'CallbackExtension')
        >>> api_for_code("instance-status-changes") is None
        True
    """
    kind = _BY_CODE.get(event_code)
    return _ANY if kind is None else kind.api


def kind_for_type(eventbridge_type: str) -> EventKind | None:
    """The row for an EventBridge ``type`` (exact, else ignoring case), or ``None``.

    Example:
        >>> from dataworks_ext.events import kind_for_type
        >>> kind_for_type("dataworks:nodechange:freezenode").event_code
        'freeze-node'
    """
    return _BY_TYPE.get(eventbridge_type) or _BY_TYPE_FOLDED.get(eventbridge_type.lower())


def kind_for_class(cls: type[Any]) -> EventKind:
    """The row for a model class of its own.  Raises :class:`KeyError` for other classes.

    Example:
        >>> from dataworks_ext import RestoreNodeEvent
        >>> from dataworks_ext.events import kind_for_class
        >>> kind_for_class(RestoreNodeEvent).eventbridge_type
        'dataworks:NodeChange:UnFreezeNode'
    """
    return _BY_CLASS[cls]


def kind_for_event(event: Event) -> EventKind | None:
    """The row for an event: by its class, else by its code; ``None`` for a code not listed.

    Example:
        >>> from dataworks_ext import ExtensionPointEvent
        >>> from dataworks_ext.events import kind_for_event
        >>> kind_for_event(ExtensionPointEvent(event_code="delete-project")).module.value
        'tenant'
    """
    kind = _BY_CLASS.get(type(event))
    return kind if kind is not None else _BY_CODE.get(event.event_code)
