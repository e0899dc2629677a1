"""The message builders of dataworks_ext.testing: realistic defaults, every envelope, and
with_payload for messages an extension cannot read."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import pytest

from dataworks_ext import (
    BackfillEvent,
    BizPeriod,
    EnvelopeKind,
    EventMessage,
    FieldError,
    FreezeNodeEvent,
    RestoreNodeEvent,
    UnpublishNodeEvent,
    parse_message,
    parse_messages,
)
from dataworks_ext import testing as _testing
from dataworks_ext.events import EVENT_KINDS, kind_for_code
from dataworks_ext.testing import (
    DEFAULT_NODE_IDS,
    DEFAULT_OPERATOR,
    DEFAULT_PROJECT_ID,
    DEFAULT_TENANT_ID,
    REMOVE,
    RecordingCallback,
    as_envelope,
    backfill_event,
    batch,
    freeze_event,
    message_for,
    restore_event,
    unpublish_event,
    with_payload,
)
from dataworks_ext.testing.pytest_plugin import MakeExtension

NODE_BUILDERS: list[tuple[Callable[..., EventMessage], type[Any], str]] = [
    (freeze_event, FreezeNodeEvent, "dataworks:NodeChange:FreezeNode"),
    (restore_event, RestoreNodeEvent, "dataworks:NodeChange:UnFreezeNode"),
    (unpublish_event, UnpublishNodeEvent, "dataworks:NodeChange:UndeployNode"),
]


@pytest.mark.parametrize(("build", "cls", "event_type"), NODE_BUILDERS)
def test_node_builders_have_realistic_defaults(
    build: Callable[..., EventMessage], cls: type[Any], event_type: str
) -> None:
    message = build()
    event = message.event
    assert isinstance(event, cls)
    assert message.event_type == event_type
    assert message.envelope is EnvelopeKind.CLOUDEVENT
    assert (event.operator, event.project_id, event.tenant_id) == (
        DEFAULT_OPERATOR,
        DEFAULT_PROJECT_ID,
        DEFAULT_TENANT_ID,
    )
    assert event.node_ids == DEFAULT_NODE_IDS
    assert message.needs_answer
    assert message.source == "acs.dataworks"
    assert message.time is not None and message.time.endswith("Z")


@pytest.mark.parametrize(("build", "cls", "event_type"), NODE_BUILDERS)
def test_every_call_is_a_new_message(
    build: Callable[..., EventMessage], cls: type[Any], event_type: str
) -> None:
    first, second = build(), build()
    assert first.message_id != second.message_id
    assert first.extension_biz_id != second.extension_biz_id


@pytest.mark.parametrize("envelope", ["cloudevent", "function-compute"])
@pytest.mark.parametrize(("build", "cls", "event_type"), NODE_BUILDERS)
def test_node_builders_round_trip_in_every_envelope(
    build: Callable[..., EventMessage], cls: type[Any], event_type: str, envelope: str
) -> None:
    message = build(node_ids=[1, 2, 3], message_id="m-1", envelope=envelope, extra={"new": 1})
    assert parse_message(message.to_json()) == message
    assert message.event.extra == {"new": 1}


def test_backfill_builder_ends_yesterday_by_default() -> None:
    event = backfill_event(days=7).event
    assert isinstance(event, BackfillEvent)
    assert event.total_days == 7
    assert event.last_date == dt.date.today() - dt.timedelta(days=1)
    assert event.include_node_ids == (event.root_node_id,)
    assert not event.use_multiple_time_periods


def test_backfill_builder_with_several_periods() -> None:
    april, may = dt.date(2024, 4, 1), dt.date(2024, 5, 1)
    message = backfill_event(
        periods=[(april, april + dt.timedelta(days=2)), BizPeriod(begin=may, end=may)],
        include_node_ids=[5, 6],
        exclude_node_ids=[6],
        order="desc",
        envelope="function-compute",
    )
    event = message.event
    assert isinstance(event, BackfillEvent)
    assert event.total_days == 4
    assert event.use_multiple_time_periods
    assert event.node_ids == (DEFAULT_NODE_IDS[0], 5, 6)
    assert event.order.value == "desc"
    wire = message.to_dict()["messageBody"]
    assert json.loads(wire["multipleTimePeriods"]) == [
        {"bizBeginTime": "2024-04-01", "bizEndTime": "2024-04-03"},
        {"bizBeginTime": "2024-05-01", "bizEndTime": "2024-05-01"},
    ]
    assert parse_message(message.to_json()) == message


def test_backfill_builder_refuses_zero_days() -> None:
    with pytest.raises(ValueError, match="days must be at least 1"):
        backfill_event(days=0)


def test_message_for_stamps_the_given_time() -> None:
    event = freeze_event().event
    when = dt.datetime(2024, 4, 1, 8, 30, 15, 123456, tzinfo=dt.timezone.utc)
    assert isinstance(event, FreezeNodeEvent)
    message = message_for(event, message_id="m-1", time=when, region="cn-beijing")
    wire = message.to_dict()
    assert (wire["time"], wire["aliyunregionid"]) == ("2024-04-01T08:30:15.123Z", "cn-beijing")
    assert wire["subject"] == f"acs.dataworks:cn-beijing:{DEFAULT_OPERATOR}:{DEFAULT_PROJECT_ID}"


def test_as_envelope_keeps_the_id_and_the_event() -> None:
    message = unpublish_event(message_id="m-1")
    moved = as_envelope(message, "function-compute")
    assert moved.envelope is EnvelopeKind.FUNCTION_COMPUTE
    assert (moved.message_id, moved.event) == ("m-1", message.event)
    assert moved.to_dict()["eventType"] == "undeploy-node"


def test_batch_is_a_json_array_in_order() -> None:
    messages = [freeze_event(), backfill_event(), restore_event(envelope="function-compute")]
    body = batch(*messages)
    assert isinstance(body, bytes)
    assert parse_messages(body) == messages


# ---------------------------------------------------------------------------- with_payload


@pytest.mark.parametrize(
    ("envelope", "key"), [("cloudevent", "data"), ("function-compute", "messageBody")]
)
def test_with_payload_sets_and_removes_payload_fields(envelope: str, key: str) -> None:
    message = freeze_event(message_id="m-1", envelope=envelope)
    wire = with_payload(message, nodeIds="1,2", tenantId=REMOVE, brandNew=True)
    assert wire[key]["nodeIds"] == "1,2"
    assert "tenantId" not in wire[key]
    assert wire[key]["brandNew"] is True
    assert message.to_dict()[key]["nodeIds"] == list(DEFAULT_NODE_IDS)  # the message is intact
    with pytest.raises(FieldError) as caught:
        parse_message(with_payload(message, tenantId=REMOVE))
    assert (caught.value.message_id, caught.value.field) == ("m-1", f"{key}.tenantId")


def test_with_payload_without_changes_is_the_wire_form() -> None:
    message = backfill_event()
    assert with_payload(message) == message.to_dict()
    assert parse_message(with_payload(message, newField={"a": 1})).event.extra == {
        "newField": {"a": 1}
    }


def test_remove_is_one_named_value() -> None:
    assert repr(REMOVE) == "REMOVE"
    assert type(REMOVE)() is REMOVE


def test_an_extension_fails_a_message_built_broken(
    make_extension: MakeExtension, recording_callback: RecordingCallback
) -> None:
    broken = with_payload(restore_event(message_id="m-1"), projectId="workspace-7")
    outcome = make_extension().handle(json.dumps(broken))
    assert isinstance(outcome.error, FieldError)
    verdict = recording_callback.verdicts["m-1"]
    assert not verdict.passed
    assert verdict.tip is not None and "data.projectId" in verdict.tip


# ---------------------------------------------------------------- every extension point

NEW_BUILDERS = [
    "commit_file_event",
    "deploy_file_event",
    "run_file_event",
    "delete_file_event",
    "commit_table_event",
    "deploy_table_event",
    "pre_freeze_instance_event",
    "pre_unfreeze_instance_event",
    "pre_rerun_instance_event",
    "pre_set_instance_success_event",
    "pre_kill_instance_event",
]


@pytest.mark.parametrize("envelope", list(EnvelopeKind))
@pytest.mark.parametrize("name", NEW_BUILDERS)
def test_new_builders_make_realistic_messages_in_both_envelopes(
    name: str, envelope: EnvelopeKind
) -> None:
    message = getattr(_testing, name)(envelope=envelope, message_id="m-1")
    kind = message.kind
    assert kind is not None and kind.has_model and type(message.event) is kind.cls
    assert message.needs_answer
    assert message.event.operator == DEFAULT_OPERATOR
    assert message.event.project_id == DEFAULT_PROJECT_ID
    assert message.event.tenant_id == DEFAULT_TENANT_ID
    wire = message.to_dict()
    if envelope is EnvelopeKind.FUNCTION_COMPUTE:
        assert wire["eventType"] == kind.event_code
        assert wire["eventCategoryType"] == kind.module.value
    else:
        assert wire["type"] == kind.eventbridge_type
    assert parse_message(message.to_json()) == message
    assert parse_message(message.to_text()) == message
    assert as_envelope(message, "function-compute").event == message.event


def test_file_builders_fill_what_commits_and_deployments_carry() -> None:
    commit = _testing.commit_file_event().event
    run = _testing.run_file_event().event
    assert commit.file_version == 3 and commit.change_type is not None
    assert run.file_version is None and run.change_type is None
    assert commit.file_create_time == _testing.DEFAULT_FILE_CREATE_TIME
    assert commit.file_create_time.tzinfo is None
    wire = _testing.commit_file_event().to_dict()["data"]
    assert wire["fileCreateTime"] == "2024-03-18 10:42:07"
    assert _testing.deploy_file_event(file_version=9).event.file_version == 9


def test_extension_point_event_builder_fills_the_common_fields() -> None:
    message = _testing.extension_point_event("start-diJob", {"extensionBizName": "ods_sync"})
    event = message.event
    assert event.event_code == "start-diJob" and event.project_id == DEFAULT_PROJECT_ID
    assert event.payload["extensionBizName"] == "ods_sync"
    kind = kind_for_code("start-diJob")
    assert kind is not None and message.event_type == kind.eventbridge_type
    newer = _testing.extension_point_event("archive-project", envelope="function-compute")
    assert parse_message(newer.to_json()) == newer and newer.needs_answer


def test_batch_carries_every_extension_point() -> None:
    messages = [getattr(_testing, name)() for name in NEW_BUILDERS]
    messages += [
        _testing.extension_point_event(kind.event_code)
        for kind in EVENT_KINDS
        if kind.is_extension_point and not kind.has_model
    ]
    raw = batch(*messages)
    assert isinstance(raw, bytes)
    assert parse_messages(raw) == messages
    assert parse_messages(raw.decode()) == messages


def test_to_text_writes_to_a_text_file(tmp_path: Any) -> None:
    message = _testing.commit_file_event()
    path = tmp_path / "message.json"
    path.write_text(message.to_text(indent=2), encoding="utf-8")
    assert parse_message(path.read_text(encoding="utf-8")) == message
    assert message.to_text().encode() == message.to_json()
