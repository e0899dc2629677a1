"""Registering checks with the decorators."""

from __future__ import annotations

import functools
from typing import Any

import pytest

import dataworks_ext
from dataworks_ext import (
    BackfillEvent,
    EventMessage,
    FreezeNodeEvent,
    Registry,
    RestoreNodeEvent,
    UnpublishNodeEvent,
    Verdict,
)


def test_bare_and_named_decorators_register_and_return_the_function_unchanged() -> None:
    reg = Registry()

    def freeze_check(event: FreezeNodeEvent) -> bool:
        return True

    assert reg.on_freeze(freeze_check) is freeze_check

    @reg.on_backfill(name="max-range")
    def backfill_check(event: BackfillEvent) -> Verdict:
        return Verdict.ok()

    assert backfill_check.__name__ == "backfill_check"
    (freeze,) = reg.checks_for(FreezeNodeEvent)
    assert freeze.name.endswith("freeze_check")
    assert freeze.fn is freeze_check
    assert reg.checks_for(BackfillEvent)[0].name == "max-range"
    assert reg.checks_for(RestoreNodeEvent) == ()
    assert len(reg) == 2


def test_each_decorator_registers_for_its_event() -> None:
    reg = Registry()
    reg.on_freeze(lambda e: True)
    reg.on_restore(lambda e: True)
    reg.on_unpublish(lambda e: True)
    reg.on_backfill(lambda e: True)
    for cls in (FreezeNodeEvent, RestoreNodeEvent, UnpublishNodeEvent, BackfillEvent):
        assert len(reg.checks_for(cls)) == 1
        assert reg.checks_for(cls)[0].event_type is cls


def test_second_positional_parameter_receives_the_message() -> None:
    reg = Registry()

    def one(event: FreezeNodeEvent) -> None: ...
    def two(event: FreezeNodeEvent, message: EventMessage) -> None: ...
    def star(*args: Any) -> None: ...

    async def two_async(event: FreezeNodeEvent, message: EventMessage) -> None: ...

    class Policy:
        def __call__(self, event: FreezeNodeEvent) -> bool:
            return True

    class MessagePolicy:
        def __call__(self, event: FreezeNodeEvent, message: EventMessage) -> bool:
            return True

    class Holder:
        def method(self, event: FreezeNodeEvent, message: EventMessage) -> None: ...

    partial = functools.partial(lambda flag, event: flag, True)
    checks = [
        reg.add(FreezeNodeEvent, fn)
        for fn in (one, two, star, two_async, Policy(), MessagePolicy(), Holder().method, partial)
    ]
    assert [c.wants_message for c in checks] == [False, True, True, True, False, True, True, False]
    assert [c.is_async for c in checks] == [False, False, False, True, False, False, False, False]


def test_module_level_decorators_write_to_the_default_registry() -> None:
    before = len(dataworks_ext.default_registry.checks_for(RestoreNodeEvent))

    @dataworks_ext.on_restore
    def some_check(event: RestoreNodeEvent) -> None: ...

    checks = dataworks_ext.default_registry.checks_for(RestoreNodeEvent)
    assert len(checks) == before + 1 and checks[-1].fn is some_check
    # leave the default registry as it was for other tests
    dataworks_ext.default_registry._checks[RestoreNodeEvent] = checks[:-1]


def test_include_merges_registries() -> None:
    shared, team = Registry(), Registry()
    shared.on_freeze(lambda e: True)
    team.on_freeze(lambda e: False)
    team.include(shared)
    assert len(team.checks_for(FreezeNodeEvent)) == 2


def test_bad_registrations_are_refused_clearly() -> None:
    reg = Registry()
    with pytest.raises(TypeError, match="must be callable"):
        reg.on_freeze(42)  # type: ignore[call-overload]
    with pytest.raises(TypeError, match="can be registered for"):
        reg.add(dataworks_ext.UnknownEvent, lambda e: True)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="name"):
        reg.on_freeze(name="  ")(lambda e: True)


def test_repr_counts_checks() -> None:
    reg = Registry()
    reg.on_backfill(lambda e: True)
    assert repr(reg) == "Registry(BackfillEvent=1)"
