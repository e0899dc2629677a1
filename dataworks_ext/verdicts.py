"""Verdicts: what an extension answers DataWorks, and how several checks combine."""

from __future__ import annotations

import enum
from collections.abc import Iterable

import attrs

__all__ = ["MAX_TIP_LENGTH", "CheckResult", "Verdict", "combine"]

MAX_TIP_LENGTH = 1000
"""Longest tip, in characters, that the SDK sends; longer tips end in ``…``.

DataWorks shows the tip in a dialog; 1,000 characters is several paragraphs, enough to name
every failing check and node, and short enough for the console and the API to accept.
"""

_ELLIPSIS = "…"
_TIP_SEPARATOR = "; "


class CheckResult(str, enum.Enum):
    """The result word ``UpdateWorkbenchEventResult`` takes as ``CheckResult``.

    Example:
        >>> from dataworks_ext import CheckResult
        >>> CheckResult.FAIL.value
        'FAIL'
    """

    OK = "OK"
    """The operation may proceed."""
    FAIL = "FAIL"
    """The operation is blocked; the tip tells the user why."""


def _bounded(tip: str | None) -> str | None:
    if tip is None:
        return None
    tip = tip.strip()
    if not tip:
        return None
    if len(tip) > MAX_TIP_LENGTH:
        return tip[: MAX_TIP_LENGTH - 1].rstrip() + _ELLIPSIS
    return tip


@attrs.frozen
class Verdict:
    """The answer to one event: OK or FAIL, with an optional tip shown to the user.

    Build one with :meth:`ok` or :meth:`fail`.  A tip is stripped, and cut to
    :data:`MAX_TIP_LENGTH` characters with an ellipsis.

    Example:
        >>> from dataworks_ext import Verdict
        >>> Verdict.fail("node 700005966962 is protected").result.value
        'FAIL'
        >>> Verdict.ok().passed
        True
    """

    result: CheckResult
    """OK or FAIL."""
    tip: str | None = attrs.field(default=None, converter=_bounded)
    """The text DataWorks shows to the user, or ``None``."""

    @classmethod
    def ok(cls, tip: str | None = None) -> Verdict:
        """Let the operation proceed, optionally with a note to the user.

        Example:
            >>> from dataworks_ext import Verdict
            >>> Verdict.ok("within limits").tip
            'within limits'
        """
        return cls(CheckResult.OK, tip)

    @classmethod
    def fail(cls, tip: str) -> Verdict:
        """Block the operation; ``tip`` tells the user why and must not be empty.

        Example:
            >>> from dataworks_ext import Verdict
            >>> Verdict.fail("backfills are limited to 31 days").passed
            False
        """
        if not isinstance(tip, str) or not tip.strip():
            raise ValueError("Verdict.fail() needs a reason: a non-empty tip for the user")
        return cls(CheckResult.FAIL, tip)

    @property
    def passed(self) -> bool:
        """``True`` for OK."""
        return self.result is CheckResult.OK


def combine(verdicts: Iterable[Verdict]) -> Verdict:
    """Join the verdicts of several checks into one: FAIL wins.

    The tips of the failing checks are joined with ``"; "`` (those of passing checks only when
    all passed), repeats dropped, and the whole kept within :data:`MAX_TIP_LENGTH`.  No
    verdicts at all combine to OK.

    Example:
        >>> from dataworks_ext import Verdict, combine
        >>> combine([Verdict.ok("fine"), Verdict.fail("too many days"),
        ...          Verdict.fail("node 7 is protected")])
        Verdict(result=<CheckResult.FAIL: 'FAIL'>, tip='too many days; node 7 is protected')
    """
    verdicts = list(verdicts)
    failed = [v for v in verdicts if v.result is CheckResult.FAIL]
    chosen = failed or verdicts
    tips = list(dict.fromkeys(v.tip for v in chosen if v.tip))
    return Verdict(
        CheckResult.FAIL if failed else CheckResult.OK,
        _TIP_SEPARATOR.join(tips) if tips else None,
    )
