"""Rules that know the nodes: they look up what an event's ids are before deciding.

They take a :class:`~dataworks_ext.lookups.Lookups` (built from the Extension's client) and
work on the node events (freeze, restore, unpublish), on backfills (the nodes a backfill
runs; excluded nodes are dry runs and do not count), and on anything carrying ``task_ids``
(the instance pre-events of Operation Center: register them for ``"kill-instance"``,
``"rerun-instance"``, ...), whose instances are turned into their nodes with
``GetInstance``.  Each rule looks up at most ``max_lookups`` ids of one event and answers
``over_limit`` beyond that, before any call, saying so in its tip.

Each rule is a sync check (``rule(event)``) for the decorators and the combinators, and has
an async twin, ``rule.check_async``, for ``async def`` hosts (the sync one would block the
event loop on its lookups).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from ..errors import ConfigurationError
from ..events import BackfillEvent, NodeEvent
from ..verdicts import Verdict
from ._common import (
    ALL_OPERATIONS,
    INSTANCE_OPERATIONS,
    Operation,
    Reader,
    Template,
    action_values,
    check_name,
    config_error,
    describe,
    id_list,
    node_id_set,
    positive_int,
    uid_set,
    whole_id,
)
from ._types import configured_lookups, rule_type

if TYPE_CHECKING:
    from ..lookups import Lookups
    from ..nodes import BaselineInfo, NodeInfo

__all__ = [
    "InstanceEvent",
    "NodeMatch",
    "NodeScope",
    "NodeTarget",
    "OwnerOnly",
    "ProtectedBaselines",
    "touched_node_ids",
]

_PASS = Verdict.ok()
DEFAULT_MAX_LOOKUPS = 100
"""The most ids of one event a node rule looks up unless given ``max_lookups``."""


class InstanceEvent(Protocol):
    """Anything with instance ids, an operator and a workspace: the instance pre-events of
    Operation Center (``pre-freeze-instance``, ``pre-rerun-instance``, ...).

    Example:
        >>> from types import SimpleNamespace
        >>> from dataworks_ext.policies import InstanceEvent
        >>> event: InstanceEvent = SimpleNamespace(task_ids=(5,), operator="1", project_id=2)
        >>> event.task_ids
        (5,)
    """

    @property
    def task_ids(self) -> Sequence[int]:
        """The instance ids."""
        ...

    @property
    def operator(self) -> str:
        """UID of the account that started the operation."""
        ...

    @property
    def project_id(self) -> int:
        """The DataWorks workspace id."""
        ...


NodeTarget = NodeEvent | BackfillEvent | InstanceEvent
"""The events the node rules take."""


def touched_node_ids(event: NodeEvent | BackfillEvent) -> tuple[int, ...]:
    """The nodes an operation acts on, in order, without repeats; a backfill's excluded nodes
    run as dry-run instances and touch no data, so they are left out.

    Example:
        >>> from dataworks_ext.policies import touched_node_ids
        >>> from dataworks_ext.testing import backfill_event
        >>> touched_node_ids(backfill_event(root_node_id=1, include_node_ids=[2, 3, 2],
        ...                                 exclude_node_ids=[3]).event)
        (1, 2)
    """
    ids: Iterable[int] = event.node_ids
    if isinstance(event, BackfillEvent) and event.exclude_node_ids:
        dry_run = frozenset(event.exclude_node_ids)
        ids = (n for n in event.node_ids if n not in dry_run)
    return tuple(dict.fromkeys(ids))


# ---------------------------------------------------------------------- the shared engine


class NodeScope:
    """How a node rule gets its nodes: through ``lookups``, at most ``max_lookups`` ids of
    one event, and ``over_limit`` (``"fail"`` or ``"pass"``) beyond that.

    Example:
        >>> from dataworks_ext import CallbackClient, Lookups
        >>> from dataworks_ext.policies import NodeScope
        >>> from dataworks_ext.testing import backfill_event
        >>> scope = NodeScope(Lookups(CallbackClient(region_id="cn-shanghai")), max_lookups=50)
        >>> print(scope.beyond_limit(backfill_event(include_node_ids=range(1, 20_001)).event,
        ...                          "protected"))
        Verdict(result=<CheckResult.FAIL: 'FAIL'>, tip="Backfilling data touches 20001 nodes; check 'protected' looks up at most 50 nodes, so it refuses: split the operation")
    """  # noqa: E501

    __slots__ = ("lookups", "max_lookups", "over_limit")

    def __init__(
        self,
        lookups: Lookups | None,
        *,
        max_lookups: int = DEFAULT_MAX_LOOKUPS,
        over_limit: str = "fail",
    ) -> None:
        from ..lookups import Lookups

        if not isinstance(lookups, Lookups):
            raise config_error(
                "lookups", f"must be a Lookups (Lookups(client)), got {describe(lookups)}"
            )
        limit = positive_int(max_lookups, "max_lookups")
        if limit is None:
            raise config_error("max_lookups", "must be a whole number of at least 1")
        if over_limit not in ("fail", "pass"):
            raise config_error(
                "over_limit", f"must be 'fail' or 'pass', got {describe(over_limit)}"
            )
        self.lookups = lookups
        self.max_lookups = limit
        self.over_limit = over_limit

    def __repr__(self) -> str:
        return f"max_lookups={self.max_lookups}, over_limit={self.over_limit!r}"

    @staticmethod
    def targets(event: NodeTarget) -> tuple[str, tuple[int, ...]]:
        """``("instance", ids)`` for an event with ``task_ids``, else ``("node", ids)``."""
        task_ids = getattr(event, "task_ids", None)
        if task_ids is not None:
            return "instance", tuple(dict.fromkeys(task_ids))
        return "node", touched_node_ids(event)  # type: ignore[arg-type]

    def beyond_limit(self, event: NodeTarget, rule: str) -> Verdict | None:
        """The answer for an event with more ids than ``max_lookups``, else ``None``."""
        kind, ids = self.targets(event)
        if len(ids) <= self.max_lookups:
            return None
        head = (
            f"{action_values(event)['Action']} touches {len(ids)} {kind}s; check '{rule}' "
            f"looks up at most {self.max_lookups} {kind}s, so it"
        )
        if self.over_limit == "fail":
            return Verdict.fail(f"{head} refuses: split the operation")
        return Verdict.ok(f"{head} lets it pass unchecked")

    def node_ids(self, event: NodeTarget) -> tuple[int, ...]:
        """The node ids of the event (its instances' nodes for an instance event)."""
        kind, ids = self.targets(event)
        if kind == "node":
            return ids
        found = self.lookups.instances(ids, limit=None)
        return tuple(dict.fromkeys(found[i].node_id for i in ids))

    async def node_ids_async(self, event: NodeTarget) -> tuple[int, ...]:
        """:meth:`node_ids`, without blocking the event loop."""
        kind, ids = self.targets(event)
        if kind == "node":
            return ids
        found = await self.lookups.instances_async(ids, limit=None)
        return tuple(dict.fromkeys(found[i].node_id for i in ids))

    def nodes(self, event: NodeTarget) -> list[NodeInfo]:
        """What DataWorks says about each node of the event, in order."""
        return list(self.lookups.nodes(self.node_ids(event), limit=None).values())

    async def nodes_async(self, event: NodeTarget) -> list[NodeInfo]:
        """:meth:`nodes`, without blocking the event loop."""
        ids = await self.node_ids_async(event)
        return list((await self.lookups.nodes_async(ids, limit=None)).values())


def _scope_keys() -> tuple[str, ...]:
    return ("max_lookups", "over_limit")


def _scope_from(reader: Reader) -> dict[str, Any]:
    return {
        "lookups": configured_lookups(reader.kind),
        "max_lookups": reader.optional("max_lookups", DEFAULT_MAX_LOOKUPS),
        "over_limit": reader.optional("over_limit", "fail"),
    }


# ---------------------------------------------------------------------- a predicate from config


class NodeMatch:
    """A predicate over :class:`~dataworks_ext.nodes.NodeInfo` that configuration can state:
    a node matches when **any** of the given conditions holds.

    Args:
        min_priority: Priority at least this (DataWorks priorities are 1, 3, 5, 7, 8).
        baseline_ids: On one of these baselines (``BaselineId`` of ``GetNode``).
        owner_ids: Owned by one of these account UIDs.
        program_types: Of one of these kinds (``ODPS_SQL``, ...).
        resource_groups: In one of these resource groups (by identifier or name).
        name_pattern: A regular expression searched in the node's name.

    Example:
        >>> from dataworks_ext.nodes import NodeInfo
        >>> from dataworks_ext.policies import NodeMatch
        >>> match = NodeMatch(min_priority=7, baseline_ids=[1201])
        >>> match(NodeInfo(node_id=1, priority=8)), match(NodeInfo(node_id=2, baseline_id=1201))
        (True, True)
        >>> match(NodeInfo(node_id=3, priority=1, baseline_id=5))
        False
    """

    _KEYS = (
        "min_priority",
        "baseline_ids",
        "owner_ids",
        "program_types",
        "resource_groups",
        "name_pattern",
    )

    def __init__(
        self,
        *,
        min_priority: int | None = None,
        baseline_ids: Iterable[int] = (),
        owner_ids: Iterable[str | int] = (),
        program_types: Iterable[str] = (),
        resource_groups: Iterable[str] = (),
        name_pattern: str | None = None,
    ) -> None:
        self.min_priority = positive_int(min_priority, "min_priority")
        self.baseline_ids = node_id_set(baseline_ids, "baseline_ids")
        self.owner_ids = uid_set(owner_ids, "owner_ids")
        self.program_types = _words(program_types, "program_types")
        self.resource_groups = _words(resource_groups, "resource_groups")
        self.name_pattern: re.Pattern[str] | None = None
        if name_pattern is not None:
            try:
                self.name_pattern = re.compile(name_pattern)
            except (re.error, TypeError) as exc:
                raise config_error("name_pattern", f"is not a regular expression ({exc})") from None
        if not any(getattr(self, key) for key in self._KEYS) and self.min_priority is None:
            raise ConfigurationError(f"give at least one of {', '.join(self._KEYS)}")

    def __repr__(self) -> str:
        parts = []
        for key in self._KEYS:
            value = getattr(self, key)
            if isinstance(value, re.Pattern):
                value = value.pattern
            elif isinstance(value, frozenset):
                value = sorted(value)
            if value:
                parts.append(f"{key}={value!r}")
        return f"NodeMatch({', '.join(parts)})"

    def __call__(self, node: NodeInfo) -> bool:
        return bool(
            (self.min_priority is not None and (node.priority or 0) >= self.min_priority)
            or (node.baseline_id in self.baseline_ids)
            or (node.owner_id in self.owner_ids)
            or (node.program_type in self.program_types)
            or (
                self.resource_groups
                and (
                    node.res_group_identifier in self.resource_groups
                    or node.res_group_name in self.resource_groups
                )
            )
            or (self.name_pattern is not None and self.name_pattern.search(node.node_name or ""))
        )

    @classmethod
    def from_dict(cls, config: Mapping[str, Any]) -> NodeMatch:
        """Build from ``{"min_priority": 7, "baseline_ids": [...], ...}``.

        Example:
            >>> from dataworks_ext.policies import NodeMatch
            >>> NodeMatch.from_dict({"min_priority": 7, "name_pattern": "^fin_"})
            NodeMatch(min_priority=7, name_pattern='^fin_')
        """
        reader = Reader(config, "where", cls._KEYS)
        return cls(**{key: reader.config[key] for key in cls._KEYS if key in reader})


def _words(value: object, key: str) -> frozenset[str]:
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise config_error(key, f"must be a list of strings, got {describe(value)}")
    words = frozenset(value)
    if not all(isinstance(w, str) and w.strip() for w in words):
        raise config_error(key, f"must be a list of non-empty strings, got {describe(value)}")
    return words


def node_list(nodes: Iterable[NodeInfo]) -> str:
    """``"7 (ods_orders), 8"``: ids with names where known, at most 20."""
    return id_list(f"{n.node_id} ({n.node_name})" if n.node_name else str(n.node_id) for n in nodes)


# ---------------------------------------------------------------------- the rules


class _NodeRule:
    """What the node rules share: the scope, the bound, the sync and async entry points."""

    DEFAULT_MESSAGE: ClassVar[str]
    _FIELDS: ClassVar[tuple[str, ...]]
    scope: NodeScope
    message: Template

    def _decide(self, event: NodeTarget, found: Any) -> Verdict:
        """The verdict, from what :meth:`_gather` found."""
        raise NotImplementedError

    def _gather(self, event: NodeTarget) -> Any:
        """What the rule needs to know: by default the event's nodes."""
        return self.scope.nodes(event)

    async def _gather_async(self, event: NodeTarget) -> Any:
        return await self.scope.nodes_async(event)

    def __call__(self, event: NodeTarget) -> Verdict:
        beyond = self.scope.beyond_limit(event, check_name(self))
        if beyond is not None:
            return beyond
        return self._decide(event, self._gather(event))

    async def check_async(self, event: NodeTarget) -> Verdict:
        """The same check, looking up without blocking the event loop."""
        beyond = self.scope.beyond_limit(event, check_name(self))
        if beyond is not None:
            return beyond
        return self._decide(event, await self._gather_async(event))


@rule_type("owner_only", supports=ALL_OPERATIONS | INSTANCE_OPERATIONS)
class OwnerOnly(_NodeRule):
    """Only each node's owner (or a listed account) may operate on it.

    Args:
        lookups: Where the nodes' owners come from (``GetNode``'s ``OwnerId``).
        uids: Accounts that may operate on any node (an admin group).
        max_lookups: The most ids of one event it looks up.
        over_limit: ``"fail"`` (default) or ``"pass"`` for an event with more ids.
        message: The tip, a template with ``{operator}``, ``{nodes}`` (the nodes the operator
            does not own, with names), ``{action}``, ``{Action}`` and ``{operation}``.

    Example:
        >>> from dataworks_ext.lookups import Lookups
        >>> from dataworks_ext.nodes import NodeInfo
        >>> from dataworks_ext.policies import OwnerOnly
        >>> from dataworks_ext.testing import LocalDataWorks, unpublish_event
        >>> with LocalDataWorks() as local:
        ...     local.add_nodes(NodeInfo(node_id=7, node_name="ods_orders", owner_id="111"),
        ...                     NodeInfo(node_id=8, owner_id="222"))
        ...     rule = OwnerOnly(Lookups(local.client()), uids=["999"])
        ...     print(rule(unpublish_event(node_ids=[7, 8], operator="111").event).tip)
        ...     rule(unpublish_event(node_ids=[7, 8], operator="999").event).passed
        Unpublishing nodes is limited to each node's owner; account 111 does not own 8
        True
    """

    DEFAULT_MESSAGE: ClassVar[str] = (
        "{Action} is limited to each node's owner; account {operator} does not own {nodes}"
    )
    """The tip template used when no ``message`` is given."""
    operations: frozenset[Operation] = frozenset({"freeze", "restore", "unpublish"})
    """The operations :func:`~dataworks_ext.policies.register` registers it for by default."""
    _FIELDS = ("operator", "nodes", "action", "Action", "operation")

    def __init__(
        self,
        lookups: Lookups,
        *,
        uids: Iterable[str | int] = (),
        max_lookups: int = DEFAULT_MAX_LOOKUPS,
        over_limit: str = "fail",
        message: str | None = None,
    ) -> None:
        self.scope = NodeScope(lookups, max_lookups=max_lookups, over_limit=over_limit)
        self.uids = uid_set(uids, "uids")
        self.message = Template(self.DEFAULT_MESSAGE if message is None else message, self._FIELDS)

    def __repr__(self) -> str:
        return f"OwnerOnly(uids={sorted(self.uids)!r}, {self.scope!r})"

    def _decide(self, event: NodeTarget, nodes: list[NodeInfo]) -> Verdict:
        operator = event.operator
        if operator in self.uids:
            return _PASS
        foreign = [n for n in nodes if n.owner_id != operator]
        if not foreign:
            return _PASS
        values = {**action_values(event), "operator": operator, "nodes": node_list(foreign)}
        return Verdict.fail(self.message.render(values))

    @classmethod
    def from_dict(
        cls, config: Mapping[str, Any], *, timezone: Any = None, clock: Any = None
    ) -> OwnerOnly:
        """Build from ``{"uids": [...], "max_lookups": 100, "over_limit": "fail"}``, with the
        ``lookups`` given to :func:`~dataworks_ext.policies.from_config`.

        Example:
            >>> from dataworks_ext import CallbackClient, Lookups
            >>> from dataworks_ext.policies import OwnerOnly, lookups_for_config
            >>> with lookups_for_config(Lookups(CallbackClient(region_id="cn-shanghai"))):
            ...     OwnerOnly.from_dict({"uids": ["999"], "max_lookups": 20})
            OwnerOnly(uids=['999'], max_lookups=20, over_limit='fail')
        """
        reader = Reader(config, "owner_only", ("uids", "message", *_scope_keys()))
        return cls(
            uids=reader.optional("uids", ()),
            message=reader.optional("message"),
            **_scope_from(reader),
        )


@rule_type("protected_baselines", supports=ALL_OPERATIONS | INSTANCE_OPERATIONS)
class ProtectedBaselines(_NodeRule):
    """The nodes of these baselines are protected: ``GetBaseline`` turns each baseline into its
    nodes (cached like every lookup), and an operation on one of them is refused.

    One call per baseline, whatever the event's size; an instance event first turns its
    instances into nodes (``GetInstance``, at most ``max_lookups`` of them).

    Args:
        baseline_ids: The protected baselines.
        lookups: Where baselines (and instances) come from.
        project_id: The workspace of the baselines; default each event's ``project_id``.
        max_lookups: The most instances of one event it looks up.
        over_limit: ``"fail"`` (default) or ``"pass"`` for an event with more.
        message: The tip, a template with ``{nodes}``, ``{baselines}`` (the baselines hit,
            with names), ``{action}``, ``{Action}`` and ``{operation}``.

    Example:
        >>> from dataworks_ext.lookups import Lookups
        >>> from dataworks_ext.nodes import BaselineInfo
        >>> from dataworks_ext.policies import ProtectedBaselines
        >>> from dataworks_ext.testing import LocalDataWorks, freeze_event
        >>> with LocalDataWorks() as local:
        ...     local.add_baselines(BaselineInfo(baseline_id=1201, baseline_name="finance",
        ...                                      node_ids=(7, 8)))
        ...     rule = ProtectedBaselines([1201], Lookups(local.client()))
        ...     print(rule(freeze_event(node_ids=[8, 9]).event).tip)
        Freezing nodes is not allowed: nodes 8 are on protected baselines 1201 (finance)
    """

    DEFAULT_MESSAGE: ClassVar[str] = (
        "{Action} is not allowed: nodes {nodes} are on protected baselines {baselines}"
    )
    """The tip template used when no ``message`` is given."""
    operations: frozenset[Operation] = frozenset({"freeze", "unpublish"})
    """The operations :func:`~dataworks_ext.policies.register` registers it for by default."""
    _FIELDS = ("nodes", "baselines", "action", "Action", "operation")

    def __init__(
        self,
        baseline_ids: Iterable[int],
        lookups: Lookups,
        *,
        project_id: int | None = None,
        max_lookups: int = DEFAULT_MAX_LOOKUPS,
        over_limit: str = "fail",
        message: str | None = None,
    ) -> None:
        self.baseline_ids = tuple(sorted(node_id_set(baseline_ids, "baseline_ids")))
        if not self.baseline_ids:
            raise config_error("baseline_ids", "give at least one baseline id")
        self.project_id = None if project_id is None else whole_id(project_id, "project_id")
        self.scope = NodeScope(lookups, max_lookups=max_lookups, over_limit=over_limit)
        self.message = Template(self.DEFAULT_MESSAGE if message is None else message, self._FIELDS)

    def __repr__(self) -> str:
        return f"ProtectedBaselines({list(self.baseline_ids)!r}, {self.scope!r})"

    def _project(self, event: NodeTarget) -> int:
        return self.project_id if self.project_id is not None else int(event.project_id)

    def _decide(
        self, event: NodeTarget, found: tuple[tuple[int, ...], list[BaselineInfo]]
    ) -> Verdict:
        node_ids, baselines = found
        guarded: dict[int, BaselineInfo] = {}
        for baseline in baselines:
            for node_id in baseline.node_ids:
                guarded.setdefault(node_id, baseline)
        hit = [n for n in node_ids if n in guarded]
        if not hit:
            return _PASS
        hit_baselines = {guarded[n].baseline_id: guarded[n] for n in hit}.values()
        names = id_list(
            f"{b.baseline_id} ({b.baseline_name})" if b.baseline_name else str(b.baseline_id)
            for b in hit_baselines
        )
        values = {**action_values(event), "nodes": id_list(hit), "baselines": names}
        return Verdict.fail(self.message.render(values))

    def _gather(self, event: NodeTarget) -> tuple[tuple[int, ...], list[BaselineInfo]]:
        lookups, project = self.scope.lookups, self._project(event)
        baselines = [lookups.baseline(b, project) for b in self.baseline_ids]
        return self.scope.node_ids(event), baselines

    async def _gather_async(self, event: NodeTarget) -> tuple[tuple[int, ...], list[BaselineInfo]]:
        import asyncio

        lookups, project = self.scope.lookups, self._project(event)
        baselines = await asyncio.gather(
            *(lookups.baseline_async(b, project) for b in self.baseline_ids)
        )
        return await self.scope.node_ids_async(event), list(baselines)

    @classmethod
    def from_dict(
        cls, config: Mapping[str, Any], *, timezone: Any = None, clock: Any = None
    ) -> ProtectedBaselines:
        """Build from ``{"baseline_ids": [...], "project_id": ..., "max_lookups": ...}``, with
        the ``lookups`` given to :func:`~dataworks_ext.policies.from_config`.

        Example:
            >>> from dataworks_ext import CallbackClient, Lookups
            >>> from dataworks_ext.policies import ProtectedBaselines, lookups_for_config
            >>> with lookups_for_config(Lookups(CallbackClient(region_id="cn-shanghai"))):
            ...     ProtectedBaselines.from_dict({"baseline_ids": [1201]})
            ProtectedBaselines([1201], max_lookups=100, over_limit='fail')
        """
        reader = Reader(
            config, "protected_baselines", ("baseline_ids", "project_id", "message", *_scope_keys())
        )
        return cls(
            reader.required("baseline_ids"),
            project_id=reader.optional("project_id"),
            message=reader.optional("message"),
            **_scope_from(reader),
        )
