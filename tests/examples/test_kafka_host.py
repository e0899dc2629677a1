"""examples/kafka/consumer.py against a real Kafka-protocol broker (Tansu) and LocalDataWorks."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import uuid
from collections.abc import Callable, Iterator
from types import ModuleType
from typing import Any

import pytest
from _checks import PROTECTED, strict_checks
from conftest import registry_of

from dataworks_ext import Extension
from dataworks_ext.testing import (
    LocalDataWorks,
    backfill_event,
    batch,
    freeze_event,
    restore_event,
    unpublish_event,
)

Broker = Any  # conftest.Broker
EXTENSION_CODE = "ext-kafka-example"


class Running:
    """The consumer's ``run`` in a thread, stopped through its ``stop`` event."""

    def __init__(self, module: ModuleType, *args: Any, **kwargs: Any) -> None:
        self.stop = threading.Event()
        self.result: int | None = None
        self.error: BaseException | None = None
        kwargs.setdefault("poll_timeout", 0.05)
        self._thread = threading.Thread(target=self._main, args=(module, args, kwargs), daemon=True)
        self._thread.start()

    def _main(self, module: ModuleType, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        stop = self.stop.is_set if kwargs.pop("callable_stop", False) else self.stop
        try:
            self.result = module.run(*args, stop=stop, **kwargs)
        except BaseException as exc:
            self.error = exc

    def finish(self) -> int:
        self.stop.set()
        self._thread.join(timeout=30)
        assert not self._thread.is_alive(), "the consumer did not stop"
        if self.error is not None:
            raise self.error
        assert self.result is not None
        return self.result


@pytest.fixture
def consumers() -> Iterator[Callable[..., Running]]:
    started: list[Running] = []

    def start(*args: Any, **kwargs: Any) -> Running:
        running = Running(*args, **kwargs)
        started.append(running)
        return running

    yield start
    for running in started:
        running.stop.set()
    for running in started:
        running._thread.join(timeout=30)


def config(broker: Broker, group: str) -> dict[str, Any]:
    return {"bootstrap.servers": broker.bootstrap, "group.id": group}


def test_every_message_is_answered_once_and_committed(
    kafka_consumer: ModuleType,
    kafka_broker: Broker,
    local_dataworks: LocalDataWorks,
    consumers: Any,
    wait_until: Any,
) -> None:
    topic = kafka_broker.create_topic()
    group = f"g-{uuid.uuid4().hex[:8]}"
    messages = [
        freeze_event(node_ids=[PROTECTED]) if i % 3 == 0 else freeze_event(node_ids=[i])
        for i in range(24)
    ]
    kafka_broker.produce(topic, [m.to_json() for m in messages])
    extension = Extension(EXTENSION_CODE, local_dataworks.client(), strict_checks())

    running = consumers(
        kafka_consumer, config(kafka_broker, group), topic, extension, partitions=[0]
    )
    wait_until(
        lambda: all(local_dataworks.verdict_for(m.message_id) for m in messages),
        "every message to be answered",
    )
    committed = running.finish()

    assert committed == len(messages)
    assert kafka_broker.committed(topic, group) == len(messages)
    for i, message in enumerate(messages):
        assert local_dataworks.count_for(message.message_id) == 1
        expected = "FAIL" if i % 3 == 0 else "OK"
        assert local_dataworks.verdict_for(message.message_id).result == expected


def test_subscribing_with_the_shared_checks_from_the_environment(
    kafka_consumer: ModuleType,
    kafka_broker: Broker,
    local_dataworks: LocalDataWorks,
    consumers: Any,
    wait_until: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The production path: ``Extension.from_env(registry)``, group subscription, batches."""
    for name, value in local_dataworks.env().items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("DATAWORKS_EXTENSION_CODE", EXTENSION_CODE)
    topic = kafka_broker.create_topic()
    group = f"g-{uuid.uuid4().hex[:8]}"
    messages = [freeze_event(node_ids=[PROTECTED]), backfill_event(days=400), restore_event()]
    kafka_broker.produce(topic, [messages[0].to_json(), batch(*messages[1:])])
    extension = Extension.from_env(registry_of(kafka_consumer))
    expected = Extension("dry-run", registry=registry_of(kafka_consumer))
    cfg = {
        **config(kafka_broker, group),
        "session.timeout.ms": 6000,
        "heartbeat.interval.ms": 500,
    }

    running = consumers(kafka_consumer, cfg, topic, extension)
    wait_until(
        lambda: all(local_dataworks.verdict_for(m.message_id) for m in messages),
        "every message to be answered through a subscription",
        timeout=60,
    )
    assert running.finish() == 2

    for message in messages:
        recorded = local_dataworks.verdict_for(message.message_id)
        assert recorded.result == expected.handle(message).verdict.result.value
        assert recorded.extension_code == EXTENSION_CODE
    assert kafka_broker.committed(topic, group) == 2


def test_failing_callback_leaves_the_offset_uncommitted_until_it_recovers(
    kafka_consumer: ModuleType,
    kafka_broker: Broker,
    local_dataworks: LocalDataWorks,
    consumers: Any,
    wait_until: Any,
) -> None:
    topic = kafka_broker.create_topic()
    group = f"g-{uuid.uuid4().hex[:8]}"
    message = freeze_event(node_ids=[PROTECTED])
    kafka_broker.produce(topic, [message.to_json()])
    extension = Extension(EXTENSION_CODE, local_dataworks.client(max_attempts=1), strict_checks())
    local_dataworks.inject("error", times=1_000_000)  # DataWorks is down

    running = consumers(
        kafka_consumer,
        config(kafka_broker, group),
        topic,
        extension,
        partitions=[0],
        retry_backoff=0.01,
        max_retry_backoff=0.05,
    )
    wait_until(lambda: local_dataworks.calls >= 3, "the consumer to retry the delivery")
    assert local_dataworks.verdict_for(message.message_id) is None
    assert kafka_broker.committed(topic, group) < 0  # nothing committed during the outage

    local_dataworks.reset()  # DataWorks is back
    wait_until(lambda: local_dataworks.verdict_for(message.message_id), "the verdict")
    assert running.finish() == 1

    assert local_dataworks.verdict_for(message.message_id).result == "FAIL"
    assert local_dataworks.count_for(message.message_id) == 1
    assert kafka_broker.committed(topic, group) == 1


def test_unreadable_records_are_skipped_not_retried(
    kafka_consumer: ModuleType,
    kafka_broker: Broker,
    local_dataworks: LocalDataWorks,
    consumers: Any,
    wait_until: Any,
) -> None:
    topic = kafka_broker.create_topic()
    group = f"g-{uuid.uuid4().hex[:8]}"
    after = unpublish_event(node_ids=[PROTECTED])
    kafka_broker.produce(topic, [b"{not json", b'{"foo": 1}', b"", after.to_json()])
    extension = Extension(EXTENSION_CODE, local_dataworks.client(), strict_checks())

    running = consumers(
        kafka_consumer,
        config(kafka_broker, group),
        topic,
        extension,
        partitions=[0],
        callable_stop=True,
    )
    wait_until(lambda: local_dataworks.verdict_for(after.message_id), "the readable message")
    assert running.finish() == 4
    assert local_dataworks.calls_for("UpdateWorkbenchEventResult") == 1
    assert kafka_broker.committed(topic, group) == 4


# ---------------------------------------------------------------------------- as a process


def start_process(
    example_env: Any, broker: Broker, topic: str, group: str, local: LocalDataWorks
) -> Any:
    env, examples = example_env(
        KAFKA_BOOTSTRAP_SERVERS=broker.bootstrap,
        KAFKA_TOPIC=topic,
        KAFKA_GROUP_ID=group,
        KAFKA_PARTITIONS="0",
        DATAWORKS_EXTENSION_CODE=EXTENSION_CODE,
        LOG_LEVEL="WARNING",
        **local.env(),
    )
    return subprocess.Popen(
        [sys.executable, str(examples / "kafka" / "consumer.py")],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


@pytest.fixture
def processes() -> Iterator[list[subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for process in started:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)
        if process.stdout is not None:
            process.stdout.close()


@pytest.fixture
def slow_dataworks() -> Iterator[LocalDataWorks]:
    """A LocalDataWorks that takes a moment per call, so a consumer is caught mid-stream."""
    with LocalDataWorks(delay=0.05) as local:
        yield local


def answered(local: LocalDataWorks, messages: list[Any]) -> list[Any]:
    return [m for m in messages if local.verdict_for(m.message_id) is not None]


def test_killed_consumer_restarted_answers_what_was_left(
    kafka_consumer: ModuleType,
    kafka_broker: Broker,
    slow_dataworks: LocalDataWorks,
    processes: list[Any],
    consumers: Any,
    wait_until: Any,
    example_env: Any,
) -> None:
    topic = kafka_broker.create_topic()
    group = f"g-{uuid.uuid4().hex[:8]}"
    messages = [freeze_event(node_ids=[i]) for i in range(30)]
    kafka_broker.produce(topic, [m.to_json() for m in messages])

    process = start_process(example_env, kafka_broker, topic, group, slow_dataworks)
    processes.append(process)
    wait_until(lambda: len(answered(slow_dataworks, messages)) >= 5, "the first answers")
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)
    before = answered(slow_dataworks, messages)
    assert len(before) < len(messages), "the consumer finished before it could be killed"

    extension = Extension(EXTENSION_CODE, slow_dataworks.client(), strict_checks())
    running = consumers(
        kafka_consumer, config(kafka_broker, group), topic, extension, partitions=[0]
    )
    wait_until(
        lambda: len(answered(slow_dataworks, messages)) == len(messages), "the rest of the answers"
    )
    running.finish()

    counts = [slow_dataworks.count_for(m.message_id) for m in messages]
    assert all(count >= 1 for count in counts)
    # At least once: only the record in flight when the process died may be answered twice.
    assert sum(counts) - len(messages) <= 1
    assert kafka_broker.committed(topic, group) == len(messages)


def test_sigterm_stops_cleanly_after_the_current_record(
    kafka_broker: Broker,
    slow_dataworks: LocalDataWorks,
    processes: list[Any],
    wait_until: Any,
    example_env: Any,
) -> None:
    topic = kafka_broker.create_topic()
    group = f"g-{uuid.uuid4().hex[:8]}"
    messages = [freeze_event(node_ids=[i]) for i in range(30)]
    kafka_broker.produce(topic, [m.to_json() for m in messages])

    process = start_process(example_env, kafka_broker, topic, group, slow_dataworks)
    processes.append(process)
    wait_until(lambda: len(answered(slow_dataworks, messages)) >= 3, "the first answers")
    process.send_signal(signal.SIGTERM)
    code = process.wait(timeout=30)
    output = process.stdout.read().decode(errors="replace") if process.stdout else ""

    assert code == 0, output
    done = answered(slow_dataworks, messages)
    assert len(done) < len(messages)
    # Whatever was answered was committed, and nothing beyond it: no verdict left behind.
    assert kafka_broker.committed(topic, group) == len(done)
    assert [m.message_id for m in done] == [m.message_id for m in messages[: len(done)]]
