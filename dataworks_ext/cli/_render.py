"""Outcomes, errors and events as text or JSON-ready data, shared by the commands."""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING, Any

from ..errors import CallbackError, MessageError

if TYPE_CHECKING:
    from ..events import Event
    from ..extension import Outcome


def nodes_text(event: Event | None, limit: int = 3) -> str:
    nodes = getattr(event, "node_ids", None)
    if not nodes:
        return "-"
    shown = ", ".join(str(n) for n in nodes[:limit])
    if len(nodes) > limit:
        shown += f" +{len(nodes) - limit}"
    return shown


def outcome_dict(outcome: Outcome, extension_code: str, delivered_to: str | None) -> dict[str, Any]:
    """An Outcome as JSON-ready data (``trigger --json`` and ``serve`` answers):
    :meth:`Outcome.to_dict` (its ``error`` a string, as every host answers it), the error in
    detail (``error_detail``), the extension code it was answered with and where it was
    delivered (``None``: it was not)."""
    error = outcome.error
    return {
        **outcome.to_dict(),
        "error_detail": None if error is None else error_dict(error),
        "extension_code": extension_code,
        "delivered_to": delivered_to if outcome.delivered else None,
    }


def error_dict(error: BaseException) -> dict[str, Any]:
    data: dict[str, Any] = {"type": type(error).__name__, "message": str(error)}
    if isinstance(error, MessageError):
        data.update(reason=error.reason, field=error.field, message_id=error.message_id)
    if isinstance(error, CallbackError):
        data.update(code=error.code, status=error.status, retryable=error.retryable)
    return data


def jsonable(value: Any) -> Any:
    import datetime as _dt

    import attrs

    if attrs.has(type(value)):
        return {a.name: jsonable(getattr(value, a.name)) for a in attrs.fields(type(value))}
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (_dt.date, _dt.datetime)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, dict) or hasattr(value, "items"):
        return {str(k): jsonable(v) for k, v in value.items()}
    return value
