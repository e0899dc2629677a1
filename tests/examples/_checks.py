"""Checks the host tests share: verdicts the tests can predict on any day of the month."""

from __future__ import annotations

from typing import Any

from dataworks_ext import Registry, Verdict

PROTECTED = 700005966962
"""The node the checks refuse to freeze."""


def strict_checks() -> Registry:
    """A registry that refuses freezing PROTECTED and lets everything else pass."""
    registry = Registry()

    @registry.on_freeze
    def protected(event: Any) -> Verdict:
        if PROTECTED in event.node_ids:
            return Verdict.fail(f"Node {PROTECTED} is protected")
        return Verdict.ok()

    return registry
