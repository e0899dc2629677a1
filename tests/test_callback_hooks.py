"""The client's call hooks (CallRecord, CallHook) and the observers (MessageObserver).

Every call goes to a LocalDataWorks, which checks the official SDK's signatures.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from typing import Any

import pytest

from dataworks_ext import (
    AuditRecord,
    CallbackClient,
    CallRecord,
    ConfigurationError,
    Extension,
    FreezeNodeEvent,
    Lookups,
    NodeInfo,
    Registry,
    Verdict,
)
from dataworks_ext._audit import Trail
from dataworks_ext.telemetry import MessageObserver
from dataworks_ext.testing import LocalDataWorks, freeze_event


@pytest.fixture
def local() -> Iterator[LocalDataWorks]:
    with LocalDataWorks() as server:
        yield server


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(name, raising=False)


class Observer:
    """A MessageObserver of its own: keeps every settled message."""

    active = True

    def __init__(self) -> None:
        self.seen: list[tuple[AuditRecord, Trail]] = []

    def observe(self, record: AuditRecord, trail: Trail) -> None:
        self.seen.append((record, trail))


# ---------------------------------------------------------------- the client's hooks


def test_a_hook_sees_every_attempt_of_deliveries_and_lookups(local: LocalDataWorks) -> None:
    local.add_nodes(NodeInfo(node_id=7, priority=3))
    seen: list[CallRecord] = []
    client = local.client(hooks=[seen.append])
    local.inject("throttle")  # the first attempt is throttled, the retry lands
    client.deliver("m-1", "ext", Verdict.fail("no"))
    assert Lookups(client, ttl=60).node(7).priority == 3
    assert [(r.action, r.delivery, r.attempt, r.failure) for r in seen] == [
        ("update_workbench_event_result", True, 1, "Throttling.User"),
        ("update_workbench_event_result", True, 2, None),
        ("get_node", False, 1, None),
    ]
    assert seen[0].message_id == "m-1" and seen[2].message_id is None
    assert all(r.started <= r.ended and r.api_version == "2020-05-18" for r in seen)
    delivered = local.verdict_for("m-1")
    assert delivered is not None and delivered.result == "FAIL"


def test_a_hook_sees_async_calls(local: LocalDataWorks) -> None:
    seen: list[CallRecord] = []
    client = local.client()
    client.add_hook(seen.append)
    asyncio.run(client.deliver_async("m-2", "ext", Verdict.ok()))
    body = asyncio.run(
        client.call_async("get_extension", "GetExtensionRequest", {"extension_code": "ext"}, False)
    )
    assert body.extension is not None
    assert [(r.action, r.delivery) for r in seen] == [
        ("update_workbench_event_result", True),
        ("get_extension", False),
    ]


def test_a_raising_hook_never_breaks_a_delivery_and_is_logged_once(
    local: LocalDataWorks, caplog: pytest.LogCaptureFixture
) -> None:
    calls: list[CallRecord] = []

    def broken(record: CallRecord) -> None:
        raise RuntimeError("the hook is broken")

    client = local.client(hooks=[broken, calls.append])
    with caplog.at_level(logging.DEBUG, logger="dataworks_ext.callback"):
        client.deliver("m-1", "ext", Verdict.ok())
        asyncio.run(client.deliver_async("m-2", "ext", Verdict.fail("no")))
    results = [getattr(local.verdict_for(m), "result", None) for m in ("m-1", "m-2")]
    assert results == ["OK", "FAIL"]
    assert len(calls) == 2  # the hooks after the broken one are still called
    raised = [r for r in caplog.records if "the call hook" in r.getMessage()]
    assert [r.levelno for r in raised] == [logging.ERROR, logging.DEBUG]
    assert "RuntimeError" in raised[0].getMessage() and raised[0].exc_info is not None


def test_hooks_are_checked_added_once_and_removed() -> None:
    with pytest.raises(ConfigurationError, match="hooks must be a list"):
        CallbackClient(region_id="cn-shanghai", hooks=print)  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="each hook must be callable, got int"):
        CallbackClient(region_id="cn-shanghai", hooks=[1])  # type: ignore[list-item]
    client = CallbackClient(region_id="cn-shanghai")
    with pytest.raises(ConfigurationError, match="must be callable"):
        client.add_hook("print")  # type: ignore[arg-type]
    client.add_hook(print)
    client.add_hook(print)
    assert client.hooks == (print,)
    client.remove_hook(print)
    client.remove_hook(print)
    assert not client.hooks


def test_two_extensions_on_one_client_subscribe_their_trail_once(local: LocalDataWorks) -> None:
    client = local.client()
    Extension("a", client)
    Extension("b", client)
    assert len(client.hooks) == 1


# ---------------------------------------------------------------- the audit trail's calls


def test_the_trail_holds_the_messages_lookups_and_delivery(local: LocalDataWorks) -> None:
    local.add_nodes(NodeInfo(node_id=7, priority=9))
    client = local.client()
    lookups = Lookups(client, ttl=60)
    reg = Registry()

    @reg.on_freeze
    def low_priority(event: FreezeNodeEvent) -> bool:
        return (lookups.node(7).priority or 0) < 8

    observer = Observer()
    ext = Extension("ext", client, reg, telemetry=observer)
    local.inject("error", action="UpdateWorkbenchEventResult")  # the delivery is retried once
    ext.handle(freeze_event(message_id="m-1", node_ids=[7]))
    [(record, trail)] = observer.seen
    assert [(c.action, c.delivery, c.attempt) for c in trail.calls] == [
        ("get_node", False, 1),
        ("update_workbench_event_result", True, 1),
        ("update_workbench_event_result", True, 2),
    ]
    assert record.delivery_attempts == 2 and record.delivered


def test_lookups_on_a_client_of_their_own_are_in_the_messages_trail(
    local: LocalDataWorks,
) -> None:
    local.add_nodes(NodeInfo(node_id=7, priority=3))
    lookups = Lookups(local.client(), ttl=60)  # not the Extension's client
    reg = Registry()

    @reg.on_freeze
    def low_priority(event: FreezeNodeEvent) -> bool:
        return (lookups.node(7).priority or 0) < 8

    observer = Observer()
    ext = Extension("ext", registry=reg, telemetry=observer)  # a dry run: no client at all
    ext.handle(freeze_event(message_id="m-1", node_ids=[7]))
    [(_, trail)] = observer.seen
    assert [(c.action, c.delivery) for c in trail.calls] == [("get_node", False)]


def test_the_settings_fetch_is_not_in_the_messages_trail(local: LocalDataWorks) -> None:
    local.set_extension_settings("ext", "owner=finance")
    observer = Observer()
    ext = Extension("ext", local.client(), Registry(), telemetry=observer)
    ext.handle(freeze_event(message_id="m-1"))
    assert local.calls_for("GetExtension") == 1  # fetched while the message was handled
    [(record, trail)] = observer.seen
    assert [c.action for c in trail.calls] == ["update_workbench_event_result"]
    assert record.delivery_attempts == 1


def test_calls_outside_a_message_go_to_no_trail(local: LocalDataWorks) -> None:
    client = local.client()
    observer = Observer()
    ext = Extension("ext", client, Registry(), telemetry=observer)
    client.deliver("m-0", "ext", Verdict.ok())  # not through the Extension
    ext.handle(freeze_event(message_id="m-1"))
    [(_, trail)] = observer.seen
    assert [c.message_id for c in trail.calls] == ["m-1"]


# ---------------------------------------------------------------- observers


def test_an_observer_of_its_own_receives_every_settled_message(local: LocalDataWorks) -> None:
    observer = Observer()
    assert isinstance(observer, MessageObserver)
    ext = Extension("ext", local.client(), Registry(), telemetry=observer)
    assert ext.telemetry is observer
    ext.handle(freeze_event(message_id="m-1"))
    ext.handle(freeze_event(message_id="m-1"))  # a duplicate: settled too
    ext.handle(b"{not json")
    asyncio.run(ext.handle_async(freeze_event(message_id="m-2")))
    reasons = [(record.message_id, record.reason) for record, _ in observer.seen]
    assert reasons == [
        ("m-1", "unhandled"),
        ("m-1", "duplicate"),
        (None, "rejected"),
        ("m-2", "unhandled"),
    ]


def test_an_inactive_observer_gets_nothing() -> None:
    observer = Observer()
    observer.active = False
    Extension("ext", registry=Registry(), telemetry=observer).handle(freeze_event())
    assert observer.seen == []


class OldStyle:
    active = True

    def _emit(self, trail: Any, record: Any) -> None:
        raise AssertionError("never called")


@pytest.mark.parametrize(
    ("option", "problem"),
    [
        (OldStyle(), "OldStyle, which has no observe\\(record, trail\\) method$"),
        (object(), "object, which has no observe\\(record, trail\\) method and no active"),
        ("on", "str, which has no observe"),
    ],
)
def test_a_telemetry_option_that_is_no_observer_is_a_configuration_error(
    option: object, problem: str
) -> None:
    with pytest.raises(ConfigurationError, match=problem):
        Extension("ext", telemetry=option)  # type: ignore[arg-type]
