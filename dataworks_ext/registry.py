"""The check registry and its decorators, one per extension-point event.

A *check* is a function (or any callable) that takes the typed event, and optionally the
:class:`EventMessage` as a second positional argument, and returns a :class:`Verdict`,
``True``/``None`` (pass) or ``False`` (fail with a generic tip).  It may be ``async def``.
Register it with the event's decorator (``@on_freeze``, ``@on_commit_file``, ...), or with
``@registry.on("event-code")`` for any extension-point event by its code.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import attrs

from ._registry_surface import RegistryDecorators
from .events import ExtensionPointEvent, event_kinds, kind_for_class, kind_for_code
from .verdicts import Verdict

if TYPE_CHECKING:
    from .events import Event, ModelledEvent
    from .messages import EventMessage

# No __all__: the package's (dataworks_ext/__init__.py) lists the public names once, the
# decorators in a block generated from EVENT_KINDS.

CheckReturn = Verdict | bool | None
"""What a check may return: a Verdict, ``True``/``None`` (pass) or ``False`` (fail)."""

_CO_VARARGS = 0x04
_CO_COROUTINE = 0x80
_CO_ITERABLE_COROUTINE = 0x100


def _shape(fn: Callable[..., Any]) -> tuple[int, int, bool, int, bool] | None:
    """(positional, required positional, *args, required keyword-only, async) of a callable.

    Read from its code object where it has one; ``None`` when nothing can be read.
    """
    target: Any = fn
    bound = 0
    code = getattr(target, "__code__", None)
    defaults = getattr(target, "__defaults__", None)
    kwdefaults = getattr(target, "__kwdefaults__", None)
    if hasattr(target, "__func__") and hasattr(target, "__self__"):  # bound method
        func = target.__func__
        code, bound = getattr(func, "__code__", None), 1
        defaults, kwdefaults = (
            getattr(func, "__defaults__", None),
            getattr(func, "__kwdefaults__", None),
        )
    if code is None and not isinstance(target, type):
        call = getattr(type(target), "__call__", None)  # noqa: B004 - the class's __call__
        code, bound = getattr(call, "__code__", None), 1
        defaults, kwdefaults = (
            getattr(call, "__defaults__", None),
            getattr(call, "__kwdefaults__", None),
        )
    if code is not None:
        positional = code.co_argcount - bound
        required = positional - len(defaults or ())
        kw_required = code.co_kwonlyargcount - len(kwdefaults or {})
        is_async = bool(code.co_flags & (_CO_COROUTINE | _CO_ITERABLE_COROUTINE))
        return positional, required, bool(code.co_flags & _CO_VARARGS), kw_required, is_async
    import inspect  # rare: partials, builtins, C callables

    try:
        params = list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        return None
    empty = inspect.Parameter.empty
    kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    positional = [p for p in params if p.kind in kinds]
    return (
        len(positional),
        sum(1 for p in positional if p.default is empty),
        any(p.kind is inspect.Parameter.VAR_POSITIONAL for p in params),
        sum(1 for p in params if p.kind is inspect.Parameter.KEYWORD_ONLY and p.default is empty),
        inspect.iscoroutinefunction(fn),
    )


def _takes_settings(fn: Callable[..., Any]) -> bool:
    """Whether a check declares a parameter named ``settings`` (given the extension settings)."""
    code = getattr(fn, "__code__", None) or getattr(getattr(fn, "__func__", None), "__code__", None)
    if code is None and not isinstance(fn, type):
        code = getattr(getattr(type(fn), "__call__", None), "__code__", None)  # noqa: B004
    if code is not None:
        return _SETTINGS in code.co_varnames[: code.co_argcount + code.co_kwonlyargcount]
    import inspect

    try:
        return _SETTINGS in inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False


def _describe_with_settings(fn: Callable[..., Any], event_type: type[Any]) -> tuple[bool, bool]:
    """(wants_message, is_async) of a check that takes ``settings`` (passed by keyword)."""
    import inspect

    params = [p for name, p in inspect.signature(fn).parameters.items() if name != _SETTINGS]
    settings = inspect.signature(fn).parameters[_SETTINGS]
    if settings.kind is inspect.Parameter.POSITIONAL_ONLY:
        raise TypeError(
            f"check {_name_of(fn)!r}: settings is given by keyword: not positional-only"
        )
    kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    positional = [p for p in params if p.kind in kinds]
    varargs = any(p.kind is inspect.Parameter.VAR_POSITIONAL for p in params)
    required = sum(1 for p in positional if p.default is inspect.Parameter.empty)
    if (not positional and not varargs) or required > 2:
        raise TypeError(
            f"check {_name_of(fn)!r} must take the event (and optionally the message) "
            "positionally, besides settings"
        )
    is_async = inspect.iscoroutinefunction(fn) or inspect.iscoroutinefunction(
        getattr(fn, "__call__", None)  # noqa: B004
    )
    return len(positional) >= 2 or varargs, is_async


_SETTINGS = "settings"


def _describe(fn: Callable[..., Any], event_type: type[Any]) -> tuple[bool, bool]:
    """(wants_message, is_async) of a check; a signature DataWorks' events cannot call is refused.

    A check is called ``check(event)`` or ``check(event, message)``: it needs one positional
    parameter at least (or ``*args``), and no more than two without a default.  A parameter
    named ``settings`` is not counted: it is given by keyword.
    """
    if _takes_settings(fn):
        return _describe_with_settings(fn, event_type)
    shape = _shape(fn)
    if shape is None:
        import inspect

        return False, inspect.iscoroutinefunction(fn)
    positional, required, varargs, kw_required, is_async = shape
    problem = None
    if positional == 0 and not varargs:
        problem = "takes no parameter"
    elif required > 2:
        problem = f"needs {required} positional arguments"
    elif kw_required:
        problem = f"needs {kw_required} keyword-only argument{'s' if kw_required > 1 else ''}"
    if problem is not None:
        event = event_type.__name__
        raise TypeError(
            f"check {_name_of(fn)!r} {problem}; a check is called with the event, and "
            f"optionally the message: def check(event: {event}) -> Verdict, or "
            f"def check(event: {event}, message: EventMessage) -> Verdict"
        )
    return positional >= 2 or varargs, is_async


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
    event_type: type[Any]
    """The event class it checks (:class:`ExtensionPointEvent` for a check by code)."""
    wants_message: bool
    """Whether it takes the :class:`EventMessage` as a second positional argument."""
    is_async: bool
    """Whether it is a coroutine function (results that are awaitable are awaited anyway)."""
    event_code: str | None = None
    """The event code it checks, for a check of an :class:`ExtensionPointEvent`."""
    enforce: bool = True
    """Whether its answer counts; ``False``: report-only (it runs, what it would have answered
    is recorded in the audit trail, the metrics and the log, and the verdict ignores it)."""
    wants_settings: bool = False
    """Whether it declares a parameter named ``settings``: it is then given the extension's
    :class:`~dataworks_ext.settings.ExtensionSettings` by keyword (``None`` when there are
    none: a dry run, or ``GetExtension`` never answered)."""


_NO_CHECKS: tuple[Check, ...] = ()


class Registry(RegistryDecorators):
    """A set of checks, each registered for one event.

    Register with the decorators, bare or with options; several checks on one event all run
    and FAIL wins over WARN over OK.  The module-level :func:`on_freeze` and friends register
    into :data:`default_registry`, which :class:`Extension` uses unless given another.

    Find the checks of a message with :meth:`checks_for_message` (any event, by class or, for
    an :class:`ExtensionPointEvent`, by code).  :attr:`version` grows with every change, so a
    plan cached per event kind can tell when to rebuild.

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
        >>> len(reg), reg.version
        (2, 2)
    """

    def __init__(self) -> None:
        self._checks: dict[type[Any], tuple[Check, ...]] = {}
        self._by_code: dict[str, tuple[Check, ...]] = {}
        self.version = 0
        """How many times checks were added (by :meth:`add`, the decorators or :meth:`include`)."""

    def __len__(self) -> int:
        return sum(len(checks) for checks in self._checks.values()) + sum(
            len(checks) for checks in self._by_code.values()
        )

    def __repr__(self) -> str:
        counts = [
            f"{cls.__name__}={len(checks)}" for cls, checks in self._in_table_order() if checks
        ]
        counts += [f"{code!r}={len(checks)}" for code, checks in self._by_code.items() if checks]
        return f"Registry({', '.join(counts)})"

    def counts(self) -> dict[str, int]:
        """How many checks are registered for each event code (codes without checks left out).

        Example:
            >>> from dataworks_ext import FreezeNodeEvent, Registry
            >>> reg = Registry()
            >>> _ = reg.add(FreezeNodeEvent, lambda event: True)
            >>> _ = reg.on("download-resources")(lambda event: True)
            >>> reg.counts()
            {'freeze-node': 1, 'download-resources': 1}
        """
        counts = {cls.event_code: len(checks) for cls, checks in self._in_table_order() if checks}
        for code, checks in self._by_code.items():
            if checks:
                counts[code] = counts.get(code, 0) + len(checks)
        return counts

    def _in_table_order(self) -> list[tuple[type[Any], tuple[Check, ...]]]:
        order = {kind.event_code: index for index, kind in enumerate(event_kinds())}
        return sorted(self._checks.items(), key=lambda item: order.get(item[0].event_code, 0))

    def checks_for(self, event_type: type[Any]) -> tuple[Check, ...]:
        """The checks registered for an event class, in registration order.

        For checks registered by code for an :class:`ExtensionPointEvent`, use
        :meth:`checks_for_code` or :meth:`checks_for_message`.

        Example:
            >>> from dataworks_ext import Registry, RestoreNodeEvent
            >>> Registry().checks_for(RestoreNodeEvent)
            ()
        """
        return self._checks.get(event_type, _NO_CHECKS)

    def checks_for_code(self, event_code: str) -> tuple[Check, ...]:
        """The checks registered for an event code, whether its event has a class or not.

        Example:
            >>> from dataworks_ext import Registry
            >>> reg = Registry()
            >>> _ = reg.on("start-diJob")(lambda event: True)
            >>> len(reg.checks_for_code("start-diJob")), reg.checks_for_code("commit-file")
            (1, ())
        """
        kind = kind_for_code(event_code)
        if kind is not None and kind.has_model:
            return self._checks.get(kind.cls, _NO_CHECKS)
        return self._by_code.get(event_code, _NO_CHECKS)

    def checks_for_event(self, event: Event) -> tuple[Check, ...]:
        """The checks that answer an event: by its class, or by code for the generic event.

        Regular events (:class:`UnknownEvent`) have none.

        Example:
            >>> from dataworks_ext import ExtensionPointEvent, Registry
            >>> reg = Registry()
            >>> _ = reg.on("delete-project", name="keep-prod")(lambda event: False)
            >>> event = ExtensionPointEvent(event_code="delete-project")
            >>> [c.name for c in reg.checks_for_event(event)]
            ['keep-prod']
        """
        cls = type(event)
        if cls is ExtensionPointEvent:
            return self._by_code.get(event.event_code, _NO_CHECKS)
        return self._checks.get(cls, _NO_CHECKS)

    def checks_for_message(self, message: EventMessage) -> tuple[Check, ...]:
        """The checks that answer a message (see :meth:`checks_for_event`).

        Example:
            >>> from dataworks_ext import Registry
            >>> from dataworks_ext.testing import commit_file_event
            >>> Registry().checks_for_message(commit_file_event())
            ()
        """
        return self.checks_for_event(message.event)

    def add(
        self,
        event_type: type[ModelledEvent],
        fn: Callable[..., Any],
        *,
        name: str | None = None,
        enforce: bool = True,
    ) -> Check:
        """Register ``fn`` for ``event_type`` without a decorator; returns the :class:`Check`.

        Example:
            >>> from dataworks_ext import Registry, UnpublishNodeEvent
            >>> reg = Registry()
            >>> reg.add(UnpublishNodeEvent, lambda event: True, name="allow").name
            'allow'
        """
        try:
            kind_for_class(event_type)
        except (KeyError, TypeError):  # not a model class of its own
            known = ", ".join(k.class_name for k in event_kinds() if k.has_model)
            raise TypeError(
                f"checks can be registered for {known}, or by event code with "
                f"Registry.on('event-code'); got {event_type!r}"
            ) from None
        check = self._check(event_type, fn, name, None, enforce)
        self._checks[event_type] = (*self._checks.get(event_type, ()), check)
        self.version += 1
        return check

    def add_for_code(
        self,
        event_code: str,
        fn: Callable[..., Any],
        *,
        name: str | None = None,
        enforce: bool = True,
    ) -> Check:
        """Register ``fn`` for an extension-point event by its code; returns the :class:`Check`.

        A code whose event has a class registers for that class; any other code (listed in
        :data:`~dataworks_ext.EVENT_KINDS` or not) for :class:`ExtensionPointEvent` messages
        of that code.  A regular event's code is refused: DataWorks waits for no answer.

        Example:
            >>> from dataworks_ext import Registry
            >>> reg = Registry()
            >>> reg.add_for_code("upload-data-to-table", lambda event: True).event_code
            'upload-data-to-table'
        """
        if not isinstance(event_code, str) or not event_code.strip():
            raise ValueError(f"an event code must be a non-empty string, got {event_code!r}")
        kind = kind_for_code(event_code)
        if kind is not None and kind.has_model:
            return self.add(kind.cls, fn, name=name, enforce=enforce)
        if kind is not None and not kind.is_extension_point:
            raise ValueError(
                f"{event_code!r} is a regular event: DataWorks does not wait for an answer, "
                "so no check can be registered for it"
            )
        check = self._check(ExtensionPointEvent, fn, name, event_code, enforce)
        self._by_code[event_code] = (*self._by_code.get(event_code, ()), check)
        self.version += 1
        return check

    def _check(
        self,
        event_type: type[Any],
        fn: Callable[..., Any],
        name: str | None,
        code: str | None,
        enforce: bool = True,
    ) -> Check:
        if not callable(fn):
            raise TypeError(f"a check must be callable, got {type(fn).__name__}")
        if name is not None and (not isinstance(name, str) or not name.strip()):
            raise ValueError("a check's name must be a non-empty string")
        if not isinstance(enforce, bool):
            raise TypeError(f"enforce must be True or False, got {enforce!r}")
        wants_message, is_async = _describe(fn, event_type)
        return Check(
            fn,
            name or _name_of(fn),
            event_type,
            wants_message,
            is_async,
            code,
            enforce,
            _takes_settings(fn),
        )

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
            self._checks[event_type] = (*self._checks.get(event_type, ()), *checks)
        for code, checks in other._by_code.items():
            self._by_code[code] = (*self._by_code.get(code, ()), *checks)
        self.version += 1

    def _decorate(
        self, event_code: str, fn: Any, name: str | None, enforce: bool = True
    ) -> Callable[[Any], Any] | Any:
        if fn is None:

            def decorator(inner: Any) -> Any:
                self.add_for_code(event_code, inner, name=name, enforce=enforce)
                return inner

            return decorator
        self.add_for_code(event_code, fn, name=name, enforce=enforce)
        return fn


default_registry = Registry()
"""The registry the module-level decorators write to and :class:`Extension` reads by default."""

# BEGIN GENERATED aliases (scripts/generate_registry.py from EVENT_KINDS; do not edit)
on_freeze = default_registry.on_freeze
"""A decorator: :meth:`Registry.on_freeze` on :data:`default_registry`."""
on_restore = default_registry.on_restore
"""A decorator: :meth:`Registry.on_restore` on :data:`default_registry`."""
on_unpublish = default_registry.on_unpublish
"""A decorator: :meth:`Registry.on_unpublish` on :data:`default_registry`."""
on_backfill = default_registry.on_backfill
"""A decorator: :meth:`Registry.on_backfill` on :data:`default_registry`."""
on_pre_freeze_instance = default_registry.on_pre_freeze_instance
"""A decorator: :meth:`Registry.on_pre_freeze_instance` on :data:`default_registry`."""
on_pre_unfreeze_instance = default_registry.on_pre_unfreeze_instance
"""A decorator: :meth:`Registry.on_pre_unfreeze_instance` on :data:`default_registry`."""
on_pre_rerun_instance = default_registry.on_pre_rerun_instance
"""A decorator: :meth:`Registry.on_pre_rerun_instance` on :data:`default_registry`."""
on_pre_set_instance_success = default_registry.on_pre_set_instance_success
"""A decorator: :meth:`Registry.on_pre_set_instance_success` on :data:`default_registry`."""
on_pre_kill_instance = default_registry.on_pre_kill_instance
"""A decorator: :meth:`Registry.on_pre_kill_instance` on :data:`default_registry`."""
on_commit_file = default_registry.on_commit_file
"""A decorator: :meth:`Registry.on_commit_file` on :data:`default_registry`."""
on_deploy_file = default_registry.on_deploy_file
"""A decorator: :meth:`Registry.on_deploy_file` on :data:`default_registry`."""
on_run_file = default_registry.on_run_file
"""A decorator: :meth:`Registry.on_run_file` on :data:`default_registry`."""
on_delete_file = default_registry.on_delete_file
"""A decorator: :meth:`Registry.on_delete_file` on :data:`default_registry`."""
on_commit_table = default_registry.on_commit_table
"""A decorator: :meth:`Registry.on_commit_table` on :data:`default_registry`."""
on_deploy_table = default_registry.on_deploy_table
"""A decorator: :meth:`Registry.on_deploy_table` on :data:`default_registry`."""
# END GENERATED aliases
