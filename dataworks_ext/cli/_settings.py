"""``--settings FILE``: the extension parameters an embedded LocalDataWorks answers
``GetExtension`` with."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from ..errors import ConfigurationError


def add_settings_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--settings",
        metavar="FILE",
        help="the extension parameters LocalDataWorks answers GetExtension with: a file of "
        "key=value lines as typed in DataWorks (e.g. extension.project.disabled=23393), or "
        "a JSON object shaped like GetExtension's Extension",
    )


def _read_settings(path: str) -> str | dict[str, Any]:
    """The parameter text (or the Extension object) in ``path``."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or type(exc).__name__
        raise ConfigurationError(f"cannot read --settings {path}: {reason}") from None
    if text.lstrip().startswith("{"):
        try:
            found = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ConfigurationError(f"--settings {path} is not valid JSON: {exc}") from None
        if not isinstance(found, dict):
            raise ConfigurationError(f"--settings {path} must hold a JSON object")
        return found
    return text


def apply_settings(args: argparse.Namespace, local: Any) -> None:
    """Give the embedded LocalDataWorks the ``--settings`` file, for every extension code."""
    path = getattr(args, "settings", None)
    if path and local is not None:
        local.set_extension_settings(None, _read_settings(path))
