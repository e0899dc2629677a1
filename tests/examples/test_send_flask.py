"""The Flask example serves checks of the user's (``DATAWORKS_APP``), started from its own
folder without ``PYTHONPATH``, and ``dataworks-ext send`` posts it an event with the shared
secret.  Everything runs in subprocesses: ``dataworks-ext local --seed`` (the DataWorks the
checks look nodes up in and answer), ``python app.py``, ``dataworks-ext send``."""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import EXAMPLES, free_port, wait_until_healthy

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")

SCRIPT = Path(sys.executable).with_name("dataworks-ext")
SECRET = "a-long-random-shared-secret"

CHECKS = """
from dataworks_ext import CallbackClient, Lookups, Registry
from dataworks_ext.policies import ProtectedNodes, register

registry = Registry()
register(
    registry,
    ProtectedNodes(where=lambda node: (node.priority or 0) >= 7,
                   lookups=Lookups(CallbackClient.from_env()),
                   message="{nodes} run the finance close"),
    on=["freeze"],
    name="urgent-nodes",
)
"""


def _clean_env(**extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DATAWORKS_", "ALIBABA_CLOUD_")) and k != "PYTHONPATH"
    }
    env.update(extra)
    return env


class _Lines:
    """The lines a subprocess prints, read by a thread."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.queue: queue.Queue[str] = queue.Queue()
        assert proc.stdout is not None
        stream = proc.stdout

        def read() -> None:
            for line in stream:
                self.queue.put(line)
            self.queue.put("")

        threading.Thread(target=read, daemon=True).start()

    def until(self, text: str) -> str:
        while text not in (line := self.queue.get(timeout=60)):
            assert line, f"ended before printing {text!r}"
        return line


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[tuple[str, _Lines]]:
    """LocalDataWorks seeded with nodes, and the Flask example serving the user's checks."""
    (tmp_path / "mychecks.py").write_text(CHECKS)
    seed = {"nodes": [{"NodeId": 7, "Priority": 8}, {"NodeId": 9, "Priority": 1}]}
    (tmp_path / "seed.json").write_text(json.dumps(seed))
    local_port, app_port = free_port(), free_port()
    local = subprocess.Popen(
        [str(SCRIPT), "local", "--port", str(local_port), "--seed", "seed.json"],
        cwd=tmp_path,
        env=_clean_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines = _Lines(local)
    lines.until("Ctrl+C")
    app = subprocess.Popen(
        [sys.executable, "app.py"],
        cwd=EXAMPLES / "flask_app",
        env=_clean_env(
            DATAWORKS_APP=f"{tmp_path / 'mychecks.py'}:registry",
            DATAWORKS_EXTENSION_CODE="finance-guard",
            DATAWORKS_ENDPOINT=f"http://127.0.0.1:{local_port}",
            DATAWORKS_REGION_ID="cn-shanghai",
            ALIBABA_CLOUD_ACCESS_KEY_ID="LTAI5tLocalDataWorksKey",
            ALIBABA_CLOUD_ACCESS_KEY_SECRET="local-dataworks-secret",
            DATAWORKS_WEBHOOK_SECRET=SECRET,
            PORT=str(app_port),
        ),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    url = f"http://127.0.0.1:{app_port}"
    try:
        wait_until_healthy(app, url)
        yield f"{url}/dataworks/events", lines
    finally:
        app.send_signal(signal.SIGTERM)
        app.communicate(timeout=30)
        local.send_signal(signal.SIGINT)
        local.communicate(timeout=30)


def send(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(SCRIPT), "--color", "never", "send", *args],
        env=_clean_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_send_reaches_the_flask_example_serving_your_checks(
    stack: tuple[str, _Lines],
) -> None:
    url, local = stack
    refused = send(url, "freeze", "--node-id", "7")
    assert refused.returncode == 1
    assert refused.stdout.splitlines()[0] == "status  401 UNAUTHORIZED"

    header = f"X-DataWorks-Webhook-Secret: {SECRET}"
    done = send(url, "freeze", "--node-id", "7", "--message-id", "m-7", "--header", header)
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert lines[:2] == ["status       200 OK", "disposition  ACK"]
    assert "verdict      FAIL" in lines
    assert "tip          7 run the finance close" in lines  # looked up in the seeded GetNode
    verdict = local.until("m-7")
    assert "FAIL" in verdict and "finance-guard" in verdict

    calm = send(url, "freeze", "--node-id", "9", "-H", header, "--expect", "OK")
    assert calm.returncode == 0, calm.stdout + calm.stderr


def test_the_flask_example_names_a_bad_dataworks_app() -> None:
    started = subprocess.run(
        [sys.executable, "-c", "import app; app.create_app()"],
        cwd=EXAMPLES / "flask_app",
        env=_clean_env(
            DATAWORKS_APP="nosuchmodule:registry",
            DATAWORKS_EXTENSION_CODE="x",
            DATAWORKS_WEBHOOK_SECRET="s3cret",
        ),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert started.returncode != 0
    assert (
        "ConfigurationError: DATAWORKS_APP=nosuchmodule:registry: cannot import "
        "'nosuchmodule': there is no module named 'nosuchmodule'"
    ) in started.stderr
