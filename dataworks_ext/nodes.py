"""Typed models of what DataWorks says about nodes, baselines and instances.

:class:`NodeInfo` is the ``Data`` of a ``GetNode`` answer, :class:`BaselineInfo` that of
``GetBaseline`` and :class:`InstanceInfo` that of ``GetInstance`` (DataWorks OpenAPI
2020-05-18).  They are frozen attrs classes read with the SDK's one cattrs converter, as the
events are: field names follow the official SDK's response models (the wire names are the
SDK's ``to_map`` keys), ids are read from numbers or decimal strings, ``Repeatability`` is
read from ``"true"``/``"false"`` (``GetNode`` sends a string) as well as from a boolean
(``GetInstance`` sends one), and fields these models do not name land in ``extra`` (through
the official SDK, only those its response models know: the SDK drops the others).

:class:`~dataworks_ext.lookups.Lookups` makes the calls; these classes only read answers.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

import attrs

from ._fields import documented, extra_field, field, wire_name

__all__ = ["BaselineInfo", "InstanceInfo", "NodeInfo", "read_answer", "write_answer"]

T = TypeVar("T")

_MS = "milliseconds since the epoch"


def _opt(doc: str, wire: str) -> Any:
    return field(doc, wire=wire, default=None)


@documented
@attrs.frozen(kw_only=True)
class NodeInfo:
    """A production node as ``GetNode`` describes it.

    The SDK's descriptions of ``GetNode``'s fields have been shifted onto the wrong fields in
    some releases; these follow the field names.

    Example:
        >>> from dataworks_ext.nodes import NodeInfo
        >>> node = NodeInfo.from_wire({"NodeId": "700005966962", "NodeName": "ods_orders",
        ...                            "OwnerId": "1107550004253538", "Priority": 8,
        ...                            "BaselineId": 1201, "Repeatability": "true"})
        >>> node.node_id, node.priority, node.repeatability
        (700005966962, 8, True)
    """

    node_id: int = field("Id of the node.", wire="NodeId")
    node_name: str | None = _opt("Name of the node.", "NodeName")
    owner_id: str | None = _opt("Account UID of the node's owner.", "OwnerId")
    priority: int | None = _opt("Priority: 1, 3, 5, 7 or 8 (higher is more urgent).", "Priority")
    baseline_id: int | None = _opt(
        "Id of the baseline the node is on as a leaf node (else the workspace default).",
        "BaselineId",
    )
    project_id: int | None = _opt("Id of the workspace of the node.", "ProjectId")
    business_id: int | None = _opt("Id of the workflow of the node.", "BusinessId")
    related_flow_id: int | None = _opt("Id of the workflow the node belongs to.", "RelatedFlowId")
    scheduler_type: str | None = _opt(
        "``NORMAL``, ``MANUAL``, ``PAUSE`` (frozen) or ``SKIP`` (dry run).", "SchedulerType"
    )
    program_type: str | None = _opt("The kind of node, such as ``ODPS_SQL``.", "ProgramType")
    cron_express: str | None = _opt("Its schedule, a cron expression.", "CronExpress")
    res_group_name: str | None = _opt("Name of its resource group.", "ResGroupName")
    res_group_identifier: str | None = _opt(
        "Identifier of its resource group.", "ResGroupIdentifier"
    )
    repeatability: bool | None = _opt(
        "Whether it may be rerun (a string on the wire).", "Repeatability"
    )
    repeat_mode: int | None = _opt(
        "Rerun mode: 0 only after a failure, 1 always, 2 never.", "RepeatMode"
    )
    repeat_interval: int | None = _opt("Wait before a rerun after a failure.", "RepeatInterval")
    file_id: int | None = _opt("Id of its file (deprecated by DataWorks).", "FileId")
    file_type: int | None = _opt("Code of its file type.", "FileType")
    file_version: int | None = _opt("Version of its file.", "FileVersion")
    dqc_type: int | None = _opt("Whether Data Quality rules are attached (0 or 1).", "DqcType")
    dqc_description: str | None = _opt("Its Data Quality partition rules.", "DqcDescription")
    param_values: str | None = _opt("Its scheduling parameters.", "ParamValues")
    connection: str | None = _opt("Its data source.", "Connection")
    description: str | None = _opt("Its description.", "Description")
    deploy_date: int | None = _opt(f"When it was deployed, {_MS}.", "DeployDate")
    create_time: int | None = _opt(f"When it was created, {_MS}.", "CreateTime")
    modify_time: int | None = _opt(f"When it was last changed, {_MS}.", "ModifyTime")
    extra: Mapping[str, Any] = extra_field()

    @property
    def frozen(self) -> bool:
        """Whether the node is frozen (``SchedulerType`` ``PAUSE``).

        Example:
            >>> from dataworks_ext.nodes import NodeInfo
            >>> NodeInfo(node_id=1, scheduler_type="PAUSE").frozen
            True
        """
        return self.scheduler_type == "PAUSE"

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> NodeInfo:
        """Read the ``Data`` object of a ``GetNode`` answer.

        Raises:
            dataworks_ext.FieldError: A field holds a value of the wrong kind (named).

        Example:
            >>> from dataworks_ext.nodes import NodeInfo
            >>> NodeInfo.from_wire({"NodeId": 7, "SchedulerType": "NORMAL"}).scheduler_type
            'NORMAL'
        """
        return read_answer(cls, data)


@documented
@attrs.frozen(kw_only=True)
class BaselineInfo:
    """A baseline as ``GetBaseline`` describes it: who owns it, and the nodes it guards.

    Alert and committed-time settings are kept, as received, in ``extra``.

    Example:
        >>> from dataworks_ext.nodes import BaselineInfo
        >>> baseline = BaselineInfo.from_wire({"BaselineId": 1201, "BaselineName": "finance",
        ...                                    "NodeIds": [700005966962, "700005966963"],
        ...                                    "Owner": "1107550004253538", "Enabled": True})
        >>> baseline.node_ids
        (700005966962, 700005966963)
    """

    baseline_id: int = field("Id of the baseline.", wire="BaselineId")
    baseline_name: str | None = _opt("Name of the baseline.", "BaselineName")
    baseline_type: str | None = _opt("``DAILY`` or ``HOURLY``.", "BaselineType")
    owner: str | None = _opt("Account UID of its owner.", "Owner")
    priority: int | None = _opt("Priority: 1, 3, 5, 7 or 8.", "Priority")
    project_id: int | None = _opt("Id of the workspace it monitors.", "ProjectId")
    enabled: bool | None = _opt("Whether it is switched on.", "Enabled")
    alert_enabled: bool | None = _opt("Whether it alerts.", "AlertEnabled")
    alert_margin_threshold: int | None = _opt("Alert margin, in minutes.", "AlertMarginThreshold")
    node_ids: tuple[int, ...] = field(
        "Ids of the nodes it guards (its leaf nodes and their ancestors).",
        wire="NodeIds",
        factory=tuple,
    )
    extra: Mapping[str, Any] = extra_field()

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> BaselineInfo:
        """Read the ``Data`` object of a ``GetBaseline`` answer.

        Example:
            >>> from dataworks_ext.nodes import BaselineInfo
            >>> BaselineInfo.from_wire({"BaselineId": "1201"}).node_ids
            ()
        """
        return read_answer(cls, data)


@documented
@attrs.frozen(kw_only=True)
class InstanceInfo:
    """A node instance as ``GetInstance`` describes it; ``node_id`` names its node.

    The instance pre-events of Operation Center carry instance ids (``taskIds``); this is
    how a check learns which nodes they are instances of.

    Example:
        >>> from dataworks_ext.nodes import InstanceInfo
        >>> instance = InstanceInfo.from_wire({"InstanceId": 1160007, "NodeId": "700005966962",
        ...                                    "Status": "FAILURE", "Repeatability": False})
        >>> instance.node_id, instance.repeatability
        (700005966962, False)
    """

    instance_id: int = field("Id of the instance.", wire="InstanceId")
    node_id: int = field("Id of the node the instance runs.", wire="NodeId")
    node_name: str | None = _opt("Name of that node.", "NodeName")
    owner: str | None = _opt("Account UID of the instance's owner.", "Owner")
    priority: int | None = _opt("Priority: 1, 3, 5, 7 or 8.", "Priority")
    baseline_id: int | None = _opt("Id of its baseline.", "BaselineId")
    status: str | None = _opt(
        "``NOT_RUN``, ``WAIT_TIME``, ``WAIT_RESOURCE``, ``RUNNING``, ``CHECKING``, "
        "``CHECKING_CONDITION``, ``FAILURE`` or ``SUCCESS``.",
        "Status",
    )
    task_type: str | None = _opt(
        "Scheduling type of its node: ``NORMAL``, ``MANUAL``, ``PAUSE``, ``SKIP``, ...",
        "TaskType",
    )
    dag_type: str | None = _opt(
        "``DAILY``, ``MANUAL``, ``SMOKE_TEST`` or ``SUPPLY_DATA`` (a backfill).", "DagType"
    )
    dag_id: int | None = _opt("Id of its run of the workflow.", "DagId")
    business_id: int | None = _opt("Id of the workflow.", "BusinessId")
    related_flow_id: int | None = _opt("Id of the workflow its node belongs to.", "RelatedFlowId")
    bizdate: int | None = _opt(f"Its business date, {_MS}.", "Bizdate")
    cyc_time: int | None = _opt(f"When it is scheduled, {_MS}.", "CycTime")
    period_number: int | None = _opt("Its cycle number within the day.", "PeriodNumber")
    repeatability: bool | None = _opt(
        "Whether it may be rerun (a boolean on the wire).", "Repeatability"
    )
    repeat_interval: int | None = _opt("Wait before a rerun, in milliseconds.", "RepeatInterval")
    task_rerun_time: int | None = _opt("How many more reruns it may have.", "TaskRerunTime")
    param_values: str | None = _opt("Its parameters.", "ParamValues")
    connection: str | None = _opt("Its data source.", "Connection")
    dqc_type: int | None = _opt("Whether Data Quality rules are attached.", "DqcType")
    dqc_description: str | None = _opt("Its Data Quality partition rules.", "DqcDescription")
    create_user: str | None = _opt("Who created it.", "CreateUser")
    create_time: int | None = _opt(f"When it was generated, {_MS}.", "CreateTime")
    modify_time: int | None = _opt(f"When it last changed, {_MS}.", "ModifyTime")
    begin_wait_time_time: int | None = _opt(
        f"When it began waiting for its time, {_MS}.", "BeginWaitTimeTime"
    )
    begin_wait_res_time: int | None = _opt(
        f"When it began waiting for resources, {_MS}.", "BeginWaitResTime"
    )
    begin_running_time: int | None = _opt(f"When it began running, {_MS}.", "BeginRunningTime")
    finish_time: int | None = _opt(f"When it finished, {_MS}.", "FinishTime")
    extra: Mapping[str, Any] = extra_field()

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> InstanceInfo:
        """Read the ``Data`` object of a ``GetInstance`` answer.

        Example:
            >>> from dataworks_ext.nodes import InstanceInfo
            >>> InstanceInfo.from_wire({"InstanceId": "5", "NodeId": 7}).instance_id
            5
        """
        return read_answer(cls, data)


_KNOWN: dict[type[Any], frozenset[str]] = {
    cls: frozenset(wire_name(a) for a in attrs.fields(cls) if a.name != "extra")
    for cls in (NodeInfo, BaselineInfo, InstanceInfo)
}


def read_answer(cls: type[T], data: Mapping[str, Any]) -> T:
    """Read the ``Data`` of an answer as ``cls``; unknown keys land in its ``extra``.

    Keys whose value is ``null`` are read as absent.

    Raises:
        dataworks_ext.FieldError: ``data`` is not an object, or a field holds a value of the
            wrong kind (named by its wire name).

    Example:
        >>> from dataworks_ext.nodes import NodeInfo, read_answer
        >>> read_answer(NodeInfo, {"NodeId": 7, "Owner2": "x"}).extra
        {'Owner2': 'x'}
    """
    from ._convert import EXTRA_KEY, FieldProblem, structure_model
    from .errors import FieldError

    if not isinstance(data, Mapping):
        raise FieldError(f"expected an object, got {type(data).__name__}", field="Data")
    known = _KNOWN[cls]
    payload: dict[str, Any] = {k: v for k, v in data.items() if v is not None}
    extra = {k: payload.pop(k) for k in [k for k in payload if k not in known]}
    if extra:
        payload[EXTRA_KEY] = extra
    try:
        return structure_model(cls, payload)
    except FieldProblem as problem:
        field = f"Data.{problem.path}" if problem.path else "Data"
        raise FieldError(problem.reason, field=field) from None


def write_answer(info: NodeInfo | BaselineInfo | InstanceInfo) -> dict[str, Any]:
    """The ``Data`` object DataWorks would send for ``info`` (``None`` fields left out).

    Example:
        >>> from dataworks_ext.nodes import NodeInfo, write_answer
        >>> write_answer(NodeInfo(node_id=7, priority=8, repeatability=True))
        {'NodeId': 7, 'Priority': 8, 'Repeatability': 'true'}
    """
    from ._convert import unstructure_fn

    wire = {k: v for k, v in unstructure_fn(type(info))(info).items() if v is not None}
    if isinstance(info, NodeInfo) and "Repeatability" in wire:
        wire["Repeatability"] = "true" if wire["Repeatability"] else "false"  # a string here
    return {**info.extra, **wire}
