"""The typed decorators of the registry, one per event with a model of its own.

GENERATED from EVENT_KINDS by scripts/generate_registry.py: do not edit; run
``python scripts/generate_registry.py`` after adding a row to
:data:`~dataworks_ext.EVENT_KINDS` (a test fails when this module differs from what the
table gives).  Each decorator registers by the event's code, so no model class is built
until a check is registered for it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Literal, TypeVar, overload

from .verdicts import Verdict

if TYPE_CHECKING:
    from . import events
    from .messages import EventMessage

__all__ = ["RegistryDecorators"]

_Ret = Verdict | bool | None | Awaitable[Verdict | bool | None]

FreezeCheckT = TypeVar(
    "FreezeCheckT",
    bound="Callable[[events.FreezeNodeEvent], _Ret]"
    " | Callable[[events.FreezeNodeEvent, EventMessage], _Ret]",
)
RestoreCheckT = TypeVar(
    "RestoreCheckT",
    bound="Callable[[events.RestoreNodeEvent], _Ret]"
    " | Callable[[events.RestoreNodeEvent, EventMessage], _Ret]",
)
UnpublishCheckT = TypeVar(
    "UnpublishCheckT",
    bound="Callable[[events.UnpublishNodeEvent], _Ret]"
    " | Callable[[events.UnpublishNodeEvent, EventMessage], _Ret]",
)
BackfillCheckT = TypeVar(
    "BackfillCheckT",
    bound="Callable[[events.BackfillEvent], _Ret]"
    " | Callable[[events.BackfillEvent, EventMessage], _Ret]",
)
PreFreezeInstanceCheckT = TypeVar(
    "PreFreezeInstanceCheckT",
    bound="Callable[[events.PreFreezeInstanceEvent], _Ret]"
    " | Callable[[events.PreFreezeInstanceEvent, EventMessage], _Ret]",
)
PreUnfreezeInstanceCheckT = TypeVar(
    "PreUnfreezeInstanceCheckT",
    bound="Callable[[events.PreUnfreezeInstanceEvent], _Ret]"
    " | Callable[[events.PreUnfreezeInstanceEvent, EventMessage], _Ret]",
)
PreRerunInstanceCheckT = TypeVar(
    "PreRerunInstanceCheckT",
    bound="Callable[[events.PreRerunInstanceEvent], _Ret]"
    " | Callable[[events.PreRerunInstanceEvent, EventMessage], _Ret]",
)
PreSetInstanceSuccessCheckT = TypeVar(
    "PreSetInstanceSuccessCheckT",
    bound="Callable[[events.PreSetInstanceSuccessEvent], _Ret]"
    " | Callable[[events.PreSetInstanceSuccessEvent, EventMessage], _Ret]",
)
PreKillInstanceCheckT = TypeVar(
    "PreKillInstanceCheckT",
    bound="Callable[[events.PreKillInstanceEvent], _Ret]"
    " | Callable[[events.PreKillInstanceEvent, EventMessage], _Ret]",
)
CommitFileCheckT = TypeVar(
    "CommitFileCheckT",
    bound="Callable[[events.CommitFileEvent], _Ret]"
    " | Callable[[events.CommitFileEvent, EventMessage], _Ret]",
)
DeployFileCheckT = TypeVar(
    "DeployFileCheckT",
    bound="Callable[[events.DeployFileEvent], _Ret]"
    " | Callable[[events.DeployFileEvent, EventMessage], _Ret]",
)
RunFileCheckT = TypeVar(
    "RunFileCheckT",
    bound="Callable[[events.RunFileEvent], _Ret]"
    " | Callable[[events.RunFileEvent, EventMessage], _Ret]",
)
DeleteFileCheckT = TypeVar(
    "DeleteFileCheckT",
    bound="Callable[[events.DeleteFileEvent], _Ret]"
    " | Callable[[events.DeleteFileEvent, EventMessage], _Ret]",
)
CommitTableCheckT = TypeVar(
    "CommitTableCheckT",
    bound="Callable[[events.CommitTableEvent], _Ret]"
    " | Callable[[events.CommitTableEvent, EventMessage], _Ret]",
)
DeployTableCheckT = TypeVar(
    "DeployTableCheckT",
    bound="Callable[[events.DeployTableEvent], _Ret]"
    " | Callable[[events.DeployTableEvent, EventMessage], _Ret]",
)
GenericCheckT = TypeVar(
    "GenericCheckT",
    bound="Callable[[events.ExtensionPointEvent], _Ret]"
    " | Callable[[events.ExtensionPointEvent, EventMessage], _Ret]",
)


class RegistryDecorators:
    """The decorators of :class:`~dataworks_ext.Registry`, typed by event (generated).

    Example:
        >>> from dataworks_ext import Registry
        >>> hasattr(Registry(), "on_freeze")
        True
    """

    if TYPE_CHECKING:  # Registry's: register ``fn`` by code, or return a decorator that does

        def _decorate(self, event_code: str, fn: Any, name: str | None, enforce: bool) -> Any: ...

    @overload
    def on_freeze(self, fn: FreezeCheckT, /) -> FreezeCheckT: ...
    @overload
    def on_freeze(
        self, fn: None = None, /, *, name: str | None = None, enforce: bool = True
    ) -> Callable[[FreezeCheckT], FreezeCheckT]: ...
    def on_freeze(self, fn: Any = None, /, *, name: str | None = None, enforce: bool = True) -> Any:
        """Register a check for :class:`FreezeNodeEvent`.

        The event ``freeze-node``: pre-freeze node event.
        Bare (``@reg.on_freeze``) or with options: ``name=``, ``enforce=``.

        Example:
            >>> from dataworks_ext import FreezeNodeEvent, Registry
            >>> reg = Registry()
            >>> @reg.on_freeze
            ... def allow(event: FreezeNodeEvent) -> bool:
            ...     return True
            >>> reg.counts()
            {'freeze-node': 1}
        """
        return self._decorate("freeze-node", fn, name, enforce)

    @overload
    def on_restore(self, fn: RestoreCheckT, /) -> RestoreCheckT: ...
    @overload
    def on_restore(
        self, fn: None = None, /, *, name: str | None = None, enforce: bool = True
    ) -> Callable[[RestoreCheckT], RestoreCheckT]: ...
    def on_restore(
        self, fn: Any = None, /, *, name: str | None = None, enforce: bool = True
    ) -> Any:
        """Register a check for :class:`RestoreNodeEvent`.

        The event ``unfreeze-node``: prerequisite event for node restoration.
        Bare (``@reg.on_restore``) or with options: ``name=``, ``enforce=``.

        Example:
            >>> from dataworks_ext import RestoreNodeEvent, Registry
            >>> reg = Registry()
            >>> @reg.on_restore
            ... def allow(event: RestoreNodeEvent) -> bool:
            ...     return True
            >>> reg.counts()
            {'unfreeze-node': 1}
        """
        return self._decorate("unfreeze-node", fn, name, enforce)

    @overload
    def on_unpublish(self, fn: UnpublishCheckT, /) -> UnpublishCheckT: ...
    @overload
    def on_unpublish(
        self, fn: None = None, /, *, name: str | None = None, enforce: bool = True
    ) -> Callable[[UnpublishCheckT], UnpublishCheckT]: ...
    def on_unpublish(
        self, fn: Any = None, /, *, name: str | None = None, enforce: bool = True
    ) -> Any:
        """Register a check for :class:`UnpublishNodeEvent`.

        The event ``undeploy-node``: pre-unpublish node event.
        Bare (``@reg.on_unpublish``) or with options: ``name=``, ``enforce=``.

        Example:
            >>> from dataworks_ext import UnpublishNodeEvent, Registry
            >>> reg = Registry()
            >>> @reg.on_unpublish
            ... def allow(event: UnpublishNodeEvent) -> bool:
            ...     return True
            >>> reg.counts()
            {'undeploy-node': 1}
        """
        return self._decorate("undeploy-node", fn, name, enforce)

    @overload
    def on_backfill(self, fn: BackfillCheckT, /) -> BackfillCheckT: ...
    @overload
    def on_backfill(
        self, fn: None = None, /, *, name: str | None = None, enforce: bool = True
    ) -> Callable[[BackfillCheckT], BackfillCheckT]: ...
    def on_backfill(
        self, fn: Any = None, /, *, name: str | None = None, enforce: bool = True
    ) -> Any:
        """Register a check for :class:`BackfillEvent`.

        The event ``backfill-data``: data backfill event.
        Bare (``@reg.on_backfill``) or with options: ``name=``, ``enforce=``.

        Example:
            >>> from dataworks_ext import BackfillEvent, Registry
            >>> reg = Registry()
            >>> @reg.on_backfill
            ... def allow(event: BackfillEvent) -> bool:
            ...     return True
            >>> reg.counts()
            {'backfill-data': 1}
        """
        return self._decorate("backfill-data", fn, name, enforce)

    @overload
    def on_pre_freeze_instance(self, fn: PreFreezeInstanceCheckT, /) -> PreFreezeInstanceCheckT: ...
    @overload
    def on_pre_freeze_instance(
        self, fn: None = None, /, *, name: str | None = None, enforce: bool = True
    ) -> Callable[[PreFreezeInstanceCheckT], PreFreezeInstanceCheckT]: ...
    def on_pre_freeze_instance(
        self, fn: Any = None, /, *, name: str | None = None, enforce: bool = True
    ) -> Any:
        """Register a check for :class:`PreFreezeInstanceEvent`.

        The event ``pre-freeze-instance``: pre-freeze instance event.
        Bare (``@reg.on_pre_freeze_instance``) or with options: ``name=``, ``enforce=``.

        Example:
            >>> from dataworks_ext import PreFreezeInstanceEvent, Registry
            >>> reg = Registry()
            >>> @reg.on_pre_freeze_instance
            ... def allow(event: PreFreezeInstanceEvent) -> bool:
            ...     return True
            >>> reg.counts()
            {'pre-freeze-instance': 1}
        """
        return self._decorate("pre-freeze-instance", fn, name, enforce)

    @overload
    def on_pre_unfreeze_instance(
        self, fn: PreUnfreezeInstanceCheckT, /
    ) -> PreUnfreezeInstanceCheckT: ...
    @overload
    def on_pre_unfreeze_instance(
        self, fn: None = None, /, *, name: str | None = None, enforce: bool = True
    ) -> Callable[[PreUnfreezeInstanceCheckT], PreUnfreezeInstanceCheckT]: ...
    def on_pre_unfreeze_instance(
        self, fn: Any = None, /, *, name: str | None = None, enforce: bool = True
    ) -> Any:
        """Register a check for :class:`PreUnfreezeInstanceEvent`.

        The event ``pre-unfreeze-instance``: pre-unfreeze instance event.
        Bare (``@reg.on_pre_unfreeze_instance``) or with options: ``name=``, ``enforce=``.

        Example:
            >>> from dataworks_ext import PreUnfreezeInstanceEvent, Registry
            >>> reg = Registry()
            >>> @reg.on_pre_unfreeze_instance
            ... def allow(event: PreUnfreezeInstanceEvent) -> bool:
            ...     return True
            >>> reg.counts()
            {'pre-unfreeze-instance': 1}
        """
        return self._decorate("pre-unfreeze-instance", fn, name, enforce)

    @overload
    def on_pre_rerun_instance(self, fn: PreRerunInstanceCheckT, /) -> PreRerunInstanceCheckT: ...
    @overload
    def on_pre_rerun_instance(
        self, fn: None = None, /, *, name: str | None = None, enforce: bool = True
    ) -> Callable[[PreRerunInstanceCheckT], PreRerunInstanceCheckT]: ...
    def on_pre_rerun_instance(
        self, fn: Any = None, /, *, name: str | None = None, enforce: bool = True
    ) -> Any:
        """Register a check for :class:`PreRerunInstanceEvent`.

        The event ``pre-rerun-instance``: pre-rerun instance event.
        Bare (``@reg.on_pre_rerun_instance``) or with options: ``name=``, ``enforce=``.

        Example:
            >>> from dataworks_ext import PreRerunInstanceEvent, Registry
            >>> reg = Registry()
            >>> @reg.on_pre_rerun_instance
            ... def allow(event: PreRerunInstanceEvent) -> bool:
            ...     return True
            >>> reg.counts()
            {'pre-rerun-instance': 1}
        """
        return self._decorate("pre-rerun-instance", fn, name, enforce)

    @overload
    def on_pre_set_instance_success(
        self, fn: PreSetInstanceSuccessCheckT, /
    ) -> PreSetInstanceSuccessCheckT: ...
    @overload
    def on_pre_set_instance_success(
        self, fn: None = None, /, *, name: str | None = None, enforce: bool = True
    ) -> Callable[[PreSetInstanceSuccessCheckT], PreSetInstanceSuccessCheckT]: ...
    def on_pre_set_instance_success(
        self, fn: Any = None, /, *, name: str | None = None, enforce: bool = True
    ) -> Any:
        """Register a check for :class:`PreSetInstanceSuccessEvent`.

        The event ``pre-set-instance-success``: pre-event for setting an instance to succeeded.
        Bare (``@reg.on_pre_set_instance_success``) or with options: ``name=``, ``enforce=``.

        Example:
            >>> from dataworks_ext import PreSetInstanceSuccessEvent, Registry
            >>> reg = Registry()
            >>> @reg.on_pre_set_instance_success
            ... def allow(event: PreSetInstanceSuccessEvent) -> bool:
            ...     return True
            >>> reg.counts()
            {'pre-set-instance-success': 1}
        """
        return self._decorate("pre-set-instance-success", fn, name, enforce)

    @overload
    def on_pre_kill_instance(self, fn: PreKillInstanceCheckT, /) -> PreKillInstanceCheckT: ...
    @overload
    def on_pre_kill_instance(
        self, fn: None = None, /, *, name: str | None = None, enforce: bool = True
    ) -> Callable[[PreKillInstanceCheckT], PreKillInstanceCheckT]: ...
    def on_pre_kill_instance(
        self, fn: Any = None, /, *, name: str | None = None, enforce: bool = True
    ) -> Any:
        """Register a check for :class:`PreKillInstanceEvent`.

        The event ``pre-kill-instance``: pre-kill instance event.
        Bare (``@reg.on_pre_kill_instance``) or with options: ``name=``, ``enforce=``.

        Example:
            >>> from dataworks_ext import PreKillInstanceEvent, Registry
            >>> reg = Registry()
            >>> @reg.on_pre_kill_instance
            ... def allow(event: PreKillInstanceEvent) -> bool:
            ...     return True
            >>> reg.counts()
            {'pre-kill-instance': 1}
        """
        return self._decorate("pre-kill-instance", fn, name, enforce)

    @overload
    def on_commit_file(self, fn: CommitFileCheckT, /) -> CommitFileCheckT: ...
    @overload
    def on_commit_file(
        self, fn: None = None, /, *, name: str | None = None, enforce: bool = True
    ) -> Callable[[CommitFileCheckT], CommitFileCheckT]: ...
    def on_commit_file(
        self, fn: Any = None, /, *, name: str | None = None, enforce: bool = True
    ) -> Any:
        """Register a check for :class:`CommitFileEvent`.

        The event ``commit-file``: pre-event for file committing.
        Bare (``@reg.on_commit_file``) or with options: ``name=``, ``enforce=``.

        Example:
            >>> from dataworks_ext import CommitFileEvent, Registry
            >>> reg = Registry()
            >>> @reg.on_commit_file
            ... def allow(event: CommitFileEvent) -> bool:
            ...     return True
            >>> reg.counts()
            {'commit-file': 1}
        """
        return self._decorate("commit-file", fn, name, enforce)

    @overload
    def on_deploy_file(self, fn: DeployFileCheckT, /) -> DeployFileCheckT: ...
    @overload
    def on_deploy_file(
        self, fn: None = None, /, *, name: str | None = None, enforce: bool = True
    ) -> Callable[[DeployFileCheckT], DeployFileCheckT]: ...
    def on_deploy_file(
        self, fn: Any = None, /, *, name: str | None = None, enforce: bool = True
    ) -> Any:
        """Register a check for :class:`DeployFileEvent`.

        The event ``deploy-file``: pre-event for file deployment.
        Bare (``@reg.on_deploy_file``) or with options: ``name=``, ``enforce=``.

        Example:
            >>> from dataworks_ext import DeployFileEvent, Registry
            >>> reg = Registry()
            >>> @reg.on_deploy_file
            ... def allow(event: DeployFileEvent) -> bool:
            ...     return True
            >>> reg.counts()
            {'deploy-file': 1}
        """
        return self._decorate("deploy-file", fn, name, enforce)

    @overload
    def on_run_file(self, fn: RunFileCheckT, /) -> RunFileCheckT: ...
    @overload
    def on_run_file(
        self, fn: None = None, /, *, name: str | None = None, enforce: bool = True
    ) -> Callable[[RunFileCheckT], RunFileCheckT]: ...
    def on_run_file(
        self, fn: Any = None, /, *, name: str | None = None, enforce: bool = True
    ) -> Any:
        """Register a check for :class:`RunFileEvent`.

        The event ``run-file``: pre-event for running code.
        Bare (``@reg.on_run_file``) or with options: ``name=``, ``enforce=``.

        Example:
            >>> from dataworks_ext import RunFileEvent, Registry
            >>> reg = Registry()
            >>> @reg.on_run_file
            ... def allow(event: RunFileEvent) -> bool:
            ...     return True
            >>> reg.counts()
            {'run-file': 1}
        """
        return self._decorate("run-file", fn, name, enforce)

    @overload
    def on_delete_file(self, fn: DeleteFileCheckT, /) -> DeleteFileCheckT: ...
    @overload
    def on_delete_file(
        self, fn: None = None, /, *, name: str | None = None, enforce: bool = True
    ) -> Callable[[DeleteFileCheckT], DeleteFileCheckT]: ...
    def on_delete_file(
        self, fn: Any = None, /, *, name: str | None = None, enforce: bool = True
    ) -> Any:
        """Register a check for :class:`DeleteFileEvent`.

        The event ``delete-file``: pre-event for file deletion.
        Bare (``@reg.on_delete_file``) or with options: ``name=``, ``enforce=``.

        Example:
            >>> from dataworks_ext import DeleteFileEvent, Registry
            >>> reg = Registry()
            >>> @reg.on_delete_file
            ... def allow(event: DeleteFileEvent) -> bool:
            ...     return True
            >>> reg.counts()
            {'delete-file': 1}
        """
        return self._decorate("delete-file", fn, name, enforce)

    @overload
    def on_commit_table(self, fn: CommitTableCheckT, /) -> CommitTableCheckT: ...
    @overload
    def on_commit_table(
        self, fn: None = None, /, *, name: str | None = None, enforce: bool = True
    ) -> Callable[[CommitTableCheckT], CommitTableCheckT]: ...
    def on_commit_table(
        self, fn: Any = None, /, *, name: str | None = None, enforce: bool = True
    ) -> Any:
        """Register a check for :class:`CommitTableEvent`.

        The event ``commit-table``: pre-event for table committing.
        Bare (``@reg.on_commit_table``) or with options: ``name=``, ``enforce=``.

        Example:
            >>> from dataworks_ext import CommitTableEvent, Registry
            >>> reg = Registry()
            >>> @reg.on_commit_table
            ... def allow(event: CommitTableEvent) -> bool:
            ...     return True
            >>> reg.counts()
            {'commit-table': 1}
        """
        return self._decorate("commit-table", fn, name, enforce)

    @overload
    def on_deploy_table(self, fn: DeployTableCheckT, /) -> DeployTableCheckT: ...
    @overload
    def on_deploy_table(
        self, fn: None = None, /, *, name: str | None = None, enforce: bool = True
    ) -> Callable[[DeployTableCheckT], DeployTableCheckT]: ...
    def on_deploy_table(
        self, fn: Any = None, /, *, name: str | None = None, enforce: bool = True
    ) -> Any:
        """Register a check for :class:`DeployTableEvent`.

        The event ``deploy-table``: pre-event for table deployment.
        Bare (``@reg.on_deploy_table``) or with options: ``name=``, ``enforce=``.

        Example:
            >>> from dataworks_ext import DeployTableEvent, Registry
            >>> reg = Registry()
            >>> @reg.on_deploy_table
            ... def allow(event: DeployTableEvent) -> bool:
            ...     return True
            >>> reg.counts()
            {'deploy-table': 1}
        """
        return self._decorate("deploy-table", fn, name, enforce)

    @overload
    def on(  # type: ignore[overload-overlap]
        self,
        event_code: Literal["freeze-node"],
        /,
        *,
        name: str | None = None,
        enforce: bool = True,
    ) -> Callable[[FreezeCheckT], FreezeCheckT]: ...
    @overload
    def on(  # type: ignore[overload-overlap]
        self,
        event_code: Literal["unfreeze-node"],
        /,
        *,
        name: str | None = None,
        enforce: bool = True,
    ) -> Callable[[RestoreCheckT], RestoreCheckT]: ...
    @overload
    def on(  # type: ignore[overload-overlap]
        self,
        event_code: Literal["undeploy-node"],
        /,
        *,
        name: str | None = None,
        enforce: bool = True,
    ) -> Callable[[UnpublishCheckT], UnpublishCheckT]: ...
    @overload
    def on(  # type: ignore[overload-overlap]
        self,
        event_code: Literal["backfill-data"],
        /,
        *,
        name: str | None = None,
        enforce: bool = True,
    ) -> Callable[[BackfillCheckT], BackfillCheckT]: ...
    @overload
    def on(  # type: ignore[overload-overlap]
        self,
        event_code: Literal["pre-freeze-instance"],
        /,
        *,
        name: str | None = None,
        enforce: bool = True,
    ) -> Callable[[PreFreezeInstanceCheckT], PreFreezeInstanceCheckT]: ...
    @overload
    def on(  # type: ignore[overload-overlap]
        self,
        event_code: Literal["pre-unfreeze-instance"],
        /,
        *,
        name: str | None = None,
        enforce: bool = True,
    ) -> Callable[[PreUnfreezeInstanceCheckT], PreUnfreezeInstanceCheckT]: ...
    @overload
    def on(  # type: ignore[overload-overlap]
        self,
        event_code: Literal["pre-rerun-instance"],
        /,
        *,
        name: str | None = None,
        enforce: bool = True,
    ) -> Callable[[PreRerunInstanceCheckT], PreRerunInstanceCheckT]: ...
    @overload
    def on(  # type: ignore[overload-overlap]
        self,
        event_code: Literal["pre-set-instance-success"],
        /,
        *,
        name: str | None = None,
        enforce: bool = True,
    ) -> Callable[[PreSetInstanceSuccessCheckT], PreSetInstanceSuccessCheckT]: ...
    @overload
    def on(  # type: ignore[overload-overlap]
        self,
        event_code: Literal["pre-kill-instance"],
        /,
        *,
        name: str | None = None,
        enforce: bool = True,
    ) -> Callable[[PreKillInstanceCheckT], PreKillInstanceCheckT]: ...
    @overload
    def on(  # type: ignore[overload-overlap]
        self,
        event_code: Literal["commit-file"],
        /,
        *,
        name: str | None = None,
        enforce: bool = True,
    ) -> Callable[[CommitFileCheckT], CommitFileCheckT]: ...
    @overload
    def on(  # type: ignore[overload-overlap]
        self,
        event_code: Literal["deploy-file"],
        /,
        *,
        name: str | None = None,
        enforce: bool = True,
    ) -> Callable[[DeployFileCheckT], DeployFileCheckT]: ...
    @overload
    def on(  # type: ignore[overload-overlap]
        self,
        event_code: Literal["run-file"],
        /,
        *,
        name: str | None = None,
        enforce: bool = True,
    ) -> Callable[[RunFileCheckT], RunFileCheckT]: ...
    @overload
    def on(  # type: ignore[overload-overlap]
        self,
        event_code: Literal["delete-file"],
        /,
        *,
        name: str | None = None,
        enforce: bool = True,
    ) -> Callable[[DeleteFileCheckT], DeleteFileCheckT]: ...
    @overload
    def on(  # type: ignore[overload-overlap]
        self,
        event_code: Literal["commit-table"],
        /,
        *,
        name: str | None = None,
        enforce: bool = True,
    ) -> Callable[[CommitTableCheckT], CommitTableCheckT]: ...
    @overload
    def on(  # type: ignore[overload-overlap]
        self,
        event_code: Literal["deploy-table"],
        /,
        *,
        name: str | None = None,
        enforce: bool = True,
    ) -> Callable[[DeployTableCheckT], DeployTableCheckT]: ...
    @overload
    def on(
        self, event_code: str, /, *, name: str | None = None, enforce: bool = True
    ) -> Callable[[GenericCheckT], GenericCheckT]: ...
    def on(self, event_code: str, /, *, name: str | None = None, enforce: bool = True) -> Any:
        """Register a check for an extension-point event by its code (a decorator).

        The check gets the event's class when the code has one (``on("commit-file")`` is
        ``on_commit_file``), else an :class:`~dataworks_ext.ExtensionPointEvent`: Data
        Integration, Data Quality, Security Center and tenant-level events, and codes newer
        than the SDK.

        Example:
            >>> from dataworks_ext import ExtensionPointEvent, Registry, Verdict
            >>> reg = Registry()
            >>> @reg.on("download-resources", name="no-bulk-downloads")
            ... def no_bulk_downloads(event: ExtensionPointEvent) -> Verdict:
            ...     if event.payload.get("rowCount", 0) > 100_000:
            ...         return Verdict.fail("downloads are limited to 100,000 rows")
            ...     return Verdict.ok()
            >>> reg.checks_for_code("download-resources")[0].name
            'no-bulk-downloads'
        """

        return self._decorate(event_code, None, name, enforce)
