"""``dataworks-ext demo``: the example checks against realistic events, through the whole path.

The events go through parsing, the checks of :mod:`dataworks_ext.cli.demo_checks`,
:class:`~dataworks_ext.CallbackClient` and an embedded LocalDataWorks; the table shows what
was decided and delivered, and the demo then checks that LocalDataWorks recorded exactly that.
"""

from __future__ import annotations

import argparse
from typing import Any

from ..outcomes import Reason
from ._app import describe_checks, extension_for
from ._delivery import delivery_target
from ._exit_codes import ExitCode
from ._options import add_command
from ._render import nodes_text
from ._terminal import Cell, Console, table_lines

NEXT_STEP = (
    "Next: write a check of your own and try it on an event, e.g.\n"
    "  dataworks-ext trigger freeze --app mychecks:registry --node-id 700005966962\n"
    "(the Getting started guide, docs/getting-started.md, walks through it)."
)
"""The demo's last lines: where to go from here."""


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``demo`` to the command's subparsers."""
    demo = add_command(
        commands,
        "demo",
        help="run example checks against realistic events and show the verdicts",
        description="Run the example checks of dataworks_ext/cli/demo_checks.py (written as "
        "you would write yours) against a realistic set of events, through parsing, the "
        "checks, CallbackClient and an embedded LocalDataWorks, and print what was decided "
        "and delivered.",
    )
    demo.set_defaults(run=run)


def run(args: argparse.Namespace, ui: Console) -> int:
    """Run the demo; returns the exit code."""
    from ..events import UnknownEvent
    from ..lookups import Lookups
    from ..registry import Registry
    from . import demo_checks

    style = ui.style
    ui.print(style.bold("dataworks-ext demo: example checks against realistic DataWorks events"))
    cases = demo_checks.cases()
    with delivery_target(None, dry_run=False) as target:
        registry = Registry()
        registry.include(demo_checks.registry)
        registry.include(demo_checks.code_checks(Lookups(target.local.client())))
        ui.print(style.dim(f"checks: {describe_checks(registry)}"))
        ui.print(style.dim(f"written in {demo_checks.__file__}, as you would write yours"))
        extension = extension_for(registry, target.callback, "dataworks-ext-demo")
        ui.print(style.dim(f"delivering to {target.description}"))
        ui.print()
        rows: list[list[Cell]] = []
        problems: list[str] = []
        answered: dict[str, str] = {}
        for case in cases:
            if case.event_detail is not None:
                target.local.seed_event_detail(case.message_id, case.event_detail)
            outcome = extension.handle_batch(case.raw)[0]
            verdict = outcome.verdict
            result = "-" if verdict is None else verdict.result.value
            duplicate = outcome.reason is Reason.DUPLICATE
            if duplicate:
                tip = "already answered; not answered again"
            elif verdict is not None and verdict.tip:
                tip = verdict.tip
            else:
                tip = ""
            event = None if isinstance(outcome.event, UnknownEvent) else outcome.event
            delivered = "yes" if outcome.delivered else ("no, duplicate" if duplicate else "no")
            rows.append(
                [
                    (case.label, None),
                    (nodes_text(event, 1), None),
                    (result, style.verdict),
                    (tip, None),
                    (delivered, style.ok if outcome.delivered else style.dim),
                    (_recorded_api(target.local, outcome), None),
                ]
            )
            if (case.expect is None) != (verdict is None) or (
                verdict is not None and verdict.result.value != case.expect
            ):
                problems.append(f"{case.label}: expected {case.expect}, got {result}")
            if verdict is not None and outcome.delivered:
                answered[case.message_id] = verdict.result.value
        for line in table_lines(
            ["event", "nodes", "verdict", "tip", "delivered", "api"],
            rows,
            style,
            width=ui.width,
            wrapped=3,
        ):
            ui.print(line)
        ui.print()
        local = target.local
        recorded = {mid: getattr(local.verdict_for(mid), "result", None) for mid in answered}
        mismatched = [mid for mid, result in answered.items() if recorded[mid] != result]
        duplicate_id = cases[-1].message_id
        once = local.count_for(duplicate_id) == 1
        counts = {r: list(recorded.values()).count(r) for r in ("OK", "FAIL")}
        extra = len(local.verdicts) - len(answered)
        if not mismatched and once and not problems and extra == 0:
            ui.print(
                style.ok("✓ ") + f"LocalDataWorks recorded {len(local.verdicts)} verdicts for "
                f"{len(answered)} messages ({counts['OK']} OK, {counts['FAIL']} FAIL), "
                "each as decided; the duplicate was answered once."
            )
            ui.print()
            ui.print(NEXT_STEP)
            return ExitCode.OK
    for problem in problems:
        ui.error(problem)
    if mismatched:
        ui.error(f"LocalDataWorks recorded other verdicts for {', '.join(mismatched)}")
    if not once:
        ui.error("the duplicate was not answered exactly once")
    if extra:
        ui.error(f"LocalDataWorks recorded {extra} verdicts more than were delivered")
    return ExitCode.FAILED


def _recorded_api(local: Any, outcome: Any) -> str:
    """The API LocalDataWorks recorded the message's verdict through, or ``-``."""
    if not outcome.delivered or outcome.message_id is None:
        return "-"
    recorded = local.verdict_for(outcome.message_id)
    return "-" if recorded is None else str(recorded.api)
