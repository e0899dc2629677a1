"""The one table of event kinds: every event code with everything that varies by event.

One :class:`EventKind` row per event code: its EventBridge ``type``, module, extension
point, model class, the API that answers it, and, for an event with a model of its own, the
names the surface derives from it (the registry's decorator, the testing builder and
strategy, the CLI's word, the policies' operation).  The typed registry surface is generated
from the rows (``scripts/generate_registry.py``); the builders, strategies, CLI words and
policy operations read them.  :func:`~dataworks_ext.add_event_kind` is the one path that adds
a row: the built-in rows go through it, and so can an event defined at run time.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any

import attrs

from ._vocabulary import CallbackApi, ChangeType, ExtensionPoint, Module
from .errors import ConfigurationError

# No __all__: the public names are listed once, in :mod:`dataworks_ext.events`.

_OC = CallbackApi.UPDATE_WORKBENCH_EVENT_RESULT
_IDE = CallbackApi.UPDATE_IDE_EVENT_RESULT
_ANY = CallbackApi.CALLBACK_EXTENSION
_WITHOUT_MODEL = frozenset({"ExtensionPointEvent", "UnknownEvent"})
_BUILT: dict[str, type[Any]] = {}
"""The model classes named by rows, once built (looked up on every message parsed)."""


@attrs.frozen
class EventKind:
    """One row of :data:`EVENT_KINDS`: an event code with its type, module, class and API.

    Example:
        >>> from dataworks_ext.events import kind_for_type
        >>> kind = kind_for_type("dataworks:NodeChange:UnFreezeNode")
        >>> kind.event_code, kind.api.value, kind.supports_warn
        ('unfreeze-node', 'UpdateWorkbenchEventResult', False)
        >>> kind.decorator, kind.builder, kind.word, kind.operation
        ('on_restore', 'restore_event', 'restore', 'restore')
    """

    model: str | type[Any]
    """The model class, or its name in :mod:`dataworks_ext.events` (built on first use):
    its own, ``ExtensionPointEvent``, or ``UnknownEvent``."""
    event_code: str
    """The ``eventCode`` in the payload (and ``eventType`` of the Function Compute envelope)."""
    eventbridge_type: str
    """The CloudEvent ``type`` EventBridge gives it."""
    extension_point: ExtensionPoint | None
    """The extension point the event belongs to; ``None`` for a regular event."""
    title: str
    """The event's name in the DataWorks console."""
    module: Module = Module.OPERATION_CENTER
    """The DataWorks module the event comes from."""
    api: CallbackApi | None = _OC
    """The API that takes the answer; ``None`` for a regular event (nothing to answer)."""
    api_documented: bool = True
    """Whether DataWorks' pages pair this event with ``api`` (else the SDK infers it)."""
    note: str = ""
    """What is inferred about the row, when something is."""
    name: str | None = None
    """For an event with a model of its own, the stem of its names: the decorator
    ``on_{name}``, the builder ``{name}_event``, the strategy ``{name}_events``."""
    word: str | None = None
    """The CLI's word for the event (``freeze``); ``None``: the CLI says its code."""
    operation: str | None = None
    """The policies' operation the event announces (``freeze``, ``kill-instance``), if any."""
    action: str | None = None
    """How a policy tip words the operation (``freezing nodes``)."""
    defaults: Mapping[str, Any] = attrs.field(factory=dict, hash=False)
    """Field values of the testing builder beyond those its fields' family shares."""

    @property
    def cls(self) -> type[Any]:
        """The model class (imported and built on first use)."""
        model = self.model
        if isinstance(model, type):
            return model
        cls = _BUILT.get(model)
        if cls is None:
            events = importlib.import_module("dataworks_ext.events")
            cls = _BUILT[model] = getattr(events, model)
        return cls

    @property
    def class_name(self) -> str:
        """The model class's name, without building it."""
        return self.model if isinstance(self.model, str) else self.model.__name__

    @property
    def is_extension_point(self) -> bool:
        """Whether DataWorks waits for an extension's answer to this event."""
        return self.extension_point is not None

    @property
    def supports_warn(self) -> bool:
        """Whether the answering API documents WARN (``False`` for a regular event)."""
        return self.api is not None and self.api.supports_warn

    @property
    def has_model(self) -> bool:
        """Whether the event has a model class of its own."""
        return self.class_name not in _WITHOUT_MODEL

    @property
    def decorator(self) -> str | None:
        """The registry's decorator for the event (``on_freeze``), if it has a model."""
        return f"on_{self.name}" if self.name else None

    @property
    def builder(self) -> str | None:
        """The name of its builder in :mod:`dataworks_ext.testing` (``freeze_event``)."""
        return f"{self.name}_event" if self.name else None

    @property
    def strategy(self) -> str | None:
        """The name of its strategy in :mod:`dataworks_ext.testing.strategies`."""
        return f"{self.name}_events" if self.name else None


_INFERRED_API = (
    "CallbackExtension's page says it answers extension-point events in general and names no "
    "module; the SDK answers every extension point outside Operation Center and DataStudio "
    "through it."
)
_INFERRED_TYPE = (
    "The EventBridge type is inferred from the page's dataworks:{Category}:{Action} pattern."
)


def _generic(
    code: str,
    eventbridge_type: str,
    point: ExtensionPoint,
    title: str,
    module: Module,
    *,
    type_inferred: bool = False,
) -> EventKind:
    note = _INFERRED_API + (" " + _INFERRED_TYPE if type_inferred else "")
    return EventKind(
        "ExtensionPointEvent",
        code,
        eventbridge_type,
        point,
        title,
        module,
        _ANY,
        api_documented=False,
        note=note,
    )


def _regular(
    code: str, eventbridge_type: str, title: str, module: Module, *, type_inferred: bool = False
) -> EventKind:
    note = _INFERRED_TYPE if type_inferred else ""
    return EventKind("UnknownEvent", code, eventbridge_type, None, title, module, None, note=note)


_OC_DOC = "UpdateWorkbenchEventResult's page: it answers a process in Operation Center."
_IDE_DOC = "UpdateIDEEventResult's page: it answers extension-point events of data development."
_DQ = Module.DATA_QUALITY
_DQP = ExtensionPoint.DATA_QUALITY


def _dq(code: str, action: str, title: str) -> EventKind:
    return _generic(code, f"dataworks:DqcCheck:{action}", _DQP, title, _DQ, type_inferred=True)


def _modelled(
    model: str,
    code: str,
    eventbridge_type: str,
    point: ExtensionPoint,
    title: str,
    name: str,
    *,
    module: Module = Module.OPERATION_CENTER,
    api: CallbackApi = _OC,
    note: str = "",
    word: str | None = None,
    operation: str | None = None,
    action: str | None = None,
    defaults: Mapping[str, Any] | None = None,
) -> EventKind:
    return EventKind(
        model,
        code,
        eventbridge_type,
        point,
        title,
        module,
        api,
        note=note,
        name=name,
        word=word,
        operation=operation,
        action=action,
        defaults=dict(defaults or {}),
    )


_FR = ExtensionPoint.FREEZE_AND_RESTORE
_IO = ExtensionPoint.INSTANCE_OPERATIONS
_DS = Module.DATASTUDIO
_FILE = ExtensionPoint.FILE_CHANGE
_TABLE = ExtensionPoint.TABLE_CHANGE
#: Commits and deployments carry a version and a change type; runs and deletions do not.
_VERSIONED = {"file_version": 3, "change_type": ChangeType.UPDATE}

_ROWS: tuple[EventKind, ...] = (
    # Operation Center: node extension points.
    _modelled(
        "FreezeNodeEvent",
        "freeze-node",
        "dataworks:NodeChange:FreezeNode",
        _FR,
        "Pre-freeze node event",
        "freeze",
        word="freeze",
        operation="freeze",
        action="freezing nodes",
    ),
    _modelled(
        "RestoreNodeEvent",
        "unfreeze-node",
        "dataworks:NodeChange:UnFreezeNode",
        _FR,
        "Prerequisite event for node restoration",
        "restore",
        word="restore",
        operation="restore",
        action="restoring nodes",
    ),
    _modelled(
        "UnpublishNodeEvent",
        "undeploy-node",
        "dataworks:NodeChange:UndeployNode",
        ExtensionPoint.UNPUBLISH,
        "Pre-unpublish node event",
        "unpublish",
        word="unpublish",
        operation="unpublish",
        action="unpublishing nodes",
    ),
    _modelled(
        "BackfillEvent",
        "backfill-data",
        "dataworks:BackfillDataOperate:BackfillData",
        ExtensionPoint.BACKFILL,
        "Data backfill event",
        "backfill",
        word="backfill",
        operation="backfill",
        action="backfilling data",
    ),
    # Operation Center: instance pre-events.
    _modelled(
        "PreFreezeInstanceEvent",
        "pre-freeze-instance",
        "dataworks:InstanceChange:PreFreezeInstance",
        _IO,
        "Pre-freeze instance event",
        "pre_freeze_instance",
        note=_OC_DOC,
        operation="freeze-instance",
        action="freezing instances",
    ),
    _modelled(
        "PreUnfreezeInstanceEvent",
        "pre-unfreeze-instance",
        "dataworks:InstanceChange:PreUnfreezeInstance",
        _IO,
        "Pre-unfreeze instance event",
        "pre_unfreeze_instance",
        note=_OC_DOC,
        operation="unfreeze-instance",
        action="unfreezing instances",
    ),
    _modelled(
        "PreRerunInstanceEvent",
        "pre-rerun-instance",
        "dataworks:InstanceChange:PreRerunInstance",
        _IO,
        "Pre-rerun instance event",
        "pre_rerun_instance",
        note=_OC_DOC,
        operation="rerun-instance",
        action="rerunning instances",
    ),
    _modelled(
        "PreSetInstanceSuccessEvent",
        "pre-set-instance-success",
        "dataworks:InstanceChange:PreSetInstanceSuccess",
        _IO,
        "Pre-event for setting an instance to succeeded",
        "pre_set_instance_success",
        note=_OC_DOC,
        operation="set-instance-success",
        action="setting instances as successful",
    ),
    _modelled(
        "PreKillInstanceEvent",
        "pre-kill-instance",
        "dataworks:InstanceChange:PreKillInstance",
        _IO,
        "Pre-kill instance event",
        "pre_kill_instance",
        note=_OC_DOC,
        operation="kill-instance",
        action="killing instances",
    ),
    # DataStudio: files and tables.
    _modelled(
        "CommitFileEvent",
        "commit-file",
        "dataworks:FileChange:CommitFile",
        _FILE,
        "Pre-event for file committing",
        "commit_file",
        module=_DS,
        api=_IDE,
        note=_IDE_DOC,
        operation="commit",
        action="committing files",
        defaults=_VERSIONED,
    ),
    _modelled(
        "DeployFileEvent",
        "deploy-file",
        "dataworks:FileChange:DeployFile",
        _FILE,
        "Pre-event for file deployment",
        "deploy_file",
        module=_DS,
        api=_IDE,
        note=_IDE_DOC,
        operation="deploy",
        action="deploying files",
        defaults=_VERSIONED,
    ),
    _modelled(
        "RunFileEvent",
        "run-file",
        "dataworks:FileChange:RunFile",
        _FILE,
        "Pre-event for running code",
        "run_file",
        module=_DS,
        api=_IDE,
        note=_IDE_DOC,
    ),
    _modelled(
        "DeleteFileEvent",
        "delete-file",
        "dataworks:FileChange:DeleteFile",
        _FILE,
        "Pre-event for file deletion",
        "delete_file",
        module=_DS,
        api=_IDE,
        note=_IDE_DOC,
    ),
    _modelled(
        "CommitTableEvent",
        "commit-table",
        "dataworks:TableChange:CommitTable",
        _TABLE,
        "Pre-event for table committing",
        "commit_table",
        module=_DS,
        api=_IDE,
        note=_IDE_DOC,
        defaults={"max_compute_project": "sales_dw_dev"},
    ),
    _modelled(
        "DeployTableEvent",
        "deploy-table",
        "dataworks:TableChange:DeployTable",
        _TABLE,
        "Pre-event for table deployment",
        "deploy_table",
        module=_DS,
        api=_IDE,
        note=_IDE_DOC,
    ),
    # Data Integration.
    _generic(
        "start-diJob",
        "dataworks:NodeChange:StartDiJob",
        ExtensionPoint.DATA_INTEGRATION,
        "Pre-event for starting a synchronization job",
        Module.DATA_INTEGRATION,
    ),
    _generic(
        "batch-start-diJob",
        "dataworks:NodeChange:BatchStartDiJob",
        ExtensionPoint.DATA_INTEGRATION,
        "Pre-event for starting synchronization jobs in batch",
        Module.DATA_INTEGRATION,
    ),
    # Data Quality.
    _dq(
        "batch-create-data-quality-rules",
        "BatchCreateDataQualityRules",
        "Pre-event for creating rules in batch",
    ),
    _dq(
        "batch-update-data-quality-rules",
        "BatchUpdateDataQualityRules",
        "Pre-event for updating rules in batch",
    ),
    _dq(
        "batch-delete-data-quality-rules",
        "BatchDeleteDataQualityRules",
        "Pre-event for deleting rules in batch",
    ),
    _dq("update-data-quality-rule", "UpdateDataQualityRule", "Pre-event for updating a rule"),
    _dq(
        "create-data-quality-evaluation-task",
        "CreateDataQualityEvaluationTask",
        "Pre-event for creating an evaluation task",
    ),
    _dq(
        "update-data-quality-evaluation-task",
        "UpdateDataQualityEvaluationTask",
        "Pre-event for updating an evaluation task",
    ),
    _dq(
        "clone-data-quality-evaluation-task",
        "CloneDataQualityEvaluationTask",
        "Pre-event for cloning an evaluation task",
    ),
    _dq(
        "batch-delete-data-quality-evaluation-tasks",
        "BatchDeleteDataQualityEvaluationTasks",
        "Pre-event for deleting evaluation tasks in batch",
    ),
    _dq(
        "create-data-quality-evaluation-task-notification",
        "CreateDataQualityEvaluationTaskNotification",
        "Pre-event for creating an evaluation task's notification",
    ),
    _dq(
        "update-data-quality-evaluation-task-notification",
        "UpdateDataQualityEvaluationTaskNotification",
        "Pre-event for updating an evaluation task's notification",
    ),
    _dq(
        "delete-data-quality-evaluation-task-notification",
        "DeleteDataQualityEvaluationTaskNotification",
        "Pre-event for deleting an evaluation task's notification",
    ),
    # Security Center.
    _generic(
        "approval-change-before-create",
        "dataworks:ApprovalChange:ApprovalChangeBeforeCreate",
        ExtensionPoint.SECURITY_CENTER,
        "Pre-event for creating an approval request",
        Module.SECURITY_CENTER,
    ),
    # Tenant.
    _generic(
        "delete-project",
        "dataworks:ProjectChange:DeleteProject",
        ExtensionPoint.TENANT,
        "Pre-event for deleting a workspace",
        Module.TENANT,
    ),
    _generic(
        "download-resources",
        "dataworks:ResourcesDownload:DownloadResources",
        ExtensionPoint.TENANT,
        "Pre-event for data download",
        Module.TENANT,
        type_inferred=True,
    ),
    _generic(
        "download-resources-execute",
        "dataworks:ResourcesDownload:DownloadResourcesExecute",
        ExtensionPoint.TENANT,
        "Pre-event for running a data download",
        Module.TENANT,
        type_inferred=True,
    ),
    _generic(
        "upload-data-to-table",
        "dataworks:ResourcesUpload:UploadDataToTable",
        ExtensionPoint.TENANT,
        "Pre-event for uploading data to a table",
        Module.TENANT,
    ),
    # Regular events: DataWorks does not wait for an answer.
    _regular(
        "node-change-created",
        "dataworks:NodeChange:NodeChangeCreated",
        "Node added",
        Module.OPERATION_CENTER,
    ),
    _regular(
        "node-change-updated",
        "dataworks:NodeChange:NodeChangeUpdated",
        "Node updated",
        Module.OPERATION_CENTER,
    ),
    _regular(
        "node-change-deleted",
        "dataworks:NodeChange:NodeChangeDeleted",
        "Node deleted",
        Module.OPERATION_CENTER,
        type_inferred=True,
    ),
    _regular(
        "instance-status-changes",
        "dataworks:InstanceStatusChanges:InstanceStatusChanges",
        "Instance status changed",
        Module.OPERATION_CENTER,
    ),
    *(
        _regular(code, f"dataworks:InstanceChange:{action}", title, Module.OPERATION_CENTER)
        for code, action, title in (
            ("freeze-instance", "FreezeInstance", "Instance frozen"),
            ("unfreeze-instance", "UnfreezeInstance", "Instance unfrozen"),
            ("kill-instance", "KillInstance", "Instance killed"),
            ("rerun-instance", "RerunInstance", "Instance rerun"),
            ("set-instance-success", "SetInstanceSuccess", "Instance set to succeeded"),
        )
    ),
    _regular(
        "expired-task-instances-deleted",
        "dataworks:InstanceChange:ExpiredTaskInstancesDeleted",
        "Expired instances deleted",
        Module.OPERATION_CENTER,
        type_inferred=True,
    ),
    _regular(
        "delete-task-instance-dependencies",
        "dataworks:InstanceChange:DeleteTaskInstanceDependencies",
        "Instance dependencies deleted",
        Module.OPERATION_CENTER,
        type_inferred=True,
    ),
    _regular(
        "dag-status-changes",
        "dataworks:DagStatusChanges:DagStatusChanges",
        "Workflow (DAG) status changed",
        Module.OPERATION_CENTER,
        type_inferred=True,
    ),
    _regular(
        "workbench-monitor-alert",
        "dataworks:WorkbenchMonitorAlert:WorkbenchMonitorAlert",
        "Operation Center alert",
        Module.OPERATION_CENTER,
        type_inferred=True,
    ),
    _regular(
        "dqc-check-finished-event",
        "dataworks:DqcCheck:DqcCheckFinishedEvent",
        "Data Quality check finished",
        Module.DATA_QUALITY,
        type_inferred=True,
    ),
)

_BY_CODE: dict[str, EventKind] = {}
_BY_TYPE: dict[str, EventKind] = {}
_BY_TYPE_FOLDED: dict[str, EventKind] = {}
_ADDED: list[EventKind] = []
#: The surface's names the rows use, by kind of name (each must be unique).
_TAKEN: dict[str, set[str]] = {"name": set(), "word": set(), "operation": set()}


def _names(kind: EventKind) -> list[tuple[str, str]]:
    named = (("name", kind.name), ("word", kind.word), ("operation", kind.operation))
    return [(label, value) for label, value in named if value is not None]


def add_event_kind(kind: EventKind) -> EventKind:
    """Add a row to the table of event kinds: the one path every row, built in or not, takes.

    The code, the EventBridge type and the surface's names must be new; a row added at run
    time before with the same code is replaced (a module that adds one may be reloaded).  A
    row added at run time (an event the SDK does not model yet, with a model class of the
    caller's) parses, registers by code (:meth:`Registry.on <dataworks_ext.Registry.on>`), builds
    (:func:`~dataworks_ext.testing.event_for`) and shows in the CLI like a built-in one; the
    typed decorators are generated from :data:`EVENT_KINDS` ahead of time.

    Example:
        >>> from dataworks_ext.events import add_event_kind, kind_for_code
        >>> add_event_kind(kind_for_code("freeze-node"))
        Traceback (most recent call last):
        ...
        dataworks_ext.errors.ConfigurationError: event code 'freeze-node' is already ...
    """
    if _BY_CODE.get(kind.event_code) in _ADDED:  # added at run time before (a module reloaded)
        remove_event_kind(kind.event_code)
    problems = []
    if kind.event_code in _BY_CODE:
        problems.append(f"event code {kind.event_code!r}")
    if kind.eventbridge_type.lower() in _BY_TYPE_FOLDED:
        problems.append(f"EventBridge type {kind.eventbridge_type!r}")
    names = _names(kind)
    problems += [f"{label} {value!r}" for label, value in names if value in _TAKEN[label]]
    if problems:
        raise ConfigurationError(f"{problems[0]} is already in the table of event kinds")
    if kind.has_model and kind.name is None:
        raise ConfigurationError(
            f"event {kind.event_code!r} has a model of its own but no name (the stem of its "
            "decorator, builder and strategy)"
        )
    for label, value in names:
        _TAKEN[label].add(value)
    _BY_CODE[kind.event_code] = kind
    _BY_TYPE[kind.eventbridge_type] = kind
    _BY_TYPE_FOLDED[kind.eventbridge_type.lower()] = kind
    if _BUILT_IN_DONE:
        _ADDED.append(kind)
    return kind


_BUILT_IN_DONE = False
EVENT_KINDS: tuple[EventKind, ...] = tuple(add_event_kind(kind) for kind in _ROWS)
"""Every event code DataWorks documents: extension points and regular events, one row each.

A new code is one row.  A row's ``cls`` is the model the payload parses into: a class of its
own, :class:`ExtensionPointEvent` for extension points without one, :class:`UnknownEvent` for
regular events (which have no ``extension_point`` and no ``api``).
"""
_BUILT_IN_DONE = True


def event_kinds() -> tuple[EventKind, ...]:
    """Every row: :data:`EVENT_KINDS`, then the rows added at run time by
    :func:`~dataworks_ext.add_event_kind`.

    Example:
        >>> from dataworks_ext.events import EVENT_KINDS, event_kinds
        >>> event_kinds()[: len(EVENT_KINDS)] == EVENT_KINDS
        True
    """
    return (*EVENT_KINDS, *_ADDED)


def remove_event_kind(event_code: str) -> None:
    """Take out a row added at run time (built-in rows stay).

    Example:
        >>> from dataworks_ext.events import remove_event_kind
        >>> remove_event_kind("freeze-node")
        Traceback (most recent call last):
        ...
        dataworks_ext.errors.ConfigurationError: 'freeze-node' is a built-in event kind
    """
    kind = _BY_CODE.get(event_code)
    if kind is None:
        return
    if kind not in _ADDED:
        raise ConfigurationError(f"{event_code!r} is a built-in event kind")
    _ADDED.remove(kind)
    for label, value in _names(kind):
        _TAKEN[label].discard(value)
    del _BY_CODE[event_code]
    _BY_TYPE.pop(kind.eventbridge_type, None)
    _BY_TYPE_FOLDED.pop(kind.eventbridge_type.lower(), None)


def kind_for_code(event_code: str) -> EventKind | None:
    """The row of :data:`EVENT_KINDS` for an ``eventCode``, or ``None``.

    Example:
        >>> from dataworks_ext.events import kind_for_code
        >>> kind_for_code("backfill-data").cls.__name__
        'BackfillEvent'
    """
    return _BY_CODE.get(event_code)


def kind_for_word(word: str) -> EventKind | None:
    """The row whose command-line word is ``word`` (``restore``), or ``None``.

    Example:
        >>> from dataworks_ext.events import kind_for_word
        >>> kind_for_word("restore").event_code, kind_for_word("restore").builder
        ('unfreeze-node', 'restore_event')
    """
    return next((kind for kind in _BY_CODE.values() if kind.word == word), None)


def api_for_code(event_code: str) -> CallbackApi | None:
    """The API that answers an event code: its row's, ``CallbackExtension`` for a code the
    table does not list (an extension point newer than the SDK), ``None`` for a regular event.

    Example:
        >>> from dataworks_ext.events import api_for_code
        >>> api_for_code("commit-file").value, api_for_code("approve-leave").value
        ('UpdateIDEEventResult', 'CallbackExtension')
        >>> api_for_code("instance-status-changes") is None
        True
    """
    kind = _BY_CODE.get(event_code)
    return _ANY if kind is None else kind.api


def kind_for_type(eventbridge_type: str) -> EventKind | None:
    """The row for an EventBridge ``type`` (exact, else ignoring case), or ``None``.

    Example:
        >>> from dataworks_ext.events import kind_for_type
        >>> kind_for_type("dataworks:nodechange:freezenode").event_code
        'freeze-node'
    """
    return _BY_TYPE.get(eventbridge_type) or _BY_TYPE_FOLDED.get(eventbridge_type.lower())


def _own_code(cls: type[Any]) -> str | None:
    """The class-level ``event_code`` of a model of its own (a string), else ``None``."""
    code = getattr(cls, "event_code", None)
    return code if isinstance(code, str) else None


def kind_for_class(cls: type[Any]) -> EventKind:
    """The row for a model class of its own.  Raises :class:`KeyError` for other classes.

    Example:
        >>> from dataworks_ext import RestoreNodeEvent
        >>> from dataworks_ext.events import kind_for_class
        >>> kind_for_class(RestoreNodeEvent).eventbridge_type
        'dataworks:NodeChange:UnFreezeNode'
    """
    code = _own_code(cls)
    kind = _BY_CODE.get(code) if code is not None else None
    if kind is None or not kind.has_model or kind.cls is not cls:
        raise KeyError(cls)
    return kind


def kind_for_event(event: Any) -> EventKind | None:
    """The row for an event: by its class, else by its code; ``None`` for a code not listed.

    Example:
        >>> from dataworks_ext import ExtensionPointEvent
        >>> from dataworks_ext.events import kind_for_event
        >>> kind_for_event(ExtensionPointEvent(event_code="delete-project")).module.value
        'tenant'
    """
    code = _own_code(type(event))
    if code is None:
        code = getattr(event, "event_code", None)
    return _BY_CODE.get(code) if isinstance(code, str) else None
