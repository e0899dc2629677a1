"""The bounded in-memory store of answered message ids."""

from __future__ import annotations

import threading

import pytest

from dataworks_ext import MemorySeenStore, SeenStore


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_remembers_until_the_ttl_passes() -> None:
    clock = FakeClock()
    store = MemorySeenStore(ttl=60, clock=clock)
    store.remember("m-1")
    clock.now += 59.9
    assert store.seen("m-1")
    clock.now += 0.1
    assert not store.seen("m-1")
    assert len(store) == 0


def test_size_is_bounded_and_least_recently_used_goes_first() -> None:
    store = MemorySeenStore(max_size=3)
    for message_id in ("a", "b", "c"):
        store.remember(message_id)
    assert store.seen("a")  # refresh a
    store.remember("d")
    assert len(store) == 3
    assert not store.seen("b")
    assert store.seen("a") and store.seen("c") and store.seen("d")


def test_expired_ids_are_dropped_as_new_ones_arrive() -> None:
    clock = FakeClock()
    store = MemorySeenStore(ttl=10, clock=clock)
    for i in range(100):
        store.remember(f"old-{i}")
    clock.now += 11
    for i in range(60):
        store.remember(f"new-{i}")
    assert len(store) < 100


def test_forget() -> None:
    store = MemorySeenStore()
    store.remember("m-1")
    store.forget("m-1")
    assert not store.seen("m-1")


@pytest.mark.parametrize(("max_size", "ttl"), [(0, 1.0), (-1, 1.0), (1.5, 1.0), (10, 0), (10, -5)])
def test_bad_settings_are_refused(max_size: object, ttl: float) -> None:
    with pytest.raises(ValueError, match=r"max_size|ttl"):
        MemorySeenStore(max_size=max_size, ttl=ttl)  # type: ignore[arg-type]


def test_is_a_seen_store_and_thread_safe() -> None:
    store = MemorySeenStore(max_size=500)
    assert isinstance(store, SeenStore)

    def work(n: int) -> None:
        for i in range(2000):
            store.remember(f"{n}-{i}")
            store.seen(f"{n}-{i // 2}")

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(store) == 500
