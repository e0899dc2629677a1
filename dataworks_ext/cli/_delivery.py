"""Where a command's verdicts go (an embedded LocalDataWorks, an endpoint, nowhere), and what
it says about a delivery."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from ..errors import CallbackError, StoreError

if TYPE_CHECKING:
    from ..extension import Outcome


class _Target:
    """Where verdicts go: an embedded LocalDataWorks, a given endpoint, or nowhere."""

    def __init__(self, callback: Any, description: str, local: Any = None) -> None:
        self.callback = callback
        self.description = description
        self.local = local


@contextmanager
def _target(endpoint: str | None, dry_run: bool) -> Iterator[_Target]:
    if dry_run:
        yield _Target(None, "nowhere (dry run)")
        return
    if endpoint:
        from ..callback import CallbackClient

        environ = {**os.environ, "DATAWORKS_ENDPOINT": endpoint}
        yield _Target(CallbackClient.from_env(environ=environ), endpoint)
        return
    from ..testing._local import LocalDataWorks

    with LocalDataWorks() as local:
        yield _Target(local.client(), f"LocalDataWorks at {local.endpoint}", local)


def _delivered_text(outcome: Outcome, target: _Target) -> str:
    if outcome.message_id is None:
        return "no: unreadable, and so is its id"
    if outcome.duplicate:
        return "no: already answered"
    if outcome.in_progress:
        return "no: being answered elsewhere right now"
    if isinstance(outcome.error, StoreError):
        return f"no: {outcome.error}"
    if outcome.verdict is None:
        return "no: nothing to answer"
    if isinstance(outcome.error, CallbackError):
        return f"no: {outcome.error}"
    if not outcome.delivered:
        return "no (dry run)"
    text = f"yes, to {target.description}"
    if target.local is not None and outcome.message_id is not None:
        recorded = target.local.verdict_for(outcome.message_id)
        text += f" (recorded {getattr(recorded, 'result', 'nothing')})"
    return text
