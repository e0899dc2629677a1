"""What the rules share: operations, tips, verdict conversion, and configuration checking."""

from __future__ import annotations

import contextlib
import string
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, Literal, Union, cast

from ..errors import ConfigurationError
from ..events import EventKind, ExtensionPoint, Module, event_kinds

if TYPE_CHECKING:
    from ..events import (
        BackfillEvent,
        CommitFileEvent,
        DeployFileEvent,
        FreezeNodeEvent,
        InstanceOperationEvent,
        RestoreNodeEvent,
        UnpublishNodeEvent,
    )
from ..verdicts import Verdict

# No __all__: the public names are listed once, in :mod:`dataworks_ext.policies`.

# BEGIN GENERATED operations (scripts/generate_registry.py from EVENT_KINDS; do not edit)
Operation = Literal[
    "freeze",
    "restore",
    "unpublish",
    "backfill",
    "commit",
    "deploy",
    "freeze-instance",
    "unfreeze-instance",
    "rerun-instance",
    "set-instance-success",
    "kill-instance",
]
"""An operation a rule can be registered for, in the user's words: ``"freeze"``, ``"restore"``,
``"unpublish"``, ``"backfill"``, ``"commit"``, ``"deploy"``, ``"freeze-instance"``,
``"unfreeze-instance"``, ``"rerun-instance"``, ``"set-instance-success"``, ``"kill-instance"``."""
# END GENERATED operations

OperationEvent = Union[
    "FreezeNodeEvent",
    "RestoreNodeEvent",
    "UnpublishNodeEvent",
    "BackfillEvent",
    "CommitFileEvent",
    "DeployFileEvent",
    "InstanceOperationEvent",
]
"""An event of an operation: what the rules governing any operation take."""


# The operations are read from the table of event kinds: each row's ``operation``, its
# event and how a tip words it (``action``).
def _group(kind: EventKind) -> int:  # node operations, DataStudio's, then the instances'
    if kind.module is Module.DATASTUDIO:
        return 1
    return 2 if kind.extension_point is ExtensionPoint.INSTANCE_OPERATIONS else 0


_KINDS = tuple(sorted((k for k in event_kinds() if k.operation is not None), key=_group))
_NODE_POINTS = (
    ExtensionPoint.FREEZE_AND_RESTORE,
    ExtensionPoint.UNPUBLISH,
    ExtensionPoint.BACKFILL,
)

EVENT_FOR_OPERATION: Mapping[Operation, type[OperationEvent]] = {
    cast("Operation", kind.operation): kind.cls for kind in _KINDS
}
"""The event class of each operation."""


def _operations(*, point: ExtensionPoint | None = None, module: Module | None = None) -> Any:
    return frozenset(
        kind.operation
        for kind in _KINDS
        if (point is None or kind.extension_point is point)
        and (module is None or kind.module is module)
        and (point is not None or module is not None)
    )


ALL_OPERATIONS: frozenset[Operation] = frozenset().union(
    *(_operations(point=point) for point in _NODE_POINTS)
)
"""The four Operation Center node operations (freeze, restore, unpublish, backfill): what a
rule governs unless told otherwise (a rule governs DataStudio's commits and deployments, or
the instance operations, only when registered for them)."""

DATASTUDIO_OPERATIONS: frozenset[Operation] = _operations(module=Module.DATASTUDIO)
"""DataStudio's file commits and deployments (``commit-file``, ``deploy-file``)."""

INSTANCE_OPERATIONS: frozenset[Operation] = _operations(point=ExtensionPoint.INSTANCE_OPERATIONS)
"""Operation Center's instance operations (``pre-freeze-instance``, ``pre-unfreeze-instance``,
``pre-rerun-instance``, ``pre-set-instance-success``, ``pre-kill-instance``).

Example:
    >>> from dataworks_ext.policies import EVENT_FOR_OPERATION, INSTANCE_OPERATIONS
    >>> sorted(EVENT_FOR_OPERATION[op].event_code for op in INSTANCE_OPERATIONS)[:2]
    ['pre-freeze-instance', 'pre-kill-instance']
"""

EVERY_OPERATION: frozenset[Operation] = frozenset(EVENT_FOR_OPERATION)
"""Every operation a rule can be registered for."""

_ORDER: tuple[Operation, ...] = tuple(EVENT_FOR_OPERATION)
_BY_CODE: Mapping[str, Operation] = {
    kind.event_code: cast("Operation", kind.operation) for kind in _KINDS
}
_GERUND: Mapping[Operation, str] = {
    cast("Operation", kind.operation): kind.action or kind.title for kind in _KINDS
}
_PASS = Verdict.ok()


def operation_of(event: object) -> Operation | None:
    """The operation an event announces, or ``None`` for anything else.

    Example:
        >>> from dataworks_ext.policies import operation_of
        >>> from dataworks_ext.testing import restore_event
        >>> operation_of(restore_event().event)
        'restore'
    """
    code = getattr(type(event), "event_code", None)
    return _BY_CODE.get(code) if isinstance(code, str) else None


def operations_of(rule: object) -> frozenset[Operation]:
    """The operations a rule is meant for: its ``operations`` attribute, else all four.

    Example:
        >>> from dataworks_ext.policies import BackfillLimits, operations_of
        >>> sorted(operations_of(BackfillLimits(max_days=31)))
        ['backfill']
        >>> sorted(operations_of(lambda event: True))
        ['backfill', 'freeze', 'restore', 'unpublish']
    """
    ops = getattr(rule, "operations", None)
    if isinstance(ops, frozenset):
        return ops
    return ALL_OPERATIONS


def sorted_operations(ops: Iterable[Operation]) -> list[Operation]:
    """Operations in the order of :data:`EVENT_FOR_OPERATION` (freeze, ..., kill-instance)."""
    wanted = set(ops)
    return [op for op in _ORDER if op in wanted]


def action_values(event: object) -> dict[str, str]:
    """The ``{operation}``, ``{action}`` and ``{Action}`` values of a tip template."""
    op = operation_of(event)
    action = _GERUND[op] if op else "this operation"
    return {
        "operation": op or "operation",
        "action": action,
        "Action": action[:1].upper() + action[1:],
    }


def check_name(fn: object) -> str:
    """The name a check goes by in tips: its qualified name, else its class name.

    Example:
        >>> from dataworks_ext.policies import ProtectedNodes, check_name
        >>> def no_fridays(event): return True
        >>> check_name(no_fridays), check_name(ProtectedNodes([1]))
        ('no_fridays', 'ProtectedNodes')
    """
    name = getattr(fn, "__qualname__", None) or getattr(fn, "__name__", None)
    return str(name) if name else type(fn).__name__


def to_verdict(result: object, name: str = "check") -> Verdict:
    """Turn what a check returned into a :class:`~dataworks_ext.Verdict`.

    ``True`` and ``None`` pass; ``False`` fails with a tip naming the check (as
    :class:`~dataworks_ext.Extension` does).  The combinators take synchronous checks only: an
    awaitable raises :class:`TypeError`, as does any other value.

    Example:
        >>> from dataworks_ext import Verdict
        >>> from dataworks_ext.policies import to_verdict
        >>> to_verdict(None).passed, to_verdict(Verdict.fail("no")).tip
        (True, 'no')
        >>> to_verdict(False, "weekday-only").tip
        "Check 'weekday-only' refused the operation"
    """
    if result is None or result is True:
        return _PASS
    if result is False:
        return Verdict.fail(f"Check '{name}' refused the operation")
    if isinstance(result, Verdict):
        return result
    if hasattr(result, "__await__"):
        close = getattr(result, "close", None)
        if callable(close):
            close()  # no "coroutine was never awaited" warning
        raise TypeError(
            f"check '{name}' is asynchronous; the policy combinators take synchronous checks "
            "(register async checks with the registry's decorators instead)"
        )
    raise TypeError(
        f"check '{name}' returned {type(result).__name__}; "
        "expected a Verdict, True/None (pass) or False (fail)"
    )


# ---------------------------------------------------------------------- configuration errors


def config_error(key: str, reason: str) -> ConfigurationError:
    """A ConfigurationError whose text starts with the offending key."""
    return ConfigurationError(f"{key}: {reason}")


@contextlib.contextmanager
def under(prefix: str) -> Iterator[None]:
    """Prefix the key of any ConfigurationError raised inside with ``prefix``.

    ``under("rules[0]")`` turns ``max_days: ...`` into ``rules[0].max_days: ...``,
    ``[1].start: ...`` into ``rules[0][1].start: ...``, and a text about the whole value
    (``the configuration of ... must be a mapping``) into ``rules[0]: the configuration ...``.
    """
    try:
        yield
    except ConfigurationError as exc:
        text = str(exc)
        head = 0
        while head < len(text) and (text[head].isalnum() or text[head] == "_"):
            head += 1
        if text.startswith("["):
            joined = f"{prefix}{text}"
        elif head and text[head : head + 1] in (":", ".", "["):
            joined = f"{prefix}.{text}"
        else:
            joined = f"{prefix}: {text}"
        raise ConfigurationError(joined) from None


def describe(value: object) -> str:
    """A short rendering of a configured value for an error text."""
    text = repr(value)
    return text if len(text) <= 60 else f"{text[:57]}..."


class Reader:
    """Reads one mapping of configuration, rejecting unknown keys (with a suggestion)."""

    def __init__(self, config: object, kind: str, keys: Iterable[str]) -> None:
        if not isinstance(config, Mapping):
            raise ConfigurationError(
                f"the configuration of {kind} must be a mapping, got {type(config).__name__}"
            )
        allowed = tuple(keys)
        declared = config.get("type")
        if declared is not None and normalize_type(declared) != kind:
            raise config_error("type", f"this is the configuration of {kind}, not {declared!r}")
        for key in config:
            if key == "type":
                continue
            if not isinstance(key, str) or key not in allowed:
                import difflib  # only on a mistake

                close = difflib.get_close_matches(str(key), allowed, n=1)
                hint = f"; did you mean {close[0]!r}?" if close else ""
                raise config_error(
                    str(key), f"unknown key for {kind}{hint} (known: {', '.join(allowed)})"
                )
        self.config: Mapping[str, Any] = config
        self.kind = kind

    def __contains__(self, key: str) -> bool:
        return key in self.config

    def required(self, key: str) -> Any:
        if key not in self.config:
            raise config_error(key, f"missing: {self.kind} needs it")
        return self.config[key]

    def optional(self, key: str, default: Any = None) -> Any:
        value = self.config.get(key, default)
        return default if value is None else value


def normalize_type(value: object) -> str:
    """``"Backfill-Limits"`` and ``"backfill_limits"`` name the same rule type."""
    return str(value).strip().lower().replace("-", "_").replace(" ", "_")


# ---------------------------------------------------------------------- value checking


def as_list(value: object, key: str, what: str) -> list[Any]:
    if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, Iterable):
        raise config_error(key, f"must be a list of {what}, got {describe(value)}")
    return list(value)


def node_id_set(value: object, key: str) -> frozenset[int]:
    """Ids as a frozenset; ints or decimal strings, as DataWorks sends them."""
    ids: set[int] = set()
    for index, item in enumerate(as_list(value, key, "node ids")):
        ids.add(whole_id(item, f"{key}[{index}]"))
    return frozenset(ids)


def whole_id(item: object, key: str) -> int:
    """One id: a non-negative int or a decimal string."""
    if isinstance(item, str) and item.strip().isdigit():
        return int(item.strip())
    if isinstance(item, int) and not isinstance(item, bool) and item >= 0:
        return item
    raise config_error(key, f"must be an id (a whole number), got {describe(item)}")


def uid_set(value: object, key: str) -> frozenset[str]:
    """Account UIDs as strings; numbers (as YAML reads long UIDs) are accepted."""
    uids: set[str] = set()
    for index, item in enumerate(as_list(value, key, "account UIDs")):
        if isinstance(item, int) and not isinstance(item, bool) and item >= 0:
            uids.add(str(item))
        elif isinstance(item, str) and item.strip():
            uids.add(item.strip())
        else:
            raise config_error(
                f"{key}[{index}]", f"must be an account UID (a string), got {describe(item)}"
            )
    return frozenset(uids)


def positive_int(value: object, key: str) -> int | None:
    """``None``, or a whole number of at least 1."""
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool) and value >= 1:
        return value
    raise config_error(key, f"must be a whole number of at least 1, or None; got {describe(value)}")


def boolean(value: object, key: str) -> bool:
    if isinstance(value, bool):
        return value
    raise config_error(key, f"must be true or false, got {describe(value)}")


def operation_set(value: object, key: str) -> frozenset[Operation]:
    """``"freeze"`` or a list of operations (``kill_instance`` and ``kill-instance`` alike)."""
    items = [value] if isinstance(value, str) else as_list(value, key, "operations")
    ops: set[Operation] = set()
    for index, item in enumerate(items):
        name = str(item).strip().lower().replace("_", "-") if isinstance(item, str) else None
        if name not in EVENT_FOR_OPERATION:
            where = key if isinstance(value, str) else f"{key}[{index}]"
            raise config_error(
                where, f"unknown operation {describe(item)}; the operations are {', '.join(_ORDER)}"
            )
        ops.add(name)  # type: ignore[arg-type]  # checked against the table just above
    if not ops:
        raise config_error(key, "must name at least one operation")
    return frozenset(ops)


def callable_check(value: object, key: str) -> Callable[[Any], object]:
    if not callable(value):
        raise config_error(key, f"must be a check (a callable), got {type(value).__name__}")
    return value


# ---------------------------------------------------------------------- tip templates


class Template:
    """A tip template: ``str.format`` fields limited to the documented placeholders."""

    __slots__ = ("fields", "text")

    def __init__(self, text: object, fields: Iterable[str], key: str = "message") -> None:
        known = tuple(fields)
        if not isinstance(text, str) or not text.strip():
            raise config_error(key, f"must be a non-empty string, got {describe(text)}")
        try:
            parsed = list(string.Formatter().parse(text))
        except ValueError as exc:
            raise config_error(key, f"is not a valid template ({exc}); write {{{{ for {{") from None
        for _, field, _, _ in parsed:
            if field is not None and field not in known:
                placeholders = ", ".join("{" + f + "}" for f in known)
                raise config_error(
                    key, f"unknown placeholder {{{field}}}; the placeholders are {placeholders}"
                )
        try:
            text.format_map(dict.fromkeys(known, "x"))
        except (ValueError, IndexError, KeyError) as exc:
            raise config_error(key, f"is not a valid template ({exc})") from None
        self.text = text
        self.fields = known

    def __repr__(self) -> str:
        return repr(self.text)

    def render(self, values: Mapping[str, str]) -> str:
        return self.text.format_map(values)


def id_list(ids: Iterable[int | str], limit: int = 20) -> str:
    """``"1, 2, 3"``, or the first ``limit`` ids ``"and N more"``."""
    shown = list(ids)
    text = ", ".join(str(i) for i in shown[:limit])
    if len(shown) > limit:
        text += f" and {len(shown) - limit} more"
    return text
