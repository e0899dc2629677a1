"""DataWorks' two samples (MAX_PT, holiday deployments), run against LocalDataWorks through the
official SDK's signed calls, with a seeded GetIDEEventDetail."""

from __future__ import annotations

import asyncio
import datetime as dt
from types import ModuleType

import pytest

from dataworks_ext.testing import LocalDataWorks, commit_file_event, deploy_file_event

CODE = "INSERT OVERWRITE TABLE dws_orders_d PARTITION (ds='${bizdate}')\nSELECT *\nFROM ods_orders\nWHERE ds = MAX_PT('ods_orders');"  # noqa: E501
CLEAN = "SELECT *\nFROM ods_orders\nWHERE ds = '${bizdate}';"
SHANGHAI = dt.timezone(dt.timedelta(hours=8))


@pytest.fixture
def checks(datastudio_checks: ModuleType) -> ModuleType:
    return datastudio_checks


def _on(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(10, 30), tzinfo=SHANGHAI)


WORKDAY = dt.date(2025, 9, 30)
HOLIDAY = dt.date(2025, 10, 1)


def _extension(checks: ModuleType, local: LocalDataWorks, day: dt.date) -> object:
    env = {**local.env(), "DATAWORKS_EXTENSION_CODE": "datastudio-gates"}
    return checks.make_extension(env, clock=lambda: _on(day))


@pytest.mark.parametrize("handle", ["sync", "async"])
def test_a_commit_calling_max_pt_is_refused_naming_the_line(
    checks: ModuleType, local_dataworks: LocalDataWorks, handle: str
) -> None:
    ext = _extension(checks, local_dataworks, WORKDAY)
    message = commit_file_event(file_name="dws_orders_d")
    local_dataworks.seed_event_detail(
        message.message_id,
        {"CommittedFile": {"FileName": "dws_orders_d", "Content": CODE}},
        project_id=message.event.project_id,  # type: ignore[union-attr]
    )
    raw = message.to_json()
    outcome = ext.handle(raw) if handle == "sync" else asyncio.run(ext.handle_async(raw))  # type: ignore[attr-defined]
    assert outcome.delivered
    recorded = local_dataworks.verdict_for(message.message_id)
    assert recorded is not None
    assert (recorded.api, recorded.extension_code, recorded.result) == (
        "UpdateIDEEventResult",
        "datastudio-gates",
        "FAIL",
    )
    assert recorded.tip == (
        "dws_orders_d line 4 calls MAX_PT; name the partition instead: "
        "WHERE ds = MAX_PT('ods_orders');"
    )


def test_a_clean_commit_passes_with_one_lookup(
    checks: ModuleType, local_dataworks: LocalDataWorks
) -> None:
    ext = _extension(checks, local_dataworks, HOLIDAY)  # commits are fine on holidays
    message = commit_file_event()
    local_dataworks.seed_event_detail(message.message_id, {"CommittedFile": {"Content": CLEAN}})
    ext.handle(message.to_json())  # type: ignore[attr-defined]
    ext.handle(message.to_json())  # type: ignore[attr-defined]  # a redelivery: answered once
    recorded = local_dataworks.verdict_for(message.message_id)
    assert recorded is not None and recorded.result == "OK"
    assert local_dataworks.count_for(message.message_id) == 1
    assert local_dataworks.calls_for("GetIDEEventDetail") == 1


def test_deployments_are_refused_on_holidays_only(
    checks: ModuleType, local_dataworks: LocalDataWorks
) -> None:
    verdicts = {}
    for day in (WORKDAY, HOLIDAY):
        message = deploy_file_event()
        local_dataworks.seed_event_detail(message.message_id, {"CommittedFile": {"Content": CLEAN}})
        _extension(checks, local_dataworks, day).handle(message.to_json())  # type: ignore[attr-defined]
        verdicts[day] = local_dataworks.verdict_for(message.message_id)
    assert verdicts[WORKDAY] is not None and verdicts[WORKDAY].result == "OK"
    holiday = verdicts[HOLIDAY]
    assert holiday is not None and (holiday.api, holiday.result) == ("UpdateIDEEventResult", "FAIL")
    assert holiday.tip == (
        "Deployments are not allowed on a public holiday (until 2025-10-04 00:00 Asia/Shanghai)"
    )


def test_a_failed_lookup_blocks_the_commit_with_a_tip(
    checks: ModuleType, local_dataworks: LocalDataWorks
) -> None:
    message = commit_file_event()  # no event detail seeded: GetIDEEventDetail answers 404
    _extension(checks, local_dataworks, WORKDAY).handle(message.to_json())  # type: ignore[attr-defined]
    recorded = local_dataworks.verdict_for(message.message_id)
    assert recorded is not None and recorded.result == "FAIL"
    assert recorded.tip is not None
    assert f"Event detail {message.message_id} could not be looked up" in recorded.tip


def test_the_module_registry_loads_without_credentials(checks: ModuleType) -> None:
    names = {
        code: [c.name for c in checks.registry.checks_for_code(code)]
        for code in ("commit-file", "deploy-file", "run-file")
    }
    assert names == {
        "commit-file": ["no-max-pt"],
        "deploy-file": ["no-max-pt", "no-holiday-deploys"],
        "run-file": [],
    }
