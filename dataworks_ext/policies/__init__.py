"""Ready-made checks: protected nodes, change-freeze windows, backfill limits, operator lists,
workspaces, forbidden code in DataStudio commits and deployments, and combinators to build your
own out of them.

Every rule is a plain callable taking the event, so it registers with the decorators of a
:class:`~dataworks_ext.Registry` (``reg.on_freeze(ProtectedNodes([...]))``) and mypy checks
that it accepts that event.  Every rule is configurable from code or from a mapping
(``from_dict``), and :func:`from_config` builds a whole registry from one mapping.  Tips name
what was refused and why.  Time is always time-zone aware.

This subpackage is imported only by those who use it; ``import dataworks_ext`` does not.

Example:
    >>> from dataworks_ext import Extension, Registry
    >>> from dataworks_ext.policies import BackfillLimits, ProtectedNodes
    >>> from dataworks_ext.testing import backfill_event, freeze_event
    >>> reg = Registry()
    >>> protected = ProtectedNodes([700005966962])
    >>> _ = reg.on_freeze(protected), reg.on_unpublish(protected)
    >>> _ = reg.on_backfill(BackfillLimits(max_days=31, max_nodes=500))
    >>> extension = Extension("my-extension", registry=reg)
    >>> extension.handle(freeze_event(node_ids=[700005966962])).verdict.tip
    'Freezing nodes is not allowed: protected nodes 700005966962'
    >>> extension.handle(backfill_event(days=31)).verdict.passed
    True
"""

from __future__ import annotations

from ._code import CodeMatch, ForbiddenCode
from ._combinators import AllOf, AnyOf, Not, When, all_of, any_of, not_, when
from ._common import (
    ALL_OPERATIONS,
    DATASTUDIO_OPERATIONS,
    EVENT_FOR_OPERATION,
    EVERY_OPERATION,
    INSTANCE_OPERATIONS,
    Operation,
    OperationEvent,
    check_name,
    operation_of,
    operations_of,
    to_verdict,
)
from ._config import from_config, register
from ._freeze_window import ChangeFreezeWindow
from ._nodes import (
    InstanceEvent,
    NodeMatch,
    NodeScope,
    NodeTarget,
    OwnerOnly,
    ProtectedBaselines,
    touched_node_ids,
)
from ._rules import (
    BackfillLimits,
    InWorkspace,
    InWorkspaces,
    OperatorAllowlist,
    OperatorDenylist,
    ProtectedNodes,
)
from ._time import Clock, require_aware, system_clock
from ._types import (
    RULE_TYPES,
    Rule,
    configured_lookups,
    lookups_for_config,
    rule_from_config,
    rule_type,
    supported_operations,
)
from ._windows import (
    Daily,
    Dates,
    Monthly,
    Occurrence,
    TimeRange,
    Weekly,
    Window,
    window_from_dict,
)

__all__ = [
    "ALL_OPERATIONS",
    "DATASTUDIO_OPERATIONS",
    "EVENT_FOR_OPERATION",
    "EVERY_OPERATION",
    "INSTANCE_OPERATIONS",
    "RULE_TYPES",
    "AllOf",
    "AnyOf",
    "BackfillLimits",
    "ChangeFreezeWindow",
    "Clock",
    "CodeMatch",
    "Daily",
    "Dates",
    "ForbiddenCode",
    "InWorkspace",
    "InWorkspaces",
    "InstanceEvent",
    "Monthly",
    "NodeMatch",
    "NodeScope",
    "NodeTarget",
    "Not",
    "Occurrence",
    "Operation",
    "OperationEvent",
    "OperatorAllowlist",
    "OperatorDenylist",
    "OwnerOnly",
    "ProtectedBaselines",
    "ProtectedNodes",
    "Rule",
    "TimeRange",
    "Weekly",
    "When",
    "Window",
    "all_of",
    "any_of",
    "check_name",
    "configured_lookups",
    "from_config",
    "lookups_for_config",
    "not_",
    "operation_of",
    "operations_of",
    "register",
    "require_aware",
    "rule_from_config",
    "rule_type",
    "supported_operations",
    "system_clock",
    "to_verdict",
    "touched_node_ids",
    "when",
    "window_from_dict",
]
