"""examples/flask_app/app.py under a real WSGI server, answering LocalDataWorks over signed HTTP."""

from __future__ import annotations

import http.client
import json
import logging
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from types import ModuleType
from typing import Any

import pytest
from _checks import PROTECTED, strict_checks
from conftest import free_port, registry_of
from werkzeug.serving import make_server

from dataworks_ext import ConfigurationError, Extension
from dataworks_ext.testing import (
    backfill_event,
    batch,
    freeze_event,
    restore_event,
    unpublish_event,
)

EXTENSION_CODE = "ext-flask-example"


class Server:
    def __init__(self, app: Any) -> None:
        self._server = make_server("127.0.0.1", 0, app, threaded=True)
        self.port = self._server.server_port
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, dict[str, str], Any]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
            raw = response.read()
            payload = json.loads(raw) if raw else None
            return response.status, dict(response.getheaders()), payload
        finally:
            connection.close()

    def post(self, body: bytes, **headers: str) -> tuple[int, dict[str, str], Any]:
        sent = {"Content-Type": "application/json", **headers}
        return self.request("POST", "/dataworks/events", body, sent)

    def close(self) -> None:
        self._server.shutdown()
        self._thread.join(timeout=10)
        self._server.server_close()


@pytest.fixture
def serve() -> Iterator[Callable[[Any], Server]]:
    servers: list[Server] = []

    def start(app: Any) -> Server:
        server = Server(app)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.close()


@pytest.fixture(autouse=True)
def _unauthenticated_allowed(monkeypatch: pytest.MonkeyPatch) -> None:
    """The tests that give no secret start the app as a local run does."""
    monkeypatch.setenv("DATAWORKS_ALLOW_UNAUTHENTICATED", "1")
    monkeypatch.delenv("DATAWORKS_WEBHOOK_SECRET", raising=False)


@pytest.fixture
def env_for(local_dataworks: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The environment a deployment sets, pointed at LocalDataWorks."""
    for name, value in local_dataworks.env().items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("DATAWORKS_EXTENSION_CODE", EXTENSION_CODE)
    monkeypatch.delenv("DATAWORKS_WEBHOOK_SECRET", raising=False)
    monkeypatch.delenv("DATAWORKS_MAX_BODY_BYTES", raising=False)


def test_configured_from_the_environment_with_the_shared_checks(
    flask_app: ModuleType, serve: Any, local_dataworks: Any, env_for: None
) -> None:
    messages = [
        freeze_event(node_ids=[PROTECTED]),
        backfill_event(days=400),
        unpublish_event(node_ids=[123]),
    ]
    expected = Extension("dry-run", registry=registry_of(flask_app))
    server = serve(flask_app.create_app())

    status, _, body = server.post(batch(*messages))

    assert status == 200, body
    for message in messages:
        recorded = local_dataworks.verdict_for(message.message_id)
        assert recorded is not None, f"no verdict for {message.message_id}"
        decided = expected.handle(message).verdict
        assert recorded.extension_code == EXTENSION_CODE
        assert recorded.result == decided.result.value
        assert recorded.tip == decided.tip
    assert local_dataworks.verdict_for(messages[1].message_id).result == "FAIL"


def test_single_event_is_answered_once_even_when_redelivered(
    flask_app: ModuleType, serve: Any, local_dataworks: Any
) -> None:
    extension = Extension(EXTENSION_CODE, local_dataworks.client(), strict_checks())
    server = serve(flask_app.create_app(extension))
    message = freeze_event(node_ids=[PROTECTED, 1])

    first = server.post(message.to_json())
    again = server.post(message.to_json())

    assert first[0] == 200 and again[0] == 200
    assert first[2]["outcomes"][0] == {
        "message_id": message.message_id,
        "event_code": "freeze-node",
        "result": "FAIL",
        "tip": f"Node {PROTECTED} is protected",
        "delivered": True,
        "duplicate": False,
        "in_progress": False,
        "reason": "answered",
        "api": "UpdateWorkbenchEventResult",
        "disposition": "ACK",
        "error": None,
    }
    assert again[2]["outcomes"][0]["duplicate"] is True
    assert again[2]["outcomes"][0]["reason"] == "duplicate"
    assert again[2]["outcomes"][0]["result"] == "FAIL"  # the answer given before
    assert local_dataworks.count_for(message.message_id) == 1
    assert local_dataworks.verdict_for(message.message_id).tip == f"Node {PROTECTED} is protected"


def test_batch_answers_every_message(
    flask_app: ModuleType, serve: Any, local_dataworks: Any
) -> None:
    extension = Extension(EXTENSION_CODE, local_dataworks.client(), strict_checks())
    server = serve(flask_app.create_app(extension))
    messages = [freeze_event(node_ids=[PROTECTED]), freeze_event(node_ids=[5]), restore_event()]

    status, _, body = server.post(batch(*messages))

    assert status == 200
    assert [r["message_id"] for r in body["outcomes"]] == [m.message_id for m in messages]
    assert [local_dataworks.verdict_for(m.message_id).result for m in messages] == [
        "FAIL",
        "OK",
        "OK",
    ]
    assert all(local_dataworks.count_for(m.message_id) == 1 for m in messages)


@pytest.mark.parametrize(
    "body",
    [b"{not json", b'{"foo": 1}', b"[1, 2]", b""],
    ids=["broken-json", "no-envelope", "batch-of-numbers", "empty"],
)
def test_unreadable_message_without_an_id_is_400(
    flask_app: ModuleType, serve: Any, local_dataworks: Any, body: bytes
) -> None:
    extension = Extension(EXTENSION_CODE, local_dataworks.client(), strict_checks())
    server = serve(flask_app.create_app(extension))

    status, _, payload = server.post(body)

    assert status == 400, payload
    assert payload["disposition"] == "REJECT"
    assert local_dataworks.calls == 0


def test_unreadable_message_with_an_id_is_answered_fail(
    flask_app: ModuleType, serve: Any, local_dataworks: Any
) -> None:
    extension = Extension(EXTENSION_CODE, local_dataworks.client(), strict_checks())
    server = serve(flask_app.create_app(extension))
    body = (
        b'{"id": "m-broken", "type": "dataworks:NodeChange:FreezeNode", "data": {"nodeIds": "x"}}'
    )

    status, _, _ = server.post(body)

    assert status == 200
    assert local_dataworks.verdict_for("m-broken").result == "FAIL"


def test_undelivered_verdict_is_503_and_redelivery_answers_it(
    flask_app: ModuleType, serve: Any, local_dataworks: Any
) -> None:
    extension = Extension(EXTENSION_CODE, local_dataworks.client(max_attempts=1), strict_checks())
    server = serve(flask_app.create_app(extension))
    message = freeze_event(node_ids=[PROTECTED])
    local_dataworks.inject("error")

    status, headers, body = server.post(message.to_json())

    assert status == 503
    assert "Retry-After" in headers
    assert body["outcomes"][0]["delivered"] is False
    assert body["outcomes"][0]["error"].startswith("CallbackError")
    assert local_dataworks.verdict_for(message.message_id) is None

    status, _, _ = server.post(message.to_json())  # EventBridge delivers it again

    assert status == 200
    assert local_dataworks.verdict_for(message.message_id).result == "FAIL"
    assert local_dataworks.count_for(message.message_id) == 1


def test_batch_with_one_undelivered_verdict_is_503(
    flask_app: ModuleType, serve: Any, local_dataworks: Any
) -> None:
    extension = Extension(EXTENSION_CODE, local_dataworks.client(max_attempts=1), strict_checks())
    server = serve(flask_app.create_app(extension))
    messages = [freeze_event(), freeze_event(), freeze_event()]
    local_dataworks.inject("throttle")  # the first delivery of the request fails

    status, _, body = server.post(batch(*messages))
    again, _, _ = server.post(batch(*messages))

    assert status == 503
    assert [r["delivered"] for r in body["outcomes"]] == [False, True, True]
    assert again == 200
    assert all(local_dataworks.count_for(m.message_id) == 1 for m in messages)


def test_shared_secret_is_required_when_configured(
    flask_app: ModuleType,
    serve: Any,
    local_dataworks: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DATAWORKS_WEBHOOK_SECRET", "s3cret-token")
    extension = Extension(EXTENSION_CODE, local_dataworks.client(), strict_checks())
    server = serve(flask_app.create_app(extension))
    header = flask_app.SECRET_HEADER
    message = freeze_event()

    missing = server.post(message.to_json())
    wrong = server.post(message.to_json(), **{header: "s3cret-tokex"})
    assert (missing[0], wrong[0]) == (401, 401)
    assert local_dataworks.calls == 0

    right = server.post(message.to_json(), **{header: "s3cret-token"})
    assert right[0] == 200
    assert local_dataworks.count_for(message.message_id) == 1


def test_body_over_the_limit_is_413(
    flask_app: ModuleType, serve: Any, local_dataworks: Any
) -> None:
    extension = Extension(EXTENSION_CODE, local_dataworks.client(), strict_checks())
    server = serve(flask_app.create_app(extension, max_body_bytes=2048))
    big = backfill_event(include_node_ids=range(1, 1000))
    small = freeze_event()

    assert server.post(big.to_json())[0] == 413
    assert server.post(small.to_json())[0] == 200
    assert local_dataworks.verdict_for(big.message_id) is None
    assert local_dataworks.count_for(small.message_id) == 1


def test_health_check(flask_app: ModuleType, serve: Any, local_dataworks: Any) -> None:
    extension = Extension(EXTENSION_CODE, local_dataworks.client(), registry_of(flask_app))
    server = serve(flask_app.create_app(extension))

    status, _, body = server.request("GET", "/healthz")[:3]
    assert (status, body["ok"], body["store"], body["problems"]) == (200, True, "ok", [])
    assert body["checks"]
    assert server.request("GET", "/dataworks/events")[0] == 405


def test_health_check_fails_while_the_store_is_down(
    flask_app: ModuleType, serve: Any, local_dataworks: Any
) -> None:
    from conftest import free_port

    from dataworks_ext import RedisAnswerStore

    store = RedisAnswerStore.from_url(f"redis://127.0.0.1:{free_port()}/0")  # nobody there
    extension = Extension(
        EXTENSION_CODE, local_dataworks.client(), registry_of(flask_app), store=store
    )
    status, _, body = serve(flask_app.create_app(extension)).request("GET", "/healthz")[:3]
    assert (status, body["ok"]) == (503, False)
    assert any("store" in problem for problem in body["problems"])


def test_replicas_configured_with_a_redis_url_answer_a_message_once(
    flask_app: ModuleType,
    serve: Any,
    local_dataworks: Any,
    env_for: None,
    valkey_server: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DATAWORKS_REDIS_URL", valkey_server.url)
    replicas = [serve(flask_app.create_app()) for _ in range(2)]
    message = freeze_event(node_ids=[PROTECTED])

    with ThreadPoolExecutor(2) as pool:
        first = list(pool.map(lambda replica: replica.post(message.to_json()), replicas))
    again = [replica.post(message.to_json()) for replica in replicas]

    assert sorted(status for status, _, _ in first) in ([200, 200], [200, 503])
    assert [status for status, _, _ in again] == [200, 200]
    assert all(body["outcomes"][0]["duplicate"] for _, _, body in again)
    assert local_dataworks.count_for(message.message_id) == 1


# ---------------------------------------------------------------- the secret, at start-up


def test_refuses_to_start_without_a_secret(
    flask_app: ModuleType, local_dataworks: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DATAWORKS_ALLOW_UNAUTHENTICATED")
    extension = Extension(EXTENSION_CODE, local_dataworks.client(), strict_checks())
    with pytest.raises(ConfigurationError, match="DATAWORKS_WEBHOOK_SECRET is not set"):
        flask_app.create_app(extension)
    monkeypatch.setenv("DATAWORKS_ALLOW_UNAUTHENTICATED", "yes")  # only 1 says so
    with pytest.raises(ConfigurationError):
        flask_app.create_app(extension)


def test_says_at_start_up_whether_it_checks_a_secret(
    flask_app: ModuleType,
    local_dataworks: Any,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="dataworks_ext.examples.flask")
    extension = Extension(EXTENSION_CODE, local_dataworks.client(), strict_checks())
    flask_app.create_app(extension)
    assert "accepting POSTs without a shared secret" in caplog.text
    caplog.clear()
    monkeypatch.setenv("DATAWORKS_WEBHOOK_SECRET", "s3cret-from-env")
    flask_app.create_app(extension)
    assert f"must carry the shared secret in {flask_app.SECRET_HEADER}" in caplog.text
    assert "s3cret-from-env" not in caplog.text


# ---------------------------------------------------------------- bodies read safely


def big_batch(size: int) -> tuple[bytes, list[str]]:
    """A valid batch of about ``size`` bytes: freeze events of 100 KB each."""
    ids = list(range(10**11, 10**11 + 7_500))
    messages = []
    total = 2
    while total < size:
        message = freeze_event(node_ids=ids).to_json()
        messages.append(message)
        total += len(message) + 1
    body = b"[" + b",".join(messages) + b"]"
    return body, [json.loads(m)["id"] for m in messages]


def post_chunked(port: int, body: bytes, piece: int = 256 * 1024) -> tuple[int, Any]:
    """POST ``body`` with ``Transfer-Encoding: chunked`` (no Content-Length)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        chunks = (body[i : i + piece] for i in range(0, len(body), piece))
        connection.request(
            "POST",
            "/dataworks/events",
            body=chunks,
            headers={"Content-Type": "application/json"},
            encode_chunked=True,
        )
        response = connection.getresponse()
        return response.status, json.loads(response.read())
    finally:
        connection.close()


FIVE_MB, THREE_MB = big_batch(5_000_000), big_batch(3_000_000)


def test_a_chunked_batch_past_the_limit_is_413_and_one_under_it_answered(
    flask_app: ModuleType, serve: Any, local_dataworks: Any
) -> None:
    extension = Extension(EXTENSION_CODE, local_dataworks.client(), strict_checks())
    server = serve(flask_app.create_app(extension))  # the default limit: 4 MiB

    status, body = post_chunked(server.port, FIVE_MB[0])
    assert status == 413, body
    assert "larger than the limit of 4,194,304 bytes" in body["outcomes"][0]["error"]
    assert not any(local_dataworks.verdict_for(i) for i in FIVE_MB[1])

    status, body = post_chunked(server.port, THREE_MB[0])
    assert status == 200, body
    assert all(local_dataworks.count_for(i) == 1 for i in THREE_MB[1])

    status = server.post(FIVE_MB[0])[0]  # with a Content-Length: refused unread
    assert status == 413


def test_under_gunicorn_chunked_and_oversized_bodies(example_env: Any) -> None:
    pytest.importorskip("gunicorn")
    port = free_port()
    env, examples = example_env(
        DATAWORKS_EXTENSION_CODE=EXTENSION_CODE,
        DATAWORKS_DRY_RUN="1",
        DATAWORKS_WEBHOOK_SECRET="s3cret-token",
    )
    app = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "--threads",
            "2",
            "app:create_app()",
        ],
        cwd=examples / "flask_app",
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                assert app.poll() is None, app.communicate()[1]
                assert time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.1)
        secret = {"X-DataWorks-Webhook-Secret": "s3cret-token"}
        small = freeze_event().to_json()
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        connection.request("POST", "/dataworks/events", body=small, headers=secret)
        assert connection.getresponse().status == 200
        connection.close()
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        connection.request("POST", "/dataworks/events", body=small)
        assert connection.getresponse().status == 401
        connection.close()
        for body, expected in ((FIVE_MB[0], 413), (THREE_MB[0], 200)):
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            chunks = (body[i : i + 65536] for i in range(0, len(body), 65536))
            connection.request(
                "POST", "/dataworks/events", body=chunks, headers=secret, encode_chunked=True
            )
            response = connection.getresponse()
            assert response.status == expected, response.read()[:300]
            connection.close()
    finally:
        app.send_signal(signal.SIGTERM)
        app.communicate(timeout=60)
