"""The Extension: every policy, with real messages, sync and async checks."""

from __future__ import annotations

import asyncio
import gc
import json
import logging
import sys
import threading
import time
from typing import Any

import pytest

from dataworks_ext import (
    BackfillEvent,
    CallbackError,
    CheckResult,
    ConfigurationError,
    Disposition,
    EventMessage,
    Extension,
    FreezeNodeEvent,
    HandlerTimeoutError,
    MemoryAnswerStore,
    MessageError,
    Registry,
    RestoreNodeEvent,
    StoreError,
    UnpublishNodeEvent,
    Verdict,
)
from dataworks_ext.testing import (
    RecordingCallback,
    backfill_event,
    batch,
    freeze_event,
    restore_event,
    unpublish_event,
)

PROTECTED = 700005966962


def protecting_registry() -> Registry:
    reg = Registry()

    @reg.on_freeze
    def protect(event: FreezeNodeEvent) -> Verdict:
        if PROTECTED in event.node_ids:
            return Verdict.fail(f"node {PROTECTED} is protected")
        return Verdict.ok()

    @reg.on_backfill(name="max-days")
    def max_days(event: BackfillEvent) -> bool:
        return event.total_days <= 31

    return reg


@pytest.fixture
def recorder() -> RecordingCallback:
    return RecordingCallback()


@pytest.fixture
def ext(recorder: RecordingCallback) -> Extension:
    return Extension("ext-code", callback=recorder, registry=protecting_registry())


# ---------------------------------------------------------------- the normal path


def test_fail_verdict_is_delivered_once(ext: Extension, recorder: RecordingCallback) -> None:
    message = freeze_event(node_ids=[PROTECTED, 1], message_id="m-1")
    outcome = ext.handle(message.to_json())
    assert outcome.message_id == "m-1"
    assert outcome.event == message.event
    assert outcome.verdict == Verdict.fail(f"node {PROTECTED} is protected")
    assert outcome.delivered and not outcome.duplicate and outcome.error is None
    assert outcome.disposition is Disposition.ACK
    assert [(d.message_id, d.extension_code) for d in recorder.deliveries] == [("m-1", "ext-code")]


def test_ok_verdict_and_false_return(ext: Extension, recorder: RecordingCallback) -> None:
    assert ext.handle(freeze_event(node_ids=[1])).verdict == Verdict.ok()
    outcome = ext.handle(backfill_event(days=40))
    assert outcome.verdict is not None
    assert outcome.verdict.result is CheckResult.FAIL
    assert outcome.verdict.tip == "Check 'max-days' refused the operation"
    assert len(recorder) == 2


def test_handle_accepts_every_envelope(ext: Extension, recorder: RecordingCallback) -> None:
    ext.handle(freeze_event(node_ids=[PROTECTED], envelope="function-compute").to_json())
    ext.handle(freeze_event(node_ids=[PROTECTED]).to_dict())
    ext.handle(freeze_event(node_ids=[PROTECTED]))
    assert [d.verdict.passed for d in recorder.deliveries] == [False, False, False]


def test_several_checks_all_run_and_fail_wins(recorder: RecordingCallback) -> None:
    reg = Registry()
    ran: list[str] = []

    @reg.on_unpublish
    def first(event: UnpublishNodeEvent) -> Verdict:
        ran.append("first")
        return Verdict.fail("first says no")

    @reg.on_unpublish
    def second(event: UnpublishNodeEvent) -> None:
        ran.append("second")

    @reg.on_unpublish
    def third(event: UnpublishNodeEvent) -> Verdict:
        ran.append("third")
        return Verdict.fail("third says no")

    outcome = Extension("e", callback=recorder, registry=reg).handle(unpublish_event())
    assert ran == ["first", "second", "third"]
    assert outcome.verdict == Verdict.fail("first says no; third says no")


def test_check_with_a_second_parameter_gets_the_message(recorder: RecordingCallback) -> None:
    reg = Registry()
    seen: list[EventMessage] = []

    @reg.on_restore
    def check(event: RestoreNodeEvent, message: EventMessage) -> None:
        seen.append(message)

    Extension("e", callback=recorder, registry=reg).handle(restore_event(message_id="m-7"))
    assert seen[0].message_id == "m-7"
    assert seen[0].event_code == "unfreeze-node"


def test_async_checks_run_from_sync_handle(recorder: RecordingCallback) -> None:
    reg = Registry()

    @reg.on_freeze
    async def check(event: FreezeNodeEvent) -> Verdict:
        await asyncio.sleep(0)
        return Verdict.fail("async says no")

    outcome = Extension("e", callback=recorder, registry=reg).handle(freeze_event())
    assert outcome.verdict == Verdict.fail("async says no")


def test_async_handle_with_sync_and_async_checks(recorder: RecordingCallback) -> None:
    reg = Registry()

    @reg.on_freeze
    async def a(event: FreezeNodeEvent, message: EventMessage) -> Verdict:
        await asyncio.sleep(0.001)
        return Verdict.fail(f"async no for {message.message_id}")

    @reg.on_freeze
    def b(event: FreezeNodeEvent) -> bool:
        return True

    ext = Extension("e", callback=recorder, registry=reg)
    outcome = asyncio.run(ext.handle_async(freeze_event(message_id="m-a")))
    assert outcome.verdict == Verdict.fail("async no for m-a")
    assert outcome.delivered
    assert recorder.verdicts["m-a"] == outcome.verdict


def test_handle_refuses_async_checks_inside_a_running_loop(recorder: RecordingCallback) -> None:
    reg = Registry()

    @reg.on_freeze
    async def check(event: FreezeNodeEvent) -> None: ...

    ext = Extension("e", callback=recorder, registry=reg)

    async def main() -> None:
        with pytest.raises(RuntimeError, match="handle_async"):
            ext.handle(freeze_event(message_id="in-loop"))

    asyncio.run(main())
    assert len(recorder) == 0
    # the refusal released the claim: the message is answered when handled the right way
    assert asyncio.run(ext.handle_async(freeze_event(message_id="in-loop"))).delivered


def test_dry_run_decides_and_delivers_nothing() -> None:
    ext = Extension("e", registry=protecting_registry())
    outcome = ext.handle(freeze_event(node_ids=[PROTECTED]))
    assert outcome.verdict is not None and not outcome.verdict.passed
    assert outcome.delivered is False
    assert outcome.disposition is Disposition.ACK


# ---------------------------------------------------------------- batches


def test_batch_answers_each_message(ext: Extension, recorder: RecordingCallback) -> None:
    raw = batch(
        freeze_event(node_ids=[PROTECTED], message_id="b-1"),
        restore_event(message_id="b-2"),
        backfill_event(days=2, message_id="b-3"),
    )
    outcomes = ext.handle_batch(raw)
    assert [o.message_id for o in outcomes] == ["b-1", "b-2", "b-3"]
    assert [o.verdict.passed for o in outcomes if o.verdict] == [False, True, True]
    assert set(recorder.verdicts) == {"b-1", "b-2", "b-3"}


def test_batch_with_unreadable_messages_answers_the_rest(
    ext: Extension, recorder: RecordingCallback
) -> None:
    good = freeze_event(message_id="ok-1").to_dict()
    broken = freeze_event(message_id="bad-1").to_dict()
    broken["data"]["nodeIds"] = "1,2"
    outcomes = ext.handle_batch(json.dumps([good, broken, {"no": "id"}, 7]))
    assert [o.message_id for o in outcomes] == ["ok-1", "bad-1", None, None]
    assert [o.disposition.name for o in outcomes] == ["ACK", "ACK", "REJECT", "REJECT"]
    assert Disposition.of(outcomes) is Disposition.REJECT
    assert all(isinstance(o.error, MessageError) for o in outcomes[1:])
    assert recorder.verdicts["bad-1"].result is CheckResult.FAIL


def test_batch_async(ext: Extension, recorder: RecordingCallback) -> None:
    raw = batch(*(freeze_event(message_id=f"a-{i}") for i in range(20)))
    outcomes = asyncio.run(ext.handle_batch_async(raw))
    assert len(outcomes) == 20 and all(o.delivered for o in outcomes)
    assert len(recorder) == 20


def test_batch_body_that_is_not_json_is_rejected(ext: Extension) -> None:
    (outcome,) = ext.handle_batch(b"{not json")
    assert isinstance(outcome.error, MessageError) and outcome.message_id is None
    assert outcome.disposition is Disposition.REJECT


# ---------------------------------------------------------------- unreadable messages


def _unreadable(message_id: str = "u-1") -> bytes:
    raw = freeze_event(message_id=message_id).to_dict()
    raw["data"]["nodeIds"] = "1,2"
    return json.dumps(raw).encode()


def test_unreadable_message_with_readable_id_fails_closed(
    ext: Extension, recorder: RecordingCallback
) -> None:
    outcome = ext.handle(_unreadable())
    assert outcome.message_id == "u-1"
    assert outcome.event is None
    assert isinstance(outcome.error, MessageError)
    assert outcome.delivered
    assert outcome.verdict is not None and outcome.verdict.result is CheckResult.FAIL
    assert outcome.verdict.tip is not None
    assert "could not read this event (data.nodeIds)" in outcome.verdict.tip
    assert recorder.verdicts["u-1"] == outcome.verdict


def test_unreadable_message_can_pass_by_policy(recorder: RecordingCallback) -> None:
    ext = Extension("e", callback=recorder, registry=Registry(), unreadable_result="ok")
    outcome = ext.handle(_unreadable())
    assert outcome.verdict is not None and outcome.verdict.passed


def test_unreadable_message_without_id_is_rejected(
    ext: Extension, recorder: RecordingCallback
) -> None:
    outcome = ext.handle(b'{"type": "x", "data": {}}')
    assert isinstance(outcome.error, MessageError) and outcome.error.message_id is None
    assert outcome.disposition is Disposition.REJECT
    assert len(recorder) == 0


class AsyncOnlyCallback(RecordingCallback):
    """Records async deliveries; a sync delivery (which would block the loop) is an error."""

    def deliver(self, message_id: str, extension_code: str, verdict: Verdict) -> None:
        raise AssertionError("the event loop was blocked by a sync delivery")

    async def deliver_async(self, message_id: str, extension_code: str, verdict: Verdict) -> None:
        await asyncio.sleep(0)
        RecordingCallback.deliver(self, message_id, extension_code, verdict)


def test_async_handle_answers_unreadable_messages_without_blocking_the_loop() -> None:
    callback = AsyncOnlyCallback()
    ext = Extension("e", callback=callback, registry=Registry())

    async def main() -> list[Any]:
        return [
            await ext.handle_async(_unreadable("ua-1")),
            await ext.handle_async(_unreadable("ua-1")),
            *await ext.handle_batch_async(batch(freeze_event(message_id="ok-2"))),
        ]

    first, again, fine = asyncio.run(main())
    assert first.delivered and isinstance(first.error, MessageError)
    assert first.verdict is not None and first.verdict.result is CheckResult.FAIL
    assert again.duplicate and not again.delivered and again.verdict == first.verdict
    assert fine.delivered
    assert [d.message_id for d in callback.deliveries] == ["ua-1", "ok-2"]


def test_unreadable_message_is_not_answered_twice(
    ext: Extension, recorder: RecordingCallback
) -> None:
    ext.handle(_unreadable())
    assert ext.handle(_unreadable()).duplicate
    assert len(recorder) == 1


# ---------------------------------------------------------------- a check raises


def _raising_registry() -> Registry:
    reg = Registry()

    @reg.on_freeze(name="looks-up-cmdb")
    def boom(event: FreezeNodeEvent) -> Verdict:
        raise ConnectionError("password=hunter2 at cmdb.internal")

    @reg.on_freeze
    def fine(event: FreezeNodeEvent) -> bool:
        return True

    return reg


def test_check_that_raises_fails_closed_without_leaking_the_error_text(
    recorder: RecordingCallback, caplog: pytest.LogCaptureFixture
) -> None:
    ext = Extension("e", callback=recorder, registry=_raising_registry())
    with caplog.at_level(logging.ERROR, logger="dataworks_ext"):
        outcome = ext.handle(freeze_event(message_id="r-1"))
    assert outcome.verdict is not None
    assert outcome.verdict.result is CheckResult.FAIL
    assert outcome.verdict.tip is not None
    assert "looks-up-cmdb" in outcome.verdict.tip and "ConnectionError" in outcome.verdict.tip
    assert "hunter2" not in outcome.verdict.tip
    assert isinstance(outcome.error, ConnectionError)
    assert outcome.delivered
    record = next(r for r in caplog.records if "looks-up-cmdb" in r.getMessage())
    assert record.exc_info is not None  # the traceback is logged
    assert record.message_id == "r-1"  # type: ignore[attr-defined]


def test_check_that_raises_can_fail_open(recorder: RecordingCallback) -> None:
    ext = Extension("e", callback=recorder, registry=_raising_registry(), error_result="OK")
    outcome = ext.handle(freeze_event())
    assert outcome.verdict is not None and outcome.verdict.passed
    assert outcome.verdict.tip is not None and "looks-up-cmdb" in outcome.verdict.tip


def test_check_returning_nonsense_is_an_error(recorder: RecordingCallback) -> None:
    reg = Registry()
    reg.on_freeze(lambda e: "yes")  # type: ignore[arg-type,return-value]
    outcome = Extension("e", callback=recorder, registry=reg).handle(freeze_event())
    assert isinstance(outcome.error, TypeError)
    assert outcome.verdict is not None and not outcome.verdict.passed


def test_async_check_raising_its_own_timeout_is_a_failing_check(
    recorder: RecordingCallback,
) -> None:
    reg = Registry()

    @reg.on_freeze(name="remote")
    async def check(event: FreezeNodeEvent) -> None:
        raise TimeoutError("remote service timed out")

    outcome = Extension("e", callback=recorder, registry=reg).handle(freeze_event())
    assert isinstance(outcome.error, TimeoutError)
    assert not isinstance(outcome.error, HandlerTimeoutError)
    assert outcome.verdict is not None and "remote" in (outcome.verdict.tip or "")


# ---------------------------------------------------------------- deadlines


class SignallingCallback(RecordingCallback):
    """Records, and sets an event on every delivery so a check can see it arrive."""

    def __init__(self) -> None:
        super().__init__()
        self.arrived = threading.Event()

    def deliver(self, message_id: str, extension_code: str, verdict: Verdict) -> None:
        super().deliver(message_id, extension_code, verdict)
        self.arrived.set()


def test_slow_sync_check_gets_the_timeout_verdict_delivered_at_the_deadline(
    caplog: pytest.LogCaptureFixture,
) -> None:
    callback = SignallingCallback()
    reg = Registry()
    saw_delivery_while_running: list[bool] = []

    @reg.on_freeze
    def slow(event: FreezeNodeEvent) -> Verdict:
        # Waits until the timeout verdict arrives (it must, while this check still runs).
        saw_delivery_while_running.append(callback.arrived.wait(10))
        return Verdict.ok("late")

    ext = Extension("e", callback=callback, registry=reg, handler_timeout=0.05)
    with caplog.at_level(logging.WARNING, logger="dataworks_ext"):
        outcome = ext.handle(freeze_event(message_id="slow-1"))
    assert saw_delivery_while_running == [True]
    assert isinstance(outcome.error, HandlerTimeoutError)
    assert outcome.verdict is not None and outcome.verdict.result is CheckResult.FAIL
    assert outcome.verdict.tip == "The extension's checks did not finish within 0.05s"
    assert outcome.delivered
    assert len(callback) == 1  # the late OK was discarded
    assert any("late result OK" in r.getMessage() for r in caplog.records)


def test_slow_async_check_is_cut_at_the_deadline(recorder: RecordingCallback) -> None:
    reg = Registry()
    finished: list[bool] = []

    @reg.on_backfill
    async def slow(event: BackfillEvent) -> None:
        await asyncio.sleep(10)
        finished.append(True)

    ext = Extension("e", callback=recorder, registry=reg, handler_timeout=0.05)
    outcome = asyncio.run(ext.handle_async(backfill_event(message_id="slow-2")))
    assert isinstance(outcome.error, HandlerTimeoutError)
    assert outcome.verdict is not None and not outcome.verdict.passed
    assert finished == []
    assert [d.message_id for d in recorder.deliveries] == ["slow-2"]
    # the same from the sync entry point
    outcome = ext.handle(backfill_event(message_id="slow-3"))
    assert isinstance(outcome.error, HandlerTimeoutError)
    assert recorder.verdicts["slow-3"].result is CheckResult.FAIL


def test_timeout_verdict_can_pass_by_policy(recorder: RecordingCallback) -> None:
    reg = Registry()

    @reg.on_freeze
    async def slow(event: FreezeNodeEvent) -> None:
        await asyncio.sleep(10)

    ext = Extension("e", callback=recorder, registry=reg, handler_timeout=0.02, timeout_result="OK")
    outcome = ext.handle(freeze_event())
    assert outcome.verdict is not None and outcome.verdict.passed


def test_timeout_delivery_failure_is_reported_after_the_check_returns() -> None:
    callback = RecordingCallback(fail_with=CallbackError("down", code="InternalError.System"))
    reg = Registry()

    @reg.on_freeze
    def slow(event: FreezeNodeEvent) -> None:
        time.sleep(0.2)

    ext = Extension("e", callback=callback, registry=reg, handler_timeout=0.02)
    outcome = ext.handle(freeze_event(message_id="t-9"))
    assert isinstance(outcome.error, CallbackError) and "down" in str(outcome.error)
    assert outcome.disposition is Disposition.RETRY
    # not remembered: a redelivery is answered
    callback.fail_with = None
    reg._checks[FreezeNodeEvent] = ()
    assert ext.handle(freeze_event(message_id="t-9")).delivered


def test_no_deadline_when_timeout_is_none(recorder: RecordingCallback) -> None:
    reg = Registry()
    reg.on_freeze(lambda e: time.sleep(0.05))
    ext = Extension("e", callback=recorder, registry=reg, handler_timeout=None)
    assert ext.handle(freeze_event()).error is None


# ---------------------------------------------------------------- unhandled and regular events


def test_extension_point_event_without_checks_passes_with_a_warning(
    recorder: RecordingCallback, caplog: pytest.LogCaptureFixture
) -> None:
    ext = Extension("e", callback=recorder, registry=Registry())
    with caplog.at_level(logging.WARNING, logger="dataworks_ext"):
        outcome = ext.handle(unpublish_event())
    assert outcome.verdict == Verdict.ok() and outcome.delivered
    assert any("no check is registered for undeploy-node" in r.getMessage() for r in caplog.records)


def test_unhandled_events_can_fail(recorder: RecordingCallback) -> None:
    ext = Extension("e", callback=recorder, registry=Registry(), unhandled_result=CheckResult.FAIL)
    outcome = ext.handle(unpublish_event())
    assert outcome.verdict is not None and not outcome.verdict.passed


def test_regular_events_are_not_answered(ext: Extension, recorder: RecordingCallback) -> None:
    outcome = ext.handle(
        {"id": "r-1", "type": "dataworks:InstanceStatusChanges:X", "data": {"status": "OK"}}
    )
    assert (outcome.verdict, outcome.delivered, outcome.error) == (None, False, None)
    no_check_id = freeze_event(extension_biz_id="").to_dict()
    del no_check_id["data"]["extensionBizId"]
    assert ext.handle(no_check_id).verdict is None
    assert len(recorder) == 0


# ---------------------------------------------------------------- duplicates


def test_duplicates_are_not_answered_again(ext: Extension, recorder: RecordingCallback) -> None:
    message = freeze_event(message_id="d-1")
    first = ext.handle(message.to_json())
    second = ext.handle(message.to_json())
    assert first.delivered and not first.duplicate
    assert second.duplicate and not second.delivered and second.verdict == first.verdict
    assert second.disposition is Disposition.ACK
    assert second.event == message.event
    assert len(recorder) == 1


def test_a_failed_delivery_is_not_remembered(ext: Extension, recorder: RecordingCallback) -> None:
    recorder.fail_with = CallbackError("throttled", code="Throttling.User", status=429)
    failed = ext.handle(freeze_event(message_id="f-1"))
    assert isinstance(failed.error, CallbackError) and failed.error.code == "Throttling.User"
    assert failed.disposition is Disposition.RETRY and not failed.delivered
    recorder.fail_with = None
    outcome = ext.handle(freeze_event(message_id="f-1"))
    assert outcome.delivered and not outcome.duplicate


def test_a_callback_raising_anything_else_becomes_a_callback_error(
    recorder: RecordingCallback,
) -> None:
    recorder.fail_with = OSError("disk full")
    ext = Extension("e", callback=recorder, registry=Registry())
    error = ext.handle(freeze_event()).error
    assert isinstance(error, CallbackError) and error.code == "OSError"
    assert isinstance(error.__cause__, OSError)
    (outcome,) = ext.handle_batch(batch(freeze_event()))
    assert isinstance(outcome.error, CallbackError)
    assert outcome.disposition is Disposition.RETRY


def test_async_delivery_failure_is_a_retry(recorder: RecordingCallback) -> None:
    recorder.fail_with = CallbackError("down")
    ext = Extension("e", callback=recorder, registry=Registry())
    outcome = asyncio.run(ext.handle_async(freeze_event()))
    assert isinstance(outcome.error, CallbackError)
    assert outcome.disposition is Disposition.RETRY


def test_concurrent_copies_of_one_message_are_answered_once() -> None:
    callback = RecordingCallback()
    reg = Registry()
    reg.on_freeze(lambda e: time.sleep(0.01))
    ext = Extension("e", callback=callback, registry=reg)
    raw = freeze_event(message_id="c-1").to_json()
    outcomes = []

    def send() -> None:
        outcomes.append(ext.handle(raw))

    threads = [threading.Thread(target=send) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(callback) == 1
    assert sum(o.delivered for o in outcomes) == 1
    others = [o for o in outcomes if not o.delivered]
    # a copy arriving while the first is checked is told to come back; a later one is a duplicate
    assert all(o.in_progress or o.duplicate for o in others)
    assert all(
        o.disposition is (Disposition.RETRY if o.in_progress else Disposition.ACK) for o in others
    )


def test_concurrent_async_copies_are_answered_once(recorder: RecordingCallback) -> None:
    reg = Registry()

    @reg.on_freeze
    async def check(event: FreezeNodeEvent) -> None:
        await asyncio.sleep(0.01)

    ext = Extension("e", callback=recorder, registry=reg)
    raw = freeze_event(message_id="c-2").to_json()

    async def main() -> list[Any]:
        return list(await asyncio.gather(*(ext.handle_async(raw) for _ in range(5))))

    outcomes = asyncio.run(main())
    assert len(recorder) == 1
    assert sum(o.in_progress for o in outcomes) == 4
    assert Disposition.of(outcomes) is Disposition.RETRY


def test_a_shared_store_can_be_plugged_in(recorder: RecordingCallback) -> None:
    store = MemoryAnswerStore()
    one = Extension("e", callback=recorder, registry=Registry(), store=store)
    two = Extension("e", callback=recorder, registry=Registry(), store=store)
    one.handle(freeze_event(message_id="s-1"))
    assert two.handle(freeze_event(message_id="s-1")).duplicate


def test_dry_run_of_100000_messages_stays_within_the_store_bound() -> None:
    store = MemoryAnswerStore(max_size=1000)
    reg = Registry()
    reg.on_freeze(lambda e: True)
    ext = Extension("e", registry=reg, store=store)
    template = freeze_event(message_id="ID-PLACEHOLDER").to_json()

    def run(start: int, stop: int) -> None:
        for i in range(start, stop):
            ext.handle(template.replace(b"ID-PLACEHOLDER", b"%08d" % i))

    run(0, 10_000)
    gc.collect()
    blocks_after_warmup = sys.getallocatedblocks()
    run(10_000, 100_000)
    gc.collect()
    growth = sys.getallocatedblocks() - blocks_after_warmup
    assert len(store) == 1000
    assert not store._claims
    assert growth < 2_000, f"{growth} blocks more after 90,000 further messages"


# ---------------------------------------------------------------- configuration


def test_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATAWORKS_EXTENSION_CODE", " ext-from-env ")
    monkeypatch.setenv("DATAWORKS_DRY_RUN", "true")
    ext = Extension.from_env(Registry(), handler_timeout=5)
    assert ext.extension_code == "ext-from-env"
    assert ext.callback is None and ext.handler_timeout == 5.0


def test_from_env_takes_a_callback_of_your_choosing(recorder: RecordingCallback) -> None:
    env = {"DATAWORKS_EXTENSION_CODE": "ext"}  # no credentials needed: the callback is given
    ext = Extension.from_env(Registry(), environ=env, callback=recorder)
    assert ext.callback is recorder
    ext.handle(freeze_event(message_id="fe-1"))
    assert [d.extension_code for d in recorder.deliveries] == ["ext"]
    assert Extension.from_env(environ=env, callback=None).callback is None


def test_from_env_without_code_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="DATAWORKS_EXTENSION_CODE"):
        Extension.from_env(environ={"DATAWORKS_DRY_RUN": "1"})


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"extension_code": ""}, "extension_code"),
        ({"extension_code": "e", "handler_timeout": 0}, "handler_timeout"),
        ({"extension_code": "e", "handler_timeout": "5"}, "handler_timeout"),
        ({"extension_code": "e", "error_result": "MAYBE"}, "error_result"),
        ({"extension_code": "e", "callback": object()}, "deliver"),
    ],
)
def test_bad_settings_are_configuration_errors(kwargs: dict[str, Any], match: str) -> None:
    with pytest.raises(ConfigurationError, match=match):
        Extension(**kwargs)


def test_default_registry_is_used_unless_given() -> None:
    import dataworks_ext

    assert Extension("e").registry is dataworks_ext.default_registry
    assert "dry run" in repr(Extension("e"))


class _BrokenStore:
    """A store whose claim() returns nonsense."""

    def claim(self, extension_code: str, message_id: str, lease: float) -> Any:
        return None

    def renew(self, claims: Any, lease: float) -> list[bool]:
        raise AssertionError("never called")

    def decide(self, claim: Any, verdict: Verdict, lease: float) -> bool:
        raise AssertionError("never called")

    def complete(self, claim: Any, verdict: Verdict) -> bool:
        raise AssertionError("never called")

    def release(self, claim: Any) -> bool:
        raise AssertionError("never called")


def test_a_store_that_answers_nonsense_is_a_store_error(recorder: RecordingCallback) -> None:
    ext = Extension("e", callback=recorder, registry=Registry(), store=_BrokenStore())
    outcome = ext.handle(freeze_event())
    assert isinstance(outcome.error, StoreError) and "not a Claim" in str(outcome.error)
    assert outcome.disposition is Disposition.RETRY and len(recorder) == 0
    # a sync-only store under handle_async runs in a worker thread, with the same result
    outcome = asyncio.run(ext.handle_async(freeze_event()))
    assert isinstance(outcome.error, StoreError)


def test_a_check_interrupted_releases_the_claim(recorder: RecordingCallback) -> None:
    reg = Registry()
    interrupt = [True]

    @reg.on_freeze
    def check(event: FreezeNodeEvent) -> None:
        if interrupt.pop():
            raise KeyboardInterrupt

    ext = Extension("e", callback=recorder, registry=reg)
    with pytest.raises(KeyboardInterrupt):
        ext.handle(freeze_event(message_id="ki-1"))
    interrupt.append(False)
    assert ext.handle(freeze_event(message_id="ki-1")).delivered


def test_the_lease_is_short_and_checked_against_the_store() -> None:
    from dataworks_ext import DEFAULT_LEASE, CallbackClient, RedisAnswerStore

    client = CallbackClient(region_id="cn-shanghai", deadline=12)
    assert Extension("e", client, handler_timeout=300).lease == DEFAULT_LEASE == 10
    assert Extension("e", client, lease=1).lease == 1  # the memory store never waits
    with pytest.raises(ConfigurationError, match="lease"):
        Extension("e", lease=0)
    with pytest.raises(ConfigurationError, match="minimum"):
        Extension("e", lease=0.5)
    redis = RedisAnswerStore.from_url("redis://127.0.0.1:6379/0")  # 2 s socket timeout
    with pytest.raises(ConfigurationError, match=r"lease=1s is too short .* at least 4s"):
        Extension("e", lease=1, handler_timeout=30, store=redis)
    quick = RedisAnswerStore.from_url("redis://127.0.0.1:6379/0", socket_timeout=0.3)
    assert Extension("e", lease=1, store=quick).lease == 1
    with pytest.raises(ConfigurationError, match="ttl"):
        Extension("e", lease=60, store=RedisAnswerStore.from_url("redis://h:1/0", ttl=30))
    ext = Extension("e", lease=1)
    with pytest.raises(ConfigurationError, match="too short"):
        ext.store = redis  # a new store is checked against the lease too
    with pytest.raises(ConfigurationError, match="store"):
        Extension("e", store=object())  # type: ignore[arg-type]


def test_checks_registered_after_the_first_message_and_a_new_registry_are_used() -> None:
    from dataworks_ext import Registry, Verdict
    from dataworks_ext.testing import freeze_event

    first = Registry()
    ext = Extension("ext", registry=first)
    assert ext.handle(freeze_event()).verdict == Verdict.ok()  # unhandled: OK

    @first.on_freeze
    def refuse(event: FreezeNodeEvent) -> Verdict:
        return Verdict.fail("added later")

    assert ext.handle(freeze_event()).verdict == Verdict.fail("added later")

    second = Registry()
    second.on_freeze(lambda event: Verdict.fail("the other registry"))
    ext.registry = second
    assert ext.handle(freeze_event()).verdict == Verdict.fail("the other registry")
