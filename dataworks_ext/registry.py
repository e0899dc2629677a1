"""The check registry and the ``@on_freeze`` / ``@on_restore`` / ``@on_unpublish`` /
``@on_backfill`` decorators.

A *check* is a function (or any callable) that takes the typed event, and optionally the
:class:`EventMessage` as a second positional argument, and returns a :class:`Verdict`,
``True``/``None`` (pass) or ``False`` (fail with a generic tip).  It may be ``async def``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar, overload

import attrs

from .events import (
    EVENT_KINDS,
    BackfillEvent,
    ExtensionEvent,
    FreezeNodeEvent,
    RestoreNodeEvent,
    UnpublishNodeEvent,
)
from .messages import EventMessage
from .verdicts import Verdict

__all__ = [
    "Check",
    "CheckReturn",
    "Registry",
    "default_registry",
    "on_backfill",
    "on_freeze",
    "on_restore",
    "on_unpublish",
]

CheckReturn = Verdict | bool | None
"""What a check may return: a Verdict, ``True``/``None`` (pass) or ``False`` (fail)."""

_Ret = CheckReturn | Awaitable[CheckReturn]

FreezeCheckT = TypeVar(
    "FreezeCheckT",
    bound=Callable[[FreezeNodeEvent], _Ret] | Callable[[FreezeNodeEvent, EventMessage], _Ret],
)
RestoreCheckT = TypeVar(
    "RestoreCheckT",
    bound=Callable[[RestoreNodeEvent], _Ret] | Callable[[RestoreNodeEvent, EventMessage], _Ret],
)
UnpublishCheckT = TypeVar(
    "UnpublishCheckT",
    bound=Callable[[UnpublishNodeEvent], _Ret] | Callable[[UnpublishNodeEvent, EventMessage], _Ret],
)
BackfillCheckT = TypeVar(
    "BackfillCheckT",
    bound=Callable[[BackfillEvent], _Ret] | Callable[[BackfillEvent, EventMessage], _Ret],
)

_CO_VARARGS = 0x04
_CO_COROUTINE = 0x80
_CO_ITERABLE_COROUTINE = 0x100


def _describe(fn: Callable[..., Any]) -> tuple[bool, bool]:
    """(wants_message, is_async) of a check, read from its code object where it has one."""
    target: Any = fn
    bound = 0
    if hasattr(target, "__func__") and hasattr(target.__func__, "__code__"):  # bound method
        # (a bound method forwards ``__code__`` to its function, ``self`` included)
        code, bound = target.__func__.__code__, 1
    else:
        code = getattr(target, "__code__", None)
    if code is None and not isinstance(target, type):
        call = getattr(type(target), "__call__", None)  # noqa: B004 - the class's __call__
        code, bound = getattr(call, "__code__", None), 1
    if code is not None:
        positional = code.co_argcount - bound
        wants_message = positional >= 2 or bool(code.co_flags & _CO_VARARGS)
        is_async = bool(code.co_flags & (_CO_COROUTINE | _CO_ITERABLE_COROUTINE))
        return wants_message, is_async
    import inspect  # rare: partials, builtins, C callables

    try:
        params = list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        return False, inspect.iscoroutinefunction(fn)
    kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    positional = sum(1 for p in params if p.kind in kinds)
    varargs = any(p.kind is inspect.Parameter.VAR_POSITIONAL for p in params)
    return positional >= 2 or varargs, inspect.iscoroutinefunction(fn)


def _name_of(fn: Callable[..., Any]) -> str:
    owner = getattr(fn, "__self__", None)
    if owner is not None and hasattr(fn, "__func__") and not isinstance(owner, type):
        # a bound method: named by the object's class, not the class defining the method
        return f"{type(owner).__qualname__}.{fn.__func__.__name__}"
    name = getattr(fn, "__qualname__", None) or getattr(fn, "__name__", None)
    if name is None:
        name = type(fn).__name__
    return str(name)


@attrs.frozen
class Check:
    """A registered check.

    Example:
        >>> from dataworks_ext import Registry, FreezeNodeEvent
        >>> reg = Registry()
        >>> @reg.on_freeze(name="no-friday-freezes")
        ... def check(event: FreezeNodeEvent) -> bool:
        ...     return True
        >>> reg.checks_for(FreezeNodeEvent)[0].name
        'no-friday-freezes'
    """

    fn: Callable[..., Any]
    """The callable as registered."""
    name: str
    """The check's name, used in tips and logs."""
    event_type: type[ExtensionEvent]
    """The event class it checks."""
    wants_message: bool
    """Whether it takes the :class:`EventMessage` as a second positional argument."""
    is_async: bool
    """Whether it is a coroutine function (results that are awaitable are awaited anyway)."""


class Registry:
    """A set of checks, each registered for one event.

    Register with the decorators, bare or with options; several checks on one event all run
    and FAIL wins.  The module-level :func:`on_freeze` and friends register into
    :data:`default_registry`, which :class:`Extension` uses unless given another.

    Example:
        >>> from dataworks_ext import BackfillEvent, FreezeNodeEvent, Registry, Verdict
        >>> reg = Registry()
        >>> @reg.on_freeze
        ... def protect_core(event: FreezeNodeEvent) -> Verdict:
        ...     if 700005966962 in event.node_ids:
        ...         return Verdict.fail("node 700005966962 feeds the finance close")
        ...     return Verdict.ok()
        >>> @reg.on_backfill(name="max-range")
        ... def max_range(event: BackfillEvent) -> bool:
        ...     return event.total_days <= 31
        >>> len(reg)
        2
    """

    def __init__(self) -> None:
        self._checks: dict[type[ExtensionEvent], tuple[Check, ...]] = {
            kind.cls: () for kind in EVENT_KINDS
        }

    def __len__(self) -> int:
        return sum(len(checks) for checks in self._checks.values())

    def __repr__(self) -> str:
        counts = ", ".join(
            f"{cls.__name__}={len(checks)}" for cls, checks in self._checks.items() if checks
        )
        return f"Registry({counts})"

    def checks_for(self, event_type: type[Any]) -> tuple[Check, ...]:
        """The checks registered for an event class, in registration order.

        Example:
            >>> from dataworks_ext import Registry, RestoreNodeEvent
            >>> Registry().checks_for(RestoreNodeEvent)
            ()
        """
        return self._checks.get(event_type, ())

    def add(
        self,
        event_type: type[ExtensionEvent],
        fn: Callable[..., Any],
        *,
        name: str | None = None,
    ) -> Check:
        """Register ``fn`` for ``event_type`` without a decorator; returns the :class:`Check`.

        Example:
            >>> from dataworks_ext import Registry, UnpublishNodeEvent
            >>> reg = Registry()
            >>> reg.add(UnpublishNodeEvent, lambda event: True, name="allow").name
            'allow'
        """
        if event_type not in self._checks:
            known = ", ".join(kind.cls.__name__ for kind in EVENT_KINDS)
            raise TypeError(f"checks can be registered for {known}; got {event_type!r}")
        if not callable(fn):
            raise TypeError(f"a check must be callable, got {type(fn).__name__}")
        if name is not None and (not isinstance(name, str) or not name.strip()):
            raise ValueError("a check's name must be a non-empty string")
        wants_message, is_async = _describe(fn)
        check = Check(fn, name or _name_of(fn), event_type, wants_message, is_async)
        self._checks[event_type] = (*self._checks[event_type], check)
        return check

    def include(self, other: Registry) -> None:
        """Add every check of another registry to this one (after this one's own).

        Example:
            >>> from dataworks_ext import Registry
            >>> team, shared = Registry(), Registry()
            >>> _ = shared.add(__import__("dataworks_ext").FreezeNodeEvent, lambda e: True)
            >>> team.include(shared)
            >>> len(team)
            1
        """
        for event_type, checks in other._checks.items():
            self._checks[event_type] = (*self._checks[event_type], *checks)

    def _decorate(
        self, event_type: type[ExtensionEvent], fn: Any, name: str | None
    ) -> Callable[[Any], Any] | Any:
        if fn is None:

            def decorator(inner: Any) -> Any:
                self.add(event_type, inner, name=name)
                return inner

            return decorator
        self.add(event_type, fn, name=name)
        return fn

    @overload
    def on_freeze(self, fn: FreezeCheckT, /) -> FreezeCheckT: ...
    @overload
    def on_freeze(
        self, fn: None = None, /, *, name: str | None = None
    ) -> Callable[[FreezeCheckT], FreezeCheckT]: ...
    def on_freeze(self, fn: Any = None, /, *, name: str | None = None) -> Any:
        """Register a check for :class:`FreezeNodeEvent` (someone freezes production nodes).

        Example:
            >>> from dataworks_ext import FreezeNodeEvent, Registry
            >>> reg = Registry()
            >>> @reg.on_freeze
            ... def only_small_freezes(event: FreezeNodeEvent) -> bool:
            ...     return len(event.node_ids) <= 50
        """
        return self._decorate(FreezeNodeEvent, fn, name)

    @overload
    def on_restore(self, fn: RestoreCheckT, /) -> RestoreCheckT: ...
    @overload
    def on_restore(
        self, fn: None = None, /, *, name: str | None = None
    ) -> Callable[[RestoreCheckT], RestoreCheckT]: ...
    def on_restore(self, fn: Any = None, /, *, name: str | None = None) -> Any:
        """Register a check for :class:`RestoreNodeEvent` (someone restores frozen nodes).

        Example:
            >>> from dataworks_ext import EventMessage, Registry, RestoreNodeEvent, Verdict
            >>> reg = Registry()
            >>> @reg.on_restore(name="log-restores")
            ... async def log_restores(event: RestoreNodeEvent, message: EventMessage) -> Verdict:
            ...     return Verdict.ok(f"restore recorded as {message.message_id}")
        """
        return self._decorate(RestoreNodeEvent, fn, name)

    @overload
    def on_unpublish(self, fn: UnpublishCheckT, /) -> UnpublishCheckT: ...
    @overload
    def on_unpublish(
        self, fn: None = None, /, *, name: str | None = None
    ) -> Callable[[UnpublishCheckT], UnpublishCheckT]: ...
    def on_unpublish(self, fn: Any = None, /, *, name: str | None = None) -> Any:
        """Register a check for :class:`UnpublishNodeEvent` (someone unpublishes nodes).

        Example:
            >>> from dataworks_ext import Registry, UnpublishNodeEvent, Verdict
            >>> reg = Registry()
            >>> @reg.on_unpublish
            ... def never_unpublish_core(event: UnpublishNodeEvent) -> Verdict | None:
            ...     if 700005966962 in event.node_ids:
            ...         return Verdict.fail("the core node cannot be unpublished")
            ...     return None
        """
        return self._decorate(UnpublishNodeEvent, fn, name)

    @overload
    def on_backfill(self, fn: BackfillCheckT, /) -> BackfillCheckT: ...
    @overload
    def on_backfill(
        self, fn: None = None, /, *, name: str | None = None
    ) -> Callable[[BackfillCheckT], BackfillCheckT]: ...
    def on_backfill(self, fn: Any = None, /, *, name: str | None = None) -> Any:
        """Register a check for :class:`BackfillEvent` (someone starts a data backfill).

        Example:
            >>> from dataworks_ext import BackfillEvent, Registry, Verdict
            >>> reg = Registry()
            >>> @reg.on_backfill(name="max-range")
            ... def max_range(event: BackfillEvent) -> Verdict:
            ...     if event.total_days > 31:
            ...         return Verdict.fail(f"{event.total_days} days is over the 31-day limit")
            ...     return Verdict.ok()
        """
        return self._decorate(BackfillEvent, fn, name)


default_registry = Registry()
"""The registry the module-level decorators write to and :class:`Extension` reads by default."""

on_freeze = default_registry.on_freeze
"""Register a freeze check in :data:`default_registry` (see :meth:`Registry.on_freeze`)."""
on_restore = default_registry.on_restore
"""Register a restore check in :data:`default_registry` (see :meth:`Registry.on_restore`)."""
on_unpublish = default_registry.on_unpublish
"""Register an unpublish check in :data:`default_registry` (see :meth:`Registry.on_unpublish`)."""
on_backfill = default_registry.on_backfill
"""Register a backfill check in :data:`default_registry` (see :meth:`Registry.on_backfill`)."""
