"""Builders of realistic event messages, one per event kind, with defaults for every field.

The builder of each event is named in its row of :data:`~dataworks_ext.EVENT_KINDS`
(``freeze_event`` for ``freeze-node``), and so are the field values it adds to its family's;
:func:`event_for` finds it by code, and builds one for an event kind added at run time.
The public names are listed once, in :mod:`dataworks_ext.testing`'s ``__all__``.
"""

from __future__ import annotations

import datetime as _dt
import inspect
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, Protocol, TypedDict

import attrs

from .._convert import structure_common
from .._models_datastudio import FileEvent, TableEvent
from .._models_instance import InstancePreEvent
from .._models_node import BackfillEvent, BizPeriod, NodeEvent
from ..events import BackfillOrder, ChangeType, EventKind, event_kinds, kind_for_code
from ..messages import EnvelopeKind, EventMessage
from ._wrapping import (
    DEFAULT_NODE_IDS,
    DEFAULT_OPERATOR,
    DEFAULT_PROJECT_ID,
    DEFAULT_TENANT_ID,
    counter,
    message_for,
    new_id,
)
from ._wrapping import with_payload as with_payload  # the demo's checks take it from here

if TYPE_CHECKING:
    from typing_extensions import Unpack


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
    envelope: EnvelopeKind | str = EnvelopeKind.CLOUDEVENT,
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
        name=name or f"P_backfill_{root_node_id}_{first_date:%Y%m%d}_{next(counter)}",
        root_node_id=root_node_id,
        root_node_project_id=project_id,
        periods=built,
        operator=operator,
        project_id=project_id,
        tenant_id=tenant_id,
        extension_biz_id=new_id() if extension_biz_id is None else extension_biz_id,
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
_NODE_DEFAULTS: dict[str, Any] = {"node_ids": DEFAULT_NODE_IDS, **_COMMON_DEFAULTS}

#: The defaults each family of events shares; a row's ``defaults`` add to them.
FAMILY_DEFAULTS: dict[type[Any], Mapping[str, Any]] = {
    NodeEvent: _NODE_DEFAULTS,
    FileEvent: _FILE_DEFAULTS,
    TableEvent: _TABLE_DEFAULTS,
    InstancePreEvent: _INSTANCE_DEFAULTS,
}


class _Common(TypedDict, total=False):
    """The keywords every builder takes (the fields of every event, the message's id and
    envelope)."""

    operator: str
    project_id: int
    tenant_id: int
    extension_biz_id: str | None
    extra: Mapping[str, Any] | None
    message_id: str | None
    envelope: EnvelopeKind | str


class _NodeFields(_Common, total=False):
    node_ids: Iterable[int]


class _FileFields(_Common, total=False):
    file_name: str
    file_id: int
    file_version: int | None
    file_type: int | None
    file_owner: str | None
    file_create_time: _dt.datetime | None
    change_type: ChangeType | None
    data_source_name: str | None
    resource_type: str | None
    node_id: int | None


class _TableFields(_Common, total=False):
    table_name: str
    table_type: str | None
    max_compute_project: str | None


class _InstanceFields(_Common, total=False):
    task_ids: Iterable[int]
    extension_biz_name: str | None


class _NodeEventBuilder(Protocol):
    def __call__(self, **fields: Unpack[_NodeFields]) -> EventMessage: ...


class _FileEventBuilder(Protocol):
    def __call__(self, **fields: Unpack[_FileFields]) -> EventMessage: ...


class _TableEventBuilder(Protocol):
    def __call__(self, **fields: Unpack[_TableFields]) -> EventMessage: ...


class _InstanceEventBuilder(Protocol):
    def __call__(self, **fields: Unpack[_InstanceFields]) -> EventMessage: ...


def _row(event_code: str) -> EventKind:
    kind = kind_for_code(event_code)
    assert kind is not None, event_code
    return kind


def defaults_for(kind: EventKind) -> dict[str, Any]:
    """The keywords of an event's builder with their defaults: its family's, then its row's.

    A class outside the families gets the common fields it has (operator, workspace, ...).

    Example:
        >>> from dataworks_ext.events import kind_for_code
        >>> from dataworks_ext.testing._builders import defaults_for
        >>> defaults_for(kind_for_code("commit-file"))["file_version"]
        3
    """
    cls = kind.cls
    family = next((d for base, d in FAMILY_DEFAULTS.items() if issubclass(cls, base)), None)
    if family is None:
        names = {a.name for a in attrs.fields(cls)} | {"message_id", "envelope"}
        family = {key: value for key, value in _COMMON_DEFAULTS.items() if key in names}
    return {**family, **kind.defaults}


def builder_for(kind: EventKind, doc: str | None = None) -> Any:
    """The keyword-only builder of an event kind's messages, named by its row.

    Example:
        >>> from dataworks_ext.events import kind_for_code
        >>> from dataworks_ext.testing._builders import builder_for
        >>> builder_for(kind_for_code("deploy-table"))().event.table_name
        'ods_orders_d'
    """
    name = kind.builder or f"{kind.event_code}_event"
    return _builder(name, kind.cls, defaults_for(kind), doc or _doc(kind, name))


#: The builder whose keywords every builder of the family takes.
_FIRST_OF_FAMILY = {
    NodeEvent: "freeze_event",
    FileEvent: "commit_file_event",
    TableEvent: "commit_table_event",
    InstancePreEvent: "pre_freeze_instance_event",
}


def _doc(kind: EventKind, name: str) -> str:
    """The docstring of a builder from its row: what it announces, its keywords, an example."""
    title = kind.title[:1].lower() + kind.title[1:]
    first = next((b for base, b in _FIRST_OF_FAMILY.items() if issubclass(kind.cls, base)), "")
    takes = f"Takes the keywords of :func:`{first}`." if first and first != name else ""
    return (
        f"A message of the ``{kind.event_code}`` event: {title}.\n\n    {takes}\n\n"
        f"    Example:\n"
        f"        >>> from dataworks_ext.testing import {name}\n"
        f"        >>> {name}().event_code\n"
        f"        '{kind.event_code}'\n    "
    )


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
            values["extension_biz_id"] = new_id()
        values["extra"] = dict(values["extra"] or {})
        for ids in ("task_ids", "node_ids"):
            if ids in values:
                values[ids] = tuple(values[ids])
        return message_for(cls(**values), message_id=message_id, envelope=envelope)

    build.__name__ = build.__qualname__ = name
    build.__doc__ = doc
    build.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [inspect.Parameter(key, kinds, default=value) for key, value in defaults.items()],
        return_annotation=EventMessage,
    )
    return build


commit_file_event: _FileEventBuilder = builder_for(
    _row("commit-file"),
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
deploy_file_event: _FileEventBuilder = builder_for(_row("deploy-file"))
run_file_event: _FileEventBuilder = builder_for(_row("run-file"))
delete_file_event: _FileEventBuilder = builder_for(_row("delete-file"))
commit_table_event: _TableEventBuilder = builder_for(
    _row("commit-table"),
    """A message announcing that a table is about to be committed to development.

    Every field of :class:`~dataworks_ext.CommitTableEvent` is a keyword.

    Example:
        >>> from dataworks_ext.testing import commit_table_event
        >>> commit_table_event(table_name="dim_shop").event.table_name
        'dim_shop'
    """,
)
deploy_table_event: _TableEventBuilder = builder_for(_row("deploy-table"))
pre_freeze_instance_event: _InstanceEventBuilder = builder_for(
    _row("pre-freeze-instance"),
    """A message announcing that instances are about to be frozen.

    Every field of :class:`~dataworks_ext.PreFreezeInstanceEvent` is a keyword.

    Example:
        >>> from dataworks_ext.testing import pre_freeze_instance_event
        >>> pre_freeze_instance_event(task_ids=[7]).event.task_ids
        (7,)
    """,
)
pre_unfreeze_instance_event: _InstanceEventBuilder = builder_for(_row("pre-unfreeze-instance"))
pre_rerun_instance_event: _InstanceEventBuilder = builder_for(_row("pre-rerun-instance"))
pre_set_instance_success_event: _InstanceEventBuilder = builder_for(
    _row("pre-set-instance-success")
)
pre_kill_instance_event: _InstanceEventBuilder = builder_for(_row("pre-kill-instance"))


freeze_event: _NodeEventBuilder = builder_for(
    _row("freeze-node"),
    """A message announcing that production nodes are about to be frozen.

    Ids default to fresh UUIDs, so every call is a new message.

    Example:
        >>> from dataworks_ext.testing import freeze_event
        >>> message = freeze_event(node_ids=[42])
        >>> message.event.node_ids, message.event_type
        ((42,), 'dataworks:NodeChange:FreezeNode')
    """,
)
restore_event: _NodeEventBuilder = builder_for(_row("unfreeze-node"))
unpublish_event: _NodeEventBuilder = builder_for(_row("undeploy-node"))


def extension_point_event(
    event_code: str,
    payload: Mapping[str, Any] | None = None,
    *,
    operator: str = DEFAULT_OPERATOR,
    project_id: int | None = DEFAULT_PROJECT_ID,
    tenant_id: int = DEFAULT_TENANT_ID,
    extension_biz_id: str | None = None,
    message_id: str | None = None,
    envelope: EnvelopeKind | str = EnvelopeKind.CLOUDEVENT,
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
        "extensionBizId": new_id() if extension_biz_id is None else extension_biz_id,
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
    kind = kind_for_code(event_code) if builder is None else None
    if kind is not None and kind.has_model:  # an event kind added at run time
        builder = builder_for(kind)
    if builder is None:
        message: EventMessage = extension_point_event(event_code, **fields)
        return message
    built: EventMessage = builder(**fields)
    return built


_BY_CODE: dict[str, Any] = {
    kind.event_code: globals()[kind.builder]
    for kind in event_kinds()
    if kind.has_model and kind.builder in globals()
}
"""The builder of each event code with a model of its own, by the name its row gives."""
