"""examples/fc/index.py called as Function Compute calls it, answering LocalDataWorks."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from types import ModuleType, SimpleNamespace
from typing import Any

import pytest
from conftest import registry_of

from dataworks_ext import Extension
from dataworks_ext.testing import (
    LocalDataWorks,
    backfill_event,
    batch,
    freeze_event,
    unpublish_event,
)

EXTENSION_CODE = "ext-fc-example"
PROTECTED = 700005966962
TOKEN = "CAIS-sts-token-of-the-function-role"


@pytest.fixture
def local_dataworks() -> Iterator[LocalDataWorks]:
    """LocalDataWorks that, like DataWorks with STS credentials, checks the security token."""
    with LocalDataWorks(security_token=TOKEN) as local:
        yield local


def fc_context(
    local: LocalDataWorks, *, secret: str | None = None, token: str = TOKEN
) -> SimpleNamespace:
    """What Function Compute passes a Python handler: temporary credentials, region, ids."""
    env = local.env()
    return SimpleNamespace(
        request_id=str(uuid.uuid4()),
        region=env["DATAWORKS_REGION_ID"],
        account_id="1107550004253538",
        credentials=SimpleNamespace(
            access_key_id=env["ALIBABA_CLOUD_ACCESS_KEY_ID"],
            access_key_secret=secret or env["ALIBABA_CLOUD_ACCESS_KEY_SECRET"],
            security_token=token,
        ),
        function=SimpleNamespace(name="dataworks-extension", handler="index.handler"),
        service=SimpleNamespace(name="dataworks"),
    )


@pytest.fixture(autouse=True)
def fc_env(local_dataworks: LocalDataWorks, monkeypatch: pytest.MonkeyPatch) -> None:
    """The function's environment variables: no AccessKeys, they come from the context."""
    monkeypatch.setenv("DATAWORKS_EXTENSION_CODE", EXTENSION_CODE)
    monkeypatch.setenv("DATAWORKS_ENDPOINT", local_dataworks.endpoint)
    for name in (
        "DATAWORKS_REGION_ID",
        "DATAWORKS_DRY_RUN",
        "ALIBABA_CLOUD_ACCESS_KEY_ID",
        "ALIBABA_CLOUD_ACCESS_KEY_SECRET",
        "ALIBABA_CLOUD_SECURITY_TOKEN",
    ):
        monkeypatch.delenv(name, raising=False)


def expected(fc_index: ModuleType, message: Any) -> Any:
    return Extension("dry-run", registry=registry_of(fc_index)).handle(message).verdict


def test_eventbridge_trigger_answers_a_cloudevent(
    fc_index: ModuleType, local_dataworks: LocalDataWorks
) -> None:
    message = freeze_event(node_ids=[PROTECTED])

    response = json.loads(fc_index.handler(message.to_json(), fc_context(local_dataworks)))

    recorded = local_dataworks.verdict_for(message.message_id)
    assert recorded is not None
    assert recorded.extension_code == EXTENSION_CODE
    assert recorded.result == expected(fc_index, message).result.value == "FAIL"
    assert response["disposition"] == "ACK"
    assert [(o["message_id"], o["result"], o["delivered"]) for o in response["outcomes"]] == [
        (message.message_id, "FAIL", True)
    ]


def test_eventbridge_trigger_answers_a_batch_once(
    fc_index: ModuleType, local_dataworks: LocalDataWorks
) -> None:
    messages = [freeze_event(), backfill_event(days=400), unpublish_event(node_ids=[PROTECTED])]
    body = batch(*messages)

    fc_index.handler(body, fc_context(local_dataworks))
    again = json.loads(fc_index.handler(body, fc_context(local_dataworks)))

    for message in messages:
        recorded = local_dataworks.verdict_for(message.message_id)
        assert recorded.result == expected(fc_index, message).result.value
        assert local_dataworks.count_for(message.message_id) == 1
    assert [r["duplicate"] for r in again["outcomes"]] == [True, True, True]


def test_eventbridge_trigger_fails_the_invocation_when_a_verdict_is_not_delivered(
    fc_index: ModuleType, local_dataworks: LocalDataWorks
) -> None:
    message = freeze_event(node_ids=[PROTECTED])
    local_dataworks.inject("error", times=1_000)

    with pytest.raises(RuntimeError, match="retry later"):
        fc_index.handler(message.to_json(), fc_context(local_dataworks))
    assert local_dataworks.verdict_for(message.message_id) is None

    local_dataworks.reset()
    fc_index.handler(message.to_json(), fc_context(local_dataworks))  # the trigger's retry
    assert local_dataworks.count_for(message.message_id) == 1


def test_eventbridge_trigger_refuses_a_batch_past_the_limits_whole(
    fc_index: ModuleType, local_dataworks: LocalDataWorks, caplog: pytest.LogCaptureFixture
) -> None:
    from dataworks_ext import MAX_BATCH_MESSAGES, MAX_BODY_BYTES

    one = freeze_event().to_json()
    too_long = b"[" + b",".join([one] * (MAX_BATCH_MESSAGES + 1)) + b"]"
    too_big = one + b" " * MAX_BODY_BYTES
    for event in (too_long, too_big):
        response = json.loads(fc_index.handler(event, fc_context(local_dataworks)))
        assert response["disposition"] == "REJECT"
        assert response["outcomes"][0]["error"].startswith("RequestTooLargeError")
    assert local_dataworks.calls == 0
    assert "refused as too large" in caplog.text


def test_eventbridge_trigger_logs_and_drops_an_unreadable_event(
    fc_index: ModuleType, local_dataworks: LocalDataWorks
) -> None:
    broken = json.loads(fc_index.handler(b"{not json", fc_context(local_dataworks)))
    assert broken["disposition"] == "REJECT"
    assert broken["outcomes"][0]["error"].startswith("MessageDecodeError")
    response = json.loads(fc_index.handler(b'[{"foo": 1}]', fc_context(local_dataworks)))
    assert response["disposition"] == "REJECT"
    assert response["outcomes"][0]["message_id"] is None
    assert local_dataworks.calls == 0


def test_the_callback_signs_with_the_context_credentials(
    fc_index: ModuleType, local_dataworks: LocalDataWorks
) -> None:
    """Built from context.credentials once per instance, rebuilt when they rotate."""
    stale = fc_context(local_dataworks, secret="an-expired-secret", token="an-expired-token")
    fc_index.initializer(stale)

    first = freeze_event()
    with pytest.raises(RuntimeError, match="retry later"):
        fc_index.handler(first.to_json(), stale)
    assert local_dataworks.verdict_for(first.message_id) is None

    rotated = fc_context(local_dataworks)
    fc_index.handler(first.to_json(), rotated)
    client = fc_index._instance.extension.callback
    second = freeze_event()
    fc_index.handler(second.to_json(), fc_context(local_dataworks))

    assert fc_index._instance.extension.callback is client  # same credentials, same client
    assert local_dataworks.count_for(first.message_id) == 1
    assert local_dataworks.count_for(second.message_id) == 1


def test_direct_invocation_returns_the_verdict_and_delivers_it(
    fc_index: ModuleType, local_dataworks: LocalDataWorks
) -> None:
    message = freeze_event(node_ids=[PROTECTED], envelope="function-compute")
    context = fc_context(local_dataworks)
    fc_index.initializer(context)

    response = json.loads(fc_index.extension_handler(message.to_json(), context))
    again = json.loads(fc_index.extension_handler(message.to_json(), context))

    decided = expected(fc_index, message)
    assert response == {
        "messageId": message.message_id,
        "checkResult": decided.result.value,
        "checkResultTip": decided.tip,
    }
    assert response["checkResult"] == "FAIL"
    assert again == response  # DataWorks asking again gets the same answer, from the store
    assert local_dataworks.verdict_for(message.message_id).result == "FAIL"
    assert local_dataworks.count_for(message.message_id) == 1  # delivered once


def test_direct_invocation_answers_even_when_the_callback_fails(
    fc_index: ModuleType, local_dataworks: LocalDataWorks
) -> None:
    message = unpublish_event(node_ids=[PROTECTED], envelope="function-compute")
    local_dataworks.inject("error", times=1_000)

    response = json.loads(
        fc_index.extension_handler(message.to_json(), fc_context(local_dataworks))
    )

    assert response["checkResult"] == expected(fc_index, message).result.value == "FAIL"
    assert local_dataworks.verdict_for(message.message_id) is None


def test_direct_invocation_rejects_an_unreadable_request(
    fc_index: ModuleType, local_dataworks: LocalDataWorks
) -> None:
    with pytest.raises(ValueError, match=r"unreadable|neither"):
        fc_index.extension_handler(b'{"eventType": "freeze-node"}', fc_context(local_dataworks))
    assert local_dataworks.calls == 0


def test_missing_extension_code_is_a_clear_error(
    fc_index: ModuleType, local_dataworks: LocalDataWorks, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DATAWORKS_EXTENSION_CODE")
    with pytest.raises(ValueError, match="DATAWORKS_EXTENSION_CODE"):
        fc_index.initializer(fc_context(local_dataworks))


def test_initializer_refuses_an_instance_whose_store_does_not_answer(
    fc_index: ModuleType, local_dataworks: LocalDataWorks, monkeypatch: pytest.MonkeyPatch
) -> None:
    from conftest import free_port

    monkeypatch.setenv("DATAWORKS_REDIS_URL", f"redis://127.0.0.1:{free_port()}/0")  # nobody
    with pytest.raises(RuntimeError, match="not healthy: the answer store"):
        fc_index.initializer(fc_context(local_dataworks))
