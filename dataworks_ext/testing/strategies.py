"""Hypothesis strategies for every event, envelope and batch, valid by construction.

Property-test your checks with them::

    from hypothesis import given
    from dataworks_ext.testing import strategies as dws

    @given(dws.freeze_events())
    def test_protected_nodes_are_never_frozen(event):
        verdict = protect_core(event)
        assert verdict.passed == (700005966962 not in event.node_ids)

This module needs ``hypothesis`` (``pip install 'dataworks-ext[test]'``; without it, importing
this module raises :class:`~dataworks_ext.ConfigurationError` saying so); nothing else in the
SDK imports it.
"""

from __future__ import annotations

import datetime as _dt
import json
from collections.abc import Callable
from typing import Any

from .. import events as ev
from .._convert import WIRE_NAMES, structure_common
from .._extras import require
from ..events import (
    EVENT_KINDS,
    BackfillOrder,
    ChangeType,
    EventKind,
    ExtensionPoint,
    Module,
    event_kinds,
    kind_for_code,
    kind_for_event,
)
from ..messages import EnvelopeKind, EventMessage
from ..nodes import BaselineInfo, InstanceInfo, NodeInfo, write_answer

require("hypothesis", "test")  # a ConfigurationError naming the pip command when missing

from hypothesis import strategies as st  # noqa: E402

__all__ = [
    "backfill_events",
    "baseline_infos",
    "batches",
    "biz_periods",
    "commit_file_events",
    "commit_table_events",
    "datastudio_events",
    "delete_file_events",
    "deploy_file_events",
    "deploy_table_events",
    "events",
    "extension_events",
    "extension_point_events",
    "freeze_events",
    "instance_events",
    "instance_infos",
    "json_values",
    "messages",
    "modelled_events",
    "node_answers",
    "node_ids",
    "node_infos",
    "pre_freeze_instance_events",
    "pre_kill_instance_events",
    "pre_rerun_instance_events",
    "pre_set_instance_success_events",
    "pre_unfreeze_instance_events",
    "raw_batches",
    "restore_events",
    "run_file_events",
    "unknown_events",
    "unpublish_events",
]

_GENERIC_CODES = tuple(k.event_code for k in EVENT_KINDS if k.cls is ev.ExtensionPointEvent)
_REGULAR_CODES = tuple(k.event_code for k in EVENT_KINDS if not k.is_extension_point)
_KNOWN_TYPES = frozenset(k.eventbridge_type.lower() for k in EVENT_KINDS)
_RESERVED_PAYLOAD_KEYS = frozenset(WIRE_NAMES.values()) | {"eventCode"}
_CE_RESERVED = frozenset(
    {"id", "type", "source", "subject", "time", "aliyunregionid", "aliyunaccountid", "data"}
    | {"messageId", "messageBody", "eventType", "extensionBizId"}
)
_FC_RESERVED = frozenset({"messageId", "eventType", "extensionBizId", "messageBody"})

_text = st.text(st.characters(exclude_categories=["Cs"]), max_size=40)
_ids = st.integers(min_value=1, max_value=2**63 - 1)
_dates = st.dates(min_value=_dt.date(2000, 1, 1), max_value=_dt.date(2099, 12, 31))


def json_values(max_leaves: int = 10) -> st.SearchStrategy[Any]:
    """Any JSON value that survives a round trip through ``json`` unchanged.

    Example:
        >>> import json
        >>> from dataworks_ext.testing.strategies import json_values
        >>> value = json_values().example()
        >>> json.loads(json.dumps(value)) == value
        True
    """
    scalars: st.SearchStrategy[Any] = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        _text,
        st.floats(allow_nan=False, allow_infinity=False),
    )
    return st.recursive(
        scalars,
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_text, inner, max_size=4),
        max_leaves=max_leaves,
    )


def _extra(reserved: frozenset[str]) -> st.SearchStrategy[dict[str, Any]]:
    keys = _text.filter(lambda k: k not in reserved and not k.startswith("\x00"))
    return st.dictionaries(keys, json_values(4), max_size=3)


def node_ids(min_size: int = 1, max_size: int = 20) -> st.SearchStrategy[tuple[int, ...]]:
    """Tuples of realistic node ids (positive, up to 2**63 - 1).

    Example:
        >>> from dataworks_ext.testing.strategies import node_ids
        >>> all(i > 0 for i in node_ids().example())
        True
    """
    return st.lists(_ids, min_size=min_size, max_size=max_size).map(tuple)


def _node_events(cls: type[ev.NodeEvent]) -> st.SearchStrategy[Any]:
    return st.builds(
        cls,
        operator=st.from_regex(r"\A[0-9]{16}\Z") | _text,
        project_id=_ids,
        tenant_id=_ids,
        node_ids=node_ids(),
        extension_biz_id=st.none() | st.uuids().map(str) | _text,
        block_business=st.booleans(),
        extra=_extra(_RESERVED_PAYLOAD_KEYS),
    )


def freeze_events() -> st.SearchStrategy[ev.FreezeNodeEvent]:
    """Any valid :class:`~dataworks_ext.FreezeNodeEvent`.

    Example:
        >>> from dataworks_ext.testing.strategies import freeze_events
        >>> freeze_events().example().event_code
        'freeze-node'
    """
    return _node_events(ev.FreezeNodeEvent)


def restore_events() -> st.SearchStrategy[ev.RestoreNodeEvent]:
    """Any valid :class:`~dataworks_ext.RestoreNodeEvent`.

    Example:
        >>> from dataworks_ext.testing.strategies import restore_events
        >>> restore_events().example().event_code
        'unfreeze-node'
    """
    return _node_events(ev.RestoreNodeEvent)


def unpublish_events() -> st.SearchStrategy[ev.UnpublishNodeEvent]:
    """Any valid :class:`~dataworks_ext.UnpublishNodeEvent`.

    Example:
        >>> from dataworks_ext.testing.strategies import unpublish_events
        >>> unpublish_events().example().event_code
        'undeploy-node'
    """
    return _node_events(ev.UnpublishNodeEvent)


@st.composite
def biz_periods(
    draw: st.DrawFn, max_days: int = 400, min_date: _dt.date = _dt.date(2000, 1, 1)
) -> ev.BizPeriod:
    """A valid :class:`~dataworks_ext.BizPeriod` of at most ``max_days`` business dates.

    Example:
        >>> from dataworks_ext.testing.strategies import biz_periods
        >>> period = biz_periods(max_days=10).example()
        >>> 1 <= period.days <= 10
        True
    """
    begin = draw(st.dates(min_value=min_date, max_value=_dt.date(2099, 12, 31)))
    length = draw(st.integers(min_value=0, max_value=max_days - 1))
    end = min(begin + _dt.timedelta(days=length), _dt.date(2099, 12, 31))
    return ev.BizPeriod(begin=begin, end=end)


def backfill_events(max_periods: int = 3) -> st.SearchStrategy[ev.BackfillEvent]:
    """Any valid :class:`~dataworks_ext.BackfillEvent`.

    Example:
        >>> from dataworks_ext.testing.strategies import backfill_events
        >>> backfill_events().example().total_days >= 1
        True
    """
    return st.builds(
        ev.BackfillEvent,
        name=_text,
        root_node_id=_ids,
        root_node_project_id=_ids,
        periods=st.lists(biz_periods(), min_size=1, max_size=max_periods).map(tuple),
        operator=st.from_regex(r"\A[0-9]{16}\Z") | _text,
        project_id=_ids,
        tenant_id=_ids,
        extension_biz_id=st.none() | st.uuids().map(str),
        include_node_ids=node_ids(min_size=0),
        exclude_node_ids=node_ids(min_size=0, max_size=5),
        use_multiple_time_periods=st.booleans(),
        is_parallel=st.booleans(),
        parallel_group=st.integers(min_value=1, max_value=10),
        start_future_instance_immediately=st.booleans(),
        order=st.sampled_from(BackfillOrder),
        block_business=st.booleans(),
        extra=_extra(_RESERVED_PAYLOAD_KEYS),
    )


def extension_events() -> st.SearchStrategy[ev.ExtensionEvent]:
    """Any event of the Operation Center extension points.

    Example:
        >>> from dataworks_ext.testing.strategies import extension_events
        >>> extension_events().example().event_code in {
        ...     "freeze-node", "unfreeze-node", "undeploy-node", "backfill-data"}
        True
    """
    return _of_rows(lambda kind: kind.extension_point in _NODE_POINTS)


def _file_events(cls: type[ev.FileEvent]) -> st.SearchStrategy[Any]:
    return st.builds(
        cls,
        file_name=_text,
        file_id=_ids,
        operator=st.from_regex(r"\A[0-9]{16}\Z") | _text,
        project_id=_ids,
        tenant_id=_ids,
        extension_biz_id=st.none() | st.uuids().map(str),
        file_version=st.none() | st.integers(min_value=1, max_value=10_000),
        file_type=st.none() | st.integers(min_value=1, max_value=2_000),
        file_owner=st.none() | st.from_regex(r"\A[0-9]{16}\Z"),
        file_create_time=st.none()
        | st.datetimes(
            min_value=_dt.datetime(2000, 1, 1), max_value=_dt.datetime(2099, 12, 31)
        ).map(lambda t: t.replace(microsecond=0)),
        change_type=st.none() | st.sampled_from(ChangeType),
        data_source_name=st.none() | st.sampled_from(["odps_first", "mysql_orders", "holo_dw"]),
        resource_type=st.none() | st.sampled_from(["1", "2", "3"]),
        node_id=st.none() | _ids,
        block_business=st.booleans(),
        extra=_extra(_RESERVED_PAYLOAD_KEYS),
    )


def commit_file_events() -> st.SearchStrategy[ev.CommitFileEvent]:
    """Any valid :class:`~dataworks_ext.CommitFileEvent`.

    Example:
        >>> from dataworks_ext.testing.strategies import commit_file_events
        >>> commit_file_events().example().event_code
        'commit-file'
    """
    return _file_events(ev.CommitFileEvent)


def deploy_file_events() -> st.SearchStrategy[ev.DeployFileEvent]:
    """Any valid :class:`~dataworks_ext.DeployFileEvent`.

    Example:
        >>> from dataworks_ext.testing.strategies import deploy_file_events
        >>> deploy_file_events().example().event_code
        'deploy-file'
    """
    return _file_events(ev.DeployFileEvent)


def run_file_events() -> st.SearchStrategy[ev.RunFileEvent]:
    """Any valid :class:`~dataworks_ext.RunFileEvent`.

    Example:
        >>> from dataworks_ext.testing.strategies import run_file_events
        >>> run_file_events().example().event_code
        'run-file'
    """
    return _file_events(ev.RunFileEvent)


def delete_file_events() -> st.SearchStrategy[ev.DeleteFileEvent]:
    """Any valid :class:`~dataworks_ext.DeleteFileEvent`.

    Example:
        >>> from dataworks_ext.testing.strategies import delete_file_events
        >>> delete_file_events().example().event_code
        'delete-file'
    """
    return _file_events(ev.DeleteFileEvent)


def _table_events(cls: type[ev.TableEvent]) -> st.SearchStrategy[Any]:
    return st.builds(
        cls,
        table_name=_text,
        operator=st.from_regex(r"\A[0-9]{16}\Z") | _text,
        project_id=_ids,
        tenant_id=_ids,
        extension_biz_id=st.none() | st.uuids().map(str),
        table_type=st.none() | st.just("ODPS"),
        max_compute_project=st.none() | _text,
        block_business=st.booleans(),
        extra=_extra(_RESERVED_PAYLOAD_KEYS),
    )


def commit_table_events() -> st.SearchStrategy[ev.CommitTableEvent]:
    """Any valid :class:`~dataworks_ext.CommitTableEvent`.

    Example:
        >>> from dataworks_ext.testing.strategies import commit_table_events
        >>> commit_table_events().example().event_code
        'commit-table'
    """
    return _table_events(ev.CommitTableEvent)


def deploy_table_events() -> st.SearchStrategy[ev.DeployTableEvent]:
    """Any valid :class:`~dataworks_ext.DeployTableEvent`.

    Example:
        >>> from dataworks_ext.testing.strategies import deploy_table_events
        >>> deploy_table_events().example().event_code
        'deploy-table'
    """
    return _table_events(ev.DeployTableEvent)


def datastudio_events() -> st.SearchStrategy[ev.DataStudioEvent]:
    """Any DataStudio file or table event.

    Example:
        >>> from dataworks_ext.testing.strategies import datastudio_events
        >>> datastudio_events().example().event_code.endswith(("-file", "-table"))
        True
    """
    return _of_rows(lambda kind: kind.module is Module.DATASTUDIO)


def _instance_events(cls: type[ev.InstancePreEvent]) -> st.SearchStrategy[Any]:
    return st.builds(
        cls,
        operator=st.from_regex(r"\A[0-9]{16}\Z") | _text,
        project_id=_ids,
        tenant_id=_ids,
        task_ids=node_ids(),
        extension_biz_id=st.none() | st.uuids().map(str),
        extension_biz_name=st.none() | _text,
        block_business=st.booleans(),
        extra=_extra(_RESERVED_PAYLOAD_KEYS),
    )


def pre_freeze_instance_events() -> st.SearchStrategy[ev.PreFreezeInstanceEvent]:
    """Any valid :class:`~dataworks_ext.PreFreezeInstanceEvent`.

    Example:
        >>> from dataworks_ext.testing.strategies import pre_freeze_instance_events
        >>> pre_freeze_instance_events().example().event_code
        'pre-freeze-instance'
    """
    return _instance_events(ev.PreFreezeInstanceEvent)


def pre_unfreeze_instance_events() -> st.SearchStrategy[ev.PreUnfreezeInstanceEvent]:
    """Any valid :class:`~dataworks_ext.PreUnfreezeInstanceEvent`.

    Example:
        >>> from dataworks_ext.testing.strategies import pre_unfreeze_instance_events
        >>> pre_unfreeze_instance_events().example().event_code
        'pre-unfreeze-instance'
    """
    return _instance_events(ev.PreUnfreezeInstanceEvent)


def pre_rerun_instance_events() -> st.SearchStrategy[ev.PreRerunInstanceEvent]:
    """Any valid :class:`~dataworks_ext.PreRerunInstanceEvent`.

    Example:
        >>> from dataworks_ext.testing.strategies import pre_rerun_instance_events
        >>> pre_rerun_instance_events().example().event_code
        'pre-rerun-instance'
    """
    return _instance_events(ev.PreRerunInstanceEvent)


def pre_set_instance_success_events() -> st.SearchStrategy[ev.PreSetInstanceSuccessEvent]:
    """Any valid :class:`~dataworks_ext.PreSetInstanceSuccessEvent`.

    Example:
        >>> from dataworks_ext.testing.strategies import pre_set_instance_success_events
        >>> pre_set_instance_success_events().example().event_code
        'pre-set-instance-success'
    """
    return _instance_events(ev.PreSetInstanceSuccessEvent)


def pre_kill_instance_events() -> st.SearchStrategy[ev.PreKillInstanceEvent]:
    """Any valid :class:`~dataworks_ext.PreKillInstanceEvent`.

    Example:
        >>> from dataworks_ext.testing.strategies import pre_kill_instance_events
        >>> pre_kill_instance_events().example().event_code
        'pre-kill-instance'
    """
    return _instance_events(ev.PreKillInstanceEvent)


def instance_events() -> st.SearchStrategy[ev.InstanceOperationEvent]:
    """Any Operation Center instance pre-event.

    Example:
        >>> from dataworks_ext.testing.strategies import instance_events
        >>> instance_events().example().event_code.startswith("pre-")
        True
    """
    return _of_rows(lambda kind: kind.extension_point is ExtensionPoint.INSTANCE_OPERATIONS)


def modelled_events() -> st.SearchStrategy[ev.ModelledEvent]:
    """Any extension-point event with a model class of its own.

    Example:
        >>> from dataworks_ext.testing.strategies import modelled_events
        >>> from dataworks_ext.events import kind_for_event
        >>> kind_for_event(modelled_events().example()).has_model
        True
    """
    return st.one_of(*(strategy_for(kind) for kind in event_kinds() if kind.has_model))


_NODE_POINTS = (
    ExtensionPoint.FREEZE_AND_RESTORE,
    ExtensionPoint.UNPUBLISH,
    ExtensionPoint.BACKFILL,
)


def _of_rows(wanted: Callable[[EventKind], bool]) -> st.SearchStrategy[Any]:
    """Any event of the built-in rows with a model of their own that ``wanted`` picks."""
    return st.one_of(*(strategy_for(k) for k in EVENT_KINDS if k.has_model and wanted(k)))


def strategy_for(kind: EventKind) -> st.SearchStrategy[Any]:
    """Any valid event of a row of the table with a model of its own.

    The strategy its row names (``freeze_events`` for ``freeze-node``), else its family's
    (node, file, table or instance events) for its class, else ``st.builds`` of its class.

    Example:
        >>> from dataworks_ext.events import kind_for_code
        >>> from dataworks_ext.testing.strategies import strategy_for
        >>> strategy_for(kind_for_code("run-file")).example().event_code
        'run-file'
    """
    if not kind.has_model:
        raise ValueError(f"{kind.event_code!r} has no model of its own")
    named = globals().get(kind.strategy or "")
    if named is not None:
        found: st.SearchStrategy[Any] = named()
        return found
    for family, strategy in _FAMILIES.items():
        if issubclass(kind.cls, family):
            return strategy(kind.cls)
    return st.builds(kind.cls)


_FAMILIES: dict[type[Any], Callable[[Any], st.SearchStrategy[Any]]] = {
    ev.NodeEvent: _node_events,
    ev.FileEvent: _file_events,
    ev.TableEvent: _table_events,
    ev.InstancePreEvent: _instance_events,
}

_new_codes = st.from_regex(r"\A[a-z]{3,10}(-[a-z]{2,10}){1,3}\Z").filter(
    lambda code: kind_for_code(code) is None
)


@st.composite
def extension_point_events(
    draw: st.DrawFn, codes: st.SearchStrategy[str] | None = None
) -> ev.ExtensionPointEvent:
    """An :class:`~dataworks_ext.ExtensionPointEvent`: a generic code, or one newer than the SDK.

    The payload carries ``eventCode``, the common fields and a few event-specific ones.

    Example:
        >>> from dataworks_ext.testing.strategies import extension_point_events
        >>> event = extension_point_events().example()
        >>> event.payload["eventCode"] == event.event_code
        True
    """
    code = draw(codes if codes is not None else st.sampled_from(_GENERIC_CODES) | _new_codes)
    payload: dict[str, Any] = draw(_extra(_RESERVED_PAYLOAD_KEYS))
    payload["eventCode"] = code
    payload["extensionBizId"] = draw(st.uuids().map(str))
    payload["operator"] = draw(st.from_regex(r"\A[0-9]{16}\Z"))
    if draw(st.booleans()):
        payload["projectId"] = draw(_ids | _ids.map(str))
    payload["tenantId"] = draw(_ids)
    payload["blockBusiness"] = draw(st.booleans())
    return structure_common(code, payload)


def unknown_events() -> st.SearchStrategy[ev.UnknownEvent]:
    """Regular events: no extension-point check id, nothing to answer.

    The payload carries the event code as ``eventCode`` and no ``extensionBizId``.

    Example:
        >>> from dataworks_ext.testing.strategies import unknown_events
        >>> unknown_events().example().event_code not in {"freeze-node", "backfill-data"}
        True
    """
    codes = st.sampled_from(["run-smoke-test", *_REGULAR_CODES]) | _text.filter(
        lambda c: bool(c) and kind_for_code(c) is None
    )

    @st.composite
    def build(draw: st.DrawFn) -> ev.UnknownEvent:
        code = draw(codes)
        payload = draw(
            st.dictionaries(
                _text.filter(lambda k: k != "extensionBizId"), json_values(4), max_size=4
            )
        )
        payload["eventCode"] = code
        return ev.UnknownEvent(event_code=code, payload=payload)

    return build()


def events() -> st.SearchStrategy[ev.Event]:
    """Any event :func:`~dataworks_ext.parse_message` can return.

    Example:
        >>> from dataworks_ext.testing.strategies import events
        >>> isinstance(events().example().event_code, str)
        True
    """
    return st.one_of(modelled_events(), extension_point_events(), unknown_events())


_any_events = events
_optional_text = st.none() | _text


@st.composite
def messages(
    draw: st.DrawFn,
    events: st.SearchStrategy[ev.Event] | None = None,
    envelope: EnvelopeKind | str | None = None,
) -> EventMessage:
    """An :class:`~dataworks_ext.EventMessage` in a CloudEvent or Function Compute envelope.

    Args:
        events: Where the event comes from; any event unless given.
        envelope: Fix the envelope; either at random unless given.

    Example:
        >>> from dataworks_ext import parse_message
        >>> from dataworks_ext.testing.strategies import freeze_events, messages
        >>> message = messages(freeze_events(), envelope="function-compute").example()
        >>> parse_message(message.to_json()) == message
        True
    """
    event = draw(events if events is not None else _any_events())
    kind = EnvelopeKind(envelope) if envelope is not None else draw(st.sampled_from(EnvelopeKind))
    message_id = draw(st.uuids().map(str) | _text.filter(lambda t: bool(t.strip())))
    known = not isinstance(event, ev.UnknownEvent)
    row = kind_for_event(event)
    event_type: str | None
    if kind is EnvelopeKind.FUNCTION_COMPUTE:
        event_type = event.event_code if known else draw(st.none() | st.just(event.event_code))
        # A check id in the envelope makes any event an extension-point event.
        envelope_biz = draw(st.none() | st.uuids().map(str)) if known else None
        attributes = draw(_extra(_FC_RESERVED).map(_without_none))
        return EventMessage(
            message_id=message_id,
            event=event,
            envelope=kind,
            extension_biz_id=envelope_biz if envelope_biz is not None else event.extension_biz_id,
            event_type=event_type,
            attributes=attributes,
        )
    if row is not None and known:
        event_type = row.eventbridge_type
    elif known:
        event_type = draw(st.none() | st.just(event.event_code))
    else:
        event_type = draw(st.none() | _text.filter(lambda t: t.lower() not in _KNOWN_TYPES))
    attributes = draw(_extra(_CE_RESERVED).map(_without_none))
    attributes.setdefault("specversion", "1.0")
    return EventMessage(
        message_id=message_id,
        event=event,
        envelope=kind,
        extension_biz_id=event.extension_biz_id,
        event_type=event_type,
        source=draw(st.none() | st.just("acs.dataworks")),
        subject=draw(_optional_text),
        time=draw(
            st.none()
            | st.datetimes(timezones=st.just(_dt.timezone.utc)).map(
                lambda t: t.isoformat().replace("+00:00", "Z")
            )
        ),
        region=draw(st.none() | st.sampled_from(["cn-shanghai", "cn-beijing", "ap-southeast-1"])),
        account=draw(st.none() | st.from_regex(r"\A[0-9]{16}\Z")),
        attributes=attributes,
    )


def _without_none(mapping: dict[str, Any]) -> dict[str, Any]:
    # to_dict() leaves out None-valued envelope keys, so a round trip could not keep them.
    return {k: v for k, v in mapping.items() if v is not None}


def batches(
    min_size: int = 1, max_size: int = 5, envelope: EnvelopeKind | str | None = None
) -> st.SearchStrategy[list[EventMessage]]:
    """Lists of messages with distinct ids, as an EventBridge batch push carries them.

    Example:
        >>> from dataworks_ext.testing.strategies import batches
        >>> 1 <= len(batches().example()) <= 5
        True
    """
    return st.lists(
        messages(envelope=envelope),
        min_size=min_size,
        max_size=max_size,
        unique_by=lambda m: m.message_id,
    )


def raw_batches(
    min_size: int = 1, max_size: int = 5, envelope: EnvelopeKind | str | None = None
) -> st.SearchStrategy[bytes]:
    """Batches as the JSON bytes EventBridge posts.

    Example:
        >>> from dataworks_ext import parse_messages
        >>> from dataworks_ext.testing.strategies import raw_batches
        >>> len(parse_messages(raw_batches(min_size=2, max_size=2).example()))
        2
    """
    return batches(min_size, max_size, envelope).map(
        lambda ms: json.dumps([m.to_dict() for m in ms], ensure_ascii=False).encode()
    )


# ---------------------------------------------------------------------- node context

_priorities = st.sampled_from([1, 3, 5, 7, 8])
_uids = st.from_regex(r"\A[0-9]{16}\Z")
_millis = st.integers(min_value=0, max_value=4_102_444_800_000)


def node_infos() -> st.SearchStrategy[NodeInfo]:
    """Nodes as ``GetNode`` describes them, any field but the id possibly unknown.

    Example:
        >>> from dataworks_ext.nodes import NodeInfo
        >>> from dataworks_ext.testing.strategies import node_infos
        >>> isinstance(node_infos().example(), NodeInfo)
        True
    """
    maybe = st.none
    return st.builds(
        NodeInfo,
        node_id=_ids,
        node_name=maybe() | _text,
        owner_id=maybe() | _uids,
        priority=maybe() | _priorities,
        baseline_id=maybe() | _ids,
        project_id=maybe() | _ids,
        business_id=maybe() | _ids,
        related_flow_id=maybe() | _ids,
        scheduler_type=maybe() | st.sampled_from(["NORMAL", "MANUAL", "PAUSE", "SKIP"]),
        program_type=maybe() | st.sampled_from(["ODPS_SQL", "DI", "SHELL", "VIRTUAL"]),
        cron_express=maybe() | st.just("00 00 00 * * ?"),
        res_group_name=maybe() | _text,
        repeatability=maybe() | st.booleans(),
        repeat_mode=maybe() | st.sampled_from([0, 1, 2]),
        deploy_date=maybe() | _millis,
    )


def baseline_infos(max_nodes: int = 20) -> st.SearchStrategy[BaselineInfo]:
    """Baselines as ``GetBaseline`` describes them, guarding up to ``max_nodes`` nodes.

    Example:
        >>> from dataworks_ext.testing.strategies import baseline_infos
        >>> len(baseline_infos(max_nodes=3).example().node_ids) <= 3
        True
    """
    maybe = st.none
    return st.builds(
        BaselineInfo,
        baseline_id=_ids,
        baseline_name=maybe() | _text,
        baseline_type=maybe() | st.sampled_from(["DAILY", "HOURLY"]),
        owner=maybe() | _uids,
        priority=maybe() | _priorities,
        project_id=maybe() | _ids,
        enabled=maybe() | st.booleans(),
        node_ids=st.lists(_ids, max_size=max_nodes, unique=True).map(tuple),
    )


def instance_infos() -> st.SearchStrategy[InstanceInfo]:
    """Instances as ``GetInstance`` describes them.

    Example:
        >>> from dataworks_ext.testing.strategies import instance_infos
        >>> instance_infos().example().node_id > 0
        True
    """
    maybe = st.none
    return st.builds(
        InstanceInfo,
        instance_id=_ids,
        node_id=_ids,
        node_name=maybe() | _text,
        owner=maybe() | _uids,
        priority=maybe() | _priorities,
        baseline_id=maybe() | _ids,
        status=maybe() | st.sampled_from(["NOT_RUN", "RUNNING", "FAILURE", "SUCCESS"]),
        dag_type=maybe() | st.sampled_from(["DAILY", "MANUAL", "SUPPLY_DATA"]),
        repeatability=maybe() | st.booleans(),
        bizdate=maybe() | _millis,
    )


def node_answers() -> st.SearchStrategy[dict[str, Any]]:
    """``Data`` objects of ``GetNode`` answers with DataWorks' quirks: ids as numbers or
    decimal strings, ``Repeatability`` as ``"true"``/``"false"`` or a boolean, ``null``
    fields, and fields this SDK does not model.

    Example:
        >>> from dataworks_ext.nodes import NodeInfo
        >>> from dataworks_ext.testing.strategies import node_answers
        >>> NodeInfo.from_wire(node_answers().example()).node_id > 0
        True
    """

    def quirky(node: NodeInfo, draw_id: bool, words: bool, noise: dict[str, Any]) -> dict[str, Any]:
        wire = write_answer(node)
        for key in ("NodeId", "BaselineId", "ProjectId"):
            if draw_id and key in wire:
                wire[key] = str(wire[key])
        if not words and "Repeatability" in wire:
            wire["Repeatability"] = wire["Repeatability"] == "true"
        return {**noise, **wire}

    noise = st.dictionaries(
        st.from_regex(r"\AX[A-Za-z]{1,10}\Z"), st.none() | st.integers() | _text, max_size=3
    )
    return st.builds(quirky, node_infos(), st.booleans(), st.booleans(), noise)
