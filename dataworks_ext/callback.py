"""Delivering verdicts to DataWorks.

:class:`Callback` is the interface :class:`Extension` delivers through.  The SDK ships
:class:`CallbackClient` (``UpdateWorkbenchEventResult`` through the official Alibaba Cloud
SDK) and, for tests and local development, :class:`dataworks_ext.testing.RecordingCallback`
and :class:`dataworks_ext.testing.PrintingCallback`.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from .verdicts import Verdict

__all__ = ["Callback", "CallbackClient"]


@runtime_checkable
class Callback(Protocol):
    """Delivers one verdict for one message to DataWorks.

    Implementations raise :class:`dataworks_ext.CallbackError` when a verdict could not be
    delivered, after whatever retrying is right; returning means DataWorks accepted it.  Both
    methods must be safe to call from several threads (and tasks) at once.

    Example:
        >>> from dataworks_ext import Callback, Verdict
        >>> class Collect:
        ...     def __init__(self) -> None:
        ...         self.sent: list[tuple[str, str, Verdict]] = []
        ...     def deliver(self, message_id: str, extension_code: str, verdict: Verdict) -> None:
        ...         self.sent.append((message_id, extension_code, verdict))
        ...     async def deliver_async(
        ...         self, message_id: str, extension_code: str, verdict: Verdict
        ...     ) -> None:
        ...         self.deliver(message_id, extension_code, verdict)
        >>> isinstance(Collect(), Callback)
        True
    """

    def deliver(self, message_id: str, extension_code: str, verdict: Verdict) -> None:
        """Deliver ``verdict`` as the answer to ``message_id`` for ``extension_code``."""
        ...

    async def deliver_async(self, message_id: str, extension_code: str, verdict: Verdict) -> None:
        """The same as :meth:`deliver`, without blocking the event loop."""
        ...


class CallbackClient:
    """Placeholder until the official-SDK client lands."""

    def __init__(self, **kwargs: object) -> None:
        raise NotImplementedError("CallbackClient is not implemented yet")

    @classmethod
    def from_env(cls, environ: object = None) -> CallbackClient:
        """Placeholder."""
        raise NotImplementedError("CallbackClient is not implemented yet")
