"""The rule that refuses operations while a change-freeze window is in effect."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

from ..verdicts import Verdict
from ._common import (
    ALL_OPERATIONS,
    EVERY_OPERATION,
    Operation,
    OperationEvent,
    Reader,
    Template,
    action_values,
    config_error,
    describe,
    under,
)
from ._time import (
    Clock,
    format_instant,
    require_aware,
    system_clock,
    time_zone,
)
from ._types import rule_type
from ._windows import Occurrence, Window, window_from_dict

__all__ = ["ChangeFreezeWindow"]


@rule_type("change_freeze_window", supports=EVERY_OPERATION)
class ChangeFreezeWindow:
    """Refuse operations while any of its windows is in effect, naming it and when it ends.

    Register it for the operations to refuse (the four Operation Center operations by default
    in :func:`~dataworks_ext.policies.from_config`; name ``"commit"`` and ``"deploy"`` in
    ``on`` for DataStudio's commits and deployments).

    Args:
        windows: One or more :class:`Window` objects (:class:`TimeRange`, :class:`Daily`,
            :class:`Weekly`, :class:`Monthly`, :class:`Dates`, or your own).
        message: The tip, a template with ``{window}``, ``{start}``, ``{end}``, ``{action}``,
            ``{Action}`` and ``{operation}``; default
            ``"{Action} is not allowed during {window} (until {end})"``.  When several windows
            are in effect, one tip per window, joined with ``"; "``.
        clock: Returns the current time as an aware datetime; :func:`system_clock` by default.

    Example:
        >>> import datetime
        >>> from dataworks_ext.policies import ChangeFreezeWindow, Monthly
        >>> from dataworks_ext.testing import freeze_event
        >>> def clock():
        ...     return datetime.datetime(2024, 4, 30, 9, 0, tzinfo=datetime.timezone.utc)
        >>> rule = ChangeFreezeWindow(Monthly.month_end(timezone="Asia/Shanghai"), clock=clock)
        >>> rule(freeze_event().event).tip
        'Freezing nodes is not allowed during the month-end close (until 2024-05-01 00:00 Asia/Shanghai)'
    """  # noqa: E501

    DEFAULT_MESSAGE: ClassVar[str] = "{Action} is not allowed during {window} (until {end})"
    """The tip template used when no ``message`` is given."""
    operations: frozenset[Operation] = ALL_OPERATIONS
    """The operations :func:`~dataworks_ext.policies.register` registers it for by default."""
    _FIELDS = ("window", "start", "end", "action", "Action", "operation")

    def __init__(
        self, *windows: Window, message: str | None = None, clock: Clock | None = None
    ) -> None:
        if not windows:
            raise config_error("windows", "give at least one window")
        for index, window in enumerate(windows):
            if not isinstance(window, Window):
                raise config_error(
                    f"windows[{index}]",
                    f"must be a Window (TimeRange, Daily, Weekly, Monthly), "
                    f"got {type(window).__name__}",
                )
        if clock is not None and not callable(clock):
            raise config_error("clock", f"must be a callable, got {type(clock).__name__}")
        self.windows: tuple[Window, ...] = windows
        self.message = Template(self.DEFAULT_MESSAGE if message is None else message, self._FIELDS)
        self.clock: Clock = clock or system_clock

    def __repr__(self) -> str:
        return f"ChangeFreezeWindow({', '.join(repr(w) for w in self.windows)})"

    def now(self) -> _dt.datetime:
        """The clock's current time; a naive answer raises ConfigurationError."""
        return require_aware(self.clock(), "clock")

    def active(self, now: _dt.datetime | None = None) -> tuple[Occurrence, ...]:
        """The occurrences in effect at ``now`` (the clock's time by default).

        Example:
            >>> import datetime
            >>> from dataworks_ext.policies import ChangeFreezeWindow, Weekly
            >>> rule = ChangeFreezeWindow(Weekly.weekends(timezone="UTC"))
            >>> sunday = datetime.datetime(2024, 4, 28, tzinfo=datetime.timezone.utc)
            >>> [o.name for o in rule.active(sunday)]
            ['the weekend']
        """
        moment = self.now() if now is None else require_aware(now, "now")
        found = (window.active(moment) for window in self.windows)
        return tuple(o for o in found if o is not None)

    def __call__(
        self,
        event: OperationEvent,
    ) -> Verdict:
        occurrences = self.active()
        if not occurrences:
            return Verdict.ok()
        action = action_values(event)
        tips = [
            self.message.render(
                {
                    **action,
                    "window": o.name,
                    "start": format_instant(o.start),
                    "end": format_instant(o.end),
                }
            )
            for o in occurrences
        ]
        return Verdict.fail("; ".join(tips))

    @classmethod
    def from_dict(
        cls,
        config: Mapping[str, Any],
        *,
        timezone: str | _dt.tzinfo | None = None,
        clock: Clock | None = None,
    ) -> ChangeFreezeWindow:
        """Build from ``{"windows": [...], "message": ..., "timezone": ...}``.

        Each window is a mapping for :func:`window_from_dict`; ``timezone`` (here or passed
        in) is the default for windows that name none.

        Example:
            >>> from dataworks_ext.policies import ChangeFreezeWindow
            >>> ChangeFreezeWindow.from_dict({
            ...     "timezone": "Asia/Shanghai",
            ...     "windows": [{"type": "month_end"}, {"type": "weekends"}],
            ... })  # doctest: +NORMALIZE_WHITESPACE
            ChangeFreezeWindow(Monthly([-1], timezone='Asia/Shanghai', name='the month-end close'),
                               Weekly('sat 00:00', 'mon 00:00', timezone='Asia/Shanghai',
                                      name='the weekend'))
        """
        reader = Reader(config, "change_freeze_window", ("windows", "message", "timezone"))
        zone = reader.optional("timezone", timezone)
        if zone is not None:
            zone = time_zone(zone, "timezone")
        raw = reader.required("windows")
        if isinstance(raw, (str, Mapping)) or not isinstance(raw, Iterable):
            raise config_error("windows", f"must be a list of windows, got {describe(raw)}")
        windows = []
        for index, item in enumerate(raw):
            with under(f"windows[{index}]"):
                windows.append(window_from_dict(item, timezone=zone))
        return cls(*windows, message=reader.optional("message"), clock=clock)
