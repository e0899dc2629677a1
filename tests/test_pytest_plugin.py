"""The pytest plugin: its fixtures used directly, and in a fresh pytest run via ``pytester``
(which proves the ``pytest11`` entry point registers them with nothing to configure)."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

import pytest

from dataworks_ext import (
    CallbackClient,
    Extension,
    FreezeNodeEvent,
    Registry,
    Verdict,
    default_registry,
)
from dataworks_ext.testing import (
    LocalDataWorks,
    RecordingCallback,
    backfill_event,
    freeze_event,
    restore_event,
)
from dataworks_ext.testing.pytest_plugin import TEST_EXTENSION_CODE, MakeExtension

pytest_plugins = ["pytester"]


def _protect() -> Registry:
    registry = Registry()

    @registry.on_freeze
    def protect(event: FreezeNodeEvent) -> Verdict:
        if 700005966962 in event.node_ids:
            return Verdict.fail("protected")
        return Verdict.ok()

    return registry


# ---------------------------------------------------------------------------- used directly


def test_make_extension_delivers_into_the_tests_recording_callback(
    make_extension: MakeExtension, recording_callback: RecordingCallback
) -> None:
    ext = make_extension(_protect())
    assert isinstance(ext, Extension)
    assert ext.callback is recording_callback
    assert ext.extension_code == TEST_EXTENSION_CODE
    ext.handle(freeze_event(node_ids=[700005966962], message_id="m-1"))
    assert recording_callback.verdicts["m-1"] == Verdict.fail("protected")
    assert recording_callback.deliveries[0].extension_code == "test-extension"


def test_make_extension_passes_the_callback_and_options_on(
    make_extension: MakeExtension, recording_callback: RecordingCallback
) -> None:
    registry = Registry()

    @registry.on_restore
    def broken(event: Any) -> Verdict:
        raise RuntimeError("down")

    other = RecordingCallback()
    ext = make_extension(registry, callback=other, extension_code="team-ext", error_result="OK")
    ext.handle(restore_event(message_id="m-1"))
    assert other.verdicts["m-1"].passed  # error_result="OK" reached the Extension
    assert other.deliveries[0].extension_code == "team-ext"
    assert len(recording_callback) == 0


def test_make_extension_builds_a_new_extension_each_call(make_extension: MakeExtension) -> None:
    first, second = make_extension(Registry()), make_extension(Registry())
    message = freeze_event(message_id="m-1")
    assert not first.handle(message).duplicate
    assert first.handle(message).duplicate
    assert not second.handle(message).duplicate  # its own memory of answered messages


def test_make_extension_without_a_registry_uses_the_default_one(
    make_extension: MakeExtension,
) -> None:
    assert make_extension().registry is default_registry


def test_recording_callback_is_fresh_for_each_test(recording_callback: RecordingCallback) -> None:
    assert len(recording_callback) == 0
    recording_callback.deliver("m-1", "ext", Verdict.ok())
    assert len(recording_callback) == 1


def test_local_dataworks_is_running_and_records_real_calls(
    make_extension: MakeExtension, local_dataworks: LocalDataWorks
) -> None:
    assert local_dataworks.endpoint.startswith("http://127.0.0.1:")
    ext = make_extension(_protect(), callback=local_dataworks.client())
    ext.handle(freeze_event(node_ids=[700005966962], message_id="m-1"))
    recorded = local_dataworks.verdict_for("m-1")
    assert recorded is not None
    assert (recorded.result, recorded.tip, recorded.extension_code) == (
        "FAIL",
        "protected",
        "test-extension",
    )


def test_local_dataworks_env_points_from_env_code_at_the_server(
    local_dataworks_env: dict[str, str],
    local_dataworks: LocalDataWorks,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert os.environ["DATAWORKS_ENDPOINT"] == local_dataworks.endpoint
    assert local_dataworks_env["DATAWORKS_EXTENSION_CODE"] == "test-extension"
    assert "DATAWORKS_DRY_RUN" not in os.environ
    ext = Extension.from_env(Registry())
    assert isinstance(ext.callback, CallbackClient)
    ext.handle(backfill_event(message_id="m-1"))
    recorded = local_dataworks.verdict_for("m-1")
    assert recorded is not None
    assert recorded.extension_code == "test-extension"


# ---------------------------------------------------------------------------- in a user's suite

USERS_TESTS = """
from dataworks_ext import FreezeNodeEvent, Registry, Verdict
from dataworks_ext.testing import freeze_event

registry = Registry()

@registry.on_freeze
def protect(event: FreezeNodeEvent) -> Verdict:
    if 700005966962 in event.node_ids:
        return Verdict.fail("protected")
    return Verdict.ok()

def test_refused(make_extension, recording_callback):
    make_extension(registry).handle(freeze_event(node_ids=[700005966962], message_id="m-1"))
    assert recording_callback.verdicts["m-1"].tip == "protected"

def test_the_whole_path(make_extension, local_dataworks):
    ext = make_extension(registry, callback=local_dataworks.client())
    ext.handle(freeze_event(node_ids=[1], message_id="m-2"))
    assert local_dataworks.verdict_for("m-2").result == "OK"

def test_a_wrong_expectation_fails(make_extension, recording_callback):
    make_extension(registry).handle(freeze_event(node_ids=[1], message_id="m-3"))
    assert recording_callback.verdicts["m-3"].tip == "protected"
"""


def test_a_users_suite_gets_the_fixtures_without_configuration(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_users_checks=USERS_TESTS)
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(["*test_a_wrong_expectation_fails*"])


def test_the_fixtures_are_documented(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--fixtures", "-p", "no:cacheprovider")
    result.stdout.fnmatch_lines(["*fixtures defined from dataworks_ext.testing.pytest_plugin*"])
    for name in ("local_dataworks", "local_dataworks_env", "make_extension", "recording_callback"):
        result.stdout.fnmatch_lines([f"{name} -- *pytest_plugin.py:*", "    [A-Z]*"])


def _imported_after(statement: str, candidates: tuple[str, ...]) -> list[str]:
    code = (
        f"import sys\n{statement}\nprint(','.join(m for m in {candidates!r} if m in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    return [name for name in result.stdout.strip().split(",") if name]


def test_the_testing_helpers_and_the_plugin_do_not_import_hypothesis_or_the_official_sdk() -> None:
    statement = "import dataworks_ext, dataworks_ext.testing, dataworks_ext.testing.pytest_plugin"
    heavy = ("hypothesis", "alibabacloud_dataworks_public20200518", "alibabacloud_tea_openapi")
    assert _imported_after(statement, heavy) == []


def test_the_command_starts_without_importing_what_only_some_commands_need() -> None:
    heavy = (
        "hypothesis",
        "alibabacloud_dataworks_public20200518",
        "asyncio",
        "http.server",
        "dataworks_ext.testing",
    )
    assert _imported_after("import dataworks_ext.cli", heavy) == []
