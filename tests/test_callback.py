"""CallbackClient: real calls through the official SDK to LocalDataWorks on 127.0.0.1."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import subprocess
import sys
import textwrap
import threading
import traceback
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace
from typing import Any

import pytest

from dataworks_ext import (
    Callback,
    CallbackClient,
    CallbackError,
    ConfigurationError,
    Verdict,
)
from dataworks_ext.testing import LocalDataWorks, RecordedVerdict

SECRET = "s3cr3t-Local-Secret-value-9f2c"
TOKEN = "CAIS-sts-token-value-7b1e"
KEY_ID = "LTAI5tTestKeyIdForCallbacks"


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    """The SDK sends even loopback calls through HTTP(S)_PROXY (it ignores NO_PROXY)."""
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def local() -> Iterator[LocalDataWorks]:
    with LocalDataWorks(access_key_id=KEY_ID, access_key_secret=SECRET) as server:
        yield server


@pytest.fixture
def refused_endpoint() -> Iterator[str]:
    """An address bound but not listening: connecting to it is refused at once."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        sock.close()


def deliver_by(mode: str, client: CallbackClient, message_id: str) -> None:
    """Deliver an OK verdict on the sync or the async path."""
    if mode == "sync":
        client.deliver(message_id, "ext", Verdict.ok())
    else:
        asyncio.run(client.deliver_async(message_id, "ext", Verdict.ok()))


# ---------------------------------------------------------------------------- import cost


def test_import_dataworks_ext_does_not_import_the_sdk() -> None:
    code = textwrap.dedent(
        """
        import sys
        import dataworks_ext
        client = dataworks_ext.CallbackClient(region_id="cn-shanghai")
        repr(client)
        heavy = sorted(m for m in sys.modules
                       if m.startswith(("alibabacloud_", "darabonba", "Tea", "aiohttp")))
        print(",".join(heavy))
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == ""


# ---------------------------------------------------------------------------- delivering


@pytest.mark.parametrize(
    ("verdict", "result", "tip"),
    [
        (Verdict.ok(), "OK", None),
        (Verdict.ok("在限制之内 ✓"), "OK", "在限制之内 ✓"),
        (
            Verdict.fail("节点 700005966962 受保护; a+b=c & 100% — «frozen» 🧊"),
            "FAIL",
            "节点 700005966962 受保护; a+b=c & 100% — «frozen» 🧊",
        ),
    ],
)
def test_deliver_lands_the_verdict(
    local: LocalDataWorks, verdict: Verdict, result: str, tip: str | None
) -> None:
    local.client().deliver("m-1", "ext-code", verdict)

    assert local.verdicts == [RecordedVerdict("m-1", "ext-code", result, tip)]
    assert local.calls == 1


def test_deliver_async_lands_the_verdict(local: LocalDataWorks) -> None:
    client = local.client()
    asyncio.run(client.deliver_async("m-2", "ext", Verdict.fail("禁止冻结")))

    assert local.verdict_for("m-2") == RecordedVerdict("m-2", "ext", "FAIL", "禁止冻结")


def test_client_is_a_callback(local: LocalDataWorks) -> None:
    assert isinstance(local.client(), Callback)


def test_one_sdk_client_is_made_and_reused_across_threads(local: LocalDataWorks) -> None:
    client = local.client()
    start = threading.Barrier(8)

    def deliver(i: int) -> None:
        start.wait()
        client.deliver(f"t-{i}", "ext", Verdict.ok())

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(deliver, range(8)))
    sdk_client = client._client
    client.deliver("t-last", "ext", Verdict.ok())

    assert sdk_client is not None and client._client is sdk_client
    assert sorted(v.message_id for v in local.verdicts) == sorted(
        [f"t-{i}" for i in range(8)] + ["t-last"]
    )


def test_200_concurrent_async_deliveries_are_each_recorded_once(local: LocalDataWorks) -> None:
    client = local.client()
    ids = [f"c-{i}" for i in range(200)]

    async def main() -> None:
        await asyncio.gather(*(client.deliver_async(i, "ext", Verdict.ok(f"tip {i}")) for i in ids))

    asyncio.run(main())

    assert len(local.verdicts) == 200
    assert all(local.count_for(i) == 1 for i in ids)
    assert {v.message_id for v in local.verdicts} == set(ids)
    assert local.calls == 200


# ---------------------------------------------------------------------------- signing


def test_wrong_secret_is_rejected_and_not_retried(local: LocalDataWorks) -> None:
    client = local.client(access_key_secret="not-the-secret")

    with pytest.raises(CallbackError) as info:
        client.deliver("m-1", "ext", Verdict.ok())

    err = info.value
    assert (err.code, err.status, err.attempts, err.retryable) == (
        "SignatureDoesNotMatch",
        400,
        1,
        False,
    )
    assert err.request_id and err.message_id == "m-1"
    assert local.verdicts == [] and local.calls == 1


def test_unknown_access_key_id_is_rejected(local: LocalDataWorks) -> None:
    with pytest.raises(CallbackError) as info:
        local.client(access_key_id="LTAI5tSomebodyElse").deliver("m-1", "ext", Verdict.ok())

    assert (info.value.code, info.value.status) == ("InvalidAccessKeyId.NotFound", 404)
    assert not info.value.retryable
    assert local.verdicts == []


def test_sts_token_is_sent_and_checked() -> None:
    with LocalDataWorks(security_token=TOKEN) as local:
        local.client().deliver("m-1", "ext", Verdict.ok())
        with pytest.raises(CallbackError) as info:
            local.client(security_token="another-token").deliver("m-2", "ext", Verdict.ok())

        assert local.count_for("m-1") == 1
        assert info.value.code == "InvalidSecurityToken.Mismatch"
        assert local.count_for("m-2") == 0


def test_from_fc_context_uses_the_function_credentials() -> None:
    with LocalDataWorks(access_key_id="STS.NTfcTempKeyId", security_token=TOKEN) as local:
        context = SimpleNamespace(
            region="cn-hangzhou",
            credentials=SimpleNamespace(
                access_key_id=local.access_key_id,
                access_key_secret=local.access_key_secret,
                security_token=TOKEN,
            ),
        )
        client = CallbackClient.from_fc_context(context, endpoint=local.endpoint)
        client.deliver("fc-1", "ext", Verdict.fail("no"))

        assert client.region_id == "cn-hangzhou"
        assert CallbackClient.from_fc_context(context, region_id="cn-beijing").region_id == (
            "cn-beijing"
        )
        assert local.verdict_for("fc-1") == RecordedVerdict("fc-1", "ext", "FAIL", "no")


def test_from_fc_context_without_credentials_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="credentials"):
        CallbackClient.from_fc_context(SimpleNamespace(region="cn-shanghai", credentials=None))


def test_credential_client_can_be_given(local: LocalDataWorks) -> None:
    from alibabacloud_credentials.client import Client as CredentialClient
    from alibabacloud_credentials.models import Config

    credential = CredentialClient(
        Config(type="access_key", access_key_id=KEY_ID, access_key_secret=SECRET)
    )
    client = CallbackClient(region_id="cn-shanghai", endpoint=local.endpoint, credential=credential)
    client.deliver("cred-1", "ext", Verdict.ok())

    assert local.count_for("cred-1") == 1
    assert "credential=" in repr(client)


def test_default_credential_chain_reads_the_environment(local: LocalDataWorks) -> None:
    code = textwrap.dedent(
        f"""
        from dataworks_ext import CallbackClient, Verdict
        client = CallbackClient(region_id="cn-shanghai", endpoint={local.endpoint!r})
        print(repr(client))
        client.deliver("chain-1", "ext", Verdict.ok())
        """
    )
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("ALIBABA_CLOUD_", "ALICLOUD_"))
    }
    env.update(
        ALIBABA_CLOUD_ACCESS_KEY_ID=KEY_ID,
        ALIBABA_CLOUD_ACCESS_KEY_SECRET=SECRET,
        ALIBABA_CLOUD_ECS_METADATA_DISABLED="true",
        ALIBABA_CLOUD_CREDENTIALS_FILE=os.devnull,
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60
    )

    assert result.returncode == 0, result.stderr[-2000:]
    assert "default chain" in result.stdout
    assert local.count_for("chain-1") == 1


# ---------------------------------------------------------------------------- retries


@pytest.mark.parametrize(("fault", "code", "status"), [
    ("throttle", "Throttling.User", 429),
    ("error", "InternalError.System", 500),
])  # fmt: skip
def test_throttling_and_server_errors_are_retried_then_pass(
    local: LocalDataWorks, fault: str, code: str, status: int
) -> None:
    local.inject(fault, times=2)

    local.client(max_attempts=3).deliver("m-1", "ext", Verdict.ok())

    assert local.calls == 3
    assert local.count_for("m-1") == 1


@pytest.mark.parametrize(("fault", "code", "status"), [
    ("throttle", "Throttling.User", 429),
    ("error", "InternalError.System", 500),
])  # fmt: skip
def test_retries_stop_at_max_attempts(
    local: LocalDataWorks, fault: str, code: str, status: int
) -> None:
    local.inject(fault, times=10)

    with pytest.raises(CallbackError) as info:
        local.client(max_attempts=3).deliver("m-1", "ext", Verdict.ok())

    err = info.value
    assert (err.code, err.status, err.attempts, err.retryable) == (code, status, 3, True)
    assert err.request_id
    assert "after 3 attempts" in str(err)
    assert local.calls == 3
    assert local.verdicts == []


@pytest.mark.parametrize("fault", ["throttle", "error"])
def test_async_retries_stop_at_max_attempts(local: LocalDataWorks, fault: str) -> None:
    local.inject(fault, times=10)
    client = local.client(max_attempts=4)

    with pytest.raises(CallbackError) as info:
        asyncio.run(client.deliver_async("m-1", "ext", Verdict.ok()))

    assert info.value.attempts == 4 and info.value.retryable
    assert local.calls == 4


@pytest.mark.parametrize(("fault", "code", "status"), [
    ("bad-request", "InvalidParameter", 400),
    ("forbidden", "Forbidden.Access", 403),
])  # fmt: skip
def test_parameter_and_permission_errors_are_not_retried(
    local: LocalDataWorks, fault: str, code: str, status: int
) -> None:
    local.inject(fault, times=5)

    with pytest.raises(CallbackError) as info:
        local.client(max_attempts=5).deliver("m-1", "ext", Verdict.ok())
    with pytest.raises(CallbackError) as async_info:
        asyncio.run(local.client(max_attempts=5).deliver_async("m-2", "ext", Verdict.ok()))

    for err in (info.value, async_info.value):
        assert (err.code, err.status, err.attempts, err.retryable) == (code, status, 1, False)
    assert local.calls == 2


def test_success_false_is_a_failure(local: LocalDataWorks) -> None:
    local.inject("unsuccessful", times=3)

    with pytest.raises(CallbackError) as info:
        local.client().deliver("m-1", "ext", Verdict.ok())

    err = info.value
    assert (err.code, err.status, err.attempts, err.retryable) == ("Unsuccessful", 200, 1, False)
    assert err.request_id
    assert local.verdicts == []


def test_a_read_timeout_is_retried(local: LocalDataWorks) -> None:
    local.inject("slow", delay=3.0)

    local.client(read_timeout=0.2, max_attempts=2).deliver("m-1", "ext", Verdict.ok())

    assert local.calls == 2 and local.count_for("m-1") == 1


def test_a_read_timeout_on_the_last_attempt_is_reported(local: LocalDataWorks) -> None:
    local.inject("slow", delay=3.0)

    with pytest.raises(CallbackError) as info:
        local.client(read_timeout=0.2, max_attempts=1).deliver("m-1", "ext", Verdict.ok())

    assert (info.value.code, info.value.status, info.value.retryable) == ("ReadTimeout", None, True)


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_the_total_deadline_is_respected(local: LocalDataWorks, mode: str) -> None:
    local.inject("slow", times=10, delay=5.0)
    client = local.client(deadline=0.4, read_timeout=10.0, max_attempts=10)

    with pytest.raises(CallbackError) as info:
        deliver_by(mode, client, "m-1")

    err = info.value
    assert err.code == "DeadlineExceeded" and err.retryable and err.status is None
    assert err.attempts < 10
    assert "0.4s delivery deadline" in str(err)
    assert local.verdicts == []


def test_backoff_waits_stop_at_the_deadline(local: LocalDataWorks) -> None:
    local.inject("throttle", times=50)
    client = local.client(max_attempts=10, backoff_base=100.0, backoff_cap=100.0, deadline=1.0)

    with pytest.raises(CallbackError) as info:
        client.deliver("m-1", "ext", Verdict.ok())

    assert info.value.code == "Throttling.User"
    assert info.value.attempts < 10
    assert "deadline left no time to retry" in str(info.value)


def test_backoff_is_exponential_with_full_jitter(local: LocalDataWorks) -> None:
    local.inject("error", times=6)
    waits: list[float] = []
    client = local.client(max_attempts=6, backoff_base=0.002, backoff_cap=0.01, sleep=waits.append)

    with pytest.raises(CallbackError):
        client.deliver("m-1", "ext", Verdict.ok())

    assert len(waits) == 5
    for n, wait in enumerate(waits):
        assert 0.0 <= wait <= min(0.01, 0.002 * 2**n)


def test_async_backoff_uses_the_async_sleep(local: LocalDataWorks) -> None:
    local.inject("throttle", times=2)
    waits: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        waits.append(seconds)

    client = local.client(max_attempts=3, backoff_base=0.5, async_sleep=fake_sleep)
    asyncio.run(client.deliver_async("m-1", "ext", Verdict.ok()))

    assert len(waits) == 2 and waits[0] <= 0.5 and waits[1] <= 1.0
    assert local.count_for("m-1") == 1


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_connection_refused_is_retryable(refused_endpoint: str, mode: str) -> None:
    client = CallbackClient(
        region_id="cn-shanghai",
        endpoint=refused_endpoint,
        access_key_id=KEY_ID,
        access_key_secret=SECRET,
        max_attempts=3,
        backoff_base=0.001,
        backoff_cap=0.005,
    )

    with pytest.raises(CallbackError) as info:
        deliver_by(mode, client, "m-1")

    err = info.value
    assert err.code == "ConnectionError"
    assert err.retryable and err.status is None and err.attempts == 3
    assert refused_endpoint in str(err)


# ---------------------------------------------------------------------------- secrets


def _texts(exc: BaseException) -> str:
    return "\n".join([str(exc), repr(exc), *traceback.format_exception(exc)])


def test_secrets_never_appear_in_logs_reprs_or_errors(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    with LocalDataWorks(
        access_key_id=KEY_ID, access_key_secret=SECRET, security_token=TOKEN
    ) as local:
        client = local.client(max_attempts=2)
        local.inject("throttle", times=2)
        with pytest.raises(CallbackError) as throttled:
            client.deliver("m-1", "ext", Verdict.ok())
        with pytest.raises(CallbackError) as refused:
            local.client(access_key_secret="wrong-" + SECRET).deliver("m-2", "ext", Verdict.ok())
        client.deliver("m-3", "ext", Verdict.fail("no"))
        asyncio.run(client.deliver_async("m-4", "ext", Verdict.ok()))

    assert local.count_for("m-3") == 1 and local.count_for("m-4") == 1
    assert caplog.records, "nothing was logged at DEBUG"
    assert any(r.name.startswith("dataworks_ext") for r in caplog.records)
    texts = [
        caplog.text,
        *(str(record.__dict__) for record in caplog.records),
        repr(client),
        str(client),
        _texts(throttled.value),
        _texts(refused.value),
    ]
    for text in texts:
        assert SECRET not in text
        assert TOKEN not in text
    assert KEY_ID not in repr(client)
    assert "LTAI" in repr(client)


# ---------------------------------------------------------------------------- configuration


def test_default_endpoint_and_protocol() -> None:
    client = CallbackClient(region_id="cn-hangzhou")

    assert (client.protocol, client.endpoint) == ("https", "dataworks.cn-hangzhou.aliyuncs.com")
    assert client.url == "https://dataworks.cn-hangzhou.aliyuncs.com"
    assert client.max_attempts >= 3
    assert "default chain" in repr(client)


@pytest.mark.parametrize(
    ("endpoint", "protocol", "expected"),
    [
        ("http://127.0.0.1:8080", "https", ("http", "127.0.0.1:8080")),
        ("https://dataworks-vpc.cn-shanghai.aliyuncs.com/", "http", (
            "https", "dataworks-vpc.cn-shanghai.aliyuncs.com")),
        ("localhost:9000", "http", ("http", "localhost:9000")),
        ("dataworks.cn-beijing.aliyuncs.com", "https", (
            "https", "dataworks.cn-beijing.aliyuncs.com")),
    ],
)  # fmt: skip
def test_endpoint_forms(endpoint: str, protocol: str, expected: tuple[str, str]) -> None:
    client = CallbackClient(region_id="cn-shanghai", endpoint=endpoint, protocol=protocol)

    assert (client.protocol, client.endpoint) == expected


@pytest.mark.parametrize(
    "kwargs",
    [
        {"region_id": ""},
        {"region_id": "cn-shanghai", "endpoint": "ftp://example.com"},
        {"region_id": "cn-shanghai", "endpoint": "http://host/some/path"},
        {"region_id": "cn-shanghai", "protocol": "gopher"},
        {"region_id": "cn-shanghai", "access_key_id": "LTAI5tOnlyTheId"},
        {"region_id": "cn-shanghai", "security_token": "t"},
        {"region_id": "cn-shanghai", "max_attempts": 0},
        {"region_id": "cn-shanghai", "deadline": 0},
        {"region_id": "cn-shanghai", "read_timeout": -1},
        {
            "region_id": "cn-shanghai",
            "access_key_id": "a",
            "access_key_secret": "b",
            "credential": object(),
        },
    ],
)
def test_invalid_settings_are_configuration_errors(kwargs: dict[str, object]) -> None:
    with pytest.raises(ConfigurationError):
        CallbackClient(**kwargs)  # type: ignore[arg-type]


def test_from_env_reads_the_documented_variables() -> None:
    client = CallbackClient.from_env(
        environ={
            "DATAWORKS_REGION_ID": "cn-beijing",
            "DATAWORKS_ENDPOINT": "http://127.0.0.1:9999",
            "ALIBABA_CLOUD_ACCESS_KEY_ID": KEY_ID,
            "ALIBABA_CLOUD_ACCESS_KEY_SECRET": SECRET,
            "ALIBABA_CLOUD_SECURITY_TOKEN": TOKEN,
        },
        max_attempts=7,
    )

    assert (client.region_id, client.url, client.max_attempts) == (
        "cn-beijing",
        "http://127.0.0.1:9999",
        7,
    )
    assert SECRET not in repr(client) and TOKEN not in repr(client)


def test_from_env_defaults() -> None:
    client = CallbackClient.from_env(environ={})

    assert client.region_id == "cn-shanghai"
    assert client.url == "https://dataworks.cn-shanghai.aliyuncs.com"
    assert "default chain" in repr(client)


def test_from_env_with_half_a_key_pair_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="ALIBABA_CLOUD_ACCESS_KEY_SECRET"):
        CallbackClient.from_env(environ={"ALIBABA_CLOUD_ACCESS_KEY_ID": KEY_ID})


def test_from_env_delivers_to_local_dataworks(local: LocalDataWorks) -> None:
    CallbackClient.from_env(environ=local.env()).deliver("env-1", "ext", Verdict.ok())

    assert local.count_for("env-1") == 1


# ---------------------------------------------------------------------------- the generic call path


def _workbench_fields(message_id: str) -> dict[str, object]:
    return {
        "message_id": message_id,
        "extension_code": "ext",
        "check_result": "OK",
        "check_result_tip": None,
    }


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_an_sdk_call_by_name_is_retried_by_the_policy_it_is_given(
    local: LocalDataWorks, mode: str
) -> None:
    from dataworks_ext._retry import RetryPolicy

    client = local.client(max_attempts=5, backoff_base=0.001, backoff_cap=0.002)
    name = ("update_workbench_event_result", "UpdateWorkbenchEventResultRequest")

    def call(message_id: str, **options: object) -> object:
        fields = _workbench_fields(message_id)
        if mode == "sync":
            return client.call(*name, fields, message_id=message_id, **options)  # type: ignore[arg-type]
        return asyncio.run(client.call_async(*name, fields, message_id=message_id, **options))  # type: ignore[arg-type]

    local.inject("throttle", times=1)
    with pytest.raises(CallbackError) as info:
        call("m-1", retry=RetryPolicy(max_attempts=1))
    assert (info.value.code, info.value.attempts) == ("Throttling.User", 1)

    local.inject("throttle", times=2)  # the client's own policy: five attempts
    body: Any = call("m-2")
    assert body.success is True and body.request_id
    assert local.count_for("m-2") == 1


def test_an_sdk_call_the_sdk_does_not_have_is_a_setup_error(local: LocalDataWorks) -> None:
    with pytest.raises(CallbackError) as info:
        local.client().call("no_such_api", "UpdateWorkbenchEventResultRequest", {})
    assert (info.value.code, info.value.attempts) == ("ClientSetupError", 0)
    assert local.calls == 0
