"""The one configured cattrs converter between wire payloads and the event models.

Renames are generated from the field names (camelCase, or a field's ``wire`` metadata), the
structure and unstructure functions are compiled once at import, and the primitive hooks are
strict where a lenient reading would be dangerous (``"false"`` is not ``True``, ``"1,2"`` is
not a list of node ids) and lenient where DataWorks is (ids as decimal strings).
"""

from __future__ import annotations

import datetime as _dt
import json
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import attrs
from cattrs import Converter
from cattrs.errors import ClassValidationError, IterableValidationError
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

from .errors import _quote
from .events import (
    EVENT_KINDS,
    BackfillOrder,
    BizPeriod,
    ExtensionEvent,
    wire_name,
)

T = TypeVar("T")

#: Where unknown payload fields are handed to the generated structure function.
_EXTRA_KEY = "\x00extra"


class FieldProblem(Exception):
    """A payload field could not be structured: ``path`` (wire names) and ``reason``."""

    def __init__(self, reason: str, path: str = "") -> None:
        self.reason = reason
        self.path = path
        super().__init__(reason)


def _int(value: Any, _: Any = None) -> int:
    if type(value) is int:
        return value
    if type(value) is str:
        text = value.strip()
        digits = text[1:] if text[:1] in "+-" else text
        if digits.isascii() and digits.isdigit():
            return int(text)
    raise FieldProblem(f"expected an integer or a decimal string, got {_quote(value)}")


def _str(value: Any, _: Any = None) -> str:
    if type(value) is str:
        return value
    if type(value) is int:
        return str(value)
    raise FieldProblem(f"expected a string, got {_quote(value)}")


_BOOL_WORDS = {"true": True, "false": False}


def _bool(value: Any, _: Any = None) -> bool:
    if value is True or value is False:
        return value
    if type(value) is str and value.lower() in _BOOL_WORDS:
        return _BOOL_WORDS[value.lower()]
    raise FieldProblem(f"expected true or false, got {_quote(value)}")


def _id_tuple(value: Any, _: Any = None) -> tuple[int, ...]:
    if type(value) is list or type(value) is tuple:
        if not value or set(map(type, value)) == {int}:
            return tuple(value)
        out = []
        for index, item in enumerate(value):
            try:
                out.append(_int(item))
            except FieldProblem as exc:
                raise FieldProblem(exc.reason, f"[{index}]") from None
        return tuple(out)
    if isinstance(value, str):
        raise FieldProblem(f"expected a JSON array of ids, got a string {_quote(value)}")
    raise FieldProblem(f"expected a JSON array of ids, got {_quote(value)}")


def _date(value: Any, _: Any = None) -> _dt.date:
    if type(value) is str and (len(value) == 10 or (len(value) > 10 and value[10] in " T")):
        try:
            return _dt.date.fromisoformat(value[:10])
        except ValueError:
            pass
    raise FieldProblem(f"expected a date YYYY-MM-DD, got {_quote(value)}")


def _order(value: Any, _: Any = None) -> BackfillOrder:
    if type(value) is str:
        try:
            return BackfillOrder(value.lower())
        except ValueError:
            pass
    raise FieldProblem(f"expected 'asc' or 'desc', got {_quote(value)}")


def _mapping(value: Any, _: Any = None) -> Mapping[str, Any]:
    return value  # type: ignore[no-any-return]


def _periods(value: Any, _: Any = None) -> tuple[BizPeriod, ...]:
    decoded = value
    if isinstance(value, str):
        try:
            decoded = json.loads(value)
        except json.JSONDecodeError as exc:
            raise FieldProblem(
                f"is a string that should hold a JSON array of periods, but {exc.msg} "
                f"at character {exc.pos}: {_quote(value)}"
            ) from None
        except RecursionError:
            raise FieldProblem("holds JSON nested too deeply") from None
    if type(decoded) is not list:
        raise FieldProblem(f"expected a JSON array of periods, got {_quote(value)}")
    periods = []
    for index, item in enumerate(decoded):
        if type(item) is not dict:
            raise FieldProblem(f"expected a period object, got {_quote(item)}", f"[{index}]")
        try:
            periods.append(_structure_period(item, BizPeriod))
        except FieldProblem as exc:
            raise FieldProblem(exc.reason, f"[{index}]{exc.path}") from None
    return tuple(periods)


converter = Converter(detailed_validation=True, forbid_extra_keys=False)
"""The configured converter.  Prefer :func:`structure_event` and :func:`unstructure_event`."""

for _cls_hook in (
    (int, _int),
    (str, _str),
    (bool, _bool),
    (_dt.date, _date),
    (BackfillOrder, _order),
):
    converter.register_structure_hook(*_cls_hook)


def _is(expected: Any) -> Callable[[Any], bool]:
    return lambda t: bool(t == expected)


# Parametrised generics dispatch by predicate.
for _generic, _hook in (
    (tuple[int, ...], _id_tuple),
    (tuple[BizPeriod, ...], _periods),
    (Mapping[str, Any], _mapping),
):
    converter.register_structure_hook_func(_is(_generic), _hook)

converter.register_unstructure_hook(_dt.date, _dt.date.isoformat)
converter.register_unstructure_hook(BackfillOrder, lambda order: order.value)
converter.register_unstructure_hook_func(lambda t: t == tuple[int, ...], list)
converter.register_unstructure_hook_func(
    lambda t: t == tuple[BizPeriod, ...],
    lambda periods: json.dumps(
        [converter.unstructure(p, BizPeriod) for p in periods], separators=(",", ":")
    ),
)

_MODELS: tuple[type[Any], ...] = (BizPeriod, *(kind.cls for kind in EVENT_KINDS))

#: Attribute name -> wire name, over every model (the generated names agree across models).
WIRE_NAMES: dict[str, str] = {
    a.name: wire_name(a) for cls in _MODELS for a in attrs.fields(cls) if a.name != "extra"
}


def _overrides(cls: type[Any], *, structuring: bool) -> dict[str, Any]:
    result = {}
    for attribute in attrs.fields(cls):
        if attribute.name == "extra":
            result["extra"] = override(rename=_EXTRA_KEY) if structuring else override(omit=True)
        else:
            result[attribute.name] = override(rename=wire_name(attribute))
    return result


_Structure = Callable[[Mapping[str, Any], Any], Any]
_STRUCTURE: dict[type[Any], _Structure] = {}
_UNSTRUCTURE: dict[type[Any], Callable[[Any], dict[str, Any]]] = {}
_KNOWN_KEYS: dict[type[Any], frozenset[str]] = {}

for _cls in _MODELS:
    _STRUCTURE[_cls] = make_dict_structure_fn(
        _cls, converter, _cattrs_detailed_validation=True, **_overrides(_cls, structuring=True)
    )
    _UNSTRUCTURE[_cls] = make_dict_unstructure_fn(
        _cls, converter, **_overrides(_cls, structuring=False)
    )
    converter.register_structure_hook(_cls, _STRUCTURE[_cls])
    converter.register_unstructure_hook(_cls, _UNSTRUCTURE[_cls])
    _KNOWN_KEYS[_cls] = frozenset(
        {wire_name(a) for a in attrs.fields(_cls) if a.name != "extra"} | {"eventCode"}
    )


def _locate(exc: BaseException, path: str = "") -> tuple[str, BaseException]:
    """Follow a cattrs validation error down to its first leaf, building the wire path."""
    while isinstance(exc, (ClassValidationError, IterableValidationError)):
        noted, plain = exc.group_exceptions()
        if noted:
            sub, note = noted[0]
            if isinstance(exc, ClassValidationError):
                name = getattr(note, "name", "")
                path = (
                    f"{path}.{WIRE_NAMES.get(name, name)}" if path else WIRE_NAMES.get(name, name)
                )
            else:
                path = f"{path}[{getattr(note, 'index', '?')}]"
            exc = sub
        else:
            exc = plain[0]
    if isinstance(exc, FieldProblem) and exc.path:
        path = f"{path}{exc.path}"
    return path, exc


def _structure_period(item: Mapping[str, Any], cls: type[BizPeriod]) -> BizPeriod:
    try:
        return _STRUCTURE[BizPeriod](item, BizPeriod)  # type: ignore[no-any-return]
    except (ClassValidationError, ValueError) as exc:
        path, leaf = _locate(exc)
        raise FieldProblem(_reason(leaf), f".{path}" if path else "") from None


def _reason(leaf: BaseException) -> str:
    if isinstance(leaf, FieldProblem):
        return leaf.reason
    if isinstance(leaf, KeyError):
        return "is required but missing"
    return str(leaf) or type(leaf).__name__


def structure_event(payload: Mapping[str, Any], cls: type[T]) -> T:
    """Build an event of ``cls`` from a payload mapping.

    Unknown keys land in the event's ``extra``.  Raises :class:`FieldProblem` naming the
    offending field by its wire path.
    """
    extra_keys = payload.keys() - _KNOWN_KEYS[cls]
    if extra_keys:
        payload = dict(payload)
        payload[_EXTRA_KEY] = {key: payload[key] for key in extra_keys}
    try:
        return _STRUCTURE[cls](payload, cls)  # type: ignore[no-any-return]
    except (ClassValidationError, ValueError) as exc:
        path, leaf = _locate(exc)
        raise FieldProblem(_reason(leaf), path) from None


def unstructure_event(event: ExtensionEvent | BizPeriod) -> dict[str, Any]:
    """The documented camelCase wire form of an event, unknown fields included.

    ``eventCode`` is always written; an ``extensionBizId`` of ``None`` is left out.
    """
    cls = type(event)
    wire = _UNSTRUCTURE[cls](event)
    if cls is not BizPeriod:
        wire["eventCode"] = event.event_code  # type: ignore[union-attr]
        if wire.get("extensionBizId") is None:
            wire.pop("extensionBizId", None)
        extra = event.extra  # type: ignore[union-attr]
        if extra:
            wire = {**extra, **wire}
    return wire


__all__ = ["WIRE_NAMES", "FieldProblem", "converter", "structure_event", "unstructure_event"]
