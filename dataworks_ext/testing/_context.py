"""Node, baseline and instance records as the lookups return them, for tests."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..nodes import BaselineInfo, InstanceInfo, NodeInfo
from ._wrapping import DEFAULT_NODE_IDS, DEFAULT_OPERATOR, DEFAULT_PROJECT_ID

__all__ = ["DEFAULT_BASELINE_ID", "baseline_info", "instance_info", "node_info"]

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
