"""``dataworks-ext samples``: a realistic message of every event in each envelope, which the other
commands read back."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_cli import CHECKS, run

from dataworks_ext import parse_message
from dataworks_ext.cli import ExitCode
from dataworks_ext.cli.samples import sample_builders
from dataworks_ext.events import EVENT_KINDS
from dataworks_ext.messages import EnvelopeKind

ENVELOPES = {kind.value for kind in EnvelopeKind}


def test_every_extension_point_event_has_a_sample() -> None:
    from dataworks_ext.events import UnknownEvent

    answered = {kind.event_code for kind in EVENT_KINDS if kind.cls is not UnknownEvent}
    assert set(sample_builders()) == answered


def test_a_new_row_is_a_new_sample() -> None:
    from dataworks_ext.events import (
        EventKind,
        ExtensionPoint,
        Module,
        add_event_kind,
        remove_event_kind,
    )

    row = EventKind(
        "ExtensionPointEvent",
        "approve-leave",
        "dataworks:ApprovalChange:ApproveLeave",
        ExtensionPoint.SECURITY_CENTER,
        "Pre-event for approving a leave",
        Module.SECURITY_CENTER,
    )
    add_event_kind(row)
    try:
        name, build = sample_builders()["approve-leave"]
        assert name == "extension_point_event('approve-leave')"
        assert build(message_id="m-1", envelope="cloudevent").event_code == "approve-leave"
    finally:
        remove_event_kind("approve-leave")
    assert "approve-leave" not in sample_builders()


def test_samples_of_every_event_and_envelope_read_back_with_parse(tmp_path: Path) -> None:
    result = run("samples", "--output", str(tmp_path / "all.json"))
    assert result.returncode == 0, result.stderr
    parsed = run("parse", str(tmp_path / "all.json"), "--json")
    assert parsed.returncode == 0, parsed.stderr
    read = {(m["event_code"], m["envelope"]) for m in json.loads(parsed.stdout)}
    assert read == {(code, envelope) for code in sample_builders() for envelope in ENVELOPES}


def test_a_folder_of_samples_one_file_a_message(tmp_path: Path) -> None:
    result = run("samples", "--output", str(tmp_path / "samples") + "/")
    assert result.returncode == 0, result.stderr
    files = sorted(p.name for p in (tmp_path / "samples").iterdir())
    expected = sorted(f"{code}.{env}.json" for code in sample_builders() for env in ENVELOPES)
    assert files == expected
    for name in files:
        message = parse_message((tmp_path / "samples" / name).read_bytes())
        code, envelope, _ = name.split(".")
        assert (message.event_code, message.envelope.value) == (code, envelope)
    one = run("parse", str(tmp_path / "samples" / "freeze-node.function-compute.json"))
    assert one.returncode == 0, one.stderr
    assert "envelope          function-compute" in one.stdout


def test_one_sample_on_stdout_is_one_message() -> None:
    result = run("samples", "freeze", "--envelope", "cloudevent")
    assert result.returncode == 0, result.stderr
    message = parse_message(result.stdout)
    assert (message.event_code, message.envelope) == ("freeze-node", EnvelopeKind.CLOUDEVENT)
    assert message.needs_answer


def test_json_lines_feed_check(tmp_path: Path) -> None:
    (tmp_path / "mychecks.py").write_text(CHECKS)
    result = run("samples", "backfill-data", "unfreeze-node", "--format", "jsonl")
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.splitlines()) == 2 * len(ENVELOPES)
    (tmp_path / "samples.jsonl").write_text(result.stdout)
    checked = run("check", "samples.jsonl", "--app", "mychecks", "--format", "json", cwd=tmp_path)
    assert checked.returncode == 0, checked.stderr
    events = [m["event_code"] for m in json.loads(checked.stdout)["messages"]]
    assert sorted(set(events)) == ["backfill-data", "unfreeze-node"]


def test_list_names_every_event_and_its_builder() -> None:
    result = run("samples", "--list")
    assert result.returncode == 0, result.stderr
    for code, (builder, _) in sample_builders().items():
        assert any(line.split()[:2] == [code, builder] for line in result.stdout.splitlines())


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nonsense"], "no sample of 'nonsense'"),
        (["--envelope", "kafka"], "--envelope 'kafka': choose from"),
    ],
)
def test_samples_refuses_what_it_does_not_know(args: list[str], message: str) -> None:
    result = run("samples", *args)
    assert result.returncode == ExitCode.USAGE
    assert message in result.stderr
