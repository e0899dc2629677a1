"""My extension's checks: the rules DataWorks asks before production changes."""

from dataworks_ext import BackfillEvent, FreezeNodeEvent, Registry, Verdict

registry = Registry()

PROTECTED_NODES = {700005966962}  # feeds the finance close
MAX_BACKFILL_DAYS = 31


@registry.on_freeze
def protect_finance_nodes(event: FreezeNodeEvent) -> Verdict:
    hit = sorted(PROTECTED_NODES.intersection(event.node_ids))
    if hit:
        return Verdict.fail(f"Nodes {hit} feed the finance close and cannot be frozen")
    return Verdict.ok()


@registry.on_backfill(name="max-backfill-days")
def limit_backfills(event: BackfillEvent) -> Verdict:
    if event.total_days > MAX_BACKFILL_DAYS:
        return Verdict.fail(
            f"The backfill covers {event.total_days} days; the limit is {MAX_BACKFILL_DAYS}"
        )
    return Verdict.ok()
