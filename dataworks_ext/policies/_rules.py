"""The ready-made rules that look at the event alone: nodes, backfill limits, operators,
workspaces."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar, Generic, Protocol, TypeVar

from ..events import (
    BackfillEvent,
    FreezeNodeEvent,
    UnpublishNodeEvent,
)
from ..registry import CheckReturn
from ..verdicts import Verdict
from ._common import (
    ALL_OPERATIONS,
    EVERY_OPERATION,
    INSTANCE_OPERATIONS,
    Operation,
    OperationEvent,
    Reader,
    Template,
    action_values,
    boolean,
    callable_check,
    check_name,
    config_error,
    id_list,
    node_id_set,
    operation_of,
    operation_set,
    operations_of,
    positive_int,
    to_verdict,
    uid_set,
    under,
)
from ._nodes import (
    DEFAULT_MAX_LOOKUPS,
    InstanceEvent,
    NodeMatch,
    NodeScope,
    touched_node_ids,
)
from ._time import Clock
from ._types import (
    configured_lookups,
    given_lookups,
    rule_from_config,
    rule_type,
    supported_operations,
)

if TYPE_CHECKING:
    from ..lookups import Lookups
    from ..nodes import NodeInfo

__all__ = [
    "BackfillLimits",
    "InWorkspaces",
    "OperatorAllowlist",
    "OperatorDenylist",
    "ProtectedNodes",
]

_PASS = Verdict.ok()
Zone = str | _dt.tzinfo


_BY_NODE_IDS: frozenset[Operation] = frozenset({"freeze", "unpublish", "backfill"})


def _supported_by_protected_nodes(rule: ProtectedNodes) -> frozenset[Operation]:
    if rule.scope is None:  # no lookups: it cannot turn instances into nodes
        return _BY_NODE_IDS
    return _BY_NODE_IDS | INSTANCE_OPERATIONS


@rule_type("protected_nodes", supports=_supported_by_protected_nodes)
class ProtectedNodes:
    """Refuse operations on protected nodes, naming the nodes in the tip.

    Register it for freezing and unpublishing, and for backfills if protected nodes must not
    be backfilled either.  A backfill hits when its root node or one of its included nodes is
    protected; nodes it excludes run as dry-run instances and touch no data, so they do not.

    With ``where``, a predicate over :class:`~dataworks_ext.nodes.NodeInfo`, it protects
    nodes by what DataWorks says they are (priority, baseline, owner, ...): it looks them up
    through ``lookups`` (cached), at most ``max_lookups`` of one event, and answers
    ``over_limit`` beyond that.  With ``lookups`` it also takes the instance pre-events
    (anything with ``task_ids``; register it for ``"kill-instance"``, ``"rerun-instance"``,
    ...), turning instances into their nodes with ``GetInstance``; by ids, it looks up only
    instances, so ``max_lookups`` bounds instance events alone.

    Args:
        node_ids: The protected node ids, or a predicate ``node_id -> bool``.
        where: Instead of ``node_ids``: a predicate ``NodeInfo -> bool`` (or a
            :class:`~dataworks_ext.policies.NodeMatch`).
        lookups: The :class:`~dataworks_ext.lookups.Lookups` to look nodes up with; needed
            with ``where``.
        max_lookups: The most ids of one event it looks up (100).
        over_limit: ``"fail"`` (default) or ``"pass"``: the answer for an event with more
            ids than that, given before any lookup; the tip says so.
        message: The tip, a template with ``{nodes}`` (the protected ids hit, comma
            separated), ``{action}``, ``{Action}`` and ``{operation}``; default
            ``"{Action} is not allowed: protected nodes {nodes}"``.

    Example:
        >>> from dataworks_ext import Registry
        >>> from dataworks_ext.policies import ProtectedNodes
        >>> from dataworks_ext.testing import freeze_event, unpublish_event
        >>> finance = ProtectedNodes([700005966962, 700005966963])
        >>> reg = Registry()
        >>> _ = reg.on_freeze(finance), reg.on_unpublish(finance)
        >>> finance(freeze_event(node_ids=[700005966962, 42]).event).tip
        'Freezing nodes is not allowed: protected nodes 700005966962'
        >>> finance(unpublish_event(node_ids=[42]).event).passed
        True

        A predicate protects nodes by any rule of yours:

        >>> core = ProtectedNodes(lambda node_id: node_id < 1000, message="{nodes}: core nodes")
        >>> core(freeze_event(node_ids=[7, 8, 5000]).event).tip
        '7, 8: core nodes'

        And ``where`` by what the nodes are:

        >>> from dataworks_ext.lookups import Lookups
        >>> from dataworks_ext.nodes import NodeInfo
        >>> from dataworks_ext.testing import LocalDataWorks
        >>> with LocalDataWorks() as local:
        ...     local.add_nodes(NodeInfo(node_id=7, priority=8), NodeInfo(node_id=9, priority=1))
        ...     urgent = ProtectedNodes(where=lambda node: (node.priority or 0) >= 7,
        ...                             lookups=Lookups(local.client()))
        ...     urgent(freeze_event(node_ids=[7, 9]).event).tip
        'Freezing nodes is not allowed: protected nodes 7'
    """

    DEFAULT_MESSAGE: ClassVar[str] = "{Action} is not allowed: protected nodes {nodes}"
    """The tip template used when no ``message`` is given."""
    operations: frozenset[Operation] = frozenset({"freeze", "unpublish"})
    """The operations :func:`~dataworks_ext.policies.register` registers it for by default;
    add ``"backfill"`` to protect the nodes from backfills too."""
    _FIELDS = ("nodes", "action", "Action", "operation")

    def __init__(
        self,
        node_ids: Iterable[int] | Callable[[int], bool] | None = None,
        *,
        where: Callable[[NodeInfo], object] | None = None,
        lookups: Lookups | None = None,
        max_lookups: int = DEFAULT_MAX_LOOKUPS,
        over_limit: str = "fail",
        message: str | None = None,
    ) -> None:
        self.node_ids: frozenset[int] | None = None
        self.where = where
        self.scope: NodeScope | None = None
        if where is not None:
            if node_ids is not None:
                raise config_error("where", "give node_ids or where, not both")
            self.where = callable_check(where, "where")
            self._predicate: Callable[[int], object] = self._node_matches
        elif node_ids is None:
            raise config_error(
                "node_ids", "give the protected node ids, a predicate over ids, or where="
            )
        elif callable(node_ids):
            self._predicate = node_ids
        else:
            self.node_ids = node_id_set(node_ids, "node_ids")
            self._predicate = self.node_ids.__contains__
        if where is not None or lookups is not None:
            self.scope = NodeScope(lookups, max_lookups=max_lookups, over_limit=over_limit)
        self.message = Template(self.DEFAULT_MESSAGE if message is None else message, self._FIELDS)

    def __repr__(self) -> str:
        if self.where is not None:
            return f"ProtectedNodes(where={_shown(self.where)}, {self.scope!r})"
        what = sorted(self.node_ids) if self.node_ids is not None else check_name(self._predicate)
        return f"ProtectedNodes({what!r})"

    def _node_matches(self, node_id: int) -> object:
        assert self.scope is not None
        assert self.where is not None
        return self.where(self.scope.lookups.node(node_id))

    def protects(self, node_id: int) -> bool:
        """Whether a node is protected.

        Example:
            >>> from dataworks_ext.policies import ProtectedNodes
            >>> ProtectedNodes([7]).protects(7), ProtectedNodes([7]).protects(8)
            (True, False)
        """
        return bool(self._predicate(node_id))

    def hits(
        self, event: FreezeNodeEvent | UnpublishNodeEvent | BackfillEvent | InstanceEvent
    ) -> tuple[int, ...]:
        """The protected nodes an event touches, in the event's order.

        Example:
            >>> from dataworks_ext.policies import ProtectedNodes
            >>> from dataworks_ext.testing import backfill_event
            >>> rule = ProtectedNodes([7, 9])
            >>> rule.hits(backfill_event(root_node_id=1, include_node_ids=[9, 7, 3]).event)
            (9, 7)
            >>> rule.hits(backfill_event(root_node_id=1, include_node_ids=[9],
            ...                          exclude_node_ids=[9]).event)
            ()
        """
        if self.scope is None:
            if isinstance(event, (FreezeNodeEvent, UnpublishNodeEvent, BackfillEvent)):
                return tuple(n for n in touched_node_ids(event) if self.protects(n))
            raise TypeError("ProtectedNodes needs lookups= to check events with instance ids")
        if self.where is None:
            return tuple(n for n in self.scope.node_ids(event) if self.protects(n))
        return tuple(n.node_id for n in self.scope.nodes(event) if self.where(n))

    def _beyond_limit(
        self, event: FreezeNodeEvent | UnpublishNodeEvent | BackfillEvent | InstanceEvent
    ) -> Verdict | None:
        """The answer for an event with more ids to look up than ``max_lookups``, else
        ``None``; by ids, the nodes of a node event need no lookup."""
        scope = self.scope
        if scope is None or (self.where is None and scope.targets(event)[0] == "node"):
            return None
        return scope.beyond_limit(event, check_name(self))

    def __call__(
        self, event: FreezeNodeEvent | UnpublishNodeEvent | BackfillEvent | InstanceEvent
    ) -> Verdict:
        beyond = self._beyond_limit(event)
        if beyond is not None:
            return beyond
        return self._verdict(event, self.hits(event))

    async def check_async(
        self, event: FreezeNodeEvent | UnpublishNodeEvent | BackfillEvent | InstanceEvent
    ) -> Verdict:
        """The same check, looking nodes up without blocking the event loop.

        Example:
            >>> import asyncio
            >>> from dataworks_ext.policies import ProtectedNodes
            >>> from dataworks_ext.testing import freeze_event
            >>> asyncio.run(ProtectedNodes([7]).check_async(freeze_event(node_ids=[7]).event)).tip
            'Freezing nodes is not allowed: protected nodes 7'
        """
        scope = self.scope
        if scope is None:
            return self(event)
        beyond = self._beyond_limit(event)
        if beyond is not None:
            return beyond
        if self.where is None:
            hit = tuple(n for n in await scope.node_ids_async(event) if self.protects(n))
        else:
            hit = tuple(n.node_id for n in await scope.nodes_async(event) if self.where(n))
        return self._verdict(event, hit)

    def _verdict(self, event: object, hit: tuple[int, ...]) -> Verdict:
        if not hit:
            return _PASS
        return Verdict.fail(self.message.render({**action_values(event), "nodes": id_list(hit)}))

    @classmethod
    def from_dict(
        cls, config: Mapping[str, Any], *, timezone: Zone | None = None, clock: Clock | None = None
    ) -> ProtectedNodes:
        """Build from ``{"node_ids": [...], "message": ...}``.

        ``timezone`` and ``clock`` are accepted so that every rule is built the same way; this
        rule does not use them.

        Example:
            >>> from dataworks_ext.policies import ProtectedNodes
            >>> ProtectedNodes.from_dict({"node_ids": ["700005966962", 700005966963]})
            ProtectedNodes([700005966962, 700005966963])
        """
        reader = Reader(
            config,
            "protected_nodes",
            ("node_ids", "where", "message", "max_lookups", "over_limit"),
        )
        if "where" in reader:
            with under("where"):
                where = NodeMatch.from_dict(reader.config["where"])
            return cls(
                None if "node_ids" not in reader else reader.required("node_ids"),
                where=where,
                lookups=configured_lookups("protected_nodes"),
                max_lookups=reader.optional("max_lookups", DEFAULT_MAX_LOOKUPS),
                over_limit=reader.optional("over_limit", "fail"),
                message=reader.optional("message"),
            )
        lookups = given_lookups()  # for instance events, when from_config was given some
        return cls(
            node_id_set(reader.required("node_ids"), "node_ids"),
            lookups=lookups,
            max_lookups=reader.optional("max_lookups", DEFAULT_MAX_LOOKUPS),
            over_limit=reader.optional("over_limit", "fail"),
            message=reader.optional("message"),
        )


def _shown(predicate: object) -> str:
    return repr(predicate) if isinstance(predicate, NodeMatch) else check_name(predicate)


@rule_type("backfill_limits", supports="backfill")
class BackfillLimits:
    """Refuse backfills beyond limits, naming every limit crossed.  Every limit is inclusive:
    a backfill of exactly ``max_days`` days passes.

    Args:
        max_days: Most business dates a backfill may cover (overlapping periods count once).
        max_nodes: Most nodes a backfill may run: its root and included nodes.
        max_parallel_groups: Most parallel groups (a backfill that is not parallel has one).
        forbid_future_immediate: Refuse backfills that start future instances immediately.
            The event does not say when the nodes are scheduled, so any backfill with that
            option on is refused: the user turns it off.

    Leave a limit out (``None``) to not check it; give at least one.

    Example:
        >>> import datetime
        >>> from dataworks_ext.policies import BackfillLimits
        >>> from dataworks_ext.testing import backfill_event
        >>> limits = BackfillLimits(max_days=31, max_nodes=500)
        >>> limits(backfill_event(days=31).event).passed
        True
        >>> limits(backfill_event(days=32).event).tip
        'The backfill covers 32 days; the limit is 31 days'
        >>> many = backfill_event(days=40, include_node_ids=range(1, 502)).event
        >>> print(limits(many).tip)
        The backfill covers 40 days; the limit is 31 days; The backfill runs 502 nodes; the limit is 500 nodes
    """  # noqa: E501

    operations: frozenset[Operation] = frozenset({"backfill"})
    """The operations :func:`~dataworks_ext.policies.register` registers it for."""

    def __init__(
        self,
        *,
        max_days: int | None = None,
        max_nodes: int | None = None,
        max_parallel_groups: int | None = None,
        forbid_future_immediate: bool = False,
    ) -> None:
        self.max_days = positive_int(max_days, "max_days")
        self.max_nodes = positive_int(max_nodes, "max_nodes")
        self.max_parallel_groups = positive_int(max_parallel_groups, "max_parallel_groups")
        self.forbid_future_immediate = boolean(forbid_future_immediate, "forbid_future_immediate")
        if (
            self.max_days is None
            and self.max_nodes is None
            and self.max_parallel_groups is None
            and not self.forbid_future_immediate
        ):
            raise config_error(
                "max_days",
                "no limit given: set max_days, max_nodes, max_parallel_groups "
                "or forbid_future_immediate",
            )

    def __repr__(self) -> str:
        parts = [
            f"{name}={value!r}"
            for name, value in (
                ("max_days", self.max_days),
                ("max_nodes", self.max_nodes),
                ("max_parallel_groups", self.max_parallel_groups),
            )
            if value is not None
        ]
        if self.forbid_future_immediate:
            parts.append("forbid_future_immediate=True")
        return f"BackfillLimits({', '.join(parts)})"

    def crossed(self, event: BackfillEvent) -> list[str]:
        """One sentence per limit the backfill crosses; empty when it is within them all.

        Example:
            >>> from dataworks_ext.policies import BackfillLimits
            >>> from dataworks_ext.testing import backfill_event
            >>> BackfillLimits(max_parallel_groups=2).crossed(
            ...     backfill_event(is_parallel=True, parallel_group=3).event)
            ['The backfill runs in 3 parallel groups; the limit is 2']
        """
        reasons = []
        if self.max_days is not None and event.total_days > self.max_days:
            reasons.append(
                f"The backfill covers {event.total_days} days; the limit is {self.max_days} days"
            )
        if self.max_nodes is not None and len(event.node_ids) > self.max_nodes:
            reasons.append(
                f"The backfill runs {len(event.node_ids)} nodes; "
                f"the limit is {self.max_nodes} nodes"
            )
        groups = event.parallel_group if event.is_parallel else 1
        if self.max_parallel_groups is not None and groups > self.max_parallel_groups:
            reasons.append(
                f"The backfill runs in {groups} parallel groups; "
                f"the limit is {self.max_parallel_groups}"
            )
        if self.forbid_future_immediate and event.start_future_instance_immediately:
            reasons.append(
                "The backfill starts future instances immediately, which is not allowed; "
                "turn that option off"
            )
        return reasons

    def __call__(self, event: BackfillEvent) -> Verdict:
        reasons = self.crossed(event)
        return Verdict.fail("; ".join(reasons)) if reasons else _PASS

    @classmethod
    def from_dict(
        cls, config: Mapping[str, Any], *, timezone: Zone | None = None, clock: Clock | None = None
    ) -> BackfillLimits:
        """Build from ``{"max_days": 31, "max_nodes": 500, ...}``.

        Example:
            >>> from dataworks_ext.policies import BackfillLimits
            >>> BackfillLimits.from_dict({"max_days": 31, "forbid_future_immediate": True})
            BackfillLimits(max_days=31, forbid_future_immediate=True)
        """
        reader = Reader(
            config,
            "backfill_limits",
            ("max_days", "max_nodes", "max_parallel_groups", "forbid_future_immediate"),
        )
        return cls(
            max_days=reader.optional("max_days"),
            max_nodes=reader.optional("max_nodes"),
            max_parallel_groups=reader.optional("max_parallel_groups"),
            forbid_future_immediate=reader.optional("forbid_future_immediate", False),
        )


UidList = Iterable[str | int]


class _OperatorList:
    DEFAULT_MESSAGE: ClassVar[str]
    _KIND: ClassVar[str]
    _ALLOW: ClassVar[bool]
    _FIELDS = ("operator", "action", "Action", "operation")

    def __init__(
        self,
        uids: UidList | Mapping[Operation, UidList],
        *,
        message: str | None = None,
    ) -> None:
        by_operation: dict[Operation, frozenset[str]] = {}
        self._everywhere: frozenset[str] | None = None
        if isinstance(uids, Mapping):
            if not uids:
                raise config_error("uids", "name at least one operation")
            for op, listed in uids.items():
                (name,) = operation_set(op, f"uids.{op}")
                by_operation[name] = uid_set(listed, f"uids.{op}")
        else:
            # a plain list: the four node operations by default, and any other operation the
            # rule is registered for
            self._everywhere = uid_set(uids, "uids")
            by_operation = dict.fromkeys(sorted(ALL_OPERATIONS), self._everywhere)
        self.uids: Mapping[Operation, frozenset[str]] = by_operation
        """The listed account UIDs of each operation the rule governs."""
        self.operations: frozenset[Operation] = frozenset(by_operation)
        self.message = Template(self.DEFAULT_MESSAGE if message is None else message, self._FIELDS)

    def __repr__(self) -> str:
        shown: object
        sets = set(self.uids.values())
        if len(sets) == 1 and self.operations == ALL_OPERATIONS:
            shown = sorted(next(iter(sets)))
        else:
            shown = {op: sorted(u) for op, u in self.uids.items()}
        return f"{type(self).__name__}({shown!r})"

    def allows(self, operator: str, operation: Operation) -> bool:
        """Whether the account may perform the operation (an ungoverned one is allowed)."""
        listed = self.uids.get(operation, self._everywhere)
        if listed is None:
            return True
        return (operator in listed) is self._ALLOW

    def __call__(
        self,
        event: OperationEvent,
    ) -> Verdict:
        operation = operation_of(event)
        if operation is None or self.allows(event.operator, operation):
            return _PASS
        return Verdict.fail(
            self.message.render({**action_values(event), "operator": event.operator})
        )

    @classmethod
    def _from_dict(cls, config: Mapping[str, Any]) -> Any:
        reader = Reader(config, cls._KIND, ("uids", "message"))
        return cls(reader.required("uids"), message=reader.optional("message"))


@rule_type("operator_allowlist", supports=EVERY_OPERATION)
class OperatorAllowlist(_OperatorList):
    """Only the listed accounts (by UID) may perform the operations it governs.

    Args:
        uids: Account UIDs allowed for every operation the rule is registered for, or a
            mapping from operation (``"freeze"``, ``"restore"``, ``"unpublish"``,
            ``"backfill"``, DataStudio's ``"commit"`` and ``"deploy"``, or an instance
            operation such as ``"kill-instance"``) to the UIDs allowed for it; operations the
            mapping leaves out are not governed.  A plain list is registered for the four
            Operation Center node operations by default; register it for others (or name
            them in the mapping) to govern them too.
        message: The tip, a template with ``{operator}``, ``{action}``, ``{Action}`` and
            ``{operation}``; default
            ``"{Action} is limited to approved accounts; account {operator} is not one"``.

    Example:
        >>> from dataworks_ext.policies import OperatorAllowlist
        >>> from dataworks_ext.testing import backfill_event, freeze_event
        >>> rule = OperatorAllowlist({"backfill": ["1107550004253538"]})
        >>> rule(backfill_event(operator="1107550004253538").event).passed
        True
        >>> rule(backfill_event(operator="2088000000000001").event).tip
        'Backfilling data is limited to approved accounts; account 2088000000000001 is not one'
        >>> rule(freeze_event(operator="2088000000000001").event).passed
        True
    """

    DEFAULT_MESSAGE: ClassVar[str] = (
        "{Action} is limited to approved accounts; account {operator} is not one"
    )
    """The tip template used when no ``message`` is given."""
    _KIND = "operator_allowlist"
    _ALLOW = True

    def allows(self, operator: str, operation: Operation) -> bool:
        """Whether the account may perform the operation: it is listed for it, or the
        operation is not governed.

        Example:
            >>> from dataworks_ext.policies import OperatorAllowlist
            >>> admins = OperatorAllowlist({"backfill": ["1107550004253538"]})
            >>> admins.allows("42", "backfill"), admins.allows("42", "freeze")
            (False, True)
        """
        return super().allows(operator, operation)

    @classmethod
    def from_dict(
        cls, config: Mapping[str, Any], *, timezone: Zone | None = None, clock: Clock | None = None
    ) -> OperatorAllowlist:
        """Build from ``{"uids": [...]}`` or ``{"uids": {"backfill": [...], ...}}``.

        Example:
            >>> from dataworks_ext.policies import OperatorAllowlist
            >>> OperatorAllowlist.from_dict({"uids": {"unpublish": [1107550004253538]}})
            OperatorAllowlist({'unpublish': ['1107550004253538']})
        """
        built: OperatorAllowlist = cls._from_dict(config)
        return built


@rule_type("operator_denylist", supports=EVERY_OPERATION)
class OperatorDenylist(_OperatorList):
    """The listed accounts (by UID) may not perform the operations it governs.

    Args:
        uids: Account UIDs refused for every operation the rule is registered for, or a
            mapping from operation to the UIDs refused for it.
        message: The tip, a template with ``{operator}``, ``{action}``, ``{Action}`` and
            ``{operation}``; default ``"{Action} is not allowed for account {operator}"``.

    Example:
        >>> from dataworks_ext.policies import OperatorDenylist
        >>> from dataworks_ext.testing import unpublish_event
        >>> rule = OperatorDenylist(["2088000000000001"])
        >>> rule(unpublish_event(operator="2088000000000001").event).tip
        'Unpublishing nodes is not allowed for account 2088000000000001'
    """

    DEFAULT_MESSAGE: ClassVar[str] = "{Action} is not allowed for account {operator}"
    """The tip template used when no ``message`` is given."""
    _KIND = "operator_denylist"
    _ALLOW = False

    def allows(self, operator: str, operation: Operation) -> bool:
        """Whether the account may perform the operation: it is not listed for it, or the
        operation is not governed.

        Example:
            >>> from dataworks_ext.policies import OperatorDenylist
            >>> blocked = OperatorDenylist({"unpublish": ["2088000000000001"]})
            >>> blocked.allows("2088000000000001", "unpublish")
            False
            >>> blocked.allows("2088000000000001", "backfill")
            True
        """
        return super().allows(operator, operation)

    @classmethod
    def from_dict(
        cls, config: Mapping[str, Any], *, timezone: Zone | None = None, clock: Clock | None = None
    ) -> OperatorDenylist:
        """Build from ``{"uids": [...]}`` or ``{"uids": {"freeze": [...], ...}}``.

        Example:
            >>> from dataworks_ext.policies import OperatorDenylist
            >>> OperatorDenylist.from_dict({"uids": ["2088000000000001"]})
            OperatorDenylist(['2088000000000001'])
        """
        built: OperatorDenylist = cls._from_dict(config)
        return built


class InWorkspace(Protocol):
    """Anything with a ``project_id``: every Operation Center event (the type
    :class:`InWorkspaces` accepts).

    Example:
        >>> from dataworks_ext.policies import InWorkspace
        >>> from dataworks_ext.testing import restore_event
        >>> event: InWorkspace = restore_event(project_id=23393).event
        >>> event.project_id
        23393
    """

    @property
    def project_id(self) -> int:
        """The DataWorks workspace id."""
        ...


W_contra = TypeVar("W_contra", bound=InWorkspace, contravariant=True)


def _supported_by_inner(rule: InWorkspaces[Any]) -> frozenset[Operation]:
    return supported_operations(rule.rule)


@rule_type("in_workspaces", supports=_supported_by_inner)
class InWorkspaces(Generic[W_contra]):
    """Apply a rule only to events of the given workspaces; events elsewhere pass.

    Args:
        project_ids: The workspace ids (``projectId``) where the rule applies.
        rule: Any check taking the event (a rule of this package, a combinator, a function).

    Example:
        >>> from dataworks_ext.policies import BackfillLimits, InWorkspaces
        >>> from dataworks_ext.testing import backfill_event
        >>> rule = InWorkspaces([23393], BackfillLimits(max_days=7))
        >>> rule(backfill_event(days=10, project_id=23393).event).passed
        False
        >>> rule(backfill_event(days=10, project_id=50001).event).passed
        True
    """

    def __init__(self, project_ids: Iterable[int], rule: Callable[[W_contra], CheckReturn]) -> None:
        self.project_ids = node_id_set(project_ids, "project_ids")
        if not self.project_ids:
            raise config_error("project_ids", "give at least one workspace id")
        self.rule = callable_check(rule, "rule")
        self.operations: frozenset[Operation] = operations_of(rule)

    def __repr__(self) -> str:
        return f"InWorkspaces({sorted(self.project_ids)!r}, {self.rule!r})"

    def __call__(self, event: W_contra) -> Verdict:
        if event.project_id not in self.project_ids:
            return _PASS
        return to_verdict(self.rule(event), check_name(self.rule))

    @classmethod
    def from_dict(
        cls, config: Mapping[str, Any], *, timezone: Zone | None = None, clock: Clock | None = None
    ) -> InWorkspaces[Any]:
        """Build from ``{"project_ids": [...], "rule": {...}}``; the rule is any rule mapping
        of :func:`~dataworks_ext.policies.rule_from_config`.

        Example:
            >>> from dataworks_ext.policies import InWorkspaces
            >>> InWorkspaces.from_dict({"project_ids": [23393],
            ...                         "rule": {"type": "backfill_limits", "max_days": 7}})
            InWorkspaces([23393], BackfillLimits(max_days=7))
        """
        reader = Reader(config, "in_workspaces", ("project_ids", "rule"))
        project_ids = node_id_set(reader.required("project_ids"), "project_ids")
        with under("rule"):
            rule = rule_from_config(reader.required("rule"), timezone=timezone, clock=clock)
        return cls(project_ids, rule)
