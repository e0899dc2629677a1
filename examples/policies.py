"""The checks the Flask, Kafka and Function Compute examples share.

Every host imports ``registry`` from here, so the same rules govern DataWorks however the
events arrive.  They are built from the ready-made rules of :mod:`dataworks_ext.policies`:

* Protected nodes cannot be frozen or unpublished.
* Backfills are limited to ``MAX_BACKFILL_DAYS`` business dates and ``MAX_BACKFILL_NODES``
  nodes.
* No node may be frozen, restored or unpublished during the month-end close (the last day of
  the month in ``TIMEZONE``).

Adjust the constants, add rules with :func:`dataworks_ext.policies.register` or checks of your
own with the decorators of ``registry``, or build the registry from your team's configuration
with :func:`dataworks_ext.policies.from_config`.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from dataworks_ext import Registry
from dataworks_ext.policies import (
    BackfillLimits,
    ChangeFreezeWindow,
    Monthly,
    ProtectedNodes,
    register,
    system_clock,
)

PROTECTED_NODE_IDS = frozenset({700005966962, 700005966963})
"""Production nodes that feed the finance close: never frozen, never unpublished."""
MAX_BACKFILL_DAYS = 31
"""The longest backfill, in business dates (a backfill of exactly this many passes)."""
MAX_BACKFILL_NODES = 500
"""The most nodes one backfill may run (exactly this many pass)."""
TIMEZONE = ZoneInfo("Asia/Shanghai")
"""The time zone the month-end close is defined in."""

MONTH_END_CLOSE = Monthly.month_end(timezone=TIMEZONE, name="the month-end close")
"""The last day of every month, midnight to midnight in ``TIMEZONE``."""

protected_nodes = ProtectedNodes(
    PROTECTED_NODE_IDS, message="Nodes {nodes} are protected and cannot be changed"
)
"""Refuse freezing or unpublishing a protected node, naming the nodes."""
backfill_limits = BackfillLimits(max_days=MAX_BACKFILL_DAYS, max_nodes=MAX_BACKFILL_NODES)
"""Refuse backfills beyond ``MAX_BACKFILL_DAYS`` days or ``MAX_BACKFILL_NODES`` nodes."""
month_end_close = ChangeFreezeWindow(MONTH_END_CLOSE)
"""Refuse changes during the month-end close, saying when it ends."""

registry = Registry()
"""The checks of this extension."""
register(registry, protected_nodes, on=["freeze", "unpublish"], name="protected-nodes")
register(registry, backfill_limits, on=["backfill"], name="backfill-limits")
register(registry, month_end_close, on=["freeze", "restore", "unpublish"], name="month-end-close")


def in_month_end_close(now: dt.datetime | None = None) -> bool:
    """Whether ``now`` (an aware datetime; the current time by default) is in the month-end
    close."""
    return MONTH_END_CLOSE.active(now or system_clock()) is not None
