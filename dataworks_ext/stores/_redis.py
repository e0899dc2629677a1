"""The answer store on Redis, or any server that speaks its protocol (Valkey, Tair).

Each message is one string key, ``<key_prefix><extension code>:<message id>``, holding its
record in one of the states of the protocol (see :class:`~dataworks_ext.AnswerStore`):

* held: ``H<token>``, expiring with the lease (a holder that dies leaves nothing behind);
* decided: ``D<lease end, ms of the server's clock>|<token>|<verdict>``, kept for the TTL;
* answered: ``A<verdict>`` (``AOK``, ``AFAIL\\n<tip>``), kept for the TTL.

Five small Lua scripts (``EVALSHA``, loaded on first use; ``GET``, ``SET``, ``PEXPIRE``,
``DEL`` and ``TIME`` inside) make every step one atomic round trip on one key; a message
costs three (claim, decide, complete), and the heartbeat renews every claim in flight in one
pipelined round trip.  Leases follow the server's clock (``TIME`` and key expiry), never
the instances' clocks.
"""

from __future__ import annotations

import os
import weakref
from collections.abc import Sequence
from typing import Any

from .._extras import require
from ..errors import ConfigurationError, StoreError
from ..verdicts import Verdict
from ._base import Claim, ClaimState, decode_verdict, encode_verdict

__all__ = ["RedisAnswerStore"]

# Scripts that read TIME and then write: servers before Redis 7 need effects replication.
_PRELUDE = """
pcall(redis.replicate_commands)
local function now()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function decided(v)  -- lease end, token, the text from the second bar on
  if string.byte(v, 1) ~= 68 then return nil end
  local a = string.find(v, '|', 2, true)
  if not a then return nil end
  local b = string.find(v, '|', a + 1, true)
  if not b then return nil end
  return tonumber(string.sub(v, 2, a - 1)), string.sub(v, a + 1, b - 1), string.sub(v, b)
end
"""
# ARGV: token, lease ms.  nil: acquired; 'T<verdict>': a decided record taken over.
_CLAIM = (
    _PRELUDE
    + """
local v = redis.call('GET', KEYS[1])
if not v then
  redis.call('SET', KEYS[1], 'H' .. ARGV[1], 'PX', ARGV[2])
  return false
end
local untilms, token, rest = decided(v)
if untilms then
  local t = now()
  if untilms <= t then
    redis.call('SET', KEYS[1], 'D' .. (t + tonumber(ARGV[2])) .. '|' .. ARGV[1] .. rest, 'KEEPTTL')
    return 'T' .. string.sub(rest, 2)
  end
end
return v
"""
)
# ARGV: token, lease ms.  1 when the caller still holds it.
_RENEW = (
    _PRELUDE
    + """
local v = redis.call('GET', KEYS[1])
if not v then return 0 end
if v == 'H' .. ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
local untilms, token, rest = decided(v)
if untilms and token == ARGV[1] then
  redis.call('SET', KEYS[1], 'D' .. (now() + tonumber(ARGV[2])) .. '|' .. token .. rest, 'KEEPTTL')
  return 1
end
return 0
"""
)
# ARGV: token, verdict, lease ms, ttl ms.  1 when decided by the caller.
_DECIDE = (
    _PRELUDE
    + """
local v = redis.call('GET', KEYS[1])
if v and v ~= 'H' .. ARGV[1] then return 0 end
redis.call('SET', KEYS[1], 'D' .. (now() + tonumber(ARGV[3])) .. '|' .. ARGV[1] .. '|' .. ARGV[2],
           'PX', ARGV[4])
return 1
"""
)
# ARGV: token, 'A' .. verdict, ttl ms.  Records the answer (a first answer stays); 1 when the
# record was the caller's (or gone, or answered already).
_COMPLETE = (
    _PRELUDE
    + """
local v = redis.call('GET', KEYS[1])
local ours = 1
if v then
  if string.byte(v, 1) == 65 then return 1 end
  local untilms, token = decided(v)
  if v ~= 'H' .. ARGV[1] and token ~= ARGV[1] then ours = 0 end
end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
return ours
"""
)
# ARGV: token.  A held record is deleted, a decided one keeps its verdict with its lease ended.
_RELEASE = (
    _PRELUDE
    + """
local v = redis.call('GET', KEYS[1])
if not v then return 0 end
if v == 'H' .. ARGV[1] then return redis.call('DEL', KEYS[1]) end
local untilms, token, rest = decided(v)
if untilms and token == ARGV[1] then
  redis.call('SET', KEYS[1], 'D0|' .. token .. rest, 'KEEPTTL')
  return 1
end
return 0
"""
)
_SCRIPTS = (_CLAIM, _RENEW, _DECIDE, _COMPLETE, _RELEASE)
_CLAIMS, _RENEWS, _DECIDES, _COMPLETES, _RELEASES = range(5)

_DEFAULT_OPTIONS = {"socket_connect_timeout": 2.0, "socket_timeout": 2.0}


def _text(value: Any) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


def _millis(seconds: float) -> int:
    return max(1, int(seconds * 1000))


class RedisAnswerStore:
    """An :class:`AnswerStore` shared by every instance, on Redis (redis-py, sync and asyncio).

    Needs the ``redis`` extra (``pip install 'dataworks-ext[redis]'``); ``redis`` is imported
    only when a store is built (``import dataworks_ext`` does not import it).  Works with any
    Redis-compatible server: only ``EVALSHA`` / ``EVAL`` of scripts on one key are sent
    (ApsaraDB for Redis and Tair, cluster editions included; Valkey; Redis 6.0 or newer, for
    ``SET ... KEEPTTL``).  Three round trips a message: the claim, the decision, the answer;
    a long check adds one renewal every third of the lease.

    What the server must give for the one-verdict guarantee (see "Running several
    instances" in the docs): persistence (AOF, ``appendfsync everysec`` or stricter), no
    eviction of these keys (``maxmemory-policy noeviction``, or a server of their own: every
    key has a TTL, so ``volatile-*`` policies evict them too), and a clock that does not
    jump (leases and TTLs follow the server's clock).  :meth:`describe` (and so
    :meth:`Extension.health`) warns when it can see otherwise.

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
        self._scripts: tuple[Any, ...] | None = None
        self._async_scripts: weakref.WeakKeyDictionary[Any, tuple[Any, ...]] = (
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
            # not echoed: a value without a scheme may be anything, a password included
            shown = "text without ://" if isinstance(url, str) else type(url).__name__
            raise ConfigurationError(f"url must look like redis://host:port/db, got {shown}")
        redis = require("redis", "redis")  # here, at start-up, not on a first message in a loop

        try:  # a malformed URL is refused now; nothing connects yet
            redis.Redis.from_url(url)
        except (ValueError, TypeError) as exc:
            # redis-py's own words may quote a piece of the URL (the "port" of a password
            # holding a slash): they are replaced by words that quote nothing from it.
            text = str(exc)
            option = text.split("'")[1] if text.startswith("Invalid value for '") else None
            reason = (
                "its port is not a number"
                if text.startswith("Port could not be cast")
                else "its port is not within 0-65535"
                if text.startswith("Port out of range")
                else "it must start with redis://, rediss:// or unix://"
                if "schemes" in text
                else "its IPv6 address is not closed by ]"
                if "IPv6" in text
                else f"the value of its {option} option is not valid"
                if option
                else f"redis-py cannot read it ({type(exc).__name__})"
            )
            raise ConfigurationError(
                f"not a Redis URL: {reason}: {_hide_password(url)!r}"
            ) from None
        store = cls(key_prefix=key_prefix, ttl=ttl)
        store._url = url
        store._options = {**_DEFAULT_OPTIONS, **client_options}
        return store

    def __repr__(self) -> str:
        where = f"url={_hide_password(self._url)!r}" if self._url else "client"
        return f"RedisAnswerStore({where}, key_prefix={self.key_prefix!r}, ttl={self.ttl:g})"

    # ------------------------------------------------------------------ clients and scripts

    def _sync_scripts(self) -> tuple[Any, ...]:
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

    def _loop_scripts(self) -> tuple[Any, ...] | None:
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

    def _ckey(self, claim: Claim) -> list[str]:
        return [self._key(claim.extension_code, claim.message_id)]

    @property
    def operation_timeout(self) -> float:
        """The longest one call may wait on the server (its socket timeout), in seconds."""
        client = self._client or self._async_client
        if client is not None:
            pool = getattr(client, "connection_pool", None)
            found = getattr(pool, "connection_kwargs", {}).get("socket_timeout")
            return float(found) if isinstance(found, (int, float)) else 0.0
        found = self._options.get("socket_timeout")
        return float(found) if isinstance(found, (int, float)) else 0.0

    # ------------------------------------------------------------------ the protocol

    def claim(self, extension_code: str, message_id: str, lease: float) -> Claim:
        """Claim a message (see :meth:`AnswerStore.claim`): one script, one round trip."""
        token = os.urandom(8).hex()
        key = self._key(extension_code, message_id)
        found = self._sync_scripts()[_CLAIMS](keys=[key], args=[token, _millis(lease)])
        return _claimed(extension_code, message_id, token, found)

    def renew(self, claims: Sequence[Claim], lease: float) -> list[bool]:
        """Renew the leases of ``claims``, pipelined: one round trip for all of them."""
        if not claims:
            return []
        script = self._sync_scripts()[_RENEWS]
        pipe = script.registered_client.pipeline(transaction=False)
        for claim in claims:
            script(keys=self._ckey(claim), args=[claim.token, _millis(lease)], client=pipe)
        return [bool(found) for found in pipe.execute()]

    def decide(self, claim: Claim, verdict: Verdict, lease: float) -> bool:
        """Fix the verdict before it is sent (see :meth:`AnswerStore.decide`)."""
        args = [claim.token, encode_verdict(verdict), _millis(lease), self._ttl_ms]
        return bool(self._sync_scripts()[_DECIDES](keys=self._ckey(claim), args=args))

    def complete(self, claim: Claim, verdict: Verdict) -> bool:
        """Record the verdict as delivered, for ``ttl`` seconds."""
        args = [claim.token, "A" + encode_verdict(verdict), self._ttl_ms]
        return bool(self._sync_scripts()[_COMPLETES](keys=self._ckey(claim), args=args))

    def release(self, claim: Claim) -> bool:
        """Give the claim up (see :meth:`AnswerStore.release`)."""
        return bool(self._sync_scripts()[_RELEASES](keys=self._ckey(claim), args=[claim.token]))

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

    def describe(self) -> tuple[str, tuple[str, ...]]:
        """``("redis", warnings)``: what the server's configuration means for the guarantee.

        Reads ``maxmemory-policy`` and ``appendonly`` with ``CONFIG GET``; a server that
        refuses it (managed services may) gets a warning saying so, never an error.
        """
        self._sync_scripts()
        try:
            found = self._client.config_get("maxmemory-policy")
            found.update(self._client.config_get("appendonly"))
        except Exception as exc:
            return "redis", (_unreadable_config(exc),)
        return "redis", _config_warnings(found)

    async def describe_async(self) -> tuple[str, tuple[str, ...]]:
        """:meth:`describe` on the asyncio client (or the sync one in a worker thread)."""
        scripts = self._loop_scripts()
        if scripts is None:
            import asyncio

            return await asyncio.to_thread(self.describe)
        client = scripts[0].registered_client
        try:
            found = await client.config_get("maxmemory-policy")
            found.update(await client.config_get("appendonly"))
        except Exception as exc:
            return "redis", (_unreadable_config(exc),)
        return "redis", _config_warnings(found)

    async def claim_async(self, extension_code: str, message_id: str, lease: float) -> Claim:
        """:meth:`claim` on the asyncio client (or the sync one in a worker thread)."""
        scripts = self._loop_scripts()
        if scripts is None:
            import asyncio

            return await asyncio.to_thread(self.claim, extension_code, message_id, lease)
        token = os.urandom(8).hex()
        key = self._key(extension_code, message_id)
        found = await scripts[_CLAIMS](keys=[key], args=[token, _millis(lease)])
        return _claimed(extension_code, message_id, token, found)

    async def renew_async(self, claims: Sequence[Claim], lease: float) -> list[bool]:
        """:meth:`renew` on the asyncio client (or the sync one in a worker thread)."""
        scripts = self._loop_scripts()
        if scripts is None:
            import asyncio

            return await asyncio.to_thread(self.renew, claims, lease)
        if not claims:
            return []
        script = scripts[_RENEWS]
        pipe = script.registered_client.pipeline(transaction=False)
        for claim in claims:
            await script(keys=self._ckey(claim), args=[claim.token, _millis(lease)], client=pipe)
        return [bool(found) for found in await pipe.execute()]

    async def decide_async(self, claim: Claim, verdict: Verdict, lease: float) -> bool:
        """:meth:`decide` on the asyncio client (or the sync one in a worker thread)."""
        scripts = self._loop_scripts()
        if scripts is None:
            import asyncio

            return await asyncio.to_thread(self.decide, claim, verdict, lease)
        args = [claim.token, encode_verdict(verdict), _millis(lease), self._ttl_ms]
        return bool(await scripts[_DECIDES](keys=self._ckey(claim), args=args))

    async def complete_async(self, claim: Claim, verdict: Verdict) -> bool:
        """:meth:`complete` on the asyncio client (or the sync one in a worker thread)."""
        scripts = self._loop_scripts()
        if scripts is None:
            import asyncio

            return await asyncio.to_thread(self.complete, claim, verdict)
        args = [claim.token, "A" + encode_verdict(verdict), self._ttl_ms]
        return bool(await scripts[_COMPLETES](keys=self._ckey(claim), args=args))

    async def release_async(self, claim: Claim) -> bool:
        """:meth:`release` on the asyncio client (or the sync one in a worker thread)."""
        scripts = self._loop_scripts()
        if scripts is None:
            import asyncio

            return await asyncio.to_thread(self.release, claim)
        return bool(await scripts[_RELEASES](keys=self._ckey(claim), args=[claim.token]))


def _register(client: Any) -> tuple[Any, ...]:
    return tuple(client.register_script(script) for script in _SCRIPTS)


def _unreadable_config(exc: BaseException) -> str:
    return (
        f"could not read the server's configuration (CONFIG GET: {type(exc).__name__}); "
        "make sure it persists (AOF) and never evicts these keys (maxmemory-policy noeviction)"
    )


def _config_warnings(found: Any) -> tuple[str, ...]:
    values = {_text(k): _text(v) for k, v in dict(found).items()}
    warnings: list[str] = []
    policy = values.get("maxmemory-policy")
    if policy is not None and policy != "noeviction":
        warnings.append(
            f"maxmemory-policy is {policy}: under memory pressure the server may evict "
            "decided and answered messages (every key has a TTL), which could then be "
            "decided again; use noeviction, or a server of their own"
        )
    if values.get("appendonly") == "no":
        warnings.append(
            "appendonly is no: a restart loses the decided and answered messages since the "
            "last snapshot, which could then be decided again; turn on AOF persistence"
        )
    return tuple(warnings)


def _claimed(extension_code: str, message_id: str, token: str, found: Any) -> Claim:
    if found is None:
        return Claim(extension_code, message_id, ClaimState.ACQUIRED, token)
    text = _text(found)
    kind = text[:1]
    if kind == "A":
        verdict = decode_verdict(text[1:])
        return Claim(extension_code, message_id, ClaimState.ANSWERED, None, verdict)
    if kind == "T":
        verdict = decode_verdict(text[1:])
        return Claim(extension_code, message_id, ClaimState.DECIDED, token, verdict)
    if kind in ("H", "D", "P"):  # P: a claim made by an earlier version of this store
        return Claim(extension_code, message_id, ClaimState.IN_PROGRESS)
    raise StoreError(
        "the key holds a value this SDK did not write; is the key_prefix shared?",
        operation="claim",
        message_id=message_id,
    )


def _hide_password(url: str | None) -> str | None:
    """``url`` without its password: in the user info (``:***@``) and in a ``password=``
    query option."""
    if url is None:
        return url
    scheme, sep, rest = url.partition("://")
    if not sep:
        scheme, rest = "", url
    if "@" in rest:
        credentials, _, host = rest.rpartition("@")
        user = credentials.partition(":")[0]
        rest = f"{user + ':' if user else ':'}***@{host}"
    if "=" in rest:
        import re

        rest = re.sub(r"(?i)([?&;]password=)[^&;#]*", r"\1***", rest)
    return f"{scheme}{sep}{rest}"
