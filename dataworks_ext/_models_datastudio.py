"""DataStudio's file and table events: commit, deploy, run and delete."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping
from typing import Any, ClassVar

import attrs

from ._fields import BIZ_ID_DOC, documented, extra_field, field
from ._vocabulary import ChangeType, ExtensionPoint

__all__ = [
    "CommitFileEvent",
    "CommitTableEvent",
    "DeleteFileEvent",
    "DeployFileEvent",
    "DeployTableEvent",
    "FileEvent",
    "RunFileEvent",
    "TableEvent",
]


@attrs.frozen(kw_only=True)
class FileEvent:
    """Fields shared by DataStudio's file events (not sent on its own).

    ``file_create_time`` is read from ``yyyy-MM-dd HH:mm:ss`` as a naive
    :class:`~datetime.datetime`: DataWorks gives no time zone, and the SDK does not invent one.

    Example:
        >>> from dataworks_ext import CommitFileEvent, FileEvent
        >>> issubclass(CommitFileEvent, FileEvent)
        True
    """

    event_code: ClassVar[str]
    extension_point: ClassVar[ExtensionPoint]

    file_name: str = field("Name of the file (the node, resource or function) in DataStudio.")
    file_id: int = field("Id of the file.")
    operator: str = field("UID of the Alibaba Cloud account that started the operation.")
    project_id: int = field("Id of the DataWorks workspace.")
    tenant_id: int = field("Id of the DataWorks tenant (may exceed 2**32).")
    extension_biz_id: str | None = field(BIZ_ID_DOC, default=None)
    file_version: int | None = field(
        "Version of the file being committed or deployed; ``None`` when not sent.", default=None
    )
    file_type: int | None = field(
        "The code type of the file (as ``ListFileType`` lists them, e.g. 10 for ODPS SQL).",
        default=None,
    )
    file_owner: str | None = field("UID of the file's owner.", default=None)
    file_create_time: _dt.datetime | None = field(
        "When the file was created, ``yyyy-MM-dd HH:mm:ss`` with no zone: a naive datetime.",
        default=None,
    )
    change_type: ChangeType | None = field(
        "What the commit or deployment does to the file: create, update or delete.",
        default=None,
    )
    data_source_name: str | None = field("Name of the data source the code runs on.", default=None)
    resource_type: str | None = field("The resource type, for resource files.", default=None)
    node_id: int | None = field("Id of the scheduling node of the file.", default=None)
    block_business: bool = field(
        "Whether DataWorks blocks the operation until the extension answers.", default=True
    )
    extra: Mapping[str, Any] = extra_field()


@documented
@attrs.frozen(kw_only=True)
class CommitFileEvent(FileEvent):
    """Someone is about to commit a file in DataStudio (``commit-file``).

    Example:
        >>> from dataworks_ext import ChangeType, CommitFileEvent
        >>> event = CommitFileEvent(file_name="ods_orders_d", file_id=501234, file_version=3,
        ...                         operator="1107550004253538", project_id=23393,
        ...                         tenant_id=28378142127872, change_type=ChangeType.UPDATE)
        >>> event.event_code, event.change_type.name
        ('commit-file', 'UPDATE')
    """

    event_code: ClassVar[str] = "commit-file"
    extension_point: ClassVar[ExtensionPoint] = ExtensionPoint.FILE_CHANGE


@documented
@attrs.frozen(kw_only=True)
class DeployFileEvent(FileEvent):
    """Someone is about to deploy a file to production (``deploy-file``).

    Example:
        >>> from dataworks_ext import DeployFileEvent
        >>> DeployFileEvent.event_code
        'deploy-file'
    """

    event_code: ClassVar[str] = "deploy-file"
    extension_point: ClassVar[ExtensionPoint] = ExtensionPoint.FILE_CHANGE


@documented
@attrs.frozen(kw_only=True)
class RunFileEvent(FileEvent):
    """Someone is about to run a file's code in DataStudio (``run-file``).

    Example:
        >>> from dataworks_ext import RunFileEvent
        >>> RunFileEvent.event_code
        'run-file'
    """

    event_code: ClassVar[str] = "run-file"
    extension_point: ClassVar[ExtensionPoint] = ExtensionPoint.FILE_CHANGE


@documented
@attrs.frozen(kw_only=True)
class DeleteFileEvent(FileEvent):
    """Someone is about to delete a file in DataStudio (``delete-file``; it goes to the bin).

    Example:
        >>> from dataworks_ext import DeleteFileEvent
        >>> DeleteFileEvent.event_code
        'delete-file'
    """

    event_code: ClassVar[str] = "delete-file"
    extension_point: ClassVar[ExtensionPoint] = ExtensionPoint.FILE_CHANGE


@attrs.frozen(kw_only=True)
class TableEvent:
    """Fields shared by DataStudio's table events (not sent on its own).

    Example:
        >>> from dataworks_ext import CommitTableEvent, TableEvent
        >>> issubclass(CommitTableEvent, TableEvent)
        True
    """

    event_code: ClassVar[str]
    extension_point: ClassVar[ExtensionPoint]

    table_name: str = field("Name of the table.")
    operator: str = field("UID of the Alibaba Cloud account that started the operation.")
    project_id: int = field("Id of the DataWorks workspace.")
    tenant_id: int = field("Id of the DataWorks tenant (may exceed 2**32).")
    extension_biz_id: str | None = field(BIZ_ID_DOC, default=None)
    table_type: str | None = field("The kind of table (``ODPS``).", default=None)
    max_compute_project: str | None = field(
        "The MaxCompute project the table belongs to.", default=None
    )
    block_business: bool = field(
        "Whether DataWorks blocks the operation until the extension answers.", default=True
    )
    extra: Mapping[str, Any] = extra_field()


@documented
@attrs.frozen(kw_only=True)
class CommitTableEvent(TableEvent):
    """Someone is about to commit a table to the development environment (``commit-table``).

    Example:
        >>> from dataworks_ext import CommitTableEvent
        >>> CommitTableEvent(table_name="ods_orders_d", operator="1107550004253538",
        ...                  project_id=23393, tenant_id=28378142127872).event_code
        'commit-table'
    """

    event_code: ClassVar[str] = "commit-table"
    extension_point: ClassVar[ExtensionPoint] = ExtensionPoint.TABLE_CHANGE


@documented
@attrs.frozen(kw_only=True)
class DeployTableEvent(TableEvent):
    """Someone is about to deploy a table to production (``deploy-table``).

    Example:
        >>> from dataworks_ext import DeployTableEvent
        >>> DeployTableEvent.event_code
        'deploy-table'
    """

    event_code: ClassVar[str] = "deploy-table"
    extension_point: ClassVar[ExtensionPoint] = ExtensionPoint.TABLE_CHANGE
