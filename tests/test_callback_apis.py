"""Every extension point answered through its own API, through the official SDK's signed calls."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest

from dataworks_ext import (
    EVENT_KINDS,
    CallbackApi,
    ConfigurationError,
    Extension,
    NodeLookupError,
    Registry,
    Verdict,
)
from dataworks_ext.events import EventKind
from dataworks_ext.testing import (
    LocalDataWorks,
    PrintingCallback,
    RecordingCallback,
    commit_file_event,
    event_for,
    extension_point_event,
    freeze_event,
    unpublish_event,
)
from dataworks_ext.testing._builders import _BY_CODE

EXTENSION_POINTS = [kind for kind in EVENT_KINDS if kind.is_extension_point]


def _always(verdict: Verdict) -> Any:
    def check(event: Any) -> Verdict:
        return verdict

    return check


def _registry_for(kind: EventKind, verdict: Verdict) -> Registry:
    registry = Registry()
    registry.on(kind.event_code)(_always(verdict))
    return registry


def test_every_modelled_code_has_a_builder() -> None:
    assert set(_BY_CODE) == {kind.event_code for kind in EVENT_KINDS if kind.has_model}


@pytest.mark.parametrize("envelope", ["cloudevent", "function-compute"])
@pytest.mark.parametrize("kind", EXTENSION_POINTS, ids=lambda kind: kind.event_code)
def test_each_extension_point_is_answered_through_its_api(
    local_dataworks: LocalDataWorks, kind: EventKind, envelope: str
) -> None:
    ext = Extension(
        "ext",
        callback=local_dataworks.client(),
        registry=_registry_for(kind, Verdict.fail(f"no {kind.event_code} today")),
    )
    message = event_for(kind.event_code, envelope=envelope)
    outcome = ext.handle(message.to_json())
    assert outcome.delivered, outcome.error
    recorded = local_dataworks.verdict_for(message.message_id)
    assert recorded is not None
    assert recorded.api == kind.api.value if kind.api else "CallbackExtension"
    assert (recorded.result, recorded.tip) == ("FAIL", f"no {kind.event_code} today")


@pytest.mark.parametrize("kind", EXTENSION_POINTS, ids=lambda kind: kind.event_code)
def test_each_extension_point_is_answered_through_its_api_async(
    local_dataworks: LocalDataWorks, kind: EventKind
) -> None:
    async def check(event: Any) -> Verdict:
        return Verdict.ok("checked")

    registry = Registry()
    registry.on(kind.event_code)(check)
    ext = Extension("ext", callback=local_dataworks.client(), registry=registry)
    message = event_for(kind.event_code)
    outcome = asyncio.run(ext.handle_async(message))
    assert outcome.delivered, outcome.error
    recorded = local_dataworks.verdict_for(message.message_id)
    assert recorded is not None and kind.api is not None
    assert (recorded.api, recorded.result, recorded.tip) == (kind.api.value, "OK", "checked")


@pytest.mark.parametrize(
    ("code", "api", "tip_parameter"),
    [
        ("commit-file", "UpdateIDEEventResult", "CheckResultTip"),
        ("deploy-table", "UpdateIDEEventResult", "CheckResultTip"),
        ("start-diJob", "CallbackExtension", "CheckMessage"),
        ("delete-project", "CallbackExtension", "CheckMessage"),
    ],
)
def test_warn_reaches_the_apis_that_take_it(
    local_dataworks: LocalDataWorks, code: str, api: str, tip_parameter: str
) -> None:
    registry = Registry()
    registry.on(code)(_always(Verdict.warn("MAX_PT on line 3")))
    ext = Extension("ext", callback=local_dataworks.client(), registry=registry)
    message = event_for(code)
    outcome = ext.handle(message)
    assert outcome.verdict == Verdict.warn("MAX_PT on line 3")
    recorded = local_dataworks.verdict_for(message.message_id)
    assert recorded is not None
    assert (recorded.api, recorded.result, recorded.tip) == (api, "WARN", "MAX_PT on line 3")
    assert CallbackApi(api).tip_parameter == tip_parameter


@pytest.mark.parametrize("handle", ["sync", "async"])
def test_warn_on_an_operation_center_event_is_ok_with_its_tip_and_a_warning(
    local_dataworks: LocalDataWorks, caplog: pytest.LogCaptureFixture, handle: str
) -> None:
    registry = Registry()
    registry.on_freeze(_always(Verdict.warn("node 7 feeds the finance close")))
    ext = Extension("ext", callback=local_dataworks.client(), registry=registry)
    message = freeze_event()
    with caplog.at_level(logging.WARNING, logger="dataworks_ext"):
        if handle == "sync":
            outcome = ext.handle(message)
        else:
            outcome = asyncio.run(ext.handle_async(message))
    assert outcome.delivered
    assert outcome.verdict == Verdict.ok("node 7 feeds the finance close")
    recorded = local_dataworks.verdict_for(message.message_id)
    assert recorded is not None
    assert (recorded.api, recorded.result, recorded.tip) == (
        "UpdateWorkbenchEventResult",
        "OK",
        "node 7 feeds the finance close",
    )
    assert any("takes no WARN" in r.getMessage() for r in caplog.records)


def test_the_client_sends_a_warn_for_the_workbench_api_as_ok(
    local_dataworks: LocalDataWorks, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="dataworks_ext"):
        local_dataworks.client().deliver("m-w", "ext", Verdict.warn("careful"))
    recorded = local_dataworks.verdict_for("m-w")
    assert recorded is not None and (recorded.result, recorded.tip) == ("OK", "careful")
    assert any("takes no WARN" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize("handle", ["sync", "async"])
def test_an_unknown_extension_point_code_is_answered_through_callback_extension(
    local_dataworks: LocalDataWorks, caplog: pytest.LogCaptureFixture, handle: str
) -> None:
    ext = Extension(
        "ext", callback=local_dataworks.client(), registry=Registry(), unhandled_result="FAIL"
    )
    message = extension_point_event("approve-quantum-leap", {"extensionBizName": "x"})
    with caplog.at_level(logging.WARNING, logger="dataworks_ext"):
        if handle == "sync":
            outcome = ext.handle(message.to_json())
        else:
            outcome = asyncio.run(ext.handle_async(message.to_json()))
    assert outcome.delivered
    recorded = local_dataworks.verdict_for(message.message_id)
    assert recorded is not None
    assert (recorded.api, recorded.result) == ("CallbackExtension", "FAIL")
    assert recorded.tip == "This extension has no check for approve-quantum-leap events"
    assert any("does not know" in r.getMessage() for r in caplog.records)


def test_a_known_event_without_checks_is_answered_through_its_own_api(
    local_dataworks: LocalDataWorks,
) -> None:
    ext = Extension("ext", callback=local_dataworks.client(), registry=Registry())
    message = commit_file_event()
    assert ext.handle(message).delivered
    recorded = local_dataworks.verdict_for(message.message_id)
    assert recorded is not None and (recorded.api, recorded.result) == (
        "UpdateIDEEventResult",
        "OK",
    )


def test_a_regular_event_gets_no_answer(local_dataworks: LocalDataWorks) -> None:
    ext = Extension("ext", callback=local_dataworks.client(), registry=Registry())
    outcome = ext.handle(
        {
            "id": "m-r",
            "type": "dataworks:InstanceChange:InstanceStatusChanges",
            "data": {"eventCode": "instance-status-changes", "status": "SUCCESS"},
        }
    )
    assert outcome.verdict is None and local_dataworks.calls == 0


def test_checks_registered_by_code_run_for_the_generic_event() -> None:
    registry = Registry()
    registry.on("start-diJob")(_always(Verdict.fail("no syncs during the close")))
    recorder = RecordingCallback()
    message = event_for("start-diJob")
    Extension("ext", callback=recorder, registry=registry).handle(message)
    assert recorder.verdicts[message.message_id] == Verdict.fail("no syncs during the close")
    assert recorder.apis[message.message_id] is CallbackApi.CALLBACK_EXTENSION


def test_apis_override_per_event_code_and_kind(local_dataworks: LocalDataWorks) -> None:
    from dataworks_ext.events import kind_for_code

    ext = Extension(
        "ext",
        callback=local_dataworks.client(),
        registry=Registry(),
        apis={
            "commit-file": CallbackApi.CALLBACK_EXTENSION,
            kind_for_code("undeploy-node"): "CallbackExtension",
        },
    )
    commit, unpublish, freeze = commit_file_event(), unpublish_event(), freeze_event()
    for message in (commit, unpublish, freeze):
        assert ext.handle(message).delivered
    apis = [local_dataworks.verdict_for(m.message_id).api for m in (commit, unpublish, freeze)]  # type: ignore[union-attr]
    assert apis == ["CallbackExtension", "CallbackExtension", "UpdateWorkbenchEventResult"]


@pytest.mark.parametrize(
    ("apis", "problem"),
    [
        ({"commit-files": CallbackApi.CALLBACK_EXTENSION}, "'commit-files' is not the code"),
        ({"instance-status-changes": "CallbackExtension"}, "is not the code"),
        ({"commit-file": "UpdateNothing"}, "apis['commit-file'] must be one of"),
        (["commit-file"], "apis must map event codes"),
    ],
)
def test_apis_override_is_validated(apis: Any, problem: str) -> None:
    with pytest.raises(ConfigurationError, match=problem.replace("[", r"\[").replace("]", r"\]")):
        Extension("ext", apis=apis)


@pytest.mark.parametrize("name", ["unhandled_result", "error_result", "timeout_result"])
def test_policies_accept_warn(name: str) -> None:
    assert Extension("ext", **{name: "warn"}).__getattribute__(name).value == "WARN"
    with pytest.raises(ConfigurationError, match="'OK', 'WARN' or 'FAIL'"):
        Extension("ext", **{name: "MAYBE"})


def test_error_result_warn_answers_warn_with_the_errors_own_tip() -> None:
    registry = Registry()

    @registry.on_commit_file(name="needs_the_node")
    def needs_the_node(event: Any) -> Verdict:
        raise NodeLookupError(
            "DataWorks has no such node",
            kind="node",
            object_id=404,
            api="GetNode",
            not_found=True,
        )

    recorder = RecordingCallback()
    message = commit_file_event()
    Extension("ext", callback=recorder, registry=registry, error_result="WARN").handle(message)
    verdict = recorder.verdicts[message.message_id]
    assert verdict.result.value == "WARN"
    assert verdict.tip == (
        "Check 'needs_the_node' failed with NodeLookupError: Node 404 could not be looked up "
        "in DataWorks: DataWorks has no such node; passed by the extension's policy"
    )


def test_unhandled_warn_is_ok_with_a_tip_on_operation_center() -> None:
    recorder = RecordingCallback()
    message = freeze_event()
    Extension("ext", callback=recorder, registry=Registry(), unhandled_result="WARN").handle(
        message
    )
    verdict = recorder.verdicts[message.message_id]
    assert (verdict.result.value, recorder.apis[message.message_id].value) == (
        "OK",
        "UpdateWorkbenchEventResult",
    )
    assert verdict.tip == (
        "This extension has no check for freeze-node events; passed by the extension's policy"
    )


def test_a_callback_written_without_api_still_works() -> None:
    sent: list[tuple[str, str, Verdict]] = []

    class Old:
        def deliver(self, message_id: str, extension_code: str, verdict: Verdict) -> None:
            sent.append((message_id, extension_code, verdict))

        async def deliver_async(
            self, message_id: str, extension_code: str, verdict: Verdict
        ) -> None:
            self.deliver(message_id, extension_code, verdict)

    ext = Extension("ext", callback=Old(), registry=Registry())  # type: ignore[arg-type]
    message = commit_file_event()
    assert ext.handle(message).delivered
    assert asyncio.run(ext.handle_async(freeze_event())).delivered
    assert sent[0][0] == message.message_id and len(sent) == 2


def test_printing_callback_names_the_api(capsys: pytest.CaptureFixture[str]) -> None:
    message = commit_file_event(message_id="m-p")
    Extension("ext", callback=PrintingCallback(), registry=Registry()).handle(message)
    assert capsys.readouterr().out == "[dry run] m-p (ext): OK via UpdateIDEEventResult\n"


def test_update_ide_event_result_needs_no_success_field(local_dataworks: LocalDataWorks) -> None:
    # UpdateIDEEventResult answers with its RequestId alone: that is an accepted delivery.
    local_dataworks.client().deliver(
        "m-i", "ext", Verdict.fail("no"), api=CallbackApi.UPDATE_IDE_EVENT_RESULT
    )
    assert local_dataworks.count_for("m-i") == 1


@pytest.mark.parametrize(
    ("message", "api"),
    [
        (freeze_event(message_id="m-u1"), "UpdateWorkbenchEventResult"),
        (commit_file_event(message_id="m-u2"), "UpdateIDEEventResult"),
        (event_for("start-diJob", message_id="m-u3"), "CallbackExtension"),
    ],
    ids=["freeze", "commit-file", "start-diJob"],
)
@pytest.mark.parametrize("envelope", ["cloudevent", "function-compute"])
def test_an_unreadable_message_is_answered_through_the_api_of_the_event_it_names(
    local_dataworks: LocalDataWorks, message: Any, api: str, envelope: str
) -> None:
    from dataworks_ext.testing import as_envelope, with_payload

    raw = with_payload(as_envelope(message, envelope), operator=["not", "a", "uid"])
    ext = Extension("ext", callback=local_dataworks.client(), registry=Registry())
    outcome = ext.handle(raw)
    assert outcome.delivered and outcome.error is not None
    recorded = local_dataworks.verdict_for(message.message_id)
    assert recorded is not None and (recorded.api, recorded.result) == (api, "FAIL")


def test_an_unreadable_message_naming_no_event_goes_to_callback_extension(
    local_dataworks: LocalDataWorks,
) -> None:
    ext = Extension("ext", callback=local_dataworks.client(), registry=Registry())
    outcome = ext.handle({"id": "m-u4", "data": "not an object"})
    assert outcome.delivered
    recorded = local_dataworks.verdict_for("m-u4")
    assert recorded is not None and recorded.api == "CallbackExtension"
