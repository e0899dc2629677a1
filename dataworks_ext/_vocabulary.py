"""The vocabularies of events: extension points, modules, answering APIs, field enums."""

from __future__ import annotations

import enum

__all__ = ["BackfillOrder", "CallbackApi", "ChangeType", "ExtensionPoint", "Module"]


class ExtensionPoint(str, enum.Enum):
    """The extension points an extension can be bound to, as the console groups them.

    Example:
        >>> from dataworks_ext import ExtensionPoint, FreezeNodeEvent
        >>> FreezeNodeEvent.extension_point is ExtensionPoint.FREEZE_AND_RESTORE
        True
    """

    FREEZE_AND_RESTORE = "freeze-and-restore-nodes"
    """Operation Center - Freeze and restore nodes (two events: freeze and restore)."""
    UNPUBLISH = "unpublish-node"
    """Operation Center - Unpublish node."""
    BACKFILL = "data-backfill"
    """Operation Center - Data backfill (all four backfill modes)."""
    INSTANCE_OPERATIONS = "instance-operations"
    """Operation Center - Instance operations (freeze, unfreeze, rerun, set success, kill)."""
    FILE_CHANGE = "file-change"
    """DataStudio - File changes (commit, deploy, run and delete a file)."""
    TABLE_CHANGE = "table-change"
    """DataStudio - Table changes (commit and deploy a table)."""
    DATA_INTEGRATION = "data-integration"
    """Data Integration - Starting synchronization jobs."""
    DATA_QUALITY = "data-quality"
    """Data Quality - Rules, evaluation tasks and their notifications."""
    SECURITY_CENTER = "security-center"
    """Security Center - Approval requests."""
    TENANT = "tenant"
    """Tenant - Deleting workspaces, downloading and uploading data."""


class Module(str, enum.Enum):
    """The DataWorks module an event comes from.

    Example:
        >>> from dataworks_ext.events import Module, kind_for_code
        >>> kind_for_code("commit-file").module is Module.DATASTUDIO
        True
    """

    OPERATION_CENTER = "operation-center"
    """Operation Center: nodes, instances, backfills."""
    DATASTUDIO = "datastudio"
    """DataStudio (Data Development): files and tables."""
    DATA_INTEGRATION = "data-integration"
    """Data Integration: synchronization jobs."""
    DATA_QUALITY = "data-quality"
    """Data Quality: rules and evaluation tasks."""
    SECURITY_CENTER = "security-center"
    """Security Center: approvals."""
    TENANT = "tenant"
    """Tenant-level operations: workspaces, data download and upload."""


class CallbackApi(str, enum.Enum):
    """The DataWorks API (version 2020-05-18) that takes an extension's answer to an event.

    Example:
        >>> from dataworks_ext.events import CallbackApi, kind_for_code
        >>> kind_for_code("deploy-file").api is CallbackApi.UPDATE_IDE_EVENT_RESULT
        True
    """

    UPDATE_WORKBENCH_EVENT_RESULT = "UpdateWorkbenchEventResult"
    """Operation Center: ``CheckResult`` OK or FAIL, the reason in ``CheckResultTip``."""
    UPDATE_IDE_EVENT_RESULT = "UpdateIDEEventResult"
    """DataStudio: ``CheckResult`` OK, WARN or FAIL, the reason in ``CheckResultTip``."""
    CALLBACK_EXTENSION = "CallbackExtension"
    """Any extension point: ``CheckResult`` OK, WARN or FAIL, the reason in ``CheckMessage``."""

    @property
    def supports_warn(self) -> bool:
        """Whether the API documents WARN as a ``CheckResult``."""
        return self is not CallbackApi.UPDATE_WORKBENCH_EVENT_RESULT

    @property
    def tip_parameter(self) -> str:
        """The request parameter that carries the tip shown to the user."""
        if self is CallbackApi.CALLBACK_EXTENSION:
            return "CheckMessage"
        return "CheckResultTip"


class ChangeType(str, enum.Enum):
    """What a DataStudio commit or deployment does to a file (``changeType``).

    On the wire a string, ``"0"``, ``"1"`` or ``"2"``; the number is accepted too.

    Example:
        >>> from dataworks_ext import ChangeType
        >>> ChangeType("1") is ChangeType.UPDATE
        True
    """

    CREATE = "0"
    """The file is new."""
    UPDATE = "1"
    """The file changed."""
    DELETE = "2"
    """The file is removed."""


class BackfillOrder(str, enum.Enum):
    """The order in which a backfill runs its business dates.

    Example:
        >>> from dataworks_ext import BackfillOrder
        >>> BackfillOrder("desc") is BackfillOrder.DESC
        True
    """

    ASC = "asc"
    """Oldest business date first."""
    DESC = "desc"
    """Newest business date first."""
