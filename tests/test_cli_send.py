"""``dataworks-ext send``: an event posted to a running host, its answer printed.  The host is
``dataworks-ext serve`` in a subprocess, or a plain HTTP server of the test's that says what it
received; ``send`` itself runs as a subprocess of the installed script, from a temporary
folder.  (``send`` against the Flask example: tests/examples/test_send_flask.py.)"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest

from dataworks_ext.testing import freeze_event

SCRIPT = Path(sys.executable).with_name("dataworks-ext" + (".exe" if os.name == "nt" else ""))

CHECKS = """
from dataworks_ext import CallbackClient, Lookups, Registry
from dataworks_ext.policies import ProtectedNodes, register

registry = Registry()
register(
    registry,
    ProtectedNodes(where=lambda node: (node.priority or 0) >= 7,
                   lookups=Lookups(CallbackClient.from_env())),
    on=["freeze"],
    name="urgent-nodes",
)
"""


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith(("DATAWORKS_", "ALIBABA_"))}


def send(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(SCRIPT), "--color", "never", "send", *args],
        cwd=folder,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    """``dataworks-ext serve`` of a check that looks nodes up, seeded; yields its URL."""
    (tmp_path / "mychecks.py").write_text(CHECKS)
    seed = {"nodes": [{"NodeId": 7, "Priority": 8}, {"NodeId": 9, "Priority": 1}]}
    (tmp_path / "seed.json").write_text(json.dumps(seed))
    proc = subprocess.Popen(
        [str(SCRIPT), "serve", "--app", "mychecks", "--seed", "seed.json", "--port", "0", "-q"],
        cwd=tmp_path,
        env=_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    first = proc.stdout.readline()
    match = re.search(r"on (http://127\.0\.0\.1:\d+/)", first)
    assert match, first + proc.stderr.read() if proc.stderr else first
    try:
        yield match.group(1)
    finally:
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=30)


def test_send_posts_a_built_event_and_prints_status_disposition_and_outcome(
    served: str, tmp_path: Path
) -> None:
    done = send(tmp_path, served, "freeze", "--node-id", "7", "--message-id", "m-1")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[:2] == ["status       200 OK", "disposition  ACK"]
    assert "message      m-1" in lines
    assert "event        freeze-node" in lines
    assert "verdict      FAIL" in lines
    assert "tip          Freezing nodes is not allowed: protected nodes 7" in lines
    assert "delivered    yes" in lines
    calm = send(tmp_path, served, "freeze", "--node-id", "9", "--expect", "OK", "--json")
    assert calm.returncode == 0, calm.stdout + calm.stderr
    data = json.loads(calm.stdout)
    assert data["status"] == 200
    assert data["answer"]["outcomes"][0]["result"] == "OK"
    wrong = send(tmp_path, served, "freeze", "--node-id", "9", "--expect", "FAIL")
    assert wrong.returncode == 1
    assert "expected FAIL, got OK" in wrong.stderr


def test_send_posts_a_captured_file_as_it_is(served: str, tmp_path: Path) -> None:
    (tmp_path / "captured.json").write_bytes(freeze_event(message_id="cap-1").to_json())
    (tmp_path / "broken.json").write_text("{oops")
    done = send(tmp_path, served, "--file", "captured.json")
    assert done.returncode == 0, done.stderr
    assert "message      cap-1" in done.stdout
    broken = send(tmp_path, served, "--file", "broken.json")
    assert broken.returncode == 1  # 400 REJECT
    assert broken.stdout.splitlines()[:2] == ["status       400 Bad Request", "disposition  REJECT"]
    assert "error        MessageDecodeError: the message is not valid JSON" in broken.stdout


class _Recorder(BaseHTTPRequestHandler):
    """Answers 401 without the secret header, 503 for a message id ``retry``, else 200."""

    received: ClassVar[list[tuple[dict[str, str], bytes]]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append(({k.lower(): v for k, v in self.headers.items()}, body))
        if self.headers.get("X-DataWorks-Webhook-Secret") != "s3cret":
            status, answer = 401, {"error": "missing or wrong shared secret"}
        elif json.loads(body).get("id") == "retry":
            status, answer = 503, {"disposition": "RETRY", "outcomes": []}
        else:
            status, answer = 200, {"disposition": "ACK", "outcomes": []}
        data = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        return


@pytest.fixture
def recorder() -> Iterator[str]:
    _Recorder.received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/dataworks/events"
    finally:
        server.shutdown()
        server.server_close()


def test_send_sends_the_headers_given_and_reports_an_error_status(
    recorder: str, tmp_path: Path
) -> None:
    refused = send(tmp_path, recorder, "restore")
    assert refused.returncode == 1
    assert refused.stdout.splitlines() == [
        "status  401 Unauthorized",
        "error   missing or wrong shared secret",
    ]
    done = send(tmp_path, recorder, "restore", "--header", "X-DataWorks-Webhook-Secret: s3cret")
    assert done.returncode == 0, done.stdout + done.stderr
    headers, body = _Recorder.received[-1]
    assert headers["x-dataworks-webhook-secret"] == "s3cret"
    assert headers["content-type"] == "application/json"
    assert json.loads(body)["data"]["eventCode"] == "unfreeze-node"
    retry = send(
        tmp_path, recorder, "restore", "--message-id", "retry",
        "-H", "X-DataWorks-Webhook-Secret:s3cret",
    )  # fmt: skip
    assert retry.returncode == 3  # 503: EventBridge would send it again
    assert "disposition  RETRY" in retry.stdout


def test_send_usage_errors(tmp_path: Path) -> None:
    unreachable = send(tmp_path, "http://127.0.0.1:9/", "freeze", "--timeout", "5")
    assert unreachable.returncode == 2
    assert unreachable.stderr.startswith("error: cannot reach http://127.0.0.1:9/")
    bad_header = send(tmp_path, "http://127.0.0.1:9/", "freeze", "-H", "no colon")
    assert bad_header.returncode == 2
    assert "--header 'no colon' is not 'Name: value'" in bad_header.stderr
    not_http = send(tmp_path, "ftp://127.0.0.1/", "freeze")
    assert not_http.returncode == 2 and "is not an http(s) URL" in not_http.stderr
    nothing = send(tmp_path, "http://127.0.0.1:9/")
    assert nothing.returncode == 2 and "name the event to build" in nothing.stderr
