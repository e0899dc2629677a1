"""The events without a model of their own: other extension points, and regular events."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from ._fields import BIZ_ID_DOC, documented, field

__all__ = ["ExtensionPointEvent", "UnknownEvent"]


@documented
@attrs.frozen(kw_only=True)
class ExtensionPointEvent:
    """An extension-point event without a model of its own: its code, common fields, payload.

    Data Integration, Data Quality, Security Center and tenant-level extension points parse
    into it, and so does an extension-point event whose code the SDK does not know yet (one
    that carries ``extensionBizId``): DataWorks waits for an answer to it all the same.
    Register a check for one with :meth:`Registry.on <dataworks_ext.Registry.on>`.

    Example:
        >>> from dataworks_ext import parse_message
        >>> message = parse_message(
        ...     {"id": "m-1", "type": "dataworks:NodeChange:StartDiJob",
        ...      "data": {"operator": "1107550004253538", "projectId": "23393",
        ...               "extensionBizId": "b1", "extensionBizName": "ods_sync"}})
        >>> event = message.event
        >>> event.event_code, event.project_id, event.payload["extensionBizName"]
        ('start-diJob', 23393, 'ods_sync')
    """

    event_code: str = field("The ``eventCode`` of the payload, else the envelope's event type.")
    operator: str | None = field(
        "UID of the account that started the operation, when the payload has it.", default=None
    )
    project_id: int | None = field(
        "Id of the DataWorks workspace, when the payload has it.", default=None
    )
    tenant_id: int | None = field(
        "Id of the DataWorks tenant, when the payload has it.", default=None
    )
    extension_biz_id: str | None = field(BIZ_ID_DOC, default=None)
    block_business: bool = field(
        "Whether DataWorks blocks the operation until the extension answers.", default=True
    )
    payload: Mapping[str, Any] = field(
        "The payload exactly as received.", wire="*", factory=dict, hash=False, repr=False
    )


@documented
@attrs.frozen(kw_only=True)
class UnknownEvent:
    """A regular event (or any message without an extension-point check id to answer).

    It is not an error: an extension has nothing to answer for it.  Extension-point events
    without a model of their own parse as :class:`ExtensionPointEvent` instead.

    Example:
        >>> from dataworks_ext import UnknownEvent
        >>> UnknownEvent(event_code="instance-status-changes", payload={}).event_code
        'instance-status-changes'
    """

    event_code: str = field("The ``eventCode`` of the payload, else the envelope's event type.")
    payload: Mapping[str, Any] = field(
        "The payload exactly as received.", wire="*", hash=False, repr=False
    )

    @property
    def extension_biz_id(self) -> str | None:
        """The payload's ``extensionBizId`` when it is a string, else ``None``."""
        value = self.payload.get("extensionBizId")
        return value if isinstance(value, str) else None
