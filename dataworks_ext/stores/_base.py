"""The answer-store protocol: a message's answer is decided once, recorded, then delivered.

EventBridge delivers at least once, and with several instances a redelivery lands on any of
them.  :class:`~dataworks_ext.Extension` keeps one record per message (per extension) in an
:class:`AnswerStore`, which moves through three states:

* **held** (a token and a lease): one caller runs the checks.  It renews the lease while it
  works (a heartbeat, one store call for every claim in flight); a holder that dies stops
  renewing, its lease ends, and the next redelivery takes the message over and decides it.
* **decided** (a token, a lease and the verdict): the verdict is fixed *before* it is sent.
  From here on nobody decides again: a redelivery that finds the record decided and its
  lease ended takes it over and re-sends **that** verdict.
* **answered** (the verdict): DataWorks accepted it; kept for the store's TTL, so a
  redelivery is answered as a duplicate (nothing is sent again).

The transitions, each one atomic step in the store:

=============  ===========================================  ===================================
operation      from                                         to / returns
=============  ===========================================  ===================================
``claim``      nothing (or held, lease ended)               held by the caller: ACQUIRED
               decided, lease ended                         decided, caller's token: DECIDED
               held or decided, lease running               unchanged: IN_PROGRESS
               answered                                     unchanged: ANSWERED (the verdict)
``renew``      held or decided with the caller's token      the lease starts again; ``False``
                                                            when the token no longer holds it
``decide``     held with the caller's token (or nothing)    decided with the verdict: ``True``;
                                                            ``False`` when another caller holds
                                                            it (the fencing: deliver nothing)
``complete``   anything                                     answered with the verdict
``release``    held with the caller's token                 nothing (a redelivery decides)
               decided with the caller's token              decided, lease ended (a redelivery
                                                            re-sends the verdict at once)
=============  ===========================================  ===================================

So DataWorks can only ever receive one verdict per message: the second send is the same
verdict again, and only where a reply was lost or a holder died between sending and
``complete``.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from typing import NamedTuple, Protocol, runtime_checkable

from ..verdicts import CheckResult, Verdict

__all__ = ["AnswerStore", "AsyncAnswerStore", "Claim", "ClaimState"]


class ClaimState(enum.Enum):
    """What a claim found.

    Example:
        >>> from dataworks_ext import ClaimState
        >>> [state.name for state in ClaimState]
        ['ACQUIRED', 'DECIDED', 'IN_PROGRESS', 'ANSWERED']
    """

    ACQUIRED = "acquired"
    """The caller holds the message: it runs the checks, decides, delivers, completes."""
    DECIDED = "decided"
    """The caller holds a message decided before (its holder died or gave it up):
    :attr:`Claim.verdict` is that verdict, which the caller delivers again, never deciding anew."""
    IN_PROGRESS = "in progress"
    """Another caller holds the message right now."""
    ANSWERED = "answered"
    """A verdict for the message was delivered; :attr:`Claim.verdict` carries it."""


class Claim(NamedTuple):
    """The result of :meth:`AnswerStore.claim`, handed back to the store's other steps.

    Example:
        >>> from dataworks_ext import Claim, ClaimState, Verdict
        >>> claim = Claim("ext", "m-1", ClaimState.ANSWERED, verdict=Verdict.ok())
        >>> claim.state is ClaimState.ANSWERED, claim.verdict.passed
        (True, True)
    """

    extension_code: str
    """The extension the answer is from: two extensions answer the same message each."""
    message_id: str
    """The message claimed."""
    state: ClaimState
    """What the claim found."""
    token: str | None = None
    """For :attr:`~ClaimState.ACQUIRED` and :attr:`~ClaimState.DECIDED`: proves ownership
    (the fencing token) to ``renew``, ``decide``, ``complete`` and ``release``."""
    verdict: Verdict | None = None
    """For :attr:`~ClaimState.ANSWERED`: the verdict delivered; for
    :attr:`~ClaimState.DECIDED`: the verdict decided, to deliver again."""


@runtime_checkable
class AnswerStore(Protocol):
    """Where an :class:`~dataworks_ext.Extension` claims messages, decides and records answers.

    A store may also have ``ping()`` (and ``ping_async()``): ``True`` when it answers,
    an exception when it does not; :meth:`Extension.health` uses it (a store without one
    is reported as not checked), and ``describe()`` returning its kind and warnings about
    its configuration.  ``operation_timeout`` (seconds, optional) is the longest one call
    may take; the Extension refuses a lease too short for its heartbeat to renew in time.

    Methods may raise anything when the store cannot be reached; the Extension turns it into
    a :class:`~dataworks_ext.StoreError` and tells the host to retry.  They are called from
    any thread.  A store that also implements :class:`AsyncAnswerStore` is used through it
    by :meth:`~dataworks_ext.Extension.handle_async`; otherwise these methods run in a
    worker thread there, so the event loop is never blocked.

    Example:
        >>> from dataworks_ext import AnswerStore, MemoryAnswerStore
        >>> isinstance(MemoryAnswerStore(), AnswerStore)
        True
    """

    def claim(self, extension_code: str, message_id: str, lease: float) -> Claim:
        """Claim ``message_id`` for ``lease`` seconds, atomically; report what was found."""
        ...

    def renew(self, claims: Sequence[Claim], lease: float) -> list[bool]:
        """Start the lease of each claim again; for each, whether the caller still holds it."""
        ...

    def decide(self, claim: Claim, verdict: Verdict, lease: float) -> bool:
        """Fix ``verdict`` as the message's answer before it is sent.

        ``False`` when the caller no longer holds the message (its lease ended and another
        caller took it): then it must deliver nothing.
        """
        ...

    def complete(self, claim: Claim, verdict: Verdict) -> bool:
        """Record ``verdict`` as delivered, for the store's TTL.

        ``False`` when the record was another caller's (it is recorded all the same: the
        verdict was delivered).
        """
        ...

    def release(self, claim: Claim) -> bool:
        """Give the claim up: a held message is freed, a decided one keeps its verdict.

        ``False`` when the claim was no longer this caller's.
        """
        ...


@runtime_checkable
class AsyncAnswerStore(Protocol):
    """The asyncio form of :class:`AnswerStore`, used by ``handle_async`` when present.

    Example:
        >>> from dataworks_ext import AsyncAnswerStore, MemoryAnswerStore
        >>> isinstance(MemoryAnswerStore(), AsyncAnswerStore)
        True
    """

    async def claim_async(self, extension_code: str, message_id: str, lease: float) -> Claim:
        """The same as :meth:`AnswerStore.claim`."""
        ...

    async def renew_async(self, claims: Sequence[Claim], lease: float) -> list[bool]:
        """The same as :meth:`AnswerStore.renew`."""
        ...

    async def decide_async(self, claim: Claim, verdict: Verdict, lease: float) -> bool:
        """The same as :meth:`AnswerStore.decide`."""
        ...

    async def complete_async(self, claim: Claim, verdict: Verdict) -> bool:
        """The same as :meth:`AnswerStore.complete`."""
        ...

    async def release_async(self, claim: Claim) -> bool:
        """The same as :meth:`AnswerStore.release`."""
        ...


# A verdict as stored: the result word, then the tip after a newline (words have none).


def encode_verdict(verdict: Verdict) -> str:
    """``"FAIL\\nnode 7 is protected"``, or ``"OK"`` without a tip."""
    word = verdict.result.value
    return word if verdict.tip is None else f"{word}\n{verdict.tip}"


def decode_verdict(text: str) -> Verdict:
    """The inverse of :func:`encode_verdict`."""
    word, _, tip = text.partition("\n")
    return Verdict(CheckResult(word), tip or None)
