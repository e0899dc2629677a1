"""Rules for DataStudio: forbidden code, change windows and operator lists on commits, deploys."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from dataworks_ext import (
    CallbackClient,
    CommitFileEvent,
    ConfigurationError,
    Extension,
    Lookups,
    Registry,
)
from dataworks_ext.policies import (
    ChangeFreezeWindow,
    Dates,
    ForbiddenCode,
    OperatorAllowlist,
    from_config,
    register,
)
from dataworks_ext.testing import (
    LocalDataWorks,
    commit_file_event,
    deploy_file_event,
    freeze_event,
    run_file_event,
)

CODE = "SELECT *\nFROM ods_orders\nWHERE ds = MAX_PT('ods_orders')\n  AND x = max_pt('y');"
SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def _offline_lookups() -> Lookups:
    return Lookups(CallbackClient(region_id="cn-shanghai"))


def test_forbidden_code_names_each_matching_line_through_the_extension(
    local_dataworks: LocalDataWorks,
) -> None:
    lookups = Lookups(local_dataworks.client())
    registry = from_config(
        {"rules": [{"type": "forbidden_code", "patterns": ["MAX_PT"], "ignore_case": True}]},
        lookups=lookups,
    )
    ext = Extension("ext", callback=local_dataworks.client(), registry=registry)
    commit, deploy = commit_file_event(file_name="ods_orders_d"), deploy_file_event()
    for message in (commit, deploy):
        local_dataworks.seed_event_detail(message.message_id, {"CommittedFile": {"Content": CODE}})
        ext.handle(message)
    recorded = local_dataworks.verdict_for(commit.message_id)
    assert recorded is not None
    assert (recorded.api, recorded.result) == ("UpdateIDEEventResult", "FAIL")
    assert recorded.tip == (
        "ods_orders_d line 3 uses MAX_PT, which is not allowed: WHERE ds = MAX_PT('ods_orders'); "
        "ods_orders_d line 4 uses MAX_PT, which is not allowed: AND x = max_pt('y');"
    )
    deployed = local_dataworks.verdict_for(deploy.message_id)
    assert deployed is not None and deployed.result == "FAIL"
    assert local_dataworks.calls_for("GetIDEEventDetail") == 2


def test_forbidden_code_passes_clean_code_and_files_without_code(
    local_dataworks: LocalDataWorks,
) -> None:
    rule = ForbiddenCode([r"\bMAX_PT\b"], lookups=Lookups(local_dataworks.client()))
    clean, resource = commit_file_event(), commit_file_event()
    local_dataworks.seed_event_detail(clean.message_id, {"CommittedFile": {"Content": "SELECT 1"}})
    local_dataworks.seed_event_detail(resource.message_id, {"CommittedFile": {"FileName": "a.jar"}})
    for message in (clean, resource):
        assert isinstance(message.event, CommitFileEvent)
        assert rule(message.event, message).passed


def test_forbidden_code_counts_lines_past_max_lines(local_dataworks: LocalDataWorks) -> None:
    rule = ForbiddenCode(["MAX_PT"], lookups=Lookups(local_dataworks.client()), max_lines=1)
    message = run_file_event(file_name="adhoc")
    local_dataworks.seed_event_detail(
        message.message_id, {"FileExecutionCommand": {"Content": "MAX_PT\nMAX_PT\nMAX_PT"}}
    )
    registry = Registry()
    registry.on_run_file(rule)
    outcome = Extension("ext", registry=registry).handle(message)
    assert outcome.verdict is not None
    assert outcome.verdict.tip == (
        "adhoc line 1 uses MAX_PT, which is not allowed: MAX_PT; and 2 more lines"
    )


@pytest.mark.parametrize(
    ("config", "problem"),
    [
        ({"patterns": "MAX_PT"}, "rules[0].patterns: must be a list of patterns"),
        ({"patterns": []}, "rules[0].patterns: must name at least one pattern"),
        ({"patterns": ["(unclosed"]}, "rules[0].patterns[0]: is not a regular expression"),
        ({"patterns": [""]}, "rules[0].patterns[0]: must be a non-empty string"),
        ({"patterns": ["x"], "max_line": 3}, "did you mean 'max_lines'"),
        ({"patterns": ["x"], "on": ["freeze"]}, "ForbiddenCode cannot check freeze events"),
    ],
)
def test_forbidden_code_configuration_is_checked(config: dict[str, Any], problem: str) -> None:
    with pytest.raises(ConfigurationError) as raised:
        from_config({"rules": [{"type": "forbidden_code", **config}]}, lookups=_offline_lookups())
    assert problem in str(raised.value)


def test_forbidden_code_needs_lookups_in_config() -> None:
    with pytest.raises(ConfigurationError, match="pass lookups=Lookups"):
        from_config({"rules": [{"type": "forbidden_code", "patterns": ["x"]}]})


def test_forbidden_code_called_without_the_message_says_so() -> None:
    rule = ForbiddenCode(["x"], lookups=_offline_lookups())
    with pytest.raises(TypeError, match="needs the message"):
        rule(commit_file_event().event)  # type: ignore[arg-type]


def test_holiday_dates_refuse_deployments_only_where_registered() -> None:
    def clock() -> dt.datetime:
        return dt.datetime(2025, 10, 1, 10, 0, tzinfo=SHANGHAI)

    registry = from_config(
        {
            "timezone": "Asia/Shanghai",
            "rules": [
                {
                    "type": "change_freeze_window",
                    "windows": [
                        {
                            "type": "dates",
                            "dates": ["2025-10-01", "2025-10-02"],
                            "name": "the National Day holiday",
                        },
                    ],
                    "on": ["deploy"],
                }
            ],
        },
        clock=clock,
    )
    ext = Extension("ext", registry=registry)
    deployed = ext.handle(deploy_file_event()).verdict
    assert deployed is not None and deployed.tip == (
        "Deploying files is not allowed during the National Day holiday "
        "(until 2025-10-03 00:00 Asia/Shanghai)"
    )
    committed = ext.handle(commit_file_event()).verdict
    assert committed is not None and committed.passed


def test_dates_window_edges_and_errors() -> None:
    holidays = Dates([dt.date(2025, 10, 1)], timezone="Asia/Shanghai", name="holiday")
    assert dt.datetime(2025, 9, 30, 16, 0, tzinfo=dt.timezone.utc) in holidays
    assert dt.datetime(2025, 9, 30, 15, 59, tzinfo=dt.timezone.utc) not in holidays
    assert dt.datetime(2025, 10, 1, 16, 0, tzinfo=dt.timezone.utc) not in holidays
    with pytest.raises(ConfigurationError, match=r"dates\[1\]: must be a date YYYY-MM-DD"):
        Dates(["2025-10-01", "10/02/2025"], timezone="Asia/Shanghai", name="h")
    with pytest.raises(ConfigurationError, match="dates: must name at least one date"):
        Dates([], timezone="Asia/Shanghai", name="h")


def test_operator_allowlist_for_commits() -> None:
    rule = OperatorAllowlist({"commit": ["1107550004253538"]})
    registry = register(Registry(), rule)
    assert [c.event_type.__name__ for c in registry.checks_for(CommitFileEvent)] == [
        "CommitFileEvent"
    ]
    ext = Extension("ext", registry=registry)
    refused = ext.handle(commit_file_event(operator="2088000000000001")).verdict
    assert refused is not None and refused.tip == (
        "Committing files is limited to approved accounts; account 2088000000000001 is not one"
    )
    allowed = ext.handle(commit_file_event(operator="1107550004253538")).verdict
    assert allowed is not None and allowed.passed


def test_a_plain_operator_list_still_governs_operation_center_only() -> None:
    registry = from_config({"rules": [{"type": "operator_denylist", "uids": ["42"]}]})
    assert not registry.checks_for(CommitFileEvent)
    ext = Extension("ext", registry=registry)
    assert ext.handle(freeze_event(operator="42")).verdict.result.value == "FAIL"  # type: ignore[union-attr]


def test_change_freeze_window_registered_for_commits() -> None:
    def clock() -> dt.datetime:
        return dt.datetime(2025, 10, 1, 10, 0, tzinfo=SHANGHAI)

    window = ChangeFreezeWindow(
        Dates(["2025-10-01"], timezone="Asia/Shanghai", name="the holiday"), clock=clock
    )
    registry = register(Registry(), window, on=["commit", "deploy"])
    verdict = Extension("ext", registry=registry).handle(commit_file_event()).verdict
    assert verdict is not None and verdict.tip is not None
    assert verdict.tip.startswith("Committing files is not allowed during the holiday")


def test_forbidden_code_check_async_under_handle_async(local_dataworks: LocalDataWorks) -> None:
    import asyncio

    rule = ForbiddenCode(["MAX_PT"], lookups=Lookups(local_dataworks.client()))
    registry = Registry()
    registry.on_deploy_file(name="no-max-pt")(rule.check_async)
    message = deploy_file_event(file_name="dws_orders_d")
    local_dataworks.seed_event_detail(message.message_id, {"CommittedFile": {"Content": CODE}})
    ext = Extension("ext", callback=local_dataworks.client(), registry=registry)
    outcome = asyncio.run(ext.handle_async(message))
    assert outcome.verdict is not None and outcome.verdict.result.value == "FAIL"
    recorded = local_dataworks.verdict_for(message.message_id)
    assert recorded is not None and recorded.api == "UpdateIDEEventResult"
    assert recorded.tip is not None and recorded.tip.startswith("dws_orders_d line 3 uses MAX_PT")
