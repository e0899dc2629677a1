"""dataworks_ext.policies: each rule directly and through a real Extension, the window
boundaries and limits as properties, configuration from mappings, typing, and the docs."""

from __future__ import annotations

import datetime as dt
import doctest
import importlib
import importlib.util
import pkgutil
import re
import subprocess
import sys
import textwrap
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any, get_args
from zoneinfo import ZoneInfo

import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

import dataworks_ext.policies as policies
from dataworks_ext import (
    BackfillEvent,
    ConfigurationError,
    Extension,
    FreezeNodeEvent,
    Registry,
    RestoreNodeEvent,
    UnpublishNodeEvent,
    Verdict,
)
from dataworks_ext.policies import (
    AllOf,
    BackfillLimits,
    ChangeFreezeWindow,
    Daily,
    InWorkspaces,
    Monthly,
    OperatorAllowlist,
    OperatorDenylist,
    ProtectedNodes,
    TimeRange,
    Weekly,
    Window,
    all_of,
    any_of,
    from_config,
    not_,
    register,
    rule_from_config,
    rule_type,
    when,
)
from dataworks_ext.policies import _types as rule_types
from dataworks_ext.testing import (
    RecordingCallback,
    backfill_event,
    commit_file_event,
    freeze_event,
    pre_freeze_instance_event,
    pre_kill_instance_event,
    pre_rerun_instance_event,
    pre_set_instance_success_event,
    pre_unfreeze_instance_event,
    restore_event,
    unpublish_event,
)

ROOT = Path(__file__).resolve().parent.parent
SHANGHAI = ZoneInfo("Asia/Shanghai")
BERLIN = ZoneInfo("Europe/Berlin")
UTC = dt.timezone.utc
TICK = dt.timedelta(microseconds=1)
SECOND = dt.timedelta(seconds=1)
PROTECTED = 700005966962
ADMIN = "1107550004253538"
OUTSIDER = "2088000000000001"

FAST = settings(max_examples=60, deadline=None)
"""Enough examples to find an off-by-one; few enough to keep the file at a few seconds."""


def utc(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(UTC)


def later(moment: dt.datetime, length: dt.timedelta) -> dt.datetime:
    """``moment + length`` as elapsed time (``+`` on an aware datetime adds wall-clock time)."""
    return (utc(moment) + length).astimezone(moment.tzinfo)


def clock_at(moment: dt.datetime) -> Callable[[], dt.datetime]:
    return lambda: moment


def extension(reg: Registry) -> tuple[Extension, RecordingCallback]:
    recorder = RecordingCallback()
    return Extension(
        "ext-policies", callback=recorder, registry=reg, handler_timeout=None
    ), recorder


def expect_config_error(key: str) -> Any:
    """pytest.raises for a ConfigurationError whose text starts with ``key:``."""
    return pytest.raises(ConfigurationError, match="^" + re.escape(key) + ":")


# ---------------------------------------------------------------------- import cost


def test_import_dataworks_ext_does_not_import_the_policies() -> None:
    code = (
        "import sys, dataworks_ext; "
        "print(sorted(m for m in sys.modules if m.startswith('dataworks_ext.policies')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert out.stdout.strip() == "[]"


# ---------------------------------------------------------------------- ProtectedNodes


def test_protected_nodes_refuse_freeze_and_unpublish_naming_the_nodes() -> None:
    rule = ProtectedNodes([PROTECTED, 700005966963])
    reg = Registry()
    reg.on_freeze(rule)
    reg.on_unpublish(rule)
    ext, recorder = extension(reg)

    frozen = ext.handle(freeze_event(node_ids=[1, PROTECTED], message_id="m-freeze"))
    unpublished = ext.handle(unpublish_event(node_ids=[700005966963], message_id="m-unpub"))
    harmless = ext.handle(freeze_event(node_ids=[1, 2]))

    assert recorder.verdicts["m-freeze"] == Verdict.fail(
        f"Freezing nodes is not allowed: protected nodes {PROTECTED}"
    )
    assert frozen.delivered
    assert unpublished.verdict == Verdict.fail(
        "Unpublishing nodes is not allowed: protected nodes 700005966963"
    )
    assert harmless.verdict is not None and harmless.verdict.passed


def test_protected_nodes_in_a_backfill_root_or_included_but_not_dry_run() -> None:
    rule = ProtectedNodes([PROTECTED])
    reg = Registry()
    reg.on_backfill(rule)
    ext, _ = extension(reg)

    as_root = ext.handle(backfill_event(root_node_id=PROTECTED, include_node_ids=[1]))
    included = ext.handle(backfill_event(root_node_id=1, include_node_ids=[2, PROTECTED]))
    dry_run = ext.handle(
        backfill_event(root_node_id=1, include_node_ids=[PROTECTED], exclude_node_ids=[PROTECTED])
    )
    elsewhere = ext.handle(backfill_event(root_node_id=1, include_node_ids=[2, 3]))

    assert as_root.verdict == Verdict.fail(
        f"Backfilling data is not allowed: protected nodes {PROTECTED}"
    )
    assert included.verdict is not None and not included.verdict.passed
    assert dry_run.verdict is not None and dry_run.verdict.passed
    assert elsewhere.verdict is not None and elsewhere.verdict.passed


def test_protected_nodes_by_predicate_and_custom_message() -> None:
    rule = ProtectedNodes(
        lambda node: node % 2 == 0, message="{operation}: {nodes} are even ({Action})"
    )
    verdict = rule(freeze_event(node_ids=[1, 2, 3, 4]).event)
    assert verdict == Verdict.fail("freeze: 2, 4 are even (Freezing nodes)")
    assert rule.node_ids is None
    assert rule(freeze_event(node_ids=[1, 3]).event).passed


def test_protected_nodes_tip_stays_short_for_massive_backfills() -> None:
    rule = ProtectedNodes(range(1, 5000))
    tip = rule(backfill_event(root_node_id=1, include_node_ids=range(1, 3001)).event).tip
    assert tip is not None
    assert tip.endswith("and 2980 more")
    assert len(tip) < 400


@FAST
@given(
    protected=st.frozensets(st.integers(1, 60), max_size=8),
    touched=st.lists(st.integers(1, 60), min_size=1, max_size=10),
)
def test_protected_nodes_fail_exactly_when_a_protected_node_is_touched(
    protected: frozenset[int], touched: list[int]
) -> None:
    rule = ProtectedNodes(protected)
    verdict = rule(unpublish_event(node_ids=touched).event)
    hit = [n for n in dict.fromkeys(touched) if n in protected]
    assert verdict.passed is (not hit)
    if hit:
        assert verdict.tip == "Unpublishing nodes is not allowed: protected nodes " + ", ".join(
            map(str, hit)
        )


def test_protected_nodes_configuration_errors_name_the_key() -> None:
    with expect_config_error("node_ids"):
        ProtectedNodes(700005966962)  # type: ignore[arg-type]
    with expect_config_error("node_ids[1]"):
        ProtectedNodes([1, "two"])  # type: ignore[list-item]
    with expect_config_error("node_ids[0]"):
        ProtectedNodes([True])
    with expect_config_error("message"):
        ProtectedNodes([1], message="{node} is protected")
    with expect_config_error("message"):
        ProtectedNodes([1], message="")
    with expect_config_error("node_ids"):
        ProtectedNodes.from_dict({})
    with pytest.raises(ConfigurationError, match=r"^node_idz: .*did you mean 'node_ids'"):
        ProtectedNodes.from_dict({"node_idz": [1]})
    with expect_config_error("type"):
        ProtectedNodes.from_dict({"type": "backfill_limits", "node_ids": [1]})


def test_protected_nodes_accept_ids_as_decimal_strings() -> None:
    rule = ProtectedNodes.from_dict({"node_ids": ["700005966962"], "type": "protected-nodes"})
    assert rule.node_ids == frozenset({PROTECTED})


# ---------------------------------------------------------------------- BackfillLimits


@FAST
@given(days=st.integers(1, 60), limit=st.integers(1, 60))
@example(days=31, limit=31)
@example(days=32, limit=31)
def test_max_days_is_inclusive(days: int, limit: int) -> None:
    verdict = BackfillLimits(max_days=limit)(
        backfill_event(days=days, start=dt.date(2024, 1, 1)).event
    )
    assert verdict.passed is (days <= limit)
    if days > limit:
        assert verdict.tip == f"The backfill covers {days} days; the limit is {limit} days"


@FAST
@given(nodes=st.integers(1, 40), limit=st.integers(1, 40))
@example(nodes=40, limit=40)
def test_max_nodes_is_inclusive_and_counts_root_and_included(nodes: int, limit: int) -> None:
    event = backfill_event(root_node_id=1, include_node_ids=range(1, nodes + 1)).event
    assert len(event.node_ids) == nodes
    verdict = BackfillLimits(max_nodes=limit)(event)
    assert verdict.passed is (nodes <= limit)
    if nodes > limit:
        assert verdict.tip == f"The backfill runs {nodes} nodes; the limit is {limit} nodes"


@FAST
@given(groups=st.integers(1, 12), limit=st.integers(1, 12), parallel=st.booleans())
def test_max_parallel_groups_is_inclusive_and_only_for_parallel_backfills(
    groups: int, limit: int, parallel: bool
) -> None:
    event = backfill_event(is_parallel=parallel, parallel_group=groups).event
    verdict = BackfillLimits(max_parallel_groups=limit)(event)
    effective = groups if parallel else 1
    assert verdict.passed is (effective <= limit)
    if not verdict.passed:
        assert verdict.tip == (
            f"The backfill runs in {groups} parallel groups; the limit is {limit}"
        )


def test_forbid_future_immediate() -> None:
    rule = BackfillLimits(forbid_future_immediate=True)
    refused = rule(backfill_event(start_future_instance_immediately=True).event)
    assert not refused.passed
    assert "future instances immediately" in (refused.tip or "")
    assert rule(backfill_event(start_future_instance_immediately=False).event).passed
    assert BackfillLimits(max_days=5)(
        backfill_event(start_future_instance_immediately=True).event
    ).passed


def test_backfill_limits_name_every_limit_crossed_through_an_extension() -> None:
    reg = Registry()
    reg.on_backfill(
        BackfillLimits(max_days=7, max_nodes=3, max_parallel_groups=2, forbid_future_immediate=True)
    )
    ext, recorder = extension(reg)
    message = backfill_event(
        days=8,
        root_node_id=1,
        include_node_ids=[1, 2, 3, 4],
        is_parallel=True,
        parallel_group=3,
        start_future_instance_immediately=True,
        message_id="m-1",
    )
    ext.handle(message)
    tip = recorder.verdicts["m-1"].tip or ""
    assert tip.split("; ")[::2] == [
        "The backfill covers 8 days",
        "The backfill runs 4 nodes",
        "The backfill runs in 3 parallel groups",
        "The backfill starts future instances immediately, which is not allowed",
    ]


def test_backfill_days_count_overlapping_periods_once() -> None:
    event = backfill_event(
        periods=[
            (dt.date(2024, 4, 1), dt.date(2024, 4, 20)),
            (dt.date(2024, 4, 10), dt.date(2024, 4, 30)),
        ]
    ).event
    assert BackfillLimits(max_days=30)(event).passed
    assert not BackfillLimits(max_days=29)(event).passed


@pytest.mark.parametrize(
    ("kwargs", "key"),
    [
        ({"max_days": 0}, "max_days"),
        ({"max_days": True}, "max_days"),
        ({"max_days": "31"}, "max_days"),
        ({"max_nodes": -1}, "max_nodes"),
        ({"max_parallel_groups": 2.5}, "max_parallel_groups"),
        ({"forbid_future_immediate": "yes"}, "forbid_future_immediate"),
        ({}, "max_days"),
    ],
)
def test_backfill_limits_configuration_errors(kwargs: dict[str, Any], key: str) -> None:
    with expect_config_error(key):
        BackfillLimits(**kwargs)
    with expect_config_error(key):
        BackfillLimits.from_dict(kwargs)


# ---------------------------------------------------------------------- windows: exact bounds

aware_instants = st.datetimes(
    min_value=dt.datetime(1995, 1, 1),
    max_value=dt.datetime(2090, 12, 31),
    allow_imaginary=False,
    timezones=st.sampled_from(
        [UTC, SHANGHAI, BERLIN, ZoneInfo("America/New_York"), ZoneInfo("Australia/Lord_Howe")]
    ),
)
zones = st.sampled_from(
    [
        "UTC",
        "Asia/Shanghai",
        "Europe/Berlin",
        "America/New_York",
        "America/Santiago",
        "Australia/Lord_Howe",
        "Asia/Kolkata",
        "Pacific/Chatham",
    ]
)
times_of_day = st.builds(dt.time, st.integers(0, 23), st.sampled_from([0, 15, 30, 59]))
weekday_names = st.sampled_from(["mon", "tue", "wed", "thu", "fri", "sat", "sun"])


@FAST
@given(
    start=aware_instants,
    length=st.timedeltas(min_value=SECOND, max_value=dt.timedelta(days=40)),
)
def test_time_range_contains_its_start_and_not_its_end(
    start: dt.datetime, length: dt.timedelta
) -> None:
    end = later(start, length)
    window = TimeRange(start, end, name="release freeze")
    assert start in window
    assert utc(end) - TICK in window
    assert utc(end) - SECOND in window or length == SECOND
    assert end not in window
    assert utc(start) - TICK not in window


@FAST
@given(
    start=aware_instants.map(lambda d: d.replace(microsecond=0)),
    length=st.integers(1, 40 * 86400).map(lambda s: dt.timedelta(seconds=s)),
)
def test_change_freeze_window_through_an_extension_at_the_boundaries(
    start: dt.datetime, length: dt.timedelta
) -> None:
    end = later(start, length)
    now = [start]
    rule = ChangeFreezeWindow(TimeRange(start, end, name="release freeze"), clock=lambda: now[0])
    reg = Registry()
    reg.on_freeze(rule)
    ext, _ = extension(reg)

    at_start = ext.handle(freeze_event()).verdict
    now[0] = utc(end) - SECOND
    before_end = ext.handle(freeze_event()).verdict
    now[0] = end
    at_end = ext.handle(freeze_event()).verdict

    shape = "%Y-%m-%d %H:%M:%S" if end.second else "%Y-%m-%d %H:%M"
    label = getattr(end.tzinfo, "key", None) or str(end.tzinfo)
    expected = f"Freezing nodes is not allowed during release freeze (until {end:{shape}} {label})"
    assert at_start == Verdict.fail(expected)
    assert before_end == Verdict.fail(expected)
    assert at_end is not None and at_end.passed


def _weekly_or_none(start: str, end: str, zone: str) -> Weekly | None:
    try:
        return Weekly(start, end, timezone=zone, name="weekly")
    except ConfigurationError:
        return None


def _daily_or_none(start: dt.time, end: dt.time, zone: str, days: list[str] | None) -> Daily | None:
    try:
        return Daily(start, end, timezone=zone, name="daily", days=days)
    except ConfigurationError:
        return None


recurring_windows = st.one_of(
    st.builds(
        _weekly_or_none,
        st.tuples(weekday_names, times_of_day).map(lambda p: f"{p[0]} {p[1]:%H:%M}"),
        st.tuples(weekday_names, times_of_day).map(lambda p: f"{p[0]} {p[1]:%H:%M}"),
        zones,
    ),
    st.builds(
        _daily_or_none,
        times_of_day,
        times_of_day,
        zones,
        st.none() | st.lists(weekday_names, min_size=1, max_size=6, unique=True),
    ),
    st.builds(
        lambda days, zone: Monthly(days, timezone=zone, name="monthly"),
        st.frozensets(st.integers(-31, 31).filter(bool), min_size=1, max_size=6),
        zones,
    ),
).filter(lambda w: w is not None)


@FAST
@given(window=recurring_windows, now=aware_instants)
def test_recurring_window_occurrences_are_exact_half_open_intervals(
    window: Window, now: dt.datetime
) -> None:
    occurrence = window.active(now)
    if occurrence is None:
        assert now not in window
        return
    assert occurrence.start.tzinfo is window.timezone
    assert occurrence.end.tzinfo is window.timezone
    start, end = utc(occurrence.start), utc(occurrence.end)  # compare instants, not wall time
    assume(end - start < dt.timedelta(days=300))  # not a window that (nearly) never ends
    assert start <= utc(now) < end
    for inside in (start, end - TICK, end - SECOND):
        again = window.active(inside)
        assert again is not None
        assert (utc(again.start), utc(again.end)) == (start, end)
    assert window.active(end) is None
    assert window.active(start - TICK) is None


def test_weekends_across_a_daylight_saving_change() -> None:
    weekend = Weekly.weekends(timezone="Europe/Berlin")
    saturday = dt.datetime(2024, 3, 30, 0, 0, tzinfo=BERLIN)  # clocks go forward on Sunday
    occurrence = weekend.active(saturday)
    assert occurrence is not None
    assert occurrence.end == dt.datetime(2024, 4, 1, 0, 0, tzinfo=BERLIN)
    assert occurrence.end.utcoffset() == dt.timedelta(hours=2)
    assert utc(occurrence.end) - utc(occurrence.start) == dt.timedelta(hours=47)
    assert dt.datetime(2024, 3, 29, 23, 59, 59, tzinfo=BERLIN) not in weekend
    assert dt.datetime(2024, 3, 31, 23, 59, 59, tzinfo=BERLIN) in weekend
    assert dt.datetime(2024, 4, 1, 0, 0, tzinfo=BERLIN) not in weekend


def test_time_range_in_the_repeated_hour_compares_instants_not_wall_clock() -> None:
    # Berlin, 27 October 2024: 02:00-03:00 happens twice (fold=0 summer time, fold=1 winter).
    start = dt.datetime(2024, 10, 27, 2, 30, fold=1, tzinfo=BERLIN)  # 01:30 UTC
    window = TimeRange(start, start + dt.timedelta(hours=1), name="maintenance")
    earlier = dt.datetime(2024, 10, 27, 2, 45, fold=0, tzinfo=BERLIN)  # 00:45 UTC
    assert earlier not in window
    assert dt.datetime(2024, 10, 27, 1, 30, tzinfo=UTC) in window
    with expect_config_error("end"):
        TimeRange(start, dt.datetime(2024, 10, 27, 2, 45, fold=0, tzinfo=BERLIN), name="x")


def test_month_end_close_is_the_last_local_day_and_says_when_it_ends() -> None:
    close = Monthly.month_end(timezone="Asia/Shanghai")
    last_day = dt.datetime(2024, 2, 29, 0, 0, tzinfo=SHANGHAI)
    assert last_day in close
    assert last_day - TICK not in close
    assert dt.datetime(2024, 2, 29, 16, 0, tzinfo=UTC) not in close  # 00:00 on 1 March there
    assert dt.datetime(2023, 2, 28, 12, 0, tzinfo=SHANGHAI) in close
    assert dt.datetime(2024, 2, 28, 12, 0, tzinfo=SHANGHAI) not in close

    rule = ChangeFreezeWindow(close, clock=clock_at(dt.datetime(2024, 4, 30, 9, 0, tzinfo=UTC)))
    assert rule(restore_event().event) == Verdict.fail(
        "Restoring nodes is not allowed during the month-end close "
        "(until 2024-05-01 00:00 Asia/Shanghai)"
    )


def test_monthly_days_join_across_the_turn_of_the_month() -> None:
    close = Monthly([-1, 1, 2], timezone="UTC", name="close")
    occurrence = close.active(dt.datetime(2024, 1, 31, 12, tzinfo=UTC))
    assert occurrence is not None
    assert (occurrence.start, occurrence.end) == (
        dt.datetime(2024, 1, 31, tzinfo=UTC),
        dt.datetime(2024, 2, 3, tzinfo=UTC),
    )
    assert (
        Monthly([31], timezone="UTC", name="31st").active(dt.datetime(2024, 4, 30, tzinfo=UTC))
        is None
    )


def test_daily_window_overnight_and_on_given_days() -> None:
    nightly = Daily("22:00", "24:00", timezone=SHANGHAI, name="nightly", days=["fri"])
    friday = dt.datetime(2024, 4, 26, 22, 0, tzinfo=SHANGHAI)
    assert friday in nightly
    assert friday + dt.timedelta(hours=2) not in nightly
    assert friday + dt.timedelta(days=1) not in nightly
    overnight = Daily(dt.time(22), dt.time(6), timezone=SHANGHAI, name="batch")
    occurrence = overnight.active(dt.datetime(2024, 4, 27, 5, 59, 59, tzinfo=SHANGHAI))
    assert occurrence is not None
    assert occurrence.start == dt.datetime(2024, 4, 26, 22, 0, tzinfo=SHANGHAI)


def test_several_active_windows_are_all_named() -> None:
    rule = ChangeFreezeWindow(
        Monthly.month_end(timezone="UTC"),
        Weekly.weekends(timezone="UTC"),
        Daily("09:00", "10:00", timezone="UTC", name="stand-up"),
        message="{window} until {end}",
        clock=clock_at(dt.datetime(2024, 3, 31, 12, 0, tzinfo=UTC)),  # a Sunday, month-end
    )
    assert rule(backfill_event().event) == Verdict.fail(
        "the month-end close until 2024-04-01 00:00 UTC; the weekend until 2024-04-01 00:00 UTC"
    )
    assert [o.name for o in rule.active(dt.datetime(2024, 4, 2, 9, 30, tzinfo=UTC))] == ["stand-up"]


def test_naive_datetimes_are_refused_with_a_clear_error() -> None:
    naive = dt.datetime(2024, 4, 30, 12, 0)
    aware = naive.replace(tzinfo=UTC)
    with pytest.raises(ConfigurationError, match=r"^start: is a naive datetime.*time zone"):
        TimeRange(naive, aware, name="x")
    with expect_config_error("end"):
        TimeRange(aware, naive, name="x")
    with expect_config_error("now"):
        Weekly.weekends(timezone="UTC").active(naive)
    rule = ChangeFreezeWindow(Weekly.weekends(timezone="UTC"), clock=lambda: naive)
    with expect_config_error("clock"):
        rule(freeze_event().event)


def test_a_naive_clock_fails_closed_through_an_extension() -> None:
    reg = Registry()
    reg.on_freeze(
        ChangeFreezeWindow(Weekly.weekends(timezone="UTC"), clock=dt.datetime.now), name="window"
    )
    outcome = Extension("ext", registry=reg, handler_timeout=None).handle(freeze_event())
    assert outcome.verdict is not None and not outcome.verdict.passed
    assert isinstance(outcome.error, ConfigurationError)


@pytest.mark.parametrize(
    ("build", "key"),
    [
        (
            lambda: TimeRange(
                dt.datetime(2024, 1, 2, tzinfo=UTC), dt.datetime(2024, 1, 1, tzinfo=UTC), name="x"
            ),
            "end",
        ),
        (lambda: Weekly("sat", "sat 00:00", timezone="UTC", name="x"), "end"),
        (lambda: Weekly("caturday", "mon", timezone="UTC", name="x"), "start"),
        (lambda: Weekly("sat", "mon", timezone="Mars/Olympus", name="x"), "timezone"),
        (lambda: Weekly("sat", "mon", timezone="UTC", name=""), "name"),
        (lambda: Daily("22:00", "22:00", timezone="UTC", name="x"), "end"),
        (lambda: Daily("25:00", "22:00", timezone="UTC", name="x"), "start"),
        (lambda: Daily("20:00", "22:00", timezone="UTC", name="x", days=["mon", "x"]), "days[1]"),
        (lambda: Monthly([0], timezone="UTC", name="x"), "days[0]"),
        (lambda: Monthly([], timezone="UTC", name="x"), "days"),
        (lambda: Monthly.month_end(timezone="UTC", days=0), "days"),
        (lambda: ChangeFreezeWindow(), "windows"),
        (lambda: ChangeFreezeWindow("weekend"), "windows[0]"),  # type: ignore[arg-type]
    ],
)
def test_window_configuration_errors_name_the_key(build: Callable[[], object], key: str) -> None:
    with expect_config_error(key):
        build()


# ---------------------------------------------------------------------- operators, workspaces


@FAST
@given(
    listed=st.frozensets(st.sampled_from([ADMIN, OUTSIDER, "42", "43"]), max_size=3),
    operator=st.sampled_from([ADMIN, OUTSIDER, "42", "43"]),
    build=st.sampled_from([freeze_event, restore_event, unpublish_event, backfill_event]),
)
def test_allowlist_and_denylist_are_opposites(
    listed: frozenset[str], operator: str, build: Callable[..., Any]
) -> None:
    event = build(operator=operator).event
    allowed = OperatorAllowlist(listed)(event)
    denied = OperatorDenylist(listed)(event)
    assert allowed.passed is (operator in listed)
    assert denied.passed is (operator not in listed)
    if not denied.passed:
        assert operator in (denied.tip or "")
    if not allowed.passed:
        assert operator in (allowed.tip or "")


def test_operator_lists_per_operation() -> None:
    rule = OperatorAllowlist({"backfill": [ADMIN], "unpublish": [int(ADMIN)]})  # type: ignore[list-item]
    assert rule.operations == {"backfill", "unpublish"}
    assert rule(backfill_event(operator=ADMIN).event).passed
    assert rule(unpublish_event(operator=ADMIN).event).passed
    assert rule(freeze_event(operator=OUTSIDER).event).passed  # not governed
    refused = rule(backfill_event(operator=OUTSIDER).event)
    assert refused == Verdict.fail(
        f"Backfilling data is limited to approved accounts; account {OUTSIDER} is not one"
    )
    with expect_config_error("uids.frezee"):
        OperatorDenylist({"frezee": [ADMIN]})  # type: ignore[dict-item]
    with expect_config_error("uids[0]"):
        OperatorDenylist([""])
    with expect_config_error("uids"):
        OperatorDenylist(ADMIN)


def test_operator_denylist_through_an_extension_with_its_default_operations() -> None:
    reg = register(Registry(), OperatorDenylist([OUTSIDER]), name="denylist")
    assert all(
        len(reg.checks_for(cls)) == 1
        for cls in (FreezeNodeEvent, RestoreNodeEvent, UnpublishNodeEvent, BackfillEvent)
    )
    ext, recorder = extension(reg)
    ext.handle(restore_event(operator=OUTSIDER, message_id="m-1"))
    ext.handle(restore_event(operator=ADMIN, message_id="m-2"))
    assert recorder.verdicts["m-1"] == Verdict.fail(
        f"Restoring nodes is not allowed for account {OUTSIDER}"
    )
    assert recorder.verdicts["m-2"].passed


@FAST
@given(
    workspaces=st.frozensets(st.integers(1, 6), min_size=1, max_size=3),
    project=st.integers(1, 6),
    days=st.integers(1, 14),
)
def test_in_workspaces_applies_the_rule_only_there(
    workspaces: frozenset[int], project: int, days: int
) -> None:
    rule = InWorkspaces(workspaces, BackfillLimits(max_days=7))
    verdict = rule(backfill_event(days=days, project_id=project).event)
    assert verdict.passed is (project not in workspaces or days <= 7)


def test_in_workspaces_errors_and_operations() -> None:
    with expect_config_error("project_ids"):
        InWorkspaces([], ProtectedNodes([1]))
    with expect_config_error("rule"):
        InWorkspaces([1], "protected")  # type: ignore[arg-type]
    assert InWorkspaces([1], ProtectedNodes([1])).operations == {"freeze", "unpublish"}


# ---------------------------------------------------------------------- combinators


def constant(passes: bool, tip: str) -> Callable[[object], Verdict]:
    def check(event: object) -> Verdict:
        return Verdict.ok() if passes else Verdict.fail(tip)

    check.__qualname__ = tip
    return check


outcomes = st.lists(st.booleans(), min_size=1, max_size=5)


@FAST
@given(results=outcomes)
def test_all_of_passes_iff_every_rule_passes_and_names_every_failure(results: list[bool]) -> None:
    rules = [constant(ok, f"rule {i}") for i, ok in enumerate(results)]
    verdict = all_of(*rules)(freeze_event().event)
    assert verdict.passed is all(results)
    if not verdict.passed:
        assert verdict.tip == "; ".join(f"rule {i}" for i, ok in enumerate(results) if not ok)


@FAST
@given(results=outcomes)
def test_any_of_passes_iff_some_rule_passes(results: list[bool]) -> None:
    calls: list[int] = []

    def counting(i: int, ok: bool) -> Callable[[object], bool]:
        def check(event: object) -> bool:
            calls.append(i)
            return ok

        return check

    verdict = any_of(*(counting(i, ok) for i, ok in enumerate(results)))(freeze_event().event)
    assert verdict.passed is any(results)
    assert calls == list(range(results.index(True) + 1 if any(results) else len(results)))


@FAST
@given(condition=st.booleans(), result=st.booleans())
def test_when_and_not_follow_boolean_logic(condition: bool, result: bool) -> None:
    event = freeze_event().event
    rule = constant(result, "the rule")
    assert when(lambda e: condition, rule)(event).passed is ((not condition) or result)
    negated = not_(rule, message="{Action} refused by {rule}")(event)
    assert negated.passed is (not result)
    if result:
        assert negated.tip == "Freezing nodes refused by the rule"
    assert not_(not_(rule))(event).passed is result


def test_combinators_take_plain_functions_and_refuse_what_they_cannot_run() -> None:
    def short(event: BackfillEvent) -> bool:
        return event.total_days <= 3

    rule = all_of(short, BackfillLimits(max_nodes=10))
    tip = rule(backfill_event(days=4).event).tip
    assert tip == f"Check '{short.__qualname__}' refused the operation"

    async def slow(event: object) -> bool:
        return True

    with pytest.raises(TypeError, match="asynchronous"):
        all_of(slow)(freeze_event().event)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="returned str"):
        any_of(lambda e: "yes")(freeze_event().event)  # type: ignore[arg-type,return-value]
    with expect_config_error("rules"):
        all_of()
    with expect_config_error("rules[1]"):
        any_of(short, 3)  # type: ignore[arg-type]


def test_combined_rules_through_an_extension() -> None:
    window = ChangeFreezeWindow(
        Weekly.weekends(timezone=SHANGHAI),
        clock=clock_at(dt.datetime(2024, 4, 27, 10, 0, tzinfo=SHANGHAI)),  # a Saturday
    )
    reg = Registry()
    # platform admins may work at weekends; everyone else is held to the window
    reg.on_freeze(any_of(OperatorAllowlist([ADMIN]), window))
    reg.on_freeze(ProtectedNodes([PROTECTED]))
    ext, _ = extension(reg)

    admin = ext.handle(freeze_event(operator=ADMIN, node_ids=[1])).verdict
    outsider = ext.handle(freeze_event(operator=OUTSIDER, node_ids=[PROTECTED])).verdict

    assert admin is not None and admin.passed
    assert outsider is not None and outsider.tip == (
        f"Freezing nodes is limited to approved accounts; account {OUTSIDER} is not one; "
        "Freezing nodes is not allowed during the weekend (until 2024-04-29 00:00 Asia/Shanghai); "
        f"Freezing nodes is not allowed: protected nodes {PROTECTED}"
    )


def test_operations_of_combinations() -> None:
    protected, limits = ProtectedNodes([1]), BackfillLimits(max_days=1)
    assert all_of(protected, limits).operations == {"freeze", "unpublish", "backfill"}
    assert AllOf(protected).operations == {"freeze", "unpublish"}
    assert any_of(protected, OperatorDenylist(["1"])).operations == {"freeze", "unpublish"}
    assert when(lambda e: True, limits).operations == {"backfill"}


# ---------------------------------------------------------------------- configuration


CONFIG: dict[str, Any] = {
    "timezone": "Asia/Shanghai",
    "rules": [
        {
            "type": "protected_nodes",
            "node_ids": [PROTECTED],
            "on": ["freeze", "unpublish", "backfill"],
        },
        {"type": "backfill_limits", "max_days": 31, "max_nodes": 500, "name": "limits"},
        {
            "type": "change_freeze_window",
            "windows": [
                {"type": "month_end"},
                {
                    "type": "range",
                    "name": "the year-end release freeze",
                    "start": "2024-12-20T00:00:00+08:00",
                    "end": "2025-01-03T00:00:00+08:00",
                },
            ],
            "on": ["freeze", "restore", "unpublish"],
        },
        {
            "type": "in_workspaces",
            "project_ids": [23393],
            "rule": {"type": "operator_allowlist", "uids": {"backfill": [1107550004253538]}},
        },
    ],
}


def test_from_config_builds_a_registry_that_an_extension_runs() -> None:
    now = [dt.datetime(2024, 4, 10, 12, 0, tzinfo=SHANGHAI)]
    reg = from_config(CONFIG, clock=lambda: now[0])
    assert repr(reg) == (
        "Registry(FreezeNodeEvent=2, RestoreNodeEvent=1, UnpublishNodeEvent=2, BackfillEvent=3)"
    )
    assert [c.name for c in reg.checks_for(BackfillEvent)] == [
        "protected_nodes",
        "limits",
        "in_workspaces",
    ]
    ext, _ = extension(reg)

    def tip(message: Any) -> str | None:
        verdict = ext.handle(message).verdict
        assert verdict is not None
        return verdict.tip

    assert tip(freeze_event(node_ids=[1])) is None
    assert tip(backfill_event(days=31, operator=ADMIN, root_node_id=1)) is None
    assert tip(backfill_event(days=3, operator=OUTSIDER, project_id=1, root_node_id=1)) is None
    assert tip(backfill_event(days=32, operator=ADMIN, root_node_id=1)) == (
        "The backfill covers 32 days; the limit is 31 days"
    )
    assert tip(backfill_event(root_node_id=PROTECTED, operator=OUTSIDER)) == (
        f"Backfilling data is not allowed: protected nodes {PROTECTED}; "
        f"Backfilling data is limited to approved accounts; account {OUTSIDER} is not one"
    )
    now[0] = dt.datetime(2024, 12, 31, 12, 0, tzinfo=SHANGHAI)
    assert tip(restore_event()) == (
        "Restoring nodes is not allowed during the month-end close "
        "(until 2025-01-01 00:00 Asia/Shanghai); "
        "Restoring nodes is not allowed during the year-end release freeze "
        "(until 2025-01-03 00:00 Asia/Shanghai)"
    )


def test_from_config_with_combinators() -> None:
    reg = from_config(
        {
            "rules": [
                {
                    "type": "any_of",
                    "rules": [
                        {"type": "operator_allowlist", "uids": [ADMIN]},
                        {"type": "backfill_limits", "max_days": 7},
                    ],
                },
                {
                    "type": "when",
                    "condition": {"type": "operator_denylist", "uids": [ADMIN]},
                    "rule": {
                        "type": "not",
                        "rule": {"type": "backfill_limits", "max_nodes": 100},
                        "message": "{Action} of fewer than 101 nodes needs no extension",
                    },
                },
                {"type": "all_of", "rules": [{"type": "protected_nodes", "node_ids": [1]}]},
            ]
        }
    )
    assert repr(reg) == "Registry(FreezeNodeEvent=1, UnpublishNodeEvent=1, BackfillEvent=2)"
    first = reg.checks_for(BackfillEvent)[0].fn
    assert not first(backfill_event(days=8, operator=OUTSIDER).event).passed
    assert first(backfill_event(days=8, operator=ADMIN).event).passed
    second = reg.checks_for(BackfillEvent)[1].fn
    assert second(backfill_event(include_node_ids=range(1, 100), operator=ADMIN).event).passed
    assert second(backfill_event(include_node_ids=range(1, 100), operator=OUTSIDER).event) == (
        Verdict.fail("Backfilling data of fewer than 101 nodes needs no extension")
    )
    assert second(backfill_event(include_node_ids=range(1, 101), operator=OUTSIDER).event).passed


@pytest.mark.parametrize(
    ("rules", "key"),
    [
        ([{"type": "backfill_limits", "max_days": "31"}], "rules[0].max_days"),
        ([{}, {"type": "backfill_limits"}], "rules[0].type"),
        ([{"type": "backfil_limits", "max_days": 3}], "rules[0].type"),
        ([{"type": "protected_nodes", "node_ids": [1], "on": ["frezee"]}], "rules[0].on[0]"),
        ([{"type": "protected_nodes", "node_ids": [1], "on": ["restore"]}], "rules[0].on"),
        ([{"type": "backfill_limits", "max_days": 3, "on": "freeze"}], "rules[0].on"),
        ([{"type": "protected_nodes", "node_ids": [1], "name": ""}], "rules[0].name"),
        (
            [{"type": "change_freeze_window", "windows": [{"type": "weekends"}]}],
            "rules[0].windows[0].timezone",
        ),
        (
            [
                {
                    "type": "change_freeze_window",
                    "windows": [
                        {"type": "month_end", "timezone": "UTC"},
                        {
                            "type": "range",
                            "name": "x",
                            "start": "2024-01-01T00:00",
                            "end": "2024-01-02T00:00+08:00",
                        },
                    ],
                }
            ],
            "rules[0].windows[1].start",
        ),
        (
            [{"type": "change_freeze_window", "windows": [{"type": "hourly"}]}],
            "rules[0].windows[0].type",
        ),
        (
            [{"type": "in_workspaces", "project_ids": [1], "rule": {"type": "backfill_limits"}}],
            "rules[0].rule.max_days",
        ),
        (
            [{"type": "all_of", "rules": [{"type": "operator_denylist", "uids": [None]}]}],
            "rules[0].rules[0].uids[0]",
        ),
        ("backfill_limits", "rules"),
    ],
)
def test_configuration_errors_name_the_key(rules: Any, key: str) -> None:
    with expect_config_error(key):
        from_config({"rules": rules})


def test_configuration_errors_about_whole_values_and_top_level_keys() -> None:
    with pytest.raises(ConfigurationError, match=r"^rules\[0\]: a rule must be a mapping"):
        from_config({"rules": [["protected_nodes"]]})
    with expect_config_error("timezone"):
        from_config({"timezone": "Asia/Shangai", "rules": []})
    with pytest.raises(ConfigurationError, match=r"^rule: .*did you mean 'rules'"):
        from_config({"rule": []})
    with pytest.raises(ConfigurationError, match="must be a mapping"):
        from_config([])  # type: ignore[arg-type]


def test_a_bad_rule_leaves_the_given_registry_untouched() -> None:
    reg = Registry()
    with expect_config_error("rules[1].max_days"):
        from_config(
            {
                "rules": [
                    {"type": "protected_nodes", "node_ids": [1]},
                    {"type": "backfill_limits", "max_days": 0},
                ]
            },
            registry=reg,
        )
    assert len(reg) == 0
    assert (
        from_config({"rules": [{"type": "protected_nodes", "node_ids": [1]}]}, registry=reg) is reg
    )
    assert len(reg) == 2


def test_rule_from_config_builds_what_code_builds() -> None:
    from_mapping = rule_from_config(
        {
            "type": "Change-Freeze-Window",
            "windows": [
                {
                    "type": "weekly",
                    "start": "fri 18:00",
                    "end": "mon 08:00",
                    "name": "weekend",
                    "timezone": "Asia/Shanghai",
                }
            ],
        },
        clock=clock_at(dt.datetime(2024, 4, 26, 18, 0, tzinfo=SHANGHAI)),
    )
    assert from_mapping(unpublish_event().event) == Verdict.fail(
        "Unpublishing nodes is not allowed during weekend (until 2024-04-29 08:00 Asia/Shanghai)"
    )


def test_register_refuses_operations_a_rule_cannot_check() -> None:
    with expect_config_error("on"):
        register(Registry(), BackfillLimits(max_days=1), on=["freeze"])
    with expect_config_error("on"):
        register(Registry(), all_of(ProtectedNodes([1]), BackfillLimits(max_days=1)))
    with expect_config_error("registry"):
        register(None, ProtectedNodes([1]))  # type: ignore[arg-type]


# ---------------------------------------------------------------------- a team's rule types


@pytest.fixture
def own_rule_types() -> Any:
    """Rule types a test registers are gone after it."""
    names, supports = dict(rule_types._BY_NAME), dict(rule_types._SUPPORTS)
    yield
    rule_types._BY_NAME.clear()
    rule_types._BY_NAME.update(names)
    rule_types._SUPPORTS.clear()
    rule_types._SUPPORTS.update(supports)


def _max_nodes_type(name: str = "team_max_nodes", **options: Any) -> type:
    @rule_type(name, supports="backfill", **options)
    class MaxNodes:
        def __init__(self, limit: int) -> None:
            self.limit = limit

        def __call__(self, event: BackfillEvent) -> Verdict:
            if len(event.include_node_ids) > self.limit:
                return Verdict.fail(f"at most {self.limit} nodes")
            return Verdict.ok()

        @classmethod
        def from_dict(cls, config: Any, *, timezone: Any = None, clock: Any = None) -> Any:
            return cls(int(config["limit"]))

    return MaxNodes


@pytest.mark.usefixtures("own_rule_types")
def test_a_team_rule_type_is_read_from_config_and_runs() -> None:
    _max_nodes_type()
    assert "team_max_nodes" in policies.RULE_TYPES
    recorder = RecordingCallback()
    registry = from_config(
        {
            "rules": [
                {"type": "Team-Max-Nodes", "limit": 2, "name": "few-nodes"},
                {
                    "type": "any_of",
                    "rules": [{"type": "team_max_nodes", "limit": 1}],
                    "on": "backfill",
                },
            ]
        }
    )
    assert repr(registry) == "Registry(BackfillEvent=2)"  # registered where it is supported
    ext = Extension("ext", registry=registry, callback=recorder)
    outcome = ext.handle(backfill_event(include_node_ids=[1, 2, 3]))
    assert outcome.verdict == Verdict.fail("at most 2 nodes; at most 1 nodes")
    assert ext.handle(backfill_event(include_node_ids=[1])).verdict.passed


@pytest.mark.usefixtures("own_rule_types")
def test_a_team_rule_type_says_which_operations_it_supports() -> None:
    _max_nodes_type()
    with expect_config_error("rules[0].on"):
        from_config(
            {"rules": [{"type": "team_max_nodes", "limit": 1, "on": ["freeze", "backfill"]}]}
        )
    with expect_config_error("rules[0].on"):  # a combinator supports what its parts support
        from_config(
            {
                "rules": [
                    {"type": "not", "rule": {"type": "team_max_nodes", "limit": 1}, "on": "restore"}
                ]
            }
        )


@pytest.mark.usefixtures("own_rule_types")
def test_a_rule_type_name_is_taken_once_unless_replaced() -> None:
    first = _max_nodes_type()
    again = _max_nodes_type()  # the same class defined again in place, as on a reload
    assert again is not first
    assert policies.RULE_TYPES["team_max_nodes"] is again
    first = again
    with pytest.raises(ConfigurationError, match="already registered"):
        rule_type("backfill_limits")(first)

    class Other:
        @classmethod
        def from_dict(cls, config: Any, **options: Any) -> Any:
            return cls()

    with pytest.raises(ConfigurationError, match="already registered"):
        rule_type("team_max_nodes")(Other)
    assert policies.RULE_TYPES["team_max_nodes"] is first
    replaced = rule_type("team_max_nodes", replace=True)(Other)
    assert policies.RULE_TYPES["team_max_nodes"] is replaced


@pytest.mark.parametrize(
    ("name", "target", "supports"),
    [
        ("", ProtectedNodes, None),
        ("plain_function", lambda event: True, None),
        ("no_from_dict", type("NoFromDict", (), {}), None),
        ("bad_supports", ProtectedNodes, ["freeze", "thaw"]),
    ],
)
def test_a_rule_type_registration_mistake_is_named(name: str, target: Any, supports: Any) -> None:
    with pytest.raises(ConfigurationError):
        rule_type(name, supports=supports)(target)
    assert name not in policies.RULE_TYPES or name == ""


def test_the_policies_modules_import_each_other_only_at_the_top() -> None:
    for path in (ROOT / "dataworks_ext" / "policies").glob("*.py"):
        assert "    from ._" not in path.read_text(encoding="utf-8"), path.name


# ---------------------------------------------------------------------- examples/policies.py


@pytest.fixture(scope="module")
def example() -> types.ModuleType:
    spec = importlib.util.spec_from_file_location(
        "_dwx_example_policies", ROOT / "examples" / "policies.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_example_keeps_its_exports_and_behaviour(example: types.ModuleType) -> None:
    assert isinstance(example.registry, Registry)
    assert frozenset({700005966962, 700005966963}) == example.PROTECTED_NODE_IDS
    assert (example.MAX_BACKFILL_DAYS, example.MAX_BACKFILL_NODES) == (31, 500)
    names = {
        cls.__name__: [c.name for c in example.registry.checks_for(cls)]
        for cls in (FreezeNodeEvent, RestoreNodeEvent, UnpublishNodeEvent, BackfillEvent)
    }
    assert names == {
        "FreezeNodeEvent": ["protected-nodes", "month-end-close"],
        "RestoreNodeEvent": ["month-end-close"],
        "UnpublishNodeEvent": ["protected-nodes", "month-end-close"],
        "BackfillEvent": ["backfill-limits"],
    }
    ext, _ = extension(example.registry)
    refused = ext.handle(freeze_event(node_ids=[700005966963, 5])).verdict
    assert refused is not None and refused.tip is not None
    assert refused.tip.startswith("Nodes 700005966963 are protected and cannot be changed")
    nodes = range(1, example.MAX_BACKFILL_NODES)  # with the root: exactly the limit
    within = backfill_event(days=example.MAX_BACKFILL_DAYS, include_node_ids=nodes)
    assert ext.handle(within).verdict == Verdict.ok()
    assert not ext.handle(backfill_event(days=example.MAX_BACKFILL_DAYS + 1)).verdict.passed  # type: ignore[union-attr]
    too_many = backfill_event(include_node_ids=range(1, example.MAX_BACKFILL_NODES + 1))
    assert not ext.handle(too_many).verdict.passed  # type: ignore[union-attr]


def test_example_month_end_close(example: types.ModuleType) -> None:
    shanghai = example.TIMEZONE
    assert example.in_month_end_close(dt.datetime(2024, 4, 30, 0, 0, tzinfo=shanghai))
    assert example.in_month_end_close(dt.datetime(2024, 4, 30, 23, 59, 59, tzinfo=shanghai))
    assert not example.in_month_end_close(dt.datetime(2024, 5, 1, 0, 0, tzinfo=shanghai))
    assert not example.in_month_end_close(dt.datetime(2024, 4, 29, 23, 59, 59, tzinfo=shanghai))
    assert example.in_month_end_close(dt.datetime(2024, 4, 30, 15, 0, tzinfo=UTC))
    assert not example.in_month_end_close(dt.datetime(2024, 4, 30, 16, 0, tzinfo=UTC))


# ---------------------------------------------------------------------- typing


TYPING_SNIPPET = textwrap.dedent(
    """
    from dataworks_ext import NodeEvent, Registry
    from dataworks_ext.policies import (
        BackfillLimits, ChangeFreezeWindow, InWorkspaces, Monthly, OperatorAllowlist,
        OperatorDenylist, ProtectedNodes, all_of, any_of, not_, when,
    )

    reg = Registry()
    protected = ProtectedNodes([1])
    window = ChangeFreezeWindow(Monthly.month_end(timezone="UTC"))
    limits = BackfillLimits(max_days=1)

    def is_node_event(event: NodeEvent) -> bool:
        return True

    reg.on_freeze(protected)
    reg.on_unpublish(protected)
    reg.on_backfill(protected)
    reg.on_restore(window)
    reg.on_backfill(window)
    reg.on_backfill(limits)
    reg.on_restore(OperatorAllowlist(["1"]))
    reg.on_backfill(OperatorDenylist({"backfill": ["1"]}))
    reg.on_freeze(all_of(protected, window))
    reg.on_backfill(InWorkspaces([1], any_of(limits, OperatorAllowlist(["1"]))))
    reg.on_restore(when(is_node_event, window))
    reg.on_unpublish(not_(is_node_event, message="x"))
    reg.on_backfill(when(lambda event: event.total_days > 3, limits))

    reg.on_restore(protected)  # E
    reg.on_freeze(limits)  # E
    reg.on_restore(all_of(protected, window))  # E
    reg.on_backfill(when(is_node_event, window))  # E
    reg.on_restore(InWorkspaces([1], protected))  # E
    reg.on_freeze(any_of(limits, window))  # E
    """
)


def test_mypy_checks_rules_against_the_decorators(tmp_path: Path) -> None:
    mypy_api = pytest.importorskip("mypy.api")
    source = tmp_path / "rules.py"
    source.write_text(TYPING_SNIPPET)
    stdout, stderr, status = mypy_api.run(
        ["--strict", "--cache-dir", str(ROOT / ".mypy_cache"), "--no-error-summary", str(source)]
    )
    errors = {int(line.split(":")[1]) for line in stdout.splitlines() if ": error:" in line}
    expected = {
        number
        for number, line in enumerate(TYPING_SNIPPET.splitlines(), start=1)
        if line.endswith("# E")
    }
    assert status == 1, stdout + stderr
    assert errors == expected, stdout


# ---------------------------------------------------------------------- documentation


POLICY_MODULES = sorted(
    info.name for info in pkgutil.walk_packages(policies.__path__, prefix="dataworks_ext.policies.")
)


@pytest.mark.parametrize("name", ["dataworks_ext.policies", *POLICY_MODULES])
def test_docstring_examples_pass(name: str) -> None:
    module = importlib.import_module(name)
    finder = doctest.DocTestFinder(exclude_empty=True)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    report: list[str] = []
    attempted = 0
    for test in finder.find(module, name, module=module):
        result = runner.run(test, out=report.append, clear_globs=True)
        attempted += result.attempted
    assert attempted or name.endswith("__init__")
    assert runner.failures == 0, "".join(report)


def test_every_public_rule_has_a_docstring_example() -> None:
    for name in policies.__all__:
        obj = getattr(policies, name)
        if isinstance(obj, types.GenericAlias):  # a type alias (a "type" to 3.10's isinstance)
            continue
        if isinstance(obj, (type, types.FunctionType)):
            assert ">>> " in (obj.__doc__ or ""), f"{name} has no example"


def test_the_docs_page_examples_pass() -> None:
    page = ROOT / "docs" / "policies.md"
    text = page.read_text(encoding="utf-8")
    blocks = re.findall(r"^```pycon\n(.*?)^```", text, flags=re.MULTILINE | re.DOTALL)
    assert len(blocks) >= 5
    parser = doctest.DocTestParser()
    test = parser.get_doctest("\n".join(blocks), {}, "docs/policies.md", str(page), 0)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    report: list[str] = []
    runner.run(test, out=report.append)
    assert runner.failures == 0, "".join(report)
    for name in (
        "ProtectedNodes",
        "ChangeFreezeWindow",
        "BackfillLimits",
        "OperatorAllowlist",
        "OperatorDenylist",
        "InWorkspaces",
        "all_of",
        "any_of",
        "not_",
        "when",
        "from_config",
    ):
        assert f"dataworks_ext.policies.{name}>`" in text or (
            f"`~dataworks_ext.policies.{name}`" in text
        ), f"docs/policies.md does not link {name}"


# ---------------------------------------------------------------------- instance operations

INSTANCE_BUILDERS: dict[str, Callable[..., Any]] = {
    "freeze-instance": pre_freeze_instance_event,
    "unfreeze-instance": pre_unfreeze_instance_event,
    "rerun-instance": pre_rerun_instance_event,
    "set-instance-success": pre_set_instance_success_event,
    "kill-instance": pre_kill_instance_event,
}


def test_the_operation_table_is_the_one_source() -> None:
    assert get_args(policies.Operation) == tuple(policies.EVENT_FOR_OPERATION)
    assert {"freeze", "restore", "unpublish", "backfill"} == policies.ALL_OPERATIONS
    assert {"commit", "deploy"} == policies.DATASTUDIO_OPERATIONS
    assert set(INSTANCE_BUILDERS) == policies.INSTANCE_OPERATIONS
    groups = (policies.ALL_OPERATIONS, policies.DATASTUDIO_OPERATIONS, policies.INSTANCE_OPERATIONS)
    assert sum(len(g) for g in groups) == len(policies.EVERY_OPERATION)
    assert frozenset().union(*groups) == policies.EVERY_OPERATION
    for operation, build in INSTANCE_BUILDERS.items():
        event = build().event
        assert policies.EVENT_FOR_OPERATION[operation] is type(event)  # type: ignore[index]
        assert policies.operation_of(event) == operation
    # the defaults of the rules are unchanged: instance operations only when asked for
    assert policies.operations_of(lambda event: True) == policies.ALL_OPERATIONS
    assert policies.operations_of(OperatorDenylist([OUTSIDER])) == policies.ALL_OPERATIONS


@pytest.mark.parametrize(
    ("operation", "action"),
    [
        ("freeze-instance", "Freezing instances"),
        ("unfreeze-instance", "Unfreezing instances"),
        ("rerun-instance", "Rerunning instances"),
        ("set-instance-success", "Setting instances as successful"),
        ("kill-instance", "Killing instances"),
    ],
)
def test_instance_operations_through_register_and_their_tips(operation: str, action: str) -> None:
    reg = register(Registry(), OperatorDenylist([OUTSIDER]), on=[operation], name="denylist")  # type: ignore[list-item]
    event_type = policies.EVENT_FOR_OPERATION[operation]  # type: ignore[index]
    assert repr(reg) == f"Registry({event_type.__name__}=1)"
    ext, recorder = extension(reg)
    build = INSTANCE_BUILDERS[operation]
    ext.handle(build(operator=OUTSIDER, message_id="i-1"))
    ext.handle(build(operator=ADMIN, message_id="i-2"))
    ext.handle(freeze_event(operator=OUTSIDER, message_id="i-3"))  # not registered for it
    assert recorder.verdicts["i-1"] == Verdict.fail(
        f"{action} is not allowed for account {OUTSIDER}"
    )
    assert recorder.verdicts["i-2"].passed
    assert recorder.verdicts["i-3"].passed

    window = ChangeFreezeWindow(
        Daily("00:00", "23:59", timezone="UTC", name="the freeze"),
        clock=clock_at(dt.datetime(2024, 4, 30, 9, 0, tzinfo=UTC)),
    )
    assert window(build().event).tip == (
        f"{action} is not allowed during the freeze (until 2024-04-30 23:59 UTC)"
    )


def test_several_instance_operations_at_once_in_either_spelling() -> None:
    allow = OperatorAllowlist({"kill-instance": [ADMIN], "rerun_instance": [ADMIN]})  # type: ignore[dict-item]
    assert allow.operations == {"kill-instance", "rerun-instance"}
    reg = register(Registry(), allow)
    assert repr(reg) == "Registry(PreRerunInstanceEvent=1, PreKillInstanceEvent=1)"
    assert allow(pre_kill_instance_event(operator=OUTSIDER).event).tip == (
        f"Killing instances is limited to approved accounts; account {OUTSIDER} is not one"
    )
    assert allow(pre_freeze_instance_event(operator=OUTSIDER).event).passed  # not governed
    reg = from_config(
        {
            "rules": [
                {"type": "operator_denylist", "uids": [OUTSIDER], "on": ["kill_instance"]},
                {
                    "type": "change_freeze_window",
                    "timezone": "UTC",
                    "windows": [{"type": "weekends"}],
                    "on": ["freeze", "freeze-instance", "set-instance-success"],
                },
            ]
        }
    )
    assert repr(reg) == (
        "Registry(FreezeNodeEvent=1, PreFreezeInstanceEvent=1, "
        "PreSetInstanceSuccessEvent=1, PreKillInstanceEvent=1)"
    )


def test_a_plain_operator_list_governs_every_operation_it_is_registered_for() -> None:
    reg = register(Registry(), OperatorDenylist([OUTSIDER]), on=["commit", "kill-instance"])
    ext, recorder = extension(reg)
    ext.handle(pre_kill_instance_event(operator=OUTSIDER, message_id="k-1"))
    ext.handle(commit_file_event(operator=OUTSIDER, message_id="k-2"))
    assert (
        recorder.verdicts["k-1"].tip == f"Killing instances is not allowed for account {OUTSIDER}"
    )
    assert recorder.verdicts["k-2"].tip == f"Committing files is not allowed for account {OUTSIDER}"


def test_an_unknown_operation_is_named_with_the_known_ones() -> None:
    known = (
        "freeze, restore, unpublish, backfill, commit, deploy, freeze-instance, "
        "unfreeze-instance, rerun-instance, set-instance-success, kill-instance"
    )
    with pytest.raises(ConfigurationError) as raised:
        from_config(
            {"rules": [{"type": "operator_denylist", "uids": ["1"], "on": ["kill-instances"]}]}
        )
    assert str(raised.value) == (
        f"rules[0].on[0]: unknown operation 'kill-instances'; the operations are {known}"
    )
    with expect_config_error("on"):
        register(Registry(), OperatorDenylist(["1"]), on="kill")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        (
            {"type": "backfill_limits", "max_days": 3},
            "rules[0].on: BackfillLimits cannot check kill-instance events "
            "(it checks backfill events)",
        ),
        (
            {"type": "protected_nodes", "node_ids": [1]},
            "rules[0].on: ProtectedNodes cannot check kill-instance events "
            "(it checks freeze, unpublish, backfill events)",
        ),
        (
            {
                "type": "in_workspaces",
                "project_ids": [23393],
                "rule": {"type": "backfill_limits", "max_days": 3},
            },
            "rules[0].on: InWorkspaces cannot check kill-instance events "
            "(it checks backfill events)",
        ),
        (
            {
                "type": "all_of",
                "rules": [
                    {"type": "operator_denylist", "uids": ["1"]},
                    {"type": "backfill_limits", "max_days": 3},
                ],
            },
            "rules[0].on: AllOf cannot check kill-instance events (it checks backfill events)",
        ),
    ],
)
def test_a_rule_that_cannot_check_instance_events_is_refused(
    rule: dict[str, object], message: str
) -> None:
    with pytest.raises(ConfigurationError) as raised:
        from_config({"rules": [{**rule, "on": ["kill-instance"]}]})
    assert str(raised.value) == message
    with pytest.raises(ConfigurationError, match="cannot check kill-instance events"):
        register(Registry(), rule_from_config(rule), on="kill-instance")
