"""Verdicts: what an extension answers DataWorks, and how several checks combine."""

from __future__ import annotations

import enum
from collections.abc import Iterable

import attrs

from ._text import valid_text

__all__ = ["MAX_TIP_LENGTH", "CheckResult", "Verdict", "combine", "tip_for_api"]

MAX_TIP_LENGTH = 1000
"""Longest tip, in characters, that the SDK sends; longer tips end in ``…``.

DataWorks shows the tip in a dialog; 1,000 characters is several paragraphs, enough to name
every failing check and node.  The API pages (``CheckResultTip`` of
``UpdateWorkbenchEventResult`` and ``UpdateIDEEventResult``, ``CheckMessage`` of
``CallbackExtension``) document no maximum length: this limit is a cautious choice, not a
documented one.
"""

_ELLIPSIS = "…"
_TIP_SEPARATOR = "; "


class CheckResult(str, enum.Enum):
    """The result word the callback APIs take as ``CheckResult``: OK, WARN or FAIL.

    ``UpdateIDEEventResult`` (DataStudio) and ``CallbackExtension`` take all three;
    ``UpdateWorkbenchEventResult`` (Operation Center) documents only OK and FAIL (see
    :attr:`dataworks_ext.EventKind.supports_warn`).

    Example:
        >>> from dataworks_ext import CheckResult
        >>> CheckResult.FAIL.value
        'FAIL'
    """

    OK = "OK"
    """The operation may proceed."""
    WARN = "WARN"
    """The operation may proceed, with a warning the tip explains."""
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


def tip_for_api(tip: str | None) -> str | None:
    """``tip`` as the callback APIs take it: valid UTF-8 (a lone surrogate becomes U+FFFD)
    and at most :data:`MAX_TIP_LENGTH` characters (a longer tip ends in ``…``).

    Every verdict's tip goes through it on its way to DataWorks.

    Example:
        >>> from dataworks_ext.verdicts import tip_for_api
        >>> tip_for_api("node \\ud800 is protected") == "node \\ufffd is protected"
        True
        >>> len(tip_for_api("x" * 5000))
        1000
    """
    if tip is None:
        return None
    return _bounded(valid_text(tip))


def _reason(tip: str, what: str) -> str:
    if not isinstance(tip, str) or not tip.strip():
        raise ValueError(f"Verdict.{what}() needs a reason: a non-empty tip for the user")
    return tip


@attrs.frozen
class Verdict:
    """The answer to one event: OK, WARN or FAIL, with an optional tip shown to the user.

    Build one with :meth:`ok`, :meth:`warn` or :meth:`fail`.  A tip is stripped, and cut to
    :data:`MAX_TIP_LENGTH` characters with an ellipsis.

    Example:
        >>> from dataworks_ext import Verdict
        >>> Verdict.fail("node 700005966962 is protected").result.value
        'FAIL'
        >>> Verdict.ok().passed
        True
    """

    result: CheckResult
    """OK, WARN or FAIL."""
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
    def warn(cls, tip: str) -> Verdict:
        """Let the operation proceed with a warning; ``tip`` says what and must not be empty.

        Example:
            >>> from dataworks_ext import Verdict
            >>> verdict = Verdict.warn("the code reads a whole partitioned table")
            >>> verdict.result.value, verdict.passed
            ('WARN', True)
        """
        return cls(CheckResult.WARN, _reason(tip, "warn"))

    @classmethod
    def fail(cls, tip: str) -> Verdict:
        """Block the operation; ``tip`` tells the user why and must not be empty.

        Example:
            >>> from dataworks_ext import Verdict
            >>> Verdict.fail("backfills are limited to 31 days").passed
            False
        """
        return cls(CheckResult.FAIL, _reason(tip, "fail"))

    @property
    def passed(self) -> bool:
        """``True`` for OK and WARN: the operation may proceed."""
        return self.result is not CheckResult.FAIL


def combine(verdicts: Iterable[Verdict]) -> Verdict:
    """Join the verdicts of several checks into one: FAIL over WARN over OK.

    The tips of the verdicts with the winning result are joined with ``"; "`` (the failing
    checks' when one failed, else the warnings', else the passing checks'), repeats dropped,
    and the whole kept within :data:`MAX_TIP_LENGTH`.  No verdicts at all combine to OK.

    Example:
        >>> from dataworks_ext import Verdict, combine
        >>> combine([Verdict.ok("fine"), Verdict.fail("too many days"),
        ...          Verdict.fail("node 7 is protected")])
        Verdict(result=<CheckResult.FAIL: 'FAIL'>, tip='too many days; node 7 is protected')
    """
    verdicts = list(verdicts)
    result = CheckResult.OK
    for verdict in verdicts:
        if _RANK[verdict.result] > _RANK[result]:
            result = verdict.result
    tips = list(dict.fromkeys(v.tip for v in verdicts if v.result is result and v.tip))
    return Verdict(result, _TIP_SEPARATOR.join(tips) if tips else None)


_RANK = {CheckResult.OK: 0, CheckResult.WARN: 1, CheckResult.FAIL: 2}
