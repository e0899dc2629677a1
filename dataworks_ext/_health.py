"""Whether an :class:`~dataworks_ext.Extension` can answer: :class:`Health`."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import attrs

from .outcomes import HttpReply

__all__ = ["Health"]


@attrs.frozen
class Health:
    """What :meth:`Extension.health` found: the store, the credentials, the checks.

    ``ok`` is false when the answer store does not answer, when the callback has no
    credentials, or when no check is registered.  Serve :meth:`http_reply` on a health
    endpoint (200 when ok, 503 otherwise).

    Example:
        >>> from dataworks_ext import Extension, FreezeNodeEvent, Registry
        >>> reg = Registry()
        >>> _ = reg.add(FreezeNodeEvent, lambda event: True)
        >>> health = Extension("ext", registry=reg).health()
        >>> health.ok, health.store, health.credentials, health.checks
        (True, 'ok', 'n/a (dry run)', {'freeze-node': 1})
        >>> health.store_kind, health.warnings
        ('memory', ())
        >>> health.http_reply().status
        200
    """

    ok: bool
    """Whether the extension can answer: every part below is fine."""
    store: str
    """``ok``, ``down: <error class>: <text>``, or ``not checked`` (a store without ping)."""
    credentials: str
    """``present``, ``missing``, ``unknown`` (the default chain may find an instance's
    role) or ``n/a (dry run)`` / ``n/a`` (a callback that needs none)."""
    checks: Mapping[str, int]
    """How many checks are registered for each event code."""
    problems: tuple[str, ...] = ()
    """What is wrong, in words, when not ok."""
    store_kind: str = "unknown"
    """The answer store's kind: ``memory``, ``redis``, or a custom store's class name."""
    warnings: tuple[str, ...] = ()
    """What may weaken the one-verdict guarantee without stopping answers (a Redis server
    that may evict or lose records, ...); they do not make :attr:`ok` false."""

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict for a health endpoint's body.

        Example:
            >>> from dataworks_ext import Extension, Registry
            >>> Extension("ext", registry=Registry()).health().to_dict()["problems"]
            ['no check is registered']
        """
        return {
            "ok": self.ok,
            "store": self.store,
            "store_kind": self.store_kind,
            "credentials": self.credentials,
            "checks": dict(self.checks),
            "problems": list(self.problems),
            "warnings": list(self.warnings),
        }

    @property
    def http_status(self) -> int:
        """200 when ok, else 503.

        Example:
            >>> from dataworks_ext import Extension, Registry
            >>> Extension("ext", registry=Registry()).health().http_status
            503
        """
        return 200 if self.ok else 503

    def http_reply(self) -> HttpReply:
        """The HTTP reply of a health endpoint: :attr:`http_status` and :meth:`to_dict` as JSON.

        Example:
            >>> from dataworks_ext import Extension, Registry
            >>> reply = Extension("ext", registry=Registry()).health().http_reply()
            >>> reply.status, reply.headers["Content-Type"]
            (503, 'application/json')
        """
        body = json.dumps(self.to_dict(), ensure_ascii=False).encode("utf-8")
        return HttpReply(self.http_status, {"Content-Type": "application/json"}, body)


def assess(
    store: str,
    callback: Any,
    checks: Mapping[str, int],
    store_kind: str = "unknown",
    warnings: tuple[str, ...] = (),
) -> Health:
    """The Health of an extension whose store answered ``store``."""
    problems: list[str] = []
    if store.startswith("down"):
        problems.append(f"the answer store is {store}")
    if callback is None:
        credentials = "n/a (dry run)"
    else:
        found = getattr(callback, "has_credentials", ...)
        if found is ...:
            credentials = "n/a"
        elif found is None:
            credentials = "unknown"
        elif found:
            credentials = "present"
        else:
            credentials = "missing"
            problems.append("the callback has no credentials")
    if not checks:
        problems.append("no check is registered")
    return Health(
        not problems, store, credentials, dict(checks), tuple(problems), store_kind, warnings
    )


def store_down(exc: BaseException) -> str:
    """The ``store`` text of a ping that raised."""
    return f"down: {type(exc).__name__}: {exc}"
