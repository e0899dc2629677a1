"""The checks the Flask, Kafka and Function Compute examples share.

Every host imports ``registry`` from here, so the same rules govern DataWorks however the
events arrive.  Adjust the constants (or load them from your own configuration) and add
checks with the decorators of the ``registry``.

* Protected nodes cannot be frozen or unpublished.
* Backfills are limited to ``MAX_BACKFILL_DAYS`` business dates and ``MAX_BACKFILL_NODES``
  nodes.
* No change is allowed during a freeze window (month-end close).
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from dataworks_ext import (
    BackfillEvent,
    FreezeNodeEvent,
    NodeEvent,
    Registry,
    UnpublishNodeEvent,
    Verdict,
)

PROTECTED_NODE_IDS = frozenset({700005966962, 700005966963})
"""Production nodes that feed the finance close: never frozen, never unpublished."""
MAX_BACKFILL_DAYS = 31
"""The longest backfill, in business dates."""
MAX_BACKFILL_NODES = 500
"""The most nodes one backfill may run."""
TIMEZONE = ZoneInfo("Asia/Shanghai")
"""The time zone the freeze window is defined in."""

registry = Registry()
"""The checks of this extension."""


def in_month_end_close(now: dt.datetime | None = None) -> bool:
    """Whether ``now`` falls in the month-end close: the last day of a month, in TIMEZONE."""
    local = (now or dt.datetime.now(TIMEZONE)).astimezone(TIMEZONE)
    return (local + dt.timedelta(days=1)).month != local.month


@registry.on_freeze(name="protected-nodes")
@registry.on_unpublish(name="protected-nodes")
def protected_nodes(event: FreezeNodeEvent | UnpublishNodeEvent) -> Verdict:
    """Refuse freezing or unpublishing a protected node, naming the nodes."""
    hit = sorted(PROTECTED_NODE_IDS.intersection(event.node_ids))
    if hit:
        names = ", ".join(str(node) for node in hit)
        return Verdict.fail(f"Nodes {names} are protected and cannot be changed")
    return Verdict.ok()


@registry.on_backfill(name="backfill-limits")
def backfill_limits(event: BackfillEvent) -> Verdict:
    """Refuse backfills beyond MAX_BACKFILL_DAYS days or MAX_BACKFILL_NODES nodes."""
    if event.total_days > MAX_BACKFILL_DAYS:
        return Verdict.fail(
            f"The backfill covers {event.total_days} days; the limit is {MAX_BACKFILL_DAYS}"
        )
    if len(event.node_ids) > MAX_BACKFILL_NODES:
        return Verdict.fail(
            f"The backfill runs {len(event.node_ids)} nodes; the limit is {MAX_BACKFILL_NODES}"
        )
    return Verdict.ok()


@registry.on_freeze(name="month-end-close")
@registry.on_restore(name="month-end-close")
@registry.on_unpublish(name="month-end-close")
def month_end_close(event: NodeEvent) -> Verdict:
    """Refuse changes during the month-end close."""
    if in_month_end_close():
        return Verdict.fail("Changes are frozen on the last day of the month (month-end close)")
    return Verdict.ok()
