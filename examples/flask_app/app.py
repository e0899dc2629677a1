"""A Flask host for a DataWorks extension: the target of an EventBridge HTTP rule.

``POST /dataworks/events`` takes one CloudEvent or an EventBridge batch (a JSON array), hands
it to :meth:`Extension.handle_batch`, and answers :func:`dataworks_ext.http_reply` of the
outcomes: 200 (ACK), 503 with ``Retry-After`` (RETRY: EventBridge delivers the request
again) or 400 (REJECT: a message nobody can answer).  Besides: 401 when the shared-secret
header is missing or wrong (``DATAWORKS_WEBHOOK_SECRET``; the app refuses to start without
one unless ``DATAWORKS_ALLOW_UNAUTHENTICATED=1``), 413 for a body larger than
``DATAWORKS_MAX_BODY_BYTES`` (4 MiB), chunked or not: at most that many bytes plus one are
read.

Several replicas or gunicorn workers share one answer store when ``DATAWORKS_REDIS_URL`` is
set (``redis://host:port/db``), so a message pushed to two of them is answered once.

``GET /healthz`` answers :meth:`Extension.health`: 200 when the answer store answers, the
credentials are there and checks are registered, else 503 (load-balancer and Kubernetes probes).

The checks are the app ``DATAWORKS_APP`` names (``MODULE:ATTR``, as ``dataworks-ext trigger
--app`` takes it: ``mychecks:registry``, ``path/to/checks.py:extension``), else the examples'
``../policies.py``.  Run it with any WSGI server, e.g. ``gunicorn 'app:create_app()'``, from
its folder.
"""

from __future__ import annotations

import hmac
import logging
import os
from pathlib import Path

from flask import Flask, Response, jsonify, request
from werkzeug.exceptions import HTTPException

from dataworks_ext import (
    MAX_BODY_BYTES,
    ConfigurationError,
    Extension,
    MessageError,
    Outcome,
    http_reply,
    read_wsgi_body,
)
from dataworks_ext.cli import extension_from_env

__all__ = ["DEFAULT_APP", "EVENTS_PATH", "SECRET_HEADER", "create_app"]

_HERE = Path(__file__).resolve().parent
_POLICIES = next((p for p in (_HERE, _HERE.parent) if (p / "policies.py").exists()), _HERE)
DEFAULT_APP = f"{_POLICIES / 'policies.py'}:registry"
"""The checks served when ``DATAWORKS_APP`` is not set: the examples' ``policies.py``, beside
``app.py`` (as deployed) or in the folder above (as in the repository)."""

EVENTS_PATH = "/dataworks/events"
"""Where EventBridge posts events."""
SECRET_HEADER = "X-DataWorks-Webhook-Secret"
"""The header that carries the shared secret (an EventBridge HTTP target header parameter)."""
DEFAULT_MAX_BODY_BYTES = MAX_BODY_BYTES
"""Body limit when ``DATAWORKS_MAX_BODY_BYTES`` is unset (4 MiB): room for a batch of massive
backfills."""

logger = logging.getLogger("dataworks_ext.examples.flask")


def create_app(
    extension: Extension | None = None,
    *,
    secret: str | None = None,
    max_body_bytes: int | None = None,
) -> Flask:
    """Build the Flask app.

    Args:
        extension: What answers DataWorks; when omitted, the app ``DATAWORKS_APP`` names
            (else :data:`DEFAULT_APP`) by :func:`~dataworks_ext.cli.extension_from_env`: a
            Registry served by ``Extension.from_env`` (``DATAWORKS_EXTENSION_CODE``,
            ``DATAWORKS_REGION_ID``, credentials, ``DATAWORKS_REDIS_URL`` ...), an Extension
            as it is.
        secret: The shared secret EventBridge sends in :data:`SECRET_HEADER`; read from
            ``DATAWORKS_WEBHOOK_SECRET`` when omitted.  Without one the app refuses to start,
            unless ``DATAWORKS_ALLOW_UNAUTHENTICATED=1`` says to accept anyone's POST.
        max_body_bytes: The largest body accepted; ``DATAWORKS_MAX_BODY_BYTES`` or 4 MiB.
    """
    expected = secret if secret is not None else os.environ.get("DATAWORKS_WEBHOOK_SECRET", "")
    expected_bytes = expected.encode() if expected else None
    if expected_bytes is not None:
        logger.info("POSTs must carry the shared secret in %s", SECRET_HEADER)
    elif os.environ.get("DATAWORKS_ALLOW_UNAUTHENTICATED", "").strip() == "1":
        logger.warning("DATAWORKS_ALLOW_UNAUTHENTICATED=1: accepting POSTs without a shared secret")
    else:
        raise ConfigurationError(
            "DATAWORKS_WEBHOOK_SECRET is not set: set it (and the same value in the "
            f"EventBridge target's {SECRET_HEADER} header), or set "
            "DATAWORKS_ALLOW_UNAUTHENTICATED=1 to accept anyone's POST"
        )
    ext = extension if extension is not None else extension_from_env(DEFAULT_APP)
    limit = max_body_bytes or int(
        os.environ.get("DATAWORKS_MAX_BODY_BYTES", DEFAULT_MAX_BODY_BYTES)
    )

    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = limit

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> tuple[Response, int]:  # 404, 405, 413 as JSON
        return jsonify(error=error.description), error.code or 500

    @app.get("/healthz")
    def healthz() -> Response:  # 200 when the store answers, credentials and checks are there
        reply = ext.health().http_reply()
        return Response(reply.body, reply.status, reply.headers)

    @app.post(EVENTS_PATH)
    def events() -> Response | tuple[Response, int]:
        if expected_bytes is not None:
            given = request.headers.get(SECRET_HEADER, "").encode()
            if not hmac.compare_digest(given, expected_bytes):
                return jsonify(error="missing or wrong shared secret"), 401
        try:  # at most limit + 1 bytes, chunked or not
            body = read_wsgi_body(request.environ, limit)
        except MessageError as exc:  # too large (413), or broken chunked coding (400)
            reply = http_reply([Outcome.refused(exc)])
        else:
            reply = http_reply(ext.handle_batch(body, max_bytes=limit))
        return Response(reply.body, reply.status, reply.headers)

    return app


if __name__ == "__main__":  # local runs only; use a production WSGI server in production
    logging.basicConfig(level=logging.INFO)
    create_app().run(host="127.0.0.1", port=int(os.environ.get("PORT", "8080")))
