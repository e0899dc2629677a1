"""A Kafka consumer host for a DataWorks extension: reads what an EventBridge Kafka target writes.

Each record value is a CloudEvent (or an EventBridge batch).  :func:`run` hands it to
:meth:`Extension.handle_batch` and maps :meth:`Disposition.of` of the outcomes: ACK commits
the record's offset; REJECT (nobody can answer it) logs and commits; RETRY (a delivery
failed, the answer store is down, or another consumer is answering it right now) pauses the
partitions and reads the record again with exponential backoff.  So a crash or a DataWorks
outage never loses a verdict (at least once; the answer store drops repeats, across the
consumer group when ``DATAWORKS_REDIS_URL`` is set).  SIGTERM or SIGINT (or ``stop``) ends
the loop cleanly.

The checks are the app ``DATAWORKS_APP`` names (``MODULE:ATTR``, as ``dataworks-ext trigger
--app`` takes it), else the examples' ``../policies.py``.  Run it as a service::

    KAFKA_BOOTSTRAP_SERVERS=... KAFKA_TOPIC=dataworks-events DATAWORKS_EXTENSION_CODE=... \\
        python consumer.py
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from types import FrameType
from typing import Any

from confluent_kafka import (
    OFFSET_BEGINNING,
    OFFSET_END,
    Consumer,
    KafkaError,
    KafkaException,
    Message,
    TopicPartition,
)

from dataworks_ext import Disposition, Extension
from dataworks_ext.cli import extension_from_env

__all__ = ["DEFAULT_APP", "config_from_env", "main", "run"]

_HERE = Path(__file__).resolve().parent
_POLICIES = next((p for p in (_HERE, _HERE.parent) if (p / "policies.py").exists()), _HERE)
DEFAULT_APP = f"{_POLICIES / 'policies.py'}:registry"
"""The checks served when ``DATAWORKS_APP`` is not set: the examples' ``policies.py``, beside
``consumer.py`` (as deployed) or in the folder above (as in the repository)."""

logger = logging.getLogger("dataworks_ext.examples.kafka")

StopSignal = threading.Event | Callable[[], bool]
_LATEST = frozenset({"latest", "largest", "end"})


def run(
    consumer_config: Mapping[str, Any],
    topic: str,
    extension: Extension,
    *,
    partitions: Sequence[int] | None = None,
    stop: StopSignal | None = None,
    poll_timeout: float = 0.5,
    retry_backoff: float = 0.5,
    max_retry_backoff: float = 30.0,
    handle_signals: bool = True,
) -> int:
    """Consume ``topic`` until stopped; return how many records were committed.

    Args:
        consumer_config: librdkafka settings (``bootstrap.servers``, ``group.id``, SASL ...).
            Auto-commit is always turned off: offsets are committed after delivery.
        topic: The topic the EventBridge Kafka target writes to.
        extension: What answers DataWorks.
        partitions: Read these partitions of ``topic`` directly from the group's committed
            offsets (no group rebalancing: fast start, one consumer per partition set);
            ``None`` subscribes and lets the consumer group share the partitions.
        stop: A :class:`threading.Event` or a callable; the loop ends once it is set/true.
        poll_timeout: Seconds one poll waits for a record (also how quickly ``stop`` is seen).
        retry_backoff: First wait, in seconds, after a failed delivery; doubles each time.
        max_retry_backoff: The longest wait between two tries.
        handle_signals: Stop on SIGTERM and SIGINT (only in the main thread).
    """
    stopped = threading.Event()
    should_stop = _stop_check(stop, stopped)
    config = {"auto.offset.reset": "earliest", **consumer_config, "enable.auto.commit": False}
    consumer = Consumer(config)
    restore = _install_signal_handlers(stopped) if handle_signals else None
    committed = 0
    try:
        if partitions is None:
            consumer.subscribe([topic])
        else:
            consumer.assign(_start_positions(consumer, topic, partitions, config))
        failures = 0
        while not should_stop():
            message = consumer.poll(poll_timeout)
            if message is None or _is_error(message):
                continue
            if _answer(extension, message):
                failures = 0
                _commit(consumer, message)
                committed += 1
                continue
            delay = min(max_retry_backoff, retry_backoff * 2**failures)
            failures += 1
            logger.warning(
                "delivery failed for %s [%d] @ %d; retrying in %.1fs (attempt %d)",
                *_where(message),
                delay,
                failures + 1,
            )
            _pause_and_rewind(consumer, message, delay, should_stop)
    finally:
        consumer.close()
        if restore is not None:
            restore()
    return committed


def _answer(extension: Extension, message: Message) -> bool:
    """Handle one record; ``True`` when it may be committed, ``False`` to retry it."""
    value = message.value()
    disposition = Disposition.of(extension.handle_batch(value)) if value else Disposition.REJECT
    if disposition is Disposition.REJECT:  # nobody can answer it: retrying cannot help
        logger.error("skipping unreadable record {} [{}] @ {}".format(*_where(message)))
    return disposition is not Disposition.RETRY


def _where(message: Message) -> tuple[str, int, int]:
    """A record's topic, partition and offset (always set on records that carry a value)."""
    topic, partition, offset = message.topic(), message.partition(), message.offset()
    if topic is None or partition is None or offset is None:
        raise ValueError("a consumed record without topic, partition or offset")
    return topic, partition, offset


def _commit(consumer: Consumer, message: Message) -> None:
    topic, partition, offset = _where(message)
    position = TopicPartition(topic, partition, offset + 1)
    try:
        consumer.commit(offsets=[position], asynchronous=False)
    except KafkaException as exc:  # the next commit covers it; a restart re-reads at worst
        logger.error("could not commit %s: %s", position, exc)


def _pause_and_rewind(
    consumer: Consumer, failed: Message, delay: float, should_stop: Callable[[], bool]
) -> None:
    """Wait ``delay`` with the partitions paused (still polling, so the group keeps us),
    then seek back to the failed record and to anything fetched meanwhile."""
    assignment = consumer.assignment()
    consumer.pause(assignment)
    topic, partition, offset = _where(failed)
    rewind = {(topic, partition): offset}
    deadline = time.monotonic() + delay
    while not should_stop() and time.monotonic() < deadline:
        early = consumer.poll(min(0.1, max(0.0, deadline - time.monotonic())))
        if early is not None and not _is_error(early):
            topic, partition, offset = _where(early)
            rewind[topic, partition] = min(rewind.get((topic, partition), offset), offset)
    for (topic, partition), offset in rewind.items():
        consumer.seek(TopicPartition(topic, partition, offset))
    consumer.resume(assignment)


def _start_positions(
    consumer: Consumer, topic: str, partitions: Sequence[int], config: Mapping[str, Any]
) -> list[TopicPartition]:
    """The group's committed offsets for a manual assignment; the reset policy where none."""
    committed = consumer.committed([TopicPartition(topic, p) for p in partitions], timeout=30)
    reset = str(config.get("auto.offset.reset", "earliest")).lower()
    fallback = OFFSET_END if reset in _LATEST else OFFSET_BEGINNING
    return [
        TopicPartition(topic, tp.partition, tp.offset if tp.offset >= 0 else fallback)
        for tp in committed
    ]


def _is_error(message: Message) -> bool:
    error = message.error()
    if error is None:
        return False
    if error.code() == KafkaError._PARTITION_EOF:
        return True
    if error.fatal():
        raise KafkaException(error)
    logger.warning("consumer error: %s", error)
    return True


def _stop_check(stop: StopSignal | None, stopped: threading.Event) -> Callable[[], bool]:
    if stop is None:
        return stopped.is_set
    if isinstance(stop, threading.Event):
        event = stop
        return lambda: stopped.is_set() or event.is_set()
    check = stop
    return lambda: stopped.is_set() or bool(check())


def _install_signal_handlers(stopped: threading.Event) -> Callable[[], None] | None:
    if threading.current_thread() is not threading.main_thread():
        return None

    def on_signal(signum: int, frame: FrameType | None) -> None:
        logger.info("received %s; stopping after the current record", signal.Signals(signum).name)
        stopped.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}

    def restore() -> None:
        for sig, handler in previous.items():
            signal.signal(sig, handler)

    return restore


def config_from_env(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """librdkafka settings from the environment.

    ``KAFKA_BOOTSTRAP_SERVERS`` (required), ``KAFKA_GROUP_ID`` (default
    ``dataworks-extension``), and any ``KAFKA_CONFIG_<NAME>``: ``KAFKA_CONFIG_SASL_MECHANISM``
    becomes ``sasl.mechanism``.
    """
    env = os.environ if environ is None else environ
    servers = env.get("KAFKA_BOOTSTRAP_SERVERS", "").strip()
    if not servers:
        raise SystemExit("KAFKA_BOOTSTRAP_SERVERS is not set")
    config: dict[str, Any] = {
        "bootstrap.servers": servers,
        "group.id": env.get("KAFKA_GROUP_ID", "dataworks-extension"),
    }
    for name, value in env.items():
        if name.startswith("KAFKA_CONFIG_"):
            config[name.removeprefix("KAFKA_CONFIG_").lower().replace("_", ".")] = value
    return config


def main() -> None:
    """Run the consumer from environment variables until SIGTERM or SIGINT."""
    logging.basicConfig(
        level=os.environ.get("LOG_LEVEL", "INFO"),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    topic = os.environ.get("KAFKA_TOPIC", "").strip()
    if not topic:
        raise SystemExit("KAFKA_TOPIC is not set")
    listed = os.environ.get("KAFKA_PARTITIONS", "").strip()
    partitions = [int(p) for p in listed.split(",")] if listed else None
    extension = extension_from_env(DEFAULT_APP)
    health = extension.health()  # the store answers, credentials and checks are there
    if not health.ok:
        raise SystemExit("the extension is not healthy: " + "; ".join(health.problems))
    committed = run(config_from_env(), topic, extension, partitions=partitions)
    logger.info("stopped after committing %d records", committed)


if __name__ == "__main__":
    main()
