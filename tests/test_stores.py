"""Answer stores: the in-memory one, and the Redis one against a real Valkey server."""

from __future__ import annotations

import asyncio
import sys
import threading
import time
import uuid
from typing import Any

import pytest

from dataworks_ext import (
    AnswerStore,
    AsyncAnswerStore,
    CallbackError,
    Claim,
    ClaimState,
    ConfigurationError,
    Disposition,
    MemoryAnswerStore,
    Outcome,
    RedisAnswerStore,
    StoreError,
    Verdict,
    http_reply,
)

ACQUIRED, IN_PROGRESS, ANSWERED = ClaimState.ACQUIRED, ClaimState.IN_PROGRESS, ClaimState.ANSWERED


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


# ---------------------------------------------------------------- MemoryAnswerStore


def test_memory_claim_states_and_the_stored_verdict() -> None:
    store = MemoryAnswerStore()
    first = store.claim("ext", "m-1", 60)
    assert first.state is ACQUIRED and first.token
    assert store.claim("ext", "m-1", 60).state is IN_PROGRESS
    assert store.claim("other-ext", "m-1", 60).state is ACQUIRED  # each extension answers
    assert store.complete(first, Verdict.fail("no"))
    again = store.claim("ext", "m-1", 60)
    assert (again.state, again.verdict, again.token) == (ANSWERED, Verdict.fail("no"), None)


def test_memory_lease_expires_and_the_old_holder_loses_its_claim() -> None:
    clock = FakeClock()
    store = MemoryAnswerStore(clock=clock)
    old = store.claim("ext", "m-1", 10)
    clock.now += 10
    new = store.claim("ext", "m-1", 10)
    assert new.state is ACQUIRED and new.token != old.token
    assert not store.release(old)  # not the old holder's any more
    assert not store.decide(old, Verdict.fail("old"), 10)  # the fencing: deliver nothing
    assert store.decide(new, Verdict.ok(), 10)
    assert store.claim("ext", "m-1", 10).state is IN_PROGRESS
    assert store.complete(new, Verdict.ok())
    assert store.claim("ext", "m-1", 10).verdict == Verdict.ok()


def test_memory_release_frees_the_message() -> None:
    store = MemoryAnswerStore()
    claim = store.claim("ext", "m-1", 60)
    assert store.release(claim)
    assert not store.release(claim)
    assert store.claim("ext", "m-1", 60).state is ACQUIRED


def test_memory_answers_last_for_the_ttl() -> None:
    clock = FakeClock()
    store = MemoryAnswerStore(ttl=60, clock=clock)
    store.complete(store.claim("ext", "m-1", 5), Verdict.ok())
    clock.now += 59.9
    assert store.claim("ext", "m-1", 5).state is ANSWERED
    clock.now += 0.1
    assert store.claim("ext", "m-1", 5).state is ACQUIRED
    assert len(store) == 0


def test_memory_is_bounded_and_least_recently_used_goes_first() -> None:
    store = MemoryAnswerStore(max_size=3)
    for message_id in ("a", "b", "c"):
        store.complete(store.claim("ext", message_id, 60), Verdict.ok())
    assert store.claim("ext", "a", 60).state is ANSWERED  # refresh a
    store.complete(store.claim("ext", "d", 60), Verdict.ok())
    assert len(store) == 3
    assert store.claim("ext", "b", 60).state is ACQUIRED
    assert [store.claim("ext", m, 60).state for m in "acd"] == [ANSWERED] * 3


def test_memory_forget_and_repr() -> None:
    store = MemoryAnswerStore()
    store.complete(store.claim("ext", "m-1", 60), Verdict.ok())
    store.forget("ext", "m-1")
    assert store.claim("ext", "m-1", 60).state is ACQUIRED
    assert "in_progress=1" in repr(store)


@pytest.mark.parametrize(("max_size", "ttl"), [(0, 1.0), (-1, 1.0), (1.5, 1.0), (10, 0), (10, -5)])
def test_memory_bad_settings_are_refused(max_size: Any, ttl: Any) -> None:
    with pytest.raises(ValueError, match=r"max_size|ttl"):
        MemoryAnswerStore(max_size=max_size, ttl=ttl)


def test_memory_one_winner_among_threads() -> None:
    store = MemoryAnswerStore(max_size=500)
    assert isinstance(store, AnswerStore) and isinstance(store, AsyncAnswerStore)
    won: list[str] = []

    def work(n: int) -> None:
        for i in range(300):
            claim = store.claim("ext", f"m-{i}", 60)
            if claim.state is ACQUIRED:
                won.append(claim.message_id)
                store.complete(claim, Verdict.ok())

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible: every interleaving
    try:
        threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(interval)
    assert sorted(won) == sorted(f"m-{i}" for i in range(300))


# ---------------------------------------------------------------- RedisAnswerStore


@pytest.fixture
def redis_store(valkey_server: Any) -> RedisAnswerStore:
    return RedisAnswerStore.from_url(valkey_server.url, key_prefix=f"t-{uuid.uuid4().hex}:")


def test_redis_claim_complete_release(redis_store: RedisAnswerStore) -> None:
    first = redis_store.claim("ext", "m-1", 60)
    assert first.state is ACQUIRED and first.token
    assert redis_store.claim("ext", "m-1", 60).state is IN_PROGRESS
    assert redis_store.claim("ext-2", "m-1", 60).state is ACQUIRED
    assert redis_store.complete(first, Verdict.fail("node 7 is protected\nsee the runbook"))
    again = redis_store.claim("ext", "m-1", 60)
    assert again.state is ANSWERED
    assert again.verdict == Verdict.fail("node 7 is protected\nsee the runbook")
    other = redis_store.claim("ext", "m-2", 60)
    assert redis_store.release(other) and not redis_store.release(other)
    assert redis_store.claim("ext", "m-2", 60).state is ACQUIRED


def test_redis_tokens_are_checked_and_leases_expire(
    redis_store: RedisAnswerStore, valkey_server: Any
) -> None:
    old = redis_store.claim("ext", "m-1", 0.05)
    time.sleep(0.1)
    new = redis_store.claim("ext", "m-1", 60)
    assert new.state is ACQUIRED
    assert not redis_store.release(old)
    assert not redis_store.decide(old, Verdict.fail("old"), 60)  # the new holder's claim stands
    assert redis_store.claim("ext", "m-1", 60).state is IN_PROGRESS
    # a holder whose lease ended with nobody taking over still records what it delivered
    lonely = redis_store.claim("ext", "m-2", 0.05)
    time.sleep(0.1)
    assert redis_store.complete(lonely, Verdict.ok())
    assert redis_store.claim("ext", "m-2", 60).state is ANSWERED
    client = valkey_server.client()
    key = f"{redis_store.key_prefix}ext:m-2"
    assert client.get(key) == b"AOK"
    assert 0 < client.pttl(key) <= redis_store.ttl * 1000


def test_redis_answers_expire_after_the_ttl(valkey_server: Any) -> None:
    store = RedisAnswerStore(valkey_server.client(), key_prefix=f"t-{uuid.uuid4().hex}:", ttl=0.1)
    store.complete(store.claim("ext", "m-1", 60), Verdict.ok())
    assert store.claim("ext", "m-1", 60).state is ANSWERED
    time.sleep(0.2)
    assert store.claim("ext", "m-1", 60).state is ACQUIRED


def test_redis_with_a_decoding_client_and_an_async_client(valkey_server: Any) -> None:
    import redis
    import redis.asyncio

    prefix = f"t-{uuid.uuid4().hex}:"
    decoding = redis.Redis.from_url(valkey_server.url, decode_responses=True)
    store = RedisAnswerStore(decoding, key_prefix=prefix)
    store.complete(store.claim("ext", "m-1", 60), Verdict.fail("ü"))
    assert store.claim("ext", "m-1", 60).verdict == Verdict.fail("ü")

    async def main() -> list[Claim]:
        client = redis.asyncio.Redis.from_url(valkey_server.url)
        async_store = RedisAnswerStore(async_client=client, key_prefix=prefix)
        claim = await async_store.claim_async("ext", "m-2", 60)
        states = [claim, await async_store.claim_async("ext", "m-2", 60)]
        assert await async_store.complete_async(claim, Verdict.ok())
        states.append(await async_store.claim_async("ext", "m-1", 60))
        await client.aclose()
        return states

    assert [c.state for c in asyncio.run(main())] == [ACQUIRED, IN_PROGRESS, ANSWERED]
    with pytest.raises(StoreError, match="only an asyncio client"):
        RedisAnswerStore(async_client=object()).claim("ext", "m-3", 60)


def test_redis_refuses_a_value_it_did_not_write(
    redis_store: RedisAnswerStore, valkey_server: Any
) -> None:
    valkey_server.client().set(f"{redis_store.key_prefix}ext:m-1", "something else")
    with pytest.raises(StoreError, match="key_prefix"):
        redis_store.claim("ext", "m-1", 60)


def test_redis_settings_and_repr_hide_the_password() -> None:
    store = RedisAnswerStore.from_url("redis://user:s3cret@cache.internal:6380/2")
    assert "s3cret" not in repr(store) and "cache.internal:6380/2" in repr(store)
    with pytest.raises(ConfigurationError, match="ttl"):
        RedisAnswerStore.from_url("redis://h:1/0", ttl=0)
    with pytest.raises(ConfigurationError, match="url"):
        RedisAnswerStore.from_url("cache.internal:6379")


def test_redis_is_imported_only_by_a_redis_store() -> None:
    import subprocess
    import sys

    code = (
        "import sys, dataworks_ext\n"
        "dataworks_ext.Extension('e', store=dataworks_ext.MemoryAnswerStore())\n"
        "print('redis' in sys.modules, 'asyncio' in sys.modules)\n"
        "s = dataworks_ext.RedisAnswerStore.from_url('redis://127.0.0.1:1/0')\n"
        "print('redis' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False", "True"]  # imported at start-up, not later


# ---------------------------------------------------------------- Disposition and replies


def outcome(**kwargs: Any) -> Outcome:
    fields: dict[str, Any] = {"message_id": "m-1", "event": None, "verdict": None}
    fields["delivered"] = False
    fields.update(kwargs)
    return Outcome(**fields)


def test_disposition_of_a_batch() -> None:
    ack = outcome(delivered=True, verdict=Verdict.ok())
    reject = outcome(message_id=None)
    retry = outcome(error=CallbackError("down"))
    assert Disposition.of([]) is Disposition.ACK
    assert Disposition.of([ack, ack]) is Disposition.ACK
    assert Disposition.of([ack, reject]) is Disposition.REJECT
    assert Disposition.of([reject, retry, ack]) is Disposition.RETRY
    assert outcome(in_progress=True).disposition is Disposition.RETRY
    assert outcome(error=StoreError("down", operation="claim")).disposition is Disposition.RETRY
    # delivered, but not recorded: DataWorks has the answer
    stored = outcome(delivered=True, error=StoreError("down", operation="complete"))
    assert stored.disposition is Disposition.ACK
    assert outcome(duplicate=True, verdict=Verdict.ok()).disposition is Disposition.ACK
    assert [d.http_status for d in Disposition] == [200, 503, 400]


def test_http_reply_and_the_summary_keep_check_errors_private() -> None:
    import json

    leaky = outcome(verdict=Verdict.fail("x"), delivered=True, error=ValueError("password=1"))
    retry = outcome(message_id="m-2", error=CallbackError("throttled", code="Throttling.User"))
    reply = http_reply([leaky, retry], retry_after=7)
    assert reply.status == 503
    assert reply.headers == {"Content-Type": "application/json", "Retry-After": "7"}
    body = json.loads(reply.body)
    assert body["disposition"] == "RETRY"
    assert body["outcomes"][0]["error"] == "ValueError"
    assert body["outcomes"][1]["error"].startswith("CallbackError: throttled")
    assert b"password" not in reply.body
    assert http_reply([leaky]).headers == {"Content-Type": "application/json"}
