"""Building rules and whole registries from plain mappings (JSON, YAML, TOML, your own)."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from ..errors import ConfigurationError
from ..registry import Registry
from ._common import (
    EVENT_FOR_OPERATION,
    Operation,
    Reader,
    config_error,
    describe,
    normalize_type,
    operation_set,
    operations_of,
    sorted_operations,
    under,
)
from ._time import Clock, time_zone
from ._types import lookups_for_config, rule_from_config, supported_operations

if TYPE_CHECKING:
    from ..lookups import Lookups

__all__ = ["from_config", "register"]

_ENTRY_KEYS = ("on", "name", "mode")
_MODES = {"enforce": True, "report": False}


def register(
    registry: Registry,
    rule: Callable[[Any], Any],
    *,
    on: Iterable[Operation] | Operation | None = None,
    name: str | None = None,
    enforce: bool = True,
) -> Registry:
    """Register a rule for several operations at once; returns the registry.

    ``enforce=False`` registers it report-only: it runs and what it would have answered is
    recorded (audit trail, metrics, log), but the verdict sent ignores it.

    ``on`` is an operation or a list of them: node operations (``"freeze"``, ...),
    DataStudio's (``"commit"``, ``"deploy"``) or instance operations (``"kill-instance"``,
    ...: :data:`~dataworks_ext.policies.INSTANCE_OPERATIONS`).  It defaults to the rule's
    ``operations`` (:class:`ProtectedNodes`: freeze and unpublish; :class:`BackfillLimits`:
    backfill; the other built-in rules: the four node operations), or, for a rule without
    that attribute, to the operations its rule type supports.  Unlike the
    decorators, this is not type-checked per event, but a rule given an operation whose
    events its rule type cannot take (:func:`supported_operations`) raises
    :class:`~dataworks_ext.ConfigurationError`.

    Example:
        >>> from dataworks_ext import Registry
        >>> from dataworks_ext.policies import ProtectedNodes, register
        >>> reg = register(Registry(), ProtectedNodes([700005966962]),
        ...                on=["freeze", "unpublish", "backfill"], name="protected-nodes")
        >>> reg
        Registry(FreezeNodeEvent=1, UnpublishNodeEvent=1, BackfillEvent=1)
        >>> from dataworks_ext.policies import OperatorDenylist
        >>> register(Registry(), OperatorDenylist(["2088000000000001"]),
        ...          on=["kill-instance", "rerun-instance"])
        Registry(PreRerunInstanceEvent=1, PreKillInstanceEvent=1)
    """
    if not isinstance(registry, Registry):
        raise config_error("registry", f"must be a Registry, got {type(registry).__name__}")
    if not callable(rule):
        raise config_error("rule", f"must be a check (a callable), got {type(rule).__name__}")
    if on is not None:
        operations = operation_set(on, "on")
    elif isinstance(getattr(rule, "operations", None), frozenset):
        operations = operations_of(rule)
    else:
        operations = supported_operations(rule)
    supported = supported_operations(rule)
    refused = operations - supported
    if refused:
        what = ", ".join(sorted_operations(refused))
        able = ", ".join(sorted_operations(supported)) or "no operation's"
        raise config_error(
            "on", f"{type(rule).__name__} cannot check {what} events (it checks {able} events)"
        )
    for operation in sorted_operations(operations):
        registry.add(EVENT_FOR_OPERATION[operation], rule, name=name, enforce=enforce)
    return registry


def from_config(
    config: Mapping[str, Any],
    *,
    registry: Registry | None = None,
    clock: Clock | None = None,
    lookups: Lookups | None = None,
) -> Registry:
    """Build a :class:`~dataworks_ext.Registry` from one mapping of rules.

    The mapping has ``rules``, a list of rule mappings, and optionally ``timezone``, the
    default time zone of windows.  Each rule mapping has a ``type`` (see
    :data:`RULE_TYPES`, extended with :func:`rule_type`), the keys of that rule's ``from_dict``, and optionally ``on`` (the
    operations to register it for, else the rule's default) and ``name`` (the check's name in
    logs, else its type) and ``mode`` (``enforce`` or ``report``: a report-only rule runs and
    is recorded, but does not count in the verdict; default: the top-level ``mode``, else
    ``enforce``).  Mistakes raise :class:`~dataworks_ext.ConfigurationError` naming
    the key, such as ``rules[1].max_days``.

    Args:
        config: The mapping, as loaded from your JSON, YAML or TOML.
        registry: Register into this registry instead of a new one.
        clock: The clock of every change-freeze window (for tests).
        lookups: The :class:`~dataworks_ext.lookups.Lookups` of the rules that look nodes
            up (``owner_only``, ``protected_baselines``, ``protected_nodes`` with ``where``).

    Example:
        >>> from dataworks_ext.policies import from_config
        >>> reg = from_config({
        ...     "timezone": "Asia/Shanghai",
        ...     "rules": [
        ...         {"type": "protected_nodes", "node_ids": [700005966962],
        ...          "on": ["freeze", "unpublish", "backfill"]},
        ...         {"type": "backfill_limits", "max_days": 31, "max_nodes": 500},
        ...         {"type": "change_freeze_window", "windows": [{"type": "month_end"}],
        ...          "on": ["freeze", "restore", "unpublish"]},
        ...     ],
        ... })
        >>> reg
        Registry(FreezeNodeEvent=2, RestoreNodeEvent=1, UnpublishNodeEvent=2, BackfillEvent=2)
        >>> from_config({"rules": [{"type": "backfill_limits", "max_days": 0}]})
        Traceback (most recent call last):
        ...
        dataworks_ext.errors.ConfigurationError: rules[0].max_days: must be a whole number of at least 1, or None; got 0
    """  # noqa: E501
    reader = Reader(config, "policies", ("timezone", "rules", "mode"))
    mode = _mode(reader.optional("mode"), True)
    zone = reader.optional("timezone")
    if zone is not None:
        zone = time_zone(zone, "timezone")
    entries = reader.required("rules")
    if isinstance(entries, (str, Mapping)) or not isinstance(entries, Iterable):
        raise config_error("rules", f"must be a list of rules, got {describe(entries)}")
    target = Registry() if registry is None else registry
    staged = Registry()  # a mistake in rules[3] must not leave rules[0:3] registered
    with lookups_for_config(lookups):
        for index, entry in enumerate(entries):
            with under(f"rules[{index}]"):
                _register_entry(staged, entry, zone, clock, mode)
    target.include(staged)
    return target


def _mode(value: object, default: bool) -> bool:
    """``enforce`` / ``report`` as the ``enforce`` flag (``default`` when ``None``)."""
    if value is None:
        return default
    if not isinstance(value, str) or value.strip().lower() not in _MODES:
        raise config_error("mode", f"must be 'enforce' or 'report', got {describe(value)}")
    return _MODES[value.strip().lower()]


def _register_entry(
    registry: Registry,
    entry: object,
    zone: _dt.tzinfo | None,
    clock: Clock | None,
    enforce: bool = True,
) -> None:
    if not isinstance(entry, Mapping):
        raise ConfigurationError(
            f"a rule must be a mapping with a 'type', got {type(entry).__name__}"
        )
    body = {key: value for key, value in entry.items() if key not in _ENTRY_KEYS}
    rule = rule_from_config(body, timezone=zone, clock=clock)
    name = entry.get("name")
    if name is None:
        name = normalize_type(entry["type"])
    elif not isinstance(name, str) or not name.strip():
        raise config_error("name", f"must be a non-empty string, got {describe(name)}")
    register(
        registry, rule, on=entry.get("on"), name=name, enforce=_mode(entry.get("mode"), enforce)
    )
