"""``python -m dataworks_ext``: the same as the ``dataworks-ext`` command.

Example::

    python -m dataworks_ext demo
"""

from __future__ import annotations

from .cli._main import main

if __name__ == "__main__":
    raise SystemExit(main())
