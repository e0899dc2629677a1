"""Answers the DataWorks APIs LocalDataWorks serves, from what a test seeded in a Seeded.

Each action checks its parameters as DataWorks does (raising
:class:`~dataworks_ext.testing._acs_signature.Reject` with DataWorks' error) and returns the
verdict to record, if it is a verdict, and the fields of its answer.  :data:`ACTIONS` maps
each ``x-acs-action`` to its function; :func:`check_version` refuses an API version the
action does not have.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
from typing import Any, NamedTuple

from ..nodes import BaselineInfo, InstanceInfo, NodeInfo, write_answer
from ._acs_signature import Reject

__all__ = [
    "ACTIONS",
    "ANY_EXTENSION",
    "GET_EXTENSION",
    "WORKBENCH",
    "Answer",
    "SeedItem",
    "Seeded",
    "VerdictCall",
    "check_version",
]

WORKBENCH = "UpdateWorkbenchEventResult"
"""The verdict API of Operation Center's events."""
_IDE = "UpdateIDEEventResult"
_CALLBACK_EXTENSION = "CallbackExtension"
_IDE_EVENT_DETAIL = "GetIDEEventDetail"
GET_EXTENSION = "GetExtension"
"""The API an extension reads its parameters through."""
_VERSION = "2020-05-18"
_VERSION_2024 = "2024-05-18"
#: The actions the 2024-05-18 API has among those served here (the others are 2020-05-18's).
_ACTIONS_2024 = frozenset({_IDE, _IDE_EVENT_DETAIL})
ANY_EXTENSION = ""
"""The key of the settings every extension code gets unless set on its own."""

#: The lookup APIs served from seeded data: action -> (id parameter, what it looks up).
_LOOKUPS: dict[str, tuple[str, str]] = {
    "GetNode": ("NodeId", "Node"),
    "GetBaseline": ("BaselineId", "Baseline"),
    "GetInstance": ("InstanceId", "Instance"),
}


class VerdictCall(NamedTuple):
    """The parameters of a verdict an action accepted (what LocalDataWorks records)."""

    message_id: str
    extension_code: str
    result: str
    tip: str | None
    api: str


Answer = tuple[VerdictCall | None, dict[str, Any]]
"""What an action returns: the verdict it accepted, if any, and the fields of its answer."""
SeedItem = NodeInfo | BaselineInfo | InstanceInfo | Mapping[str, Any]
"""What :meth:`Seeded.seed` accepts: a model, or a mapping as DataWorks sends it."""


class Seeded:
    """What a test seeded for the lookups and reads: nodes, baselines, instances, event
    details and extension settings, each guarded by one lock.

    Example:
        >>> from dataworks_ext.testing._local_apis import ACTIONS, Seeded
        >>> seeded = Seeded()
        >>> seeded.seed("nodes", [{"NodeId": "7"}], "NodeId")
        >>> ACTIONS["GetNode"](seeded, {"NodeId": "7", "ProjectEnv": "PROD"})[1]["Data"]
        {'NodeId': '7'}
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.event_details: dict[str, tuple[int | None, dict[str, Any]]] = {}
        self.extensions: dict[str, dict[str, Any]] = {}
        self.records: dict[str, dict[int, dict[str, Any]]] = {
            "nodes": {},
            "baselines": {},
            "instances": {},
        }

    def seed(self, store: str, items: Iterable[SeedItem], id_key: str) -> None:
        """Add ``items`` (models or wire mappings) to ``store``, by their ``id_key``."""
        for item in items:
            wire = dict(item) if isinstance(item, Mapping) else write_answer(item)
            with self.lock:
                self.records[store][int(wire[id_key])] = wire

    def copy_of(self, store: str) -> dict[int, dict[str, Any]]:
        """The seeded records of ``store`` by id (a copy)."""
        with self.lock:
            return dict(self.records[store])

    def clear(self) -> None:
        """Forget the event details and extension settings (nodes and the like stay)."""
        with self.lock:
            self.event_details.clear()
            self.extensions.clear()

    def lookup(self, params: dict[str, str], action: str) -> dict[str, Any]:
        """The ``Data`` of a lookup answer, or a :class:`Reject` as DataWorks would answer."""
        id_name, what = _LOOKUPS[action]
        scope = "ProjectId" if action == "GetBaseline" else "ProjectEnv"
        for name in (id_name, scope):
            if not params.get(name):
                raise Reject(400, f"Missing{name}", f"{name} is mandatory for this action.")
        if scope == "ProjectEnv" and params[scope] not in ("PROD", "DEV"):
            raise Reject(400, "InvalidParameter", "ProjectEnv must be PROD or DEV.")
        key = params[id_name]
        store = f"{what.lower()}s"
        with self.lock:
            found = self.records[store].get(int(key)) if key.isdigit() else None
        if found is not None and scope == "ProjectId":
            seeded = found.get("ProjectId")
            if seeded is not None and str(seeded) != params[scope]:
                found = None
        if found is None or params.get("ProjectEnv") == "DEV":  # only production is seeded
            raise Reject(
                400, f"Invalid.Tenant.{what}NotExists", f"The {what.lower()} does not exist."
            )
        return found


def check_version(action: str | None, version: str | None) -> None:
    """Refuse an API version the action does not have (``InvalidVersion``).

    Example:
        >>> from dataworks_ext.testing._local_apis import check_version
        >>> check_version("UpdateIDEEventResult", "2024-05-18")
    """
    if version != _VERSION and not (version == _VERSION_2024 and action in _ACTIONS_2024):
        raise Reject(400, "InvalidVersion", "Specified parameter Version is not valid.")


def _required(params: dict[str, str], *names: str) -> None:
    for name in names:
        if not params.get(name):
            raise Reject(400, f"Missing{name}", f"{name} is mandatory for this action.")


def _verdict(
    params: dict[str, str], api: str, results: tuple[str, ...], tip_parameter: str
) -> VerdictCall:
    _required(params, "MessageId", "ExtensionCode", "CheckResult")
    result = params["CheckResult"]
    if result not in results:
        allowed = ", ".join(results[:-1]) + " or " + results[-1]
        raise Reject(400, "InvalidParameter", f"CheckResult must be {allowed}, not {result!r}.")
    tip = params.get(tip_parameter)
    return VerdictCall(params["MessageId"], params["ExtensionCode"], result, tip or None, api)


def _workbench_event_result(_seeded: Seeded, params: dict[str, str]) -> Answer:
    return _verdict(params, WORKBENCH, ("OK", "FAIL"), "CheckResultTip"), {"Success": True}


def _ide_event_result(_seeded: Seeded, params: dict[str, str]) -> Answer:
    # The documented answer of UpdateIDEEventResult carries the RequestId alone.
    return _verdict(params, _IDE, ("OK", "WARN", "FAIL"), "CheckResultTip"), {}


def _callback_extension(_seeded: Seeded, params: dict[str, str]) -> Answer:
    verdict = _verdict(params, _CALLBACK_EXTENSION, ("OK", "WARN", "FAIL"), "CheckMessage")
    return verdict, {"Success": True}


def _ide_event_detail(seeded: Seeded, params: dict[str, str]) -> Answer:
    _required(params, "MessageId", "ProjectId")
    with seeded.lock:
        found = seeded.event_details.get(params["MessageId"])
    if found is None or (found[0] is not None and str(found[0]) != params["ProjectId"]):
        raise Reject(
            404,
            "Invalid.MessageId.NotFound",
            f"No event detail for message {params['MessageId']} in this workspace.",
        )
    return None, {"EventDetail": found[1]}


def _get_extension(seeded: Seeded, params: dict[str, str]) -> Answer:
    _required(params, "ExtensionCode")
    code = params["ExtensionCode"]
    with seeded.lock:
        found = seeded.extensions.get(code) or seeded.extensions.get(ANY_EXTENSION)
    if found is not None:
        found = {**found, "ExtensionCode": code}
    else:
        # An extension registered without parameters (the answer a test gets unless it set
        # some): no ParameterSetting.
        found = {"ExtensionCode": code, "Status": 1, "ParameterSetting": ""}
    return None, {"Extension": found}


def _lookup(action: str) -> Callable[[Seeded, dict[str, str]], Answer]:
    def serve(seeded: Seeded, params: dict[str, str]) -> Answer:
        return None, {"Success": True, "Data": seeded.lookup(params, action)}

    return serve


ACTIONS: dict[str, Callable[[Seeded, dict[str, str]], Answer]] = {
    WORKBENCH: _workbench_event_result,
    _IDE: _ide_event_result,
    _CALLBACK_EXTENSION: _callback_extension,
    _IDE_EVENT_DETAIL: _ide_event_detail,
    GET_EXTENSION: _get_extension,
    **{action: _lookup(action) for action in _LOOKUPS},
}
"""The actions served: ``x-acs-action`` -> the function answering it."""
