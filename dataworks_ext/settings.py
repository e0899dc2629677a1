"""Extension parameters: what an extension's registration in DataWorks configures.

An extension's registration carries a parameter text, one ``key=value`` a line, which the
extension reads with ``GetExtension`` (DataWorks' page "Configure extension parameters").
:class:`ExtensionSettings` is that answer, typed: the built-in keys as fields, the author's
own keys in :attr:`ExtensionSettings.parameters`.  ``switched_off_by`` decides whether
the built-in blocklists switch a message off, and names the parameter that does;
:class:`SettingsCache` fetches the settings through a
:class:`~dataworks_ext.CallbackClient`, caches them with a TTL and refreshes them in the
background, one call at a time.

The parameter text is read by the documented rules: one ``key=value`` a line (blank lines
and lines without ``=`` are skipped, and noted in :attr:`ExtensionSettings.problems`); when
a key repeats, the last one wins; a key ending in ``.append`` adds its ids to the list of
the key without it.

Example:
    >>> from dataworks_ext.settings import ExtensionSettings
    >>> settings = ExtensionSettings.from_text(
    ...     "extension.project.disabled=23393\\n"
    ...     "extension.project.disabled.append=23394\\n"
    ...     "extension.project.freeze-node.disabled=10001\\n"
    ...     "extension.fileType.10.commit-file.enabled=false\\n"
    ...     "max.nodes=40\\n")
    >>> sorted(settings.disabled_workspaces), dict(settings.parameters)
    ([23393, 23394], {'max.nodes': '40'})
"""

from __future__ import annotations

import concurrent.futures
import logging
import threading
import time
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

import attrs

from ._audit import outside_message
from ._retry import RetryPolicy
from .errors import CallbackError, ConfigurationError

if TYPE_CHECKING:
    from .messages import EventMessage

__all__ = [
    "DISABLED",
    "MANUAL_PASS",
    "ExtensionSettings",
    "SettingsCache",
    "switched_off_by",
    "switched_off_tip",
]

logger = logging.getLogger("dataworks_ext.settings")

DISABLED = "extension.project.disabled"
"""The built-in key listing the workspaces where the extension does not take effect."""
MANUAL_PASS = "extension.manualPass.enabled"
"""The built-in key that shows DataWorks' "Mark as Passed" button."""

_APPEND = ".append"
_PROJECT = "extension.project."
_WHAT = "the extension's settings"
"""How errors and logs name a GetExtension call."""
_FILE_TYPE = "extension.fileType."
_DISABLED_SUFFIX = ".disabled"
_ENABLED_SUFFIX = ".enabled"
_TRUE = frozenset({"true", "1", "yes", "on"})
_FALSE = frozenset({"false", "0", "no", "off"})


def _frozen_ids(value: Iterable[int]) -> frozenset[int]:
    return frozenset(value)


def _frozen_map(value: Mapping[Any, Any]) -> Mapping[Any, Any]:
    return dict(value)


@attrs.frozen
class ExtensionSettings:
    """What ``GetExtension`` answers about an extension, with its parameters parsed.

    Build one with :meth:`from_text` (a parameter text) or :meth:`from_wire` (the
    ``Extension`` object of ``GetExtension``'s answer); :class:`SettingsCache` does the
    latter for an :class:`~dataworks_ext.Extension`.  A check that declares a parameter
    named ``settings`` is given the current settings (``None`` in a dry run, or while
    ``GetExtension`` has never answered).

    Example:
        >>> from dataworks_ext.settings import ExtensionSettings
        >>> settings = ExtensionSettings.from_text("owner=data-platform\\nowner=finance")
        >>> settings.parameters["owner"], settings.disabled_workspaces
        ('finance', frozenset())
    """

    extension_code: str = ""
    """``ExtensionCode``: the extension these settings belong to."""
    parameter_setting: str = ""
    """``ParameterSetting``: the parameter text as DataWorks holds it."""
    disabled_workspaces: frozenset[int] = attrs.field(factory=frozenset, converter=_frozen_ids)
    """``extension.project.disabled`` (and ``.append``): workspaces where the extension does
    not take effect."""
    disabled_by_event: Mapping[str, frozenset[int]] = attrs.field(
        factory=dict, converter=_frozen_map, hash=False
    )
    """``extension.project.{eventCode}.disabled`` (and ``.append``): per event code, the
    workspaces where that extension point is off."""
    file_types: Mapping[tuple[str, str], bool] = attrs.field(
        factory=dict, converter=_frozen_map, hash=False
    )
    """``extension.fileType.{fileType}.{eventCode}.enabled``: per (file type, event code),
    whether the extension takes effect for files of that type."""
    manual_pass: bool | None = None
    """``extension.manualPass.enabled``: whether DataWorks shows "Mark as Passed" (``None``:
    not set)."""
    parameters: Mapping[str, str] = attrs.field(factory=dict, converter=_frozen_map, hash=False)
    """The other keys (the author's own), last value of each."""
    problems: tuple[str, ...] = ()
    """Lines of the parameter text that could not be read, and why (they are skipped)."""
    name: str | None = None
    """``ExtensionName``."""
    description: str | None = None
    """``ExtensionDesc``."""
    status: int | None = None
    """``Status``: 0 testing, 1 publishing, 3 disabled, 4 approving, 5 approved, 6 approval
    failed."""
    project_testing: int | None = None
    """``ProjectTesting``: the workspace the extension is tested in."""
    detail_url: str | None = None
    """``DetailUrl``."""
    help_doc_url: str | None = None
    """``HelpDocUrl``."""
    option_setting: str | None = None
    """``OptionSetting``."""
    bound_events: tuple[str, ...] = ()
    """``BindEventList``: the event codes the extension is bound to."""

    @classmethod
    def from_text(
        cls, text: str | None, *, extension_code: str = "", **fields: Any
    ) -> ExtensionSettings:
        """Parse a parameter text (one ``key=value`` a line) into settings.

        Keys repeat: the last wins; ``.append`` keys add ids to the list of the key without
        the suffix (to its last value, wherever the lines stand).  Workspace ids are whole
        numbers; an id that is not is skipped and noted in :attr:`problems`.  Other keywords
        set the other fields (``status=``, ...).

        Example:
            >>> from dataworks_ext.settings import ExtensionSettings
            >>> s = ExtensionSettings.from_text(
            ...     "extension.project.disabled=1,2\\nextension.project.disabled=3\\n"
            ...     "extension.project.disabled.append=4\\nextension.manualPass.enabled=true\\n"
            ...     "extension.project.disabled.append=x")
            >>> sorted(s.disabled_workspaces), s.manual_pass, s.problems
            ([3, 4], True, ("line 5: extension.project.disabled.append: 'x' is not a workspace id",))
        """  # noqa: E501
        if text is not None and not isinstance(text, str):
            raise ConfigurationError(f"the parameter text must be a string, got {text!r}")
        last: dict[str, tuple[int, str]] = {}
        appended: dict[str, list[tuple[int, str]]] = {}
        problems: list[str] = []
        for number, raw in enumerate((text or "").splitlines(), start=1):
            line = raw.strip()
            if not line:
                continue
            key, sep, value = line.partition("=")
            key, value = key.strip(), value.strip()
            if not sep or not key:
                problems.append(f"line {number}: not key=value")
                continue
            if key.endswith(_APPEND) and _is_list_key(key[: -len(_APPEND)]):
                appended.setdefault(key[: -len(_APPEND)], []).append((number, value))
            else:
                last[key] = (number, value)
        disabled: set[int] = set()
        by_event: dict[str, set[int]] = {}
        file_types: dict[tuple[str, str], bool] = {}
        manual_pass: bool | None = None
        parameters: dict[str, str] = {}
        for key in sorted(set(last) | set(appended), key=_first_line(last, appended)):
            lines = ([last[key]] if key in last else []) + appended.get(key, [])
            if _is_list_key(key):
                ids = set()
                for number, value in lines:
                    name = key if number == last.get(key, (0, ""))[0] else key + _APPEND
                    ids.update(_ids(value, name, number, problems))
                if key == DISABLED:
                    disabled |= ids
                else:
                    by_event[key[len(_PROJECT) : -len(_DISABLED_SUFFIX)]] = ids
                continue
            number, value = last[key]
            if key == MANUAL_PASS:
                manual_pass = _flag(value, key, number, problems)
            elif key.startswith(_FILE_TYPE) and key.endswith(_ENABLED_SUFFIX):
                middle = key[len(_FILE_TYPE) : -len(_ENABLED_SUFFIX)]
                file_type, dot, code = middle.rpartition(".")
                flag = _flag(value, key, number, problems)
                if not dot or not file_type or not code:
                    problems.append(f"line {number}: {key}: expected {_FILE_TYPE}TYPE.CODE.enabled")
                elif flag is not None:
                    file_types[(file_type, code)] = flag
            else:
                parameters[key] = value
        return cls(
            extension_code=extension_code,
            parameter_setting=text or "",
            disabled_workspaces=frozenset(disabled),
            disabled_by_event={code: frozenset(ids) for code, ids in by_event.items()},
            file_types=file_types,
            manual_pass=manual_pass,
            parameters=parameters,
            problems=tuple(problems),
            **fields,
        )

    @classmethod
    def from_wire(cls, extension: Mapping[str, Any]) -> ExtensionSettings:
        """Settings from the ``Extension`` object of ``GetExtension``'s answer.

        Example:
            >>> from dataworks_ext.settings import ExtensionSettings
            >>> s = ExtensionSettings.from_wire({
            ...     "ExtensionCode": "ext", "Status": 1, "ProjectTesting": 23393,
            ...     "ParameterSetting": "extension.project.disabled=5",
            ...     "BindEventList": [{"EventCode": "freeze-node", "EventName": "Freeze"}]})
            >>> s.status, s.bound_events, s.disabled_workspaces
            (1, ('freeze-node',), frozenset({5}))
        """
        if not isinstance(extension, Mapping):
            raise ConfigurationError(
                f"GetExtension answered no Extension object, got {type(extension).__name__}"
            )
        events = extension.get("BindEventList") or []
        return cls.from_text(
            _text(extension.get("ParameterSetting")) or "",
            extension_code=_text(extension.get("ExtensionCode")) or "",
            name=_text(extension.get("ExtensionName")),
            description=_text(extension.get("ExtensionDesc")),
            status=_int(extension.get("Status")),
            project_testing=_int(extension.get("ProjectTesting")),
            detail_url=_text(extension.get("DetailUrl")),
            help_doc_url=_text(extension.get("HelpDocUrl")),
            option_setting=_text(extension.get("OptionSetting")),
            bound_events=tuple(
                str(item["EventCode"])
                for item in events
                if isinstance(item, Mapping) and item.get("EventCode")
            ),
        )

    def to_wire(self) -> dict[str, Any]:
        """The ``Extension`` object ``GetExtension`` answers with for these settings.

        Example:
            >>> from dataworks_ext.settings import ExtensionSettings
            >>> ExtensionSettings.from_text("a=1", extension_code="ext").to_wire()[
            ...     "ParameterSetting"]
            'a=1'
        """
        wire: dict[str, Any] = {
            "ExtensionCode": self.extension_code,
            "ParameterSetting": self.parameter_setting,
            "BindEventList": [{"EventCode": code} for code in self.bound_events],
        }
        optional = {
            "ExtensionName": self.name,
            "ExtensionDesc": self.description,
            "Status": self.status,
            "ProjectTesting": self.project_testing,
            "DetailUrl": self.detail_url,
            "HelpDocUrl": self.help_doc_url,
            "OptionSetting": self.option_setting,
        }
        wire.update({key: value for key, value in optional.items() if value is not None})
        return wire

    def switched_off_by(self, message: EventMessage) -> str | None:
        """The parameter that switches ``message`` off (see ``switched_off_by``).

        Example:
            >>> from dataworks_ext.settings import ExtensionSettings
            >>> from dataworks_ext.testing import freeze_event
            >>> s = ExtensionSettings.from_text("extension.project.disabled=23393")
            >>> s.switched_off_by(freeze_event(project_id=23393))
            'extension.project.disabled'
        """
        return switched_off_by(self, message)


def switched_off_by(settings: ExtensionSettings, message: EventMessage) -> str | None:
    """The built-in parameter that switches ``message`` off, or ``None`` when none does.

    In order: ``extension.project.disabled`` (the message's workspace is listed),
    ``extension.project.{eventCode}.disabled`` (listed for the message's event code), and
    ``extension.fileType.{fileType}.{eventCode}.enabled`` set to false for the file type of
    a DataStudio file event.  A pure function: no I/O, no clock.

    Example:
        >>> from dataworks_ext.settings import ExtensionSettings, switched_off_by
        >>> from dataworks_ext.testing import commit_file_event, freeze_event
        >>> s = ExtensionSettings.from_text("extension.project.freeze-node.disabled=7\\n"
        ...                                 "extension.fileType.10.commit-file.enabled=false")
        >>> switched_off_by(s, freeze_event(project_id=7))
        'extension.project.freeze-node.disabled'
        >>> switched_off_by(s, freeze_event(project_id=8)) is None
        True
        >>> switched_off_by(s, commit_file_event(file_type=10))
        'extension.fileType.10.commit-file.enabled'
    """
    event = message.event
    project_id = getattr(event, "project_id", None)
    code = event.event_code
    if project_id is not None:
        if project_id in settings.disabled_workspaces:
            return DISABLED
        listed = settings.disabled_by_event.get(code)
        if listed is not None and project_id in listed:
            return f"{_PROJECT}{code}{_DISABLED_SUFFIX}"
    file_type = getattr(event, "file_type", None)
    if file_type is not None and settings.file_types:
        key = (str(file_type), code)
        if settings.file_types.get(key) is False:
            return f"{_FILE_TYPE}{key[0]}.{code}{_ENABLED_SUFFIX}"
    return None


def switched_off_tip(parameter: str, message: EventMessage) -> str:
    """The tip of the OK answer to a message a parameter switched off.

    Example:
        >>> from dataworks_ext.settings import switched_off_tip
        >>> from dataworks_ext.testing import freeze_event
        >>> switched_off_tip("extension.project.disabled", freeze_event(project_id=7))
        'not checked: the extension parameter extension.project.disabled switches the extension off here (workspace 7)'
    """  # noqa: E501
    where = getattr(message.event, "project_id", None)
    place = "" if where is None else f" (workspace {where})"
    return (
        f"not checked: the extension parameter {parameter} switches the extension off here{place}"
    )


def _is_list_key(key: str) -> bool:
    return key == DISABLED or (
        key.startswith(_PROJECT) and key.endswith(_DISABLED_SUFFIX) and len(key) > len(DISABLED)
    )


def _first_line(
    last: dict[str, tuple[int, str]], appended: dict[str, list[tuple[int, str]]]
) -> Any:
    def first(key: str) -> int:
        numbers = [last[key][0]] if key in last else []
        numbers += [number for number, _ in appended.get(key, [])]
        return min(numbers)

    return first


def _ids(value: str, key: str, number: int, problems: list[str]) -> set[int]:
    found: set[int] = set()
    for part in value.split(","):
        item = part.strip()
        if not item:
            continue
        if item.isdigit():
            found.add(int(item))
        else:
            problems.append(f"line {number}: {key}: {item!r} is not a workspace id")
    return found


def _flag(value: str, key: str, number: int, problems: list[str]) -> bool | None:
    folded = value.strip().lower()
    if folded in _TRUE:
        return True
    if folded in _FALSE:
        return False
    problems.append(f"line {number}: {key}: {value!r} is not true or false")
    return None


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _int(value: Any) -> int | None:
    try:
        return None if value is None or isinstance(value, bool) else int(value)
    except (TypeError, ValueError):
        return None


# ---------------------------------------------------------------------------- the cache


class SettingsCache:
    """The settings of one extension, fetched with ``GetExtension`` and kept ``ttl`` seconds.

    :meth:`get` (or :meth:`get_async`) answers from the cache; the first call fetches (the
    callers of that moment share the one call); once the settings are older than ``ttl``,
    the next call starts a refresh in the background (a thread, or a task on the running
    loop) and answers with the settings it has: a message never waits for a refresh, and
    at most one ``GetExtension`` is in flight.  The calls go through the client's retried
    path (its credentials, retry policy, deadline and rate limiter).

    When ``GetExtension`` fails, the last good settings keep serving and a warning is
    logged; with none yet, :meth:`get` answers ``None`` and the next fetch waits
    ``retry_after`` seconds.

    Args:
        client: The :class:`~dataworks_ext.CallbackClient` to call ``GetExtension`` through.
        extension_code: The extension whose settings to fetch.
        ttl: Seconds the settings are fresh.
        retry_after: Seconds to wait after a failed fetch before trying again.
        fetch_deadline: Seconds one fetch may take, retries included (the first message
            waits for the first fetch: this bounds that wait), at most the client's
            ``deadline``.

    Example:
        >>> from dataworks_ext.settings import ExtensionSettings, SettingsCache
        >>> from dataworks_ext.testing import LocalDataWorks
        >>> with LocalDataWorks() as local:
        ...     local.set_extension_settings("ext", "extension.project.disabled=7")
        ...     cache = SettingsCache(local.client(), "ext", ttl=60)
        ...     cache.get().disabled_workspaces, cache.get() is cache.get()
        ...     local.calls_for("GetExtension")
        (frozenset({7}), True)
        1
    """

    def __init__(
        self,
        client: Any,
        extension_code: str,
        *,
        ttl: float = 60.0,
        retry_after: float = 10.0,
        fetch_deadline: float = 5.0,
    ) -> None:
        if not callable(getattr(client, "call", None)):
            raise ConfigurationError(
                f"client must be a CallbackClient, got {type(client).__name__}"
            )
        for name, value in (
            ("ttl", ttl),
            ("retry_after", retry_after),
            ("fetch_deadline", fetch_deadline),
        ):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
                raise ConfigurationError(f"{name} must be a positive number of seconds")
        self.client = client
        self.extension_code = extension_code
        self.ttl = float(ttl)
        self.retry_after = float(retry_after)
        retry = getattr(client, "retry", None)
        self._retry: Any = None
        if isinstance(retry, RetryPolicy):
            self._retry = RetryPolicy(
                max_attempts=retry.max_attempts,
                backoff_base=retry.backoff_base,
                backoff_cap=retry.backoff_cap,
                deadline=min(float(fetch_deadline), retry.deadline),
            )
        self._lock = threading.Lock()
        self._settings: ExtensionSettings | None = None
        self._fresh_until = 0.0
        self._fetched_at: float | None = None
        self._retry_at = 0.0
        self._inflight: concurrent.futures.Future[ExtensionSettings | None] | None = None
        self._tasks: set[Any] = set()
        self.fetches = 0
        """Calls of ``GetExtension`` made (retries of one call count once)."""
        self.failures = 0
        """Fetches that failed."""

    def __repr__(self) -> str:
        return f"SettingsCache({self.extension_code!r}, ttl={self.ttl:g})"

    @property
    def current(self) -> ExtensionSettings | None:
        """The settings held now, fresh or not (``None`` before the first good fetch); no I/O.

        Example:
            >>> from dataworks_ext import CallbackClient
            >>> from dataworks_ext.settings import SettingsCache
            >>> cache = SettingsCache(CallbackClient(region_id="cn-shanghai"), "ext")
            >>> cache.current is None  # nothing fetched yet, and nothing called to tell
            True
        """
        return self._settings

    @property
    def age(self) -> float | None:
        """Seconds since the settings held were fetched (``None``: none yet).

        Example:
            >>> from dataworks_ext.settings import SettingsCache
            >>> from dataworks_ext.testing import LocalDataWorks
            >>> with LocalDataWorks() as local:
            ...     cache = SettingsCache(local.client(), "ext", ttl=60)
            ...     unfetched = cache.age
            ...     _ = cache.get()
            ...     unfetched, 0 <= cache.age < 60
            (None, True)
        """
        fetched = self._fetched_at
        return None if fetched is None else time.monotonic() - fetched

    def invalidate(self) -> None:
        """Make the settings stale now: the next :meth:`get` refreshes them in the background.

        Example:
            >>> from dataworks_ext import CallbackClient
            >>> from dataworks_ext.settings import SettingsCache
            >>> cache = SettingsCache(CallbackClient(region_id="cn-beijing"), "ext")
            >>> cache.invalidate(); cache.current is None
            True
        """
        with self._lock:
            self._fresh_until = 0.0
            self._retry_at = 0.0

    # ------------------------------------------------------------------ sync

    def get(self) -> ExtensionSettings | None:
        """The settings: cached, fetched on first need, refreshed in the background when stale.

        Example:
            >>> from dataworks_ext.settings import SettingsCache
            >>> from dataworks_ext.testing import LocalDataWorks
            >>> with LocalDataWorks() as local:
            ...     local.inject("forbidden", action="GetExtension")
            ...     SettingsCache(local.client(), "ext").get() is None
            True
        """
        settings, future, mine = self._wanted()
        if future is None:
            return settings
        if settings is not None:  # stale: refresh behind the message
            if mine:
                threading.Thread(
                    target=self._fetch, args=(future,), name="dataworks-settings", daemon=True
                ).start()
            return settings
        if mine:
            self._fetch(future)
        return future.result()

    def refresh(self) -> ExtensionSettings | None:
        """Fetch now (joining a fetch in flight) and answer what is held afterwards.

        Example:
            >>> from dataworks_ext.settings import SettingsCache
            >>> from dataworks_ext.testing import LocalDataWorks
            >>> with LocalDataWorks() as local:
            ...     cache = SettingsCache(local.client(), "ext")
            ...     cache.refresh().extension_code
            'ext'
        """
        future, mine = self._claim(time.monotonic(), force=True)
        assert future is not None
        if mine:
            self._fetch(future)
        future.result()
        return self._settings

    def _fetch(self, future: concurrent.futures.Future[ExtensionSettings | None]) -> None:
        with outside_message():  # not one of the message's calls, in its audit trail
            try:
                body = self.client.call(*self._request(), what=_WHAT, retry=self._retry)
                self._done(future, body, None)
            except BaseException as exc:
                if self._failed(future, exc):
                    raise

    # ------------------------------------------------------------------ async

    async def get_async(self) -> ExtensionSettings | None:
        """:meth:`get`, without blocking the event loop (a refresh runs as a task).

        Example:
            >>> import asyncio
            >>> from dataworks_ext.settings import SettingsCache
            >>> from dataworks_ext.testing import LocalDataWorks
            >>> with LocalDataWorks() as local:
            ...     local.set_extension_settings("ext", "owner=finance")
            ...     settings = asyncio.run(SettingsCache(local.client(), "ext").get_async())
            ...     settings.parameters["owner"]
            'finance'
        """
        import asyncio

        settings, future, mine = self._wanted()
        if future is None:
            return settings
        if mine:  # a task of its own: a message cancelled meanwhile does not cancel it
            task = asyncio.get_running_loop().create_task(self._fetch_async(future))
            self._tasks.add(task)  # keep a reference until it ends
            task.add_done_callback(self._tasks.discard)
        if settings is not None:
            return settings
        return await asyncio.shield(asyncio.wrap_future(future))

    async def _fetch_async(
        self, future: concurrent.futures.Future[ExtensionSettings | None]
    ) -> None:
        with outside_message():
            try:
                body = await self.client.call_async(*self._request(), what=_WHAT, retry=self._retry)
                self._done(future, body, None)
            except BaseException as exc:
                if self._failed(future, exc):
                    raise

    # ------------------------------------------------------------------ shared

    def _wanted(
        self,
    ) -> tuple[
        ExtensionSettings | None, concurrent.futures.Future[ExtensionSettings | None] | None, bool
    ]:
        """The settings held; unless they are fresh, the fetch to wait for (``None``: none
        may start yet) and whether making it falls to this caller."""
        settings = self._settings
        now = time.monotonic()
        if settings is not None and now < self._fresh_until:
            return settings, None, False
        future, mine = self._claim(now)
        return settings, future, mine

    def _failed(
        self, future: concurrent.futures.Future[ExtensionSettings | None], exc: BaseException
    ) -> bool:
        """Settle ``future`` with the fetch's failure; whether ``exc`` must go on (it is no
        Exception: an interrupt, a cancellation)."""
        self._done(future, None, exc)
        return not isinstance(exc, Exception)

    def _request(self) -> tuple[str, str, dict[str, Any], bool]:
        # GetExtension answers RequestId and Extension, with no Success field.
        return (
            "get_extension",
            "GetExtensionRequest",
            {"extension_code": self.extension_code},
            False,
        )

    def _claim(
        self, now: float, *, force: bool = False
    ) -> tuple[concurrent.futures.Future[ExtensionSettings | None] | None, bool]:
        """(the fetch in flight or a new one, whether the caller must make it); ``(None,
        False)`` when no fetch is due (fresh again, or waiting ``retry_after``)."""
        with self._lock:
            inflight = self._inflight
            if inflight is not None:
                return inflight, False
            if not force:
                if self._settings is not None and now < self._fresh_until:
                    return None, False
                if now < self._retry_at:
                    return None, False
            future: concurrent.futures.Future[ExtensionSettings | None] = (
                concurrent.futures.Future()
            )
            self._inflight = future
            self.fetches += 1
            return future, True

    def _done(
        self,
        future: concurrent.futures.Future[ExtensionSettings | None],
        body: Any,
        error: BaseException | None,
    ) -> None:
        settings: ExtensionSettings | None = None
        if error is None:
            try:
                settings = _read(body, self.extension_code)
            except ConfigurationError as exc:
                error = exc
        now = time.monotonic()
        with self._lock:
            if settings is not None:
                self._settings = settings
                self._fresh_until = now + self.ttl
                self._fetched_at = now
                self._retry_at = 0.0
            else:
                self.failures += 1
                self._retry_at = now + self.retry_after
                if self._settings is not None:  # keep serving them; try again later
                    self._fresh_until = now + self.retry_after
            self._inflight = None
            held = self._settings
        if error is not None:
            self._warn(error, held)
        future.set_result(held)

    def _warn(self, error: BaseException, held: ExtensionSettings | None) -> None:
        if isinstance(error, CallbackError):
            why = f"{error.reason} ({error.code or 'no code'})"
        else:
            why = type(error).__name__
        if held is not None:
            logger.warning(
                "GetExtension failed for %s: %s; the settings fetched %.0fs ago still serve",
                self.extension_code,
                why,
                self.age or 0.0,
            )
        else:
            logger.warning(
                "GetExtension failed for %s: %s; no extension settings yet: messages are "
                "checked without honouring the extension parameters",
                self.extension_code,
                why,
            )


def _read(body: Any, extension_code: str) -> ExtensionSettings:
    extension = getattr(body, "extension", None)
    if extension is None:
        raise ConfigurationError(f"GetExtension answered no Extension for {extension_code}")
    wire = extension.to_map() if hasattr(extension, "to_map") else extension
    settings = ExtensionSettings.from_wire(wire)
    if not settings.extension_code:
        settings = attrs.evolve(settings, extension_code=extension_code)
    return settings
