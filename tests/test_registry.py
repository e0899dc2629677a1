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


# ---------------------------------------------------------------- every extension point


NEW_DECORATORS = {
    "on_commit_file": dataworks_ext.CommitFileEvent,
    "on_deploy_file": dataworks_ext.DeployFileEvent,
    "on_run_file": dataworks_ext.RunFileEvent,
    "on_delete_file": dataworks_ext.DeleteFileEvent,
    "on_commit_table": dataworks_ext.CommitTableEvent,
    "on_deploy_table": dataworks_ext.DeployTableEvent,
    "on_pre_freeze_instance": dataworks_ext.PreFreezeInstanceEvent,
    "on_pre_unfreeze_instance": dataworks_ext.PreUnfreezeInstanceEvent,
    "on_pre_rerun_instance": dataworks_ext.PreRerunInstanceEvent,
    "on_pre_set_instance_success": dataworks_ext.PreSetInstanceSuccessEvent,
    "on_pre_kill_instance": dataworks_ext.PreKillInstanceEvent,
}


def test_each_new_decorator_registers_for_its_event_and_on_code_agrees() -> None:
    for name, cls in NEW_DECORATORS.items():
        reg = Registry()
        getattr(reg, name)(lambda e: True)
        assert reg.checks_for(cls)[0].event_type is cls
        assert reg.checks_for_code(cls.event_code) == reg.checks_for(cls)
        by_code = Registry()
        by_code.on(cls.event_code, name="by-code")(lambda e: True)
        assert by_code.checks_for(cls)[0].name == "by-code"
        assert getattr(dataworks_ext, name).__self__ is dataworks_ext.default_registry


def test_on_a_generic_code_registers_for_messages_of_that_code() -> None:
    from dataworks_ext.testing import commit_file_event, extension_point_event

    reg = Registry()

    @reg.on("start-diJob", name="sync-hours")
    def sync_hours(event: dataworks_ext.ExtensionPointEvent) -> Verdict:
        return Verdict.ok()

    reg.on("archive-project")(lambda event: False)  # a code newer than the SDK
    (check,) = reg.checks_for_message(extension_point_event("start-diJob"))
    assert check.fn is sync_hours and check.event_code == "start-diJob"
    assert reg.checks_for_message(extension_point_event("batch-start-diJob")) == ()
    assert len(reg.checks_for_message(extension_point_event("archive-project"))) == 1
    assert reg.checks_for_message(commit_file_event()) == ()
    assert reg.checks_for(dataworks_ext.ExtensionPointEvent) == ()
    assert len(reg) == 2
    assert "'start-diJob'=1" in repr(reg)
    other = Registry()
    other.include(reg)
    assert len(other.checks_for_code("start-diJob")) == 1


def test_regular_event_codes_and_blank_codes_are_refused() -> None:
    reg = Registry()
    with pytest.raises(ValueError, match="regular event"):
        reg.on("instance-status-changes")(lambda e: True)
    with pytest.raises(ValueError, match="non-empty"):
        reg.on(" ")(lambda e: True)
    with pytest.raises(TypeError, match=r"Registry\.on"):
        reg.add(dataworks_ext.ExtensionPointEvent, lambda e: True)  # type: ignore[arg-type]


def test_version_counts_every_change() -> None:
    reg = Registry()
    assert reg.version == 0
    reg.on_freeze(lambda e: True)
    reg.on("delete-project")(lambda e: True)
    reg.include(Registry())
    assert reg.version == 3


def _no_params() -> Verdict:
    return Verdict.ok()


def _three(event: Any, message: Any, extra: Any) -> None: ...


def _kw_only(event: Any, *, strict: bool) -> None: ...


@pytest.mark.parametrize(
    ("fn", "problem"),
    [
        (_no_params, "takes no parameter"),
        (lambda: True, "takes no parameter"),
        (_three, "needs 3 positional arguments"),
        (_kw_only, "needs 1 keyword-only argument"),
    ],
)
def test_a_check_that_cannot_take_the_event_is_refused_with_the_right_signature(
    fn: Any, problem: str
) -> None:
    reg = Registry()
    with pytest.raises(TypeError) as caught:
        reg.on_freeze(fn)
    text = str(caught.value)
    assert problem in text
    assert "def check(event: FreezeNodeEvent) -> Verdict" in text
    assert "def check(event: FreezeNodeEvent, message: EventMessage) -> Verdict" in text
    with pytest.raises(TypeError, match="def check\\(event: ExtensionPointEvent\\)"):
        reg.on("start-diJob")(fn)
    assert len(reg) == 0


def test_defaults_and_star_args_are_accepted() -> None:
    reg = Registry()

    def with_default(event: Any, message: Any = None, limit: int = 5) -> None: ...
    def star(*args: Any) -> None: ...
    def opt_kw(event: Any, *, strict: bool = True) -> None: ...

    checks = [reg.add(FreezeNodeEvent, fn) for fn in (with_default, star, opt_kw)]
    assert [c.wants_message for c in checks] == [True, True, False]
