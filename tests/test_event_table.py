"""The table of event kinds drives the surface: the generated registry code agrees with it, the
builders, strategies, CLI words and policy operations read it, and a new event is one model
class and one row."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import attrs
import pytest

from dataworks_ext import Extension, Registry, Verdict, parse_message
from dataworks_ext.events import (
    EVENT_KINDS,
    CallbackApi,
    EventKind,
    ExtensionPoint,
    Module,
    TableEvent,
    add_event_kind,
    api_for_code,
    event_kinds,
    kind_for_class,
    kind_for_code,
    kind_for_type,
    remove_event_kind,
)
from dataworks_ext.testing import RecordingCallback, event_for

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "generate_registry.py"


def _generator() -> object:
    spec = importlib.util.spec_from_file_location("generate_registry", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# ------------------------------------------------------------------ generated code


def test_the_generated_registry_surface_agrees_with_the_table() -> None:
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--check"], capture_output=True, text=True, cwd=ROOT
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_check_fails_when_the_table_has_a_row_the_code_lacks() -> None:
    generator = _generator()
    rows = generator._rows()  # type: ignore[attr-defined]
    current = generator.surface(rows)  # type: ignore[attr-defined]
    extra = attrs.evolve(rows[0], event_code="archive-table", name="archive_table")
    drifted = generator.surface([*rows, extra])  # type: ignore[attr-defined]
    assert drifted != current
    assert "def on_archive_table(" in drifted and "def on_archive_table(" not in current
    assert 'Literal["archive-table"]' in drifted


def test_every_modelled_row_has_its_decorator_builder_and_strategy() -> None:
    from dataworks_ext import registry, testing

    strategies = pytest.importorskip("dataworks_ext.testing.strategies")
    for kind in EVENT_KINDS:
        if not kind.has_model:
            assert kind.name is None and kind.decorator is None
            continue
        assert kind.cls.event_code == kind.event_code
        assert callable(getattr(Registry, kind.decorator or ""))
        assert getattr(registry, kind.decorator or "").__name__ == kind.decorator
        assert getattr(testing, kind.builder or "")().event_code == kind.event_code
        assert callable(getattr(strategies, kind.strategy or ""))
        assert kind_for_class(kind.cls) is kind


def test_the_policy_operations_are_the_rows_operations() -> None:
    from typing import get_args

    from dataworks_ext import policies

    rows = {k.operation: k.cls for k in EVENT_KINDS if k.operation is not None}
    assert dict(policies.EVENT_FOR_OPERATION) == rows
    assert set(get_args(policies.Operation)) == set(rows)
    kill = policies.operation_of(event_for("pre-kill-instance").event)
    assert kill == "kill-instance"


def test_the_cli_words_are_the_rows_words() -> None:
    from dataworks_ext.cli._app import _EVENT_WORDS

    assert _EVENT_WORDS.get("unfreeze-node", "?") == "restore"
    assert _EVENT_WORDS.get("commit-file", "commit-file") == "commit-file"
    words = {k.event_code: k.word for k in EVENT_KINDS if k.word}
    assert words == {
        "freeze-node": "freeze",
        "unfreeze-node": "restore",
        "undeploy-node": "unpublish",
        "backfill-data": "backfill",
    }


def test_a_row_that_repeats_a_code_a_type_or_a_name_is_refused() -> None:
    freeze = kind_for_code("freeze-node")
    assert freeze is not None
    with pytest.raises(ValueError, match="event code 'freeze-node'"):
        add_event_kind(freeze)
    with pytest.raises(ValueError, match="EventBridge type"):
        add_event_kind(attrs.evolve(freeze, event_code="x-freeze", name="x", word=None))
    with pytest.raises(ValueError, match="name 'freeze'"):
        add_event_kind(attrs.evolve(freeze, event_code="x", eventbridge_type="d:X:Y", word=None))
    with pytest.raises(ValueError, match="built-in"):
        remove_event_kind("freeze-node")


# ------------------------------------------------------------------ a new event: a class, a row


@attrs.frozen(kw_only=True)
class ArchiveTableEvent(TableEvent):
    """Someone is about to archive a table (a made-up event, for the test)."""

    event_code: ClassVar[str] = "archive-table"
    extension_point: ClassVar[ExtensionPoint] = ExtensionPoint.TABLE_CHANGE


ARCHIVE = EventKind(
    ArchiveTableEvent,
    "archive-table",
    "dataworks:TableChange:ArchiveTable",
    ExtensionPoint.TABLE_CHANGE,
    "Pre-event for table archiving",
    Module.DATASTUDIO,
    CallbackApi.UPDATE_IDE_EVENT_RESULT,
    name="archive_table",
    word="archive",
    defaults={"table_type": "ODPS", "max_compute_project": "sales_dw_cold"},
)


@pytest.fixture
def archive_row() -> Iterator[EventKind]:
    kind = add_event_kind(ARCHIVE)
    try:
        yield kind
    finally:
        remove_event_kind(kind.event_code)
    assert kind_for_code("archive-table") is None


def test_a_new_event_is_one_class_and_one_row(archive_row: EventKind) -> None:
    # The table: every lookup finds the row.
    assert event_kinds()[-1] is archive_row and archive_row not in EVENT_KINDS
    assert kind_for_type("dataworks:tablechange:archivetable") is archive_row
    assert kind_for_class(ArchiveTableEvent) is archive_row
    assert api_for_code("archive-table") is CallbackApi.UPDATE_IDE_EVENT_RESULT

    # The builders: event_for builds it with its family's defaults and its row's.
    message = event_for("archive-table", table_name="ods_orders_2019")
    assert type(message.event) is ArchiveTableEvent
    assert message.event.max_compute_project == "sales_dw_cold"
    assert message.event_type == "dataworks:TableChange:ArchiveTable"

    # Parsing: the wire form reads back into the class.
    parsed = parse_message(message.to_dict())
    assert parsed.event == message.event and parsed.kind is archive_row

    # The registry: registered by code, found by class and by message; the verdict is sent
    # through the row's API.
    registry = Registry()

    @registry.on("archive-table", name="keep-recent")
    def keep_recent(event: object) -> Verdict:
        assert isinstance(event, ArchiveTableEvent)
        return Verdict.fail("tables of this year stay") if "2024" in event.table_name else None

    assert registry.checks_for(ArchiveTableEvent)[0].name == "keep-recent"
    assert registry.counts() == {"archive-table": 1}
    recorder = RecordingCallback()
    extension = Extension("ext", registry=registry, callback=recorder)
    outcome = extension.handle(event_for("archive-table", table_name="ods_2024").to_dict())
    assert outcome.verdict is not None and outcome.verdict.tip == "tables of this year stay"
    assert recorder.apis[outcome.message_id] is CallbackApi.UPDATE_IDE_EVENT_RESULT

    # The CLI: its word, and a sample of it.
    from dataworks_ext.cli._app import _EVENT_WORDS
    from dataworks_ext.cli.samples import sample_builders

    assert _EVENT_WORDS.get("archive-table", "archive-table") == "archive"
    name, build = sample_builders()["archive-table"]
    assert name == "archive_table_event"
    assert type(build(message_id="m-1", envelope="function-compute").event) is ArchiveTableEvent


def test_the_strategies_draw_a_new_event_too(archive_row: EventKind) -> None:
    strategies = pytest.importorskip("dataworks_ext.testing.strategies")
    hypothesis = pytest.importorskip("hypothesis")

    @hypothesis.given(strategies.strategy_for(archive_row))
    @hypothesis.settings(max_examples=10, deadline=None)
    def drawn(event: object) -> None:
        assert type(event) is ArchiveTableEvent

    drawn()
