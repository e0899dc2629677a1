"""The answer-store protocol: claim a message for a lease, then complete or release the claim.

EventBridge delivers at least once, and with several instances a redelivery lands on any of
them.  Before running the checks, :class:`~dataworks_ext.Extension` *claims* the message in
an :class:`AnswerStore`; the claim is one atomic step that reports one of three states:

* :attr:`ClaimState.ACQUIRED`: nobody holds it; this caller runs the checks and delivers.
  The claim is an in-progress record that expires by itself after the *lease*, so a claim
  whose holder died is taken over by the next redelivery.
* :attr:`ClaimState.IN_PROGRESS`: another caller holds it right now: the host retries later.
* :attr:`ClaimState.ANSWERED`: a verdict was delivered; :attr:`Claim.verdict` is that verdict.

After delivering, the holder *completes* the claim with the verdict (kept for the store's
TTL); when delivery failed it *releases* the claim so that the redelivery is answered.  Both
take the :class:`Claim` back, and act only if its token still owns the record.
"""

from __future__ import annotations

import enum
from typing import NamedTuple, Protocol, runtime_checkable

from ..verdicts import CheckResult, Verdict

__all__ = ["AnswerStore", "AsyncAnswerStore", "Claim", "ClaimState"]


class ClaimState(enum.Enum):
    """What a claim found.

    Example:
        >>> from dataworks_ext import ClaimState
        >>> ClaimState.ANSWERED.name
        'ANSWERED'
    """

    ACQUIRED = "acquired"
    """The caller holds the message until it completes or releases the claim (or the lease ends)."""
    IN_PROGRESS = "in progress"
    """Another caller holds the message right now."""
    ANSWERED = "answered"
    """A verdict for the message was delivered; :attr:`Claim.verdict` carries it."""


class Claim(NamedTuple):
    """The result of :meth:`AnswerStore.claim`, handed back to ``complete`` or ``release``.

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
    """For :attr:`ClaimState.ACQUIRED`: proves ownership to ``complete`` and ``release``."""
    verdict: Verdict | None = None
    """For :attr:`ClaimState.ANSWERED`: the verdict that was delivered."""


@runtime_checkable
class AnswerStore(Protocol):
    """Where an :class:`~dataworks_ext.Extension` claims messages and records its answers.

    A store may also have ``ping()`` (and ``ping_async()``): ``True`` when it answers,
    an exception when it does not; :meth:`Extension.health` uses it (a store without one
    is reported as not checked).

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

    def complete(self, claim: Claim, verdict: Verdict) -> bool:
        """Record ``verdict`` as the answer, for the store's TTL.

        ``False`` when another caller took the message over meanwhile (the lease ended).
        """
        ...

    def release(self, claim: Claim) -> bool:
        """Give the claim up (delivery failed), so that a redelivery is answered.

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
