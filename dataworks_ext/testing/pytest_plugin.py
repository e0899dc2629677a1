"""The pytest plugin of dataworks-ext, registered through the ``pytest11`` entry point.

Installing dataworks-ext makes these fixtures available in every test suite, with nothing to
configure:

* ``recording_callback``: a fresh :class:`~dataworks_ext.testing.RecordingCallback`.
* ``local_dataworks``: a running :class:`~dataworks_ext.testing.LocalDataWorks` on
  127.0.0.1 (the ``UpdateWorkbenchEventResult`` API, for real signed calls), stopped after
  the test.
* ``make_extension``: a factory of :class:`~dataworks_ext.Extension` objects that deliver
  into the test's ``recording_callback`` unless given another callback.
* ``local_dataworks_env``: sets the environment variables that
  :meth:`Extension.from_env <dataworks_ext.Extension.from_env>` and
  ``CallbackClient.from_env`` read so that code under test answers the test's
  ``local_dataworks``; returns them.

Example::

    from dataworks_ext.testing import freeze_event
    from mychecks import registry

    def test_protected_node_is_refused(make_extension, recording_callback):
        make_extension(registry).handle(freeze_event(node_ids=[700005966962], message_id="m-1"))
        assert recording_callback.verdicts["m-1"].result.value == "FAIL"

    def test_the_whole_path(make_extension, local_dataworks):
        ext = make_extension(registry, callback=local_dataworks.client())
        ext.handle(freeze_event(node_ids=[700005966962], message_id="m-1"))
        assert local_dataworks.verdict_for("m-1").result == "FAIL"

The plugin imports nothing heavy when pytest loads it: the SDK is imported by the fixtures
that need it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, Protocol

import pytest

if TYPE_CHECKING:
    from ..callback import Callback
    from ..extension import Extension
    from ..registry import Registry
    from ._local import LocalDataWorks
    from ._recording import RecordingCallback

__all__ = [
    "TEST_EXTENSION_CODE",
    "MakeExtension",
    "local_dataworks",
    "local_dataworks_env",
    "make_extension",
    "recording_callback",
]

TEST_EXTENSION_CODE = "test-extension"
"""The extension code ``make_extension`` and ``local_dataworks_env`` use unless told."""


class MakeExtension(Protocol):
    """The type of the ``make_extension`` fixture, for annotating tests.

    Example::

        from dataworks_ext.testing.pytest_plugin import MakeExtension

        def test_backfill_limit(make_extension: MakeExtension) -> None:
            ext = make_extension(my_registry, handler_timeout=5)
    """

    def __call__(
        self,
        registry: Registry | None = None,
        *,
        callback: Callback | None = None,
        **options: Any,
    ) -> Extension:
        """Build an Extension; see the ``make_extension`` fixture."""
        ...


@pytest.fixture
def recording_callback() -> RecordingCallback:
    """A fresh :class:`~dataworks_ext.testing.RecordingCallback` for the test.

    Example::

        def test_records(recording_callback):
            Extension("ext", callback=recording_callback, registry=Registry()).handle(
                freeze_event(message_id="m-1"))
            assert recording_callback.verdicts["m-1"].passed
    """
    from ._recording import RecordingCallback

    return RecordingCallback()


@pytest.fixture
def local_dataworks() -> Iterator[LocalDataWorks]:
    """A :class:`~dataworks_ext.testing.LocalDataWorks` on 127.0.0.1, stopped after the test.

    Its :meth:`client` is a ``CallbackClient`` pointed at it; ``verdict_for(message_id)``
    tells what it recorded; ``inject("Throttling.User")`` makes the next call fail.

    Example::

        def test_delivered(local_dataworks):
            ext = Extension("ext", callback=local_dataworks.client(), registry=Registry())
            ext.handle(freeze_event(message_id="m-1"))
            assert local_dataworks.verdict_for("m-1").result == "OK"
    """
    from ._local import LocalDataWorks

    with LocalDataWorks() as server:
        yield server


@pytest.fixture
def make_extension(recording_callback: RecordingCallback) -> MakeExtension:
    """A factory: ``make_extension(registry=None, *, callback=None, **options) -> Extension``.

    * ``registry``: the checks; ``None`` means :data:`~dataworks_ext.default_registry`, as
      for :class:`~dataworks_ext.Extension`.
    * ``callback``: where verdicts go; ``None`` means the test's ``recording_callback``
      fixture (fast, no sockets).  Pass ``local_dataworks.client()`` for the whole path
      through the official SDK and HTTP.
    * ``options``: any other :class:`~dataworks_ext.Extension` keyword, and
      ``extension_code`` (default ``"test-extension"``).

    Every call builds a new Extension (with its own memory of answered messages).

    Example::

        def test_backfill_limit(make_extension, recording_callback):
            ext = make_extension(my_registry, error_result="OK")
            ext.handle(backfill_event(days=90, message_id="m-1"))
            assert not recording_callback.verdicts["m-1"].passed
    """
    from ..extension import Extension

    def make(
        registry: Registry | None = None,
        *,
        callback: Callback | None = None,
        **options: Any,
    ) -> Extension:
        code = options.pop("extension_code", TEST_EXTENSION_CODE)
        chosen = recording_callback if callback is None else callback
        return Extension(code, chosen, registry, **options)

    return make


@pytest.fixture
def local_dataworks_env(
    local_dataworks: LocalDataWorks, monkeypatch: pytest.MonkeyPatch
) -> dict[str, str]:
    """Point code that reads the environment at the test's ``local_dataworks``.

    Sets ``DATAWORKS_ENDPOINT``, ``DATAWORKS_REGION_ID``, ``ALIBABA_CLOUD_ACCESS_KEY_ID``,
    ``ALIBABA_CLOUD_ACCESS_KEY_SECRET`` (from ``local_dataworks.env()``) and
    ``DATAWORKS_EXTENSION_CODE`` (``"test-extension"``); clears ``DATAWORKS_DRY_RUN``.
    Everything is restored after the test.  Returns the variables set.

    Example::

        def test_app_built_from_env(local_dataworks_env, local_dataworks):
            ext = Extension.from_env(registry)        # what your Flask app does at start-up
            ext.handle(freeze_event(message_id="m-1"))
            assert local_dataworks.verdict_for("m-1") is not None
    """
    env = dict(local_dataworks.env())
    env.setdefault("DATAWORKS_EXTENSION_CODE", TEST_EXTENSION_CODE)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("DATAWORKS_DRY_RUN", raising=False)
    return env
