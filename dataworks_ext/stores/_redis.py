"""The answer store on Redis, or any server that speaks its protocol (Valkey, Tair).

Each message is one string key, ``<key_prefix><extension code>:<message id>``:

* while a caller holds the claim, ``P<token>`` with an expiry of the lease;
* once answered, ``A<result>`` (``AOK``, ``AFAIL\\n<tip>``) with an expiry of the TTL.

Three small Lua scripts (``EVALSHA``, loaded on first use; plain ``GET``/``SET``/``DEL``
inside) make every step one atomic round trip: *claim* sets the in-progress record only if
the key is absent and otherwise returns what is there; *complete* writes the answer only if
the record is still the caller's (or gone: the verdict was delivered, so it is recorded
anyway); *release* deletes the record only if it is still the caller's.  A claim whose holder
died needs no clean-up: its record expires with the lease.
"""

from __future__ import annotations

import os
import weakref
from typing import Any

from .._extras import require
from ..errors import ConfigurationError, StoreError
from ..verdicts import Verdict
from ._base import Claim, ClaimState, decode_verdict, encode_verdict

__all__ = ["RedisAnswerStore"]

_CLAIM = """
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return false end
return redis.call('GET', KEYS[1])
"""
_COMPLETE = """
local held = redis.call('GET', KEYS[1])
if held == ARGV[1] or not held then
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
  return 1
end
return 0
"""
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""

_DEFAULT_OPTIONS = {"socket_connect_timeout": 2.0, "socket_timeout": 2.0}


def _text(value: Any) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


def _millis(seconds: float) -> int:
    return max(1, int(seconds * 1000))


class RedisAnswerStore:
    """An :class:`AnswerStore` shared by every instance, on Redis (redis-py, sync and asyncio).

    Needs the ``redis`` extra (``pip install 'dataworks-ext[redis]'``); ``redis`` is imported
    only when a store is built (``import dataworks_ext`` does not import it).  Works with any
    Redis-compatible server: only ``EVALSHA`` / ``EVAL`` of scripts using ``GET``, ``SET``
    and ``DEL`` on one key are sent (ApsaraDB for Redis and Tair, cluster editions included;
    Valkey).  Two round trips a message: the claim, then completing or releasing it.

    Build it with :meth:`from_url`, or from clients you made: a ``redis.Redis`` for
    :meth:`Extension.handle`, a ``redis.asyncio.Redis`` for :meth:`Extension.handle_async`
    (without one, the sync client is used from a worker thread there).

    Args:
        client: A ``redis.Redis`` (or cluster) client, or ``None``.
        async_client: A ``redis.asyncio.Redis`` client, or ``None``.
        key_prefix: Put before every key; give each deployment sharing a server its own.
        ttl: Seconds an answer is kept (a day: EventBridge retries for up to a day).

    Example:
        >>> from dataworks_ext import Extension, RedisAnswerStore
        >>> store = RedisAnswerStore.from_url("redis://127.0.0.1:6379/0", ttl=3600)
        >>> store
        RedisAnswerStore(url='redis://127.0.0.1:6379/0', key_prefix='dataworks-ext:', ttl=3600)
        >>> extension = Extension("my-extension", store=store)  # nothing is connected yet
    """

    def __init__(
        self,
        client: Any = None,
        *,
        async_client: Any = None,
        key_prefix: str = "dataworks-ext:",
        ttl: float = 24 * 3600.0,
    ) -> None:
        if isinstance(ttl, bool) or not isinstance(ttl, (int, float)) or not ttl > 0:
            raise ConfigurationError(f"ttl must be a positive number of seconds, got {ttl!r}")
        if not isinstance(key_prefix, str):
            raise ConfigurationError(f"key_prefix must be a string, got {key_prefix!r}")
        self.key_prefix = key_prefix
        self.ttl = float(ttl)
        self._ttl_ms = _millis(self.ttl)
        self._client = client
        self._async_client = async_client
        self._url: str | None = None
        self._options: dict[str, Any] = {}
        self._scripts: tuple[Any, Any, Any] | None = None
        self._async_scripts: weakref.WeakKeyDictionary[Any, tuple[Any, Any, Any]] = (
            weakref.WeakKeyDictionary()
        )
        self._pid = os.getpid()

    @classmethod
    def from_url(
        cls,
        url: str,
        *,
        key_prefix: str = "dataworks-ext:",
        ttl: float = 24 * 3600.0,
        **client_options: Any,
    ) -> RedisAnswerStore:
        """A store on the server at ``url`` (``redis://[:password@]host:port/db``, ``rediss://``).

        ``redis`` is imported here.  Clients connect on first use (an asyncio one per event
        loop); ``client_options`` go
        to ``redis.Redis.from_url`` (connect and socket timeouts default to 2 s, so a server
        that is down is reported quickly).

        Example:
            >>> from dataworks_ext import RedisAnswerStore
            >>> RedisAnswerStore.from_url("redis://:s3cret@cache.internal:6379/2").key_prefix
            'dataworks-ext:'
        """
        if not isinstance(url, str) or "://" not in url:
            raise ConfigurationError(f"url must look like redis://host:port/db, got {url!r}")
        redis = require("redis", "redis")  # here, at start-up, not on a first message in a loop

        redis.Redis.from_url(url)  # a malformed URL is refused now; nothing connects yet
        store = cls(key_prefix=key_prefix, ttl=ttl)
        store._url = url
        store._options = {**_DEFAULT_OPTIONS, **client_options}
        return store

    def __repr__(self) -> str:
        where = f"url={_hide_password(self._url)!r}" if self._url else "client"
        return f"RedisAnswerStore({where}, key_prefix={self.key_prefix!r}, ttl={self.ttl:g})"

    # ------------------------------------------------------------------ clients and scripts

    def _sync_scripts(self) -> tuple[Any, Any, Any]:
        scripts = self._scripts
        if scripts is not None and self._pid == os.getpid():
            return scripts
        if self._pid != os.getpid():  # a forked worker: its own connections
            self._pid = os.getpid()
            if self._url is not None:
                self._client = None
        client = self._client
        if client is None:
            if self._url is None:
                raise StoreError(
                    "this RedisAnswerStore has only an asyncio client; give it a sync client "
                    "(client=redis.Redis(...)) to use it from Extension.handle",
                    operation="connect",
                )
            redis = require("redis", "redis")

            client = self._client = redis.Redis.from_url(self._url, **self._options)
        scripts = self._scripts = _register(client)
        return scripts

    def _loop_scripts(self) -> tuple[Any, Any, Any] | None:
        """The asyncio client's scripts for the running loop, or ``None`` to use a thread."""
        import asyncio

        loop = asyncio.get_running_loop()
        scripts = self._async_scripts.get(loop)
        if scripts is not None:
            return scripts
        client = self._async_client
        if client is None:
            if self._url is None:
                return None
            redis = require("redis.asyncio", "redis")

            client = redis.asyncio.Redis.from_url(self._url, **self._options)
        scripts = self._async_scripts[loop] = _register(client)
        return scripts

    def _key(self, extension_code: str, message_id: str) -> str:
        return f"{self.key_prefix}{extension_code}:{message_id}"

    # ------------------------------------------------------------------ the protocol

    def claim(self, extension_code: str, message_id: str, lease: float) -> Claim:
        """Claim a message: one ``SET NX PX`` (and the ``GET`` when taken), atomically."""
        token = os.urandom(8).hex()
        key = self._key(extension_code, message_id)
        found = self._sync_scripts()[0](keys=[key], args=["P" + token, _millis(lease)])
        return _claimed(extension_code, message_id, token, found)

    def complete(self, claim: Claim, verdict: Verdict) -> bool:
        """Record the verdict for ``ttl`` seconds if the claim is still the caller's."""
        key = self._key(claim.extension_code, claim.message_id)
        args = [f"P{claim.token}", "A" + encode_verdict(verdict), self._ttl_ms]
        return bool(self._sync_scripts()[1](keys=[key], args=args))

    def release(self, claim: Claim) -> bool:
        """Delete the in-progress record if it is still the caller's."""
        key = self._key(claim.extension_code, claim.message_id)
        return bool(self._sync_scripts()[2](keys=[key], args=[f"P{claim.token}"]))

    def ping(self) -> bool:
        """Whether the server answers a ``PING`` (for health checks); raises when it does not."""
        self._sync_scripts()
        return bool(self._client.ping())

    async def ping_async(self) -> bool:
        """:meth:`ping` on the asyncio client (or the sync one in a worker thread)."""
        scripts = self._loop_scripts()
        if scripts is None:
            import asyncio

            return await asyncio.to_thread(self.ping)
        return bool(await scripts[0].registered_client.ping())

    async def claim_async(self, extension_code: str, message_id: str, lease: float) -> Claim:
        """:meth:`claim` on the asyncio client (or the sync one in a worker thread)."""
        scripts = self._loop_scripts()
        if scripts is None:
            import asyncio

            return await asyncio.to_thread(self.claim, extension_code, message_id, lease)
        token = os.urandom(8).hex()
        key = self._key(extension_code, message_id)
        found = await scripts[0](keys=[key], args=["P" + token, _millis(lease)])
        return _claimed(extension_code, message_id, token, found)

    async def complete_async(self, claim: Claim, verdict: Verdict) -> bool:
        """:meth:`complete` on the asyncio client (or the sync one in a worker thread)."""
        scripts = self._loop_scripts()
        if scripts is None:
            import asyncio

            return await asyncio.to_thread(self.complete, claim, verdict)
        key = self._key(claim.extension_code, claim.message_id)
        args = [f"P{claim.token}", "A" + encode_verdict(verdict), self._ttl_ms]
        return bool(await scripts[1](keys=[key], args=args))

    async def release_async(self, claim: Claim) -> bool:
        """:meth:`release` on the asyncio client (or the sync one in a worker thread)."""
        scripts = self._loop_scripts()
        if scripts is None:
            import asyncio

            return await asyncio.to_thread(self.release, claim)
        key = self._key(claim.extension_code, claim.message_id)
        return bool(await scripts[2](keys=[key], args=[f"P{claim.token}"]))


def _register(client: Any) -> tuple[Any, Any, Any]:
    return (
        client.register_script(_CLAIM),
        client.register_script(_COMPLETE),
        client.register_script(_RELEASE),
    )


def _claimed(extension_code: str, message_id: str, token: str, found: Any) -> Claim:
    if found is None:
        return Claim(extension_code, message_id, ClaimState.ACQUIRED, token)
    text = _text(found)
    if text.startswith("A"):
        verdict = decode_verdict(text[1:])
        return Claim(extension_code, message_id, ClaimState.ANSWERED, None, verdict)
    if text.startswith("P"):
        return Claim(extension_code, message_id, ClaimState.IN_PROGRESS)
    raise StoreError(
        "the key holds a value this SDK did not write; is the key_prefix shared?",
        operation="claim",
        message_id=message_id,
    )


def _hide_password(url: str | None) -> str | None:
    if url is None or "@" not in url:
        return url
    scheme, _, rest = url.partition("://")
    credentials, _, host = rest.rpartition("@")
    user = credentials.partition(":")[0]
    return f"{scheme}://{user + ':' if user else ':'}***@{host}"
