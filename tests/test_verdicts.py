"""Verdicts and how several combine."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dataworks_ext import MAX_TIP_LENGTH, CheckResult, Verdict, combine


def test_ok_and_fail() -> None:
    assert Verdict.ok() == Verdict(CheckResult.OK, None)
    assert Verdict.ok("fine").tip == "fine"
    assert Verdict.fail("no").result is CheckResult.FAIL
    assert Verdict.fail("no").passed is False
    assert CheckResult.OK.value == "OK" and CheckResult.FAIL.value == "FAIL"


@pytest.mark.parametrize("tip", ["", "   ", None, 5])
def test_fail_needs_a_reason(tip: object) -> None:
    with pytest.raises(ValueError, match="needs a reason"):
        Verdict.fail(tip)  # type: ignore[arg-type]


def test_tips_are_stripped_and_bounded_with_an_ellipsis() -> None:
    assert Verdict.ok("  spaced  ").tip == "spaced"
    assert Verdict.ok("   ").tip is None
    long = Verdict.fail("x" * 5000)
    assert long.tip is not None
    assert len(long.tip) == MAX_TIP_LENGTH
    assert long.tip.endswith("…")


def test_unicode_tips_are_kept() -> None:
    assert (
        Verdict.fail("节点 700005966962 受保护，不能冻结 ✋").tip
        == "节点 700005966962 受保护，不能冻结 ✋"
    )


def test_fail_wins_and_tips_of_failures_are_joined_without_repeats() -> None:
    verdict = combine(
        [
            Verdict.ok("fine"),
            Verdict.fail("too many days"),
            Verdict.fail("too many days"),
            Verdict.fail("node 7 is protected"),
        ]
    )
    assert verdict == Verdict.fail("too many days; node 7 is protected")


def test_all_passing_keep_their_tips() -> None:
    assert combine([Verdict.ok("a"), Verdict.ok(), Verdict.ok("b")]) == Verdict.ok("a; b")


def test_nothing_combines_to_ok() -> None:
    assert combine([]) == Verdict.ok()


verdicts = st.builds(
    Verdict, st.sampled_from(CheckResult), st.none() | st.text(min_size=1, max_size=600)
)


@given(st.lists(verdicts, max_size=8))
def test_combined_verdict_fails_exactly_when_one_fails_and_stays_bounded(
    items: list[Verdict],
) -> None:
    combined = combine(items)
    assert combined.passed == all(v.passed for v in items)
    assert combined.tip is None or len(combined.tip) <= MAX_TIP_LENGTH


def test_warn_passes_with_a_reason() -> None:
    verdict = Verdict.warn("the code reads a whole partitioned table")
    assert verdict.result is CheckResult.WARN and verdict.passed
    assert CheckResult("WARN") is CheckResult.WARN
    with pytest.raises(ValueError, match=r"Verdict\.warn\(\) needs a reason"):
        Verdict.warn("  ")


def test_fail_over_warn_over_ok() -> None:
    assert combine([Verdict.ok("a"), Verdict.warn("w1"), Verdict.warn("w2")]) == Verdict.warn(
        "w1; w2"
    )
    assert combine([Verdict.warn("w"), Verdict.fail("f"), Verdict.ok()]) == Verdict.fail("f")
    assert combine([Verdict.ok("a"), Verdict.ok()]) == Verdict.ok("a")


_RANK = {CheckResult.OK: 0, CheckResult.WARN: 1, CheckResult.FAIL: 2}


@given(st.lists(verdicts, max_size=8))
def test_combined_result_is_the_worst_and_keeps_only_its_tips(items: list[Verdict]) -> None:
    combined = combine(items)
    worst = max((v.result for v in items), key=_RANK.__getitem__, default=CheckResult.OK)
    assert combined.result is worst
    worst_tips = [v.tip for v in items if v.result is worst and v.tip]
    assert (combined.tip is None) == (not worst_tips)
