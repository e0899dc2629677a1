"""Typed models of what DataStudio commits, deploys, runs or deletes: ``GetIDEEventDetail``.

A DataStudio event names a file or a table; ``GetIDEEventDetail(MessageId, ProjectId)``
(DataWorks OpenAPI 2020-05-18) returns what the operation carries: the committed file with its
code (``Content``) and node configuration, the deleted file, the code a run executes, or the
table model.  :class:`IdeEventDetail` is its ``EventDetail``; the nested classes follow the
official SDK's response models (wire names are the SDK's ``to_map`` keys) and are read with
the SDK's one converter, as the events are.  Fields the models do not name are left out
(through the official SDK, only those its response models know reach a check anyway).

:meth:`Lookups.event_detail <dataworks_ext.Lookups.event_detail>` makes the call; these
classes only read answers.

Example:
    >>> from dataworks_ext.event_details import IdeEventDetail
    >>> detail = IdeEventDetail.from_wire({"CommittedFile": {
    ...     "FileName": "ods_orders_d", "Content": "SELECT * FROM t WHERE ds = MAX_PT('t');",
    ...     "NodeConfiguration": {"CronExpress": "00 00 02 * * ?", "RerunMode": "ALL_ALLOWED",
    ...                           "InputList": [{"Input": "p.ods_root", "ParseType": "MANUAL"}]}}})
    >>> detail.committed_file.node_configuration.input_list[0].input
    'p.ods_root'
    >>> detail.content.startswith("SELECT")
    True
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from ._convert import FieldProblem, register_models, structure_model, unstructure_fn
from ._fields import documented, field
from .errors import FieldError

__all__ = [
    "CommittedFile",
    "DeletedFile",
    "FileExecutionCommand",
    "FileProperties",
    "IdeEventDetail",
    "NodeConfiguration",
    "NodeInput",
    "NodeOutput",
    "TableColumn",
    "TableModel",
]


def _opt(doc: str, wire: str, **kwargs: Any) -> Any:
    return field(doc, wire=wire, default=kwargs.pop("default", None), **kwargs)


_CONTENT = "The file's code (the SQL, script, ...), as DataStudio holds it."


@documented
@attrs.frozen(kw_only=True)
class NodeInput:
    """One input (upstream dependency) of a node's configuration.

    Example:
        >>> from dataworks_ext.event_details import NodeInput
        >>> NodeInput(input="p.ods_root", parse_type="MANUAL").input
        'p.ods_root'
    """

    input: str | None = _opt("The output name of the upstream node.", "Input")
    parse_type: str | None = _opt("How it was found: ``MANUAL`` or ``AUTO``.", "ParseType")


@documented
@attrs.frozen(kw_only=True)
class NodeOutput:
    """One output of a node's configuration.

    Example:
        >>> from dataworks_ext.event_details import NodeOutput
        >>> NodeOutput(output="p.ods_orders_d", ref_table_name="ods_orders_d").output
        'p.ods_orders_d'
    """

    output: str | None = _opt("The output name downstream nodes depend on.", "Output")
    ref_table_name: str | None = _opt("The table the output writes, if any.", "RefTableName")


@documented
@attrs.frozen(kw_only=True)
class NodeConfiguration:
    """The scheduling configuration of a committed file's node.

    Example:
        >>> from dataworks_ext.event_details import NodeConfiguration
        >>> NodeConfiguration(cycle_type="DAY", rerun_mode="ALL_ALLOWED").cycle_type
        'DAY'
    """

    cron_express: str | None = _opt("Its schedule, a cron expression.", "CronExpress")
    cycle_type: str | None = _opt(
        "``DAY`` (daily or slower) or ``NOT_DAY`` (hourly...).", "CycleType"
    )
    scheduler_type: str | None = _opt(
        "``NORMAL``, ``MANUAL``, ``PAUSE`` (frozen) or ``SKIP`` (dry run).", "SchedulerType"
    )
    rerun_mode: str | None = _opt(
        "``ALL_ALLOWED``, ``FAILURE_ALLOWED`` or ``ALL_DENIED``.", "RerunMode"
    )
    resource_group_id: int | None = _opt("Id of the resource group it runs on.", "ResourceGroupId")
    para_value: str | None = _opt("Its scheduling parameters, as one string.", "ParaValue")
    auto_rerun_times: int | None = _opt("How often a failed run is retried.", "AutoRerunTimes")
    auto_rerun_interval_millis: int | None = _opt(
        "Milliseconds between automatic reruns.", "AutoRerunIntervalMillis"
    )
    dependent_type: str | None = _opt(
        "Cross-cycle dependency: ``SELF``, ``CHILD``, ``USER_DEFINE`` or ``NONE``.",
        "DependentType",
    )
    dependent_node_id_list: str | None = _opt(
        "Ids of the nodes of a ``USER_DEFINE`` cross-cycle dependency, comma-separated.",
        "DependentNodeIdList",
    )
    input_list: tuple[NodeInput, ...] = field("Its inputs.", wire="InputList", default=())
    output_list: tuple[NodeOutput, ...] = field("Its outputs.", wire="OutputList", default=())


@documented
@attrs.frozen(kw_only=True)
class FileProperties:
    """Properties of a committed file (``FilePropertyContent``).

    Example:
        >>> from dataworks_ext.event_details import FileProperties
        >>> FileProperties(owner="1107550004253538").owner
        '1107550004253538'
    """

    owner: str | None = _opt("UID of the file's owner.", "Owner")
    business_id: int | None = _opt("Id of the workflow of the file.", "BusinessId")
    current_version: int | None = _opt("The file's latest version.", "CurrentVersion")
    data_source_name: str | None = _opt("The data source the code runs on.", "DataSourceName")
    folder_id: str | None = _opt("Id of the folder of the file.", "FolderId")
    parent_file_id: int | None = _opt("Id of the file's parent (inner nodes).", "ParentFileId")


@documented
@attrs.frozen(kw_only=True)
class CommittedFile:
    """A file being committed or deployed, with its code and its node's configuration.

    Example:
        >>> from dataworks_ext.event_details import CommittedFile
        >>> CommittedFile(file_name="ods_orders_d", content="SELECT 1;").content
        'SELECT 1;'
    """

    file_name: str | None = _opt("Name of the file.", "FileName")
    file_id: int | None = _opt("Id of the file.", "FileId")
    file_type: int | None = _opt("The code type (as ``ListFileType`` lists them).", "FileType")
    content: str | None = _opt(_CONTENT, "Content")
    comment: str | None = _opt("The commit's description.", "Comment")
    committor: str | None = _opt("UID of the account committing it.", "Committor")
    change_type: str | None = _opt("``CREATE``, ``UPDATE`` or ``DELETE``, as sent.", "ChangeType")
    node_id: int | None = _opt("Id of the file's scheduling node.", "NodeId")
    use_type: str | None = _opt(
        "Where the file lives: ``NORMAL`` (workflows), ``MANUAL``, ``MANUAL_BIZ``, ...",
        "UseType",
    )
    node_configuration: NodeConfiguration | None = _opt(
        "The scheduling configuration of its node.", "NodeConfiguration"
    )
    file_properties: FileProperties | None = _opt(
        "Its properties: owner, workflow, version, folder.", "FilePropertyContent"
    )


@documented
@attrs.frozen(kw_only=True)
class DeletedFile:
    """A file being deleted.

    Example:
        >>> from dataworks_ext.event_details import DeletedFile
        >>> DeletedFile(file_name="tmp_orders").file_name
        'tmp_orders'
    """

    file_name: str | None = _opt("Name of the file.", "FileName")
    file_id: int | None = _opt("Id of the file.", "FileId")
    file_type: int | None = _opt("The code type (as ``ListFileType`` lists them).", "FileType")
    content: str | None = _opt(_CONTENT, "Content")
    owner: str | None = _opt("UID of the file's owner.", "Owner")
    node_id: int | None = _opt("Id of the file's scheduling node.", "NodeId")
    business_id: int | None = _opt("Id of the workflow of the file.", "BusinessId")
    current_version: int | None = _opt("The file's latest version.", "CurrentVersion")
    data_source_name: str | None = _opt("The data source the code runs on.", "DataSourceName")
    folder_id: str | None = _opt("Id of the folder of the file.", "FolderId")
    parent_file_id: int | None = _opt("Id of the file's parent (inner nodes).", "ParentFileId")
    use_type: str | None = _opt("Where the file lives (see :class:`CommittedFile`).", "UseType")


@documented
@attrs.frozen(kw_only=True)
class FileExecutionCommand:
    """The code a run of a file executes.

    Example:
        >>> from dataworks_ext.event_details import FileExecutionCommand
        >>> FileExecutionCommand(content="SELECT 1;", file_id=7).file_id
        7
    """

    content: str | None = _opt("The code being run.", "Content")
    file_id: int | None = _opt("Id of the file.", "FileId")
    file_type: int | None = _opt("The code type (as ``ListFileType`` lists them).", "FileType")
    data_source_name: str | None = _opt("The data source it runs on.", "DataSourceName")


@documented
@attrs.frozen(kw_only=True)
class TableColumn:
    """One column of a table model.

    Example:
        >>> from dataworks_ext.event_details import TableColumn
        >>> TableColumn(column_name="ds", is_partition_column=True).is_partition_column
        True
    """

    column_name: str | None = _opt("Name of the column.", "ColumnName")
    column_type: str | None = _opt("Its type, e.g. ``STRING``.", "ColumnType")
    comment: str | None = _opt("Its comment.", "Comment")
    is_partition_column: bool | None = _opt(
        "Whether it is a partition column.", "IsPartitionColumn"
    )


@documented
@attrs.frozen(kw_only=True)
class TableModel:
    """A table being committed or deployed.

    Example:
        >>> from dataworks_ext.event_details import TableModel
        >>> TableModel(table_name="ods_orders_d", life_cycle=90).life_cycle
        90
    """

    table_name: str | None = _opt("Name of the table.", "TableName")
    comment: str | None = _opt("Its comment.", "Comment")
    life_cycle: int | None = _opt("Its lifecycle in days.", "LifeCycle")
    env: str | None = _opt("``DEV`` or ``PROD``.", "Env")
    location: str | None = _opt("Its storage location, for external tables.", "Location")
    data_source_name: str | None = _opt("The data source of the table.", "DataSourceName")
    columns: tuple[TableColumn, ...] = field("Its columns.", wire="Columns", default=())


@documented
@attrs.frozen(kw_only=True)
class IdeEventDetail:
    """What a DataStudio operation carries: the ``EventDetail`` of ``GetIDEEventDetail``.

    One of the four is set, by the event: a commit or deployment has ``committed_file``, a
    deletion ``deleted_file``, a run ``file_execution_command``, a table event
    ``table_model``.

    Example:
        >>> from dataworks_ext.event_details import IdeEventDetail
        >>> detail = IdeEventDetail.from_wire({"FileExecutionCommand": {"Content": "SELECT 2;"}})
        >>> detail.content, detail.committed_file
        ('SELECT 2;', None)
    """

    committed_file: CommittedFile | None = _opt("The file committed or deployed.", "CommittedFile")
    deleted_file: DeletedFile | None = _opt("The file deleted.", "DeletedFile")
    file_execution_command: FileExecutionCommand | None = _opt(
        "The code a run executes.", "FileExecutionCommand"
    )
    table_model: TableModel | None = _opt("The table committed or deployed.", "TableModel")

    @property
    def content(self) -> str | None:
        """The code the operation carries: committed, deleted or run (``None`` without one).

        Example:
            >>> from dataworks_ext.event_details import IdeEventDetail
            >>> IdeEventDetail().content is None
            True
        """
        for part in (self.committed_file, self.deleted_file, self.file_execution_command):
            if part is not None and part.content is not None:
                return part.content
        return None

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> IdeEventDetail:
        """Read the ``EventDetail`` object of a ``GetIDEEventDetail`` answer.

        Raises:
            dataworks_ext.FieldError: A field holds a value of the wrong kind (named by its
                wire path).

        Example:
            >>> from dataworks_ext.event_details import IdeEventDetail
            >>> detail = IdeEventDetail.from_wire({"TableModel": {"TableName": "t", "Columns": [
            ...     {"ColumnName": "ds", "IsPartitionColumn": True}]}})
            >>> detail.table_model.columns[0].column_name
            'ds'
        """
        if not isinstance(data, Mapping):
            raise FieldError(f"expected an object, got {type(data).__name__}", field="EventDetail")
        try:
            return structure_model(cls, _without_nulls(data))
        except FieldProblem as problem:
            field = f"EventDetail.{problem.path}" if problem.path else "EventDetail"
            raise FieldError(problem.reason, field=field) from None

    def to_wire(self) -> dict[str, Any]:
        """The ``EventDetail`` object DataWorks would send (``None`` fields left out).

        Example:
            >>> from dataworks_ext.event_details import CommittedFile, IdeEventDetail
            >>> IdeEventDetail(committed_file=CommittedFile(content="SELECT 1;")).to_wire()
            {'CommittedFile': {'Content': 'SELECT 1;'}}
        """
        wire: dict[str, Any] = _without_nulls(unstructure_fn(IdeEventDetail)(self))
        return wire


def _without_nulls(value: Any) -> Any:
    """``value`` with ``null`` members of its objects left out, at every depth."""
    if isinstance(value, Mapping):
        return {k: _without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, (list, tuple)):
        return [_without_nulls(item) for item in value]
    return value


DETAIL_MODELS: tuple[type[Any], ...] = (
    NodeInput,
    NodeOutput,
    NodeConfiguration,
    FileProperties,
    CommittedFile,
    DeletedFile,
    FileExecutionCommand,
    TableColumn,
    TableModel,
    IdeEventDetail,
)
"""The models of ``GetIDEEventDetail``'s answer, nested ones included."""

register_models(*DETAIL_MODELS)
