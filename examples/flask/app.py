"""A Flask host for a DataWorks extension: the target of an EventBridge HTTP rule.

``POST /dataworks/events`` takes one CloudEvent or an EventBridge batch (a JSON array), hands
it to :meth:`Extension.handle_batch`, and maps the outcomes to a status EventBridge acts on:

=====  ==================================================================================
200    every verdict in the request was delivered (or nothing needed answering)
400    a message is unreadable and so is its id: nobody can be answered, retrying won't help
401    the shared-secret header is missing or wrong (when ``DATAWORKS_WEBHOOK_SECRET`` is set)
413    the body is larger than ``DATAWORKS_MAX_BODY_BYTES``
503    a verdict could not be delivered: EventBridge delivers the request again
=====  ==================================================================================

``GET /healthz`` answers 200 for load-balancer and Kubernetes probes.

Run it with any WSGI server, e.g. ``gunicorn 'app:create_app()'`` (policies.py beside app.py,
or ``PYTHONPATH`` pointing at the folder that holds it).
"""

from __future__ import annotations

import hmac
import logging
import os
from typing import Any

from flask import Flask, Response, jsonify, request
from policies import registry
from werkzeug.exceptions import HTTPException

from dataworks_ext import CallbackError, DataWorksExtError, Extension, MessageError, Outcome

__all__ = ["EVENTS_PATH", "SECRET_HEADER", "create_app"]

EVENTS_PATH = "/dataworks/events"
"""Where EventBridge posts events."""
SECRET_HEADER = "X-DataWorks-Webhook-Secret"
"""The header that carries the shared secret (an EventBridge HTTP target header parameter)."""
DEFAULT_MAX_BODY_BYTES = 4 * 1024 * 1024
"""Body limit when ``DATAWORKS_MAX_BODY_BYTES`` is unset: room for a batch of massive backfills."""
RETRY_AFTER_SECONDS = "5"

logger = logging.getLogger("dataworks_ext.examples.flask")


def create_app(
    extension: Extension | None = None,
    *,
    secret: str | None = None,
    max_body_bytes: int | None = None,
) -> Flask:
    """Build the Flask app.

    Args:
        extension: What answers DataWorks; ``Extension.from_env(registry)`` when omitted
            (``DATAWORKS_EXTENSION_CODE``, ``DATAWORKS_REGION_ID``, credentials ...).
        secret: The shared secret EventBridge sends in :data:`SECRET_HEADER`; read from
            ``DATAWORKS_WEBHOOK_SECRET`` when omitted; no check when neither is set.
        max_body_bytes: The largest body accepted; ``DATAWORKS_MAX_BODY_BYTES`` or 4 MiB.
    """
    ext = extension if extension is not None else Extension.from_env(registry)
    expected = secret if secret is not None else os.environ.get("DATAWORKS_WEBHOOK_SECRET", "")
    expected_bytes = expected.encode() if expected else None
    limit = max_body_bytes or int(
        os.environ.get("DATAWORKS_MAX_BODY_BYTES", DEFAULT_MAX_BODY_BYTES)
    )

    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = limit

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> tuple[Response, int]:  # 404, 405, 413 as JSON
        return jsonify(error=error.description), error.code or 500

    @app.get("/healthz")
    def healthz() -> Response:
        return jsonify(status="ok")

    @app.post(EVENTS_PATH)
    def events() -> tuple[Response, int] | tuple[Response, int, dict[str, str]]:
        if expected_bytes is not None:
            given = request.headers.get(SECRET_HEADER, "").encode()
            if not hmac.compare_digest(given, expected_bytes):
                return jsonify(error="missing or wrong shared secret"), 401
        body = request.get_data(cache=False)  # 413 past MAX_CONTENT_LENGTH
        try:
            outcomes = ext.handle_batch(body)
        except MessageError as exc:  # the body as a whole is not JSON
            logger.warning("rejected an unreadable request body: %s", exc)
            return jsonify(error=str(exc)), 400
        results = [_describe(outcome) for outcome in outcomes]
        if any(isinstance(o.error, CallbackError) for o in outcomes):
            return jsonify(results=results), 503, {"Retry-After": RETRY_AFTER_SECONDS}
        if any(o.message_id is None for o in outcomes):
            return jsonify(results=results), 400
        return jsonify(results=results), 200

    return app


def _describe(outcome: Outcome) -> dict[str, Any]:
    """One outcome as JSON, for the response body and whoever reads EventBridge's logs."""
    verdict = outcome.verdict
    return {
        "messageId": outcome.message_id,
        "checkResult": None if verdict is None else verdict.result.value,
        "delivered": outcome.delivered,
        "duplicate": outcome.duplicate,
        "error": _error_text(outcome.error),
    }


def _error_text(error: BaseException | None) -> str | None:
    """The SDK's own errors in full; a check's exception by class only (details go to the log)."""
    if error is None:
        return None
    if isinstance(error, DataWorksExtError):
        return f"{type(error).__name__}: {error}"
    return type(error).__name__


if __name__ == "__main__":  # local runs only; use a production WSGI server in production
    logging.basicConfig(level=logging.INFO)
    create_app().run(host="127.0.0.1", port=int(os.environ.get("PORT", "8080")))
