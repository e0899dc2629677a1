"""CallbackClient(api_version="2024-05-18"): each call through the newest API version that has
it, signed by that version's official SDK and checked by LocalDataWorks."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from dataworks_ext import CallbackApi, CallbackClient, CallbackError, ConfigurationError, Verdict
from dataworks_ext.lookups import Lookups
from dataworks_ext.testing import LocalDataWorks

pytest.importorskip("alibabacloud_dataworks_public20240518")

V2020, V2024 = "2020-05-18", "2024-05-18"


@pytest.fixture
def local() -> Iterator[LocalDataWorks]:
    with LocalDataWorks() as server:
        yield server


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_each_action_goes_through_the_newest_version_that_has_it(
    local: LocalDataWorks, mode: str
) -> None:
    client = local.client(api_version=V2024)
    sends = [
        ("m-ide", Verdict.warn("MAX_PT on line 3"), CallbackApi.UPDATE_IDE_EVENT_RESULT),
        ("m-wb", Verdict.fail("node 7 is protected"), CallbackApi.UPDATE_WORKBENCH_EVENT_RESULT),
        ("m-cb", Verdict.ok("fine"), CallbackApi.CALLBACK_EXTENSION),
    ]
    for message_id, verdict, api in sends:
        if mode == "sync":
            client.deliver(message_id, "ext", verdict, api=api)
        else:
            asyncio.run(client.deliver_async(message_id, "ext", verdict, api=api))
    assert [(v.message_id, v.result, v.tip, v.api) for v in local.verdicts] == [
        ("m-ide", "WARN", "MAX_PT on line 3", "UpdateIDEEventResult"),
        ("m-wb", "FAIL", "node 7 is protected", "UpdateWorkbenchEventResult"),
        ("m-cb", "OK", "fine", "CallbackExtension"),
    ]
    assert local.calls_for("UpdateIDEEventResult", V2024) == 1
    assert local.calls_for("UpdateIDEEventResult", V2020) == 0
    assert local.calls_for("UpdateWorkbenchEventResult", V2020) == 1
    assert local.calls_for("CallbackExtension", V2020) == 1
    local.seed_event_detail("m-ide", {"CommittedFile": {"Content": "SELECT 1;"}}, project_id=7)
    lookups = Lookups(client)
    if mode == "sync":
        detail = lookups.event_detail("m-ide", 7)
    else:
        detail = asyncio.run(lookups.event_detail_async("m-ide", 7))
    assert detail.committed_file is not None and detail.committed_file.content == "SELECT 1;"
    assert local.calls_for("GetIDEEventDetail", V2024) == 1


def test_the_default_stays_on_2020_05_18(local: LocalDataWorks) -> None:
    client = local.client()
    assert client.api_version == V2020
    client.deliver("m-1", "ext", Verdict.ok(), api=CallbackApi.UPDATE_IDE_EVENT_RESULT)
    assert local.calls_for("UpdateIDEEventResult", V2020) == 1


def test_2024_calls_are_signed_and_checked(local: LocalDataWorks) -> None:
    client = local.client(api_version=V2024, access_key_secret="wrong", max_attempts=1)
    with pytest.raises(CallbackError) as caught:
        client.deliver("m-1", "ext", Verdict.ok(), api=CallbackApi.UPDATE_IDE_EVENT_RESULT)
    assert (caught.value.code, caught.value.status) == ("SignatureDoesNotMatch", 400)
    assert local.calls_for("UpdateIDEEventResult", V2024) == 1 and local.verdicts == []


def test_faults_and_retries_apply_on_the_2024_path(local: LocalDataWorks) -> None:
    local.inject("throttle", 2)
    local.client(api_version=V2024).deliver(
        "m-1", "ext", Verdict.ok(), api=CallbackApi.UPDATE_IDE_EVENT_RESULT
    )
    assert local.calls_for("UpdateIDEEventResult", V2024) == 3
    assert local.verdict_for("m-1") is not None


def test_local_dataworks_refuses_2024_for_an_action_that_version_lacks(
    local: LocalDataWorks,
) -> None:
    from alibabacloud_dataworks_public20240518 import models
    from alibabacloud_dataworks_public20240518.client import Client
    from alibabacloud_tea_openapi.exceptions import ClientException
    from alibabacloud_tea_openapi.utils_models import Config
    from darabonba.runtime import RuntimeOptions

    config = Config(
        access_key_id=local.access_key_id,
        access_key_secret=local.access_key_secret,
        endpoint=local.endpoint.removeprefix("http://"),
        protocol="http",
        region_id=local.region_id,
    )
    with pytest.raises(ClientException) as caught:  # GetNode of 2024 is not served here
        Client(config).get_node_with_options(models.GetNodeRequest(id=7), RuntimeOptions())
    assert caught.value.code == "InvalidVersion"


def test_an_unknown_api_version_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="api_version must be one of"):
        CallbackClient(region_id="cn-shanghai", api_version="2023-01-01")
