"""Typed models of the events DataWorks sends to Operation Center extensions.

One class per event: :class:`FreezeNodeEvent`, :class:`RestoreNodeEvent`,
:class:`UnpublishNodeEvent` and :class:`BackfillEvent`; anything else parses as
:class:`UnknownEvent`.  :data:`EVENT_KINDS` is the one table that maps each class to its
``eventCode``, its EventBridge ``type`` and its extension point.

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
    "Event",
    "EventKind",
    "ExtensionEvent",
    "ExtensionPoint",
    "FreezeNodeEvent",
    "NodeEvent",
    "RestoreNodeEvent",
    "UnknownEvent",
    "UnpublishNodeEvent",
    "kind_for_code",
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
    """The Operation Center extension points an extension can be bound to.

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


@_documented
@attrs.frozen(kw_only=True)
class UnknownEvent:
    """Any event this SDK does not model: a regular event or another extension point.

    It is not an error: an extension has nothing to answer for it.

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
"""The events of the Operation Center extension points."""

Event = ExtensionEvent | UnknownEvent
"""Every event :func:`dataworks_ext.parse_message` can return."""


@attrs.frozen
class EventKind:
    """One row of :data:`EVENT_KINDS`: an event class with its codes on the wire.

    Example:
        >>> from dataworks_ext.events import kind_for_type
        >>> kind_for_type("dataworks:NodeChange:UnFreezeNode").event_code
        'unfreeze-node'
    """

    cls: type[ExtensionEvent]
    """The model class."""
    event_code: str
    """The ``eventCode`` in the payload (and ``eventType`` of the Function Compute envelope)."""
    eventbridge_type: str
    """The CloudEvent ``type`` EventBridge gives it."""
    extension_point: ExtensionPoint
    """The extension point the event belongs to."""
    title: str
    """The event's name in the DataWorks console."""


EVENT_KINDS: tuple[EventKind, ...] = (
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
)
"""Each extension-point event class with its ``eventCode``, EventBridge ``type`` and point."""

_BY_CODE = {kind.event_code: kind for kind in EVENT_KINDS}
_BY_TYPE = {kind.eventbridge_type: kind for kind in EVENT_KINDS}
_BY_TYPE_FOLDED = {kind.eventbridge_type.lower(): kind for kind in EVENT_KINDS}
_BY_CLASS = {kind.cls: kind for kind in EVENT_KINDS}


def kind_for_code(event_code: str) -> EventKind | None:
    """The row of :data:`EVENT_KINDS` for an ``eventCode``, or ``None``.

    Example:
        >>> from dataworks_ext.events import kind_for_code
        >>> kind_for_code("backfill-data").cls.__name__
        'BackfillEvent'
    """
    return _BY_CODE.get(event_code)


def kind_for_type(eventbridge_type: str) -> EventKind | None:
    """The row for an EventBridge ``type`` (exact, else ignoring case), or ``None``.

    Example:
        >>> from dataworks_ext.events import kind_for_type
        >>> kind_for_type("dataworks:nodechange:freezenode").event_code
        'freeze-node'
    """
    return _BY_TYPE.get(eventbridge_type) or _BY_TYPE_FOLDED.get(eventbridge_type.lower())


def kind_for_class(cls: type[Any]) -> EventKind:
    """The row for an event class.  Raises :class:`KeyError` for other classes.

    Example:
        >>> from dataworks_ext import RestoreNodeEvent
        >>> from dataworks_ext.events import kind_for_class
        >>> kind_for_class(RestoreNodeEvent).eventbridge_type
        'dataworks:NodeChange:UnFreezeNode'
    """
    return _BY_CLASS[cls]
