"""Operation Center's instance pre-events: freeze, unfreeze, rerun, set success, kill."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import attrs

from ._fields import BIZ_ID_DOC, documented, extra_field, field
from ._vocabulary import ExtensionPoint

__all__ = [
    "InstancePreEvent",
    "PreFreezeInstanceEvent",
    "PreKillInstanceEvent",
    "PreRerunInstanceEvent",
    "PreSetInstanceSuccessEvent",
    "PreUnfreezeInstanceEvent",
]


@attrs.frozen(kw_only=True)
class InstancePreEvent:
    """Fields shared by Operation Center's instance pre-events (not sent on its own).

    Example:
        >>> from dataworks_ext import InstancePreEvent, PreKillInstanceEvent
        >>> issubclass(PreKillInstanceEvent, InstancePreEvent)
        True
    """

    event_code: ClassVar[str]
    extension_point: ClassVar[ExtensionPoint]

    operator: str = field("UID of the Alibaba Cloud account that started the operation.")
    project_id: int = field("Id of the DataWorks workspace.")
    tenant_id: int = field("Id of the DataWorks tenant (may exceed 2**32).")
    task_ids: tuple[int, ...] = field("Ids of the instances the operation acts on.")
    extension_biz_id: str | None = field(BIZ_ID_DOC, default=None)
    extension_biz_name: str | None = field("Name DataWorks gives this check process.", default=None)
    block_business: bool = field(
        "Whether DataWorks blocks the operation until the extension answers.", default=True
    )
    extra: Mapping[str, Any] = extra_field()


@documented
@attrs.frozen(kw_only=True)
class PreFreezeInstanceEvent(InstancePreEvent):
    """Someone is about to freeze instances (``pre-freeze-instance``).

    Example:
        >>> from dataworks_ext import PreFreezeInstanceEvent
        >>> PreFreezeInstanceEvent(operator="1107550004253538", project_id=23393,
        ...                        tenant_id=28378142127872, task_ids=(1000087654321,)).task_ids
        (1000087654321,)
    """

    event_code: ClassVar[str] = "pre-freeze-instance"
    extension_point: ClassVar[ExtensionPoint] = ExtensionPoint.INSTANCE_OPERATIONS


@documented
@attrs.frozen(kw_only=True)
class PreUnfreezeInstanceEvent(InstancePreEvent):
    """Someone is about to unfreeze (restore) instances (``pre-unfreeze-instance``).

    Example:
        >>> from dataworks_ext import PreUnfreezeInstanceEvent
        >>> PreUnfreezeInstanceEvent.event_code
        'pre-unfreeze-instance'
    """

    event_code: ClassVar[str] = "pre-unfreeze-instance"
    extension_point: ClassVar[ExtensionPoint] = ExtensionPoint.INSTANCE_OPERATIONS


@documented
@attrs.frozen(kw_only=True)
class PreRerunInstanceEvent(InstancePreEvent):
    """Someone is about to rerun instances (``pre-rerun-instance``).

    Example:
        >>> from dataworks_ext import PreRerunInstanceEvent
        >>> PreRerunInstanceEvent.event_code
        'pre-rerun-instance'
    """

    event_code: ClassVar[str] = "pre-rerun-instance"
    extension_point: ClassVar[ExtensionPoint] = ExtensionPoint.INSTANCE_OPERATIONS


@documented
@attrs.frozen(kw_only=True)
class PreSetInstanceSuccessEvent(InstancePreEvent):
    """Someone is about to set instances to succeeded (``pre-set-instance-success``).

    Example:
        >>> from dataworks_ext import PreSetInstanceSuccessEvent
        >>> PreSetInstanceSuccessEvent.event_code
        'pre-set-instance-success'
    """

    event_code: ClassVar[str] = "pre-set-instance-success"
    extension_point: ClassVar[ExtensionPoint] = ExtensionPoint.INSTANCE_OPERATIONS


@documented
@attrs.frozen(kw_only=True)
class PreKillInstanceEvent(InstancePreEvent):
    """Someone is about to kill (terminate) running instances (``pre-kill-instance``).

    Example:
        >>> from dataworks_ext import PreKillInstanceEvent
        >>> PreKillInstanceEvent.event_code
        'pre-kill-instance'
    """

    event_code: ClassVar[str] = "pre-kill-instance"
    extension_point: ClassVar[ExtensionPoint] = ExtensionPoint.INSTANCE_OPERATIONS
