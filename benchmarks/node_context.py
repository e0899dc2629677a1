"""Benchmarks of the node context (``run.py --only node-warm,node-traffic``).

node-warm       a freeze check on 10 nodes that looks them up (``ProtectedNodes(where=...)``),
                the cache warm / the same check on the ids alone (``ProtectedNodes([...])``)
node-traffic    1,000 freeze messages over 200 distinct nodes through a dry-run
                ``Extension.handle``, the lookups going to LocalDataWorks (cold cache at the
                start of each round) / the same messages checked on ids alone; the number of
                calls is checked (200: one per distinct node) and reported

LocalDataWorks runs in this process: the warm-cache figure makes no call, and the traffic
figure is about how many calls are made and what they cost together.
"""

from __future__ import annotations

import random
import statistics
import time
from typing import Any

from run import Result, alternate, paired, per_item

NODES = tuple(range(700_000_000_001, 700_000_000_201))  # 200 distinct nodes
URGENT = frozenset(n for n in NODES if n % 5 == 0)  # a fifth of them: priority 8


def _seeded_local() -> Any:
    from dataworks_ext.testing import LocalDataWorks, node_info

    local = LocalDataWorks().start()
    local.add_nodes(*(node_info(n, priority=8 if n in URGENT else 1) for n in NODES))
    return local


def _lookups(local: Any) -> Any:
    from dataworks_ext import Lookups, RateLimit, TokenBucket

    # The bucket of a benchmark is its own and generous: the figure is the SDK's work.
    return Lookups(local.client(), bucket=TokenBucket(RateLimit(per_second=1e6, burst=1000)))


def _urgent(node: Any) -> bool:
    return (node.priority or 0) >= 7


def bench_node_warm(rounds: int, count: int) -> Result:
    from dataworks_ext.policies import ProtectedNodes
    from dataworks_ext.testing import freeze_event

    local = _seeded_local()
    try:
        lookups = _lookups(local)
        by_lookup = ProtectedNodes(where=_urgent, lookups=lookups)
        by_ids = ProtectedNodes(URGENT)
        picker = random.Random(15)
        events = [freeze_event(node_ids=picker.sample(NODES, 10)).event for _ in range(count)]
        for event in events:  # warm the cache: every node looked up once
            by_lookup(event)
        calls = local.calls_for("GetNode")
        for event in events:
            if by_lookup(event) != by_ids(event):
                raise RuntimeError("node-warm: the two checks disagree")

        def subject() -> float:
            return per_item(by_lookup, events)

        def base() -> float:
            return per_item(by_ids, events)

        subjects, bases = alternate(subject, base, rounds)
        if local.calls_for("GetNode") != calls:
            raise RuntimeError("node-warm: a warm check called DataWorks")
    finally:
        local.stop()
    return Result(
        "node-warm",
        "ProtectedNodes(where=...) on 10 nodes, cache warm",
        "ProtectedNodes(ids) on the same events",
        "us",
        statistics.median(subjects) * 1e6,
        statistics.median(bases) * 1e6,
        8.0,
        rounds,
        "no call is made: the nodes come from the cache",
        paired=paired(subjects, bases),
    )


def bench_node_traffic(rounds: int, total: int) -> Result:
    from dataworks_ext import Extension, Registry
    from dataworks_ext.policies import ProtectedNodes
    from dataworks_ext.testing import freeze_event

    picker = random.Random(16)
    raw = [
        freeze_event(
            node_ids=picker.sample(NODES, 5), message_id=f"m-{i}", extension_biz_id=f"b-{i}"
        ).to_json()
        for i in range(total)
    ]
    local = _seeded_local()
    calls: list[int] = []
    try:
        by_ids = Registry()
        by_ids.on_freeze(ProtectedNodes(URGENT))

        def subject() -> float:
            registry = Registry()
            registry.on_freeze(ProtectedNodes(where=_urgent, lookups=_lookups(local)))
            extension = Extension("bench-extension", registry=registry)
            before = local.calls_for("GetNode")
            started = time.perf_counter()
            for item in raw:
                extension.handle(item)
            elapsed = time.perf_counter() - started
            calls.append(local.calls_for("GetNode") - before)
            return elapsed

        def base() -> float:
            extension = Extension("bench-extension", registry=by_ids)  # a fresh seen-store
            started = time.perf_counter()
            for item in raw:
                extension.handle(item)
            return time.perf_counter() - started

        subjects, bases = alternate(subject, base, rounds)
    finally:
        local.stop()
    if set(calls) != {len(NODES)}:
        raise RuntimeError(f"node-traffic: {calls} calls per round, expected {len(NODES)}")
    return Result(
        "node-traffic",
        f"{total:,} freeze messages, lookups over {len(NODES)} nodes (cold cache)",
        "the same messages checked on ids alone",
        "s",
        statistics.median(subjects),
        statistics.median(bases),
        100.0,
        rounds,
        f"{len(NODES)} GetNode calls a round (one per distinct node), LocalDataWorks in process",
        extra={"calls_per_round": len(NODES)},
        paired=paired(subjects, bases),
    )
