"""Lookups against LocalDataWorks, through the official SDK (real signed calls)."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator

import pytest

from dataworks_ext import (
    CallbackClient,
    ConfigurationError,
    Lookups,
    NodeLookupError,
    TooManyLookupsError,
)
from dataworks_ext.lookups import (
    EDITION_RATE_LIMITS,
    RateLimit,
    TokenBucket,
    process_bucket,
    set_rate_limit,
)
from dataworks_ext.testing import LocalDataWorks, baseline_info, instance_info, node_info


@pytest.fixture
def local() -> Iterator[LocalDataWorks]:
    with LocalDataWorks() as server:
        server.add_nodes(*(node_info(i, priority=(1, 3, 5, 7, 8)[i % 5]) for i in range(1, 21)))
        yield server


def fast_bucket() -> TokenBucket:
    return TokenBucket(RateLimit(per_second=10_000, burst=10_000))


def lookups_for(local: LocalDataWorks, **options: object) -> Lookups:
    options.setdefault("bucket", fast_bucket())
    return Lookups(local.client(), **options)  # type: ignore[arg-type]


def test_a_node_is_looked_up_once_then_answered_from_the_cache(local: LocalDataWorks) -> None:
    lookups = lookups_for(local)
    first = lookups.node(3)
    assert (first.node_id, first.priority, first.owner_id) == (3, 7, "1107550004253538")
    assert lookups.node(3) is first
    assert local.calls_for("GetNode") == 1
    assert lookups.stats.calls == 1
    assert lookups.stats.hits == 1


def test_a_batch_looks_up_only_what_it_lacks(local: LocalDataWorks) -> None:
    lookups = lookups_for(local)
    lookups.nodes([1, 2, 3])
    found = lookups.nodes([3, 4, 1, 4])
    assert list(found) == [3, 4, 1]
    assert local.calls_for("GetNode") == 4


def test_a_node_that_does_not_exist_raises_naming_it(local: LocalDataWorks) -> None:
    lookups = lookups_for(local)
    with pytest.raises(NodeLookupError) as caught:
        lookups.node(999)
    error = caught.value
    assert (error.kind, error.object_id, error.api, error.not_found) == (
        "node",
        999,
        "GetNode",
        True,
    )
    assert error.code == "Invalid.Tenant.NodeNotExists"
    assert "node 999" in str(error)
    assert error.attempts == 1  # not retried
    # failures are not cached
    local.add_nodes(node_info(999))
    assert lookups.node(999).node_id == 999


def test_throttling_is_waited_out_not_failed(local: LocalDataWorks) -> None:
    local.inject("throttle", 2, action="GetNode")
    lookups = lookups_for(local)
    assert lookups.node(5).priority == 1
    assert local.calls_for("GetNode") == 3


def test_a_server_error_that_persists_fails_the_lookup(local: LocalDataWorks) -> None:
    local.inject("error", 5, action="GetNode")
    lookups = Lookups(local.client(max_attempts=2), bucket=fast_bucket())
    with pytest.raises(NodeLookupError) as caught:
        lookups.node(5)
    assert caught.value.code == "InternalError.System"
    assert caught.value.status == 500
    assert caught.value.attempts == 2
    assert not caught.value.not_found


def test_an_unreadable_answer_is_a_lookup_error_naming_the_field(local: LocalDataWorks) -> None:
    local.add_nodes({"NodeId": "77", "Priority": "high"})
    with pytest.raises(NodeLookupError) as caught:
        lookups_for(local).node(77)
    assert caught.value.code == "InvalidResponse"
    assert "Data.Priority" in str(caught.value)


def test_entries_expire_after_the_ttl(local: LocalDataWorks) -> None:
    lookups = lookups_for(local, ttl=0.05)
    lookups.node(1)
    time.sleep(0.08)
    lookups.node(1)
    assert local.calls_for("GetNode") == 2


def test_the_cache_keeps_at_most_max_entries(local: LocalDataWorks) -> None:
    lookups = lookups_for(local, max_entries=2)
    for node_id in (1, 2, 3):  # one at a time: a batch stores in the order calls end
        lookups.node(node_id)
    lookups.node(3)
    lookups.node(2)
    assert local.calls_for("GetNode") == 3
    lookups.node(1)  # the oldest went first
    assert local.calls_for("GetNode") == 4


def test_concurrent_lookups_of_one_node_share_one_call(local: LocalDataWorks) -> None:
    local.delay = 0.05
    lookups = lookups_for(local)
    barrier = threading.Barrier(8)
    results = []

    def look() -> None:
        barrier.wait()
        results.append(lookups.node(4))

    threads = [threading.Thread(target=look) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 8
    assert all(r is results[0] for r in results)
    assert local.calls_for("GetNode") == 1


def test_a_batch_is_concurrent_but_bounded(local: LocalDataWorks) -> None:
    local.delay = 0.1
    lookups = lookups_for(local, max_concurrency=3)
    started = time.monotonic()
    lookups.nodes(range(1, 7))
    elapsed = time.monotonic() - started
    assert elapsed >= 0.19  # two rounds of three, not six calls at once
    assert elapsed < 0.55  # nor six calls one after the other


def test_the_token_bucket_spaces_calls(local: LocalDataWorks) -> None:
    lookups = Lookups(local.client(), bucket=TokenBucket(RateLimit(per_second=25, burst=1)))
    started = time.monotonic()
    for node_id in range(1, 7):
        lookups.node(node_id)
    assert time.monotonic() - started >= 0.19  # five waits of 0.04 s
    assert local.calls_for("GetNode") == 6


def test_the_daily_cap_fails_at_once_without_a_call(local: LocalDataWorks) -> None:
    bucket = TokenBucket(RateLimit(per_second=100, burst=10, per_day=2))
    lookups = Lookups(local.client(), bucket=bucket)
    lookups.nodes([1, 2])
    with pytest.raises(NodeLookupError) as caught:
        lookups.node(3)
    assert caught.value.code == "DailyLimitReached"
    assert local.calls_for("GetNode") == 2


def test_a_batch_over_its_limit_makes_no_call(local: LocalDataWorks) -> None:
    with pytest.raises(TooManyLookupsError):
        lookups_for(local).nodes(range(1, 20_001))
    assert local.calls_for("GetNode") == 0
    assert len(lookups_for(local).nodes(range(1, 21), limit=None)) == 20


def test_baselines_are_looked_up_per_workspace(local: LocalDataWorks) -> None:
    local.add_baselines(baseline_info(1201, node_ids=[1, 2], project_id=23393))
    lookups = lookups_for(local)
    assert lookups.baseline(1201, 23393).node_ids == (1, 2)
    assert lookups.baseline(1201, 23393).baseline_name == "baseline_1201"
    assert local.calls_for("GetBaseline") == 1
    with pytest.raises(NodeLookupError) as caught:
        lookups.baseline(1201, 50001)
    assert caught.value.not_found
    assert caught.value.kind == "baseline"


def test_instances_name_their_nodes(local: LocalDataWorks) -> None:
    local.add_instances(instance_info(5001, node_id=3), instance_info(5002, node_id=4))
    found = lookups_for(local).instances([5001, 5002])
    assert {i: x.node_id for i, x in found.items()} == {5001: 3, 5002: 4}


def test_the_async_lookups_share_the_cache(local: LocalDataWorks) -> None:
    lookups = lookups_for(local, max_concurrency=2)

    async def run() -> None:
        nodes = await lookups.nodes_async([1, 2, 3, 1])
        assert list(nodes) == [1, 2, 3]
        assert (await lookups.node_async(2)).priority == 5
        with pytest.raises(NodeLookupError):
            await lookups.node_async(404)
        same = await asyncio.gather(*(lookups.node_async(9) for _ in range(5)))
        assert all(n is same[0] for n in same)

    asyncio.run(run())
    assert lookups.node(3).node_id == 3
    assert local.calls_for("GetNode") == 5  # 1, 2, 3, 404, 9


def test_lookups_share_one_process_bucket_by_default() -> None:
    client = CallbackClient(region_id="cn-shanghai")
    assert Lookups(client).bucket is Lookups(client).bucket is process_bucket()
    assert process_bucket().limit == EDITION_RATE_LIMITS["enterprise"]
    set_rate_limit(RateLimit(per_second=2))
    try:
        assert process_bucket().limit.per_second == 2.0
    finally:
        set_rate_limit("enterprise")


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: RateLimit.for_edition("gold"), "unknown DataWorks edition 'gold'"),
        (lambda: RateLimit(per_second=5, burst=0), "burst must be"),
        (lambda: RateLimit(per_second=5, per_day=0), "per_day must be"),
        (lambda: Lookups(object()), "client must be a CallbackClient"),  # type: ignore[arg-type]
        (lambda: Lookups(CallbackClient(region_id="x"), ttl=0), "ttl must be"),
        (lambda: Lookups(CallbackClient(region_id="x"), project_env="QA"), "project_env"),
    ],
)
def test_bad_settings_are_configuration_errors(call: object, message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        call()  # type: ignore[operator]


def test_every_lookups_of_the_process_shares_the_process_bucket(local: LocalDataWorks) -> None:
    set_rate_limit(RateLimit(per_second=25, burst=1))
    try:
        first, second = Lookups(local.client()), Lookups(local.client())
        started = time.monotonic()
        for node_id in range(1, 4):
            first.node(node_id)
            second.node(node_id + 10)
        assert time.monotonic() - started >= 0.19  # six calls, one bucket: five waits
    finally:
        set_rate_limit("enterprise")
    assert local.calls_for("GetNode") == 6
