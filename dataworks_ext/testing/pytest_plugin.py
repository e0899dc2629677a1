"""The pytest plugin of dataworks-ext, registered through the ``pytest11`` entry point.

Installing dataworks-ext makes these fixtures available in every test suite:

* ``local_dataworks``: a running :class:`~dataworks_ext.testing.LocalDataWorks`.
* ``recording_callback``: a fresh :class:`~dataworks_ext.testing.RecordingCallback`.

Example::

    def test_protected_node_is_refused(local_dataworks):
        ext = Extension("ext", callback=local_dataworks.client(), registry=my_checks)
        ext.handle(freeze_event(node_ids=[700005966962], message_id="m-1"))
        assert local_dataworks.verdict_for("m-1").result == "FAIL"
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from ._recording import RecordingCallback


@pytest.fixture
def recording_callback() -> RecordingCallback:
    """A fresh :class:`~dataworks_ext.testing.RecordingCallback`."""
    return RecordingCallback()


@pytest.fixture
def local_dataworks() -> Iterator[Any]:
    """A :class:`~dataworks_ext.testing.LocalDataWorks` on 127.0.0.1, stopped afterwards."""
    from . import LocalDataWorks  # type: ignore[attr-defined]

    with LocalDataWorks() as server:
        yield server
