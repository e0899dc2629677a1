"""Text that leaves the SDK is valid UTF-8: lone surrogates are replaced, never sent.

JSON may carry a lone surrogate (``"\\ud800"`` is valid JSON, and Python reads it into a
``str``); such a string cannot be encoded as UTF-8.  What the SDK writes out (a reply body,
an outcome's summary, an audit record, a tip sent to DataWorks) goes through :func:`valid_text`
first.  The check costs nothing for ASCII text (``str.isascii`` is a flag lookup).
"""

from __future__ import annotations

import re
from typing import Any

_SURROGATE = re.compile("[\ud800-\udfff]")
REPLACEMENT = "\ufffd"
"""What a lone surrogate becomes: U+FFFD REPLACEMENT CHARACTER."""


def valid_text(text: str) -> str:
    """``text`` with every lone surrogate replaced by U+FFFD; ``text`` itself when it has none."""
    if text.isascii():
        return text
    return _SURROGATE.sub(REPLACEMENT, text)


def has_surrogate(text: str) -> bool:
    """Whether ``text`` holds a lone surrogate, so that it cannot be encoded as UTF-8."""
    return not text.isascii() and _SURROGATE.search(text) is not None


def valid_data(value: Any) -> Any:
    """``value`` (JSON-like data) with :func:`valid_text` applied to every string in it.

    A container is copied only when a string in it changed; otherwise ``value`` is returned.
    """
    if isinstance(value, str):
        return valid_text(value)
    if isinstance(value, dict):
        changed = False
        items = {}
        for key, item in value.items():
            new_key, new_item = valid_data(key), valid_data(item)
            changed = changed or new_key is not key or new_item is not item
            items[new_key] = new_item
        return items if changed else value
    if isinstance(value, (list, tuple)):
        cleaned = [valid_data(item) for item in value]
        if any(a is not b for a, b in zip(cleaned, value, strict=True)):
            return cleaned if isinstance(value, list) else tuple(cleaned)
        return value
    return value


QUOTE_LIMIT = 80
"""The longest rendering of an offending value an error text shows (:func:`quoted`)."""


def quoted(value: Any) -> str:
    """A short, safe rendering of an offending value for an error text."""
    try:
        text = repr(value)
    except RecursionError:
        return f"a {type(value).__name__} nested too deeply to show"
    except ValueError:  # an int past sys.get_int_max_str_digits()
        return f"a {type(value).__name__} too long to show"
    if len(text) > QUOTE_LIMIT:
        return f"{text[: QUOTE_LIMIT - 3]}... ({type(value).__name__}, {len(text)} chars)"
    return text
