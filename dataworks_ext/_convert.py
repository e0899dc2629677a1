"""The one configured cattrs converter between wire payloads and the event models.

Renames are generated from the field names (camelCase, or a field's ``wire`` metadata), the
structure and unstructure functions are generated once, on first use, and the primitive hooks are
strict where a lenient reading would be dangerous (``"false"`` is not ``True``, ``"1,2"`` is
not a list of node ids) and lenient where DataWorks is (ids as decimal strings).
"""

from __future__ import annotations

import datetime as _dt
import json
import threading
from collections.abc import Callable, Mapping
from operator import countOf
from typing import TYPE_CHECKING, Any, TypeVar

import attrs

from ._fields import wire_name
from ._models_generic import ExtensionPointEvent
from ._text import quoted
from ._vocabulary import BackfillOrder, ChangeType

if TYPE_CHECKING:
    from ._models_node import BizPeriod
    from .events import ModelledEvent

T = TypeVar("T")

#: Where unknown payload fields are handed to the generated structure function.
EXTRA_KEY = "\x00extra"


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
    raise FieldProblem(f"expected an integer or a decimal string, got {quoted(value)}")


def _str(value: Any, _: Any = None) -> str:
    if type(value) is str:
        return value
    if type(value) is int:
        return str(value)
    raise FieldProblem(f"expected a string, got {quoted(value)}")


_BOOL_WORDS = {"true": True, "false": False}


def _optional_str(value: Any, _: Any = None) -> str | None:
    if type(value) is str or value is None:
        return value
    return _str(value)


def _bool(value: Any, _: Any = None) -> bool:
    if value is True or value is False:
        return value
    if type(value) is str and value.lower() in _BOOL_WORDS:
        return _BOOL_WORDS[value.lower()]
    raise FieldProblem(f"expected true or false, got {quoted(value)}")


def _id_tuple(value: Any, _: Any = None) -> tuple[int, ...]:
    if type(value) is list or type(value) is tuple:
        # One pass in C over a massive backfill's thousands of ids: are they all exact ints?
        if countOf(map(type, value), int) == len(value):
            return tuple(value)
        out = []
        for index, item in enumerate(value):
            try:
                out.append(_int(item))
            except FieldProblem as exc:
                raise FieldProblem(exc.reason, f"[{index}]") from None
        return tuple(out)
    if isinstance(value, str):
        raise FieldProblem(f"expected a JSON array of ids, got a string {quoted(value)}")
    raise FieldProblem(f"expected a JSON array of ids, got {quoted(value)}")


def _date(value: Any, _: Any = None) -> _dt.date:
    if type(value) is str and (len(value) == 10 or (len(value) > 10 and value[10] in " T")):
        try:
            return _dt.date.fromisoformat(value[:10])
        except ValueError:
            pass
    raise FieldProblem(f"expected a date YYYY-MM-DD, got {quoted(value)}")


def _optional_int(value: Any, _: Any = None) -> int | None:
    return None if value is None else _int(value)


_DATETIME_FORMAT = "%Y-%m-%d %H:%M:%S"


def _naive_datetime(value: Any, _: Any = None) -> _dt.datetime | None:
    if value is None:
        return None
    if type(value) is str and len(value) == 19 and value[10] in " T":
        try:
            return _dt.datetime.strptime(value[:10] + " " + value[11:], _DATETIME_FORMAT)
        except ValueError:
            pass
    raise FieldProblem(f"expected a time yyyy-MM-dd HH:mm:ss (no zone), got {quoted(value)}")


def _change_type(value: Any, _: Any = None) -> ChangeType | None:
    if value is None:
        return None
    if type(value) is str or type(value) is int:
        try:
            return ChangeType(str(value).strip())
        except ValueError:
            pass
    raise FieldProblem(f"expected '0' (create), '1' (update) or '2' (delete), got {quoted(value)}")


def _order(value: Any, _: Any = None) -> BackfillOrder:
    if type(value) is str:
        try:
            return BackfillOrder(value.lower())
        except ValueError:
            pass
    raise FieldProblem(f"expected 'asc' or 'desc', got {quoted(value)}")


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
                f"at character {exc.pos}: {quoted(value)}"
            ) from None
        except RecursionError:
            raise FieldProblem("holds JSON nested too deeply") from None
    if type(decoded) is not list:
        raise FieldProblem(f"expected a JSON array of periods, got {quoted(value)}")
    periods = []
    for index, item in enumerate(decoded):
        if type(item) is not dict:
            raise FieldProblem(f"expected a period object, got {quoted(item)}", f"[{index}]")
        try:
            periods.append(_structure_period(item))
        except FieldProblem as exc:
            raise FieldProblem(exc.reason, f"[{index}]{exc.path}") from None
    return tuple(periods)


def _wire_names() -> dict[str, str]:
    """Attribute name -> wire name, over every built-in model (the names agree across models).

    Builds every model class: read by the strategies and by error messages, not to parse.
    """
    names = globals().get("WIRE_NAMES")
    if names is None:
        from ._models_node import BizPeriod
        from .events import EVENT_KINDS

        models: list[type[Any]] = [BizPeriod, *(k.cls for k in EVENT_KINDS if k.has_model)]
        names = {a.name: wire_name(a) for c in models for a in attrs.fields(c) if a.name != "extra"}
        globals()["WIRE_NAMES"] = names
    return names


#: The wire names a model reads (and ``eventCode``), per model class, noted on first use.
_KNOWN_KEYS: dict[type[Any], frozenset[str]] = {}


def _known_keys(cls: type[Any]) -> frozenset[str]:
    keys = _KNOWN_KEYS.get(cls)
    if keys is None:
        names = {wire_name(a) for a in attrs.fields(cls) if a.name != "extra"}
        keys = _KNOWN_KEYS[cls] = frozenset(names | {"eventCode"})
    return keys


def _is_event_model(tp: Any) -> bool:
    """Whether ``tp`` is an event model of its own (an attrs class with a class-level code)."""
    return isinstance(tp, type) and isinstance(getattr(tp, "event_code", None), str)


# ---------------------------------------------------------------- the converter, built on use
#
# cattrs is imported, the converter configured and each function generated the first time it
# is needed, then kept: ``import dataworks_ext`` stays cheap, and a cold start (one process,
# one message) generates the one structure function it uses.

_Structure = Callable[[Mapping[str, Any], Any], Any]
_Unstructure = Callable[[Any], dict[str, Any]]
#: Per model, two generated structure functions calling the same hooks: a fast one that stops
#: at the first problem, run first, and a detailed one (every field in its own ``try``, errors
#: noted with the field name) run only to name the offending field once the fast one failed.
_FAST: dict[type[Any], _Structure] = {}
_DETAILED: dict[type[Any], _Structure] = {}
_UNSTRUCTURE: dict[type[Any], _Unstructure] = {}
_LOCK = threading.RLock()
_CONVERTER: Any = None


def _build_converter() -> Any:
    from cattrs import Converter

    from ._models_node import BizPeriod

    conv = Converter(detailed_validation=True, forbid_extra_keys=False)
    hooks: tuple[tuple[Any, Callable[[Any, Any], Any]], ...] = (
        (int, _int),
        (str, _str),
        (bool, _bool),
        (_dt.date, _date),
        (BackfillOrder, _order),
    )
    for cls, hook in hooks:
        conv.register_structure_hook(cls, hook)
    # Parametrised generics dispatch by predicate.
    generics: tuple[tuple[Any, Callable[[Any, Any], Any]], ...] = (
        (tuple[int, ...], _id_tuple),
        (str | None, _optional_str),
        (tuple[BizPeriod, ...], _periods),
        (Mapping[str, Any], _mapping),
        (int | None, _optional_int),
        (_dt.datetime | None, _naive_datetime),
        (ChangeType | None, _change_type),
    )
    for generic, hook in generics:
        conv.register_structure_hook_func(_is(generic), hook)
    conv.register_unstructure_hook(_dt.date, _dt.date.isoformat)
    conv.register_unstructure_hook(BackfillOrder, lambda order: order.value)
    conv.register_unstructure_hook(ChangeType, lambda change: change.value)
    conv.register_unstructure_hook(_dt.datetime, lambda when: when.strftime(_DATETIME_FORMAT))
    conv.register_unstructure_hook_func(_is(tuple[int, ...]), list)
    conv.register_unstructure_hook_func(
        _is(tuple[BizPeriod, ...]),
        lambda periods: json.dumps(
            [unstructure_fn(BizPeriod)(p) for p in periods], separators=(",", ":")
        ),
    )
    # Event models by predicate: a model class is built when it is first used, not here.
    conv.register_structure_hook_func(
        _is_event_model, lambda payload, cls: _detailed_fn(cls)(payload, cls)
    )
    conv.register_unstructure_hook_func(
        _is_event_model, lambda value: unstructure_fn(type(value))(value)
    )
    models: list[type[Any]] = [BizPeriod, *_ANSWER_MODELS]
    for cls in models:
        conv.register_structure_hook(cls, _lazy_structure_hook(cls))
        conv.register_unstructure_hook(cls, _lazy_unstructure_hook(cls))
    return conv


_ANSWER_MODELS: list[type[Any]] = []
"""Models of API answers whose nested models the converter reads by wire name too."""


def register_models(*classes: type[Any]) -> None:
    """Read ``classes`` (attrs models, nested in others) by their fields' wire names.

    For models of API answers outside the event modules, which call it when they are
    defined; the converter itself is still built on first use.
    """
    with _LOCK:
        _ANSWER_MODELS.extend(classes)
        conv = _CONVERTER
        if conv is not None:
            for cls in classes:
                conv.register_structure_hook(cls, _lazy_structure_hook(cls))
                conv.register_unstructure_hook(cls, _lazy_unstructure_hook(cls))


def _is(expected: Any) -> Callable[[Any], bool]:
    return lambda t: bool(t == expected)


def _lazy_structure_hook(cls: type[Any]) -> _Structure:
    return lambda payload, _: _detailed_fn(cls)(payload, cls)


def _lazy_unstructure_hook(cls: type[Any]) -> _Unstructure:
    return lambda value: unstructure_fn(cls)(value)


def _converter() -> Any:
    """The configured converter (built on first use)."""
    conv = _CONVERTER
    if conv is None:
        with _LOCK:
            conv = _CONVERTER
            if conv is None:
                conv = globals()["_CONVERTER"] = _build_converter()
    return conv


def __getattr__(name: str) -> Any:
    if name == "converter":
        return _converter()
    if name == "WIRE_NAMES":
        return _wire_names()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _overrides(cls: type[Any], *, structuring: bool) -> dict[str, Any]:
    from cattrs.gen import override

    result = {}
    for attribute in attrs.fields(cls):
        if attribute.name == "extra":
            result["extra"] = override(rename=EXTRA_KEY) if structuring else override(omit=True)
        else:
            result[attribute.name] = override(rename=wire_name(attribute))
    return result


def _generate(cache: dict[type[Any], Any], cls: type[Any], kind: str) -> Any:
    from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn

    conv = _converter()
    with _LOCK:
        fn = cache.get(cls)
        if fn is None:
            if kind == "unstructure":
                fn = make_dict_unstructure_fn(cls, conv, **_overrides(cls, structuring=False))
            else:
                fn = make_dict_structure_fn(
                    cls,
                    conv,
                    _cattrs_detailed_validation=kind == "detailed",
                    **_overrides(cls, structuring=True),
                )
            cache[cls] = fn
    return fn


def _fast_fn(cls: type[Any]) -> _Structure:
    fn = _FAST.get(cls)
    return fn if fn is not None else _generate(_FAST, cls, "fast")


def _detailed_fn(cls: type[Any]) -> _Structure:
    fn = _DETAILED.get(cls)
    return fn if fn is not None else _generate(_DETAILED, cls, "detailed")


def unstructure_fn(cls: type[Any]) -> _Unstructure:
    fn = _UNSTRUCTURE.get(cls)
    return fn if fn is not None else _generate(_UNSTRUCTURE, cls, "unstructure")


# ---------------------------------------------------------------- structuring


def structure_model(cls: type[T], payload: Mapping[str, Any]) -> T:
    """Structure with the fast function; on any problem, find it with the detailed one."""
    fast = _FAST.get(cls) or _fast_fn(cls)
    try:
        return fast(payload, cls)  # type: ignore[no-any-return]
    except Exception:  # the detailed run below names the problem
        pass
    from cattrs.errors import ClassValidationError

    try:
        return _detailed_fn(cls)(payload, cls)  # type: ignore[no-any-return]
    except (ClassValidationError, ValueError) as exc:
        path, leaf = _locate(exc)
        raise FieldProblem(_reason(leaf), path) from None


def _locate(exc: BaseException, path: str = "") -> tuple[str, BaseException]:
    """Follow a cattrs validation error down to its first leaf, building the wire path."""
    from cattrs.errors import ClassValidationError, IterableValidationError

    while isinstance(exc, (ClassValidationError, IterableValidationError)):
        noted, plain = exc.group_exceptions()
        if noted:
            # A field holding a wrong value says more than one that is missing: name it first.
            sub, note = next(
                (item for item in noted if not isinstance(item[0], KeyError)), noted[0]
            )
            if isinstance(exc, ClassValidationError):
                wire = _wire_of(getattr(exc, "cl", None), getattr(note, "name", ""))
                path = f"{path}.{wire}" if path else wire
            else:
                path = f"{path}[{getattr(note, 'index', '?')}]"
            exc = sub
        else:
            exc = plain[0]
    if isinstance(exc, FieldProblem) and exc.path:
        path = f"{path}{exc.path}"
    return path, exc


def _wire_of(cls: Any, name: str) -> str:
    """The wire name of field ``name`` of ``cls`` (any attrs model), else of any event."""
    if attrs.has(cls):
        field = attrs.fields_dict(cls).get(name)
        if field is not None:
            return wire_name(field)
    return _wire_names().get(name, name)


def _structure_period(item: Mapping[str, Any]) -> BizPeriod:
    from ._models_node import BizPeriod

    try:
        return structure_model(BizPeriod, item)
    except FieldProblem as problem:
        raise FieldProblem(problem.reason, f".{problem.path}" if problem.path else "") from None


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
    known = _KNOWN_KEYS.get(cls) or _known_keys(cls)
    if not known.issuperset(payload):
        extra_keys = payload.keys() - known
        payload = dict(payload)
        payload[EXTRA_KEY] = {key: payload[key] for key in extra_keys}
    fast = _FAST.get(cls)
    if fast is not None:
        try:
            return fast(payload, cls)  # type: ignore[no-any-return]
        except Exception:  # structure_model() runs it again, then names the problem
            pass
    return structure_model(cls, payload)


def structure_common(event_code: str, payload: Mapping[str, Any]) -> ExtensionPointEvent:
    """An :class:`ExtensionPointEvent`: the common fields read with the same hooks as models.

    Raises :class:`FieldProblem` naming a common field that holds a wrong value.
    """
    get = payload.get
    values: dict[str, Any] = {}
    for name, wire, hook in _COMMON:
        value = get(wire)
        if value is None:
            continue
        try:
            values[name] = hook(value)
        except FieldProblem as problem:
            raise FieldProblem(problem.reason, wire) from None
    return ExtensionPointEvent(event_code=event_code, payload=payload, **values)


_COMMON: tuple[tuple[str, str, Callable[[Any], Any]], ...] = (
    ("operator", "operator", _str),
    ("project_id", "projectId", _int),
    ("tenant_id", "tenantId", _int),
    ("extension_biz_id", "extensionBizId", _str),
    ("block_business", "blockBusiness", _bool),
)


def unstructure_event(event: ModelledEvent | ExtensionPointEvent | BizPeriod) -> dict[str, Any]:
    """The documented camelCase wire form of an event, unknown fields included.

    ``eventCode`` is always written; optional fields that are ``None`` are left out.  An
    :class:`ExtensionPointEvent` is written as its payload.
    """
    cls = type(event)
    if cls is ExtensionPointEvent:
        return dict(event.payload)  # type: ignore[union-attr]
    wire = unstructure_fn(cls)(event)
    if _is_event_model(cls):
        wire["eventCode"] = event.event_code  # type: ignore[union-attr]
        if None in wire.values():
            wire = {key: value for key, value in wire.items() if value is not None}
        extra = event.extra  # type: ignore[union-attr]
        if extra:
            wire = {**extra, **wire}
    return wire


__all__ = [  # and `converter`, `WIRE_NAMES` (built on first use)
    "FieldProblem",
    "structure_common",
    "structure_event",
    "unstructure_event",
]
