"""Extension parameters: parsing, GetExtension through LocalDataWorks (real signed calls),
the cache, and the Extension honouring them."""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from dataworks_ext import (
    AuditRecord,
    CommitFileEvent,
    ConfigurationError,
    Extension,
    FreezeNodeEvent,
    Registry,
    Verdict,
)
from dataworks_ext.messages import EventMessage
from dataworks_ext.settings import ExtensionSettings, SettingsCache, switched_off_by
from dataworks_ext.testing import (
    LocalDataWorks,
    backfill_event,
    commit_file_event,
    freeze_event,
)

CODE = "ext-settings"
MODES = ["sync", "async"]


@pytest.fixture
def local() -> Iterator[LocalDataWorks]:
    with LocalDataWorks() as server:
        yield server


def handle(ext: Extension, message: EventMessage, mode: str) -> Any:
    if mode == "sync":
        return ext.handle(message)
    return asyncio.run(ext.handle_async(message))


def refusing() -> tuple[Registry, list[str]]:
    """A registry whose checks FAIL everything, and the names of the checks that ran."""
    ran: list[str] = []
    reg = Registry()

    @reg.on_freeze
    def freeze(event: FreezeNodeEvent) -> Verdict:
        ran.append("freeze")
        return Verdict.fail("no freezing")

    @reg.on_commit_file
    def commit(event: CommitFileEvent) -> Verdict:
        ran.append("commit")
        return Verdict.fail("no commits")

    return reg, ran


# ---------------------------------------------------------------------------- parsing


def test_each_built_in_key_is_a_typed_field() -> None:
    settings = ExtensionSettings.from_text(
        "extension.project.disabled=1, 2 ,3\n"
        "extension.project.freeze-node.disabled=4\n"
        "extension.project.backfill-data.disabled=5,6\n"
        "extension.fileType.10.commit-file.enabled=false\n"
        "extension.fileType.23.commit-file.enabled=TRUE\n"
        "extension.manualPass.enabled=true\n"
        "threshold=40\n"
        "owners=a=b\n"
    )
    assert settings.disabled_workspaces == {1, 2, 3}
    assert settings.disabled_by_event == {"freeze-node": {4}, "backfill-data": {5, 6}}
    assert settings.file_types == {("10", "commit-file"): False, ("23", "commit-file"): True}
    assert settings.manual_pass is True
    assert settings.parameters == {"threshold": "40", "owners": "a=b"}
    assert settings.problems == ()


def test_append_extends_the_list_and_repeated_keys_keep_the_last() -> None:
    settings = ExtensionSettings.from_text(
        "extension.project.disabled=1,2\n"
        "extension.project.disabled.append=3\n"
        "extension.project.disabled=4\n"
        "extension.project.disabled.append=5,6\n"
        "extension.project.run-file.disabled.append=7\n"
        "owner=alice\n"
        "owner=bob\n"
        "extension.manualPass.enabled=true\n"
        "extension.manualPass.enabled=false\n"
    )
    assert settings.disabled_workspaces == {3, 4, 5, 6}  # the last value, and every append
    assert settings.disabled_by_event == {"run-file": {7}}  # an append alone makes the list
    assert settings.parameters == {"owner": "bob"}
    assert settings.manual_pass is False


def test_unreadable_lines_are_skipped_and_named() -> None:
    settings = ExtensionSettings.from_text(
        "\n   \njust text\n=novalue\nextension.project.disabled=7,x\n"
        "extension.manualPass.enabled=maybe\nextension.fileType.commit-file.enabled=false\n"
    )
    assert settings.disabled_workspaces == {7}
    assert settings.manual_pass is None
    assert settings.file_types == {}
    assert settings.problems == (
        "line 3: not key=value",
        "line 4: not key=value",
        "line 5: extension.project.disabled: 'x' is not a workspace id",
        "line 6: extension.manualPass.enabled: 'maybe' is not true or false",
        "line 7: extension.fileType.commit-file.enabled: expected "
        "extension.fileType.TYPE.CODE.enabled",
    )
    with pytest.raises(ConfigurationError):
        ExtensionSettings.from_text(42)  # type: ignore[arg-type]


def test_switched_off_by_names_the_parameter() -> None:
    settings = ExtensionSettings.from_text(
        "extension.project.disabled=100\n"
        "extension.project.freeze-node.disabled=200\n"
        "extension.fileType.10.commit-file.enabled=false\n"
    )
    assert switched_off_by(settings, freeze_event(project_id=100)) == "extension.project.disabled"
    assert (
        switched_off_by(settings, freeze_event(project_id=200))
        == "extension.project.freeze-node.disabled"
    )
    assert switched_off_by(settings, backfill_event(project_id=200)) is None  # other point
    assert switched_off_by(settings, freeze_event(project_id=300)) is None  # unknown workspace
    assert (
        switched_off_by(settings, commit_file_event(file_type=10))
        == "extension.fileType.10.commit-file.enabled"
    )
    assert switched_off_by(settings, commit_file_event(file_type=11)) is None


# ---------------------------------------------------------------------------- the Extension


@pytest.mark.parametrize("mode", MODES)
def test_a_disabled_workspace_is_answered_ok_without_checks(
    local: LocalDataWorks, mode: str
) -> None:
    local.set_extension_settings(CODE, "extension.project.disabled=23393,23394\nowner=me")
    reg, ran = refusing()
    records: list[AuditRecord] = []
    ext = Extension(CODE, local.client(), reg, on_audit=records.append)
    outcome = handle(ext, freeze_event(project_id=23394, message_id=f"off-{mode}"), mode)
    assert outcome.delivered and outcome.verdict.passed
    assert ran == []
    recorded = local.verdict_for(f"off-{mode}")
    assert recorded is not None and recorded.result == "OK"
    assert recorded.tip is not None and "extension.project.disabled" in recorded.tip
    assert records[0].reason == "switched off"
    assert records[0].switched_off_by == "extension.project.disabled"
    assert records[0].decided_by == ("extension.project.disabled",)
    assert records[0].to_dict()["switched_off_by"] == "extension.project.disabled"
    # another workspace (one the parameters do not name) is checked
    checked = handle(ext, freeze_event(project_id=1, message_id=f"on-{mode}"), mode)
    assert checked.verdict.result.value == "FAIL" and ran == ["freeze"]
    assert records[1].reason == "checked" and records[1].switched_off_by is None
    assert local.calls_for("GetExtension") == 1  # cached


@pytest.mark.parametrize("mode", MODES)
def test_an_event_point_and_a_file_type_are_switched_off(local: LocalDataWorks, mode: str) -> None:
    local.set_extension_settings(
        CODE,
        "extension.project.freeze-node.disabled=23393\n"
        "extension.fileType.10.commit-file.enabled=false\n"
        "extension.fileType.11.commit-file.enabled=true\n",
    )
    reg, ran = refusing()
    ext = Extension(CODE, local.client(), reg)
    off = handle(ext, freeze_event(project_id=23393), mode)
    assert off.verdict.passed and "extension.project.freeze-node.disabled" in off.verdict.tip
    off = handle(ext, commit_file_event(file_type=10), mode)
    assert off.verdict.passed and "extension.fileType.10.commit-file.enabled" in off.verdict.tip
    assert ran == []
    assert not handle(ext, commit_file_event(file_type=11), mode).verdict.passed
    assert ran == ["commit"]


def test_honour_parameters_false_runs_the_checks(local: LocalDataWorks) -> None:
    local.set_extension_settings(CODE, "extension.project.disabled=23393")
    reg, ran = refusing()
    ext = Extension(CODE, local.client(), reg, honour_parameters=False)
    assert not ext.handle(freeze_event(project_id=23393)).verdict.passed
    assert ran == ["freeze"]
    assert local.calls_for("GetExtension") == 0  # no check wants them: not even read
    with pytest.raises(ConfigurationError, match="honour_parameters"):
        Extension(CODE, local.client(), reg, honour_parameters="yes")  # type: ignore[arg-type]


def test_a_dry_run_reads_no_settings() -> None:
    reg, ran = refusing()
    ext = Extension(CODE, None, reg)
    assert ext.settings_cache is None
    assert not ext.handle(freeze_event(project_id=23393)).verdict.passed
    assert ran == ["freeze"]


@pytest.mark.parametrize("mode", MODES)
def test_a_check_that_declares_settings_receives_them(local: LocalDataWorks, mode: str) -> None:
    local.set_extension_settings(CODE, "max.nodes=2\nextension.manualPass.enabled=true")
    reg = Registry()
    seen: list[Any] = []

    @reg.on_freeze
    def few_nodes(event: FreezeNodeEvent, *, settings: ExtensionSettings | None = None) -> Verdict:
        assert settings is not None
        seen.append(settings.manual_pass)
        limit = int(settings.parameters["max.nodes"])
        return Verdict.fail(f"over {limit}") if len(event.node_ids) > limit else Verdict.ok()

    @reg.on_freeze
    async def with_message(
        event: FreezeNodeEvent, message: EventMessage, settings: ExtensionSettings | None
    ) -> Verdict:
        seen.append(message.message_id)
        assert settings is not None
        return Verdict.ok()

    checks = reg.checks_for(FreezeNodeEvent)
    assert [(c.wants_message, c.wants_settings, c.is_async) for c in checks] == [
        (False, True, False),
        (True, True, True),
    ]
    ext = Extension(CODE, local.client(), reg, honour_parameters=False)
    outcome = handle(ext, freeze_event(node_ids=[1, 2, 3], message_id=f"s-{mode}"), mode)
    assert outcome.verdict.tip == "over 2"
    assert seen == [True, f"s-{mode}"]
    assert local.calls_for("GetExtension") == 1


def test_a_check_without_a_callback_gets_none_settings() -> None:
    reg = Registry()
    got: list[Any] = ["unset"]

    @reg.on_freeze
    def check(event: FreezeNodeEvent, settings: ExtensionSettings | None = None) -> None:
        got[0] = settings

    Extension(CODE, None, reg).handle(freeze_event())
    assert got == [None]


# ---------------------------------------------------------------------------- the cache


def test_settings_are_cached_and_refreshed_in_the_background(local: LocalDataWorks) -> None:
    local.set_extension_settings(CODE, "owner=alice")
    cache = SettingsCache(local.client(), CODE, ttl=0.3)
    first = cache.get()
    assert first is not None and first.parameters["owner"] == "alice"
    for _ in range(50):
        assert cache.get() is first  # fresh: no call
    assert local.calls_for("GetExtension") == 1
    local.set_extension_settings(CODE, "owner=bob")
    local.delay = 0.3  # the refresh is slow: messages do not wait for it
    time.sleep(0.35)
    started = time.monotonic()
    stale = [cache.get() for _ in range(20)]
    assert time.monotonic() - started < 0.1
    assert all(s is first for s in stale)  # the stale settings serve meanwhile
    deadline = time.monotonic() + 5
    while cache.current is first and time.monotonic() < deadline:
        time.sleep(0.02)
    assert cache.current is not None and cache.current.parameters["owner"] == "bob"
    assert local.calls_for("GetExtension") == 2  # one refresh in flight, not twenty


def test_concurrent_first_readers_share_one_call(local: LocalDataWorks) -> None:
    local.set_extension_settings(CODE, "owner=alice")
    local.delay = 0.2
    cache = SettingsCache(local.client(), CODE)
    found: list[Any] = []
    threads = [threading.Thread(target=lambda: found.append(cache.get())) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(found) == 8 and all(f is found[0] and f is not None for f in found)
    assert local.calls_for("GetExtension") == 1


def test_async_readers_share_one_call_and_refresh_as_a_task(local: LocalDataWorks) -> None:
    local.set_extension_settings(CODE, "owner=alice")
    cache = SettingsCache(local.client(), CODE, ttl=0.2)

    async def main() -> tuple[Any, Any]:
        first = await asyncio.gather(*(cache.get_async() for _ in range(5)))
        await asyncio.sleep(0.25)
        local.set_extension_settings(CODE, "owner=bob")
        stale = await cache.get_async()
        for _ in range(100):
            if cache.current is not stale:
                break
            await asyncio.sleep(0.02)
        return first, stale

    first, stale = asyncio.run(main())
    assert all(f is first[0] for f in first) and stale is first[0]
    assert cache.current is not None and cache.current.parameters["owner"] == "bob"
    assert local.calls_for("GetExtension") == 2


def test_get_extension_failing_with_no_settings_runs_the_checks_and_warns(
    local: LocalDataWorks, caplog: pytest.LogCaptureFixture
) -> None:
    local.set_extension_settings(CODE, "extension.project.disabled=23393")
    local.inject("forbidden", 1, action="GetExtension")
    reg, ran = refusing()
    ext = Extension(CODE, local.client(), reg)
    with caplog.at_level(logging.WARNING, logger="dataworks_ext.settings"):
        outcome = ext.handle(freeze_event(project_id=23393))
    assert not outcome.verdict.passed and ran == ["freeze"]  # checked, not switched off
    assert outcome.delivered
    assert any(
        "no extension settings yet" in r.getMessage() and "Forbidden.Access" in r.getMessage()
        for r in caplog.records
    )
    # the next message within retry_after does not call again
    ext.handle(freeze_event(project_id=23393))
    assert local.calls_for("GetExtension") == 1


def test_get_extension_failing_keeps_the_last_good_settings(
    local: LocalDataWorks, caplog: pytest.LogCaptureFixture
) -> None:
    local.set_extension_settings(CODE, "extension.project.disabled=23393")
    cache = SettingsCache(local.client(max_attempts=1), CODE, ttl=0.1, retry_after=0.1)
    good = cache.get()
    assert good is not None
    local.inject("error", 5, action="GetExtension")
    time.sleep(0.15)
    with caplog.at_level(logging.WARNING, logger="dataworks_ext.settings"):
        assert cache.refresh() is good
    assert cache.failures == 1
    assert any("still serve" in r.getMessage() for r in caplog.records)
    assert cache.get() is good


def test_an_extension_never_set_answers_empty_settings(local: LocalDataWorks) -> None:
    settings = SettingsCache(local.client(), "never-set").get()
    assert settings is not None
    assert settings.extension_code == "never-set" and settings.parameters == {}
    assert settings.status == 1


def test_the_cache_needs_a_client_and_positive_times(local: LocalDataWorks) -> None:
    with pytest.raises(ConfigurationError, match="CallbackClient"):
        SettingsCache(object(), CODE)
    with pytest.raises(ConfigurationError, match="ttl"):
        SettingsCache(local.client(), CODE, ttl=0)


def test_settings_round_trip_the_wire_shape(local: LocalDataWorks) -> None:
    given = ExtensionSettings.from_text(
        "extension.project.disabled=5\nowner=x",
        name="Guard",
        status=0,
        project_testing=23393,
        bound_events=("freeze-node", "commit-file"),
    )
    local.set_extension_settings(CODE, given)
    fetched = SettingsCache(local.client(), CODE).get()
    assert fetched is not None
    assert fetched.name == "Guard" and fetched.status == 0 and fetched.project_testing == 23393
    assert fetched.bound_events == ("freeze-node", "commit-file")
    assert fetched.disabled_workspaces == {5} and fetched.parameters == {"owner": "x"}


# ---------------------------------------------------------------------------- the CLI


def test_trigger_with_settings_file_answers_ok_for_a_disabled_workspace(
    tmp_path: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    from dataworks_ext.cli import ExitCode, main

    app = tmp_path / "guard.py"
    app.write_text(
        "from dataworks_ext import Registry, Verdict\n"
        "registry = Registry()\n"
        "@registry.on_freeze\n"
        "def never(event):\n"
        "    return Verdict.fail('never')\n"
    )
    settings = tmp_path / "settings.txt"
    settings.write_text("extension.project.disabled=23393\n")
    argv = ["trigger", "freeze", "--app", str(app), "--json", "--color", "never"]
    assert main([*argv, "--settings", str(settings)]) == ExitCode.OK
    answered = json.loads(capsys.readouterr().out)
    assert answered["result"] == "OK"
    assert "extension.project.disabled" in answered["tip"]
    assert main(argv) == ExitCode.OK
    assert json.loads(capsys.readouterr().out)["result"] == "FAIL"  # without it: checked
    settings.write_text('{"ParameterSetting": "extension.project.freeze-node.disabled=23393"}')
    assert main([*argv, "--settings", str(settings)]) == ExitCode.OK
    assert "freeze-node.disabled" in json.loads(capsys.readouterr().out)["tip"]
    assert main([*argv, "--settings", str(tmp_path / "missing.txt")]) != ExitCode.OK
    assert "cannot read --settings" in capsys.readouterr().err


def test_a_slow_get_extension_delays_the_first_message_by_its_fetch_deadline_at_most(
    local: LocalDataWorks,
) -> None:
    local.set_extension_settings(CODE, "extension.project.disabled=23393")
    local.inject("slow", 1, delay=3.0, action="GetExtension")
    reg, ran = refusing()
    ext = Extension(CODE, local.client(deadline=20), reg)
    cache = ext.settings_cache
    assert cache is not None
    cache._retry.deadline = 0.5  # what fetch_deadline sets (5 s by default)
    started = time.monotonic()
    outcome = ext.handle(freeze_event(project_id=23393))
    assert time.monotonic() - started < 1.5
    assert ran == ["freeze"] and outcome.delivered  # checked: no settings yet
