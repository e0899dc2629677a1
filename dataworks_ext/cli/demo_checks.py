"""The example checks and events of ``dataworks-ext demo``.

They ship inside the package (``examples/`` is not installed) and are written the way an
extension author writes checks: public decorators on the module's own :class:`Registry`.
Read them, copy them, and try yours with ``dataworks-ext trigger``.

Example:
    >>> from dataworks_ext import Extension
    >>> from dataworks_ext.cli.demo_checks import registry
    >>> from dataworks_ext.testing import freeze_event
    >>> Extension("demo", registry=registry).handle(freeze_event(node_ids=[700005966962])).verdict
    Verdict(result=<CheckResult.FAIL: 'FAIL'>, tip='Node 700005966962 feeds the finance close and cannot be frozen or unpublished')
"""  # noqa: E501

from __future__ import annotations

import datetime as _dt
import json
import logging
from collections.abc import Mapping
from typing import Any

import attrs

from ..events import BackfillEvent, FreezeNodeEvent, RestoreNodeEvent, UnpublishNodeEvent
from ..lookups import Lookups
from ..messages import EventMessage
from ..policies._code import ForbiddenCode
from ..registry import Registry
from ..testing._builders import (
    backfill_event,
    commit_file_event,
    extension_point_event,
    freeze_event,
    restore_event,
    unpublish_event,
    with_payload,
)
from ..verdicts import Verdict

__all__ = [
    "MAX_BACKFILL_DAYS",
    "PROTECTED_NODE_IDS",
    "DemoCase",
    "cases",
    "code_checks",
    "registry",
]

PROTECTED_NODE_IDS = frozenset({700005966962})
"""The node that feeds the finance close: never frozen, never unpublished."""
MAX_BACKFILL_DAYS = 31
"""The longest backfill the demo allows, in business dates."""
ORDINARY_NODE_ID = 700005967001
"""A node nobody protects."""

registry = Registry()
"""The demo's checks."""

logger = logging.getLogger(__name__)


@registry.on_freeze(name="protected-nodes")
@registry.on_unpublish(name="protected-nodes")
def protected_nodes(event: FreezeNodeEvent | UnpublishNodeEvent) -> Verdict:
    """Refuse freezing or unpublishing a protected node, naming it."""
    hit = sorted(PROTECTED_NODE_IDS.intersection(event.node_ids))
    if hit:
        nodes = ", ".join(str(node) for node in hit)
        noun = "Node" if len(hit) == 1 else "Nodes"
        return Verdict.fail(
            f"{noun} {nodes} feeds the finance close and cannot be frozen or unpublished"
        )
    return Verdict.ok()


@registry.on_restore(name="restore-audit")
async def restore_audit(event: RestoreNodeEvent, message: EventMessage) -> Verdict:
    """Let every restore through, and log who restored what (an async check that also reads
    the message, for its id)."""
    nodes = ", ".join(str(node) for node in event.node_ids)
    noun = "node" if len(event.node_ids) == 1 else "nodes"
    logger.info(
        "restore of %s %s by %s (message %s)", noun, nodes, event.operator, message.message_id
    )
    return Verdict.ok(
        f"Allowed, and logged for audit: operator {event.operator} restores {noun} {nodes}"
    )


@registry.on_backfill(name="backfill-limits")
def backfill_limits(event: BackfillEvent) -> Verdict:
    """Refuse backfills longer than MAX_BACKFILL_DAYS business dates."""
    if event.total_days > MAX_BACKFILL_DAYS:
        return Verdict.fail(
            f"The backfill covers {event.total_days} days; the limit is {MAX_BACKFILL_DAYS}"
        )
    return Verdict.ok()


def code_checks(lookups: Lookups) -> Registry:
    """DataStudio checks that read the committed code (``GetIDEEventDetail``), through
    ``lookups``: refuse code calling ``MAX_PT``, as DataWorks' own sample does.

    Example:
        >>> from dataworks_ext import CallbackClient, Lookups
        >>> from dataworks_ext.cli.demo_checks import code_checks
        >>> code_checks(Lookups(CallbackClient(region_id="cn-shanghai")))
        Registry(CommitFileEvent=1)
    """
    checks = Registry()
    checks.on_commit_file(name="no-max-pt")(
        ForbiddenCode(
            [r"\bMAX_PT\s*\("],
            lookups=lookups,
            message="{file} line {line_number} calls MAX_PT; name the partition: {line}",
        )
    )
    return checks


@attrs.frozen
class DemoCase:
    """One row of the demo: a raw message as DataWorks would post it, and what to expect.

    Example:
        >>> from dataworks_ext.cli.demo_checks import cases
        >>> [case.expect for case in cases()][-1]  # the duplicate: the answer given before
        'FAIL'
    """

    label: str
    """What the row shows in the table's ``event`` column."""
    raw: bytes
    """The message body, as EventBridge or DataWorks would send it."""
    message_id: str
    """The message id inside ``raw``."""
    expect: str | None
    """``"OK"`` or ``"FAIL"`` (for the duplicate: the verdict it was answered with), or
    ``None`` when no answer is due."""
    event_detail: Mapping[str, Any] | None = None
    """What ``GetIDEEventDetail`` answers for the message (a DataStudio commit's code), to
    seed in LocalDataWorks."""


def cases(today: _dt.date | None = None) -> list[DemoCase]:
    """The demo's events, in order: fresh message ids each call.

    Example:
        >>> from dataworks_ext.cli.demo_checks import cases
        >>> len(cases()), cases()[0].label
        (10, 'freeze, protected node')
    """
    today = today or _dt.date.today()
    protected = min(PROTECTED_NODE_IDS)
    freeze_protected = freeze_event(node_ids=[protected, ORDINARY_NODE_ID])
    freeze_ordinary = freeze_event(node_ids=[ORDINARY_NODE_ID])
    restore = restore_event(node_ids=[ORDINARY_NODE_ID], envelope="function-compute")
    unpublish = unpublish_event(node_ids=[ORDINARY_NODE_ID + 1])
    week = backfill_event(days=7, start=today - _dt.timedelta(days=7), root_node_id=protected)
    quarter = backfill_event(days=90, start=today - _dt.timedelta(days=90), root_node_id=protected)
    broken = freeze_event(node_ids=[ORDINARY_NODE_ID])
    broken_raw = with_payload(broken, nodeIds="700005967001,700005967002")
    commit = commit_file_event(file_name="dws_orders_d")
    code = "SELECT *\nFROM ods_orders\nWHERE ds = MAX_PT('ods_orders');"
    di_job = extension_point_event("start-diJob", {"extensionBizName": "orders_to_odps"})

    def row(label: str, message: EventMessage, expect: str | None) -> DemoCase:
        return DemoCase(label, message.to_json(), message.message_id, expect)

    return [
        row("freeze, protected node", freeze_protected, "FAIL"),
        row("freeze, ordinary node", freeze_ordinary, "OK"),
        row("restore (Function Compute)", restore, "OK"),
        row("unpublish", unpublish, "OK"),
        row("backfill, 7 days", week, "OK"),
        row("backfill, 90 days", quarter, "FAIL"),
        DemoCase(
            "unreadable message",
            json.dumps(broken_raw).encode(),
            broken.message_id,
            "FAIL",
        ),
        DemoCase(
            "commit, code calls MAX_PT",
            commit.to_json(),
            commit.message_id,
            "FAIL",
            {"CommittedFile": {"FileName": "dws_orders_d", "Content": code}},
        ),
        row("sync job start, no check", di_job, "OK"),
        row("duplicate of the first", freeze_protected, "FAIL"),  # the answer given before
    ]
