"""Importing what an optional extra installs, with an error that says how to install it."""

from __future__ import annotations

import importlib
import sys
from types import ModuleType

from .errors import ConfigurationError

__all__ = ["require"]


def require(module: str, extra: str) -> ModuleType:
    """Import ``module``, which the ``extra`` of dataworks-ext installs; return what the
    statement ``import module`` binds (the top-level package, as ``import redis.asyncio``
    binds ``redis``).

    Raises:
        ConfigurationError: ``module`` is not installed; the message names the pip command
            that installs the extra.  A module missing *inside* an installed package is not
            the extra's to install: that ``ModuleNotFoundError`` propagates as it is.

    Example:
        >>> from dataworks_ext._extras import require
        >>> require("json.decoder", "none").__name__
        'json'
        >>> require("no_such_module_here", "redis")
        Traceback (most recent call last):
        ...
        dataworks_ext.errors.ConfigurationError: no_such_module_here is not installed: pip install 'dataworks-ext[redis]'
    """  # noqa: E501
    try:
        importlib.import_module(module)
    except ModuleNotFoundError as exc:
        missing = exc.name or ""
        if missing and (module == missing or module.startswith(missing + ".")):
            raise ConfigurationError(
                f"{missing} is not installed: pip install 'dataworks-ext[{extra}]'"
            ) from None
        raise
    return sys.modules[module.partition(".")[0]]
