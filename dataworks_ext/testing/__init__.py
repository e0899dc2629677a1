"""Test helpers for extension authors: builders, callbacks, and a local DataWorks endpoint.

Nothing here is imported by ``import dataworks_ext``.  Hypothesis strategies live in
:mod:`dataworks_ext.testing.strategies` (which needs ``hypothesis``).

Example:
    >>> from dataworks_ext import Extension, Registry
    >>> from dataworks_ext.testing import RecordingCallback, freeze_event
    >>> recorder = RecordingCallback()
    >>> _ = Extension("ext", callback=recorder, registry=Registry()).handle(freeze_event())
    >>> len(recorder)
    1
"""

from __future__ import annotations

from ._builders import (
    DEFAULT_BASELINE_ID,
    DEFAULT_NODE_IDS,
    DEFAULT_OPERATOR,
    DEFAULT_PROJECT_ID,
    DEFAULT_REGION,
    DEFAULT_TENANT_ID,
    REMOVE,
    as_envelope,
    backfill_event,
    baseline_info,
    batch,
    freeze_event,
    instance_info,
    message_for,
    node_info,
    restore_event,
    unpublish_event,
    with_payload,
)
from ._local import LocalDataWorks, RecordedVerdict
from ._recording import Delivery, PrintingCallback, RecordingCallback

__all__ = [
    "DEFAULT_BASELINE_ID",
    "DEFAULT_NODE_IDS",
    "DEFAULT_OPERATOR",
    "DEFAULT_PROJECT_ID",
    "DEFAULT_REGION",
    "DEFAULT_TENANT_ID",
    "REMOVE",
    "Delivery",
    "LocalDataWorks",
    "PrintingCallback",
    "RecordedVerdict",
    "RecordingCallback",
    "as_envelope",
    "backfill_event",
    "baseline_info",
    "batch",
    "freeze_event",
    "instance_info",
    "message_for",
    "node_info",
    "restore_event",
    "unpublish_event",
    "with_payload",
]
