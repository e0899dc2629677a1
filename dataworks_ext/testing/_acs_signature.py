"""Checks a call signed with ACS3-HMAC-SHA256 as DataWorks does: key, signature, date, nonce.

:func:`verify_signature` rebuilds the canonical request of a call the official SDK signed and
compares signatures; :class:`NonceBook` refuses a stale date or a nonce seen before.  A call
that fails raises :class:`Reject`, the error DataWorks answers with.
"""

from __future__ import annotations

import collections
import hashlib
import hmac
import threading
import time
from datetime import datetime, timezone
from email.message import Message
from urllib.parse import quote

__all__ = ["ALGORITHM", "NonceBook", "Reject", "verify_signature"]

ALGORITHM = "ACS3-HMAC-SHA256"
"""The signature algorithm of the official SDK's calls (the ``Authorization`` header's first
word)."""
CLOCK_SKEW = 15 * 60.0
"""How far, in seconds, a call's ``x-acs-date`` may be from now."""
NONCES_KEPT = 100_000
"""How many signature nonces are remembered (the oldest are forgotten first)."""

_INCOMPLETE = ("IncompleteSignature", "The request signature does not conform to the rules.")


class Reject(Exception):
    """A call refused with DataWorks' error: HTTP ``status``, ``code`` and ``message``.

    Example:
        >>> from dataworks_ext.testing._acs_signature import Reject
        >>> Reject(400, "MissingMessageId", "MessageId is mandatory for this action.").status
        400
    """

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(code)
        self.status = status
        self.code = code
        self.message = message


def verify_signature(
    method: str,
    path: str,
    headers: Message,
    params: dict[str, str],
    body: bytes,
    *,
    access_key_id: str,
    access_key_secret: str,
    security_token: str | None = None,
) -> None:
    """Check a call's ``Authorization`` header against the AccessKey pair; raise
    :class:`Reject` as DataWorks would (``InvalidAccessKeyId.NotFound``,
    ``SignatureDoesNotMatch``, ...).

    ``params`` are the query's; with ``security_token``, the call must carry that STS token.

    Example:
        >>> from email.message import Message
        >>> from dataworks_ext.testing._acs_signature import Reject, verify_signature
        >>> try:
        ...     verify_signature("POST", "/", Message(), {}, b"", access_key_id="k",
        ...                      access_key_secret="s")
        ... except Reject as reject:
        ...     print(reject.status, reject.code)
        400 IncompleteSignature
    """
    authorization = headers.get("Authorization", "")
    algorithm, _, rest = authorization.partition(" ")
    fields = dict(part.strip().partition("=")[::2] for part in rest.split(",") if "=" in part)
    if algorithm != ALGORITHM or not {"Credential", "SignedHeaders", "Signature"} <= set(fields):
        raise Reject(400, *_INCOMPLETE)
    if fields["Credential"] != access_key_id:
        raise Reject(404, "InvalidAccessKeyId.NotFound", "Specified access key is not found.")
    if security_token is not None and (
        headers.get("x-acs-security-token") != security_token
        or headers.get("x-acs-accesskey-id") != access_key_id
    ):
        raise Reject(400, "InvalidSecurityToken.Mismatch", "The security token is invalid.")
    signed = fields["SignedHeaders"].split(";")
    if not {"host", "x-acs-action", "x-acs-version", "x-acs-date"} <= set(signed):
        raise Reject(400, *_INCOMPLETE)
    canonical_headers = ""
    for name in signed:
        values = headers.get_all(name)
        if values is None:
            raise Reject(400, "SignatureDoesNotMatch", "Specified signature is not matched.")
        canonical_headers += f"{name}:{','.join(sorted(v.strip() for v in values))}\n"
    query = "&".join(f"{key}={quote(params[key], safe='~')}" for key in sorted(params))
    payload = hashlib.sha256(body).hexdigest()
    canonical = "\n".join([method, path, query, canonical_headers, ";".join(signed), payload])
    to_sign = f"{ALGORITHM}\n{hashlib.sha256(canonical.encode('utf-8')).hexdigest()}"
    expected = hmac.new(
        access_key_secret.encode("utf-8"), to_sign.encode("utf-8"), hashlib.sha256
    ).hexdigest()
    if not hmac.compare_digest(expected, fields["Signature"]):
        raise Reject(
            400, "SignatureDoesNotMatch", "Specified signature is not matched with our calculation."
        )


class NonceBook:
    """The signature nonces seen (the last :data:`NONCES_KEPT`), to refuse a replayed call.

    Example:
        >>> import time
        >>> from dataworks_ext.testing._acs_signature import NonceBook, Reject
        >>> book = NonceBook()
        >>> now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        >>> book.check(now, "n-1")
        >>> try:
        ...     book.check(now, "n-1")
        ... except Reject as reject:
        ...     print(reject.code)
        SignatureNonceUsed
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._seen: set[str] = set()
        self._order: collections.deque[str] = collections.deque()

    def check(self, date: str, nonce: str | None) -> None:
        """Refuse a call dated over :data:`CLOCK_SKEW` from now, without a nonce, or with one
        seen before; remember the nonce."""
        try:
            stamp = datetime.strptime(date, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
        except ValueError:
            raise Reject(
                400, "InvalidTimeStamp.Format", "Specified time stamp is not valid."
            ) from None
        if abs(stamp.timestamp() - time.time()) > CLOCK_SKEW:
            raise Reject(400, "InvalidTimeStamp.Expired", "Specified time stamp is expired.")
        if not nonce:
            raise Reject(400, "MissingSignatureNonce", "SignatureNonce is mandatory.")
        with self._lock:
            if nonce in self._seen:
                raise Reject(400, "SignatureNonceUsed", "Specified signature nonce was used.")
            self._seen.add(nonce)
            self._order.append(nonce)
            if len(self._order) > NONCES_KEPT:
                self._seen.discard(self._order.popleft())

    def clear(self) -> None:
        """Forget every nonce seen.

        Example:
            >>> import time
            >>> from dataworks_ext.testing._acs_signature import NonceBook
            >>> book, now = NonceBook(), time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
            >>> book.check(now, "n-1"); book.clear(); book.check(now, "n-1")
        """
        with self._lock:
            self._seen.clear()
            self._order.clear()
