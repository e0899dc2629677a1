"""When a failed call to DataWorks is tried again: one policy for every call the SDK makes.

:class:`RetryPolicy` holds the numbers (attempts, backoff, the deadline of the whole call) and
decides, from a failure and the time spent so far, whether to try again and after how long.
It does no I/O and never sleeps: the sync and the async paths of
:class:`dataworks_ext.CallbackClient` wait as they must.
"""

from __future__ import annotations

import random

from ._sdk_failures import SdkFailure
from .errors import ConfigurationError

__all__ = ["RetryPolicy", "seconds"]


def seconds(value: float, name: str) -> float:
    """``value`` as a positive float, or a :class:`ConfigurationError` naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        raise ConfigurationError(f"{name} must be a positive number of seconds, got {value!r}")
    return float(value)


class RetryPolicy:
    """Retries what may pass on a later try, with exponential backoff and full jitter.

    A failure is retried when it is retryable (throttling, server errors, timeouts,
    connection errors: :mod:`dataworks_ext._sdk_failures` decides), fewer than
    ``max_attempts`` calls were made, and the wait still ends before ``deadline`` seconds
    after the first call.  Wait ``n`` (from 1) is drawn uniformly from
    ``[0, min(backoff_cap, backoff_base * 2 ** (n - 1))]``.

    Pass one as ``retry=`` to :meth:`CallbackClient.call <dataworks_ext.CallbackClient.call>`
    for a call more (or less) patient than the client's own policy.

    Example:
        >>> from dataworks_ext import RetryPolicy
        >>> patient = RetryPolicy(max_attempts=8, deadline=60)
        >>> patient.max_attempts, patient.deadline
        (8, 60.0)
    """

    __slots__ = ("backoff_base", "backoff_cap", "deadline", "max_attempts")

    def __init__(
        self,
        *,
        max_attempts: int = 4,
        backoff_base: float = 0.2,
        backoff_cap: float = 5.0,
        deadline: float = 20.0,
    ) -> None:
        if isinstance(max_attempts, bool) or not isinstance(max_attempts, int) or max_attempts < 1:
            raise ConfigurationError(
                f"max_attempts must be an int of 1 or more, not {max_attempts!r}"
            )
        self.max_attempts = max_attempts
        self.backoff_base = seconds(backoff_base, "backoff_base")
        self.backoff_cap = seconds(backoff_cap, "backoff_cap")
        self.deadline = seconds(deadline, "deadline")

    def __repr__(self) -> str:
        return (
            f"RetryPolicy(max_attempts={self.max_attempts}, backoff_base={self.backoff_base:g}, "
            f"backoff_cap={self.backoff_cap:g}, deadline={self.deadline:g})"
        )

    def delay(self, attempt: int, failure: SdkFailure, elapsed: float) -> float | None:
        """Seconds to wait before attempt ``attempt + 1``, or ``None`` to give up now.

        ``attempt`` is the number of the attempt that failed (from 1); ``elapsed`` the seconds
        since the first one started.
        """
        if not failure.retryable or attempt >= self.max_attempts:
            return None
        bound = min(self.backoff_cap, self.backoff_base * 2 ** (attempt - 1))
        delay = random.uniform(0.0, bound)
        if elapsed + delay >= self.deadline:
            return None
        return delay

    def cut_short(self, attempts: int, failure: SdkFailure) -> bool:
        """Whether giving up after ``failure`` was the deadline's doing, not the attempt count."""
        return (
            failure.retryable
            and attempts < self.max_attempts
            and failure.code != "DeadlineExceeded"
        )
