"""The rules DataWorks asks my extension about before production changes."""

from dataworks_ext import BackfillEvent, FreezeNodeEvent, Registry, Verdict

registry = Registry()

PROTECTED_NODES = {700005966962}  # feeds the finance close
MAX_DAYS = 31


@registry.on_freeze
def protect_finance_nodes(event: FreezeNodeEvent) -> Verdict:
    hit = sorted(PROTECTED_NODES.intersection(event.node_ids))
    if hit:
        return Verdict.fail(
            f"Nodes {hit} feed the finance close and cannot be frozen"
        )
    return Verdict.ok()


@registry.on_backfill(name="max-backfill-days")
def limit_backfills(event: BackfillEvent) -> Verdict:
    days = event.total_days
    if days > MAX_DAYS:
        return Verdict.fail(
            f"The backfill covers {days} days; the limit is {MAX_DAYS}"
        )
    return Verdict.ok()
