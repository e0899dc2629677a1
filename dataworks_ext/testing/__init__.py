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
    DEFAULT_FILE_CREATE_TIME,
    DEFAULT_INSTANCE_IDS,
    backfill_event,
    commit_file_event,
    commit_table_event,
    delete_file_event,
    deploy_file_event,
    deploy_table_event,
    event_for,
    extension_point_event,
    freeze_event,
    pre_freeze_instance_event,
    pre_kill_instance_event,
    pre_rerun_instance_event,
    pre_set_instance_success_event,
    pre_unfreeze_instance_event,
    restore_event,
    run_file_event,
    unpublish_event,
)
from ._context import DEFAULT_BASELINE_ID, baseline_info, instance_info, node_info
from ._local import LocalDataWorks, RecordedVerdict
from ._recording import Delivery, PrintingCallback, RecordingCallback
from ._seed import SEED_KEYS, load_seed
from ._wrapping import (
    DEFAULT_NODE_IDS,
    DEFAULT_OPERATOR,
    DEFAULT_PROJECT_ID,
    DEFAULT_REGION,
    DEFAULT_TENANT_ID,
    REMOVE,
    as_envelope,
    batch,
    message_for,
    with_payload,
)

__all__ = [
    "DEFAULT_BASELINE_ID",
    "DEFAULT_FILE_CREATE_TIME",
    "DEFAULT_INSTANCE_IDS",
    "DEFAULT_NODE_IDS",
    "DEFAULT_OPERATOR",
    "DEFAULT_PROJECT_ID",
    "DEFAULT_REGION",
    "DEFAULT_TENANT_ID",
    "REMOVE",
    "SEED_KEYS",
    "Delivery",
    "LocalDataWorks",
    "PrintingCallback",
    "RecordedVerdict",
    "RecordingCallback",
    "as_envelope",
    "backfill_event",
    "baseline_info",
    "batch",
    "commit_file_event",
    "commit_table_event",
    "delete_file_event",
    "deploy_file_event",
    "deploy_table_event",
    "event_for",
    "extension_point_event",
    "freeze_event",
    "instance_info",
    "load_seed",
    "message_for",
    "node_info",
    "pre_freeze_instance_event",
    "pre_kill_instance_event",
    "pre_rerun_instance_event",
    "pre_set_instance_success_event",
    "pre_unfreeze_instance_event",
    "restore_event",
    "run_file_event",
    "unpublish_event",
    "with_payload",
]
