"""The audit trail: one AuditRecord per message, on every path, to the hook and the logger."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import time
from collections.abc import Iterator
from typing import Any

import pytest
from _observing import MODES, answering, closed_port, handle

from dataworks_ext import (
    AuditJsonFormatter,
    AuditRecord,
    BackfillEvent,
    Extension,
    FreezeNodeEvent,
    MemoryAnswerStore,
    RedisAnswerStore,
    Registry,
    Verdict,
)
from dataworks_ext.testing import LocalDataWorks, backfill_event, freeze_event


@pytest.fixture(scope="module")
def local() -> Iterator[LocalDataWorks]:
    with LocalDataWorks() as server:
        yield server


def _unreadable(message_id: str) -> bytes:
    raw = freeze_event(message_id=message_id).to_dict()
    raw["data"]["nodeIds"] = "1,2"
    return json.dumps(raw).encode()


@pytest.mark.parametrize("mode", MODES)
def test_a_passed_message_is_recorded_with_its_check_and_delivery(
    local: LocalDataWorks, mode: str
) -> None:
    records: list[AuditRecord] = []
    ext = Extension("ext", local.client(), answering(True), on_audit=records.append)
    outcome = handle(ext, freeze_event(message_id=f"pass-{mode}", node_ids=[7, 8]), mode)
    assert outcome.delivered
    [record] = records
    assert record.message_id == f"pass-{mode}"
    assert record.event_code == "freeze-node"
    assert record.module == "OPERATION_CENTER"
    assert record.workspace == outcome.event.project_id
    assert record.operator == outcome.event.operator
    assert record.touches == {"node_ids": {"count": 2, "first": [7, 8]}}
    assert [(c.name, c.result, c.enforced, c.error) for c in record.checks] == [
        ("protect", "OK", True, None)
    ]
    assert record.checks[0].duration_ms >= 0
    assert (record.result, record.reason, record.decided_by) == ("OK", "checked", ("protect",))
    assert record.api == "UpdateWorkbenchEventResult"
    assert record.delivered and record.delivery_attempts == 1
    assert record.delivery_ms is not None and record.delivery_ms > 0
    assert (record.store, record.disposition, record.error) == ("acquired", "ACK", None)


@pytest.mark.parametrize("mode", MODES)
def test_a_refusal_names_the_check_that_decided(local: LocalDataWorks, mode: str) -> None:
    records: list[AuditRecord] = []
    reg = answering(Verdict.fail("node 7 is protected"))
    reg.add(FreezeNodeEvent, lambda event: True, name="fine")
    ext = Extension("ext", local.client(), reg, on_audit=records.append)
    handle(ext, freeze_event(message_id=f"refuse-{mode}"), mode)
    [record] = records
    assert (record.result, record.tip) == ("FAIL", "node 7 is protected")
    assert record.decided_by == ("protect",)
    assert [c.result for c in record.checks] == ["FAIL", "OK"]


@pytest.mark.parametrize("mode", MODES)
def test_a_crashed_check_is_recorded_by_error_class(local: LocalDataWorks, mode: str) -> None:
    records: list[AuditRecord] = []
    ext = Extension("ext", local.client(), answering(KeyError("x")), on_audit=records.append)
    outcome = handle(ext, freeze_event(message_id=f"crash-{mode}"), mode)
    [record] = records
    assert record.checks[0].error == "KeyError"
    assert record.result == "FAIL" and record.decided_by == ("protect",)
    assert record.error == "KeyError" and outcome.delivered


def test_a_deadline_is_recorded_sync(local: LocalDataWorks) -> None:
    records: list[AuditRecord] = []
    reg = Registry()

    @reg.on_freeze
    def slow(event: FreezeNodeEvent) -> bool:
        time.sleep(0.6)
        return True

    ext = Extension("ext", local.client(), reg, handler_timeout=0.1, on_audit=records.append)
    ext.handle(freeze_event(message_id="deadline-sync"))
    [record] = records
    assert (record.reason, record.decided_by, record.result) == (
        "deadline",
        ("timeout_result",),
        "FAIL",
    )
    assert record.error == "HandlerTimeoutError" and record.delivered


def test_a_deadline_is_recorded_async(local: LocalDataWorks) -> None:
    records: list[AuditRecord] = []
    reg = Registry()

    @reg.on_freeze
    async def slow(event: FreezeNodeEvent) -> bool:
        await asyncio.sleep(5)
        return True

    ext = Extension("ext", local.client(), reg, handler_timeout=0.1, on_audit=records.append)
    asyncio.run(ext.handle_async(freeze_event(message_id="deadline-async")))
    [record] = records
    assert (record.reason, record.result, record.checks) == ("deadline", "FAIL", ())


def test_a_duplicate_is_recorded_with_the_answer_given_before(local: LocalDataWorks) -> None:
    records: list[AuditRecord] = []
    ext = Extension("ext", local.client(), answering(False), on_audit=records.append)
    ext.handle(freeze_event(message_id="dup"))
    ext.handle(freeze_event(message_id="dup"))
    _first, again = records
    assert again.reason == "duplicate" and again.store == "answered"
    assert again.result == "FAIL" and not again.delivered and again.checks == ()
    assert again.delivery_attempts is None and again.disposition == "ACK"


def test_a_message_in_progress_elsewhere_is_recorded() -> None:
    records: list[AuditRecord] = []
    store = MemoryAnswerStore()
    store.claim("ext", "busy", 60)
    ext = Extension("ext", registry=answering(True), store=store, on_audit=records.append)
    ext.handle(freeze_event(message_id="busy"))
    [record] = records
    assert (record.reason, record.store, record.disposition) == (
        "in progress",
        "in progress",
        "RETRY",
    )


@pytest.mark.parametrize("mode", MODES)
def test_an_unreadable_message_is_recorded(local: LocalDataWorks, mode: str) -> None:
    records: list[AuditRecord] = []
    ext = Extension("ext", local.client(), answering(True), on_audit=records.append)
    handle(ext, _unreadable(f"unreadable-{mode}"), mode)
    [record] = records
    assert record.message_id == f"unreadable-{mode}"
    assert record.event_code == "freeze-node"  # the event its CloudEvent type names
    assert (record.reason, record.result, record.decided_by) == (
        "unreadable",
        "FAIL",
        ("unreadable_result",),
    )
    assert record.error == "FieldError" and record.delivered


def test_a_message_without_a_readable_id_is_recorded_as_rejected() -> None:
    records: list[AuditRecord] = []
    Extension("ext", registry=Registry(), on_audit=records.append).handle(b"{oops")
    [record] = records
    assert (record.message_id, record.reason, record.disposition) == (None, "rejected", "REJECT")


@pytest.mark.parametrize("mode", MODES)
def test_a_failed_delivery_records_its_attempts(local: LocalDataWorks, mode: str) -> None:
    records: list[AuditRecord] = []
    ext = Extension("ext", local.client(max_attempts=3), answering(True), on_audit=records.append)
    local.inject("error", 3)
    outcome = handle(ext, freeze_event(message_id=f"undelivered-{mode}"), mode)
    assert outcome.disposition.name == "RETRY"
    [record] = records
    assert (record.reason, record.delivered, record.delivery_attempts) == (
        "delivery failed",
        False,
        3,
    )
    assert record.error == "CallbackError (InternalError.System)"
    assert record.disposition == "RETRY"


def test_a_retried_delivery_records_every_attempt(local: LocalDataWorks) -> None:
    records: list[AuditRecord] = []
    ext = Extension("ext", local.client(), answering(True), on_audit=records.append)
    local.inject("throttle", 2)
    ext.handle(freeze_event(message_id="retried"))
    [record] = records
    assert record.delivered and record.delivery_attempts == 3


@pytest.mark.parametrize("mode", MODES)
def test_a_store_that_is_down_is_recorded(mode: str) -> None:
    records: list[AuditRecord] = []
    store = RedisAnswerStore.from_url(f"redis://127.0.0.1:{closed_port()}/0")
    ext = Extension("ext", registry=answering(True), store=store, on_audit=records.append)
    handle(ext, freeze_event(message_id=f"store-down-{mode}"), mode)
    [record] = records
    assert (record.reason, record.store, record.disposition) == (
        "store down",
        "store down",
        "RETRY",
    )
    assert record.error is not None and record.error.startswith("StoreError")
    assert record.checks == () and record.result is None


def test_a_regular_event_is_recorded_as_nothing_to_answer() -> None:
    records: list[AuditRecord] = []
    raw = freeze_event(message_id="regular").to_dict()
    raw["type"] = "dataworks:InstanceStatusChanges:InstanceStatusChanges"
    raw["data"] = {"eventCode": "instance-status-changes"}
    Extension("ext", registry=Registry(), on_audit=records.append).handle(raw)
    [record] = records
    assert (record.reason, record.store, record.result) == ("nothing to answer", None, None)


def test_a_backfill_of_many_nodes_is_summarised() -> None:
    records: list[AuditRecord] = []
    ext = Extension("ext", registry=Registry(), on_audit=records.append)
    ext.handle(backfill_event(include_node_ids=list(range(1, 20_001))))
    touches = records[0].touches
    assert touches["include_node_ids"] == {"count": 20_000, "first": [1, 2, 3, 4, 5]}
    assert "root_node_id" in touches
    assert len(json.dumps(records[0].to_dict())) < 2_000


def test_no_secret_nor_payload_in_a_record(local: LocalDataWorks) -> None:
    records: list[AuditRecord] = []
    ext = Extension("ext", local.client(), answering(True), on_audit=records.append)
    ext.handle(freeze_event(message_id="secret"))
    text = json.dumps(records[0].to_dict())
    assert local.access_key_secret not in text and local.access_key_id not in text
    assert "tenant" not in text.lower() and "extension_biz_id" not in text


# ---------------------------------------------------------------- report mode


@pytest.mark.parametrize("mode", MODES)
def test_a_report_only_check_is_recorded_but_does_not_count(
    local: LocalDataWorks, mode: str, caplog: pytest.LogCaptureFixture
) -> None:
    records: list[AuditRecord] = []
    reg = answering(Verdict.fail("node 7 is protected"), enforce=False)
    ext = Extension("ext", local.client(), reg, on_audit=records.append)
    with caplog.at_level(logging.INFO, "dataworks_ext"):
        outcome = handle(ext, freeze_event(message_id=f"report-{mode}"), mode)
    assert outcome.verdict == Verdict.ok()
    delivered = local.verdict_for(f"report-{mode}")
    assert delivered is not None and delivered.result == "OK"
    [record] = records
    assert (record.result, record.would_have, record.decided_by) == ("OK", "FAIL", ())
    assert [(c.result, c.enforced) for c in record.checks] == [("FAIL", False)]
    assert "report-only check 'protect' would have answered FAIL" in caplog.text


def test_a_report_only_check_beside_an_enforced_one() -> None:
    records: list[AuditRecord] = []
    reg = answering(Verdict.fail("new rule"), enforce=False)
    reg.add(FreezeNodeEvent, lambda event: Verdict.fail("old rule"), name="old")
    ext = Extension("ext", registry=reg, on_audit=records.append)
    outcome = ext.handle(freeze_event())
    assert outcome.verdict == Verdict.fail("old rule")
    assert (records[0].decided_by, records[0].would_have) == (("old",), "FAIL")


def test_a_crashing_report_only_check_does_not_block() -> None:
    records: list[AuditRecord] = []
    ext = Extension("ext", registry=answering(ValueError("x"), enforce=False))
    ext.on_audit = records.append
    outcome = ext.handle(freeze_event())
    assert outcome.verdict == Verdict.ok() and outcome.error is None
    assert records[0].checks[0].error == "ValueError" and records[0].would_have == "FAIL"


def test_an_extension_in_report_mode_answers_ok() -> None:
    records: list[AuditRecord] = []
    reg = answering(Verdict.fail("no"))
    reg.add(BackfillEvent, lambda event: Verdict.warn("big"), name="big")
    ext = Extension("ext", registry=reg, enforce=False, on_audit=records.append)
    assert ext.handle(freeze_event()).verdict == Verdict.ok()
    assert ext.handle(backfill_event()).verdict == Verdict.ok()
    assert [r.would_have for r in records] == ["FAIL", "WARN"]
    ext.enforce = True
    assert ext.handle(freeze_event()).verdict == Verdict.fail("no")


def test_enforce_is_checked() -> None:
    from dataworks_ext import ConfigurationError

    with pytest.raises(ConfigurationError, match="enforce"):
        Extension("ext", enforce="no")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="enforce"):
        Registry().on_freeze(enforce="no")(lambda event: True)  # type: ignore[call-overload]


def test_every_registration_takes_enforce() -> None:
    reg = Registry()
    reg.on("download-resources", enforce=False)(lambda event: True)
    reg.on("freeze-node", enforce=False)(lambda event: True)
    reg.add(BackfillEvent, lambda event: True, enforce=False)
    reg.on_pre_kill_instance(enforce=False)(lambda event: True)
    checks = [*reg.checks_for_code("download-resources"), *reg.checks_for(FreezeNodeEvent)]
    checks += [*reg.checks_for(BackfillEvent)]
    assert [c.enforce for c in checks] == [False, False, False]
    assert reg.counts() == {
        "freeze-node": 1,
        "backfill-data": 1,
        "pre-kill-instance": 1,
        "download-resources": 1,
    }


def test_policies_in_report_mode() -> None:
    from dataworks_ext.policies import BackfillLimits, from_config, register

    reg = from_config(
        {
            "mode": "report",
            "rules": [
                {"type": "backfill_limits", "max_days": 1, "name": "days"},
                {"type": "backfill_limits", "max_nodes": 1, "name": "nodes", "mode": "enforce"},
            ],
        }
    )
    assert [(c.name, c.enforce) for c in reg.checks_for(BackfillEvent)] == [
        ("days", False),
        ("nodes", True),
    ]
    register(reg, BackfillLimits(max_days=1), name="again", enforce=False)
    assert reg.checks_for(BackfillEvent)[-1].enforce is False
    from dataworks_ext import ConfigurationError

    with pytest.raises(ConfigurationError, match=r"rules\[0\]\.mode"):
        from_config({"rules": [{"type": "backfill_limits", "max_days": 1, "mode": "dry"}]})


# ---------------------------------------------------------------- delivery of records


def test_the_audit_logger_carries_the_record_and_formats_as_json() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(AuditJsonFormatter())
    audit = logging.getLogger("dataworks_ext.audit")
    audit.addHandler(handler)
    audit.setLevel(logging.INFO)
    seen: list[logging.LogRecord] = []
    catcher = logging.Handler()
    catcher.emit = seen.append  # type: ignore[method-assign]
    audit.addHandler(catcher)
    try:
        Extension("ext", registry=answering(False)).handle(freeze_event(message_id="logged"))
    finally:
        audit.removeHandler(handler)
        audit.removeHandler(catcher)
        audit.setLevel(logging.NOTSET)
    [log_record] = seen
    data: Any = getattr(log_record, "audit", None)
    assert isinstance(data, dict) and data["message_id"] == "logged"
    line = json.loads(stream.getvalue())
    assert (line["result"], line["decided_by"], line["level"]) == ("FAIL", ["protect"], "INFO")
    assert line["checks"][0]["name"] == "protect"


def test_a_hook_that_raises_does_not_break_answering(
    local: LocalDataWorks, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(record: AuditRecord) -> None:
        raise RuntimeError("the audit table is down")

    ext = Extension("ext", local.client(), answering(True), on_audit=broken)
    outcome = ext.handle(freeze_event(message_id="hook-raises"))
    assert outcome.delivered and outcome.disposition.name == "ACK"
    assert "the on_audit hook raised RuntimeError" in caplog.text


def test_on_audit_must_be_callable() -> None:
    from dataworks_ext import ConfigurationError

    with pytest.raises(ConfigurationError, match="on_audit"):
        Extension("ext", on_audit="print")  # type: ignore[arg-type]


def test_nothing_is_collected_when_nobody_listens(monkeypatch: pytest.MonkeyPatch) -> None:
    from dataworks_ext import _audit

    made: list[object] = []
    real = _audit.Trail

    class Counting(real):  # type: ignore[misc, valid-type]
        def __init__(self, message: Any) -> None:
            made.append(message)
            super().__init__(message)

    monkeypatch.setattr("dataworks_ext._pipeline.Trail", Counting)
    ext = Extension("ext", registry=answering(True), telemetry=False)
    ext.handle(freeze_event())
    assert made == []
    ext.on_audit = lambda record: None
    ext.handle(freeze_event())
    assert len(made) == 1


# ---------------------------------------------------------------- health


def test_health_of_a_ready_extension(local: LocalDataWorks) -> None:
    ext = Extension("ext", local.client(), answering(True))
    health = ext.health()
    assert (health.ok, health.store, health.credentials) == (True, "ok", "present")
    assert health.checks == {"freeze-node": 1}
    reply = health.http_reply()
    assert reply.status == 200 and json.loads(reply.body)["ok"] is True
    assert asyncio.run(ext.health_async()) == health


@pytest.mark.parametrize("mode", MODES)
def test_health_when_the_store_is_down(mode: str) -> None:
    store = RedisAnswerStore.from_url(f"redis://127.0.0.1:{closed_port()}/0")
    ext = Extension("ext", registry=answering(True), store=store)
    health = ext.health() if mode == "sync" else asyncio.run(ext.health_async())
    assert not health.ok and health.store.startswith("down: ")
    assert health.http_status == 503
    assert health.problems[0].startswith("the answer store is down")


@pytest.mark.parametrize("mode", MODES)
def test_health_with_a_redis_store_that_answers(valkey_server: Any, mode: str) -> None:
    ext = Extension(
        "ext", registry=answering(True), store=RedisAnswerStore.from_url(valkey_server.url)
    )
    health = ext.health() if mode == "sync" else asyncio.run(ext.health_async())
    assert health.ok and health.store == "ok"


def test_health_without_checks_or_credentials() -> None:
    from dataworks_ext import CallbackClient

    class NoCredentials(CallbackClient):
        @property
        def has_credentials(self) -> bool | None:
            return False

    ext = Extension("ext", NoCredentials(region_id="cn-shanghai"), Registry())
    health = ext.health()
    assert not health.ok
    assert health.problems == ("the callback has no credentials", "no check is registered")
    assert health.to_dict()["credentials"] == "missing"


def test_a_concurrent_batch_keeps_each_message_s_delivery_apart(local: LocalDataWorks) -> None:
    from dataworks_ext.testing import batch

    records: list[AuditRecord] = []
    ext = Extension("ext", local.client(), answering(True), on_audit=records.append)
    local.inject("throttle", 1)
    messages = [freeze_event(message_id=f"batch-{index}") for index in range(4)]
    outcomes = asyncio.run(ext.handle_batch_async(batch(*messages)))
    assert all(outcome.delivered for outcome in outcomes)
    attempts = sorted(record.delivery_attempts or 0 for record in records)
    assert attempts == [1, 1, 1, 2]  # the throttled one retried, on its own record
    assert sorted(record.message_id or "" for record in records) == [
        f"batch-{index}" for index in range(4)
    ]


def test_decided_by_names_every_check_that_answered_the_verdict() -> None:
    records: list[AuditRecord] = []
    reg = answering(KeyError("x"))  # "protect" raises
    reg.add(FreezeNodeEvent, lambda event: True, name="fine")
    reg.add(FreezeNodeEvent, lambda event: True, name="also-fine")
    reg.add(FreezeNodeEvent, lambda event: Verdict.fail("no"), name="new", enforce=False)
    ext = Extension("ext", registry=reg, error_result="ok", on_audit=records.append)
    ext.handle(freeze_event())
    # OK: the passing checks, and the one that raised (the error_result policy passed it);
    # the report-only check decided nothing
    assert records[0].result == "OK"
    assert records[0].decided_by == ("fine", "also-fine", "protect")
    unhandled = Extension("ext", registry=Registry(), on_audit=records.append)
    unhandled.handle(freeze_event())
    assert records[1].decided_by == ("unhandled_result",)


def test_audit_text_lines_name_what_could_not_be_read_without_none(
    caplog: pytest.LogCaptureFixture,
) -> None:
    ext = Extension("ext", registry=answering(True))
    with caplog.at_level(logging.INFO, logger="dataworks_ext.audit"):
        ext.handle(b"{not json")
        ext.handle(_unreadable("m-9"))
    lines = [r.getMessage() for r in caplog.records if r.name == "dataworks_ext.audit"]
    assert len(lines) == 2
    assert lines[0].startswith("ext - for an unreadable event (no readable message id): ")
    assert lines[1].startswith("ext FAIL for freeze-node (message m-9): ")
    assert not any("None" in line for line in lines)


def test_the_json_formatter_writes_utc_times_with_their_offset() -> None:
    import datetime as dt

    from dataworks_ext import AuditJsonFormatter

    record = logging.LogRecord("dataworks_ext.audit", logging.INFO, __file__, 0, "x", (), None)
    record.created = dt.datetime(2024, 4, 8, 2, 15, 30, 123000, tzinfo=dt.timezone.utc).timestamp()
    line = json.loads(AuditJsonFormatter().format(record))
    assert line["time"] == "2024-04-08T02:15:30.123+00:00"
    assert dt.datetime.fromisoformat(line["time"]).utcoffset() == dt.timedelta(0)


def test_an_unreadable_message_with_a_readable_id_names_its_event_everywhere() -> None:
    from dataworks_ext import MessageError, parse_message, parse_messages

    outcome = Extension("ext", registry=answering(True)).handle(_unreadable("m-4"))
    assert outcome.event is None
    assert outcome.to_dict()["event_code"] == "freeze-node"
    with pytest.raises(MessageError) as raised:
        parse_message(_unreadable("m-5"))
    assert raised.value.event_code == "freeze-node"
    with pytest.raises(MessageError) as in_batch:
        parse_messages(b"[" + _unreadable("m-6") + b"]")
    assert (in_batch.value.event_code, in_batch.value.field) == ("freeze-node", "[0].data.nodeIds")
    nameless = Extension("ext", registry=answering(True)).handle(b'{"data": {}}')
    assert nameless.to_dict()["event_code"] is None
