"""Rule types: the configuration name of each rule class, and the operations it can check.

A rule class registers itself with :func:`rule_type` (the built-in ones where they are
defined, a team's own the same way); :func:`rule_from_config` builds a rule from the mapping
whose ``type`` names it, and :func:`supported_operations` tells
:func:`~dataworks_ext.policies.register` which events a rule can take.  This module imports
no rule, so the rules (and the combinators, which build their inner rules from mappings) can
import it without a cycle.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as _dt
from collections.abc import Callable, Iterable, Iterator, Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, TypeVar

from ..errors import ConfigurationError
from ..verdicts import Verdict
from ._common import (
    ALL_OPERATIONS,
    Operation,
    config_error,
    describe,
    normalize_type,
    operation_set,
)

if TYPE_CHECKING:
    from ..lookups import Lookups

__all__ = [
    "RULE_TYPES",
    "Rule",
    "configured_lookups",
    "lookups_for_config",
    "rule_from_config",
    "rule_type",
    "supported_operations",
]

Rule = Callable[[Any], Verdict]
"""A ready-made rule or combination: a check taking the event and returning a Verdict."""

Supports = Callable[[Any], frozenset[Operation]]
T = TypeVar("T", bound=type)

_BY_NAME: dict[str, type] = {}
_SUPPORTS: dict[type, Supports] = {}

RULE_TYPES: Mapping[str, type] = MappingProxyType(_BY_NAME)
"""The ``type`` of each rule mapping, and the class that reads it (its ``from_dict``): the
built-in rule types and those registered with :func:`~dataworks_ext.policies.rule_type`.

Example:
    >>> from dataworks_ext.policies import RULE_TYPES
    >>> RULE_TYPES["backfill_limits"].__name__
    'BackfillLimits'
"""


def rule_type(
    name: str,
    *,
    supports: Iterable[Operation] | Operation | Supports | None = None,
    replace: bool = False,
) -> Callable[[T], T]:
    """Register a rule class under its configuration name, for :func:`from_config`.

    The class needs a ``from_dict(config, *, timezone=None, clock=None)`` classmethod that
    builds it from the rule's mapping (without the ``type``, ``on`` and ``name`` keys);
    ``timezone`` is the configuration's default time zone and ``clock`` the clock given to
    :func:`~dataworks_ext.policies.from_config`: ignore them if the rule keeps no time.

    Args:
        name: The ``type`` that names the rule in a configuration (``-`` and ``_`` alike,
            any case).
        supports: The operations whose events the rule can take (``"backfill"``, a list of
            them, or a function of the rule returning them, for rules that wrap others or
            take more events in some configurations); default the four node operations.
            A rule that needs only the operator, the workspace or the time can take every
            operation (:data:`~dataworks_ext.policies.EVERY_OPERATION`).  :func:`~dataworks_ext.policies.register` and
            :func:`~dataworks_ext.policies.from_config` refuse the others.
        replace: Replace a rule type already registered under ``name`` by another class;
            without it, that is a :class:`~dataworks_ext.ConfigurationError` (a class defined
            again at the same place, as when its module is reloaded, replaces it anyway).

    Example:
        >>> from dataworks_ext import BackfillEvent, Verdict
        >>> from dataworks_ext.policies import from_config, rule_type
        >>> @rule_type("max_nodes", supports="backfill")
        ... class MaxNodes:
        ...     def __init__(self, limit: int) -> None:
        ...         self.limit = limit
        ...     def __call__(self, event: BackfillEvent) -> Verdict:
        ...         if len(event.include_node_ids) > self.limit:
        ...             return Verdict.fail(f"backfill at most {self.limit} nodes at once")
        ...         return Verdict.ok()
        ...     @classmethod
        ...     def from_dict(cls, config, *, timezone=None, clock=None):
        ...         return cls(int(config["limit"]))
        >>> from_config({"rules": [{"type": "max_nodes", "limit": 100, "on": "backfill"}]})
        Registry(BackfillEvent=1)
        >>> from_config({"rules": [{"type": "max_nodes", "limit": 100, "on": "freeze"}]})
        Traceback (most recent call last):
        ...
        dataworks_ext.errors.ConfigurationError: rules[0].on: MaxNodes cannot check freeze events (it checks backfill events)
    """  # noqa: E501
    if not isinstance(name, str) or not normalize_type(name):
        raise ConfigurationError(f"a rule type's name must be a non-empty string, got {name!r}")
    key = normalize_type(name)
    if supports is None:
        decide: Supports = _all_operations
    elif callable(supports):
        decide = supports
    else:
        fixed = operation_set(supports, "supports")

        def decide(rule: Any) -> frozenset[Operation]:
            return fixed

    def register_type(cls: T) -> T:
        if not isinstance(cls, type) or not callable(getattr(cls, "from_dict", None)):
            raise ConfigurationError(
                f"rule type {key!r}: register a class with a from_dict classmethod, "
                f"got {describe(cls)}"
            )
        known = _BY_NAME.get(key)
        redefined = known is not None and _where(known) == _where(cls)  # a reloaded module
        if known is not None and known is not cls and not (replace or redefined):
            raise ConfigurationError(
                f"rule type {key!r} is already registered ({known.__qualname__}); "
                "choose another name or pass replace=True"
            )
        if known is not None:
            _SUPPORTS.pop(known, None)
        _BY_NAME[key] = cls
        _SUPPORTS[cls] = decide
        return cls

    return register_type


def _where(cls: type) -> tuple[str, str]:
    return cls.__module__, cls.__qualname__


def _all_operations(rule: Any) -> frozenset[Operation]:
    return ALL_OPERATIONS


def supported_operations(rule: object) -> frozenset[Operation]:
    """The operations whose events ``rule`` can take: what its rule type says, else all four.

    Example:
        >>> from dataworks_ext.policies import BackfillLimits, ProtectedNodes, all_of
        >>> from dataworks_ext.policies import supported_operations
        >>> sorted(supported_operations(all_of(ProtectedNodes([1]), BackfillLimits(max_days=7))))
        ['backfill']
        >>> sorted(supported_operations(lambda event: True))
        ['backfill', 'freeze', 'restore', 'unpublish']
    """
    for klass in type(rule).__mro__:
        decide = _SUPPORTS.get(klass)
        if decide is not None:
            return decide(rule)
    return ALL_OPERATIONS


def rule_from_config(
    config: Mapping[str, Any],
    *,
    timezone: str | _dt.tzinfo | None = None,
    clock: Callable[[], _dt.datetime] | None = None,
    lookups: Lookups | None = None,
) -> Rule:
    """Build one rule from a mapping whose ``type`` names it (see :data:`RULE_TYPES`).

    ``timezone`` is the default time zone of windows that name none; ``clock`` goes to every
    :class:`~dataworks_ext.policies.ChangeFreezeWindow`; ``lookups`` (a
    :class:`~dataworks_ext.lookups.Lookups`) to every rule that looks nodes up.

    Example:
        >>> from dataworks_ext.policies import rule_from_config
        >>> rule_from_config({"type": "in_workspaces", "project_ids": [23393],
        ...                   "rule": {"type": "protected_nodes", "node_ids": [700005966962]}})
        InWorkspaces([23393], ProtectedNodes([700005966962]))
    """
    if not isinstance(config, Mapping):
        raise ConfigurationError(
            f"a rule must be a mapping with a 'type', got {type(config).__name__}"
        )
    known = ", ".join(sorted(_BY_NAME))
    if "type" not in config:
        raise config_error("type", f"missing: one of {known}")
    key = normalize_type(config["type"])
    cls = _BY_NAME.get(key)
    if cls is None:
        import difflib

        close = difflib.get_close_matches(key, _BY_NAME, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise config_error(
            "type", f"unknown rule type {describe(config['type'])}{hint} (known: {known})"
        )
    with lookups_for_config(lookups):
        rule: Rule = cls.from_dict(config, timezone=timezone, clock=clock)  # type: ignore[attr-defined]
    return rule


_CONFIG_LOOKUPS: contextvars.ContextVar[Lookups | None] = contextvars.ContextVar(
    "dataworks_ext_policies_lookups", default=None
)


@contextlib.contextmanager
def lookups_for_config(lookups: Lookups | None) -> Iterator[None]:
    """Give the node rules built from configuration inside the block ``lookups``
    (:func:`~dataworks_ext.policies.from_config` does this with its ``lookups`` keyword).

    Example:
        >>> from dataworks_ext import CallbackClient, Lookups
        >>> from dataworks_ext.policies import configured_lookups, lookups_for_config
        >>> lookups = Lookups(CallbackClient(region_id="cn-shanghai"))
        >>> with lookups_for_config(lookups):
        ...     configured_lookups("owner_only") is lookups
        True
    """
    if lookups is None:
        yield
        return
    token = _CONFIG_LOOKUPS.set(lookups)
    try:
        yield
    finally:
        _CONFIG_LOOKUPS.reset(token)


def configured_lookups(kind: str) -> Lookups:
    """The lookups given to the configuration being read, for a rule of type ``kind``.

    Example:
        >>> from dataworks_ext.policies import configured_lookups
        >>> configured_lookups("owner_only")
        Traceback (most recent call last):
        ...
        dataworks_ext.errors.ConfigurationError: type: owner_only looks nodes up in DataWorks: pass lookups=Lookups(client) to from_config
    """  # noqa: E501
    lookups = given_lookups()
    if lookups is None:
        raise config_error(
            "type",
            f"{kind} looks nodes up in DataWorks: pass lookups=Lookups(client) to from_config",
        )
    return lookups


def given_lookups() -> Lookups | None:
    """The lookups given to the configuration being read, if any (for rules that look up
    only some events, such as ``protected_nodes`` by ids on instance events)."""
    return _CONFIG_LOOKUPS.get()
