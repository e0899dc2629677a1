"""The exit codes of the ``dataworks-ext`` command."""

from __future__ import annotations

import enum

__all__ = ["ExitCode"]


class ExitCode(enum.IntEnum):
    """The exit codes of the ``dataworks-ext`` command.

    Example:
        >>> from dataworks_ext.cli import ExitCode
        >>> int(ExitCode.USAGE)
        2
    """

    OK = 0
    """Everything went as asked."""
    FAILED = 1
    """A message is unreadable, a verdict is not the one ``--expect`` named or the one
    expected of a captured message (``check``), or the demo's own verification failed."""
    USAGE = 2
    """Bad arguments, an ``--app`` that cannot be loaded, a file that cannot be read."""
    UNDELIVERED = 3
    """A verdict could not be delivered now: the outcome is RETRY (a
    :class:`~dataworks_ext.CallbackError`, an answer store that is down)."""
