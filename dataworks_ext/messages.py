"""Envelopes, :class:`EventMessage`, and the parsing functions.

A message reaches an extension in one of these envelopes:

* an EventBridge **CloudEvent** (HTTP target, Function Compute trigger, Kafka record value);
* an EventBridge **batch**: a JSON array of CloudEvents;
* the **Function Compute extension envelope** DataWorks uses when it invokes a function.

:func:`parse_message` reads one message in any envelope; :func:`parse_messages` reads a single
message or a batch.  Parsing never does I/O.
"""

from __future__ import annotations

import enum
import importlib
import json
import sys
from collections.abc import Callable, Mapping
from typing import Any, cast

import attrs

from ._convert import FieldProblem, structure_common, structure_event, unstructure_event
from ._models_generic import ExtensionPointEvent, UnknownEvent
from ._text import has_surrogate, quoted
from .errors import (
    EnvelopeError,
    FieldError,
    MessageDecodeError,
    MessageError,
    RequestTooLargeError,
)
from .events import Event, EventKind, kind_for_code, kind_for_event, kind_for_type

__all__ = [
    "MAX_BATCH_MESSAGES",
    "MAX_BODY_BYTES",
    "EnvelopeKind",
    "EventMessage",
    "RawMessage",
    "decode",
    "decode_batch",
    "parse_message",
    "parse_messages",
    "parse_object",
]

RawMessage = bytes | bytearray | memoryview | str | Mapping[str, Any]
"""What :func:`parse_message` accepts: JSON bytes or text, or an already-decoded mapping."""

MAX_BODY_BYTES = 4 * 1024 * 1024
"""The largest request body :meth:`Extension.handle_batch` reads by default: 4 MiB.

Four times EventBridge's own 1 MB limit on a batch of events, with room for a batch of
large backfills; a larger body is refused whole (:class:`RequestTooLargeError`, HTTP 413).
The hosting examples and ``dataworks-ext serve`` read at most this many bytes plus one.
"""

MAX_BATCH_MESSAGES = 1000
"""The most messages one request may carry by default; a longer batch is refused whole
(:class:`RequestTooLargeError`, HTTP 413) before any message is handled.

EventBridge publishes at most 16 events in one batch, and pushes batches of at most the
window its target configures (100 events in its example); 1,000 leaves room for either.
"""


class EnvelopeKind(str, enum.Enum):
    """The envelope a message arrived in.

    Example:
        >>> from dataworks_ext import EnvelopeKind
        >>> EnvelopeKind.CLOUDEVENT.value
        'cloudevent'
    """

    CLOUDEVENT = "cloudevent"
    """An EventBridge CloudEvent (CloudEvents 1.0, structured JSON)."""
    FUNCTION_COMPUTE = "function-compute"
    """The envelope DataWorks sends when it invokes a Function Compute function directly."""


# Enum members are descriptors: a module constant is ten times quicker to reach.
_CLOUDEVENT = EnvelopeKind.CLOUDEVENT
_FUNCTION_COMPUTE = EnvelopeKind.FUNCTION_COMPUTE

#: CloudEvent attributes modelled as EventMessage fields (the rest go to ``attributes``).
_CE_MODELLED = frozenset(
    {"id", "type", "source", "subject", "time", "aliyunregionid", "aliyunaccountid", "data"}
)
_FC_MODELLED = frozenset({"messageId", "eventType", "extensionBizId", "messageBody"})


@attrs.frozen(kw_only=True)
class EventMessage:
    """One message from DataWorks: its id, the typed event, and the envelope it came in.

    Example:
        >>> from dataworks_ext import parse_message
        >>> message = parse_message(
        ...     '{"messageId": "9c1d", "eventType": "undeploy-node", "extensionBizId": "b1",'
        ...     ' "messageBody": {"operator": "1107550004253538", "projectId": 23393,'
        ...     ' "tenantId": 28378142127872, "nodeIds": [700005966962]}}')
        >>> message.message_id, message.event_code, message.extension_biz_id
        ('9c1d', 'undeploy-node', 'b1')
        >>> message.event.node_ids
        (700005966962,)
    """

    message_id: str
    """The id to answer with: ``MessageId`` of ``UpdateWorkbenchEventResult``."""
    event: Event
    """The typed event."""
    envelope: EnvelopeKind
    """The envelope the message arrived in."""
    extension_biz_id: str | None = None
    """The check process id: the envelope's when it carries one, else the payload's."""
    event_type: str | None = None
    """The CloudEvent ``type``, or the Function Compute ``eventType``."""
    source: str | None = None
    """The CloudEvent ``source`` (``acs.dataworks``)."""
    subject: str | None = None
    """The CloudEvent ``subject``."""
    time: str | None = None
    """The CloudEvent ``time``, as sent (RFC 3339)."""
    region: str | None = None
    """The CloudEvent ``aliyunregionid``: the region of the DataWorks workspace."""
    account: str | None = None
    """The CloudEvent ``aliyunaccountid``: the Alibaba Cloud account the event belongs to."""
    attributes: Mapping[str, Any] = attrs.field(factory=dict, hash=False)
    """The other envelope attributes as sent (``specversion``, ``eventCategoryType``, ...);
    attributes that are ``null`` are left out."""
    payload: Mapping[str, Any] = attrs.field(factory=dict, eq=False, hash=False, repr=False)
    """The payload (CloudEvent ``data`` or ``messageBody``) exactly as received."""

    @property
    def event_code(self) -> str:
        """The event code (``freeze-node``, ``backfill-data``, ...)."""
        return self.event.event_code

    @property
    def kind(self) -> EventKind | None:
        """The event's row of :data:`~dataworks_ext.EVENT_KINDS` (its module, API, ...).

        ``None`` for a code the table does not list (an extension point newer than the SDK,
        or a regular event).

        Example:
            >>> from dataworks_ext.testing import commit_file_event
            >>> commit_file_event().kind.api.value
            'UpdateIDEEventResult'
        """
        return kind_for_event(self.event)

    @property
    def needs_answer(self) -> bool:
        """Whether DataWorks waits for a verdict: an extension-point event with a check id."""
        return not isinstance(self.event, UnknownEvent) and self.extension_biz_id is not None

    def to_dict(self) -> dict[str, Any]:
        """The message in its envelope, in the documented wire form.

        ``parse_message(message.to_dict()) == message`` holds for every message.

        Example:
            >>> from dataworks_ext.testing import freeze_event
            >>> freeze_event(message_id="m-1").to_dict()["id"]
            'm-1'
        """
        data = (
            dict(self.event.payload)
            if isinstance(self.event, (UnknownEvent, ExtensionPointEvent))
            else unstructure_event(self.event)
        )
        if self.envelope is EnvelopeKind.FUNCTION_COMPUTE:
            wire: dict[str, Any] = {
                **self.attributes,
                "messageId": self.message_id,
                "eventType": self.event_type,
                "extensionBizId": self.extension_biz_id,
                "messageBody": data,
            }
        else:
            wire = {
                **self.attributes,
                "id": self.message_id,
                "type": self.event_type,
                "source": self.source,
                "subject": self.subject,
                "time": self.time,
                "aliyunregionid": self.region,
                "aliyunaccountid": self.account,
                "data": data,
            }
        return {key: value for key, value in wire.items() if value is not None}

    def to_json(self) -> bytes:
        """The message as UTF-8 JSON bytes, as EventBridge would post it.

        For text (a ``str``, to write to a file opened in text mode or print), use
        :meth:`to_text`.

        Example:
            >>> from dataworks_ext import parse_message
            >>> from dataworks_ext.testing import restore_event
            >>> message = restore_event()
            >>> parse_message(message.to_json()) == message
            True
        """
        return self.to_text().encode()

    def to_text(self, *, indent: int | None = None) -> str:
        """The message as JSON text (a ``str``), compact unless ``indent`` is given.

        Example:
            >>> from dataworks_ext import parse_message
            >>> from dataworks_ext.testing import freeze_event
            >>> message = freeze_event()
            >>> text = message.to_text(indent=2)
            >>> parse_message(text) == message and text.startswith("{")
            True
        """
        separators = (",", ":") if indent is None else (",", ": ")
        return json.dumps(self.to_dict(), ensure_ascii=False, separators=separators, indent=indent)


def decode(raw: RawMessage | list[Any]) -> Any:
    """Decode raw bytes or text into JSON values; a mapping or list is returned as it is.

    Raises :class:`MessageDecodeError` for empty input, invalid UTF-8, broken JSON, JSON
    nested too deeply, the non-JSON literals ``NaN``, ``Infinity`` and ``-Infinity``, and
    integers longer than Python reads (``sys.get_int_max_str_digits()``, 4,300 digits).
    A byte-order mark before the JSON is skipped.  When an object repeats a key, the last
    value wins (as in ``json.loads``).  Strings are read as JSON reads them, lone surrogates
    (``"\\ud800"``) included: the parser refuses them only where it must (a message id).

    Example:
        >>> from dataworks_ext.messages import decode
        >>> decode(b'{"id": "m-1"}')
        {'id': 'm-1'}
    """
    kind = type(raw)
    if (
        kind is bytes
        and _orjson_loads is not None
        and cast(bytes, raw).translate(_DIGIT_RUNS).find(_LONG_NUMBER) < 0
    ):
        # orjson, when installed, reads what json reads, faster.  Not quite all: it reads an
        # integer past 64 bits as a float, so a message with a run of 19 digits or more goes
        # to json instead; and whatever orjson refuses (NaN, lone surrogates, ...) takes the
        # json path below, which decides and words the error.
        try:
            return _orjson_loads(raw)
        except Exception:  # decided below
            pass
    if kind is bytes:
        try:
            text = raw.decode("utf-8")  # type: ignore[union-attr]
        except UnicodeDecodeError as exc:
            raise MessageDecodeError(
                f"the message is not valid UTF-8 ({exc.reason} at byte {exc.start})"
            ) from None
    elif kind is str:
        text = raw
    elif isinstance(raw, (Mapping, list, _Broken)):
        return raw
    elif isinstance(raw, (bytes, bytearray, memoryview)):
        return decode(bytes(raw))
    elif isinstance(raw, str):
        text = str(raw)
    else:
        raise MessageDecodeError(f"expected JSON bytes, str or a mapping, got {type(raw).__name__}")
    # The common case, one well-formed document, straight through json's C scanner; anything
    # else (a BOM, surrounding blanks, broken JSON) takes the careful path below.
    try:
        value, end = _scan_once(text, 0)
    except (StopIteration, ValueError, RecursionError):
        pass
    else:
        if end == len(text):
            return value
    if text.startswith("\ufeff"):
        text = text[1:]
    if not text.strip():
        raise MessageDecodeError("the message is empty")
    try:
        return _DECODER.decode(text)
    except json.JSONDecodeError as exc:
        raise MessageDecodeError(
            f"the message is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from None
    except RecursionError:
        raise MessageDecodeError("the message is JSON nested too deeply to read") from None
    except _NotJson as exc:
        reason = f"the message is not valid JSON: {exc}"
    except ValueError:  # int('9' * 5000): past sys.get_int_max_str_digits()
        reason = (
            "the message holds an integer too long to read (more than "
            f"{sys.get_int_max_str_digits():,} digits)"
        )
    error = _salvaged(text, reason, False)
    error._salvageable = True  # decode_batch reads what it can of such a batch
    raise error


class _Broken:
    """A message of a batch that holds a value Python cannot read (``NaN``, an integer of
    5,000 digits): :func:`parse_object` raises its error, with its id when that was readable,
    so that the batch's other messages are handled and this one is answered FAIL."""

    __slots__ = ("code", "error")

    def __init__(self, error: MessageDecodeError, code: str | None) -> None:
        self.error = error
        self.code = code


_BAD = object()  # what the lenient decoder reads in place of a value it cannot hold


def _lenient_int(digits: str) -> Any:
    try:
        return int(digits)
    except ValueError:
        return _BAD


#: Reads what the strict decoder refuses but JSON's grammar allows, marking each such value.
_LENIENT = json.JSONDecoder(parse_constant=lambda name: _BAD, parse_int=_lenient_int)


def _holds_bad(value: Any) -> bool:
    """Whether ``value`` holds a value the lenient reader marked, at any depth (a loop, not
    recursion: the JSON reader of some Pythons reads deeper than Python can recurse)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if item is _BAD:
            return True
        kind = type(item)
        if kind is dict:
            stack.extend(item.values())
        elif kind is list:
            stack.extend(item)
    return False


def _salvaged(text: str, reason: str, salvage: bool) -> Any:
    """The messages of a body that JSON's grammar allows but Python cannot hold in full.

    With ``salvage``, a batch comes back with each such message replaced by a
    :class:`_Broken`, and a single message as one.  Without, the
    :class:`MessageDecodeError` to raise, with the id of a single message when readable.
    """
    try:
        obj = _LENIENT.decode(text)
    except (ValueError, RecursionError):
        return MessageDecodeError(reason)
    if type(obj) is list:
        if not salvage:
            return MessageDecodeError(reason)
        return [_broken(item, reason) if _holds_bad(item) else item for item in obj]
    broken = _broken(obj, reason)
    return broken if salvage else broken.error


def _broken(obj: Any, reason: str) -> _Broken:
    message_id = code = None
    if type(obj) is dict:
        key = "messageId" if "messageId" in obj or "messageBody" in obj else "id"
        try:
            message_id = _read_id(obj.get(key), key)
        except EnvelopeError:
            message_id = None
        code = _code_of(obj)
    return _Broken(MessageDecodeError(reason, message_id=message_id), code)


def decode_batch(
    raw: RawMessage | list[Any],
    *,
    max_bytes: int = MAX_BODY_BYTES,
    max_messages: int = MAX_BATCH_MESSAGES,
) -> list[Any]:
    """Decode a request body into the list of its messages (one message: a list of one).

    Raises :class:`RequestTooLargeError` for a body over ``max_bytes`` (before reading it) or
    a batch of more than ``max_messages`` messages, and :class:`MessageDecodeError` as
    :func:`decode` does.

    Example:
        >>> from dataworks_ext.messages import decode_batch
        >>> decode_batch(b'[{"id": "m-1"}, {"id": "m-2"}]')
        [{'id': 'm-1'}, {'id': 'm-2'}]
        >>> decode_batch(b'{"id": "m-1"}')
        [{'id': 'm-1'}]
    """
    if isinstance(raw, (bytes, bytearray, memoryview, str)):
        size = raw.nbytes if isinstance(raw, memoryview) else len(raw)
        if isinstance(raw, str) and max_bytes >= size > max_bytes // 4:  # 1 to 4 bytes a char
            size = len(raw.encode("utf-8", "surrogatepass"))
        if size > max_bytes:
            raise RequestTooLargeError(
                f"the request body is larger than the limit of {max_bytes:,} bytes",
                limit=max_bytes,
            )
    try:
        obj = decode(raw)
    except MessageDecodeError as exc:
        if not getattr(exc, "_salvageable", False):
            raise
        text = raw if isinstance(raw, str) else bytes(raw).decode("utf-8")  # type: ignore[arg-type]
        obj = _salvaged(text.removeprefix("\ufeff"), exc.reason, True)
        if isinstance(obj, MessageDecodeError):
            raise obj from None
    if type(obj) is _Broken:
        if obj.error.message_id is None:
            raise obj.error
        return [obj]  # answered FAIL: its id is readable
    if not isinstance(obj, list):
        return [obj]
    if len(obj) > max_messages:
        raise RequestTooLargeError(
            f"the batch holds {len(obj):,} messages, more than the limit of "
            f"{max_messages:,} messages",
            limit=max_messages,
        )
    return obj


def _optional_orjson() -> Callable[[Any], Any] | None:
    """``orjson.loads`` when orjson is installed (``pip install dataworks-ext[fast]``)."""
    try:
        return importlib.import_module("orjson").loads  # type: ignore[no-any-return]
    except ImportError:
        return None


_orjson_loads = _optional_orjson()
#: Maps every digit to ``1`` and every other byte to ``0``: a run of digits becomes a run of ones.
_DIGIT_RUNS = bytes(0x31 if 0x30 <= byte <= 0x39 else 0x30 for byte in range(256))
_LONG_NUMBER = b"1" * 19  # 2**63 has 19 digits


class _NotJson(ValueError):
    """``NaN``, ``Infinity`` or ``-Infinity``: literals ``json.loads`` reads but JSON has not."""


def _refuse_constant(name: str) -> Any:
    raise _NotJson(f"{name} is not a JSON value")


#: ``json.loads``' decoder, but refusing NaN and Infinity (the C scanner calls
#: ``parse_constant`` only when it meets one of them: the common case costs nothing).
_DECODER = json.JSONDecoder(parse_constant=_refuse_constant)
#: The C scanner behind it.
_scan_once: Callable[[str, int], tuple[Any, int]] = _DECODER.scan_once  # type: ignore[attr-defined]


def _read_id(value: Any, field: str) -> str:
    if type(value) is str and value.strip():
        if has_surrogate(value):
            # DataWorks never issues such an id, and no API would take it back: nobody can
            # answer this message, so it is unreadable (REJECT) rather than a poison message.
            raise EnvelopeError(
                f"{field} is not valid Unicode text (it holds a lone surrogate): {quoted(value)}",
                field=field,
            )
        return value
    if type(value) is int:
        return str(value)
    if value is None:
        raise EnvelopeError(f"{field} is required but missing", field=field)
    raise EnvelopeError(f"{field} must be a non-empty string, got {quoted(value)}", field=field)


def _optional_str(envelope: Mapping[str, Any], key: str, message_id: str) -> str | None:
    value = envelope.get(key)
    if value is None or type(value) is str:
        return value
    raise FieldError(f"expected a string, got {quoted(value)}", field=key, message_id=message_id)


def _read_payload(value: Any, field: str, message_id: str) -> Mapping[str, Any]:
    if type(value) is dict:
        return value
    if isinstance(value, str):
        # EventBridge transforms can deliver the payload as a JSON string; accept an object.
        try:
            decoded = _DECODER.decode(value.removeprefix("\ufeff"))
        except (ValueError, RecursionError):  # broken JSON, NaN, an integer too long
            decoded = None
        if type(decoded) is dict:
            return decoded
        raise FieldError(
            f"expected a JSON object, got a string {quoted(value)}",
            field=field,
            message_id=message_id,
        )
    if value is None:
        raise FieldError("is required but missing", field=field, message_id=message_id)
    raise FieldError(
        f"expected a JSON object, got {quoted(value)}", field=field, message_id=message_id
    )


def parse_object(obj: Any) -> EventMessage:
    """Read one decoded JSON value (a dict) as a message in any envelope.

    Example:
        >>> from dataworks_ext.messages import parse_object
        >>> parse_object({"id": "m-1", "type": "dataworks:Other:Thing", "data": {}}).event_code
        'dataworks:Other:Thing'
    """
    if type(obj) is not dict:
        if type(obj) is _Broken:
            raise obj.error
        if isinstance(obj, list):
            raise EnvelopeError(
                "the message is a JSON array; use parse_messages() for an EventBridge batch"
            )
        if not isinstance(obj, Mapping):
            raise EnvelopeError(f"the message must be a JSON object, got {quoted(obj)}")
    try:
        if "messageId" in obj or "messageBody" in obj:
            return _parse_function_compute(obj)
        if "id" in obj or "specversion" in obj or "data" in obj:
            return _parse_cloudevent(obj)
    except MessageError as exc:
        if exc.message_id is not None and exc.event_code is None:
            exc.event_code = lenient_event_code(obj)  # the event it names, read leniently
        raise
    keys = ", ".join(sorted(str(k) for k in obj)[:8]) or "none"
    raise EnvelopeError(
        "the message is neither a CloudEvent (id, type, data) nor a Function Compute "
        f"envelope (messageId, eventType, messageBody); its keys: {keys}"
    )


def _attributes(envelope: Mapping[str, Any], modelled: frozenset[str]) -> dict[str, Any]:
    """The envelope's attributes that are not modelled fields and not ``null``, in order."""
    return {k: v for k, v in envelope.items() if k not in modelled and v is not None}


def _parse_cloudevent(envelope: Mapping[str, Any]) -> EventMessage:
    # One pass: a copy of the envelope loses the modelled fields one pop at a time and keeps
    # the rest as the attributes.  Every value is checked inline; the helpers that word the
    # errors run only when a check fails, in the order the fields are documented.
    if type(envelope) is dict:
        attributes = envelope.copy()
        pop = attributes.pop
        message_id = pop("id", None)
        event_type = pop("type", None)
        payload = pop("data", None)
        source = pop("source", None)
        subject = pop("subject", None)
        time = pop("time", None)
        region = pop("aliyunregionid", None)
        account = pop("aliyunaccountid", None)
        if None in attributes.values():
            attributes = _attributes(attributes, _CE_MODELLED)
    else:
        get = envelope.get
        message_id, event_type, payload = get("id"), get("type"), get("data")
        source, subject, time = get("source"), get("subject"), get("time")
        region, account = get("aliyunregionid"), get("aliyunaccountid")
        attributes = _attributes(envelope, _CE_MODELLED)
    if type(message_id) is not str or not message_id.isascii() or not message_id.strip():
        message_id = _read_id(message_id, "id")
    if event_type is not None and type(event_type) is not str:
        _optional_str(envelope, "type", message_id)
    if type(payload) is not dict:
        payload = _read_payload(payload, "data", message_id)
    event = _event(payload, event_type, None, "data", message_id)
    if not (
        (type(source) is str or source is None)
        and (type(subject) is str or subject is None)
        and (type(time) is str or time is None)
        and (type(region) is str or region is None)
        and (type(account) is str or account is None)
    ):
        for key in ("source", "subject", "time", "aliyunregionid", "aliyunaccountid"):
            _optional_str(envelope, key, message_id)
    return EventMessage(
        message_id=message_id,
        event=event,
        envelope=_CLOUDEVENT,
        extension_biz_id=event.extension_biz_id,
        event_type=event_type,
        source=source,
        subject=subject,
        time=time,
        region=region,
        account=account,
        attributes=attributes,
        payload=payload,
    )


def _parse_function_compute(envelope: Mapping[str, Any]) -> EventMessage:
    get = envelope.get
    message_id, event_type = get("messageId"), get("eventType")
    payload, biz_id = get("messageBody"), get("extensionBizId")
    attributes = _attributes(envelope, _FC_MODELLED)
    if type(message_id) is not str or not message_id.isascii() or not message_id.strip():
        message_id = _read_id(message_id, "messageId")
    if event_type is not None and type(event_type) is not str:
        _optional_str(envelope, "eventType", message_id)
    if type(payload) is not dict:
        payload = _read_payload(payload, "messageBody", message_id)
    if biz_id is not None and type(biz_id) is not str:
        _optional_str(envelope, "extensionBizId", message_id)
    event = _event(payload, None, event_type, "messageBody", message_id, biz_id is not None)
    return EventMessage(
        message_id=message_id,
        event=event,
        envelope=_FUNCTION_COMPUTE,
        extension_biz_id=biz_id if biz_id is not None else event.extension_biz_id,
        event_type=event_type,
        attributes=attributes,
        payload=payload,
    )


def _event(
    payload: Mapping[str, Any],
    cloudevent_type: str | None,
    fc_event_type: str | None,
    where: str,
    message_id: str,
    envelope_check_id: bool = False,
) -> Event:
    code = payload.get("eventCode")
    kind = None
    if code:
        if type(code) is not str:
            raise FieldError(
                f"expected a string, got {quoted(code)}",
                field=f"{where}.eventCode",
                message_id=message_id,
            )
        kind = kind_for_code(code)
    elif code is not None and type(code) is not str:
        raise FieldError(
            f"expected a string, got {quoted(code)}",
            field=f"{where}.eventCode",
            message_id=message_id,
        )
    elif cloudevent_type:
        kind = kind_for_type(cloudevent_type)
    elif fc_event_type:
        kind = kind_for_code(fc_event_type)
    if kind is None:
        name = code or cloudevent_type or fc_event_type or ""
        if has_surrogate(name):
            # The code is shown in replies and audit records: refused like any unreadable
            # field, so the message (its id readable) is answered FAIL.
            field = f"{where}.eventCode" if code else ("type" if cloudevent_type else "eventType")
            raise FieldError(
                f"is not valid Unicode text (it holds a lone surrogate): {quoted(name)}",
                field=field,
                message_id=message_id,
            )
        if envelope_check_id or payload.get("extensionBizId") is not None:
            # An extension point the SDK does not know yet: DataWorks waits for an answer.
            return _generic(payload, name, where, message_id)
        return UnknownEvent(event_code=name, payload=payload)
    cls = kind.cls
    if cls is UnknownEvent:
        return UnknownEvent(event_code=code or kind.event_code, payload=payload)
    if cls is ExtensionPointEvent:
        return _generic(payload, kind.event_code, where, message_id)
    try:
        return structure_event(payload, cls)  # type: ignore[no-any-return]
    except FieldProblem as problem:
        field = f"{where}.{problem.path}" if problem.path else where
        raise FieldError(problem.reason, field=field, message_id=message_id) from None


def _generic(
    payload: Mapping[str, Any], event_code: str, where: str, message_id: str
) -> ExtensionPointEvent:
    try:
        return structure_common(event_code, payload)
    except FieldProblem as problem:
        field = f"{where}.{problem.path}" if problem.path else where
        raise FieldError(problem.reason, field=field, message_id=message_id) from None


def parse_message(raw: RawMessage) -> EventMessage:
    """Parse one message from DataWorks, in any envelope.

    ``raw`` is JSON bytes or text, or an already-decoded mapping.  The event kind comes from
    ``eventCode`` in the payload, else from the CloudEvent ``type``, else from the Function
    Compute ``eventType``.  Extension-point events without a model of their own (and any
    message carrying an ``extensionBizId`` whose code the SDK does not know) parse as
    :class:`ExtensionPointEvent`; regular events as :class:`UnknownEvent`.

    Raises:
        MessageError: the message cannot be read.  Its ``message_id`` is set whenever the id
            could be read, and ``field`` names the offending field.

    Example:
        >>> from dataworks_ext import FreezeNodeEvent, parse_message
        >>> message = parse_message(b'''{
        ...   "id": "45ef4dewdwe1-7c35-447a-bd93-fab****", "source": "acs.dataworks",
        ...   "specversion": "1.0", "type": "dataworks:NodeChange:FreezeNode",
        ...   "data": {"operator": "1107550004253538", "projectId": "23393",
        ...            "tenantId": 28378142127872, "nodeIds": [700005966962, 700005966963],
        ...            "extensionBizId": "bd1f0bf8"}}''')
        >>> isinstance(message.event, FreezeNodeEvent), message.event.project_id
        (True, 23393)
    """
    return parse_object(decode(raw))


def parse_messages(raw: RawMessage | list[Any]) -> list[EventMessage]:
    """Parse a single message or an EventBridge batch (a JSON array of messages).

    Raises :class:`MessageError` for the first message that cannot be read; its ``field``
    starts with the message's index in the batch (``[2].data.nodeIds``).  To answer the
    readable messages of a batch that holds a broken one, use
    :meth:`Extension.handle_batch`, which handles each message on its own.

    Example:
        >>> from dataworks_ext import parse_messages
        >>> from dataworks_ext.testing import freeze_event, backfill_event
        >>> batch = b"[" + freeze_event().to_json() + b"," + backfill_event().to_json() + b"]"
        >>> [m.event_code for m in parse_messages(batch)]
        ['freeze-node', 'backfill-data']
    """
    obj = decode(raw)
    if not isinstance(obj, list):
        return [parse_object(obj)]
    messages = []
    for index, item in enumerate(obj):
        try:
            messages.append(parse_object(item))
        except MessageError as exc:
            field = f"[{index}].{exc.field}" if exc.field else f"[{index}]"
            raise type(exc)(
                exc.reason, message_id=exc.message_id, field=field, event_code=exc.event_code
            ) from None
    return messages


def lenient_event_code(raw: Any) -> str | None:
    """The event code an unreadable message names, read leniently (``None`` if none): the
    payload's ``eventCode``, else the CloudEvent ``type``'s code, else the Function Compute
    ``eventType``.  Only for choosing the API that answers a message that could not be read.
    """
    if type(raw) is _Broken:
        return raw.code
    try:
        obj = raw if isinstance(raw, Mapping) else decode(raw)
    except MessageError:
        try:
            text = raw if isinstance(raw, str) else bytes(raw).decode("utf-8")
            obj = _LENIENT.decode(text.removeprefix("\ufeff"))
        except (ValueError, RecursionError, TypeError):
            return None
    return _code_of(obj)


def _code_of(obj: Any) -> str | None:
    if not isinstance(obj, Mapping):
        return None
    for key in ("data", "messageBody"):
        body = obj.get(key)
        code = body.get("eventCode") if isinstance(body, Mapping) else None
        if isinstance(code, str) and code:
            return code
    event_type = obj.get("type")
    kind = kind_for_type(event_type) if isinstance(event_type, str) else None
    if kind is not None:
        return kind.event_code
    fc_type = obj.get("eventType")
    return fc_type if isinstance(fc_type, str) and fc_type else None
