"""LocalDataWorks: the local UpdateWorkbenchEventResult endpoint, and the SDK end to end."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import http.client
import json
import threading
import uuid
from collections.abc import Iterator
from datetime import datetime, timezone
from typing import Any
from urllib.parse import quote, urlencode

import pytest

from dataworks_ext import (
    CallbackClient,
    CallbackError,
    Disposition,
    Extension,
    FreezeNodeEvent,
    Registry,
    Verdict,
)
from dataworks_ext.testing import LocalDataWorks, RecordedVerdict, freeze_event

PARAMS = {"MessageId": "m-raw", "ExtensionCode": "ext", "CheckResult": "OK"}


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    """The SDK sends even loopback calls through HTTP(S)_PROXY (it ignores NO_PROXY)."""
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def local() -> Iterator[LocalDataWorks]:
    with LocalDataWorks() as server:
        yield server


# ---------------------------------------------------------------------------- raw HTTP
#
# An independent ACS3-HMAC-SHA256 signer, written from the published algorithm, so that the
# server's checks are tested against the specification as well as against the SDK.


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def sign(
    local: LocalDataWorks,
    params: dict[str, str],
    *,
    method: str = "POST",
    body: bytes = b"",
    key_id: str | None = None,
    secret: str | None = None,
    headers: dict[str, str] | None = None,
) -> dict[str, str]:
    signed = {
        "host": f"127.0.0.1:{local.port}",
        "x-acs-action": "UpdateWorkbenchEventResult",
        "x-acs-version": "2020-05-18",
        "x-acs-date": _now(),
        "x-acs-signature-nonce": uuid.uuid4().hex,
        "x-acs-content-sha256": hashlib.sha256(body).hexdigest(),
        **(headers or {}),
    }
    names = sorted(signed)
    canonical = "\n".join(
        [
            method,
            "/",
            "&".join(f"{k}={quote(params[k], safe='~')}" for k in sorted(params)),
            "".join(f"{n}:{signed[n].strip()}\n" for n in names),
            ";".join(names),
            hashlib.sha256(body).hexdigest(),
        ]
    )
    to_sign = "ACS3-HMAC-SHA256\n" + hashlib.sha256(canonical.encode()).hexdigest()
    signature = hmac.new(
        (secret or local.access_key_secret).encode(), to_sign.encode(), hashlib.sha256
    ).hexdigest()
    signed["Authorization"] = (
        f"ACS3-HMAC-SHA256 Credential={key_id or local.access_key_id},"
        f"SignedHeaders={';'.join(names)},Signature={signature}"
    )
    return signed


def send(
    local: LocalDataWorks,
    params: dict[str, str],
    headers: dict[str, str],
    *,
    method: str = "POST",
    body: bytes = b"",
    conn: http.client.HTTPConnection | None = None,
) -> tuple[int, http.client.HTTPResponse, dict[str, Any]]:
    conn = conn or http.client.HTTPConnection("127.0.0.1", local.port, timeout=5)
    conn.request(method, "/?" + urlencode(params), body=body, headers=headers)
    response = conn.getresponse()
    return response.status, response, json.loads(response.read())


def test_a_correctly_signed_request_is_accepted(local: LocalDataWorks) -> None:
    params = {**PARAMS, "CheckResultTip": "需要审批 a+b=c"}
    status, response, body = send(local, params, sign(local, params))

    assert status == 200
    assert body["Success"] is True and body["RequestId"]
    assert response.getheader("Content-Type") == "application/json;charset=utf-8"
    assert local.verdicts == [RecordedVerdict("m-raw", "ext", "OK", "需要审批 a+b=c")]


def test_parameters_in_a_form_body_are_accepted(local: LocalDataWorks) -> None:
    body = urlencode({"MessageId": "m-form", "ExtensionCode": "ext", "CheckResult": "FAIL",
                      "CheckResultTip": "no"}).encode()  # fmt: skip
    headers = sign(
        local, {}, body=body, headers={"content-type": "application/x-www-form-urlencoded"}
    )
    status, _, _ = send(local, {}, headers, body=body)

    assert status == 200
    assert local.verdict_for("m-form") == RecordedVerdict("m-form", "ext", "FAIL", "no")


def test_keep_alive_serves_several_calls_on_one_connection(local: LocalDataWorks) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", local.port, timeout=5)
    for i in range(3):
        params = {**PARAMS, "MessageId": f"k-{i}"}
        status, response, _ = send(local, params, sign(local, params), conn=conn)
        assert status == 200
        assert response.getheader("Content-Length") is not None
        assert not response.will_close
    conn.close()

    assert [v.message_id for v in local.verdicts] == ["k-0", "k-1", "k-2"]


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"x-acs-action": "DescribeRegions"}, 404, "InvalidAction.NotFound"),
        ({"x-acs-version": "2024-05-18"}, 400, "InvalidVersion"),
        ({"x-acs-date": "2001-01-01T00:00:00Z"}, 400, "InvalidTimeStamp.Expired"),
    ],
)
def test_headers_are_checked(
    local: LocalDataWorks, change: dict[str, str], status: int, code: str
) -> None:
    got, response, body = send(local, PARAMS, sign(local, PARAMS, headers=change))

    assert (got, body["Code"]) == (status, code)
    assert response.getheader("Content-Type") == "application/json;charset=utf-8"
    assert body["RequestId"] and body["Message"]
    assert local.verdicts == [] and local.calls == 1


def test_a_request_without_a_signature_is_refused(local: LocalDataWorks) -> None:
    headers = sign(local, PARAMS)
    del headers["Authorization"]
    status, _, body = send(local, PARAMS, headers)

    assert (status, body["Code"]) == (400, "IncompleteSignature")


def test_a_wrong_secret_is_refused(local: LocalDataWorks) -> None:
    status, _, body = send(local, PARAMS, sign(local, PARAMS, secret="guess"))

    assert (status, body["Code"]) == (400, "SignatureDoesNotMatch")
    assert local.verdicts == []


def test_an_unknown_key_is_refused(local: LocalDataWorks) -> None:
    status, _, body = send(local, PARAMS, sign(local, PARAMS, key_id="LTAI5tUnknown"))

    assert (status, body["Code"]) == (404, "InvalidAccessKeyId.NotFound")


def test_a_tampered_parameter_breaks_the_signature(local: LocalDataWorks) -> None:
    headers = sign(local, PARAMS)
    status, _, body = send(local, {**PARAMS, "CheckResult": "FAIL"}, headers)

    assert (status, body["Code"]) == (400, "SignatureDoesNotMatch")


def test_a_replayed_nonce_is_refused(local: LocalDataWorks) -> None:
    headers = sign(local, PARAMS)
    first, _, _ = send(local, PARAMS, headers)
    again, _, body = send(local, PARAMS, headers)

    assert (first, again, body["Code"]) == (200, 400, "SignatureNonceUsed")
    assert local.count_for("m-raw") == 1


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"ExtensionCode": "ext", "CheckResult": "OK"}, "MissingMessageId"),
        ({"MessageId": "m", "CheckResult": "OK"}, "MissingExtensionCode"),
        ({"MessageId": "m", "ExtensionCode": "ext"}, "MissingCheckResult"),
        ({"MessageId": "m", "ExtensionCode": "ext", "CheckResult": "WARN"}, "InvalidParameter"),
    ],
)
def test_parameters_are_checked(local: LocalDataWorks, params: dict[str, str], code: str) -> None:
    status, _, body = send(local, params, sign(local, params))

    assert (status, body["Code"]) == (400, code)
    assert local.verdicts == []


# ---------------------------------------------------------------------------- faults


@pytest.mark.parametrize(
    ("fault", "status", "code"),
    [
        ("throttle", 429, "Throttling.User"),
        ("error", 500, "InternalError.System"),
        ("bad-request", 400, "InvalidParameter"),
        ("forbidden", 403, "Forbidden.Access"),
        ("unsuccessful", 200, "Unsuccessful"),
    ],
)
def test_each_fault_answers_as_documented_then_normal_answers_resume(
    local: LocalDataWorks, fault: str, status: int, code: str
) -> None:
    local.inject(fault, times=2)
    client = local.client(max_attempts=1)

    for message_id in ("f-1", "f-2"):
        with pytest.raises(CallbackError) as info:
            client.deliver(message_id, "ext", Verdict.ok())
        assert (info.value.status, info.value.code) == (status, code)
    client.deliver("f-3", "ext", Verdict.ok())

    assert [v.message_id for v in local.verdicts] == ["f-3"]
    assert local.calls == 3


def test_a_slow_fault_answers_ok_late_and_records_nothing(local: LocalDataWorks) -> None:
    local.inject("slow", delay=0.1)

    local.client(max_attempts=1).deliver("s-1", "ext", Verdict.ok())

    assert local.calls == 1 and local.verdicts == []


def test_faults_queue_in_order(local: LocalDataWorks) -> None:
    local.inject("throttle")
    local.inject("forbidden")

    with pytest.raises(CallbackError) as info:
        local.client(max_attempts=5).deliver("q-1", "ext", Verdict.ok())

    assert (info.value.code, info.value.attempts) == ("Forbidden.Access", 2)


def test_unknown_faults_are_refused(local: LocalDataWorks) -> None:
    with pytest.raises(ValueError, match="unknown fault"):
        local.inject("explode")
    with pytest.raises(ValueError, match="times"):
        local.inject("error", times=-1)


def test_delay_is_added_to_every_answer(local: LocalDataWorks) -> None:
    local.delay = 0.05
    local.client().deliver("d-1", "ext", Verdict.ok())
    local.delay = 0.0

    assert local.count_for("d-1") == 1


def test_reset_forgets_everything(local: LocalDataWorks) -> None:
    local.client().deliver("r-1", "ext", Verdict.ok())
    local.inject("error", times=3)
    local.reset()
    local.client(max_attempts=1).deliver("r-2", "ext", Verdict.ok())

    assert [v.message_id for v in local.verdicts] == ["r-2"]
    assert local.calls == 1


def test_verdict_for_is_the_last_and_count_for_counts_each(local: LocalDataWorks) -> None:
    client = local.client()
    client.deliver("dup", "ext", Verdict.ok())
    client.deliver("dup", "ext", Verdict.fail("changed my mind"))

    assert local.count_for("dup") == 2
    assert local.verdict_for("dup") == RecordedVerdict("dup", "ext", "FAIL", "changed my mind")
    assert local.verdict_for("other") is None and local.count_for("other") == 0


def test_verdicts_is_a_copy(local: LocalDataWorks) -> None:
    local.client().deliver("v-1", "ext", Verdict.ok())
    local.verdicts.clear()

    assert len(local.verdicts) == 1


# ---------------------------------------------------------------------------- lifecycle


def test_ports_are_ephemeral_and_endpoint_follows() -> None:
    with LocalDataWorks() as one, LocalDataWorks() as two:
        assert one.port != two.port
        assert one.endpoint == f"http://127.0.0.1:{one.port}"


def test_endpoint_needs_a_running_server() -> None:
    with pytest.raises(RuntimeError, match="not running"):
        _ = LocalDataWorks().endpoint


def test_stop_closes_kept_alive_connections_and_can_restart() -> None:
    local = LocalDataWorks().start()
    local.client().deliver("l-1", "ext", Verdict.ok())  # leaves a pooled keep-alive connection
    thread = local._thread
    local.stop()
    local.stop()

    assert thread is not None and not thread.is_alive()
    local.start()
    try:
        local.client().deliver("l-2", "ext", Verdict.ok())
        assert [v.message_id for v in local.verdicts] == ["l-1", "l-2"]
    finally:
        local.stop()


def test_stop_does_not_wait_for_a_slow_answer() -> None:
    local = LocalDataWorks().start()
    local.inject("slow", delay=30.0)
    errors: list[BaseException] = []

    def deliver() -> None:
        try:
            local.client(max_attempts=1).deliver("slow", "ext", Verdict.ok())
        except CallbackError as exc:
            errors.append(exc)

    worker = threading.Thread(target=deliver)
    worker.start()
    while local.calls == 0:
        threading.Event().wait(0.01)
    local.stop()
    worker.join(timeout=20)

    assert not worker.is_alive()
    assert errors and isinstance(errors[0], CallbackError)


def test_usable_as_an_async_context_manager() -> None:
    async def main() -> list[RecordedVerdict]:
        async with LocalDataWorks() as local:
            await local.client().deliver_async("a-1", "ext", Verdict.ok())
            return local.verdicts

    assert asyncio.run(main()) == [RecordedVerdict("a-1", "ext", "OK", None)]


def test_client_and_env_carry_its_settings() -> None:
    with LocalDataWorks(
        access_key_id="LTAI5tCustomKeyId", access_key_secret="custom", region_id="cn-beijing"
    ) as local:
        client = local.client(max_attempts=9)
        env = local.env()

        assert isinstance(client, CallbackClient)
        assert (client.region_id, client.url, client.max_attempts) == (
            "cn-beijing",
            local.endpoint,
            9,
        )
        assert env == {
            "DATAWORKS_ENDPOINT": local.endpoint,
            "DATAWORKS_REGION_ID": "cn-beijing",
            "ALIBABA_CLOUD_ACCESS_KEY_ID": "LTAI5tCustomKeyId",
            "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "custom",
        }


def test_the_pytest_fixture_gives_a_running_server(local_dataworks: LocalDataWorks) -> None:
    local_dataworks.client().deliver("fx-1", "ext", Verdict.ok())

    assert local_dataworks.count_for("fx-1") == 1


# ---------------------------------------------------------------------------- end to end


def _protect_finance() -> Registry:
    registry = Registry()

    @registry.on_freeze
    def protect(event: FreezeNodeEvent) -> Verdict:
        if 700005966962 in event.node_ids:
            return Verdict.fail("节点 700005966962 feeds the finance close")
        return Verdict.ok()

    return registry


def test_extension_delivers_through_the_sdk(local: LocalDataWorks) -> None:
    extension = Extension("my-extension", callback=local.client(), registry=_protect_finance())

    blocked = extension.handle(freeze_event(node_ids=[700005966962], message_id="e2e-1"))
    allowed = extension.handle(freeze_event(node_ids=[1], message_id="e2e-2").to_json())

    assert blocked.delivered and allowed.delivered
    assert local.verdict_for("e2e-1") == RecordedVerdict(
        "e2e-1", "my-extension", "FAIL", "节点 700005966962 feeds the finance close"
    )
    assert local.verdict_for("e2e-2") == RecordedVerdict("e2e-2", "my-extension", "OK", None)


def test_extension_from_env_delivers_to_local_dataworks(local: LocalDataWorks) -> None:
    extension = Extension.from_env(
        _protect_finance(), environ={**local.env(), "DATAWORKS_EXTENSION_CODE": "ext"}
    )

    outcome = extension.handle(freeze_event(node_ids=[700005966962], message_id="env-1"))
    async_outcome = asyncio.run(
        extension.handle_async(freeze_event(node_ids=[2], message_id="env-2"))
    )

    assert isinstance(extension.callback, CallbackClient)
    assert outcome.delivered and async_outcome.delivered
    assert local.verdict_for("env-1") is not None
    assert local.verdict_for("env-1").result == "FAIL"  # type: ignore[union-attr]
    assert local.verdict_for("env-2") == RecordedVerdict("env-2", "ext", "OK", None)


def test_extension_reports_a_callback_error_when_dataworks_refuses(local: LocalDataWorks) -> None:
    extension = Extension("ext", callback=local.client(), registry=_protect_finance())
    local.inject("forbidden")

    outcome = extension.handle(freeze_event(message_id="e2e-403"))

    assert isinstance(outcome.error, CallbackError)
    assert (outcome.error.code, outcome.error.status) == ("Forbidden.Access", 403)
    assert outcome.disposition is Disposition.RETRY and not outcome.delivered
    assert local.verdicts == []


# ---------------------------------------------------------------------------- the other APIs
#
# The official SDK's own client methods, making real signed calls.


def _sdk(local: LocalDataWorks, secret: str | None = None) -> Any:
    from alibabacloud_dataworks_public20200518.client import Client
    from alibabacloud_tea_openapi.models import Config

    return Client(
        Config(
            access_key_id=local.access_key_id,
            access_key_secret=secret or local.access_key_secret,
            region_id=local.region_id,
            endpoint=f"127.0.0.1:{local.port}",
            protocol="http",
            read_timeout=5000,
            connect_timeout=5000,
        )
    )


def _models() -> Any:
    from alibabacloud_dataworks_public20200518 import models

    return models


@pytest.mark.parametrize("result", ["OK", "WARN", "FAIL"])
def test_update_ide_event_result_takes_ok_warn_and_fail(local: LocalDataWorks, result: str) -> None:
    response = _sdk(local).update_ideevent_result(
        _models().UpdateIDEEventResultRequest(
            message_id="ide-1", extension_code="ext", check_result=result,
            check_result_tip="文件包含 MAX_PT (line 3)",
        )
    )  # fmt: skip
    assert response.status_code == 200 and response.body.request_id
    assert local.verdicts == [
        RecordedVerdict("ide-1", "ext", result, "文件包含 MAX_PT (line 3)", "UpdateIDEEventResult")
    ]


@pytest.mark.parametrize("result", ["OK", "WARN", "FAIL"])
def test_callback_extension_takes_the_reason_in_check_message(
    local: LocalDataWorks, result: str
) -> None:
    response = _sdk(local).callback_extension(
        _models().CallbackExtensionRequest(
            message_id="cb-1", extension_code="ext", check_result=result,
            check_message="downloads are limited to 100,000 rows",
        )
    )  # fmt: skip
    assert response.body.success in (True, "true")
    assert local.verdict_for("cb-1") == RecordedVerdict(
        "cb-1", "ext", result, "downloads are limited to 100,000 rows", "CallbackExtension"
    )


def test_workbench_still_refuses_warn(local: LocalDataWorks) -> None:
    from alibabacloud_tea_openapi.exceptions import ClientException

    with pytest.raises(ClientException) as caught:
        _sdk(local).update_workbench_event_result(
            _models().UpdateWorkbenchEventResultRequest(
                message_id="wb-1", extension_code="ext", check_result="WARN"
            )
        )
    assert caught.value.code == "InvalidParameter"
    assert local.verdicts == []


@pytest.mark.parametrize("api", ["ide", "callback"])
def test_new_apis_check_their_parameters_and_signature(local: LocalDataWorks, api: str) -> None:
    from alibabacloud_tea_openapi.exceptions import ClientException

    models = _models()

    def call(client: Any, **fields: Any) -> Any:
        if api == "ide":
            return client.update_ideevent_result(models.UpdateIDEEventResultRequest(**fields))
        return client.callback_extension(models.CallbackExtensionRequest(**fields))

    good = {"message_id": "p-1", "extension_code": "ext", "check_result": "OK"}
    for missing, code in (
        ("message_id", "MissingMessageId"),
        ("check_result", "MissingCheckResult"),
    ):
        with pytest.raises(ClientException) as caught:
            call(_sdk(local), **{k: v for k, v in good.items() if k != missing})
        assert caught.value.code == code
    with pytest.raises(ClientException) as caught:
        call(_sdk(local), **{**good, "check_result": "MAYBE"})
    assert caught.value.code == "InvalidParameter"
    with pytest.raises(ClientException) as caught:
        call(_sdk(local, secret="wrong-secret"), **good)
    assert caught.value.code == "SignatureDoesNotMatch"
    assert local.verdicts == []


@pytest.mark.parametrize("api", ["ide", "callback", "detail"])
def test_faults_apply_to_every_api(local: LocalDataWorks, api: str) -> None:
    from alibabacloud_tea_openapi.exceptions import ClientException

    models = _models()
    local.seed_event_detail("f-1", {"CommittedFile": {"FileName": "x"}})
    local.inject("throttle")
    client = _sdk(local)

    def call() -> Any:
        if api == "ide":
            return client.update_ideevent_result(
                models.UpdateIDEEventResultRequest(
                    message_id="f-1", extension_code="ext", check_result="OK"
                )
            )
        if api == "callback":
            return client.callback_extension(
                models.CallbackExtensionRequest(
                    message_id="f-1", extension_code="ext", check_result="OK"
                )
            )
        return client.get_ideevent_detail(
            models.GetIDEEventDetailRequest(message_id="f-1", project_id=23393)
        )

    with pytest.raises(ClientException) as caught:
        call()
    assert caught.value.code == "Throttling.User" and local.verdicts == []
    call()  # the fault is spent: the next call is answered
    assert local.calls == 2
    assert len(local.verdicts) == (0 if api == "detail" else 1)


COMMITTED = {
    "CommittedFile": {
        "ChangeType": "UPDATE",
        "Comment": "partition pruning for the nightly load",
        "Committor": "1107550004253538",
        "Content": "INSERT OVERWRITE TABLE ods_orders_d PARTITION (ds='${bizdate}')\n"
        "SELECT * FROM src_orders WHERE ds = MAX_PT('src_orders');",
        "FileId": 501234,
        "FileName": "ods_orders_d",
        "FileType": 10,
        "NodeId": 700005966962,
        "UseType": "NORMAL",
        "FilePropertyContent": {
            "BusinessId": 300001,
            "CurrentVersion": 3,
            "DataSourceName": "odps_first",
            "FolderId": "2de7c6f6-2b1b-4f0b-a1f4-5b6a0e1d2c3b",
            "Owner": "1107550004253538",
            "ParentFileId": 0,
        },
        "NodeConfiguration": {
            "AutoRerunIntervalMillis": 120000,
            "AutoRerunTimes": 3,
            "CronExpress": "00 30 02 * * ?",
            "CycleType": "DAY",
            "DependentNodeIdList": "",
            "DependentType": "NONE",
            "ParaValue": "bizdate=$bizdate",
            "RerunMode": "ALL_ALLOWED",
            "ResourceGroupId": 8001,
            "SchedulerType": "NORMAL",
            "InputList": [{"Input": "sales_dw_root", "ParseType": "MANUAL"}],
            "OutputList": [{"Output": "sales_dw.ods_orders_d", "RefTableName": "ods_orders_d"}],
        },
    }
}


def test_get_ide_event_detail_answers_the_seeded_detail_in_the_sdk_model(
    local: LocalDataWorks,
) -> None:
    local.seed_event_detail("d-1", COMMITTED, project_id=23393)
    models = _models()
    response = _sdk(local).get_ideevent_detail(
        models.GetIDEEventDetailRequest(message_id="d-1", project_id=23393)
    )
    committed = response.body.event_detail.committed_file
    # The SDK's own model reads every field: the wire names are the official ones.
    assert committed.content.endswith("MAX_PT('src_orders');")
    assert committed.comment == "partition pruning for the nightly load"
    assert committed.file_property_content.current_version == 3
    configuration = committed.node_configuration
    assert configuration.cron_express == "00 30 02 * * ?"
    assert configuration.resource_group_id == 8001
    assert configuration.input_list[0].input == "sales_dw_root"
    assert configuration.output_list[0].ref_table_name == "ods_orders_d"
    assert response.body.request_id
    assert local.verdicts == []


def test_get_ide_event_detail_of_an_unknown_message_or_workspace_is_not_found(
    local: LocalDataWorks,
) -> None:
    from alibabacloud_tea_openapi.exceptions import ClientException

    models = _models()
    local.seed_event_detail("d-1", COMMITTED, project_id=23393)
    for message_id, project_id in (("d-2", 23393), ("d-1", 99999)):
        with pytest.raises(ClientException) as caught:
            _sdk(local).get_ideevent_detail(
                models.GetIDEEventDetailRequest(message_id=message_id, project_id=project_id)
            )
        assert caught.value.code == "Invalid.MessageId.NotFound"
        assert caught.value.status_code == 404
    local.reset()
    assert local.event_detail("d-1") is None


def test_on_verdict_sees_each_accepted_verdict_before_the_answer(
    caplog: pytest.LogCaptureFixture,
) -> None:
    from dataworks_ext import Verdict

    seen: list[RecordedVerdict] = []

    def watch(verdict: RecordedVerdict) -> None:
        seen.append(verdict)
        if verdict.message_id == "m-2":
            raise RuntimeError("a broken observer")

    with LocalDataWorks(on_verdict=watch) as local:
        client = local.client(max_attempts=1)
        client.deliver("m-1", "ext", Verdict.fail("frozen on Fridays"))
        assert [v.message_id for v in seen] == ["m-1"]  # before deliver() returned
        local.inject("error")
        with pytest.raises(CallbackError):
            client.deliver("m-x", "ext", Verdict.ok())  # a faulted call records nothing
        client.deliver("m-2", "ext", Verdict.ok())  # the observer raises: still accepted
        assert [v.message_id for v in local.verdicts] == ["m-1", "m-2"]
    assert [v.message_id for v in seen] == ["m-1", "m-2"]
    assert "on_verdict raised on the verdict for m-2" in caplog.text
