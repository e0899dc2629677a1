"""GetIDEEventDetail: typed, looked up once per message through the one client, sync and async."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from typing import Any

import pytest

from dataworks_ext import (
    CallbackClient,
    CommitFileEvent,
    ConfigurationError,
    EventMessage,
    Extension,
    FieldError,
    IdeEventDetail,
    Lookups,
    NodeLookupError,
    Registry,
    Verdict,
)
from dataworks_ext.testing import LocalDataWorks, commit_file_event, run_file_event

COMMITTED = {
    "CommittedFile": {
        "FileName": "ods_orders_d",
        "FileId": "100000123",
        "FileType": 10,
        "Content": "SELECT *\nFROM ods_orders\nWHERE ds = MAX_PT('ods_orders');",
        "Comment": "daily orders",
        "Committor": "1107550004253538",
        "ChangeType": "UPDATE",
        "NodeId": 700005966962,
        "UseType": "NORMAL",
        "NodeConfiguration": {
            "CronExpress": "00 00 02 * * ?",
            "CycleType": "DAY",
            "RerunMode": "ALL_ALLOWED",
            "SchedulerType": "NORMAL",
            "ResourceGroupId": 57,
            "ParaValue": "bizdate=$bizdate",
            "InputList": [{"Input": "p_root", "ParseType": "MANUAL"}],
            "OutputList": [{"Output": "p.ods_orders_d", "RefTableName": "ods_orders_d"}],
        },
        "FilePropertyContent": {"Owner": "1107550004253538", "CurrentVersion": 3},
    }
}


def test_the_wire_shape_reads_and_writes_back() -> None:
    detail = IdeEventDetail.from_wire(COMMITTED)
    committed = detail.committed_file
    assert committed is not None and committed.file_id == 100000123
    assert committed.node_configuration is not None
    assert committed.node_configuration.output_list[0].ref_table_name == "ods_orders_d"
    assert committed.file_properties is not None and committed.file_properties.current_version == 3
    assert detail.content == COMMITTED["CommittedFile"]["Content"]  # type: ignore[index]
    assert IdeEventDetail.from_wire(detail.to_wire()) == detail


def test_a_wrong_value_is_named_by_its_wire_path() -> None:
    with pytest.raises(FieldError) as raised:
        IdeEventDetail.from_wire({"CommittedFile": {"NodeConfiguration": {"ResourceGroupId": "x"}}})
    assert raised.value.field == "EventDetail.CommittedFile.NodeConfiguration.ResourceGroupId"


def test_looked_up_once_per_message_through_the_signed_sdk(local_dataworks: LocalDataWorks) -> None:
    message = commit_file_event(project_id=23393)
    local_dataworks.seed_event_detail(message.message_id, COMMITTED, project_id=23393)
    lookups = Lookups(local_dataworks.client())
    first = lookups.event_detail(message)
    assert lookups.event_detail(message.message_id, 23393) is first
    assert asyncio.run(lookups.event_detail_async(message)) is first
    assert local_dataworks.calls_for("GetIDEEventDetail") == 1
    other = commit_file_event(project_id=23393)
    local_dataworks.seed_event_detail(other.message_id, {"CommittedFile": {"Content": "x"}})
    assert asyncio.run(lookups.event_detail_async(other)).content == "x"
    assert local_dataworks.calls_for("GetIDEEventDetail") == 2


def test_a_detail_of_another_workspace_is_not_found(local_dataworks: LocalDataWorks) -> None:
    local_dataworks.seed_event_detail("m-1", COMMITTED, project_id=1)
    with pytest.raises(NodeLookupError) as raised:
        Lookups(local_dataworks.client()).event_detail("m-1", 23393)
    error = raised.value
    assert (error.kind, error.object_id, error.api, error.status) == (
        "event detail",
        "m-1",
        "GetIDEEventDetail",
        404,
    )
    assert error.tip.startswith("Event detail m-1 could not be looked up in DataWorks")


def test_throttling_is_retried(local_dataworks: LocalDataWorks) -> None:
    local_dataworks.seed_event_detail("m-2", COMMITTED)
    local_dataworks.inject("throttle", action="GetIDEEventDetail")
    client = local_dataworks.client()
    assert Lookups(client).event_detail("m-2", 23393).committed_file is not None
    assert local_dataworks.calls_for("GetIDEEventDetail") == 2


@pytest.mark.parametrize("bad", [(None, None), ("", 1), ("m-1", "23393"), ("m-1", True)])
def test_event_detail_needs_a_message_id_and_project(bad: tuple[Any, Any]) -> None:
    with pytest.raises(ConfigurationError):
        Lookups(CallbackClient(region_id="cn-shanghai")).event_detail(*bad)


@pytest.mark.parametrize("handle", ["sync", "async"])
def test_a_failed_lookup_is_a_check_error_answered_by_error_result(
    local_dataworks: LocalDataWorks, handle: str
) -> None:
    lookups = Lookups(local_dataworks.client())
    registry = Registry()

    if handle == "sync":

        @registry.on_commit_file(name="no-max-pt")
        def no_max_pt(event: CommitFileEvent, message: EventMessage) -> Verdict:
            content = lookups.event_detail(message).content or ""
            return Verdict.fail("MAX_PT") if "MAX_PT" in content else Verdict.ok()

    else:

        @registry.on_commit_file(name="no-max-pt")
        async def no_max_pt_async(event: CommitFileEvent, message: EventMessage) -> Verdict:
            content = (await lookups.event_detail_async(message)).content or ""
            return Verdict.fail("MAX_PT") if "MAX_PT" in content else Verdict.ok()

    ext = Extension("ext", callback=local_dataworks.client(), registry=registry)
    message = commit_file_event()
    outcome = ext.handle(message) if handle == "sync" else asyncio.run(ext.handle_async(message))
    assert isinstance(outcome.error, NodeLookupError)
    recorded = local_dataworks.verdict_for(message.message_id)
    assert recorded is not None
    assert (recorded.api, recorded.result) == ("UpdateIDEEventResult", "FAIL")
    assert recorded.tip is not None
    assert f"Event detail {message.message_id} could not be looked up" in recorded.tip


def test_a_run_carries_its_execution_command(local_dataworks: LocalDataWorks) -> None:
    message = run_file_event()
    local_dataworks.seed_event_detail(
        message.message_id, {"FileExecutionCommand": {"Content": "DROP TABLE t;", "FileId": 5}}
    )
    detail = Lookups(local_dataworks.client()).event_detail(message)
    assert detail.file_execution_command is not None
    assert (detail.content, detail.file_execution_command.file_id) == ("DROP TABLE t;", 5)


def test_import_dataworks_ext_does_not_import_the_sdk() -> None:
    code = (
        "import sys, dataworks_ext; print(any(m.startswith('alibabacloud') for m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
