"""Change-freeze windows: explicit ranges and recurring ones, read from configuration.

Every instant is time-zone aware.  Recurring windows are defined in wall-clock time of their
own time zone (an IANA name such as ``Asia/Shanghai``) and compared as instants, so daylight
saving time changes neither their meaning nor the comparison.  A window contains its start and
not its end: ``[start, end)``.
"""

from __future__ import annotations

import abc
import datetime as _dt
from collections.abc import Callable, Iterable, Mapping
from typing import Any, ClassVar

import attrs

from ..errors import ConfigurationError
from ._common import (
    Reader,
    config_error,
    describe,
    normalize_type,
)
from ._time import (
    TICK,
    UTC,
    WEEKDAYS,
    at,
    datetime_value,
    name_value,
    require_aware,
    time_of_day,
    time_zone,
    weekday,
    weekly_point,
    zone_label,
)

__all__ = [
    "Daily",
    "Dates",
    "Monthly",
    "Occurrence",
    "TimeRange",
    "Weekly",
    "Window",
    "window_from_dict",
]

_MAX_CHAIN = 400  # occurrences joined into one (a fully selected month never ends otherwise)
_DAY_NUMBER = {
    **{d: i for i, d in enumerate(WEEKDAYS)},
    **{d[:3]: i for i, d in enumerate(WEEKDAYS)},
}


@attrs.frozen
class Occurrence:
    """One stretch of time a window is in effect: from ``start`` (inside) to ``end`` (outside).

    ``start`` and ``end`` are aware datetimes in the window's time zone.  Python compares and
    subtracts datetimes that share a tzinfo by their wall-clock time; convert them to UTC
    first to measure an occurrence across a daylight-saving change.

    Example:
        >>> import datetime
        >>> from dataworks_ext.policies import Monthly
        >>> now = datetime.datetime(2024, 4, 30, 15, 0, tzinfo=datetime.timezone.utc)
        >>> occurrence = Monthly.month_end(timezone="Asia/Shanghai").active(now)
        >>> print(occurrence.name, occurrence.end)
        the month-end close 2024-05-01 00:00:00+08:00
    """

    name: str
    """The window's name."""
    start: _dt.datetime
    """The first instant of the occurrence."""
    end: _dt.datetime
    """The first instant after it."""


class Window(abc.ABC):
    """A named stretch of time, one-off or recurring.  Subclass it for your own calendar.

    A subclass sets :attr:`name` and :attr:`timezone` and implements ``_find(now)``.  Touching
    occurrences are joined: a window on the last two days of each month is one occurrence of
    two days, and on its first day it ends when the second day does.

    Example:
        >>> import datetime
        >>> from dataworks_ext.policies import Weekly
        >>> weekend = Weekly.weekends(timezone="Asia/Shanghai")
        >>> saturday = datetime.datetime(2024, 4, 27, 9, 30, tzinfo=weekend.timezone)
        >>> saturday in weekend, saturday + datetime.timedelta(days=2) in weekend
        (True, False)
    """

    name: str
    """The name tips use: "month-end close", "weekend", "year-end release freeze"."""
    timezone: _dt.tzinfo
    """The time zone the window is defined in, and in which tips show its end."""

    @abc.abstractmethod
    def _find(self, now: _dt.datetime) -> tuple[_dt.datetime, _dt.datetime] | None:
        """The ``[start, end)`` occurrence (UTC instants) containing ``now`` (UTC), if any."""

    def active(self, now: _dt.datetime) -> Occurrence | None:
        """The occurrence in effect at ``now`` (an aware datetime), or ``None``.

        Example:
            >>> import datetime
            >>> from dataworks_ext.policies import Daily
            >>> nightly = Daily("22:00", "06:00", timezone="Asia/Shanghai", name="nightly batch")
            >>> late = datetime.datetime(2024, 4, 30, 23, 0, tzinfo=nightly.timezone)
            >>> nightly.active(late).end.isoformat()
            '2024-05-01T06:00:00+08:00'
        """
        moment = require_aware(now, "now").astimezone(UTC)
        found = self._find(moment)
        if found is None:
            return None
        start, end = found
        for _ in range(_MAX_CHAIN):  # join touching or overlapping occurrences
            after = self._find(end)
            if after is None or after[1] <= end:
                break
            end = after[1]
        for _ in range(_MAX_CHAIN):
            before = self._find(start - TICK)
            if before is None or before[0] >= start:
                break
            start = before[0]
        return Occurrence(self.name, start.astimezone(self.timezone), end.astimezone(self.timezone))

    def __contains__(self, now: object) -> bool:
        if not isinstance(now, _dt.datetime):
            return False
        return self.active(now) is not None


class TimeRange(Window):
    """A one-off window between two aware instants: ``start`` inside, ``end`` outside.

    Args:
        start: The first instant of the window (aware).
        end: The first instant after it (aware, later than ``start``); tips show it in its own
            time zone.
        name: What tips call the window.

    Example:
        >>> import datetime
        >>> from zoneinfo import ZoneInfo
        >>> from dataworks_ext.policies import TimeRange
        >>> shanghai = ZoneInfo("Asia/Shanghai")
        >>> freeze = TimeRange(datetime.datetime(2024, 12, 20, tzinfo=shanghai),
        ...                    datetime.datetime(2025, 1, 3, tzinfo=shanghai),
        ...                    name="year-end release freeze")
        >>> datetime.datetime(2024, 12, 20, tzinfo=shanghai) in freeze
        True
        >>> datetime.datetime(2025, 1, 3, tzinfo=shanghai) in freeze
        False
    """

    kind: ClassVar[str] = "range"

    def __init__(self, start: _dt.datetime, end: _dt.datetime, *, name: str) -> None:
        self.start = require_aware(start, "start")
        self.end = require_aware(end, "end")
        # Instants, compared in UTC: datetimes sharing a tzinfo compare by wall-clock time,
        # which misorders the repeated hour when clocks go back.
        self._span = (self.start.astimezone(UTC), self.end.astimezone(UTC))
        if self._span[1] <= self._span[0]:
            raise config_error("end", f"must be later than start ({self.start.isoformat()})")
        self.name = name_value(name)
        tz = self.end.tzinfo
        assert tz is not None
        self.timezone = tz

    def __repr__(self) -> str:
        return (
            f"TimeRange({self.start.isoformat()!r}, {self.end.isoformat()!r}, name={self.name!r})"
        )

    def _find(self, now: _dt.datetime) -> tuple[_dt.datetime, _dt.datetime] | None:
        return _covering(now, [self._span])

    def active(self, now: _dt.datetime) -> Occurrence | None:
        """The window itself while ``now`` is inside it, else ``None``.

        Example:
            >>> import datetime
            >>> from dataworks_ext.policies import TimeRange
            >>> utc = datetime.timezone.utc
            >>> window = TimeRange(datetime.datetime(2024, 1, 1, tzinfo=utc),
            ...                    datetime.datetime(2024, 1, 2, tzinfo=utc), name="new year")
            >>> window.active(datetime.datetime(2024, 1, 1, 12, tzinfo=utc)).name
            'new year'
        """
        moment = require_aware(now, "now").astimezone(UTC)
        start, end = self._span
        return Occurrence(self.name, self.start, self.end) if start <= moment < end else None

    @classmethod
    def from_dict(
        cls, config: Mapping[str, Any], *, timezone: str | _dt.tzinfo | None = None
    ) -> TimeRange:
        """Build from ``{"start": ..., "end": ..., "name": ...}``; ISO 8601 with an offset.

        A date-time without an offset is refused.  With a ``timezone`` (in the mapping, else
        the one passed in), the instants are shown in that zone in tips.

        Example:
            >>> from dataworks_ext.policies import TimeRange
            >>> window = TimeRange.from_dict({"name": "release freeze",
            ...                               "start": "2024-12-20T00:00:00+08:00",
            ...                               "end": "2025-01-03T00:00:00+08:00"})
            >>> window.end.isoformat()
            '2025-01-03T00:00:00+08:00'
            >>> TimeRange.from_dict({"name": "release freeze", "timezone": "Asia/Shanghai",
            ...                      "start": "2024-12-19T16:00:00Z",
            ...                      "end": "2025-01-02T16:00:00Z"}).end.tzinfo
            zoneinfo.ZoneInfo(key='Asia/Shanghai')
        """
        reader = Reader(config, cls.kind, ("name", "start", "end", "timezone"))
        start = datetime_value(reader.required("start"), "start")
        end = datetime_value(reader.required("end"), "end")
        zone = reader.optional("timezone", timezone)
        if zone is not None:
            shown = time_zone(zone, "timezone")
            start, end = start.astimezone(shown), end.astimezone(shown)
        return cls(start, end, name=reader.required("name"))


class Daily(Window):
    """A window at the same wall-clock hours every day, or on the given days of the week.

    When ``end`` is not after ``start`` the window runs past midnight into the next day.

    Args:
        start: Wall-clock time it begins (``"22:00"`` or a :class:`datetime.time`).
        end: Wall-clock time it ends (``"24:00"`` is midnight).
        timezone: The time zone of those wall-clock times (IANA name or tzinfo).
        name: What tips call the window.
        days: The days of the week on which it begins (``["mon", "tue"]``); every day if
            omitted.

    Example:
        >>> import datetime
        >>> from dataworks_ext.policies import Daily
        >>> batch = Daily("22:00", "06:00", timezone="Asia/Shanghai", name="nightly batch",
        ...               days=["mon", "tue", "wed", "thu", "fri"])
        >>> friday_night = datetime.datetime(2024, 4, 26, 23, 30, tzinfo=batch.timezone)
        >>> saturday_night = datetime.datetime(2024, 4, 27, 23, 30, tzinfo=batch.timezone)
        >>> friday_night in batch, saturday_night in batch
        (True, False)
    """

    kind: ClassVar[str] = "daily"

    def __init__(
        self,
        start: _dt.time | str,
        end: _dt.time | str,
        *,
        timezone: str | _dt.tzinfo,
        name: str,
        days: Iterable[str] | None = None,
    ) -> None:
        self.start = time_of_day(start, "start")
        self.end = time_of_day(end, "end")
        if self.start == self.end:
            raise config_error(
                "end", "equals start: a daily window must be shorter than a day (use Weekly)"
            )
        self.timezone = time_zone(timezone, "timezone")
        self.name = name_value(name)
        if days is None:
            self.days: frozenset[int] = frozenset(range(7))
        else:
            if isinstance(days, str) or not isinstance(days, Iterable):
                raise config_error("days", f"must be a list of days, got {describe(days)}")
            self.days = frozenset(weekday(d, f"days[{i}]") for i, d in enumerate(days))
            if not self.days:
                raise config_error("days", "must name at least one day, or be left out")

    def __repr__(self) -> str:
        days = ""
        if len(self.days) < 7:
            days = f", days={[WEEKDAYS[d][:3] for d in sorted(self.days)]!r}"
        return (
            f"Daily({self.start.isoformat('minutes')!r}, {self.end.isoformat('minutes')!r}, "
            f"timezone={zone_label(self.timezone)!r}, name={self.name!r}{days})"
        )

    def _find(self, now: _dt.datetime) -> tuple[_dt.datetime, _dt.datetime] | None:
        today = now.astimezone(self.timezone).date()
        overnight = _dt.timedelta(days=1 if self.end <= self.start else 0)
        days = (today + _dt.timedelta(days=offset) for offset in (-1, 0, 1))
        return _covering(
            now,
            (
                (at(day, self.start, self.timezone), at(day + overnight, self.end, self.timezone))
                for day in days
                if day.weekday() in self.days
            ),
        )

    @classmethod
    def from_dict(
        cls, config: Mapping[str, Any], *, timezone: str | _dt.tzinfo | None = None
    ) -> Daily:
        """Build from ``{"start": "22:00", "end": "06:00", "name": ..., "timezone": ...}``.

        ``timezone`` is the default when the mapping has none.

        Example:
            >>> from dataworks_ext.policies import Daily
            >>> Daily.from_dict({"start": "22:00", "end": "06:00", "name": "nightly batch"},
            ...                 timezone="Asia/Shanghai")
            Daily('22:00', '06:00', timezone='Asia/Shanghai', name='nightly batch')
        """
        reader = Reader(config, cls.kind, ("name", "start", "end", "timezone", "days"))
        return cls(
            reader.required("start"),
            reader.required("end"),
            timezone=_zone_from(reader, timezone),
            name=reader.required("name"),
            days=reader.optional("days"),
        )


class Weekly(Window):
    """A window that recurs every week, from a day and time to a day and time.

    Args:
        start: Day and wall-clock time it begins: ``"fri 18:00"``, ``"sat"`` (midnight).
        end: Day and time it ends: ``"mon 08:00"``; it may wrap past Sunday.
        timezone: The time zone of those wall-clock times (IANA name or tzinfo).
        name: What tips call the window.

    Example:
        >>> import datetime
        >>> from dataworks_ext.policies import Weekly
        >>> weekend = Weekly("fri 18:00", "mon 08:00", timezone="Asia/Shanghai",
        ...                  name="weekend change freeze")
        >>> friday = datetime.datetime(2024, 4, 26, 19, 0, tzinfo=weekend.timezone)
        >>> weekend.active(friday).end.isoformat()
        '2024-04-29T08:00:00+08:00'
    """

    kind: ClassVar[str] = "weekly"

    def __init__(self, start: str, end: str, *, timezone: str | _dt.tzinfo, name: str) -> None:
        self.start_day, self.start_time = weekly_point(start, "start")
        self.end_day, self.end_time = weekly_point(end, "end")
        if (self.start_day, self.start_time) == (self.end_day, self.end_time):
            raise config_error("end", "equals start: the window would never end")
        self.timezone = time_zone(timezone, "timezone")
        self.name = name_value(name)
        span = (self.end_day - self.start_day) % 7
        if span == 0 and self.end_time <= self.start_time:
            span = 7
        self._span_days = span

    @classmethod
    def weekends(cls, *, timezone: str | _dt.tzinfo, name: str = "the weekend") -> Weekly:
        """Saturday 00:00 to Monday 00:00.

        Example:
            >>> from dataworks_ext.policies import Weekly
            >>> Weekly.weekends(timezone="Europe/Berlin")
            Weekly('sat 00:00', 'mon 00:00', timezone='Europe/Berlin', name='the weekend')
        """
        return cls("sat 00:00", "mon 00:00", timezone=timezone, name=name)

    def __repr__(self) -> str:
        start = f"{WEEKDAYS[self.start_day][:3]} {self.start_time.isoformat('minutes')}"
        end = f"{WEEKDAYS[self.end_day][:3]} {self.end_time.isoformat('minutes')}"
        return (
            f"Weekly({start!r}, {end!r}, timezone={zone_label(self.timezone)!r}, "
            f"name={self.name!r})"
        )

    def _find(self, now: _dt.datetime) -> tuple[_dt.datetime, _dt.datetime] | None:
        today = now.astimezone(self.timezone).date()
        latest = today - _dt.timedelta(days=(today.weekday() - self.start_day) % 7)
        span = _dt.timedelta(days=self._span_days)
        days = (latest - _dt.timedelta(weeks=weeks) for weeks in (-1, 0, 1))
        return _covering(
            now,
            (
                (
                    at(day, self.start_time, self.timezone),
                    at(day + span, self.end_time, self.timezone),
                )
                for day in days
            ),
        )

    @classmethod
    def from_dict(
        cls, config: Mapping[str, Any], *, timezone: str | _dt.tzinfo | None = None
    ) -> Weekly:
        """Build from ``{"start": "fri 18:00", "end": "mon 08:00", "name": ..., ...}``.

        Example:
            >>> from dataworks_ext.policies import Weekly
            >>> Weekly.from_dict({"start": "sat", "end": "mon", "name": "weekend",
            ...                   "timezone": "Asia/Shanghai"})
            Weekly('sat 00:00', 'mon 00:00', timezone='Asia/Shanghai', name='weekend')
        """
        reader = Reader(config, cls.kind, ("name", "start", "end", "timezone"))
        return cls(
            reader.required("start"),
            reader.required("end"),
            timezone=_zone_from(reader, timezone),
            name=reader.required("name"),
        )


class Monthly(Window):
    """Whole days of every month: ``1`` is the first day, ``-1`` the last, ``-2`` the one before.

    Consecutive days form one occurrence, also across the turn of the month: with
    ``days=[-1, 1, 2]`` the window that starts on the last day ends after the 2nd.

    Args:
        days: Days of the month, 1 to 31 or -1 to -31.  A day a month does not have (the 31st
            of April) is skipped.
        timezone: The time zone in which days begin and end (IANA name or tzinfo).
        name: What tips call the window.

    Example:
        >>> import datetime
        >>> from dataworks_ext.policies import Monthly
        >>> close = Monthly([-2, -1, 1], timezone="Asia/Shanghai", name="finance close")
        >>> day = datetime.datetime(2024, 2, 28, 10, 0, tzinfo=close.timezone)
        >>> occurrence = close.active(day)
        >>> occurrence.start.date(), occurrence.end.date()
        (datetime.date(2024, 2, 28), datetime.date(2024, 3, 2))
    """

    kind: ClassVar[str] = "monthly"

    def __init__(self, days: Iterable[int], *, timezone: str | _dt.tzinfo, name: str) -> None:
        given: object = days  # configuration may hold anything
        if isinstance(given, str) or not isinstance(given, Iterable):
            raise config_error("days", f"must be a list of days of the month, got {describe(days)}")
        chosen: set[int] = set()
        for index, day in enumerate(given):
            if isinstance(day, bool) or not isinstance(day, int) or not (1 <= abs(day) <= 31):
                raise config_error(
                    f"days[{index}]", f"must be 1 to 31 or -1 to -31, got {describe(day)}"
                )
            chosen.add(day)
        if not chosen:
            raise config_error("days", "must name at least one day of the month")
        self.days = frozenset(chosen)
        self.timezone = time_zone(timezone, "timezone")
        self.name = name_value(name)

    @classmethod
    def month_end(
        cls, *, timezone: str | _dt.tzinfo, days: int = 1, name: str = "the month-end close"
    ) -> Monthly:
        """The last ``days`` days of every month (the month-end close).

        Example:
            >>> from dataworks_ext.policies import Monthly
            >>> Monthly.month_end(timezone="Asia/Shanghai", days=2)
            Monthly([-2, -1], timezone='Asia/Shanghai', name='the month-end close')
        """
        if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= 31:
            raise config_error("days", f"must be a whole number from 1 to 31, got {describe(days)}")
        return cls(range(-days, 0), timezone=timezone, name=name)

    def __repr__(self) -> str:
        return (
            f"Monthly({sorted(self.days)!r}, timezone={zone_label(self.timezone)!r}, "
            f"name={self.name!r})"
        )

    def includes(self, day: _dt.date) -> bool:
        """Whether a calendar day is one of the window's days.

        Example:
            >>> import datetime
            >>> from dataworks_ext.policies import Monthly
            >>> Monthly([-1], timezone="UTC", name="last day").includes(datetime.date(2024, 2, 29))
            True
        """
        following = _dt.date(day.year + day.month // 12, day.month % 12 + 1, 1)
        length = (following - day.replace(day=1)).days
        return day.day in self.days or day.day - length - 1 in self.days

    def _find(self, now: _dt.datetime) -> tuple[_dt.datetime, _dt.datetime] | None:
        today = now.astimezone(self.timezone).date()
        if not self.includes(today):
            return None
        midnight = _dt.time(0)
        start = at(today, midnight, self.timezone)
        end = at(today + _dt.timedelta(days=1), midnight, self.timezone)
        if not start <= now < end:  # a day whose midnight a time-zone change skipped
            return None
        return start, end

    @classmethod
    def from_dict(
        cls, config: Mapping[str, Any], *, timezone: str | _dt.tzinfo | None = None
    ) -> Monthly:
        """Build from ``{"days": [-1], "name": ..., "timezone": ...}``.

        Example:
            >>> from dataworks_ext.policies import Monthly
            >>> Monthly.from_dict({"days": [-1], "name": "close", "timezone": "UTC"})
            Monthly([-1], timezone='UTC', name='close')
        """
        reader = Reader(config, cls.kind, ("name", "days", "timezone"))
        return cls(
            reader.required("days"),
            timezone=_zone_from(reader, timezone),
            name=reader.required("name"),
        )


class Dates(Window):
    """A window on listed calendar days, whole days in its time zone: public holidays, release
    days.

    Args:
        dates: The days (``"2025-10-01"`` or :class:`datetime.date`).
        timezone: The time zone the days begin and end in (IANA name or tzinfo).
        name: What tips call the window.

    Example:
        >>> import datetime
        >>> from dataworks_ext.policies import Dates
        >>> holidays = Dates(["2025-10-01", "2025-10-02"], timezone="Asia/Shanghai",
        ...                  name="the National Day holiday")
        >>> noon = datetime.datetime(2025, 10, 1, 12, 0, tzinfo=holidays.timezone)
        >>> noon in holidays, holidays.active(noon).end.isoformat()
        (True, '2025-10-03T00:00:00+08:00')
        >>> noon + datetime.timedelta(days=2) in holidays
        False
    """

    kind: ClassVar[str] = "dates"

    def __init__(
        self, dates: Iterable[_dt.date | str], *, timezone: str | _dt.tzinfo, name: str
    ) -> None:
        if isinstance(dates, str) or not isinstance(dates, Iterable):
            raise config_error("dates", f"must be a list of dates, got {describe(dates)}")
        days: set[_dt.date] = set()
        for index, value in enumerate(dates):
            days.add(_calendar_day(value, f"dates[{index}]"))
        if not days:
            raise config_error("dates", "must name at least one date")
        self.dates: frozenset[_dt.date] = frozenset(days)
        self.timezone = time_zone(timezone, "timezone")
        self.name = name_value(name)

    def __repr__(self) -> str:
        shown = [d.isoformat() for d in sorted(self.dates)]
        return f"Dates({shown!r}, timezone={zone_label(self.timezone)!r}, name={self.name!r})"

    def _find(self, now: _dt.datetime) -> tuple[_dt.datetime, _dt.datetime] | None:
        day = now.astimezone(self.timezone).date()
        if day not in self.dates:
            return None
        midnight = _dt.time(0, 0)
        return at(day, midnight, self.timezone), at(
            day + _dt.timedelta(days=1), midnight, self.timezone
        )

    @classmethod
    def from_dict(
        cls, config: Mapping[str, Any], *, timezone: str | _dt.tzinfo | None = None
    ) -> Dates:
        """Build from ``{"dates": ["2025-10-01", ...], "name": ..., "timezone": ...}`` (the
        name defaults to ``"a listed date"``).

        Example:
            >>> from dataworks_ext.policies import Dates
            >>> Dates.from_dict({"dates": ["2025-10-01"], "name": "holiday"},
            ...                 timezone="Asia/Shanghai")
            Dates(['2025-10-01'], timezone='Asia/Shanghai', name='holiday')
        """
        reader = Reader(config, cls.kind, ("name", "dates", "timezone"))
        return cls(
            reader.required("dates"),
            timezone=_zone_from(reader, timezone),
            name=reader.optional("name", "a listed date"),
        )


def _covering(
    now: _dt.datetime, spans: Iterable[tuple[_dt.datetime, _dt.datetime]]
) -> tuple[_dt.datetime, _dt.datetime] | None:
    """The first ``[start, end)`` of ``spans`` that contains ``now``, if any."""
    return next(((start, end) for start, end in spans if start <= now < end), None)


def _calendar_day(value: object, key: str) -> _dt.date:
    if isinstance(value, _dt.date) and not isinstance(value, _dt.datetime):
        return value
    if isinstance(value, str):
        try:
            return _dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise config_error(key, f"must be a date YYYY-MM-DD, got {describe(value)}")


def _zone_from(reader: Reader, default: str | _dt.tzinfo | None) -> str | _dt.tzinfo:
    value = reader.optional("timezone", default)
    if value is None:
        raise config_error("timezone", f"missing: a {reader.kind} window needs a time zone")
    return time_zone(value, "timezone")


def _weekends_from_dict(config: Mapping[str, Any], timezone: str | _dt.tzinfo | None) -> Weekly:
    reader = Reader(config, "weekends", ("name", "timezone"))
    zone = _zone_from(reader, timezone)
    if "name" in reader:
        return Weekly.weekends(timezone=zone, name=name_value(reader.required("name")))
    return Weekly.weekends(timezone=zone)


def _month_end_from_dict(config: Mapping[str, Any], timezone: str | _dt.tzinfo | None) -> Monthly:
    reader = Reader(config, "month_end", ("name", "timezone", "days"))
    zone = _zone_from(reader, timezone)
    days = reader.optional("days", 1)
    if "name" in reader:
        return Monthly.month_end(timezone=zone, days=days, name=name_value(reader.required("name")))
    return Monthly.month_end(timezone=zone, days=days)


_WINDOW_TYPES: dict[str, Callable[[Mapping[str, Any], str | _dt.tzinfo | None], Window]] = {
    "range": lambda c, tz: TimeRange.from_dict(c, timezone=tz),
    "daily": lambda c, tz: Daily.from_dict(c, timezone=tz),
    "weekly": lambda c, tz: Weekly.from_dict(c, timezone=tz),
    "monthly": lambda c, tz: Monthly.from_dict(c, timezone=tz),
    "weekends": _weekends_from_dict,
    "month_end": _month_end_from_dict,
    "dates": lambda c, tz: Dates.from_dict(c, timezone=tz),
}


def window_from_dict(
    config: Mapping[str, Any], *, timezone: str | _dt.tzinfo | None = None
) -> Window:
    """Build a window from a mapping whose ``type`` is ``range``, ``daily``, ``weekly``,
    ``monthly``, ``weekends``, ``month_end`` or ``dates``.

    ``timezone`` is the default for windows that do not name their own.

    Example:
        >>> from dataworks_ext.policies import window_from_dict
        >>> window_from_dict({"type": "month_end", "days": 2}, timezone="Asia/Shanghai")
        Monthly([-2, -1], timezone='Asia/Shanghai', name='the month-end close')
        >>> window_from_dict({"type": "dates", "dates": ["2025-10-01"]}, timezone="UTC")
        Dates(['2025-10-01'], timezone='UTC', name='a listed date')
    """
    if not isinstance(config, Mapping):
        raise ConfigurationError(
            f"a window must be a mapping with a 'type', got {type(config).__name__}"
        )
    if "type" not in config:
        raise config_error("type", f"missing: one of {', '.join(_WINDOW_TYPES)}")
    kind = normalize_type(config["type"])
    build = _WINDOW_TYPES.get(kind)
    if build is None:
        raise config_error(
            "type", f"unknown window type {config['type']!r}; one of {', '.join(_WINDOW_TYPES)}"
        )
    return build(config, timezone)
