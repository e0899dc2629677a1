"""Callbacks for tests and local development: one that records, one that prints."""

from __future__ import annotations

import sys
import threading
from typing import TextIO

import attrs

from ..events import CallbackApi
from ..verdicts import Verdict

_DEFAULT = CallbackApi.UPDATE_WORKBENCH_EVENT_RESULT
"""The API a delivery goes through unless it names one (Operation Center's)."""

__all__ = ["Delivery", "PrintingCallback", "RecordingCallback"]


@attrs.frozen
class Delivery:
    """One verdict as a callback received it.

    Example:
        >>> from dataworks_ext import Verdict
        >>> from dataworks_ext.testing import Delivery
        >>> delivery = Delivery("m-1", "ext", Verdict.ok())
        >>> delivery.verdict.passed, delivery.api.value
        (True, 'UpdateWorkbenchEventResult')
    """

    message_id: str
    """The message answered."""
    extension_code: str
    """The extension code it was answered with."""
    verdict: Verdict
    """The verdict delivered."""
    api: CallbackApi = _DEFAULT
    """The API it was delivered through."""


class _Receiving:
    """A :class:`~dataworks_ext.Callback` whose deliveries, sync and async, go to
    :meth:`receive` as :class:`Delivery` values."""

    def deliver(
        self, message_id: str, extension_code: str, verdict: Verdict, *, api: CallbackApi = _DEFAULT
    ) -> None:
        """Hand the verdict and its API to :meth:`receive`."""
        self.receive(Delivery(message_id, extension_code, verdict, CallbackApi(api)))

    async def deliver_async(
        self, message_id: str, extension_code: str, verdict: Verdict, *, api: CallbackApi = _DEFAULT
    ) -> None:
        """The same as :meth:`deliver` (nothing here blocks)."""
        self.deliver(message_id, extension_code, verdict, api=api)

    def receive(self, delivery: Delivery) -> None:
        """Take one delivery (each subclass says what it does with it)."""
        raise NotImplementedError


class RecordingCallback(_Receiving):
    """A :class:`~dataworks_ext.Callback` that keeps every verdict in memory.

    Args:
        fail_with: An exception to raise from every delivery instead of recording (set or
            clear the attribute at any time to simulate an outage).

    Example:
        >>> from dataworks_ext import Verdict
        >>> from dataworks_ext.testing import RecordingCallback
        >>> recorder = RecordingCallback()
        >>> recorder.deliver("m-1", "ext", Verdict.fail("no"))
        >>> recorder.verdicts["m-1"].tip, len(recorder)
        ('no', 1)
        >>> recorder.apis["m-1"].value
        'UpdateWorkbenchEventResult'

    It records a verdict as the caller gave it: an Extension has already turned a WARN into
    OK for an API without WARN.
    """

    def __init__(self, *, fail_with: BaseException | None = None) -> None:
        self.deliveries: list[Delivery] = []
        self.fail_with = fail_with
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self.deliveries)

    def __repr__(self) -> str:
        return f"RecordingCallback({len(self)} deliveries)"

    @property
    def verdicts(self) -> dict[str, Verdict]:
        """The last verdict delivered for each message id."""
        with self._lock:
            return {d.message_id: d.verdict for d in self.deliveries}

    @property
    def apis(self) -> dict[str, CallbackApi]:
        """The API of the last delivery for each message id."""
        with self._lock:
            return {d.message_id: d.api for d in self.deliveries}

    def receive(self, delivery: Delivery) -> None:
        """Record ``delivery`` (or raise ``fail_with``).

        Example:
            >>> from dataworks_ext import Verdict
            >>> from dataworks_ext.testing import Delivery, RecordingCallback
            >>> recorder = RecordingCallback()
            >>> recorder.receive(Delivery("m-9", "ext", Verdict.warn("late")))
            >>> recorder.verdicts["m-9"].tip
            'late'
        """
        if self.fail_with is not None:
            raise self.fail_with
        with self._lock:
            self.deliveries.append(delivery)

    def clear(self) -> None:
        """Forget every recorded delivery."""
        with self._lock:
            self.deliveries.clear()


class PrintingCallback(_Receiving):
    """A dry-run :class:`~dataworks_ext.Callback` that prints each verdict, for local runs.

    Example:
        >>> from dataworks_ext import Verdict
        >>> from dataworks_ext.testing import PrintingCallback
        >>> PrintingCallback(stream=sys.stdout).deliver("m-1", "ext", Verdict.fail("no"))
        [dry run] m-1 (ext): FAIL via UpdateWorkbenchEventResult - no
    """

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream

    def receive(self, delivery: Delivery) -> None:
        """Print ``delivery`` instead of delivering it.

        Example:
            >>> from dataworks_ext import CallbackApi, Verdict
            >>> from dataworks_ext.testing import Delivery, PrintingCallback
            >>> PrintingCallback(stream=sys.stdout).receive(
            ...     Delivery("m-2", "ext", Verdict.ok(), CallbackApi.CALLBACK_EXTENSION))
            [dry run] m-2 (ext): OK via CallbackExtension
        """
        verdict = delivery.verdict
        tip = f" - {verdict.tip}" if verdict.tip else ""
        print(
            f"[dry run] {delivery.message_id} ({delivery.extension_code}): "
            f"{verdict.result.value} via {delivery.api.value}{tip}",
            file=self.stream or sys.stdout,
        )
