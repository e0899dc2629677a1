"""Rate budgets: the process's token buckets and a RedisRateLimiter (real Valkey) shared by
replicas, through CallbackClient calls to LocalDataWorks."""

from __future__ import annotations

import asyncio
import itertools
import os
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from dataworks_ext import (
    CallbackError,
    ConfigurationError,
    MemoryRateLimiter,
    RateBudget,
    RateLimiter,
    RedisRateLimiter,
    Verdict,
)
from dataworks_ext.lookups import Lookups
from dataworks_ext.ratelimit import EDITION_BUDGETS, process_limiter
from dataworks_ext.testing import LocalDataWorks, RecordedVerdict, node_info

WORKER = Path(__file__).with_name("_rate_worker.py")


class Arrivals:
    """When LocalDataWorks accepted each verdict (its on_verdict hook)."""

    def __init__(self) -> None:
        self.times: list[float] = []
        self.lock = threading.Lock()

    def __call__(self, verdict: RecordedVerdict) -> None:
        with self.lock:
            self.times.append(time.monotonic())

    def most_in_any_window(self, window: float) -> int:
        times = sorted(self.times)
        return max(
            (sum(1 for t in times[i:] if t < start + window) for i, start in enumerate(times)),
            default=0,
        )


@pytest.fixture
def arrivals() -> Arrivals:
    return Arrivals()


@pytest.fixture
def local(arrivals: Arrivals) -> Iterator[LocalDataWorks]:
    with LocalDataWorks(on_verdict=arrivals) as server:
        yield server


def prefix() -> str:
    return f"rate-test:{uuid.uuid4().hex[:8]}:"


# ---------------------------------------------------------------------------- in memory


def test_budgets_per_edition() -> None:
    assert EDITION_BUDGETS["enterprise"].reads.per_second == 50
    assert EDITION_BUDGETS["enterprise"].writes is not None
    assert EDITION_BUDGETS["enterprise"].writes.per_second == 20
    for edition, per_day in (("basic", 100), ("standard", 1_000), ("professional", 10_000)):
        budget = RateBudget.for_edition(edition)
        assert budget.writes is None and budget.reads.per_day == per_day
    with pytest.raises(ConfigurationError, match="unknown DataWorks edition"):
        RateBudget.for_edition("platinum")
    with pytest.raises(ConfigurationError, match="not both"):
        RateBudget.of(edition="basic", reads_per_second=3)
    with pytest.raises(ConfigurationError, match="daily cap"):
        RateBudget.of(reads_per_second=3, writes_per_second=1, daily=10)


def test_a_client_with_a_memory_limiter_paces_its_deliveries(
    local: LocalDataWorks, arrivals: Arrivals
) -> None:
    limiter = MemoryRateLimiter(RateBudget.of(reads_per_second=50, writes_per_second=10))
    assert isinstance(limiter, RateLimiter)
    client = local.client(limiter=limiter)
    client._sdk_client()  # built (and the SDK imported) before the clock starts
    started = time.monotonic()
    for i in range(12):
        client.deliver(f"m-{i}", "ext", Verdict.ok())
    assert time.monotonic() - started >= 1.0  # 11 intervals of 0.1 s
    assert arrivals.most_in_any_window(0.8) <= 10  # (less 200 ms: a loaded machine jitters)


def test_the_daily_cap_stops_calls_before_they_are_made(local: LocalDataWorks) -> None:
    limiter = MemoryRateLimiter(RateBudget.of(reads_per_second=100, daily=2))
    client = local.client(limiter=limiter)
    client.deliver("m-1", "ext", Verdict.ok())
    assert limiter.remaining().today == 1
    client.deliver("m-2", "ext", Verdict.ok())
    with pytest.raises(CallbackError) as caught:
        client.deliver("m-3", "ext", Verdict.ok())
    assert (caught.value.code, caught.value.attempts) == ("DailyLimitReached", 0)
    assert local.calls == 2


def test_a_wait_for_budget_counts_against_the_deadline(local: LocalDataWorks) -> None:
    limiter = MemoryRateLimiter(RateBudget.of(reads_per_second=100, writes_per_second=1))
    client = local.client(limiter=limiter, deadline=0.5)
    client.deliver("m-1", "ext", Verdict.ok())
    started = time.monotonic()
    with pytest.raises(CallbackError) as caught:
        client.deliver("m-2", "ext", Verdict.ok())  # its slot is 1 s away: past the deadline
    assert time.monotonic() - started < 0.2  # refused at once, not after waiting
    assert caught.value.code == "DeadlineExceeded" and caught.value.attempts == 0
    assert local.calls == 1


def test_lookups_take_from_the_client_s_limiter(local: LocalDataWorks) -> None:
    local.add_nodes(*(node_info(i) for i in range(1, 5)))
    limiter = MemoryRateLimiter(RateBudget.of(reads_per_second=10, writes_per_second=10))
    lookups = Lookups(local.client(limiter=limiter))
    started = time.monotonic()
    assert len(lookups.nodes([1, 2, 3, 4])) == 4
    assert time.monotonic() - started >= 0.25  # 3 intervals of 0.1 s
    assert limiter.remaining().writes == 1  # the write budget untouched


def test_a_throttling_answer_slows_the_memory_budget(local: LocalDataWorks) -> None:
    limiter = MemoryRateLimiter(RateBudget.of(reads_per_second=100), throttle_penalty=0.5)
    client = local.client(limiter=limiter)
    local.inject("throttle")
    started = time.monotonic()
    client.deliver("m-1", "ext", Verdict.ok())  # 429, then the retry waits the penalty
    assert time.monotonic() - started >= 0.45
    assert local.calls == 2


def test_the_process_limiter_follows_set_rate_limit() -> None:
    from dataworks_ext import set_rate_limit

    try:
        set_rate_limit("basic")
        assert process_limiter().budget.reads.per_day == 100
        assert process_limiter().remaining().today == 100
    finally:
        set_rate_limit("enterprise")
    assert process_limiter().budget == EDITION_BUDGETS["enterprise"]


def test_a_limiter_must_be_one() -> None:
    from dataworks_ext import CallbackClient

    with pytest.raises(ConfigurationError, match="limiter must have"):
        CallbackClient(region_id="cn-shanghai", limiter=object())  # type: ignore[arg-type]


# ---------------------------------------------------------------------------- Redis


def test_redis_limiter_spaces_reservations_and_reports_what_is_left(valkey_server: Any) -> None:
    limiter = RedisRateLimiter.from_url(
        valkey_server.url, reads_per_second=10, writes_per_second=5, key_prefix=prefix()
    )
    assert limiter.ping()
    waits = [limiter.reserve("write") for _ in range(3)]
    assert waits[0] == 0 and waits[1] == pytest.approx(0.2, abs=0.02)
    assert waits[2] == pytest.approx(0.4, abs=0.02)
    assert limiter.reserve("read") == 0  # reads have their own budget
    left = limiter.remaining()
    assert (left.writes, left.today) == (0, None) and left.reads == 0
    time.sleep(0.25)
    assert limiter.remaining().reads == 1
    assert asyncio.run(limiter.reserve_async("read")) == 0


def test_redis_limiter_daily_cap_is_shared(valkey_server: Any) -> None:
    key = prefix()
    one, two = (
        RedisRateLimiter.from_url(valkey_server.url, reads_per_second=1000, daily=3, key_prefix=key)
        for _ in range(2)
    )
    assert [one.reserve("read") is not None for _ in range(2)] == [True, True]
    assert two.reserve("write") is not None
    assert two.reserve("write") is None and one.reserve("read") is None
    assert one.remaining().today == 0


def test_redis_limiter_needs_a_budget(valkey_server: Any) -> None:
    with pytest.raises(ConfigurationError, match="give an edition"):
        RedisRateLimiter.from_url(valkey_server.url)
    limiter = RedisRateLimiter.from_url(valkey_server.url, edition="enterprise")
    assert limiter.budget == EDITION_BUDGETS["enterprise"]
    assert "password" not in repr(limiter)


def test_a_throttling_answer_slows_every_replica(
    valkey_server: Any, local: LocalDataWorks, arrivals: Arrivals
) -> None:
    key = prefix()
    replicas = [
        RedisRateLimiter.from_url(
            valkey_server.url,
            reads_per_second=100,
            writes_per_second=100,
            key_prefix=key,
            throttle_penalty=1.0,
        )
        for _ in range(2)
    ]
    first, second = (local.client(limiter=limiter) for limiter in replicas)
    local.inject("throttle")
    started = time.monotonic()
    first.deliver("m-1", "ext", Verdict.ok())  # throttled once: the shared budget slows
    second.deliver("m-2", "ext", Verdict.ok())  # the other replica waits too
    assert time.monotonic() - started >= 1.0
    assert [v.message_id for v in local.verdicts] == ["m-1", "m-2"]
    assert arrivals.times[0] - started >= 0.95  # the retry of m-1 waited for the budget


def test_two_processes_share_five_writes_a_second(
    valkey_server: Any, local: LocalDataWorks, arrivals: Arrivals
) -> None:
    key = prefix()
    environ = {k: v for k, v in os.environ.items() if not k.startswith("DATAWORKS_")}
    environ.update(local.env())
    start = time.time() + 2.0  # both start together, once imported
    workers = [
        subprocess.Popen(
            [sys.executable, str(WORKER)],
            env={
                **environ,
                "WORKER_REDIS_URL": valkey_server.url,
                "WORKER_KEY_PREFIX": key,
                "WORKER_WRITES": "5",
                "WORKER_COUNT": "20",
                "WORKER_NAME": name,
                "WORKER_START": str(start),
            },
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in ("a", "b")
    ]
    outputs = [worker.communicate(timeout=60) for worker in workers]
    for worker, (out, err) in zip(workers, outputs, strict=True):
        assert worker.returncode == 0, err
        assert out.split("\n").count("") == 1 and all(
            line.startswith("ok ") for line in out.splitlines()
        ), out
    assert len(local.verdicts) == 40
    assert {v.message_id for v in local.verdicts} == {
        f"{name}-{i}" for name in "ab" for i in range(20)
    }
    # never more than the budget in any second (less 100 ms: each call waits for its slot,
    # then two processes on a shared machine sign and send it, which jitters by tens of ms)
    times = sorted(arrivals.times)
    gaps = [round(b - a, 3) for a, b in itertools.pairwise(times)]
    assert arrivals.most_in_any_window(0.9) <= 5, gaps
    assert sum(gaps) / len(gaps) == pytest.approx(0.2, abs=0.03)
    spread = max(arrivals.times) - min(arrivals.times)
    assert 39 / 5 - 0.3 <= spread <= 39 / 5 + 2.0  # paced, not serialised behind each other


def test_an_unreachable_redis_never_stops_a_delivery(
    own_valkey: Any, local: LocalDataWorks, caplog: pytest.LogCaptureFixture
) -> None:
    limiter = RedisRateLimiter.from_url(
        own_valkey.url, reads_per_second=5, writes_per_second=5, key_prefix=prefix()
    )
    client = local.client(limiter=limiter)
    client.deliver("m-1", "ext", Verdict.ok())
    own_valkey.stop()
    client.deliver("m-2", "ext", Verdict.ok())
    asyncio.run(client.deliver_async("m-3", "ext", Verdict.ok()))
    assert [v.message_id for v in local.verdicts] == ["m-1", "m-2", "m-3"]
    assert any("the rate limiter failed" in r.getMessage() for r in caplog.records)
