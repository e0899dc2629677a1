"""Function Compute handlers for a DataWorks extension.

* ``handler`` serves an **EventBridge trigger**: the event is the CloudEvent JSON (or a batch,
  a JSON array).  Verdicts go to DataWorks through ``UpdateWorkbenchEventResult``; when one
  cannot be delivered the invocation fails, so the trigger's retry policy delivers it again.
* ``extension_handler`` serves **DataWorks invoking the function directly** with its extension
  envelope (``messageId``, ``eventType``, ``messageBody``).  It returns the verdict as the
  response, ``{"checkResult": "OK" | "FAIL", "checkResultTip": ..., "messageId": ...}``, and
  also delivers it through ``UpdateWorkbenchEventResult``.
* ``initializer`` (configure it as the function's initializer) builds the extension once per
  instance, so the first invocation does not pay for it.

The callback signs with the temporary credentials Function Compute hands the function
(``context.credentials``, from the function's RAM role); the client is rebuilt only when
they rotate.  Settings come from the environment: ``DATAWORKS_EXTENSION_CODE`` (required),
``DATAWORKS_REGION_ID`` (defaults to the function's region), ``DATAWORKS_ENDPOINT``,
``DATAWORKS_DRY_RUN``.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from typing import Any, Protocol

from policies import registry

from dataworks_ext import (
    CallbackClient,
    CallbackError,
    Extension,
    MessageError,
    Outcome,
)

__all__ = ["extension_handler", "handler", "initializer"]

logger = logging.getLogger("dataworks_ext.examples.fc")
_TRUTHY = frozenset({"1", "true", "yes", "on"})


class Credentials(Protocol):
    """The temporary credentials of the function's role."""

    access_key_id: str
    access_key_secret: str
    security_token: str | None


class Context(Protocol):
    """The part of Function Compute's context these handlers use."""

    credentials: Credentials
    region: str
    request_id: str


class _Forget:
    """A seen-message store that remembers nothing: the direct envelope's response must
    carry the verdict every time DataWorks asks, even when it asks again."""

    def seen(self, message_id: str) -> bool:
        return False

    def remember(self, message_id: str) -> None:
        return None


class _Instance:
    """What one Function Compute instance keeps between invocations."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.triggered: Extension | None = None  # EventBridge trigger: answers once
        self.direct: Extension | None = None  # direct invocation: answers every time
        self.credentials: tuple[str, str, str] | None = None

    def extensions(self, context: Context) -> tuple[Extension, Extension]:
        creds = context.credentials
        key = (creds.access_key_id, creds.access_key_secret, creds.security_token or "")
        with self.lock:
            if self.triggered is None or self.direct is None:
                # The extension code from the environment; the callback is set just below.
                self.triggered = Extension.from_env(registry, callback=None)
                self.direct = Extension.from_env(registry, callback=None, seen_store=_Forget())
            if key != self.credentials:
                callback = None
                if os.environ.get("DATAWORKS_DRY_RUN", "").strip().lower() not in _TRUTHY:
                    callback = CallbackClient.from_fc_context(
                        context,
                        region_id=os.environ.get("DATAWORKS_REGION_ID") or None,
                        endpoint=os.environ.get("DATAWORKS_ENDPOINT") or None,
                    )
                self.triggered.callback = self.direct.callback = callback
                self.credentials = key
            return self.triggered, self.direct


_instance = _Instance()


def initializer(context: Context) -> None:
    """Function Compute initializer: build the extension and its client before traffic."""
    _instance.extensions(context)


def handler(event: bytes | str, context: Context) -> str:
    """EventBridge trigger: answer every message in ``event``; fail to get a redelivery."""
    extension, _ = _instance.extensions(context)
    try:
        outcomes = extension.handle_batch(event)
    except MessageError as exc:  # unreadable, and no id to answer: a retry cannot help
        logger.error("request %s: unreadable event: %s", context.request_id, exc)
        return json.dumps({"error": str(exc)})
    for outcome in outcomes:
        if outcome.message_id is None:
            logger.error("request %s: unreadable message: %s", context.request_id, outcome.error)
    for outcome in outcomes:
        if isinstance(outcome.error, CallbackError):
            raise outcome.error  # the trigger retries; answered messages are not sent again
    return json.dumps({"results": [_describe(o) for o in outcomes]})


def extension_handler(event: bytes | str, context: Context) -> str:
    """Direct invocation by DataWorks: return the verdict as the function's response."""
    _, extension = _instance.extensions(context)
    outcome = extension.handle_batch(event)[0]  # MessageError (a ValueError) if unreadable
    if outcome.message_id is None:
        raise ValueError(f"unreadable extension request: {outcome.error}")
    if isinstance(outcome.error, CallbackError):  # the response still answers DataWorks
        logger.error("request %s: %s", context.request_id, outcome.error)
    verdict = outcome.verdict
    return json.dumps(
        {
            "messageId": outcome.message_id,
            "checkResult": "OK" if verdict is None else verdict.result.value,
            "checkResultTip": None if verdict is None else verdict.tip,
        },
        ensure_ascii=False,
    )


def _describe(outcome: Outcome) -> dict[str, Any]:
    return {
        "messageId": outcome.message_id,
        "checkResult": None if outcome.verdict is None else outcome.verdict.result.value,
        "delivered": outcome.delivered,
        "duplicate": outcome.duplicate,
    }
