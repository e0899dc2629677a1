"""Function Compute handlers for a DataWorks extension.

* ``handler`` serves an **EventBridge trigger**: the event is the CloudEvent JSON (or a batch,
  a JSON array).  Each verdict goes to DataWorks through the API that answers its event
  (``UpdateWorkbenchEventResult`` for Operation Center's, ``UpdateIDEEventResult`` for
  DataStudio's, ``CallbackExtension`` for the other extension points).  On RETRY (a delivery
  failed, the answer store is down, another instance is answering) the invocation fails, so
  the trigger's retry policy invokes again; ACK and REJECT return.
* ``extension_handler`` serves **DataWorks invoking the function directly** with its extension
  envelope (``messageId``, ``eventType``, ``messageBody``).  It returns the verdict as the
  response, ``{"checkResult": "OK" | "FAIL", "checkResultTip": ..., "messageId": ...}``, and
  also delivers it through its event's API.  Asked again, it returns the
  verdict it gave (the answer store keeps it); with no verdict to give (REJECT, or RETRY
  before one was decided) the invocation fails.
* ``initializer`` (configure it as the function's initializer) builds the extension once per
  instance, so the first invocation does not pay for it.

The callback signs with the temporary credentials Function Compute hands the function
(``context.credentials``, from the function's RAM role); the client is rebuilt only when
they rotate.  Settings come from the environment: ``DATAWORKS_EXTENSION_CODE`` (required),
``DATAWORKS_REGION_ID`` (defaults to the function's region), ``DATAWORKS_ENDPOINT``,
``DATAWORKS_DRY_RUN``, and ``DATAWORKS_REDIS_URL`` so that every instance shares one answer
store.  The checks are the app ``DATAWORKS_APP`` names (``MODULE:ATTR``, as ``dataworks-ext
trigger --app`` takes it), else the examples' ``../policies.py``.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from pathlib import Path
from typing import Protocol

from dataworks_ext import CallbackClient, Disposition, Extension, Verdict, http_reply
from dataworks_ext.cli import extension_from_env
from dataworks_ext.verdicts import tip_for_api

__all__ = ["DEFAULT_APP", "extension_handler", "handler", "initializer"]

_HERE = Path(__file__).resolve().parent
_POLICIES = next((p for p in (_HERE, _HERE.parent) if (p / "policies.py").exists()), _HERE)
DEFAULT_APP = f"{_POLICIES / 'policies.py'}:registry"
"""The checks served when ``DATAWORKS_APP`` is not set: the examples' ``policies.py``, beside
``index.py`` (as deployed) or in the folder above (as in the repository)."""

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


class _Instance:
    """What one Function Compute instance keeps between invocations."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.extension: Extension | None = None
        self.credentials: tuple[str, str, str] | None = None

    def extension_for(self, context: Context) -> Extension:
        creds = context.credentials
        key = (creds.access_key_id, creds.access_key_secret, creds.security_token or "")
        with self.lock:
            if self.extension is None:
                # The extension code from the environment; the callback is set just below.
                self.extension = extension_from_env(DEFAULT_APP, callback=None)
            if key != self.credentials:
                callback = None
                if os.environ.get("DATAWORKS_DRY_RUN", "").strip().lower() not in _TRUTHY:
                    callback = CallbackClient.from_fc_context(
                        context,
                        region_id=os.environ.get("DATAWORKS_REGION_ID") or None,
                        endpoint=os.environ.get("DATAWORKS_ENDPOINT") or None,
                    )
                self.extension.callback = callback
                self.credentials = key
            return self.extension


_instance = _Instance()


def initializer(context: Context) -> None:
    """Function Compute initializer: build the extension and its client before traffic, and
    refuse to start an instance whose store does not answer or that has no checks."""
    health = _instance.extension_for(context).health()
    if not health.ok:
        raise RuntimeError("the extension is not healthy: " + "; ".join(health.problems))


def handler(event: bytes | str, context: Context) -> str:
    """EventBridge trigger: answer every message in ``event``; fail to be invoked again.

    A body over ``MAX_BODY_BYTES`` (4 MiB) or a batch of more than ``MAX_BATCH_MESSAGES`` is
    refused whole (logged, returned as REJECT with the HTTP convention's 413).
    """
    outcomes = _instance.extension_for(context).handle_batch(event)
    disposition = Disposition.of(outcomes)
    if disposition is Disposition.RETRY:
        raise RuntimeError(f"request {context.request_id}: retry later ({len(outcomes)} messages)")
    reply = http_reply(outcomes)  # at most MAX_REPLY_OUTCOMES listed; valid UTF-8
    if disposition is Disposition.REJECT:  # nobody can answer it: a retry cannot help
        what = "refused as too large" if reply.status == 413 else "an unreadable message dropped"
        logger.error("request %s: %s", context.request_id, what)
    return reply.body.decode("utf-8")


def extension_handler(event: bytes | str, context: Context) -> str:
    """Direct invocation by DataWorks: return the verdict as the function's response."""
    outcome = _instance.extension_for(context).handle(event)
    if outcome.verdict is None and outcome.disposition is not Disposition.ACK:
        # REJECT, or RETRY with nothing decided yet: fail, so that DataWorks asks again
        raise ValueError(f"request {context.request_id}: no verdict ({outcome.to_dict()})")
    verdict = outcome.verdict or Verdict.ok()  # nothing to answer: let the operation pass
    return json.dumps(
        {
            "messageId": outcome.message_id,
            "checkResult": verdict.result.value,
            "checkResultTip": tip_for_api(verdict.tip),  # valid text, within the API's limit
        },
        ensure_ascii=False,
    )
