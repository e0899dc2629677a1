"""examples/flask_app/app.py under a real WSGI server, answering LocalDataWorks over signed HTTP."""

from __future__ import annotations

import http.client
import json
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from types import ModuleType
from typing import Any

import pytest
from _checks import PROTECTED, strict_checks
from conftest import registry_of
from werkzeug.serving import make_server

from dataworks_ext import Extension
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
        "disposition": "ACK",
        "error": None,
    }
    assert again[2]["outcomes"][0]["duplicate"] is True
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
