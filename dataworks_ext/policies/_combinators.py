"""Combinators: build one check out of several.

Each takes checks that take the event alone and return a Verdict, ``True``/``None`` or
``False``, synchronously: the rules of this package, other combinators, or your functions.
mypy infers the events a combination accepts: those every part accepts.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Generic, TypeVar

from ..registry import CheckReturn
from ..verdicts import Verdict, combine
from ._common import (
    EVERY_OPERATION,
    Operation,
    Reader,
    Template,
    action_values,
    callable_check,
    check_name,
    config_error,
    describe,
    operations_of,
    to_verdict,
    under,
)
from ._time import Clock
from ._types import rule_from_config, rule_type, supported_operations

__all__ = ["AllOf", "AnyOf", "Not", "When", "all_of", "any_of", "not_", "when"]

E = TypeVar("E")
E_contra = TypeVar("E_contra", contravariant=True)
Zone = str | _dt.tzinfo
_PASS = Verdict.ok()


def _checks(rules: tuple[Any, ...], key: str = "rules") -> tuple[Callable[[Any], object], ...]:
    if not rules:
        raise config_error(key, "give at least one rule")
    return tuple(callable_check(rule, f"{key}[{i}]") for i, rule in enumerate(rules))


def _run(rule: Callable[[Any], object], event: object) -> Verdict:
    return to_verdict(rule(event), check_name(rule))


def _rules_from(
    config: Mapping[str, Any], kind: str, zone: Zone | None, clock: Clock | None
) -> list[Any]:
    reader = Reader(config, kind, ("rules",))
    raw = reader.required("rules")
    if isinstance(raw, (str, Mapping)) or not isinstance(raw, Iterable):
        raise config_error("rules", f"must be a list of rules, got {describe(raw)}")
    rules = []
    for index, item in enumerate(raw):
        with under(f"rules[{index}]"):
            rules.append(rule_from_config(item, timezone=zone, clock=clock))
    return rules


def _supported_by_all(rule: AllOf[Any] | AnyOf[Any]) -> frozenset[Operation]:
    return EVERY_OPERATION.intersection(*(supported_operations(r) for r in rule.rules))


def _supported_by_inner(rule: Not[Any]) -> frozenset[Operation]:
    return supported_operations(rule.rule)


def _supported_by_both(rule: When[Any]) -> frozenset[Operation]:
    return supported_operations(rule.condition) & supported_operations(rule.rule)


@rule_type("all_of", supports=_supported_by_all)
class AllOf(Generic[E_contra]):
    """Passes when every rule passes; otherwise fails with the tips of all that failed.

    Built by :func:`all_of`.  Every rule runs, so the user learns every reason at once.
    Its ``operations`` are those of all its rules together.

    Example:
        >>> from dataworks_ext.policies import AllOf, BackfillLimits, OperatorDenylist
        >>> rule = AllOf(OperatorDenylist(["2088000000000001"]), BackfillLimits(max_days=7))
        >>> sorted(rule.operations)
        ['backfill', 'freeze', 'restore', 'unpublish']
    """

    def __init__(self, *rules: Callable[[E_contra], CheckReturn]) -> None:
        self.rules = _checks(rules)
        ops = [operations_of(rule) for rule in self.rules]
        self.operations: frozenset[Operation] = frozenset().union(*ops)

    def __repr__(self) -> str:
        return f"all_of({', '.join(repr(rule) for rule in self.rules)})"

    def __call__(self, event: E_contra) -> Verdict:
        return combine([_run(rule, event) for rule in self.rules])

    @classmethod
    def from_dict(
        cls, config: Mapping[str, Any], *, timezone: Zone | None = None, clock: Clock | None = None
    ) -> AllOf[Any]:
        """Build from ``{"rules": [{...}, {...}]}``, each a rule mapping.

        Example:
            >>> from dataworks_ext.policies import AllOf
            >>> AllOf.from_dict({"rules": [{"type": "backfill_limits", "max_days": 7},
            ...                            {"type": "operator_denylist", "uids": ["1"]}]})
            all_of(BackfillLimits(max_days=7), OperatorDenylist(['1']))
        """
        return cls(*_rules_from(config, "all_of", timezone, clock))


@rule_type("any_of", supports=_supported_by_all)
class AnyOf(Generic[E_contra]):
    """Passes when at least one rule passes (the first that does answers); otherwise fails
    with the tips of them all.

    Built by :func:`any_of`.  Rules run in order and stop at the first that passes.  Its
    ``operations`` are those every rule governs.

    Example:
        >>> from dataworks_ext.policies import AnyOf, BackfillLimits, OperatorAllowlist
        >>> rule = AnyOf(OperatorAllowlist(["1107550004253538"]), BackfillLimits(max_days=7))
        >>> sorted(rule.operations)
        ['backfill']
    """

    def __init__(self, *rules: Callable[[E_contra], CheckReturn]) -> None:
        self.rules = _checks(rules)
        ops = [operations_of(rule) for rule in self.rules]
        self.operations: frozenset[Operation] = frozenset(EVERY_OPERATION).intersection(*ops)

    def __repr__(self) -> str:
        return f"any_of({', '.join(repr(rule) for rule in self.rules)})"

    def __call__(self, event: E_contra) -> Verdict:
        failed = []
        for rule in self.rules:
            verdict = _run(rule, event)
            if verdict.passed:
                return verdict
            failed.append(verdict)
        return combine(failed)

    @classmethod
    def from_dict(
        cls, config: Mapping[str, Any], *, timezone: Zone | None = None, clock: Clock | None = None
    ) -> AnyOf[Any]:
        """Build from ``{"rules": [{...}, {...}]}``, each a rule mapping.

        Example:
            >>> from dataworks_ext.policies import AnyOf
            >>> AnyOf.from_dict({"rules": [{"type": "operator_allowlist", "uids": ["1"]},
            ...                            {"type": "backfill_limits", "max_days": 7}]})
            any_of(OperatorAllowlist(['1']), BackfillLimits(max_days=7))
        """
        return cls(*_rules_from(config, "any_of", timezone, clock))


@rule_type("not", supports=_supported_by_inner)
class Not(Generic[E_contra]):
    """Fails when the rule passes, and passes when it fails.  Built by :func:`not_`.

    Example:
        >>> from dataworks_ext.policies import Not, OperatorAllowlist
        >>> from dataworks_ext.testing import freeze_event
        >>> outsiders_only = Not(OperatorAllowlist(["1107550004253538"]))
        >>> outsiders_only(freeze_event(operator="1107550004253538").event).tip
        'Freezing nodes is not allowed here (OperatorAllowlist holds)'
    """

    DEFAULT_MESSAGE = "{Action} is not allowed here ({rule} holds)"
    """The tip template used when no ``message`` is given."""
    _FIELDS = ("rule", "action", "Action", "operation")

    def __init__(
        self, rule: Callable[[E_contra], CheckReturn], *, message: str | None = None
    ) -> None:
        self.rule = callable_check(rule, "rule")
        self.operations: frozenset[Operation] = operations_of(rule)
        self.message = Template(self.DEFAULT_MESSAGE if message is None else message, self._FIELDS)

    def __repr__(self) -> str:
        return f"not_({self.rule!r})"

    def __call__(self, event: E_contra) -> Verdict:
        if not _run(self.rule, event).passed:
            return _PASS
        values = {**action_values(event), "rule": check_name(self.rule)}
        return Verdict.fail(self.message.render(values))

    @classmethod
    def from_dict(
        cls, config: Mapping[str, Any], *, timezone: Zone | None = None, clock: Clock | None = None
    ) -> Not[Any]:
        """Build from ``{"rule": {...}, "message": ...}``.

        Example:
            >>> from dataworks_ext.policies import Not
            >>> rule = Not.from_dict({"rule": {"type": "operator_denylist", "uids": ["1"]},
            ...                       "message": "{Action} is for listed accounts only"})
            >>> rule
            not_(OperatorDenylist(['1']))
        """
        reader = Reader(config, "not", ("rule", "message"))
        with under("rule"):
            rule = rule_from_config(reader.required("rule"), timezone=timezone, clock=clock)
        return cls(rule, message=reader.optional("message"))


@rule_type("when", supports=_supported_by_both)
class When(Generic[E_contra]):
    """Applies the rule only to events for which the condition passes; others pass.

    Built by :func:`when`.  Its ``operations`` are those of the rule.

    Example:
        >>> from dataworks_ext.policies import ProtectedNodes, When
        >>> rule = When(lambda event: event.operator != "1107550004253538", ProtectedNodes([7]))
        >>> sorted(rule.operations)
        ['freeze', 'unpublish']
    """

    def __init__(
        self,
        condition: Callable[[E_contra], CheckReturn],
        rule: Callable[[E_contra], CheckReturn],
    ) -> None:
        self.condition = callable_check(condition, "condition")
        self.rule = callable_check(rule, "rule")
        self.operations: frozenset[Operation] = operations_of(rule)

    def __repr__(self) -> str:
        return f"when({self.condition!r}, {self.rule!r})"

    def __call__(self, event: E_contra) -> Verdict:
        if not _run(self.condition, event).passed:
            return _PASS
        return _run(self.rule, event)

    @classmethod
    def from_dict(
        cls, config: Mapping[str, Any], *, timezone: Zone | None = None, clock: Clock | None = None
    ) -> When[Any]:
        """Build from ``{"condition": {...}, "rule": {...}}``, both rule mappings; the
        condition holds when that rule passes.

        Example:
            >>> from dataworks_ext.policies import When
            >>> When.from_dict({"condition": {"type": "operator_denylist", "uids": ["1"]},
            ...                 "rule": {"type": "backfill_limits", "max_days": 7}})
            when(OperatorDenylist(['1']), BackfillLimits(max_days=7))
        """
        reader = Reader(config, "when", ("condition", "rule"))
        with under("condition"):
            condition = rule_from_config(
                reader.required("condition"), timezone=timezone, clock=clock
            )
        with under("rule"):
            rule = rule_from_config(reader.required("rule"), timezone=timezone, clock=clock)
        return cls(condition, rule)


def all_of(*rules: Callable[[E], CheckReturn]) -> AllOf[E]:
    """One check that passes when every rule passes; the tips of all failing rules are joined.

    Example:
        >>> from dataworks_ext.policies import BackfillLimits, ProtectedNodes, all_of
        >>> from dataworks_ext.testing import backfill_event
        >>> rule = all_of(ProtectedNodes([7]), BackfillLimits(max_days=31))
        >>> print(rule(backfill_event(root_node_id=7, days=40).event).tip)
        Backfilling data is not allowed: protected nodes 7; The backfill covers 40 days; the limit is 31 days
    """  # noqa: E501
    return AllOf(*rules)


def any_of(*rules: Callable[[E], CheckReturn]) -> AnyOf[E]:
    """One check that passes when at least one rule passes.

    Example:
        >>> from dataworks_ext.policies import BackfillLimits, OperatorAllowlist, any_of
        >>> from dataworks_ext.testing import backfill_event
        >>> # platform admins may run backfills of any size; others up to 7 days
        >>> rule = any_of(OperatorAllowlist(["1107550004253538"]), BackfillLimits(max_days=7))
        >>> rule(backfill_event(days=30, operator="1107550004253538").event).passed
        True
        >>> rule(backfill_event(days=30, operator="2088000000000001").event).passed
        False
    """
    return AnyOf(*rules)


def not_(rule: Callable[[E], CheckReturn], *, message: str | None = None) -> Not[E]:
    """One check that fails when ``rule`` passes, with ``message`` as the tip.

    ``message`` is a template with ``{rule}`` (the rule's name), ``{action}``, ``{Action}``
    and ``{operation}``.

    Example:
        >>> from dataworks_ext import NodeEvent
        >>> from dataworks_ext.policies import not_
        >>> from dataworks_ext.testing import freeze_event
        >>> def is_sandbox(event: NodeEvent) -> bool:
        ...     return event.project_id == 50001
        >>> rule = not_(is_sandbox, message="{Action} is only allowed in the sandbox")
        >>> rule(freeze_event(project_id=23393).event).passed
        True
        >>> rule(freeze_event(project_id=50001).event).tip
        'Freezing nodes is only allowed in the sandbox'
    """
    return Not(rule, message=message)


def when(condition: Callable[[E], CheckReturn], rule: Callable[[E], CheckReturn]) -> When[E]:
    """One check that applies ``rule`` only where ``condition`` passes (returns true).

    Example:
        >>> from dataworks_ext import BackfillEvent
        >>> from dataworks_ext.policies import BackfillLimits, when
        >>> from dataworks_ext.testing import backfill_event
        >>> def descending(event: BackfillEvent) -> bool:
        ...     return event.order.value == "desc"
        >>> rule = when(descending, BackfillLimits(max_days=7))
        >>> rule(backfill_event(days=30, order="asc").event).passed
        True
        >>> rule(backfill_event(days=30, order="desc").event).passed
        False
    """
    return When(condition, rule)
