"""How an event becomes a message: realistic envelopes, batches, and broken payloads."""

from __future__ import annotations

import datetime as _dt
import itertools
import json
import uuid
from typing import TYPE_CHECKING, Any

from ..events import Module, UnknownEvent, kind_for_event
from ..messages import EnvelopeKind, EventMessage

if TYPE_CHECKING:
    from ..events import ExtensionPointEvent, ModelledEvent

DEFAULT_OPERATOR = "1107550004253538"
"""A realistic Alibaba Cloud account UID."""
DEFAULT_PROJECT_ID = 23393
"""A realistic DataWorks workspace id."""
DEFAULT_TENANT_ID = 28378142127872
"""A realistic DataWorks tenant id (over 2**32, as real ones are)."""
DEFAULT_NODE_IDS = (700005966962, 700005966963)
"""Two realistic production node ids."""
DEFAULT_REGION = "cn-shanghai"
"""The region the builders put in CloudEvents."""

counter = itertools.count(1)
"""Numbers the builders' generated names."""


def new_id() -> str:
    """A fresh UUID, as DataWorks gives messages and check processes.

    Example:
        >>> from dataworks_ext.testing._wrapping import new_id
        >>> len(new_id())
        36
    """
    return str(uuid.uuid4())


def message_for(
    event: ModelledEvent | ExtensionPointEvent,
    *,
    message_id: str | None = None,
    envelope: EnvelopeKind | str = EnvelopeKind.CLOUDEVENT,
    region: str = DEFAULT_REGION,
    time: _dt.datetime | None = None,
) -> EventMessage:
    """Wrap an event in a realistic envelope, as DataWorks and EventBridge would send it.

    Example:
        >>> from dataworks_ext import FreezeNodeEvent
        >>> from dataworks_ext.testing import message_for
        >>> event = FreezeNodeEvent(operator="1", project_id=2, tenant_id=3, node_ids=(4,),
        ...                         extension_biz_id="b-1")
        >>> message_for(event, message_id="m-9", envelope="function-compute").to_dict()
        ... # doctest: +NORMALIZE_WHITESPACE
        {'eventCategoryType': 'operation-center', 'blockBusiness': True, 'messageId': 'm-9',
         'eventType': 'freeze-node', 'extensionBizId': 'b-1',
         'messageBody': {'operator': '1', 'projectId': 2, 'tenantId': 3, 'nodeIds': [4],
                         'extensionBizId': 'b-1', 'blockBusiness': True,
                         'eventCode': 'freeze-node'}}
    """
    kind = kind_for_event(event)
    module = kind.module if kind is not None else Module.OPERATION_CENTER
    message_id = message_id or new_id()
    envelope = EnvelopeKind(envelope)
    if envelope is EnvelopeKind.FUNCTION_COMPUTE:
        return EventMessage(
            message_id=message_id,
            event=event,
            envelope=envelope,
            extension_biz_id=event.extension_biz_id,
            event_type=event.event_code,
            attributes={
                "eventCategoryType": module.value,
                "blockBusiness": event.block_business,
            },
        )
    when = time or _dt.datetime.now(_dt.timezone.utc)
    stamp = when.astimezone(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    operator = event.operator or ""
    account = operator if operator.isdigit() else DEFAULT_OPERATOR
    project = event.project_id if event.project_id is not None else DEFAULT_PROJECT_ID
    event_type = kind.eventbridge_type if kind is not None else event.event_code
    return EventMessage(
        message_id=message_id,
        event=event,
        envelope=envelope,
        extension_biz_id=event.extension_biz_id,
        event_type=event_type,
        source="acs.dataworks",
        subject=f"acs.dataworks:{region}:{account}:{project}",
        time=stamp,
        region=region,
        account=account,
        attributes={
            "specversion": "1.0",
            "datacontenttype": "application/json;charset=utf-8",
            "aliyunpublishtime": stamp,
            "aliyunoriginalaccountid": account,
            "aliyuneventbusname": "default",
            "aliyunpublishaddr": "10.25.12.131",
        },
    )


def as_envelope(message: EventMessage, envelope: EnvelopeKind | str) -> EventMessage:
    """The same event and id in another envelope.

    Example:
        >>> from dataworks_ext.testing import as_envelope, freeze_event
        >>> as_envelope(freeze_event(), "function-compute").envelope.value
        'function-compute'
    """
    event = message.event
    if not isinstance(event, UnknownEvent):  # every other event is an extension point's
        return message_for(event, message_id=message.message_id, envelope=envelope)
    raise TypeError("only extension-point events can be re-wrapped")


def batch(*messages: EventMessage) -> bytes:
    """An EventBridge batch push: the messages as one JSON array, UTF-8 encoded.

    Example:
        >>> from dataworks_ext import parse_messages
        >>> from dataworks_ext.testing import batch, freeze_event, restore_event
        >>> len(parse_messages(batch(freeze_event(), restore_event())))
        2
    """
    return json.dumps([m.to_dict() for m in messages], ensure_ascii=False).encode()


class _Remove:
    """The type of :data:`REMOVE`."""

    _instance: _Remove | None = None

    def __new__(cls) -> _Remove:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "REMOVE"


REMOVE: Any = _Remove()
"""Give it to :func:`with_payload` to take a field out of the payload."""


def with_payload(message: EventMessage, /, **fields: Any) -> dict[str, Any]:
    """The message's wire form with payload fields set to any value, or removed.

    Name fields by their wire name (``nodeIds``, ``multipleTimePeriods``); :data:`REMOVE`
    deletes one.  The result is a plain dict, not an :class:`EventMessage`: it may well be
    unreadable, which is the point: test what your extension answers to a broken message.

    Example:
        >>> from dataworks_ext import Extension, Registry
        >>> from dataworks_ext.testing import REMOVE, freeze_event, with_payload
        >>> broken = with_payload(freeze_event(message_id="m-1"), nodeIds="1,2", tenantId=REMOVE)
        >>> "tenantId" in broken["data"], broken["data"]["nodeIds"]
        (False, '1,2')
        >>> outcome = Extension("ext", registry=Registry()).handle(
        ...     with_payload(freeze_event(message_id="m-2"), nodeIds="1,2"))
        >>> outcome.verdict.result.value, outcome.error.field
        ('FAIL', 'data.nodeIds')
    """
    wire = message.to_dict()
    key = "messageBody" if message.envelope is EnvelopeKind.FUNCTION_COMPUTE else "data"
    payload = dict(wire[key])
    for name, value in fields.items():
        if value is REMOVE:
            payload.pop(name, None)
        else:
            payload[name] = value
    wire[key] = payload
    return wire
