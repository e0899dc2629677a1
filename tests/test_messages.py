"""Parsing every event in every envelope, and every class of bad input."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from dataworks_ext import (
    BackfillEvent,
    BackfillOrder,
    BizPeriod,
    ChangeType,
    CommitFileEvent,
    DeployTableEvent,
    EnvelopeError,
    EnvelopeKind,
    ExtensionPointEvent,
    FieldError,
    FreezeNodeEvent,
    MessageDecodeError,
    MessageError,
    PreRerunInstanceEvent,
    RestoreNodeEvent,
    UnknownEvent,
    UnpublishNodeEvent,
    parse_message,
    parse_messages,
)
from dataworks_ext.events import (
    EVENT_KINDS,
    CallbackApi,
    Module,
    kind_for_code,
    kind_for_event,
    kind_for_type,
)

SAMPLES = Path(__file__).parent / "samples"


def sample(name: str) -> dict[str, Any]:
    return json.loads((SAMPLES / name).read_text())  # type: ignore[no-any-return]


def sample_bytes(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


# ---------------------------------------------------------------- each event, each envelope


def test_freeze_cloudevent_without_event_code_takes_the_kind_from_type() -> None:
    message = parse_message(sample_bytes("freeze_cloudevent.json"))
    assert message.envelope is EnvelopeKind.CLOUDEVENT
    assert message.message_id == "45ef4dea-7c35-447a-bd93-fab3b1d2c4e5"
    assert message.event == FreezeNodeEvent(
        operator="1107550004253538",
        project_id=23393,
        tenant_id=28378142127872,
        node_ids=(700005966962, 700005966963),
        extension_biz_id="bd1f0bf8-8a4d-4d6c-9d0b-0f6c1f1e2a11",
    )
    assert message.extension_biz_id == "bd1f0bf8-8a4d-4d6c-9d0b-0f6c1f1e2a11"
    assert message.event_type == "dataworks:NodeChange:FreezeNode"
    assert message.source == "acs.dataworks"
    assert message.region == "cn-shanghai"
    assert message.account == "1107550004253538"
    assert message.time == "2024-07-10T15:25:34.897Z"
    assert message.subject == "acs.dataworks:cn-shanghai:1107550004253538:23393"
    assert message.attributes["aliyuneventbusname"] == "default"
    assert message.payload["nodeIds"] == [700005966962, 700005966963]
    assert message.needs_answer


def test_restore_cloudevent_with_string_ids() -> None:
    message = parse_message(sample_bytes("unfreeze_cloudevent.json"))
    event = message.event
    assert isinstance(event, RestoreNodeEvent)
    assert event.project_id == 23393
    assert event.tenant_id == 28378142127872
    assert event.node_ids == (700005966962,)
    assert event.block_business is True


def test_unpublish_cloudevent_keeps_unknown_fields() -> None:
    message = parse_message(sample_bytes("undeploy_cloudevent.json"))
    event = message.event
    assert isinstance(event, UnpublishNodeEvent)
    assert event.operator == "207947397706614299"
    assert event.extra == {"nodeOwner": "207947397706614299"}
    assert message.region == "cn-hangzhou"
    assert message.to_dict()["data"]["nodeOwner"] == "207947397706614299"


def test_backfill_cloudevent_parses_periods_from_the_json_string() -> None:
    event = parse_message(sample_bytes("backfill_cloudevent.json")).event
    assert isinstance(event, BackfillEvent)
    assert event.periods == (
        BizPeriod(begin=dt.date(2024, 4, 1), end=dt.date(2024, 4, 7)),
        BizPeriod(begin=dt.date(2024, 4, 15), end=dt.date(2024, 4, 17)),
    )
    assert event.total_days == 10
    assert event.first_date == dt.date(2024, 4, 1)
    assert event.last_date == dt.date(2024, 4, 17)
    assert event.order is BackfillOrder.DESC
    assert event.is_parallel and event.parallel_group == 2
    assert event.include_node_ids == (700005966962, 700005966970, 700005966971)
    assert event.exclude_node_ids == (700005966971,)
    assert event.node_ids == (700005966962, 700005966970, 700005966971)
    assert event.use_multiple_time_periods
    assert event.name == "P_backfill_ods_orders_20240417"


def test_function_compute_envelope_takes_kind_and_check_id_from_the_envelope() -> None:
    message = parse_message(sample_bytes("freeze_function_compute.json"))
    assert message.envelope is EnvelopeKind.FUNCTION_COMPUTE
    assert message.message_id == "f1e2d3c4-b5a6-4978-8a9b-0c1d2e3f4a5b"
    assert isinstance(message.event, FreezeNodeEvent)
    assert message.event.extension_biz_id is None  # the payload has none ...
    assert message.extension_biz_id == "3b9a0c7d-2e4f-4a61-b8c9-d0e1f2a3b4c5"  # the envelope has
    assert message.event_type == "freeze-node"
    assert message.attributes == {"blockBusiness": True, "eventCategoryType": "operation-center"}
    assert message.needs_answer


def test_function_compute_backfill() -> None:
    message = parse_message(sample("backfill_function_compute.json"))
    assert isinstance(message.event, BackfillEvent)
    assert message.event.total_days == 31


def test_unknown_event_is_not_an_error_and_needs_no_answer() -> None:
    message = parse_message(sample_bytes("instance_status_cloudevent.json"))
    assert isinstance(message.event, UnknownEvent)
    assert message.event.event_code == "instance-status-changes"
    assert message.event.payload["status"] == "SUCCESS"
    assert not message.needs_answer


def test_unknown_type_without_event_code_uses_the_type() -> None:
    message = parse_message({"id": "m-1", "type": "dataworks:Other:Thing", "data": {}})
    assert message.event == UnknownEvent(event_code="dataworks:Other:Thing", payload={})


def test_event_code_wins_over_the_envelope_type() -> None:
    raw = sample("freeze_cloudevent.json")
    raw["data"]["eventCode"] = "undeploy-node"
    assert isinstance(parse_message(raw).event, UnpublishNodeEvent)


def test_type_lookup_ignores_case() -> None:
    raw = sample("freeze_cloudevent.json")
    raw["type"] = "dataworks:nodechange:unfreezenode"
    assert isinstance(parse_message(raw).event, RestoreNodeEvent)


def test_message_without_check_id_needs_no_answer() -> None:
    raw = sample("freeze_cloudevent.json")
    del raw["data"]["extensionBizId"]
    message = parse_message(raw)
    assert isinstance(message.event, FreezeNodeEvent)
    assert not message.needs_answer


@pytest.mark.parametrize(
    "raw",
    [
        sample_bytes("freeze_cloudevent.json"),
        sample_bytes("freeze_cloudevent.json").decode(),
        sample("freeze_cloudevent.json"),
        bytearray(sample_bytes("freeze_cloudevent.json")),
        memoryview(sample_bytes("freeze_cloudevent.json")),
        b"\xef\xbb\xbf" + sample_bytes("freeze_cloudevent.json"),
    ],
    ids=["bytes", "str", "mapping", "bytearray", "memoryview", "utf8-bom"],
)
def test_every_raw_form_is_accepted(raw: Any) -> None:
    assert parse_message(raw).message_id == "45ef4dea-7c35-447a-bd93-fab3b1d2c4e5"


def test_payload_delivered_as_a_json_string_is_accepted() -> None:
    raw = sample("freeze_cloudevent.json")
    raw["data"] = json.dumps(raw["data"])
    assert isinstance(parse_message(raw).event, FreezeNodeEvent)


def test_numeric_message_id_is_read_as_text() -> None:
    raw = sample("freeze_cloudevent.json")
    raw["id"] = 1234567890123
    assert parse_message(raw).message_id == "1234567890123"


def test_boolean_words_are_accepted_but_not_other_strings() -> None:
    raw = sample("unfreeze_cloudevent.json")
    raw["data"]["blockBusiness"] = "false"
    assert parse_message(raw).event.block_business is False  # type: ignore[union-attr]
    raw["data"]["blockBusiness"] = "no"
    with pytest.raises(FieldError, match="blockBusiness"):
        parse_message(raw)


def test_period_dates_with_a_time_part_are_read_as_dates() -> None:
    raw = sample("backfill_cloudevent.json")
    raw["data"]["multipleTimePeriods"] = json.dumps(
        [{"bizBeginTime": "2024-04-01 00:00:00", "bizEndTime": "2024-04-02T00:00:00"}]
    )
    event = parse_message(raw).event
    assert isinstance(event, BackfillEvent)
    assert event.periods == (BizPeriod(begin=dt.date(2024, 4, 1), end=dt.date(2024, 4, 2)),)


def test_periods_already_decoded_are_accepted() -> None:
    raw = sample("backfill_cloudevent.json")
    raw["data"]["multipleTimePeriods"] = [
        {"bizBeginTime": "2024-04-01", "bizEndTime": "2024-04-01"}
    ]
    assert parse_message(raw).event.total_days == 1  # type: ignore[union-attr]


def test_massive_backfill_with_thousands_of_nodes() -> None:
    raw = sample("backfill_cloudevent.json")
    raw["data"]["includeNodeIds"] = list(range(700000000000, 700000020000))
    event = parse_message(json.dumps(raw)).event
    assert isinstance(event, BackfillEvent)
    assert len(event.include_node_ids) == 20000
    assert event.include_node_ids[-1] == 700000019999


# ---------------------------------------------------------------- batches


def test_batch_of_mixed_messages() -> None:
    messages = parse_messages(sample_bytes("batch.json"))
    assert [m.event_code for m in messages] == [
        "freeze-node",
        "backfill-data",
        "instance-status-changes",
    ]


def test_parse_messages_accepts_a_single_message() -> None:
    assert len(parse_messages(sample_bytes("freeze_cloudevent.json"))) == 1


def test_empty_batch_is_empty() -> None:
    assert parse_messages(b"[]") == []


def test_bad_message_in_a_batch_is_named_by_index() -> None:
    batch = sample("batch.json")
    batch[1]["data"]["rootNodeId"] = "root"
    with pytest.raises(FieldError) as info:
        parse_messages(batch)
    assert info.value.field == "[1].data.rootNodeId"
    assert info.value.message_id == "e6a1b2c3-d4e5-4f60-8a7b-9c0d1e2f3a4b"


def test_parse_message_refuses_a_batch_with_a_pointer_to_parse_messages() -> None:
    with pytest.raises(EnvelopeError, match="parse_messages"):
        parse_message(sample_bytes("batch.json"))


# ---------------------------------------------------------------- the event table


def test_event_table_maps_both_ways() -> None:
    for kind in EVENT_KINDS:
        assert kind_for_code(kind.event_code) is kind
        assert kind_for_type(kind.eventbridge_type) is kind
        if kind.has_model:
            assert kind.cls.event_code == kind.event_code
            assert kind.cls.extension_point is kind.extension_point
        # an extension point is answered through an API; a regular event through none
        assert (kind.api is None) is (not kind.is_extension_point)
    assert kind_for_code("instance-status-changes").cls is UnknownEvent  # type: ignore[union-attr]
    assert kind_for_code("no-such-code") is None
    assert kind_for_type("dataworks:Other:Thing") is None
    codes = [kind.event_code for kind in EVENT_KINDS]
    assert len(codes) == len(set(codes))


# ---------------------------------------------------------------- bad input


def _freeze_with(**data: Any) -> dict[str, Any]:
    raw = sample("freeze_cloudevent.json")
    raw["data"].update(data)
    return raw


def _backfill_with(**data: Any) -> dict[str, Any]:
    raw = sample("backfill_cloudevent.json")
    raw["data"].update(data)
    return raw


BAD: list[tuple[str, Any, type[MessageError], str | None, str | None]] = [
    # (case, raw, error class, field, message id)
    ("empty bytes", b"", MessageDecodeError, None, None),
    ("whitespace", "  \n ", MessageDecodeError, None, None),
    ("invalid utf-8", b'{"id": "\xff\xfe"}', MessageDecodeError, None, None),
    ("broken json", b'{"id": "m-1", ', MessageDecodeError, None, None),
    ("nested 100000 deep", "[" * 100_000 + "]" * 100_000, MessageDecodeError, None, None),
    ("nested objects", '{"a":' * 100_000 + "1" + "}" * 100_000, MessageDecodeError, None, None),
    ("a number", b"42", EnvelopeError, None, None),
    ("a string", b'"hello"', EnvelopeError, None, None),
    ("null", b"null", EnvelopeError, None, None),
    ("no envelope", {"foo": 1}, EnvelopeError, None, None),
    ("no id", {"type": "x", "data": {}}, EnvelopeError, "id", None),
    ("empty id", {"id": " ", "data": {}}, EnvelopeError, "id", None),
    ("id an object", {"id": {"a": 1}, "data": {}}, EnvelopeError, "id", None),
    ("fc id a list", {"messageId": [1], "messageBody": {}}, EnvelopeError, "messageId", None),
    ("data a string", {"id": "m-1", "data": "x"}, FieldError, "data", "m-1"),
    ("data a number", {"id": "m-1", "data": 7}, FieldError, "data", "m-1"),
    ("data missing", {"id": "m-1", "type": "t"}, FieldError, "data", "m-1"),
    ("type a number", {"id": "m-1", "type": 5, "data": {}}, FieldError, "type", "m-1"),
    ("event code a list", {"id": "m-1", "data": {"eventCode": []}}, FieldError, None, "m-1"),
]
FREEZE_ID = "45ef4dea-7c35-447a-bd93-fab3b1d2c4e5"
BACKFILL_ID = "e6a1b2c3-d4e5-4f60-8a7b-9c0d1e2f3a4b"
BAD += [
    ("nodeIds as CSV", _freeze_with(nodeIds="1,2"), FieldError, "data.nodeIds", FREEZE_ID),
    ("nodeIds an object", _freeze_with(nodeIds={"a": 1}), FieldError, "data.nodeIds", FREEZE_ID),
    (
        "node id a float",
        _freeze_with(nodeIds=[1, 2.5]),
        FieldError,
        "data.nodeIds[1]",
        FREEZE_ID,
    ),
    ("node id a bool", _freeze_with(nodeIds=[True]), FieldError, "data.nodeIds[0]", FREEZE_ID),
    ("projectId text", _freeze_with(projectId="abc"), FieldError, "data.projectId", FREEZE_ID),
    ("projectId null", _freeze_with(projectId=None), FieldError, "data.projectId", FREEZE_ID),
    ("operator a list", _freeze_with(operator=[1]), FieldError, "data.operator", FREEZE_ID),
    (
        "operator missing",
        {**sample("freeze_cloudevent.json"), "data": {"projectId": 1}},
        FieldError,
        "data.operator",
        FREEZE_ID,
    ),
    (
        "periods broken json",
        _backfill_with(multipleTimePeriods="[{"),
        FieldError,
        "data.multipleTimePeriods",
        BACKFILL_ID,
    ),
    (
        "periods not a list",
        _backfill_with(multipleTimePeriods='{"a": 1}'),
        FieldError,
        "data.multipleTimePeriods",
        BACKFILL_ID,
    ),
    (
        "period not an object",
        _backfill_with(multipleTimePeriods="[1]"),
        FieldError,
        "data.multipleTimePeriods[0]",
        BACKFILL_ID,
    ),
    (
        "impossible date",
        _backfill_with(
            multipleTimePeriods='[{"bizBeginTime":"2024-02-30","bizEndTime":"2024-03-01"}]'
        ),
        FieldError,
        "data.multipleTimePeriods[0].bizBeginTime",
        BACKFILL_ID,
    ),
    (
        "end before begin",
        _backfill_with(
            multipleTimePeriods='[{"bizBeginTime":"2024-03-02","bizEndTime":"2024-03-01"}]'
        ),
        FieldError,
        "data.multipleTimePeriods[0]",
        BACKFILL_ID,
    ),
    (
        "period end missing",
        _backfill_with(multipleTimePeriods='[{"bizBeginTime":"2024-03-02"}]'),
        FieldError,
        "data.multipleTimePeriods[0].bizEndTime",
        BACKFILL_ID,
    ),
    (
        "periods deeply nested",
        _backfill_with(multipleTimePeriods="[" * 100_000),
        FieldError,
        "data.multipleTimePeriods",
        BACKFILL_ID,
    ),
    ("order sideways", _backfill_with(order="sideways"), FieldError, "data.order", BACKFILL_ID),
    (
        "parallelGroup a float",
        _backfill_with(parallelGroup=1.5),
        FieldError,
        "data.parallelGroup",
        BACKFILL_ID,
    ),
    (
        "name missing",
        {**sample("backfill_cloudevent.json"), "data": {"eventCode": "backfill-data"}},
        FieldError,
        "data.name",
        BACKFILL_ID,
    ),
    (
        "fc body a list",
        {**sample("freeze_function_compute.json"), "messageBody": [1]},
        FieldError,
        "messageBody",
        "f1e2d3c4-b5a6-4978-8a9b-0c1d2e3f4a5b",
    ),
    (
        "fc projectId a bool",
        {
            **sample("freeze_function_compute.json"),
            "messageBody": {
                **sample("freeze_function_compute.json")["messageBody"],
                "projectId": True,
            },
        },
        FieldError,
        "messageBody.projectId",
        "f1e2d3c4-b5a6-4978-8a9b-0c1d2e3f4a5b",
    ),
    (
        "fc extensionBizId a number",
        {**sample("freeze_function_compute.json"), "extensionBizId": 5},
        FieldError,
        "extensionBizId",
        "f1e2d3c4-b5a6-4978-8a9b-0c1d2e3f4a5b",
    ),
]


@pytest.mark.parametrize(
    ("raw", "error", "field", "message_id"),
    [case[1:] for case in BAD],
    ids=[case[0] for case in BAD],
)
def test_bad_input_raises_a_named_message_error(
    raw: Any, error: type[MessageError], field: str | None, message_id: str | None
) -> None:
    with pytest.raises(error) as info:
        parse_message(raw)
    exc = info.value
    assert isinstance(exc, ValueError)
    assert exc.message_id == message_id
    if field is not None:
        assert exc.field == field
        assert field in str(exc)
    if message_id is not None:
        assert message_id in str(exc)
    assert len(str(exc)) < 400  # short values are quoted, long ones cut


def test_values_nested_too_deeply_to_show_are_named_not_shown() -> None:
    deep: list[object] = []
    for _ in range(100_000):
        deep = [deep]
    with pytest.raises(FieldError, match="nested too deeply to show") as info:
        parse_message(_freeze_with(nodeIds={"a": deep}))
    assert info.value.field == "data.nodeIds"


def test_errors_quote_short_values_and_cut_long_ones() -> None:
    with pytest.raises(FieldError) as info:
        parse_message(_freeze_with(nodeIds="1,2"))
    assert "'1,2'" in str(info.value)
    with pytest.raises(FieldError) as info:
        parse_message(_freeze_with(nodeIds="9," * 10_000))
    assert len(str(info.value)) < 300
    assert "20000 chars" in str(info.value) or "chars)" in str(info.value)


def test_wrong_python_type_is_a_message_error() -> None:
    with pytest.raises(MessageDecodeError, match="got int"):
        parse_message(42)  # type: ignore[arg-type]


def test_message_errors_pickle_with_their_fields() -> None:
    import pickle

    with pytest.raises(FieldError) as info:
        parse_message(_freeze_with(nodeIds="1,2"))
    copy = pickle.loads(pickle.dumps(info.value))
    assert (copy.field, copy.message_id, str(copy)) == (
        info.value.field,
        info.value.message_id,
        str(info.value),
    )


# ---------------------------------------------------------------- import weight


def test_import_does_not_load_the_official_sdk_asyncio_or_hypothesis() -> None:
    code = (
        "import sys, dataworks_ext\n"
        "heavy = [m for m in sys.modules if m.startswith(('alibabacloud', 'darabonba', "
        "'hypothesis', 'asyncio', 'flask', 'confluent_kafka', 'aiohttp', 'requests'))]\n"
        "print(heavy)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == "[]"


# ---------------------------------------------------------------- every extension point on the page

ACCOUNT = "1107550004253538"
COMMON = {"operator": ACCOUNT, "projectId": 23393, "tenantId": 28378142127872}
FILE = {
    "fileName": "ods_orders_d",
    "fileId": 501234,
    "fileType": 10,
    "fileOwner": ACCOUNT,
    "fileCreateTime": "2024-03-18 10:42:07",
    "dataSourceName": "odps_first",
    "resourceType": None,
    "nodeId": 700005966962,
    "blockBusiness": True,
}
INSTANCES = {"extensionBizName": "instance_check", "taskIds": [1000087654321, 1000087654322]}

#: One documented-shape body per extension-point code outside the freeze/unpublish/backfill
#: points (besides the common fields): the page's shape with realistic values.
PAGE_BODIES: dict[str, dict[str, Any]] = {
    "commit-file": {**FILE, "eventCode": "commit-file", "fileVersion": 3, "changeType": "1"},
    "deploy-file": {**FILE, "eventCode": "deploy-file", "fileVersion": 3, "changeType": "0"},
    "run-file": {**FILE, "eventCode": "run-file"},
    "delete-file": {**FILE, "eventCode": "delete-file"},
    "commit-table": {
        "tableName": "ods_orders_d",
        "tableType": "ODPS",
        "maxComputeProject": "sales_dw_dev",
    },
    "deploy-table": {
        "tableName": "ods_orders_d",
        "tableType": "ODPS",
        "maxComputeProject": "sales_dw",
    },
    **{
        code: {**INSTANCES, "eventCode": code}
        for code in (
            "pre-freeze-instance",
            "pre-unfreeze-instance",
            "pre-rerun-instance",
            "pre-set-instance-success",
            "pre-kill-instance",
        )
    },
    "start-diJob": {
        "eventCode": "start-diJob",
        "extensionBizName": "mysql_orders_to_odps",
        "tableMapping": [{"sourceTable": "orders", "targetTable": "ods_orders_d"}],
    },
    "batch-start-diJob": {
        "eventCode": "batch-start-diJob",
        "extensionBizName": "nightly_sync",
        "jobIds": [80012, 80013],
    },
    **{
        code: {"eventCode": code, "ruleIds": [40321], "blockBusiness": True}
        for code in (
            "batch-create-data-quality-rules",
            "batch-update-data-quality-rules",
            "batch-delete-data-quality-rules",
            "update-data-quality-rule",
        )
    },
    **{
        code: {"eventCode": code, "taskId": 2201, "blockBusiness": True}
        for code in (
            "create-data-quality-evaluation-task",
            "update-data-quality-evaluation-task",
            "clone-data-quality-evaluation-task",
            "batch-delete-data-quality-evaluation-tasks",
            "create-data-quality-evaluation-task-notification",
            "update-data-quality-evaluation-task-notification",
            "delete-data-quality-evaluation-task-notification",
        )
    },
    "approval-change-before-create": {
        "eventCode": "approval-change-before-create",
        "approvalType": "TABLE_PERMISSION",
    },
    "delete-project": {"eventCode": "delete-project", "projectName": "sales_dw"},
    "download-resources": {"eventCode": "download-resources", "sql": "SELECT * FROM ods_orders_d"},
    "download-resources-execute": {"eventCode": "download-resources-execute", "rowCount": 5000},
    "upload-data-to-table": {"eventCode": "upload-data-to-table", "tableName": "dim_shop"},
}


def _page_message(code: str, envelope: str) -> dict[str, Any]:
    kind = kind_for_code(code)
    assert kind is not None
    body = {**COMMON, "extensionBizId": "c6f4b3a2-1d0e-4f9a-8b7c-6d5e4f3a2b1c", **PAGE_BODIES[code]}
    body = {k: v for k, v in body.items() if v is not None}
    if envelope == "function-compute":
        return {
            "messageId": f"fc-{code}",
            "eventType": code,
            "eventCategoryType": "x",
            "extensionBizId": body["extensionBizId"],
            "messageBody": body,
        }
    return {
        "id": f"ce-{code}",
        "source": "acs.dataworks",
        "specversion": "1.0",
        "type": kind.eventbridge_type,
        "subject": "",
        "data": body,
        "aliyunpublishtime": "2020-11-19T21:04:42.179PRC",
    }


def test_the_page_table_lists_every_extension_point_code() -> None:
    page_codes = set(PAGE_BODIES) | {
        "freeze-node",
        "unfreeze-node",
        "undeploy-node",
        "backfill-data",
    }
    table_codes = {kind.event_code for kind in EVENT_KINDS if kind.is_extension_point}
    assert table_codes == page_codes


@pytest.mark.parametrize("envelope", ["cloudevent", "function-compute"])
@pytest.mark.parametrize("code", sorted(PAGE_BODIES))
def test_every_page_example_parses_into_its_event(code: str, envelope: str) -> None:
    message = parse_message(json.dumps(_page_message(code, envelope)))
    kind = kind_for_code(code)
    assert kind is not None
    assert type(message.event) is kind.cls
    assert message.event_code == code
    assert message.kind is kind
    assert message.needs_answer
    assert message.extension_biz_id == "c6f4b3a2-1d0e-4f9a-8b7c-6d5e4f3a2b1c"
    assert message.event.project_id == 23393  # type: ignore[union-attr]
    assert message.event.tenant_id == 28378142127872  # type: ignore[union-attr]
    assert parse_message(message.to_json()) == message


def test_answering_apis_follow_the_module() -> None:
    for kind in EVENT_KINDS:
        if not kind.is_extension_point:
            assert kind.api is None and not kind.supports_warn
        elif kind.module is Module.OPERATION_CENTER:
            assert kind.api is CallbackApi.UPDATE_WORKBENCH_EVENT_RESULT
            assert not kind.supports_warn and kind.api_documented
        elif kind.module is Module.DATASTUDIO:
            assert kind.api is CallbackApi.UPDATE_IDE_EVENT_RESULT
            assert kind.supports_warn and kind.api_documented
        else:
            assert kind.api is CallbackApi.CALLBACK_EXTENSION
            assert kind.supports_warn and not kind.api_documented and kind.note
    assert CallbackApi.CALLBACK_EXTENSION.tip_parameter == "CheckMessage"
    assert CallbackApi.UPDATE_IDE_EVENT_RESULT.tip_parameter == "CheckResultTip"


def test_commit_file_sample_reads_every_field() -> None:
    message = parse_message(sample_bytes("commit_file_cloudevent.json"))
    event = message.event
    assert event == CommitFileEvent(
        file_name="ods_orders_d",
        file_id=501234,
        file_version=3,
        file_type=10,
        file_owner=ACCOUNT,
        file_create_time=dt.datetime(2024, 3, 18, 10, 42, 7),
        change_type=ChangeType.UPDATE,
        data_source_name="odps_first",
        node_id=700005966962,
        operator=ACCOUNT,
        project_id=23393,
        tenant_id=28378142127872,
        extension_biz_id="c6f4b3a2-1d0e-4f9a-8b7c-6d5e4f3a2b1c",
    )
    assert event.file_create_time is not None and event.file_create_time.tzinfo is None
    wire = message.to_dict()["data"]
    assert wire["fileCreateTime"] == "2024-03-18 10:42:07" and wire["changeType"] == "1"
    assert message.attributes["aliyunpublishtime"] == "2024-03-18T10:45:12.331PRC"


def test_table_event_without_event_code_takes_the_kind_from_the_type() -> None:
    message = parse_message(sample_bytes("deploy_table_cloudevent.json"))
    assert message.event == DeployTableEvent(
        table_name="dwd_orders_di",
        table_type="ODPS",
        max_compute_project="sales_dw",
        operator=ACCOUNT,
        project_id=23393,
        tenant_id=28378142127872,
        extension_biz_id="0b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e",
    )
    assert message.needs_answer


def test_instance_pre_event_in_the_function_compute_envelope() -> None:
    message = parse_message(sample("pre_rerun_instance_function_compute.json"))
    assert isinstance(message.event, PreRerunInstanceEvent)
    assert message.event.task_ids == (1000087654321, 1000087654322)
    assert message.event.extension_biz_name == "rerun_instance_check"
    assert message.attributes["eventCategoryType"] == "operation-center"


def test_generic_extension_point_event_keeps_its_payload() -> None:
    message = parse_message(sample_bytes("start_dijob_cloudevent.json"))
    event = message.event
    assert isinstance(event, ExtensionPointEvent)
    assert (event.event_code, event.operator, event.project_id) == ("start-diJob", ACCOUNT, 23393)
    assert event.payload["tableMapping"][0]["targetTable"] == "ods_orders_d"
    assert message.needs_answer
    assert kind_for_event(event).api is CallbackApi.CALLBACK_EXTENSION  # type: ignore[union-attr]


@pytest.mark.parametrize("envelope", ["cloudevent", "function-compute"])
def test_unknown_code_with_a_check_id_is_a_generic_extension_point_event(envelope: str) -> None:
    raw = _page_message("delete-project", envelope)
    body = raw["data" if envelope == "cloudevent" else "messageBody"]
    body["eventCode"] = "archive-project"
    if envelope == "cloudevent":
        raw["type"] = "dataworks:ProjectChange:ArchiveProject"
    else:
        raw["eventType"] = "archive-project"
        del body["extensionBizId"]  # the envelope's check id is enough
    message = parse_message(raw)
    assert isinstance(message.event, ExtensionPointEvent)
    assert message.event_code == "archive-project"
    assert message.kind is None
    assert message.needs_answer


def test_regular_events_stay_unknown_and_need_no_answer() -> None:
    for kind in EVENT_KINDS:
        if kind.is_extension_point:
            continue
        message = parse_message(
            {"id": "m-1", "type": kind.eventbridge_type, "data": {"projectId": 23393}}
        )
        assert message.event == UnknownEvent(
            event_code=kind.event_code, payload={"projectId": 23393}
        )
        assert not message.needs_answer


@pytest.mark.parametrize(
    ("code", "field", "value", "reason"),
    [
        ("commit-file", "fileCreateTime", "2024-03-18T10:42:07+08:00", "no zone"),
        ("commit-file", "fileCreateTime", "18/03/2024", "yyyy-MM-dd HH:mm:ss"),
        ("commit-file", "changeType", "3", "'0' (create)"),
        ("commit-file", "fileId", "5o1", "decimal string"),
        ("deploy-table", "tableName", None, "required but missing"),
        ("pre-kill-instance", "taskIds", "1,2", "JSON array"),
        ("pre-kill-instance", "taskIds", [1, "x"], "decimal string"),
        ("start-diJob", "projectId", "abc", "decimal string"),
        ("delete-project", "blockBusiness", "maybe", "true or false"),
    ],
)
def test_bad_fields_of_new_events_are_named(code: str, field: str, value: Any, reason: str) -> None:
    raw = _page_message(code, "cloudevent")
    if value is None:
        del raw["data"][field]
    else:
        raw["data"][field] = value
    with pytest.raises(FieldError) as caught:
        parse_message(raw)
    assert caught.value.field is not None and caught.value.field.startswith(f"data.{field}")
    assert reason in caught.value.reason
    assert caught.value.message_id == f"ce-{code}"
