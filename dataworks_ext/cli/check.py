"""``dataworks-ext check``: run your checks over captured messages, against the verdicts
expected of them, so a rules repository tests its rules in CI.

Each message is judged on its own by your Extension (its checks and policies) in a dry run,
with a store of its own: nothing is delivered and no shared store is touched.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..errors import MessageError
from ..outcomes import Reason
from ._app import extension_code_for, load_app
from ._delivery import embedded_dataworks
from ._exit_codes import ExitCode
from ._input import EXPECT_KEY, EXPECT_SUFFIX, Captured, captured_messages
from ._options import add_app_option, add_command, add_seed_option
from ._render import error_dict
from ._terminal import Cell, Console, table_lines

if TYPE_CHECKING:
    from .._audit import AuditRecord
    from ..extension import Extension, Outcome


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``check`` to the command's subparsers."""
    check = add_command(
        commands,
        "check",
        help="run your checks over captured messages and compare with expected verdicts",
        description="Run your Extension or Registry offline (a dry run: nothing is delivered) "
        "over captured messages: JSON files (one message, or an EventBridge batch) and JSON "
        "lines, or folders of them.  Print each message's event, verdict, tip and the check "
        "that decided it, and exit 1 when a verdict differs from what is expected of it: "
        f"an {EXPECT_KEY!r} object in the message, or NAME{EXPECT_SUFFIX} beside NAME.json, "
        'such as {"result": "FAIL", "tip_contains": "protected", "decided_by": "freeze-window"}.',
        epilog="examples:\n"
        "  dataworks-ext check captured/ --app mychecks:registry\n"
        "  dataworks-ext check captured/ --app mychecks:extension --format json\n"
        "\nexit codes: 0 every verdict is as expected; 1 a verdict differs; 2 usage error "
        "(no messages found, an expectation that cannot be read)",
    )
    check.add_argument("paths", nargs="+", metavar="PATH", help="files or folders of messages")
    add_app_option(check)
    check.add_argument(
        "--format",
        choices=("table", "json"),
        default="table",
        help="a table (default) or JSON: one object per message and a summary",
    )
    check.add_argument(
        "--differences",
        action="store_true",
        help="list only the messages whose verdict differs from the expectation",
    )
    add_seed_option(check)
    check.set_defaults(run=run)


class _Checked:
    """One message's outcome, what decided it, and how it compares with the expectation."""

    __slots__ = ("captured", "decided", "differences", "expected", "outcome")

    def __init__(self, captured: Captured, outcome: Outcome, decided: list[str]) -> None:
        self.captured = captured
        self.outcome = outcome
        self.decided = decided
        verdict = outcome.verdict
        expectation = captured.expectation(outcome.message_id)
        self.expected = None if expectation is None else expectation.to_dict()
        self.differences = (
            None
            if expectation is None
            else expectation.differences(
                None if verdict is None else verdict.result.value,
                None if verdict is None else verdict.tip,
                decided,
            )
        )

    def to_dict(self) -> dict[str, Any]:
        error = self.outcome.error
        return {
            "source": self.captured.source,
            **self.outcome.to_dict(),
            "error_detail": None if error is None else error_dict(error),
            "decided_by": self.decided,
            "expected": self.expected,
            "as_expected": None if self.differences is None else not self.differences,
            "differences": self.differences or [],
        }


def _judge(
    extension_for: Callable[[], Extension], records: list[AuditRecord], captured: Captured
) -> Any:
    """Judge one message; what decided it comes from its audit record (the checks whose
    answer is the verdict, a check that raised, or the policy that answered)."""
    from ..extension import Outcome

    records.clear()
    try:
        outcome = extension_for().handle_batch(captured.body)[0]
    except MessageError as exc:  # a line that is not JSON at all
        outcome = Outcome(None, None, None, False, error=exc)
    decided = list(records[-1].decided_by) if records and outcome.verdict is not None else []
    return _Checked(captured, outcome, decided)


def run(args: argparse.Namespace, ui: Console) -> int:
    """Run ``check``; returns the exit code."""
    with embedded_dataworks(None, args.seed):  # what the checks look up
        return _run(args, ui)


def _run(args: argparse.Namespace, ui: Console) -> int:
    import json

    from ..extension import Extension
    from ..stores._memory import MemoryAnswerStore

    app = load_app(args.app)
    records: list[AuditRecord] = []
    code = extension_code_for(app, None)

    def extension_for() -> Extension:
        # a dry run with a fresh store (each message judged on its own), noting what each
        # check answered and what decided; the app's own Extension is left as it is
        if isinstance(app, Extension):
            return app.replace(
                callback=None, store=MemoryAnswerStore(), lease=None, on_audit=records.append
            )
        return Extension(code, None, app, on_audit=records.append)

    messages = list(captured_messages(args.paths))
    results: list[_Checked] = []
    with ui.progress("checking", len(messages)) as progress:
        for captured in messages:
            results.append(_judge(extension_for, records, captured))
            progress.advance()
    differ = sum(1 for r in results if r.differences)
    unexpected = sum(1 for r in results if r.differences is None)
    summary = {
        "messages": len(results),
        "as_expected": len(results) - differ - unexpected,
        "differ": differ,
        "without_expectation": unexpected,
    }
    shown = [r for r in results if r.differences] if args.differences else results
    if args.format == "json":
        data = {"messages": [r.to_dict() for r in shown], "summary": summary}
        ui.print(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        _print_table(shown, ui)
        ui.print()
        ui.print(
            f"{summary['messages']} messages: {summary['as_expected']} as expected, "
            f"{differ} differ, {unexpected} without an expectation"
        )
    return ExitCode.FAILED if differ else ExitCode.OK


def _print_table(results: list[_Checked], ui: Console) -> None:
    style = ui.style
    rows: list[list[Cell]] = []
    for checked in results:
        outcome, verdict = checked.outcome, checked.outcome.verdict
        if checked.differences is None:
            expected: Cell = ("-", style.dim)
        elif checked.differences:
            expected = ("; ".join(checked.differences), style.fail)
        else:
            expected = ("as expected", style.ok)
        tip = "" if verdict is None else (verdict.tip or "")
        if outcome.reason is Reason.REJECTED:
            tip = f"unreadable, and so is its id: {outcome.error}"
        elif outcome.reason is Reason.DUPLICATE:
            tip = "a duplicate of an earlier message"
        rows.append(
            [
                (checked.captured.source, None),
                (getattr(outcome.event, "event_code", None) or "unreadable", None),
                ("-" if verdict is None else verdict.result.value, style.verdict),
                (", ".join(checked.decided) or "-", None),
                (tip, None),
                expected,
            ]
        )
    headers = ["message", "event", "verdict", "decided by", "tip", "expected"]
    for line in table_lines(headers, rows, style, width=ui.width, wrapped=4):
        ui.print(line)
