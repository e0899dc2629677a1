"""Typed models of the events DataWorks sends to extensions.

One class per modelled extension-point event: Operation Center's node events
(:class:`FreezeNodeEvent`, :class:`RestoreNodeEvent`, :class:`UnpublishNodeEvent`,
:class:`BackfillEvent`) and instance pre-events (:class:`PreFreezeInstanceEvent`, ...),
DataStudio's file and table events (:class:`CommitFileEvent`, :class:`DeployTableEvent`,
...); every other extension-point event parses as :class:`ExtensionPointEvent` (its code, the
common fields and the payload as read), and regular events as :class:`UnknownEvent`.
:data:`EVENT_KINDS` is the one table of every event code: its EventBridge ``type``, its
module, whether it is an extension point, its model class and the API that answers it.

Every field carries its wire name and meaning in its attrs metadata (``wire`` and ``doc``);
the class docstrings and the reference pages of the docs are generated from them.

The model classes are built on first use (importing this module builds none): the table,
the enums and the lookups are here at once, each family of models in its own module.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any, Union

from ._event_kinds import (
    EVENT_KINDS,
    EventKind,
    add_event_kind,
    api_for_code,
    event_kinds,
    kind_for_class,
    kind_for_code,
    kind_for_event,
    kind_for_type,
    kind_for_word,
    remove_event_kind,
)
from ._fields import wire_name
from ._vocabulary import BackfillOrder, CallbackApi, ChangeType, ExtensionPoint, Module

if TYPE_CHECKING:
    from ._models_datastudio import (
        CommitFileEvent,
        CommitTableEvent,
        DeleteFileEvent,
        DeployFileEvent,
        DeployTableEvent,
        FileEvent,
        RunFileEvent,
        TableEvent,
    )
    from ._models_generic import ExtensionPointEvent, UnknownEvent
    from ._models_instance import (
        InstancePreEvent,
        PreFreezeInstanceEvent,
        PreKillInstanceEvent,
        PreRerunInstanceEvent,
        PreSetInstanceSuccessEvent,
        PreUnfreezeInstanceEvent,
    )
    from ._models_node import (
        BackfillEvent,
        BizPeriod,
        FreezeNodeEvent,
        NodeEvent,
        RestoreNodeEvent,
        UnpublishNodeEvent,
    )

__all__ = [
    "EVENT_KINDS",
    "BackfillEvent",
    "BackfillOrder",
    "BizPeriod",
    "CallbackApi",
    "ChangeType",
    "CommitFileEvent",
    "CommitTableEvent",
    "DataStudioEvent",
    "DeleteFileEvent",
    "DeployFileEvent",
    "DeployTableEvent",
    "Event",
    "EventKind",
    "ExtensionEvent",
    "ExtensionPoint",
    "ExtensionPointEvent",
    "FileEvent",
    "FreezeNodeEvent",
    "InstanceOperationEvent",
    "InstancePreEvent",
    "ModelledEvent",
    "Module",
    "NodeEvent",
    "PreFreezeInstanceEvent",
    "PreKillInstanceEvent",
    "PreRerunInstanceEvent",
    "PreSetInstanceSuccessEvent",
    "PreUnfreezeInstanceEvent",
    "RestoreNodeEvent",
    "RunFileEvent",
    "TableEvent",
    "UnknownEvent",
    "UnpublishNodeEvent",
    "add_event_kind",
    "api_for_code",
    "event_kinds",
    "kind_for_class",
    "kind_for_code",
    "kind_for_event",
    "kind_for_type",
    "kind_for_word",
    "remove_event_kind",
    "wire_name",
]

# The unions name their members: at run time a ``typing.Union`` of forward references (so
# importing this module builds no class), resolved by ``typing.get_type_hints`` like any
# annotation; type checkers see the classes.
ExtensionEvent = Union["FreezeNodeEvent", "RestoreNodeEvent", "UnpublishNodeEvent", "BackfillEvent"]
"""The events of Operation Center's node extension points (freeze, restore, unpublish, backfill)."""

DataStudioEvent = Union[
    "CommitFileEvent",
    "DeployFileEvent",
    "RunFileEvent",
    "DeleteFileEvent",
    "CommitTableEvent",
    "DeployTableEvent",
]
"""DataStudio's file and table extension-point events."""

InstanceOperationEvent = Union[
    "PreFreezeInstanceEvent",
    "PreUnfreezeInstanceEvent",
    "PreRerunInstanceEvent",
    "PreSetInstanceSuccessEvent",
    "PreKillInstanceEvent",
]
"""Operation Center's instance pre-events (freeze, unfreeze, rerun, set success, kill)."""

ModelledEvent = Union[ExtensionEvent, DataStudioEvent, InstanceOperationEvent]  # noqa: UP007
"""Every extension-point event with a model class of its own."""

Event = Union[ModelledEvent, "ExtensionPointEvent", "UnknownEvent"]
"""Every event :func:`dataworks_ext.parse_message` can return."""

#: Where each model class lives; a family's module is imported (its classes built) when
#: one of its names is first asked for.
_FAMILIES: dict[str, str] = {
    "._models_node": "BizPeriod NodeEvent FreezeNodeEvent RestoreNodeEvent UnpublishNodeEvent "
    "BackfillEvent",
    "._models_instance": "InstancePreEvent PreFreezeInstanceEvent PreUnfreezeInstanceEvent "
    "PreRerunInstanceEvent PreSetInstanceSuccessEvent PreKillInstanceEvent",
    "._models_datastudio": "FileEvent CommitFileEvent DeployFileEvent RunFileEvent "
    "DeleteFileEvent TableEvent CommitTableEvent DeployTableEvent",
    "._models_generic": "ExtensionPointEvent UnknownEvent",
}
_HOME = {name: module for module, names in _FAMILIES.items() for name in names.split()}


def model_names() -> frozenset[str]:
    """The names of the model classes, each built when first asked for (not in ``__all__``).

    Example:
        >>> from dataworks_ext.events import model_names
        >>> "FreezeNodeEvent" in model_names()
        True
    """
    return frozenset(_HOME)


def __getattr__(name: str) -> Any:
    home = _HOME.get(name)
    if home is not None:
        value = getattr(importlib.import_module(home, __package__), name)
    elif name == "MODELLED_CLASSES":
        value = tuple(kind.cls for kind in EVENT_KINDS if kind.has_model)
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value  # once: later lookups find it directly
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_HOME, "MODELLED_CLASSES"})
