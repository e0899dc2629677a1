"""Several instances, one answer each: a shared RedisAnswerStore on a real Valkey server, real
worker processes, and LocalDataWorks receiving signed calls from the official SDK.

No assertion depends on how fast the machine is, except the two that are about time: the
deadline test (each timeout verdict within its deadline plus one delivery, with a slack far
below what one-after-another would take) and the event-loop lag probe (against a control that
blocks the loop and must show the lag).
"""

from __future__ import annotations

import asyncio
import contextlib
import http.client
import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from dataworks_ext import (
    CallbackError,
    Claim,
    Disposition,
    Extension,
    FreezeNodeEvent,
    HandlerTimeoutError,
    MemoryAnswerStore,
    RedisAnswerStore,
    Registry,
    StoreError,
    Verdict,
)
from dataworks_ext.testing import LocalDataWorks, freeze_event

WORKER = Path(__file__).with_name("_instance_worker.py")
EXTENSION_CODE = "ext-several"


@pytest.fixture
def local() -> Iterator[LocalDataWorks]:
    with LocalDataWorks() as running:
        yield running


class Worker:
    """One instance: a process serving HTTP, with its own Extension on the shared store."""

    def __init__(self, local: LocalDataWorks, redis_url: str, prefix: str, **env: str) -> None:
        environ = {k: v for k, v in os.environ.items() if not k.startswith("DATAWORKS_")}
        environ.update(local.env())
        environ.update(
            DATAWORKS_EXTENSION_CODE=EXTENSION_CODE,
            WORKER_REDIS_URL=redis_url,
            WORKER_KEY_PREFIX=prefix,
            PYTHONPATH=os.pathsep.join(sys.path),
            **env,
        )
        self.process = subprocess.Popen(
            [sys.executable, str(WORKER)], stdout=subprocess.PIPE, text=True, env=environ
        )
        assert self.process.stdout is not None
        self.port = int(self.process.stdout.readline())

    def post(self, body: bytes) -> tuple[int, dict[str, Any]]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        try:
            connection.request("POST", "/", body, {"Content-Type": "application/json"})
            response = connection.getresponse()
            return response.status, json.loads(response.read())
        finally:
            connection.close()

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)


@pytest.fixture
def workers(local: LocalDataWorks, valkey_server: Any) -> Iterator[Callable[..., list[Worker]]]:
    started: list[Worker] = []
    prefix = f"several-{uuid.uuid4().hex}:"

    def start(count: int, **env: str) -> list[Worker]:
        new = [Worker(local, valkey_server.url, prefix, **env) for _ in range(count)]
        started.extend(new)
        return new

    yield start
    for worker in started:
        worker.kill()


def test_messages_pushed_to_several_instances_at_once_are_answered_once_each(
    local: LocalDataWorks, workers: Callable[..., list[Worker]]
) -> None:
    pool = workers(3, WORKER_JITTER="0.03")
    messages = [
        freeze_event(message_id=f"multi-{i}", node_ids=[7] if i % 4 == 0 else [1, 2])
        for i in range(150)
    ]
    statuses: dict[int, int] = {}
    pending = list(enumerate(messages))
    with ThreadPoolExecutor(24) as executor:
        for _ in range(20):  # EventBridge pushes again what was not acknowledged
            futures = []
            for index, message in pending:
                copies = 2 + index % 2  # each message to two or three instances at once
                for k in range(copies):
                    target = pool[(index + k) % len(pool)]
                    futures.append((index, executor.submit(target.post, message.to_json())))
            retry = set()
            for index, future in futures:
                status, _ = future.result(timeout=120)
                statuses[status] = statuses.get(status, 0) + 1
                assert status in (200, 503)
                if status == 503:
                    retry.add(index)
            pending = [(i, messages[i]) for i in sorted(retry)]
            if not pending:
                break
    assert not pending, f"{len(pending)} messages never acknowledged"
    assert statuses.get(503, 0) > 0  # copies did meet a claim in progress elsewhere
    for message in messages:
        assert local.count_for(message.message_id) == 1, message.message_id
    assert len(local.verdicts) == len(messages)
    assert {v.result for v in local.verdicts} == {"OK", "FAIL"}


def test_a_redelivery_after_the_lease_of_a_killed_instance_is_answered_once(
    local: LocalDataWorks, valkey_server: Any, wait_until: Callable[..., Any]
) -> None:
    """A worker process SIGKILLed in the middle of a check; another instance takes over."""
    prefix = f"killed-{uuid.uuid4().hex}:"
    doomed = Worker(local, valkey_server.url, prefix, WORKER_LEASE="1.0")
    message = freeze_event(message_id=f"stall-{uuid.uuid4().hex}")
    try:
        threading.Thread(
            target=lambda: _ignore(doomed.post, message.to_json()), daemon=True
        ).start()
        client = valkey_server.client()
        key = f"{prefix}{EXTENSION_CODE}:{message.message_id}"
        wait_until(lambda: client.exists(key), "the worker to claim the message")
        doomed.kill()  # SIGKILL in the middle of the check
    finally:
        doomed.kill()
    survivor = Extension(
        EXTENSION_CODE,
        callback=local.client(),
        registry=_registry(),
        store=RedisAnswerStore.from_url(valkey_server.url, key_prefix=prefix),
    )
    early = survivor.handle(message.to_json())
    assert early.in_progress and early.disposition is Disposition.RETRY
    wait_until(lambda: not client.exists(key), "the killed instance's lease to end")
    answered = survivor.handle(message.to_json())
    again = survivor.handle(message.to_json())
    assert answered.delivered and answered.disposition is Disposition.ACK
    assert again.duplicate and again.verdict == answered.verdict
    assert local.count_for(message.message_id) == 1


def test_store_down_means_retry_and_nothing_delivered_then_each_answered_once(
    local: LocalDataWorks, own_valkey: Any
) -> None:
    store = RedisAnswerStore.from_url(own_valkey.url, socket_timeout=0.5)
    extension = Extension(EXTENSION_CODE, local.client(), _registry(), store=store)
    assert extension.handle(freeze_event(message_id="before")).delivered
    own_valkey.stop()
    messages = [freeze_event(message_id=f"down-{i}") for i in range(12)]
    outcomes = extension.handle_batch(b"[" + b",".join(m.to_json() for m in messages) + b"]")
    async_outcome = asyncio.run(extension.handle_async(freeze_event(message_id="down-async")))
    for outcome in [*outcomes, async_outcome]:
        assert outcome.disposition is Disposition.RETRY
        assert isinstance(outcome.error, StoreError) and outcome.error.operation == "claim"
        assert not outcome.delivered and outcome.verdict is None
    assert local.calls_for("UpdateWorkbenchEventResult") == 1  # nothing delivered meanwhile
    own_valkey.start()
    for message in messages:
        assert extension.handle(message.to_json()).delivered
        assert extension.handle(message.to_json()).duplicate
        assert local.count_for(message.message_id) == 1


def test_a_delivery_that_fails_for_good_keeps_the_decision_and_frees_the_lease(
    local: LocalDataWorks, valkey_server: Any
) -> None:
    prefix = f"release-{uuid.uuid4().hex}:"
    store = RedisAnswerStore.from_url(valkey_server.url, key_prefix=prefix)
    extension = Extension(EXTENSION_CODE, local.client(), _registry(), store=store)
    message = freeze_event(message_id="refused-1", node_ids=[7])
    local.inject("forbidden")  # 403: not retried
    failed = extension.handle(message.to_json())
    assert isinstance(failed.error, CallbackError) and failed.disposition is Disposition.RETRY
    record = valkey_server.client().get(f"{prefix}{EXTENSION_CODE}:refused-1")
    assert record.startswith(b"D0|") and record.endswith(b"FAIL\nnode 7 is protected")
    answered = extension.handle(message.to_json())  # at once: the lease was ended
    assert answered.delivered and answered.verdict == Verdict.fail("node 7 is protected")
    assert local.count_for("refused-1") == 1


class _BlockingStore:
    """A control: a Redis store whose async methods make sync calls on the loop."""

    def __init__(self, store: RedisAnswerStore) -> None:
        self.store = store

    async def claim_async(self, extension_code: str, message_id: str, lease: float) -> Claim:
        return self.store.claim(extension_code, message_id, lease)

    async def renew_async(self, claims: Any, lease: float) -> list[bool]:
        return self.store.renew(claims, lease)

    async def decide_async(self, claim: Claim, verdict: Verdict, lease: float) -> bool:
        return self.store.decide(claim, verdict, lease)

    async def complete_async(self, claim: Claim, verdict: Verdict) -> bool:
        return self.store.complete(claim, verdict)

    async def release_async(self, claim: Claim) -> bool:
        return self.store.release(claim)


def test_handle_async_on_the_redis_store_keeps_the_loop_free(
    local: LocalDataWorks, valkey_server: Any
) -> None:
    """While the server pauses its clients now and then, the loop's lag stays small."""
    pause = 0.5  # long beside a scheduling hiccup on a loaded machine

    def run(make_store: Callable[[str], Any], count: int) -> float:
        prefix = f"lag-{uuid.uuid4().hex}:"
        extension = Extension(EXTENSION_CODE, local.client(), _registry(), store=make_store(prefix))
        stop = threading.Event()

        def pauser() -> None:
            client = valkey_server.client()
            while True:
                client.execute_command("CLIENT", "PAUSE", int(pause * 1000), "ALL")
                if stop.wait(pause + 0.2):
                    break

        async def main() -> float:
            loop = asyncio.get_running_loop()
            lag = 0.0
            done = False

            async def probe() -> None:
                nonlocal lag
                while not done:
                    before = loop.time()
                    await asyncio.sleep(0.005)
                    lag = max(lag, loop.time() - before - 0.005)

            semaphore = asyncio.Semaphore(25)  # a burst after each pause stays small

            async def one(i: int) -> Any:
                async with semaphore:
                    return await extension.handle_async(freeze_event(message_id=f"{prefix}{i}"))

            probing = asyncio.create_task(probe())
            outcomes = await asyncio.gather(*(one(i) for i in range(count)))
            done = True
            await probing
            assert all(o.delivered for o in outcomes)
            return lag

        thread = threading.Thread(target=pauser, daemon=True)
        thread.start()
        try:
            return asyncio.run(main())
        finally:
            stop.set()
            thread.join()

    url = valkey_server.url
    run(lambda prefix: RedisAnswerStore.from_url(url, key_prefix=prefix), 20)  # warm up: imports
    lag = run(lambda prefix: RedisAnswerStore.from_url(url, key_prefix=prefix), 400)
    sync_client_lag = run(
        lambda prefix: RedisAnswerStore(valkey_server.client(), key_prefix=prefix), 200
    )
    control = run(
        lambda prefix: _BlockingStore(RedisAnswerStore.from_url(url, key_prefix=prefix)), 100
    )
    assert control >= pause * 0.8  # the probe does see a blocked loop
    assert lag < pause * 0.6, lag
    assert sync_client_lag < pause * 0.6, sync_client_lag  # sync client: in a worker thread


class _Timed:
    """A callback that notes when each delivery returned."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.deadline = inner.deadline
        self.at: dict[str, float] = {}

    def deliver(self, message_id: str, extension_code: str, verdict: Verdict) -> None:
        self.inner.deliver(message_id, extension_code, verdict)
        self.at[message_id] = time.monotonic()

    async def deliver_async(self, message_id: str, extension_code: str, verdict: Verdict) -> None:
        await self.inner.deliver_async(message_id, extension_code, verdict)
        self.at[message_id] = time.monotonic()


@pytest.mark.parametrize("store_kind", ["memory", "redis"])
def test_a_hundred_simultaneous_timeouts_are_delivered_side_by_side(
    local: LocalDataWorks, valkey_server: Any, store_kind: str, wait_until: Callable[..., Any]
) -> None:
    timeout, delivery = 0.3, 0.5
    local.delay = delivery
    release = threading.Event()
    registry = Registry()

    @registry.on_freeze
    def stuck(event: FreezeNodeEvent) -> Verdict:
        release.wait(30)  # blocks its thread well past the deadline
        return Verdict.ok("too late")

    callback = _Timed(local.client(deadline=10, read_timeout=5))
    store = (
        MemoryAnswerStore()
        if store_kind == "memory"
        else RedisAnswerStore.from_url(valkey_server.url, key_prefix=f"t-{uuid.uuid4().hex}:")
    )
    extension = Extension(EXTENSION_CODE, callback, registry, handler_timeout=timeout, store=store)
    messages = [freeze_event(message_id=f"late-{store_kind}-{i}") for i in range(100)]
    started: dict[str, float] = {}

    def one(message: Any) -> Any:
        started[message.message_id] = time.monotonic()
        return extension.handle(message.to_json())

    with ThreadPoolExecutor(100) as executor:
        futures = [executor.submit(one, m) for m in messages]
        wait_until(lambda: len(callback.at) == len(messages), "every timeout verdict", 60)
        release.set()
        outcomes = [f.result(timeout=60) for f in futures]
    slowest = max(callback.at[m.message_id] - started[m.message_id] for m in messages)
    # one after another would take 100 x 0.5 s; side by side, the deadline plus one delivery
    # (and starting 200 threads on two loaded cores: 4 s of slack, an order below serial)
    assert slowest < timeout + delivery + 4.0, slowest
    for message, outcome in zip(messages, outcomes, strict=True):
        assert isinstance(outcome.error, HandlerTimeoutError)
        assert outcome.delivered and outcome.disposition is Disposition.ACK
        assert local.count_for(message.message_id) == 1
        assert local.verdict_for(message.message_id).result == "FAIL"  # type: ignore[union-attr]


def _registry() -> Registry:
    registry = Registry()

    @registry.on_freeze
    def protect(event: FreezeNodeEvent) -> Verdict:
        return Verdict.fail("node 7 is protected") if 7 in event.node_ids else Verdict.ok()

    return registry


def _ignore(fn: Callable[..., Any], *args: Any) -> None:
    with contextlib.suppress(Exception):  # the worker was killed under the request
        fn(*args)


def test_a_hundred_simultaneous_async_timeouts_are_delivered_side_by_side(
    local: LocalDataWorks, valkey_server: Any
) -> None:
    """The same under handle_async: asyncio's own timeouts cut the checks, deliveries overlap."""
    timeout, delivery = 0.3, 0.5
    local.delay = delivery
    registry = Registry()

    @registry.on_freeze
    async def stuck(event: FreezeNodeEvent) -> Verdict:
        await asyncio.sleep(30)
        return Verdict.ok("too late")

    callback = _Timed(local.client(deadline=10, read_timeout=5))
    store = RedisAnswerStore.from_url(valkey_server.url, key_prefix=f"t-{uuid.uuid4().hex}:")
    extension = Extension(EXTENSION_CODE, callback, registry, handler_timeout=timeout, store=store)
    messages = [freeze_event(message_id=f"late-async-{i}") for i in range(100)]

    async def main() -> list[Any]:
        started = time.monotonic()
        outcomes = await asyncio.gather(*(extension.handle_async(m.to_json()) for m in messages))
        slowest = max(callback.at[m.message_id] for m in messages) - started
        assert slowest < timeout + delivery + 2.0, slowest  # not 100 x 0.5 s
        return list(outcomes)

    for message, outcome in zip(messages, asyncio.run(main()), strict=True):
        assert isinstance(outcome.error, HandlerTimeoutError) and outcome.delivered
        assert local.count_for(message.message_id) == 1
