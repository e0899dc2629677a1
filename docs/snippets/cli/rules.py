"""The rules the docs' command-line examples run (`--app rules:registry`)."""

from dataworks_ext import (
    BackfillEvent,
    Extension,
    FreezeNodeEvent,
    Registry,
    Verdict,
)

registry = Registry()


@registry.on_freeze(name="protected")
def protected(event: FreezeNodeEvent) -> Verdict:
    if 700005966962 in event.node_ids:
        return Verdict.fail("node 700005966962 is protected")
    return Verdict.ok()


@registry.on_backfill(name="max-days")
def max_days(event: BackfillEvent) -> Verdict:
    if event.total_days > 31:
        return Verdict.fail(f"{event.total_days} days is over 31")
    return Verdict.ok()


extension = Extension("finance-guard", registry=registry, handler_timeout=10)
"""The same rules as an Extension, with its own extension code and policies."""
