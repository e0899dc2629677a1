"""Loading the user's app (``--app MODULE:ATTR``) and making the Extension a command runs."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..errors import ConfigurationError

if TYPE_CHECKING:
    from ..extension import Extension
    from ..registry import Registry

__all__ = ["APP_VARIABLE", "DEFAULT_EXTENSION_CODE", "extension_from_env", "load_app"]

APP_VARIABLE = "DATAWORKS_APP"
"""The environment variable that names a host's checks, as ``--app`` does: ``MODULE:ATTR``."""

DEFAULT_EXTENSION_CODE = "local-extension"
"""The extension code used when neither ``--extension-code``, the app's Extension nor
``DATAWORKS_EXTENSION_CODE`` gives one."""


def load_app(spec: str) -> Extension | Registry:
    """Load the :class:`Extension` or :class:`Registry` an ``--app`` argument names.

    ``spec`` is ``MODULE:ATTR`` (``ATTR`` may be dotted), ``MODULE`` alone (the module's only
    Extension, else its only Registry, else :data:`default_registry` when the module filled
    it with the module-level decorators), or a file path ``path/to/checks.py[:ATTR]``.  The
    current directory is importable, as with ``python -m``.

    Raises:
        ConfigurationError: with a message that says what to fix.

    Example:
        >>> from dataworks_ext.cli import load_app
        >>> load_app("dataworks_ext.cli.demo_checks:registry")
        Registry(FreezeNodeEvent=1, RestoreNodeEvent=1, UnpublishNodeEvent=1, BackfillEvent=1)
        >>> load_app("dataworks_ext.cli.demo_checks:nope")
        Traceback (most recent call last):
        ...
        dataworks_ext.errors.ConfigurationError: module 'dataworks_ext.cli.demo_checks' has no attribute 'nope'; its Extension and Registry objects: registry
    """  # noqa: E501
    from ..extension import Extension
    from ..registry import Registry, default_registry

    module_part, sep, attr = spec.rpartition(":") if _has_attr(spec) else (spec, "", "")
    if not module_part.strip() or (sep and not attr.strip()):
        raise ConfigurationError(
            f"--app {spec!r} is not MODULE or MODULE:ATTR (for example myext.checks:registry)"
        )
    module = _import_module(module_part.strip())
    name = getattr(module, "__name__", module_part)
    found = {
        key: value
        for key, value in vars(module).items()
        if isinstance(value, (Extension, Registry)) and not key.startswith("__")
    }
    if attr:
        target: Any = module
        for part in attr.strip().split("."):
            try:
                target = getattr(target, part)
            except AttributeError:
                listed = ", ".join(sorted(found)) or "none"
                raise ConfigurationError(
                    f"module {name!r} has no attribute {attr!r}; "
                    f"its Extension and Registry objects: {listed}"
                ) from None
        if not isinstance(target, (Extension, Registry)):
            raise ConfigurationError(
                f"{name}:{attr} is a {type(target).__name__}, not an Extension or a Registry"
            )
        return target
    extensions = {k: v for k, v in found.items() if isinstance(v, Extension)}
    registries = {k: v for k, v in found.items() if isinstance(v, Registry)}
    groups: tuple[tuple[str, dict[str, Extension | Registry]], ...] = (
        ("Extension", dict(extensions)),
        ("Registry", dict(registries)),
    )
    for kind, candidates in groups:
        if len(candidates) == 1:
            return next(iter(candidates.values()))
        if len(candidates) > 1:
            names = ", ".join(sorted(candidates))
            raise ConfigurationError(
                f"module {name!r} has several {kind} objects ({names}); "
                f"name one with --app {name}:ATTR"
            )
    if len(default_registry):
        return default_registry
    raise ConfigurationError(
        f"module {name!r} has no Extension or Registry and registered no checks; "
        f"name one with --app {name}:ATTR, or register checks with @on_freeze and friends"
    )


def extension_from_env(
    default: str | None = None, *, environ: Mapping[str, str] | None = None, **options: Any
) -> Extension:
    """The Extension a host serves: the app ``DATAWORKS_APP`` names, else ``default``.

    The app is named as ``--app`` names it (``MODULE:ATTR``, ``MODULE``, or
    ``path/to/checks.py[:ATTR]``) and loaded by :func:`load_app`, so a host (a Flask app, a
    Kafka consumer, a Function Compute function) serves the checks the command line tried.  A
    :class:`~dataworks_ext.Registry` is served by :meth:`Extension.from_env
    <dataworks_ext.Extension.from_env>` of it (the extension code, credentials and answer
    store from ``environ``), with ``options`` passed on; an :class:`~dataworks_ext.Extension`
    is served as it was built.

    Raises:
        ConfigurationError: Neither ``DATAWORKS_APP`` nor ``default`` names an app, or the app
            cannot be loaded (the message says what to fix).

    Example:
        >>> from dataworks_ext.cli import extension_from_env
        >>> environ = {"DATAWORKS_APP": "dataworks_ext.cli.demo_checks:registry",
        ...            "DATAWORKS_EXTENSION_CODE": "finance-guard"}
        >>> extension = extension_from_env(environ=environ, callback=None)
        >>> extension.extension_code, len(extension.registry)
        ('finance-guard', 4)
        >>> extension_from_env(environ={})
        Traceback (most recent call last):
        ...
        dataworks_ext.errors.ConfigurationError: DATAWORKS_APP is not set: name your checks as MODULE:ATTR (for example DATAWORKS_APP=mychecks:registry)
    """  # noqa: E501
    from ..extension import Extension

    env: Mapping[str, str] = os.environ if environ is None else environ
    spec = (env.get(APP_VARIABLE) or "").strip() or default
    if not spec:
        raise ConfigurationError(
            f"{APP_VARIABLE} is not set: name your checks as MODULE:ATTR "
            f"(for example {APP_VARIABLE}=mychecks:registry)"
        )
    try:
        app = load_app(spec)
    except ConfigurationError as exc:
        where = f"{APP_VARIABLE}={spec}" if env.get(APP_VARIABLE) else spec
        raise ConfigurationError(f"{where}: {exc}") from None
    if isinstance(app, Extension):
        return app
    return Extension.from_env(app, environ=environ, **options)


def _has_attr(spec: str) -> bool:
    """Whether ``spec`` ends in ``:ATTR`` (a Windows drive letter ``C:\\`` is not one)."""
    head, sep, tail = spec.rpartition(":")
    return bool(sep) and not tail.startswith(("\\", "/")) and not (len(head) == 1 and not tail)


def _import_module(module_name: str) -> Any:
    import importlib
    import importlib.util

    cwd = os.getcwd()
    if cwd not in sys.path and "" not in sys.path:
        sys.path.insert(0, cwd)
    is_path = module_name.endswith(".py") or "/" in module_name or os.sep in module_name
    try:
        if not is_path:
            return importlib.import_module(module_name)
        path = os.path.abspath(module_name)
        if not os.path.isfile(path):
            raise ConfigurationError(f"--app {module_name!r}: no such file")
        folder = os.path.dirname(path)
        if folder not in sys.path:
            sys.path.insert(0, folder)
        stem = os.path.splitext(os.path.basename(path))[0]
        spec = importlib.util.spec_from_file_location(stem, path)
        if spec is None or spec.loader is None:
            raise ConfigurationError(f"--app {module_name!r}: not a Python file")
        module = importlib.util.module_from_spec(spec)
        sys.modules[stem] = module
        spec.loader.exec_module(module)
        return module
    except ModuleNotFoundError as exc:
        missing = exc.name or ""
        if missing and (module_name == missing or module_name.startswith(missing + ".")):
            raise ConfigurationError(
                f"cannot import {module_name!r}: there is no module named {missing!r} "
                f"(looked in {cwd} and the installed packages)"
            ) from None
        raise _user_code_error(module_name, exc) from None
    except ConfigurationError:
        raise
    except Exception as exc:
        raise _user_code_error(module_name, exc) from None


def _user_code_error(module_name: str, exc: BaseException) -> ConfigurationError:
    import traceback

    where = ""
    if not isinstance(exc, SyntaxError):
        frames = traceback.extract_tb(exc.__traceback__)
        if frames:
            last = frames[-1]
            where = f" (at {last.filename}:{last.lineno})"
    return ConfigurationError(
        f"importing {module_name!r} raised {type(exc).__name__}: {exc}{where}"
    )


def describe_checks(registry: Registry) -> str:
    from ..events import EVENT_KINDS

    names: dict[str, list[str]] = {}
    for kind in EVENT_KINDS:
        if not kind.is_extension_point:
            continue
        for check in registry.checks_for_code(kind.event_code):
            word = _EVENT_WORDS.get(kind.event_code, kind.event_code)
            names.setdefault(check.name, []).append(word)
    if not names:
        return "no checks"
    return ", ".join(f"{name} ({', '.join(words)})" for name, words in names.items())


class _EventWords:
    """The CLI's word for each event code (``freeze``), read from the table's rows on use."""

    def get(self, code: str, default: str) -> str:
        from ..events import kind_for_code

        kind = kind_for_code(code)
        return kind.word if kind is not None and kind.word is not None else default


_EVENT_WORDS = _EventWords()


def extension_code_for(app: Extension | Registry, extension_code: str | None) -> str:
    from ..extension import Extension

    if extension_code:
        return extension_code
    if isinstance(app, Extension):
        return app.extension_code
    return os.environ.get("DATAWORKS_EXTENSION_CODE", "").strip() or DEFAULT_EXTENSION_CODE


def extension_for(
    app: Extension | Registry, callback: Any, extension_code: str | None
) -> Extension:
    """The Extension a command runs: a copy of the app's own, as configured (checks,
    policies, store; :meth:`Extension.replace`), with only its callback replaced (and its
    extension code, when one is given); for a Registry, a plain Extension of its checks.
    The user's Extension itself is never changed."""
    from ..extension import Extension

    if isinstance(app, Extension):
        changes: dict[str, Any] = {"callback": callback}
        if extension_code:
            changes["extension_code"] = extension_code
        return app.replace(**changes)
    return Extension(extension_code_for(app, extension_code), callback, app)


def describe_settings(extension: Extension) -> str:
    """The policies and store of an Extension, in one line."""
    timeout = extension.handler_timeout
    store = extension.store
    return (
        f"handler_timeout {'none' if timeout is None else f'{timeout:g}s'}, "
        f"unreadable {extension.unreadable_result.value}, "
        f"error {extension.error_result.value}, "
        f"timeout {extension.timeout_result.value}, "
        f"unhandled {extension.unhandled_result.value}; store {type(store).__name__}"
    )
