"""The data a :class:`~dataworks_ext.testing.LocalDataWorks` looks things up in, from JSON.

A seed file is one JSON object with any of four keys, each item in the wire shape of the
DataWorks API that answers it (the shape :meth:`LocalDataWorks.add_nodes` and friends take)::

    {
      "nodes": [{"NodeId": 700005966962, "NodeName": "ods_orders_d", "Priority": 8,
                 "OwnerId": "1107550004253538", "BaselineId": 1201}],
      "baselines": [{"BaselineId": 1201, "BaselineName": "finance", "ProjectId": 23393,
                     "NodeIds": [700005966962]}],
      "instances": [{"InstanceId": 1000012, "NodeId": 700005966962}],
      "event_details": {"MESSAGE_ID": {"CommittedFile": {"Content": "SELECT 1;"}}}
    }

``nodes``: the ``Data`` of ``GetNode``; ``baselines``: of ``GetBaseline``; ``instances``: of
``GetInstance``; ``event_details``: the ``EventDetail`` of ``GetIDEEventDetail`` by message id.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..errors import ConfigurationError, DataWorksExtError

if TYPE_CHECKING:
    from ._local import LocalDataWorks

__all__ = ["SEED_KEYS", "load_seed"]

SEED_KEYS = ("nodes", "baselines", "instances", "event_details")
"""The keys of a seed object."""

_ID_KEYS = {"nodes": "NodeId", "baselines": "BaselineId", "instances": "InstanceId"}


def load_seed(local: LocalDataWorks, seed: Mapping[str, Any] | str) -> dict[str, int]:
    """Seed ``local`` with the nodes, baselines, instances and event details of ``seed``.

    ``seed`` is a seed object or the path of a JSON file holding one: the file
    ``dataworks-ext trigger --seed`` takes.  Its keys are :data:`SEED_KEYS`: ``nodes``,
    ``baselines`` and ``instances`` (lists of the ``Data`` objects of ``GetNode``,
    ``GetBaseline`` and ``GetInstance``), ``event_details`` (message id -> the
    ``EventDetail`` of ``GetIDEEventDetail``).  Every item is read as the lookups will read it, so a field of the wrong kind
    is reported here, naming the item.  Returns how many items of each key were seeded.

    Raises:
        ConfigurationError: The file cannot be read, is not JSON, or an item is not what
            DataWorks would answer (named, with the field).

    Example:
        >>> from dataworks_ext.testing import LocalDataWorks, load_seed
        >>> with LocalDataWorks() as local:
        ...     load_seed(local, {"nodes": [{"NodeId": 7, "Priority": 8}]})
        ...     local.nodes[7]["Priority"]
        {'nodes': 1, 'baselines': 0, 'instances': 0, 'event_details': 0}
        8
        >>> load_seed(LocalDataWorks(), {"node": []})
        Traceback (most recent call last):
        ...
        dataworks_ext.errors.ConfigurationError: seed: unknown key 'node'; the keys are nodes, baselines, instances, event_details
    """  # noqa: E501
    where = "seed"
    if isinstance(seed, str):
        where = seed
        seed = _read(seed)
    if not isinstance(seed, Mapping):
        raise ConfigurationError(
            f"{where}: a seed is a JSON object with {', '.join(SEED_KEYS)}, "
            f"got {type(seed).__name__}"
        )
    unknown = sorted(set(seed) - set(SEED_KEYS))
    if unknown:
        raise ConfigurationError(
            f"{where}: unknown key {', '.join(map(repr, unknown))}; "
            f"the keys are {', '.join(SEED_KEYS)}"
        )
    from ..event_details import IdeEventDetail
    from ..nodes import BaselineInfo, InstanceInfo, NodeInfo

    models: dict[str, Any] = {
        "nodes": NodeInfo,
        "baselines": BaselineInfo,
        "instances": InstanceInfo,
    }
    counts = dict.fromkeys(SEED_KEYS, 0)
    for key, model in models.items():
        items = seed.get(key) or []
        if not isinstance(items, list):
            raise ConfigurationError(f"{where}: {key} must be a list of objects")
        wires = []
        for index, item in enumerate(items):
            spot = f"{where}: {key}[{index}]"
            if not isinstance(item, Mapping) or _ID_KEYS[key] not in item:
                raise ConfigurationError(f"{spot} must be an object with {_ID_KEYS[key]}")
            try:
                model.from_wire(item)
            except DataWorksExtError as exc:
                raise ConfigurationError(f"{spot}: {exc}") from None
            wires.append(dict(item))
        {"nodes": local.add_nodes, "baselines": local.add_baselines}.get(key, local.add_instances)(
            *wires
        )
        counts[key] = len(wires)
    details = seed.get("event_details") or {}
    if not isinstance(details, Mapping):
        raise ConfigurationError(
            f"{where}: event_details must be an object: message id -> EventDetail"
        )
    for message_id, detail in details.items():
        spot = f"{where}: event_details[{message_id!r}]"
        if not isinstance(detail, Mapping):
            raise ConfigurationError(f"{spot} must be an EventDetail object")
        try:
            IdeEventDetail.from_wire(detail)
        except DataWorksExtError as exc:
            raise ConfigurationError(f"{spot}: {exc}") from None
        local.seed_event_detail(str(message_id), detail)
        counts["event_details"] += 1
    return counts


def _read(path: str) -> Any:
    try:
        with open(path, "rb") as handle:
            raw = handle.read()
    except OSError as exc:
        raise ConfigurationError(
            f"cannot read {path}: {exc.strerror or type(exc).__name__}"
        ) from None
    try:
        return json.loads(raw)
    except ValueError as exc:
        raise ConfigurationError(f"{path}: not JSON ({exc})") from None
