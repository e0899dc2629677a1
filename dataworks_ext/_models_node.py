"""Operation Center's node events: freeze, restore, unpublish and backfill."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping
from typing import Any, ClassVar

import attrs

from ._fields import documented, extra_field, field
from ._vocabulary import BackfillOrder, ExtensionPoint

__all__ = [
    "BackfillEvent",
    "BizPeriod",
    "FreezeNodeEvent",
    "NodeEvent",
    "RestoreNodeEvent",
    "UnpublishNodeEvent",
]


def _check_period(instance: BizPeriod, attribute: attrs.Attribute[Any], value: _dt.date) -> None:
    if value < instance.begin:
        raise ValueError(f"bizEndTime {value.isoformat()} is before bizBeginTime")


@documented
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

    begin: _dt.date = field("The first business date (``YYYY-MM-DD``).", wire="bizBeginTime")
    end: _dt.date = field(
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

    operator: str = field("UID of the Alibaba Cloud account that started the operation.")
    project_id: int = field("Id of the DataWorks workspace the nodes belong to.")
    tenant_id: int = field("Id of the DataWorks tenant (may exceed 2**32).")
    node_ids: tuple[int, ...] = field("Ids of the production nodes the operation acts on.")
    extension_biz_id: str | None = field(
        "Id of this check process in DataWorks; ``None`` when the payload has none.",
        default=None,
    )
    block_business: bool = field(
        "Whether DataWorks blocks the operation until the extension answers.", default=True
    )
    extra: Mapping[str, Any] = extra_field()


@documented
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


@documented
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


@documented
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


@documented
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

    name: str = field("Name the user gave the backfill run.")
    root_node_id: int = field("Id of the node the backfill starts from.")
    root_node_project_id: int = field("Id of the workspace of the root node.")
    periods: tuple[BizPeriod, ...] = field(
        "The business-date ranges to backfill; on the wire a string holding a JSON array.",
        wire="multipleTimePeriods",
    )
    operator: str = field("UID of the Alibaba Cloud account that started the backfill.")
    project_id: int = field("Id of the DataWorks workspace.")
    tenant_id: int = field("Id of the DataWorks tenant (may exceed 2**32).")
    extension_biz_id: str | None = field(
        "Id of this check process in DataWorks; ``None`` when the payload has none.",
        default=None,
    )
    include_node_ids: tuple[int, ...] = field(
        "Ids of the descendant nodes included in the backfill.", factory=tuple
    )
    exclude_node_ids: tuple[int, ...] = field(
        "Ids of nodes excluded from the backfill; they run as dry-run instances.", factory=tuple
    )
    use_multiple_time_periods: bool = field(
        "Whether the user chose several business-date ranges.", default=False
    )
    is_parallel: bool = field("Whether business dates run in parallel groups.", default=False)
    parallel_group: int = field("How many groups run in parallel (1 means not grouped).", default=1)
    start_future_instance_immediately: bool = field(
        "Whether instances for future business dates start at once.", default=False
    )
    order: BackfillOrder = field(
        "The order business dates run in: ``asc`` or ``desc``.", default=BackfillOrder.ASC
    )
    block_business: bool = field(
        "Whether DataWorks blocks the backfill until the extension answers.", default=True
    )
    extra: Mapping[str, Any] = extra_field()

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
