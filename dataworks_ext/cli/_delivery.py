"""Where a command's verdicts go (an embedded LocalDataWorks, an endpoint, nowhere), and what
it says about a delivery."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from ..errors import ConfigurationError
from ..outcomes import Outcome, Reason

if TYPE_CHECKING:
    from ..testing._local import LocalDataWorks


class DeliveryTarget:
    """Where verdicts go: an embedded LocalDataWorks, a given endpoint, or nowhere."""

    def __init__(self, callback: Any, description: str, local: Any = None) -> None:
        self.callback = callback
        self.description = description
        self.local = local


@contextmanager
def _exported(variables: dict[str, str | None]) -> Iterator[None]:
    """``os.environ`` with ``variables`` set (``None``: unset), as it was again afterwards."""
    saved = {name: os.environ.get(name) for name in variables}
    for name, value in variables.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@contextmanager
def embedded_dataworks(
    endpoint: str | None = None, seed: str | None = None, **options: Any
) -> Iterator[LocalDataWorks | None]:
    """The DataWorks a command's app looks things up in and answers, set up BEFORE the app
    is imported: an embedded LocalDataWorks (seeded from ``seed``) whose endpoint and keys are
    exported for :meth:`CallbackClient.from_env`, so ``Lookups(CallbackClient.from_env())``
    built at import reaches it; with ``endpoint``, ``DATAWORKS_ENDPOINT`` names that endpoint
    (the credentials stay those of the environment) and nothing is embedded."""
    with _quiet_credential_chain(), _local_or_endpoint(endpoint, seed, **options) as local:
        yield local


@contextmanager
def _local_or_endpoint(
    endpoint: str | None, seed: str | None, **options: Any
) -> Iterator[LocalDataWorks | None]:
    if endpoint:
        if seed is not None:
            raise ConfigurationError(
                "--seed fills the embedded LocalDataWorks; with --endpoint, lookups go to "
                f"{endpoint}: drop one of them"
            )
        with _exported({"DATAWORKS_ENDPOINT": endpoint}):
            yield None
        return
    from ..testing._local import LocalDataWorks
    from ..testing._seed import load_seed

    with LocalDataWorks(**options) as local:
        if seed is not None:
            load_seed(local, seed)
        environ = local.env()
        exported: dict[str, str | None] = {"ALIBABA_CLOUD_SECURITY_TOKEN": None, **environ}
        with _exported(exported):  # the caller's STS token would not match its keys
            yield local


@contextmanager
def _quiet_credential_chain() -> Iterator[None]:
    """Keep the official SDK's credential chain from printing a traceback for each provider
    it tries while a command runs (its failure comes back as one error that says what to
    set; ``-vv`` shows the chain again)."""
    import logging

    loggers = [logging.getLogger(name) for name in ("credentials", "darabonba-core")]
    if logging.getLogger("dataworks_ext").isEnabledFor(logging.DEBUG):
        yield
        return
    saved = [logger.disabled for logger in loggers]
    for logger in loggers:
        logger.disabled = True  # its modules set their own level when imported: disable
    try:
        yield
    finally:
        for logger, disabled in zip(loggers, saved, strict=True):
            logger.disabled = disabled


@contextmanager
def delivery_target(
    endpoint: str | None, dry_run: bool, local: LocalDataWorks | None = None
) -> Iterator[DeliveryTarget]:
    if dry_run:
        yield DeliveryTarget(None, "nowhere (dry run)")
        return
    if endpoint:
        from ..callback import CallbackClient

        environ = {**os.environ, "DATAWORKS_ENDPOINT": endpoint}
        yield DeliveryTarget(CallbackClient.from_env(environ=environ), endpoint)
        return
    if local is not None:
        yield DeliveryTarget(local.client(), f"LocalDataWorks at {local.endpoint}", local)
        return
    from ..testing._local import LocalDataWorks

    with LocalDataWorks() as started:
        yield DeliveryTarget(started.client(), f"LocalDataWorks at {started.endpoint}", started)


#: What the command line says of a message that was not delivered, by its reason.
NOT_DELIVERED: dict[Reason, str] = {
    Reason.REJECTED: "no: unreadable, and so is its id",
    Reason.DUPLICATE: "no: already answered",
    Reason.IN_PROGRESS: "no: being answered elsewhere right now",
    Reason.CLAIM_LOST: "no: another instance took the message over before it was decided",
    Reason.NOTHING_TO_ANSWER: "no: nothing to answer",
    Reason.CANCELLED: "no: cancelled before a verdict was decided",
}


def delivered_text(outcome: Outcome, target: DeliveryTarget) -> str:
    """Whether (and where) the message's verdict was delivered, in words, by its reason."""
    reason = outcome.reason
    if reason is Reason.STORE_DOWN or reason is Reason.DELIVERY_FAILED:
        return f"no: {outcome.error}"
    if reason in NOT_DELIVERED:
        return NOT_DELIVERED[reason]
    if not outcome.delivered:
        return "no (dry run)"
    text = f"yes, to {target.description}"
    if target.local is not None and outcome.message_id is not None:
        recorded = target.local.verdict_for(outcome.message_id)
        text += f" (recorded {getattr(recorded, 'result', 'nothing')})"
    return text
