"""parse(serialise(x)) == x for every model and envelope, and fuzzing of real messages."""

from __future__ import annotations

import copy
import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dataworks_ext import (
    EnvelopeKind,
    EventMessage,
    MessageError,
    UnknownEvent,
    parse_message,
    parse_messages,
)
from dataworks_ext._convert import structure_event, unstructure_event
from dataworks_ext.testing import backfill_event, freeze_event, unpublish_event
from dataworks_ext.testing import strategies as dws

ROUND_TRIP = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@ROUND_TRIP
@given(dws.extension_events())
def test_every_event_round_trips_through_its_wire_form(event: Any) -> None:
    wire = unstructure_event(event)
    assert wire["eventCode"] == event.event_code
    assert structure_event(json.loads(json.dumps(wire)), type(event)) == event


@ROUND_TRIP
@given(dws.biz_periods())
def test_periods_round_trip(period: Any) -> None:
    wire = unstructure_event(period)
    assert set(wire) == {"bizBeginTime", "bizEndTime"}
    assert structure_event(wire, type(period)) == period


@ROUND_TRIP
@given(dws.messages(envelope=EnvelopeKind.CLOUDEVENT))
def test_cloudevent_messages_round_trip(message: EventMessage) -> None:
    assert parse_message(message.to_json()) == message
    assert parse_message(message.to_dict()) == message


@ROUND_TRIP
@given(dws.messages(envelope=EnvelopeKind.FUNCTION_COMPUTE))
def test_function_compute_messages_round_trip(message: EventMessage) -> None:
    assert parse_message(message.to_json()) == message


@ROUND_TRIP
@given(dws.messages(dws.unknown_events()))
def test_unknown_events_round_trip_with_their_payload(message: EventMessage) -> None:
    parsed = parse_message(message.to_json())
    assert parsed == message
    assert isinstance(parsed.event, UnknownEvent)
    assert parsed.event.payload == message.event.payload  # type: ignore[union-attr]


@ROUND_TRIP
@given(dws.batches())
def test_batches_round_trip(messages: list[EventMessage]) -> None:
    raw = json.dumps([m.to_dict() for m in messages]).encode()
    assert parse_messages(raw) == messages


@ROUND_TRIP
@given(dws.messages(dws.extension_events()), st.data())
def test_ids_as_decimal_strings_parse_the_same(message: EventMessage, data: st.DataObject) -> None:
    wire = message.to_dict()
    payload = wire["data"] if "data" in wire else wire["messageBody"]
    for key in ("projectId", "tenantId", "rootNodeId", "rootNodeProjectId"):
        if key in payload and data.draw(st.booleans()):
            payload[key] = str(payload[key])
    for key in ("nodeIds", "includeNodeIds", "excludeNodeIds"):
        if key in payload and data.draw(st.booleans()):
            payload[key] = [str(i) for i in payload[key]]
    assert parse_message(json.dumps(wire)) == message


# ---------------------------------------------------------------- fuzzing real messages

REAL = [
    freeze_event().to_dict(),
    unpublish_event(envelope="function-compute").to_dict(),
    backfill_event(days=3).to_dict(),
]
WEIRD_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),  # NaN never equals itself, so no round trip could keep it
    st.text(max_size=30),
    st.text(min_size=5_000, max_size=6_000),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=3),
    st.just("[" * 5_000),
    st.just('[{"bizBeginTime":"2024-02-30"}]'),
)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(value, dict):
        for key, child in value.items():
            found += _paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found += _paths(child, (*prefix, index))
    return found


def _set(root: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    target = root
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return root


def _delete(root: Any, path: tuple[Any, ...]) -> Any:
    if not path:
        return None
    target = root
    for step in path[:-1]:
        target = target[step]
    del target[path[-1]]
    return root


@st.composite
def mutated_messages(draw: st.DrawFn) -> Any:
    """A real message with a few of its values swapped, deleted or truncated."""
    original = copy.deepcopy(draw(st.sampled_from(REAL)))
    mutated: Any = original
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        paths = _paths(mutated)
        path = draw(st.sampled_from(paths))
        action = draw(st.sampled_from(["swap", "delete", "stringify"]))
        if action == "swap":
            mutated = _set(mutated, path, draw(WEIRD_VALUES))
        elif action == "delete":
            mutated = _delete(mutated, path)
        else:
            mutated = _set(mutated, path, json.dumps(_get(mutated, path)))
    text = json.dumps(mutated)
    form = draw(st.sampled_from(["object", "text", "truncated", "bytes-garbled"]))
    if form == "object":
        return mutated
    if form == "text":
        return text
    if form == "truncated":
        return text[: draw(st.integers(min_value=0, max_value=len(text)))]
    raw = bytearray(text.encode())
    if raw:
        raw[draw(st.integers(min_value=0, max_value=len(raw) - 1))] = draw(
            st.integers(min_value=0x80, max_value=0xFF)
        )
    return bytes(raw)


def _get(root: Any, path: tuple[Any, ...]) -> Any:
    for step in path:
        root = root[step]
    return root


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_messages())
def test_only_message_error_escapes_from_mutated_messages(raw: Any) -> None:
    try:
        message = parse_message(raw)
    except MessageError as exc:
        assert str(exc)
        return
    assert isinstance(message, EventMessage)
    # what parsed must serialise and parse back to the same message
    assert parse_message(message.to_json()) == message


@ROUND_TRIP
@given(dws.modelled_events())
def test_every_modelled_event_round_trips_through_its_wire_form(event: Any) -> None:
    wire = json.loads(json.dumps(unstructure_event(event)))
    assert wire["eventCode"] == event.event_code
    assert None not in wire.values() or event.extra
    assert structure_event(wire, type(event)) == event


@ROUND_TRIP
@given(dws.messages(dws.datastudio_events() | dws.instance_events() | dws.extension_point_events()))
def test_new_extension_point_messages_round_trip_in_both_envelopes(message: EventMessage) -> None:
    parsed = parse_message(message.to_json())
    assert parsed == message
    assert parse_message(message.to_text()) == message
    assert type(parsed.event) is type(message.event)
    assert parsed.needs_answer == (message.extension_biz_id is not None)
