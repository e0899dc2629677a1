"""Hardening: what DataWorks' operations depend on when the input, the endpoint or the load
turns bad.  A check that stalls, or a verdict that is lost, stalls someone's production
operation, so every test here states an invariant over everything that happened, not a
sample:

* bad input: nothing escapes; a message without a readable id is rejected with its
  :class:`MessageError`; every verdict goes to an id the input holds; an unreadable
  message whose id is readable is answered FAIL; the optional orjson path reads exactly
  what the json path reads;
* faults at the endpoint (throttling storms, bursts of 500, refusals, answers slower than
  the deadline, connection refused then recovered, checks that stall past the deadline):
  every message ends delivered or with a :class:`CallbackError` (RETRY), and nothing is
  reported delivered that the endpoint did not accept;
* load: ``DWX_HARDENING_MESSAGES`` messages (10,000 unless set) through the Flask example
  from 8 concurrent senders with 1% duplicates: every id answered exactly once;
* secrets: with DEBUG logging on, the AccessKey secret appears in no log, repr or error.

No assertion depends on timing; the timeouts below only stop a broken run from hanging.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import http.client
import importlib.util
import json
import logging
import os
import random
import subprocess
import sys
import threading
import time
import traceback
import warnings
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from dataworks_ext import (
    CallbackError,
    Disposition,
    EventMessage,
    Extension,
    FreezeNodeEvent,
    HandlerTimeoutError,
    MessageError,
    Outcome,
    Registry,
    Verdict,
    parse_message,
)
from dataworks_ext import messages as messages_module
from dataworks_ext.testing import (
    LocalDataWorks,
    RecordingCallback,
    backfill_event,
    freeze_event,
    restore_event,
    unpublish_event,
)

EXTENSION_CODE = "ext-hardening"
PROTECTED = 700005966962
EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
#: How long a broken run may hang before it fails (no assertion depends on it).
STALL = 120.0


def checks() -> Registry:
    """Checks whose verdicts follow from the event alone."""
    registry = Registry()

    @registry.on_freeze
    def protect(event: FreezeNodeEvent) -> Verdict:
        if PROTECTED in event.node_ids:
            return Verdict.fail(f"node {PROTECTED} is protected")
        return Verdict.ok()

    @registry.on_unpublish
    def unpublish(event: Any) -> bool:
        return PROTECTED not in event.node_ids

    @registry.on_backfill(name="max-days")
    def max_days(event: Any) -> bool:
        return bool(event.total_days <= 31)

    return registry


REGISTRY = checks()


# ==================================================================== bad input

REAL: list[dict[str, Any]] = [
    freeze_event(message_id="m-freeze").to_dict(),
    freeze_event(message_id="m-protected", node_ids=[PROTECTED]).to_dict(),
    restore_event(message_id="m-restore").to_dict(),
    unpublish_event(message_id="m-fc", envelope="function-compute").to_dict(),
    backfill_event(message_id="m-backfill", days=3).to_dict(),
    backfill_event(message_id="m-backfill-fc", days=2, envelope="function-compute").to_dict(),
    {
        "id": "m-regular",
        "source": "acs.dataworks",
        "type": "dataworks:InstanceStatusChanges:InstanceStatusChanges",
        "data": {"eventCode": "instance-status-changes", "status": "SUCCESS"},
    },
]

HUGE = "x" * 200_000
WEIRD = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=2**64, max_value=2**80),  # past 64 bits: orjson refuses, json reads
    st.floats(),
    st.text(max_size=30),
    st.just(HUGE),
    st.just("\u202e\u0000\ufeff"),
    st.just(" "),
    st.just(""),
    st.lists(st.integers(), max_size=3),
    st.lists(st.text(max_size=4), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=3),
    st.just("[" * 3_000 + "]" * 3_000),  # deep nesting, in a string that holds JSON
    st.just('[{"bizBeginTime":"2024-02-30","bizEndTime":"2024-03-01"}]'),
    st.just([[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]),
)


def _paths(value: Any) -> list[tuple[Any, ...]]:
    """Paths to every value, not below 12 levels (the nests added here go far deeper)."""
    found: list[tuple[Any, ...]] = []
    todo: list[tuple[Any, tuple[Any, ...]]] = [(value, ())]
    while todo:
        item, prefix = todo.pop()
        found.append(prefix)
        if len(prefix) >= 12:
            continue
        if isinstance(item, dict):
            todo += [(child, (*prefix, key)) for key, child in item.items()]
        elif isinstance(item, list):
            todo += [(child, (*prefix, index)) for index, child in enumerate(item)]
    return found


def _get(root: Any, path: tuple[Any, ...]) -> Any:
    for step in path:
        root = root[step]
    return root


def _set(root: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    _get(root, path[:-1])[path[-1]] = value
    return root


def _delete(root: Any, path: tuple[Any, ...]) -> Any:
    if not path:
        return None
    del _get(root, path[:-1])[path[-1]]
    return root


def _depth(value: Any) -> int:
    deepest, todo = 0, [(value, 1)]
    while todo:
        item, level = todo.pop()
        deepest = max(deepest, level)
        if isinstance(item, dict):
            todo += [(child, level + 1) for child in item.values()]
        elif isinstance(item, list):
            todo += [(child, level + 1) for child in item]
    return deepest


def _nest(value: Any, depth: int) -> Any:
    for _ in range(depth):
        value = [value]
    return value


@st.composite
def garbage(draw: st.DrawFn) -> Any:
    """A real message broken a few ways at once, as an object, text or bytes."""
    mutated: Any = copy.deepcopy(draw(st.sampled_from(REAL)))
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        path = draw(st.sampled_from(_paths(mutated)))
        action = draw(
            st.sampled_from(["swap", "swap", "delete", "stringify", "nest", "type", "rename"])
        )
        if action == "swap":
            mutated = _set(mutated, path, copy.deepcopy(draw(WEIRD)))
        elif action == "delete":
            mutated = _delete(mutated, path)
        elif action == "stringify" and _depth(_get(mutated, path)) <= 300:
            mutated = _set(mutated, path, json.dumps(_get(mutated, path)))
        elif action == "nest":  # deep nesting: past what json's recursion allows at times
            depth = draw(st.sampled_from([2, 50, 900, 5_000]))
            mutated = _set(mutated, path, _nest(_get(mutated, path), depth))
        elif action == "type":  # the whole value replaced by another JSON kind
            mutated = _set(mutated, path, draw(st.sampled_from([[], {}, 0, "", None, True])))
        elif path and isinstance(_get(mutated, path[:-1]), dict):  # rename a key
            parent = _get(mutated, path[:-1])
            parent[draw(st.sampled_from(["ID", "Id", "data ", "messageid", "\u0069d"]))] = (
                parent.pop(path[-1])
            )
    if _depth(mutated) > 300:
        return mutated  # too deep for json to write out: hand over the object itself
    text = json.dumps(mutated, ensure_ascii=draw(st.booleans()))
    form = draw(
        st.sampled_from(["object", "text", "bytes", "truncated", "garbled", "bom", "padded"])
    )
    if form == "object":
        return mutated
    if form == "text":
        return text
    data = text.encode()
    if form == "bytes":
        return data
    if form == "truncated":
        return data[: draw(st.integers(min_value=0, max_value=len(data)))]
    if form == "bom":
        return "\ufeff" + text if draw(st.booleans()) else b"\xef\xbb\xbf" + data
    if form == "padded":
        return b" \n\t" + data + b"\r\n "
    raw = bytearray(data)
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        if raw:
            raw[draw(st.integers(min_value=0, max_value=len(raw) - 1))] = draw(
                st.integers(min_value=0x80, max_value=0xFF)
            )
    return bytes(raw)


def ids_in(raw: Any) -> set[str]:
    """Every string (and integer, as text) the input holds anywhere: where an id may come from."""
    if isinstance(raw, (bytes, str)):
        try:
            text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
            raw = json.loads(text.removeprefix("\ufeff"))
        except (ValueError, RecursionError):
            return set()
    found: set[str] = set()
    todo = [raw]
    while todo:
        value = todo.pop()
        if isinstance(value, str):
            found.add(value)
        elif isinstance(value, int) and not isinstance(value, bool):
            found.add(str(value))
        elif isinstance(value, dict):
            todo.extend(value.keys())
            todo.extend(value.values())
        elif isinstance(value, list):
            todo.extend(value)
    return found


def expected(raw: Any) -> tuple[EventMessage | None, MessageError | None]:
    try:
        return parse_message(raw), None
    except MessageError as exc:
        return None, exc


def check_handled(
    raw: Any, outcome: Outcome | None, raised: Exception | None, recorder: Any
) -> str:
    """The invariants for one input; returns what happened, for the tally."""
    message, error = expected(raw)
    delivered = recorder.deliveries
    readable_ids = ids_in(raw)
    for delivery in delivered:  # never a verdict for an id the input does not hold
        assert delivery.message_id in readable_ids, (delivery, raw)
        assert delivery.extension_code == EXTENSION_CODE
    if raised is not None:  # rejected with a MessageError, and only without a readable id
        assert isinstance(raised, MessageError), raised
        assert raised.message_id is None
        assert error is not None
        assert error.message_id is None
        assert not delivered
        return "refused, no id"
    assert outcome is not None
    if error is not None:  # unreadable, id readable: answered FAIL, once, to that id
        assert error.message_id is not None
        assert outcome.message_id == error.message_id
        assert outcome.verdict is not None
        assert outcome.verdict.result.value == "FAIL"
        assert outcome.delivered
        assert isinstance(outcome.error, MessageError)
        assert [(d.message_id, d.verdict) for d in delivered] == [
            (error.message_id, outcome.verdict)
        ]
        return "unreadable, answered FAIL"
    assert message is not None
    assert outcome.message_id == message.message_id
    if not message.needs_answer:
        assert outcome.verdict is None
        assert not delivered
        return "nothing to answer"
    assert outcome.delivered
    assert [(d.message_id, d.verdict) for d in delivered] == [(message.message_id, outcome.verdict)]
    return "answered"


def handle_once(raw: Any) -> str:
    recorder = RecordingCallback()
    extension = Extension(EXTENSION_CODE, callback=recorder, registry=REGISTRY)
    outcome = extension.handle(raw)
    if outcome.message_id is None:
        assert outcome.disposition is Disposition.REJECT
        assert isinstance(outcome.error, Exception)
        return check_handled(raw, None, outcome.error, recorder)
    assert outcome.disposition is Disposition.ACK
    return check_handled(raw, outcome, None, recorder)


FUZZ = settings(
    max_examples=600,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@FUZZ
@given(garbage())
def test_garbage_through_handle_is_answered_or_rejected(raw: Any) -> None:
    event(handle_once(raw))  # --hypothesis-show-statistics shows how the cases ended


@pytest.mark.parametrize("index", range(len(REAL)))
def test_every_truncation_of_a_real_message(index: int) -> None:
    data = json.dumps(REAL[index]).encode()
    outcomes = Counter(handle_once(data[:cut]) for cut in range(len(data) + 1))
    assert outcomes["answered"] + outcomes["nothing to answer"] == 1  # only the whole one
    assert outcomes["refused, no id"] > 0


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"   ",
        b"\xff\xfe\x00",
        b"null",
        b"[]",
        b"[[]]",
        b'"id"',
        b"1e999",
        b"{}",
        b'{"id": ""}',
        b'{"id": "   ", "data": {}}',
        b'{"id": ["m-1"], "data": {}}',
        b'{"id": {"nested": "m-1"}, "data": {}}',
        b'{"messageId": null, "messageBody": {}}',
        b'{"id": "m-1", "data": "' + b"[" * 100_000 + b'"}',
        b'{"id": "m-1", "data": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
        b"[" * 1_000_000,
        b'{"id": "m-1", "type": "dataworks:NodeChange:FreezeNode", "data": {"nodeIds": '
        + b"[" * 5_000
        + b"]" * 5_000
        + b"}}",
        json.dumps({**REAL[0], "id": HUGE}).encode(),
        json.dumps({**REAL[0], "id": 12345}).encode(),
        json.dumps({**REAL[0], "id": 2**70}).encode(),
        json.dumps({**REAL[0], "id": "m-\ud800"}).encode("utf-8", "surrogatepass"),
        json.dumps({**REAL[0], "id": "m-\ud800"}),
        json.dumps({**REAL[0], "id": "m-é", "data": {**REAL[0]["data"], "nodeIds": "1,2"}}),
        json.dumps({**REAL[0], "specversion": float("nan")}),
        json.dumps([REAL[0], REAL[1]]),
    ],
    ids=lambda raw: repr(raw[:40]),
)
def test_handpicked_garbage(raw: Any) -> None:
    handle_once(raw)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(garbage(), min_size=1, max_size=6), st.booleans())
def test_garbage_batches_answer_each_readable_id_once(items: list[Any], use_async: bool) -> None:
    """A batch with broken messages: each message on its own, nothing raised for one."""
    objects = [json.loads(i) if isinstance(i, (str, bytes)) and _json_ok(i) else i for i in items]
    recorder = RecordingCallback()
    extension = Extension(EXTENSION_CODE, callback=recorder, registry=REGISTRY)
    if use_async:
        outcomes = asyncio.run(extension.handle_batch_async(objects))
    else:
        outcomes = extension.handle_batch(objects)
    assert len(outcomes) == len(objects)
    readable = set().union(*(ids_in(o) for o in objects))
    answered = Counter(d.message_id for d in recorder.deliveries)
    for delivery in recorder.deliveries:
        assert delivery.message_id in readable
    for outcome in outcomes:
        if outcome.delivered:
            assert outcome.message_id is not None
            assert answered[outcome.message_id] >= 1
    # an id answered more than once in one batch only ever as the same message sent twice
    assert all(count == 1 for count in answered.values())


def _json_ok(raw: str | bytes) -> bool:
    try:
        value = json.loads(raw)
    except (ValueError, RecursionError):
        return False
    return isinstance(value, dict)


@FUZZ
@given(garbage())
def test_orjson_reads_exactly_what_json_reads(raw: Any) -> None:
    """The optional fast path: same value, or the same MessageDecodeError text."""
    fast = messages_module._optional_orjson()
    if fast is None:
        pytest.skip("orjson is not installed")
    if isinstance(raw, str):
        raw = raw.encode("utf-8", "surrogatepass")
    elif not isinstance(raw, bytes):
        raw = json.dumps(raw).encode() if _dumpable(raw) else b"{"
    results = []
    for loads in (None, fast):
        messages_module._orjson_loads = loads
        try:
            results.append(("value", json.dumps(messages_module.decode(raw))))
        except MessageError as exc:
            results.append(("error", f"{type(exc).__name__}: {exc}"))
        except RecursionError:
            results.append(("deep", ""))
        finally:
            messages_module._orjson_loads = messages_module._optional_orjson()
    assert results[0] == results[1]


@pytest.mark.parametrize(
    "raw",
    [
        b'{"a": 1, "a": 2}',
        b"[9223372036854775807, 9223372036854775808, -9223372036854775808]",
        b"[18446744073709551616, -9223372036854775809, 123456789012345678901234567890]",
        b'{"nodeIds": [1e400, -1e400, 1e-400, -0.0, 0.1, 5e-324]}',
        b"[NaN, Infinity, -Infinity]",
        b'"\\ud800"',
        rb'"\ud800\udc00"',
        rb'"\u0000\t"',
        b"\x00",
        b"\xef\xbb\xbf{}",
        b" {} ",
        b"{}\n{}",
        b"[" * 1_100 + b"]" * 1_100,
    ],
)
def test_orjson_reads_exactly_what_json_reads_handpicked(raw: bytes) -> None:
    test_orjson_reads_exactly_what_json_reads.hypothesis.inner_test(raw)  # type: ignore[attr-defined]


def _dumpable(value: Any) -> bool:
    try:
        json.dumps(value)
    except (ValueError, RecursionError):
        return False
    return True


# ==================================================================== faults at the endpoint


def fresh_ids(prefix: str, count: int) -> list[str]:
    return [f"{prefix}-{i}" for i in range(count)]


def run_all(
    extension: Extension, messages: list[EventMessage], threads: int = 8
) -> dict[str, Outcome | CallbackError]:
    """Handle every message from ``threads`` threads; each ends as an Outcome or CallbackError."""

    def one(message: EventMessage) -> Outcome | CallbackError:
        return _end(extension.handle(message.to_json()))

    with ThreadPoolExecutor(threads) as pool:
        futures = {m.message_id: pool.submit(one, m) for m in messages}
        return {mid: future.result(timeout=STALL) for mid, future in futures.items()}


def assert_consistent(
    local: LocalDataWorks, ends: dict[str, Outcome | CallbackError]
) -> Counter[str]:
    """Nothing reported delivered that the endpoint did not accept, with the same verdict."""
    accepted: dict[str, list[str]] = {}
    for verdict in local.verdicts:
        accepted.setdefault(verdict.message_id, []).append(verdict.result)
    tally: Counter[str] = Counter()
    for message_id, end in ends.items():
        if isinstance(end, CallbackError):
            assert end.message_id == message_id
            tally["CallbackError"] += 1
            continue
        assert isinstance(end, Outcome), end
        assert end.delivered, end
        assert end.verdict is not None
        assert end.verdict.result.value in accepted.get(message_id, []), (message_id, end)
        tally["delivered"] += 1
    return tally


def redeliver_until_done(
    extension: Extension,
    local: LocalDataWorks,
    ends: dict[str, Outcome | CallbackError],
    messages: list[EventMessage],
) -> None:
    """What EventBridge does: deliver the refused ones again, now that the faults are over."""
    by_id = {m.message_id: m for m in messages}
    for _ in range(3):
        failed = [by_id[mid] for mid, end in ends.items() if isinstance(end, CallbackError)]
        if not failed:
            break
        ends.update(run_all(extension, failed))
    assert_consistent(local, ends)
    assert all(isinstance(end, Outcome) and end.delivered for end in ends.values())


@pytest.fixture
def local() -> Iterator[LocalDataWorks]:
    with LocalDataWorks() as running:
        yield running


def test_throttling_storm_and_bursts_of_500(local: LocalDataWorks) -> None:
    messages = [
        freeze_event(message_id=mid, node_ids=[PROTECTED] if i % 3 == 0 else [1, 2])
        for i, mid in enumerate(fresh_ids("storm", 240))
    ]
    for _ in range(60):
        local.inject("throttle", 4)
        local.inject("error", 3)
    extension = Extension(
        EXTENSION_CODE,
        callback=local.client(max_attempts=3, backoff_base=0.001, backoff_cap=0.004),
        registry=REGISTRY,
    )
    ends = run_all(extension, messages)
    tally = assert_consistent(local, ends)
    assert tally["CallbackError"] > 0  # the storm did refuse some
    for message_id, end in ends.items():
        expected_count = 0 if isinstance(end, CallbackError) else 1
        assert local.count_for(message_id) == expected_count  # a faulted call records nothing
    redeliver_until_done(extension, local, ends, messages)
    assert all(local.count_for(m.message_id) == 1 for m in messages)


@pytest.mark.parametrize("fault", ["bad-request", "forbidden", "unsuccessful"])
def test_refusals_are_not_retried_and_never_reported_delivered(
    local: LocalDataWorks, fault: str
) -> None:
    messages = [freeze_event(message_id=mid) for mid in fresh_ids(fault, 40)]
    local.inject(fault, 15)
    extension = Extension(EXTENSION_CODE, callback=local.client(), registry=REGISTRY)
    ends = run_all(extension, messages)
    tally = assert_consistent(local, ends)
    assert tally["CallbackError"] == 15
    assert all(e.attempts == 1 for e in ends.values() if isinstance(e, CallbackError))
    redeliver_until_done(extension, local, ends, messages)


def test_answers_slower_than_the_delivery_deadline(local: LocalDataWorks) -> None:
    messages = [freeze_event(message_id=mid) for mid in fresh_ids("slow", 24)]
    local.inject("slow", 12, delay=0.5)  # answered after the client gave up: never recorded
    extension = Extension(
        EXTENSION_CODE,
        callback=local.client(deadline=0.2, read_timeout=0.1, max_attempts=2),
        registry=REGISTRY,
    )
    ends = run_all(extension, messages)
    tally = assert_consistent(local, ends)
    assert tally["CallbackError"] > 0
    local.delay = 0.3  # now every answer is late, and recorded after the client gave up
    late = [freeze_event(message_id=mid) for mid in fresh_ids("late", 8)]
    late_ends = run_all(extension, late)
    assert_consistent(local, late_ends)  # accepted but reported undelivered is allowed
    assert all(isinstance(end, CallbackError) for end in late_ends.values())
    local.delay = 0.0
    redeliver_until_done(extension, local, ends, messages)
    redeliver_until_done(extension, local, late_ends, late)


def test_connection_refused_then_recovered() -> None:
    down = LocalDataWorks().start()
    port = down.port
    client = down.client(max_attempts=2, backoff_base=0.001)
    patient_client = down.client(max_attempts=60, backoff_base=0.02, backoff_cap=0.05, deadline=30)
    down.stop()
    extension = Extension(EXTENSION_CODE, callback=client, registry=REGISTRY)
    messages = [freeze_event(message_id=mid) for mid in fresh_ids("refused", 16)]
    ends = run_all(extension, messages)
    assert all(isinstance(end, CallbackError) for end in ends.values())
    # back on the same port while a patient client is still retrying
    patient = Extension(EXTENSION_CODE, callback=patient_client, registry=REGISTRY)
    restart = threading.Timer(0.3, lambda: holder.append(LocalDataWorks(port=port).start()))
    holder: list[LocalDataWorks] = []
    restart.start()
    try:
        more = [freeze_event(message_id=mid) for mid in fresh_ids("recovered", 16)]
        more_ends = run_all(patient, more)
        restart.join()
        up = holder[0]
        assert_consistent(up, more_ends)
        assert all(isinstance(end, Outcome) and end.delivered for end in more_ends.values())
        redeliver_until_done(patient, up, ends, messages)
        assert all(up.count_for(m.message_id) == 1 for m in messages + more)
    finally:
        restart.join()
        for server in holder:
            server.stop()


def test_checks_that_stall_past_the_deadline_still_get_exactly_one_verdict(
    local: LocalDataWorks,
) -> None:
    """The watchdog and a late check race for every message; exactly one verdict wins."""
    registry = Registry()
    rng = random.Random(7)
    pauses = {f"stall-{i}": rng.choice([0.0, 0.0, 0.02, 0.04, 0.06, 0.1]) for i in range(160)}

    @registry.on_freeze
    def sometimes_slow(event: FreezeNodeEvent, message: EventMessage) -> Verdict:
        threading.Event().wait(pauses[message.message_id])
        return Verdict.ok("checked")

    extension = Extension(
        EXTENSION_CODE, callback=local.client(), registry=registry, handler_timeout=0.04
    )
    messages = [freeze_event(message_id=mid) for mid in pauses]
    ends = run_all(extension, messages, threads=16)
    assert_consistent(local, ends)
    results = Counter()
    for message_id, end in ends.items():
        assert isinstance(end, Outcome)
        assert local.count_for(message_id) == 1  # never both the timeout and the late verdict
        recorded = local.verdict_for(message_id)
        assert recorded is not None
        assert end.verdict is not None
        assert recorded.result == end.verdict.result.value
        assert recorded.tip == end.verdict.tip
        results[end.verdict.result.value] += 1
    assert results["OK"] > 0
    assert results["FAIL"] > 0  # some did stall past the deadline


def test_a_shorter_deadline_wakes_a_watchdog_asleep_on_a_longer_one() -> None:
    from dataworks_ext._watchdog import Watchdog

    watchdog = Watchdog()
    fired: list[str] = []
    done = threading.Event()
    long = watchdog.watch(3600.0, fired.append, "long")
    watchdog.watch(0.05, lambda arg: (fired.append(arg), done.set()), "short")
    assert done.wait(STALL)  # not an hour: the new, shorter timeout woke the thread
    assert fired == ["short"]
    assert watchdog.cancel(long)


def test_deadlines_fire_in_a_forked_worker(local: LocalDataWorks) -> None:
    """A pre-forking server (gunicorn --preload) forks after the parent used the watchdog."""
    if not hasattr(os, "fork"):
        pytest.skip("no fork on this platform")
    registry = Registry()

    @registry.on_freeze
    def stalls(event: FreezeNodeEvent) -> Verdict:
        threading.Event().wait(0.6)
        return Verdict.ok("too late")

    extension = Extension(
        EXTENSION_CODE, callback=local.client(), registry=registry, handler_timeout=0.05
    )
    parent = extension.handle(freeze_event(message_id="fork-parent").to_json())
    assert parent.verdict is not None
    assert parent.verdict.result.value == "FAIL"  # the watchdog thread runs in the parent
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # fork with threads: on purpose
        pid = os.fork()
    if pid == 0:  # the child: only the forking thread survives
        code = 1
        try:
            outcome = extension.handle(freeze_event(message_id="fork-child").to_json())
            code = 0 if isinstance(outcome.error, HandlerTimeoutError) else 2
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0  # the child's deadline fired too
    assert local.verdict_for("fork-child") is not None
    assert local.verdict_for("fork-child").result == "FAIL"  # type: ignore[union-attr]


def test_async_handling_under_faults(local: LocalDataWorks) -> None:
    messages = [freeze_event(message_id=mid) for mid in fresh_ids("async", 120)]
    for _ in range(20):
        local.inject("throttle", 3)
        local.inject("error", 2)
    extension = Extension(
        EXTENSION_CODE,
        callback=local.client(max_attempts=3, backoff_base=0.001, backoff_cap=0.004),
        registry=REGISTRY,
    )

    async def main() -> dict[str, Outcome | CallbackError]:
        semaphore = asyncio.Semaphore(20)

        async def one(message: EventMessage) -> Outcome | CallbackError:
            async with semaphore:
                return _end(await extension.handle_async(message.to_json()))

        ends = await asyncio.wait_for(asyncio.gather(*(one(m) for m in messages)), STALL)
        return {m.message_id: end for m, end in zip(messages, ends, strict=True)}

    ends = asyncio.run(main())
    assert_consistent(local, ends)
    redeliver_until_done(extension, local, ends, messages)


# ==================================================================== load through Flask

LOAD = int(os.environ.get("DWX_HARDENING_MESSAGES", "10000"))

_SERVER = """
import json, sys
from dataworks_ext.testing import LocalDataWorks
with LocalDataWorks() as local:
    print(json.dumps({"env": local.env()}), flush=True)
    for line in sys.stdin:
        if line.strip() == "verdicts":
            print(json.dumps([v.message_id for v in local.verdicts]), flush=True)
        elif line.strip() == "calls":
            print(json.dumps(local.calls), flush=True)
"""


@contextlib.contextmanager
def local_dataworks_process() -> Iterator[tuple[dict[str, str], Callable[[str], Any]]]:
    """LocalDataWorks in a process of its own: its work then runs beside the host's."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DATAWORKS_")}
    process = subprocess.Popen(
        [sys.executable, "-c", _SERVER],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert process.stdin is not None
    assert process.stdout is not None
    stdin, stdout = process.stdin, process.stdout

    def ask(command: str) -> Any:
        stdin.write(command + "\n")
        stdin.flush()
        return json.loads(stdout.readline())

    try:
        yield json.loads(stdout.readline())["env"], ask
    finally:
        stdin.close()
        process.wait(timeout=30)


def load_flask_example() -> ModuleType:
    """``examples/flask_app/app.py`` as its README runs it (``examples/`` on the path)."""
    added = [str(EXAMPLES), str(EXAMPLES / "flask_app")]
    had_policies = "policies" in sys.modules
    sys.path[:0] = added
    try:
        spec = importlib.util.spec_from_file_location(
            "_dwx_hardening_flask_app", EXAMPLES / "flask_app" / "app.py"
        )
        assert spec is not None
        assert spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    finally:
        for path in added:
            sys.path.remove(path)
        if not had_policies:
            sys.modules.pop("policies", None)


@pytest.mark.slow
def test_load_through_the_flask_example_answers_every_id_exactly_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from werkzeug.serving import make_server

    monkeypatch.setenv("DATAWORKS_ALLOW_UNAUTHENTICATED", "1")

    from dataworks_ext import CallbackClient

    app_module = load_flask_example()
    unique = [f"load-{i}" for i in range(LOAD)]
    rng = random.Random(2024)
    duplicates = rng.sample(unique, max(1, LOAD // 100))
    sends = unique + duplicates  # 1% sent twice, from any sender, at any moment
    rng.shuffle(sends)
    head, tail = freeze_event(message_id="@ID@", node_ids=[1, 2]).to_json().split(b"@ID@")
    statuses: Counter[int] = Counter()
    retried: Counter[str] = Counter()  # EventBridge pushes a 503 again

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    with local_dataworks_process() as (env, ask):
        extension = Extension(
            EXTENSION_CODE, callback=CallbackClient.from_env(environ=env), registry=REGISTRY
        )
        server = make_server("127.0.0.1", 0, app_module.create_app(extension), threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:

            def sender(ids: list[str]) -> Counter[int]:
                seen: Counter[int] = Counter()
                connection = http.client.HTTPConnection("127.0.0.1", server.server_port, 60)
                try:
                    for message_id in ids:
                        for _ in range(100):  # a copy in progress elsewhere: 503, push again
                            connection.request(
                                "POST",
                                app_module.EVENTS_PATH,
                                body=head + message_id.encode() + tail,
                                headers={"Content-Type": "application/json"},
                            )
                            response = connection.getresponse()
                            response.read()
                            if response.status != 503:
                                break
                            retried[message_id] += 1
                            time.sleep(0.02)
                        seen[response.status] += 1
                finally:
                    connection.close()
                return seen

            with ThreadPoolExecutor(8) as pool:
                for seen in pool.map(sender, [sends[i::8] for i in range(8)]):
                    statuses.update(seen)
        finally:
            server.shutdown()
            thread.join(timeout=30)
        answered = Counter(ask("verdicts"))
    assert statuses == Counter({200: len(sends)})
    assert set(retried) <= set(duplicates)  # only a copy meeting its twin in flight waits
    assert set(answered) == set(unique)
    assert max(answered.values()) == 1, [i for i, n in answered.items() if n > 1][:5]


# ==================================================================== secrets

SECRET = "sEcReT-4f1c9a7e-never-show-me"


def test_the_secret_never_appears_in_logs_reprs_or_errors(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)  # every logger, the official SDK's included
    texts: list[str] = []
    with LocalDataWorks(access_key_secret=SECRET) as local:
        env = {**local.env(), "DATAWORKS_EXTENSION_CODE": EXTENSION_CODE}
        extension = Extension.from_env(REGISTRY, environ=env)
        client = extension.callback
        texts += [repr(extension), str(extension), repr(client), str(client)]
        outcomes: list[Any] = []
        outcomes.append(extension.handle(freeze_event(message_id="ok-1").to_json()))
        for fault in ("throttle", "error", "bad-request", "forbidden", "unsuccessful"):
            local.inject(fault, 10)
            outcomes.append(_handled(extension, freeze_event(message_id=f"{fault}-1")))
            local.reset()
        wrong = Extension(
            EXTENSION_CODE,
            callback=local.client(access_key_secret=SECRET + "-wrong"),
            registry=REGISTRY,
        )
        outcomes.append(_handled(wrong, freeze_event(message_id="wrong-secret")))
        slow = Extension(
            EXTENSION_CODE,
            callback=local.client(deadline=0.1, read_timeout=0.05),
            registry=REGISTRY,
        )
        local.delay = 0.2
        outcomes.append(_handled(slow, freeze_event(message_id="too-slow")))
        local.delay = 0.0
        outcomes.append(_handled(extension, b'{"id": "bad-1", "data": {"nodeIds": "1,2"}}'))
        port = local.port
    refused = Extension(
        EXTENSION_CODE,
        callback=LocalDataWorks(access_key_secret=SECRET, port=port).client(max_attempts=2),
        registry=REGISTRY,
    )
    outcomes.append(_handled(refused, freeze_event(message_id="refused-1")))
    assert any(isinstance(o, CallbackError) for o in outcomes)
    for item in outcomes:
        texts += [repr(item), str(item)]
        for exc in _exceptions(item):
            texts += [repr(exc), str(exc), *traceback.format_exception(exc)]
    texts.append(caplog.text)
    texts += [repr(record.args) for record in caplog.records]
    texts += [repr(record.__dict__) for record in caplog.records]
    assert caplog.records  # DEBUG logging was on and said things
    leaks = [text for text in texts if SECRET in text]
    assert not leaks, leaks[0][:500]


def _handled(extension: Extension, raw: Any) -> Outcome | CallbackError:
    return _end(extension.handle(raw.to_json() if isinstance(raw, EventMessage) else raw))


def _end(outcome: Outcome) -> Outcome | CallbackError:
    """An outcome, or the CallbackError of one that must be retried."""
    if isinstance(outcome.error, CallbackError):
        assert outcome.disposition is Disposition.RETRY and not outcome.delivered
        return outcome.error
    return outcome


def _exceptions(item: Any) -> list[BaseException]:
    """The exception an outcome carries (or is), with every cause and context behind it."""
    start = item if isinstance(item, BaseException) else getattr(item, "error", None)
    found: list[BaseException] = []
    todo = [start]
    while todo:
        exc = todo.pop()
        if exc is None or any(exc is f for f in found):
            continue
        found.append(exc)
        todo += [exc.__cause__, exc.__context__, getattr(exc, "inner_exception", None)]
    return found
