"""dataworks-ext: a typed SDK for DataWorks extensions, at every extension point.

Write checks with the decorators, hand messages to an :class:`Extension`, and it answers
DataWorks through ``UpdateWorkbenchEventResult``::

    from dataworks_ext import CallbackClient, Extension, FreezeNodeEvent, Verdict, on_freeze

    @on_freeze
    def protect_finance_nodes(event: FreezeNodeEvent) -> Verdict:
        if 700005966962 in event.node_ids:
            return Verdict.fail("node 700005966962 feeds the finance close")
        return Verdict.ok()

    extension = Extension("my-extension-code", callback=CallbackClient(region_id="cn-shanghai"))
    outcome = extension.handle(request_body)

``import dataworks_ext`` stays light: the official Alibaba Cloud SDK is imported on the first
delivery, asyncio when an async entry point is used, hypothesis only by
:mod:`dataworks_ext.testing.strategies`, redis only by a :class:`RedisAnswerStore`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._audit import AUDIT_LOGGER, AuditJsonFormatter, AuditRecord, CheckRecord
from ._body import BodyStream, read_body, read_wsgi_body
from ._retry import RetryPolicy
from ._version import __version__
from .callback import Callback, CallbackClient, CallHook, CallRecord, sendable
from .errors import (
    CallbackError,
    ConfigurationError,
    DataWorksExtError,
    EnvelopeError,
    FieldError,
    HandlerTimeoutError,
    MessageDecodeError,
    MessageError,
    NodeLookupError,
    RequestTooLargeError,
    StoreError,
    TooManyLookupsError,
)
from .events import (
    EVENT_KINDS,
    BackfillOrder,
    CallbackApi,
    ChangeType,
    DataStudioEvent,
    Event,
    EventKind,
    ExtensionEvent,
    ExtensionPoint,
    InstanceOperationEvent,
    ModelledEvent,
    Module,
    add_event_kind,
    event_kinds,
    model_names,
    remove_event_kind,
)
from .extension import DEFAULT_LEASE, MIN_LEASE, Extension
from .messages import (
    MAX_BATCH_MESSAGES,
    MAX_BODY_BYTES,
    EnvelopeKind,
    EventMessage,
    RawMessage,
    parse_message,
    parse_messages,
)
from .outcomes import (
    MAX_REPLY_OUTCOMES,
    RETRY_AFTER_SECONDS,
    Disposition,
    HttpReply,
    Outcome,
    Reason,
    http_reply,
)
from .registry import (
    Check,
    CheckReturn,
    Registry,
    default_registry,
    # BEGIN GENERATED decorator-imports (scripts/generate_registry.py from EVENT_KINDS; do not edit)
    on_backfill,
    on_commit_file,
    on_commit_table,
    on_delete_file,
    on_deploy_file,
    on_deploy_table,
    on_freeze,
    on_pre_freeze_instance,
    on_pre_kill_instance,
    on_pre_rerun_instance,
    on_pre_set_instance_success,
    on_pre_unfreeze_instance,
    on_restore,
    on_run_file,
    on_unpublish,
    # END GENERATED decorator-imports
)
from .stores._base import AnswerStore, AsyncAnswerStore, Claim, ClaimState
from .stores._memory import MemoryAnswerStore
from .verdicts import MAX_TIP_LENGTH, CheckResult, Verdict, combine

if TYPE_CHECKING:  # imported on first use (see __getattr__): not needed to answer a message
    from ._health import Health
    from .event_details import (
        CommittedFile,
        DeletedFile,
        FileExecutionCommand,
        FileProperties,
        IdeEventDetail,
        NodeConfiguration,
        NodeInput,
        NodeOutput,
        TableColumn,
        TableModel,
    )
    from .events import (
        BackfillEvent,
        BizPeriod,
        CommitFileEvent,
        CommitTableEvent,
        DeleteFileEvent,
        DeployFileEvent,
        DeployTableEvent,
        ExtensionPointEvent,
        FileEvent,
        FreezeNodeEvent,
        InstancePreEvent,
        NodeEvent,
        PreFreezeInstanceEvent,
        PreKillInstanceEvent,
        PreRerunInstanceEvent,
        PreSetInstanceSuccessEvent,
        PreUnfreezeInstanceEvent,
        RestoreNodeEvent,
        RunFileEvent,
        TableEvent,
        UnknownEvent,
        UnpublishNodeEvent,
    )
    from .lookups import Lookups, LookupStats
    from .nodes import BaselineInfo, InstanceInfo, NodeInfo
    from .ratelimit import (
        EDITION_BUDGETS,
        EDITION_RATE_LIMITS,
        BudgetLeft,
        MemoryRateLimiter,
        RateBudget,
        RateLimit,
        RateLimiter,
        RedisRateLimiter,
        TokenBucket,
        process_bucket,
        process_limiter,
        set_rate_limit,
    )
    from .settings import ExtensionSettings, SettingsCache
    from .stores._redis import RedisAnswerStore

__all__ = [
    "AUDIT_LOGGER",
    "DEFAULT_LEASE",
    "EDITION_BUDGETS",
    "EDITION_RATE_LIMITS",
    "EVENT_KINDS",
    "MAX_BATCH_MESSAGES",
    "MAX_BODY_BYTES",
    "MAX_REPLY_OUTCOMES",
    "MAX_TIP_LENGTH",
    "MIN_LEASE",
    "RETRY_AFTER_SECONDS",
    "AnswerStore",
    "AsyncAnswerStore",
    "AuditJsonFormatter",
    "AuditRecord",
    "BackfillEvent",
    "BackfillOrder",
    "BaselineInfo",
    "BizPeriod",
    "BodyStream",
    "BudgetLeft",
    "CallHook",
    "CallRecord",
    "Callback",
    "CallbackApi",
    "CallbackClient",
    "CallbackError",
    "ChangeType",
    "Check",
    "CheckRecord",
    "CheckResult",
    "CheckReturn",
    "Claim",
    "ClaimState",
    "CommitFileEvent",
    "CommitTableEvent",
    "CommittedFile",
    "ConfigurationError",
    "DataStudioEvent",
    "DataWorksExtError",
    "DeleteFileEvent",
    "DeletedFile",
    "DeployFileEvent",
    "DeployTableEvent",
    "Disposition",
    "EnvelopeError",
    "EnvelopeKind",
    "Event",
    "EventKind",
    "EventMessage",
    "Extension",
    "ExtensionEvent",
    "ExtensionPoint",
    "ExtensionPointEvent",
    "ExtensionSettings",
    "FieldError",
    "FileEvent",
    "FileExecutionCommand",
    "FileProperties",
    "FreezeNodeEvent",
    "HandlerTimeoutError",
    "Health",
    "HttpReply",
    "IdeEventDetail",
    "InstanceInfo",
    "InstanceOperationEvent",
    "InstancePreEvent",
    "LookupStats",
    "Lookups",
    "MemoryAnswerStore",
    "MemoryRateLimiter",
    "MessageDecodeError",
    "MessageError",
    "ModelledEvent",
    "Module",
    "NodeConfiguration",
    "NodeEvent",
    "NodeInfo",
    "NodeInput",
    "NodeLookupError",
    "NodeOutput",
    "Outcome",
    "PreFreezeInstanceEvent",
    "PreKillInstanceEvent",
    "PreRerunInstanceEvent",
    "PreSetInstanceSuccessEvent",
    "PreUnfreezeInstanceEvent",
    "RateBudget",
    "RateLimit",
    "RateLimiter",
    "RawMessage",
    "Reason",
    "RedisAnswerStore",
    "RedisRateLimiter",
    "Registry",
    "RequestTooLargeError",
    "RestoreNodeEvent",
    "RetryPolicy",
    "RunFileEvent",
    "SettingsCache",
    "StoreError",
    "TableColumn",
    "TableEvent",
    "TableModel",
    "TokenBucket",
    "TooManyLookupsError",
    "UnknownEvent",
    "UnpublishNodeEvent",
    "Verdict",
    "__version__",
    "add_event_kind",
    "combine",
    "default_registry",
    "event_kinds",
    "http_reply",
    # BEGIN GENERATED decorators (scripts/generate_registry.py from EVENT_KINDS; do not edit)
    "on_backfill",
    "on_commit_file",
    "on_commit_table",
    "on_delete_file",
    "on_deploy_file",
    "on_deploy_table",
    "on_freeze",
    "on_pre_freeze_instance",
    "on_pre_kill_instance",
    "on_pre_rerun_instance",
    "on_pre_set_instance_success",
    "on_pre_unfreeze_instance",
    "on_restore",
    "on_run_file",
    "on_unpublish",
    # END GENERATED decorators
    "parse_message",
    "parse_messages",
    "process_bucket",
    "process_limiter",
    "read_body",
    "read_wsgi_body",
    "remove_event_kind",
    "sendable",
    "set_rate_limit",
]


#: Names imported on first use, by the module that defines them: node context, GetIDEEventDetail
#: models, health and the Redis store are not needed to answer a message, and each family of
#: event classes is built when one of its classes is first used, so ``import dataworks_ext``
#: does not pay for them.
_LAZY: dict[str, str] = {
    "BaselineInfo": ".nodes",
    "CommittedFile": ".event_details",
    "DeletedFile": ".event_details",
    "BudgetLeft": ".ratelimit",
    "EDITION_BUDGETS": ".ratelimit",
    "EDITION_RATE_LIMITS": ".ratelimit",
    "ExtensionSettings": ".settings",
    "FileExecutionCommand": ".event_details",
    "FileProperties": ".event_details",
    "Health": "._health",
    "IdeEventDetail": ".event_details",
    "InstanceInfo": ".nodes",
    "LookupStats": ".lookups",
    "Lookups": ".lookups",
    "NodeConfiguration": ".event_details",
    "NodeInfo": ".nodes",
    "NodeInput": ".event_details",
    "NodeOutput": ".event_details",
    "MemoryRateLimiter": ".ratelimit",
    "RateBudget": ".ratelimit",
    "RateLimit": ".ratelimit",
    "RateLimiter": ".ratelimit",
    "RedisAnswerStore": ".stores._redis",
    "RedisRateLimiter": ".ratelimit",
    "SettingsCache": ".settings",
    "TableColumn": ".event_details",
    "TableModel": ".event_details",
    "TokenBucket": ".ratelimit",
    "process_bucket": ".ratelimit",
    "process_limiter": ".ratelimit",
    "set_rate_limit": ".ratelimit",
    **dict.fromkeys(model_names(), ".events"),
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'dataworks_ext' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value  # once: later lookups find it directly
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
