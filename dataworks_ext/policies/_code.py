"""A rule about the code DataStudio commits or deploys: refuse what matches patterns."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar

import attrs

from ..verdicts import Verdict
from ._common import (
    DATASTUDIO_OPERATIONS,
    Operation,
    Reader,
    Template,
    as_list,
    boolean,
    config_error,
    describe,
    positive_int,
)
from ._types import configured_lookups, rule_type

if TYPE_CHECKING:
    from ..events import CommitFileEvent, DeployFileEvent, RunFileEvent
    from ..lookups import Lookups
    from ..messages import EventMessage

__all__ = ["CodeMatch", "ForbiddenCode"]

_PASS = Verdict.ok()


@attrs.frozen
class CodeMatch:
    """One line of code that matches a forbidden pattern.

    Example:
        >>> from dataworks_ext.policies import CodeMatch
        >>> CodeMatch(3, "WHERE ds = MAX_PT('t')", "MAX_PT").line_number
        3
    """

    line_number: int
    """The line's number, from 1."""
    line: str
    """The line, stripped of surrounding blanks."""
    pattern: str
    """The pattern it matches, as given."""


@rule_type("forbidden_code", supports=DATASTUDIO_OPERATIONS)
class ForbiddenCode:
    """Refuse a commit or deployment whose code matches any pattern, naming each line.

    The code is the ``Content`` of the operation's event detail, looked up with
    :meth:`Lookups.event_detail <dataworks_ext.Lookups.event_detail>` (``GetIDEEventDetail``,
    once per message); a file without code (a resource, a folder) passes.  A lookup that fails
    raises :class:`~dataworks_ext.NodeLookupError`: a check error, answered by the Extension's
    ``error_result``.  Register it for ``commit-file`` and ``deploy-file`` (its default
    operations), or ``run-file`` with :meth:`Registry.on_run_file
    <dataworks_ext.Registry.on_run_file>`.  Under :meth:`Extension.handle_async
    <dataworks_ext.Extension.handle_async>`, register :meth:`check_async` instead, which does
    not block the event loop.

    Args:
        patterns: Regular expressions (a plain word such as ``MAX_PT`` is one), searched in
            each line of the code.
        lookups: The :class:`~dataworks_ext.Lookups` the event detail comes from.
        ignore_case: Match regardless of case.
        max_lines: The most matching lines the tip names (the rest are counted).
        message: The tip for one matching line, a template with ``{file}``,
            ``{line_number}``, ``{line}`` and ``{pattern}``; default
            ``"{file} line {line_number} uses {pattern}, which is not allowed: {line}"``.
            Several lines are joined with ``"; "``.

    Example:
        >>> from dataworks_ext import Lookups, Registry
        >>> from dataworks_ext.policies import ForbiddenCode
        >>> from dataworks_ext.testing import LocalDataWorks, commit_file_event
        >>> with LocalDataWorks() as local:
        ...     message = commit_file_event(file_name="ods_orders_d")
        ...     local.seed_event_detail(message.message_id, {"CommittedFile": {
        ...         "Content": "SELECT *\\nFROM t\\nWHERE ds = MAX_PT('t');"}})
        ...     rule = ForbiddenCode(["MAX_PT"], lookups=Lookups(local.client()))
        ...     rule(message.event, message).tip
        "ods_orders_d line 3 uses MAX_PT, which is not allowed: WHERE ds = MAX_PT('t');"
    """

    DEFAULT_MESSAGE: ClassVar[str] = (
        "{file} line {line_number} uses {pattern}, which is not allowed: {line}"
    )
    """The tip template used when no ``message`` is given."""
    _FIELDS = ("file", "line_number", "line", "pattern")
    operations: frozenset[Operation] = DATASTUDIO_OPERATIONS
    """The operations :func:`~dataworks_ext.policies.register` registers it for by default."""

    def __init__(
        self,
        patterns: Iterable[str],
        *,
        lookups: Lookups,
        ignore_case: bool = False,
        max_lines: int = 5,
        message: str | None = None,
    ) -> None:
        texts = as_list(patterns, "patterns", "patterns")
        if not texts:
            raise config_error("patterns", "must name at least one pattern")
        flags = re.IGNORECASE if boolean(ignore_case, "ignore_case") else 0
        compiled = []
        for index, text in enumerate(texts):
            if not isinstance(text, str) or not text:
                raise config_error(
                    f"patterns[{index}]", f"must be a non-empty string, got {describe(text)}"
                )
            try:
                compiled.append(re.compile(text, flags))
            except re.error as exc:
                raise config_error(
                    f"patterns[{index}]", f"is not a regular expression ({exc})"
                ) from None
        if not callable(getattr(lookups, "event_detail", None)):
            raise config_error("lookups", f"must be a Lookups, got {type(lookups).__name__}")
        self.patterns: tuple[re.Pattern[str], ...] = tuple(compiled)
        self.lookups = lookups
        self.max_lines = positive_int(max_lines, "max_lines") or 5
        self.message = Template(self.DEFAULT_MESSAGE if message is None else message, self._FIELDS)

    def __repr__(self) -> str:
        return f"ForbiddenCode({[p.pattern for p in self.patterns]!r})"

    def matches(self, code: str) -> list[CodeMatch]:
        """The lines of ``code`` that match a pattern (each line once, its first pattern).

        Example:
            >>> from dataworks_ext import CallbackClient, Lookups
            >>> from dataworks_ext.policies import ForbiddenCode
            >>> rule = ForbiddenCode([r"\\bMAX_PT\\b", "(?i)drop table"],
            ...                      lookups=Lookups(CallbackClient(region_id="cn-shanghai")))
            >>> [(m.line_number, m.pattern) for m in rule.matches("x\\nDROP TABLE t;\\nMAX_PT")]
            [(2, '(?i)drop table'), (3, '\\\\bMAX_PT\\\\b')]
        """
        found = []
        for number, line in enumerate(code.splitlines(), start=1):
            for pattern in self.patterns:
                if pattern.search(line):
                    found.append(CodeMatch(number, line.strip(), pattern.pattern))
                    break
        return found

    def __call__(
        self,
        event: CommitFileEvent | DeployFileEvent | RunFileEvent,
        message: EventMessage | None = None,
    ) -> Verdict:
        return self._decide(event, self.lookups.event_detail(_needed(message)).content)

    async def check_async(
        self,
        event: CommitFileEvent | DeployFileEvent | RunFileEvent,
        message: EventMessage | None = None,
    ) -> Verdict:
        """The same check, looking the code up without blocking the event loop.

        Example:
            >>> import asyncio
            >>> from dataworks_ext import Lookups
            >>> from dataworks_ext.policies import ForbiddenCode
            >>> from dataworks_ext.testing import LocalDataWorks, deploy_file_event
            >>> with LocalDataWorks() as local:
            ...     message = deploy_file_event()
            ...     local.seed_event_detail(message.message_id,
            ...                             {"CommittedFile": {"Content": "SELECT 1;"}})
            ...     rule = ForbiddenCode(["MAX_PT"], lookups=Lookups(local.client()))
            ...     asyncio.run(rule.check_async(message.event, message)).passed
            True
        """
        detail = await self.lookups.event_detail_async(_needed(message))
        return self._decide(event, detail.content)

    def _decide(
        self, event: CommitFileEvent | DeployFileEvent | RunFileEvent, code: str | None
    ) -> Verdict:
        if not code:
            return _PASS
        found = self.matches(code)
        if not found:
            return _PASS
        tips = [
            self.message.render(
                {
                    "file": event.file_name,
                    "line_number": str(m.line_number),
                    "line": m.line,
                    "pattern": m.pattern,
                }
            )
            for m in found[: self.max_lines]
        ]
        if len(found) > self.max_lines:
            tips.append(f"and {len(found) - self.max_lines} more lines")
        return Verdict.fail("; ".join(tips))

    @classmethod
    def from_dict(
        cls, config: Mapping[str, Any], *, timezone: Any = None, clock: Any = None
    ) -> ForbiddenCode:
        """Build from ``{"patterns": ["MAX_PT"], "ignore_case": false, ...}`` (with the
        ``lookups`` given to :func:`~dataworks_ext.policies.from_config`).

        Example:
            >>> from dataworks_ext import CallbackClient, Lookups
            >>> from dataworks_ext.policies import from_config
            >>> lookups = Lookups(CallbackClient(region_id="cn-shanghai"))
            >>> from_config({"rules": [{"type": "forbidden_code", "patterns": ["MAX_PT"]}]},
            ...             lookups=lookups)
            Registry(CommitFileEvent=1, DeployFileEvent=1)
        """
        keys = ("patterns", "ignore_case", "max_lines", "message")
        reader = Reader(config, "forbidden_code", keys)
        return cls(
            reader.required("patterns"),
            lookups=configured_lookups(reader.kind),
            ignore_case=reader.optional("ignore_case", False),
            max_lines=reader.optional("max_lines", 5),
            message=reader.optional("message"),
        )


def _needed(message: EventMessage | None) -> EventMessage:
    if message is None:
        raise TypeError(
            "ForbiddenCode needs the message (to look up its event detail): register it "
            "as a check, which the Extension calls with the event and the message"
        )
    return message
