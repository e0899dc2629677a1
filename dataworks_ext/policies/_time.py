"""Clocks and time zones, and the readers of instants, times and weekdays in configurations."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ._common import config_error, describe

__all__ = [
    "NAIVE_HINT",
    "TICK",
    "UTC",
    "WEEKDAYS",
    "Clock",
    "at",
    "datetime_value",
    "format_instant",
    "name_value",
    "require_aware",
    "system_clock",
    "time_of_day",
    "time_zone",
    "weekday",
    "weekly_point",
    "zone_label",
]

Clock = Callable[[], _dt.datetime]
"""A function returning the current time as an aware datetime (inject one in tests)."""

UTC = _dt.timezone.utc
TICK = _dt.timedelta(microseconds=1)
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_DAY_NUMBER = {
    **{d: i for i, d in enumerate(WEEKDAYS)},
    **{d[:3]: i for i, d in enumerate(WEEKDAYS)},
}
NAIVE_HINT = "give it a time zone, e.g. datetime(2024, 4, 30, tzinfo=ZoneInfo('Asia/Shanghai'))"


def system_clock() -> _dt.datetime:
    """The current time in UTC: the clock every rule uses unless given another.

    Example:
        >>> from dataworks_ext.policies import system_clock
        >>> system_clock().utcoffset()
        datetime.timedelta(0)
    """
    return _dt.datetime.now(UTC)


def require_aware(value: object, key: str) -> _dt.datetime:
    """``value`` if it is an aware datetime; else :class:`~dataworks_ext.ConfigurationError`.

    Example:
        >>> import datetime
        >>> from dataworks_ext.policies import require_aware
        >>> require_aware(datetime.datetime(2024, 4, 30, 12), "start")
        Traceback (most recent call last):
        ...
        dataworks_ext.errors.ConfigurationError: start: is a naive datetime (2024-04-30T12:00:00); give it a time zone, e.g. datetime(2024, 4, 30, tzinfo=ZoneInfo('Asia/Shanghai'))
    """  # noqa: E501
    if not isinstance(value, _dt.datetime):
        raise config_error(key, f"must be a datetime, got {describe(value)}")
    if value.utcoffset() is None:
        raise config_error(key, f"is a naive datetime ({value.isoformat()}); {NAIVE_HINT}")
    return value


def time_zone(value: object, key: str) -> _dt.tzinfo:
    """A tzinfo from a tzinfo or an IANA name."""
    if isinstance(value, _dt.tzinfo):
        return value
    if isinstance(value, str) and value.strip():
        try:
            return ZoneInfo(value.strip())
        except (ZoneInfoNotFoundError, ValueError):
            pass
    raise config_error(
        key, f"must be a time zone such as 'Asia/Shanghai' (an IANA name), got {describe(value)}"
    )


def zone_label(tz: _dt.tzinfo | None) -> str:
    """``Asia/Shanghai`` for a ZoneInfo, ``UTC+08:00`` for a fixed offset."""
    key = getattr(tz, "key", None)
    return str(key) if key else str(tz)


def format_instant(moment: _dt.datetime) -> str:
    """``2024-05-01 00:00 Asia/Shanghai``: how tips show an instant."""
    shape = "%Y-%m-%d %H:%M:%S" if moment.second or moment.microsecond else "%Y-%m-%d %H:%M"
    return f"{moment.strftime(shape)} {zone_label(moment.tzinfo)}"


def datetime_value(value: object, key: str) -> _dt.datetime:
    if isinstance(value, str):
        text = value.strip()
        if text[-1:] in ("Z", "z"):
            text = text[:-1] + "+00:00"
        try:
            value = _dt.datetime.fromisoformat(text)
        except ValueError:
            raise config_error(
                key, f"must be an ISO 8601 date-time with offset, got {describe(value)}"
            ) from None
    return require_aware(value, key)


def time_of_day(value: object, key: str) -> _dt.time:
    if isinstance(value, str):
        text = value.strip()
        if text in ("24:00", "24:00:00"):
            return _dt.time(0)
        try:
            value = _dt.time.fromisoformat(text)
        except ValueError:
            raise config_error(
                key, f"must be a time of day (HH:MM), got {describe(value)}"
            ) from None
    if not isinstance(value, _dt.time):
        raise config_error(key, f"must be a time of day (HH:MM), got {describe(value)}")
    if value.tzinfo is not None:
        raise config_error(key, "is a wall-clock time: give the time zone as 'timezone' instead")
    return value


def weekday(value: object, key: str) -> int:
    name = value.strip().lower() if isinstance(value, str) else None
    if name not in _DAY_NUMBER:
        raise config_error(key, f"must be a day of the week (mon ... sun), got {describe(value)}")
    return _DAY_NUMBER[name]


def weekly_point(value: object, key: str) -> tuple[int, _dt.time]:
    if not isinstance(value, str) or not value.split():
        raise config_error(
            key, f"must be a day and time such as 'sat 00:00', got {describe(value)}"
        )
    day, *rest = value.split()
    if len(rest) > 1:
        raise config_error(
            key, f"must be a day and time such as 'sat 00:00', got {describe(value)}"
        )
    return weekday(day, key), time_of_day(rest[0], key) if rest else _dt.time(0)


def name_value(value: object, key: str = "name") -> str:
    if not isinstance(value, str) or not value.strip():
        raise config_error(key, f"must be a non-empty string, got {describe(value)}")
    return value.strip()


def at(day: _dt.date, at: _dt.time, tz: _dt.tzinfo) -> _dt.datetime:
    """The instant of a wall-clock time, in UTC."""
    return _dt.datetime.combine(day, at, tzinfo=tz).astimezone(UTC)
