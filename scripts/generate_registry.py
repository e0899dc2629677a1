"""Generate the typed registry surface from the table of event kinds (EVENT_KINDS).

Writes ``dataworks_ext/_registry_surface.py`` (the TypeVars, the decorators ``on_freeze``...
with their overloads, the ``on()`` overloads by code), the marked block of
``dataworks_ext/registry.py`` (the module-level decorators of ``default_registry``), those of
``dataworks_ext/__init__.py`` (the decorators' import and their names in ``__all__``) and the
``Operation`` literal of ``dataworks_ext/policies/_common.py``.  ``--check`` writes nothing
and exits 1 when a file differs from what the table gives (tests/test_event_table.py runs it).

    python scripts/generate_registry.py          # write
    python scripts/generate_registry.py --check  # compare
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SURFACE = ROOT / "dataworks_ext" / "_registry_surface.py"
REGISTRY = ROOT / "dataworks_ext" / "registry.py"
PACKAGE = ROOT / "dataworks_ext" / "__init__.py"
OPERATIONS = ROOT / "dataworks_ext" / "policies" / "_common.py"
MARK = "(scripts/generate_registry.py from EVENT_KINDS; do not edit)"

_SIGNATURE = "self, fn: None = None, /, *, name: str | None = None, enforce: bool = True"
_IMPL = "self, fn: Any = None, /, *, name: str | None = None, enforce: bool = True"


def _camel(stem: str) -> str:
    return "".join(part.title() for part in stem.split("_"))


def _all_rows() -> list[object]:
    _rows()
    return list(sys.modules["_dwx_table._event_kinds"].EVENT_KINDS)


def operation_block() -> dict[str, list[str]]:
    """The ``Operation`` literal of the policies: every row's operation, in table order."""
    import textwrap

    kinds = sorted(
        (k for k in _all_rows() if k.operation is not None),  # type: ignore[attr-defined]
        key=operation_group,
    )
    ops = [k.operation for k in kinds]  # type: ignore[attr-defined]
    words = ", ".join(f'``"{op}"``' for op in ops)
    doc = textwrap.wrap(
        f'"""An operation a rule can be registered for, in the user\'s words: {words}."""',
        width=100,
        break_on_hyphens=False,
    )
    return {"operations": ["Operation = Literal[", *(f'    "{op}",' for op in ops), "]", *doc]}


def operation_group(kind: object) -> int:
    """Node operations first, then DataStudio's, then the instance operations."""
    if getattr(kind, "module").value == "datastudio":  # noqa: B009
        return 1
    point = getattr(kind, "extension_point")  # noqa: B009
    return 2 if point is not None and point.value == "instance-operations" else 0


def _rows() -> list[object]:
    """The table's rows with a model of their own, read without importing the package (whose
    registry imports the module generated here): the table's module under a stand-in package."""
    import importlib
    import types

    package = types.ModuleType("_dwx_table")
    package.__path__ = [str(ROOT / "dataworks_ext")]
    sys.modules.setdefault("_dwx_table", package)
    kinds = importlib.import_module("_dwx_table._event_kinds")
    return [kind for kind in kinds.EVENT_KINDS if kind.has_model]


def _formatted(text: str, path: Path) -> str:
    """``text`` as ``ruff format`` writes it (the repository's style)."""
    import subprocess

    done = subprocess.run(
        [sys.executable, "-m", "ruff", "format", "--stdin-filename", str(path), "-"],
        input=text,
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    return done.stdout


def _typevar(var: str, cls: str) -> str:
    return (
        f"{var} = TypeVar(\n"
        f'    "{var}",\n'
        f'    bound="Callable[[events.{cls}], _Ret]"\n'
        f'    " | Callable[[events.{cls}, EventMessage], _Ret]",\n'
        ")\n"
    )


def surface(rows: list[object]) -> str:
    """The text of ``_registry_surface.py`` for the table's rows."""
    out = [
        '"""The typed decorators of the registry, one per event with a model of its own.',
        "",
        "GENERATED from EVENT_KINDS by scripts/generate_registry.py: do not edit; run",
        "``python scripts/generate_registry.py`` after adding a row to",
        ":data:`~dataworks_ext.EVENT_KINDS` (a test fails when this module differs from what the",
        "table gives).  Each decorator registers by the event's code, so no model class is built",
        "until a check is registered for it.",
        '"""',
        "",
        "from __future__ import annotations",
        "",
        "from collections.abc import Awaitable, Callable",
        "from typing import TYPE_CHECKING, Any, Literal, TypeVar, overload",
        "",
        "from .verdicts import Verdict",
        "",
        "if TYPE_CHECKING:",
        "    from . import events",
        "    from .messages import EventMessage",
        "",
        '__all__ = ["RegistryDecorators"]',
        "",
        "_Ret = Verdict | bool | None | Awaitable[Verdict | bool | None]",
        "",
    ]
    text = "\n".join(out) + "\n"
    for kind in rows:
        text += _typevar(f"{_camel(kind.name)}CheckT", kind.class_name)  # type: ignore[attr-defined]
    text += _typevar("GenericCheckT", "ExtensionPointEvent")
    text += '''

class RegistryDecorators:
    """The decorators of :class:`~dataworks_ext.Registry`, typed by event (generated).

    Example:
        >>> from dataworks_ext import Registry
        >>> hasattr(Registry(), "on_freeze")
        True
    """

    if TYPE_CHECKING:  # Registry's: register ``fn`` by code, or return a decorator that does

        def _decorate(self, event_code: str, fn: Any, name: str | None, enforce: bool) -> Any: ...
'''
    for kind in rows:
        var = f"{_camel(kind.name)}CheckT"  # type: ignore[attr-defined]
        method = kind.decorator  # type: ignore[attr-defined]
        cls = kind.class_name  # type: ignore[attr-defined]
        code = kind.event_code  # type: ignore[attr-defined]
        title = kind.title  # type: ignore[attr-defined]
        text += f'''
    @overload
    def {method}(self, fn: {var}, /) -> {var}: ...
    @overload
    def {method}(
        {_SIGNATURE}
    ) -> Callable[[{var}], {var}]: ...
    def {method}(
        {_IMPL}
    ) -> Any:
        """Register a check for :class:`{cls}`.

        The event ``{code}``: {title[:1].lower() + title[1:]}.
        Bare (``@reg.{method}``) or with options: ``name=``, ``enforce=``.

        Example:
            >>> from dataworks_ext import {cls}, Registry
            >>> reg = Registry()
            >>> @reg.{method}
            ... def allow(event: {cls}) -> bool:
            ...     return True
            >>> reg.counts()
            {{'{code}': 1}}
        """
        return self._decorate("{code}", fn, name, enforce)
'''
    for kind in rows:
        var = f"{_camel(kind.name)}CheckT"  # type: ignore[attr-defined]
        text += f'''
    @overload
    def on(  # type: ignore[overload-overlap]
        self,
        event_code: Literal["{kind.event_code}"],  # type: ignore[attr-defined]
        /,
        *,
        name: str | None = None,
        enforce: bool = True,
    ) -> Callable[[{var}], {var}]: ...'''.replace("  # type: ignore[attr-defined]", "")
    text += '''
    @overload
    def on(
        self, event_code: str, /, *, name: str | None = None, enforce: bool = True
    ) -> Callable[[GenericCheckT], GenericCheckT]: ...
    def on(self, event_code: str, /, *, name: str | None = None, enforce: bool = True) -> Any:
        """Register a check for an extension-point event by its code (a decorator).

        The check gets the event's class when the code has one (``on("commit-file")`` is
        ``on_commit_file``), else an :class:`~dataworks_ext.ExtensionPointEvent`: Data
        Integration, Data Quality, Security Center and tenant-level events, and codes newer
        than the SDK.

        Example:
            >>> from dataworks_ext import ExtensionPointEvent, Registry, Verdict
            >>> reg = Registry()
            >>> @reg.on("download-resources", name="no-bulk-downloads")
            ... def no_bulk_downloads(event: ExtensionPointEvent) -> Verdict:
            ...     if event.payload.get("rowCount", 0) > 100_000:
            ...         return Verdict.fail("downloads are limited to 100,000 rows")
            ...     return Verdict.ok()
            >>> reg.checks_for_code("download-resources")[0].name
            'no-bulk-downloads'
        """

        return self._decorate(event_code, None, name, enforce)
'''
    return text


def package_blocks(rows: list[object]) -> dict[str, list[str]]:
    """The lines of each marked block of the package's ``__init__``: the decorators' import
    from the registry and their names in ``__all__`` (the one list of the public names)."""
    names = sorted(k.decorator for k in rows)  # type: ignore[attr-defined]
    return {
        "decorator-imports": [f"    {name}," for name in names],
        "decorators": [f'    "{name}",' for name in names],
    }


def blocks(rows: list[object]) -> dict[str, list[str]]:
    """The lines of each marked block of registry.py."""
    aliases = []
    for kind in rows:
        method = kind.decorator  # type: ignore[attr-defined]
        aliases.append(f"{method} = default_registry.{method}")
        aliases.append(f'"""A decorator: :meth:`Registry.{method}` on :data:`default_registry`."""')
    return {"aliases": aliases}


def with_blocks(text: str, generated: dict[str, list[str]]) -> str:
    """``text`` with each marked block's lines replaced by the generated ones."""
    for label, lines in generated.items():
        pattern = re.compile(
            rf"(?P<head>^(?P<indent>[ ]*)# BEGIN GENERATED {label} .*?\n)(?P<body>.*?)"
            rf"(?P<tail>^[ ]*# END GENERATED {label}\n)",
            re.M | re.S,
        )
        match = pattern.search(text)
        if match is None:
            raise SystemExit(f"no generated block {label!r}")
        body = "".join(line + "\n" for line in lines)
        text = text[: match.start("body")] + body + text[match.end("body") :]
    return text


def expected() -> dict[Path, str]:
    """Each generated file with the text the table gives."""
    rows = _rows()
    registry = with_blocks(REGISTRY.read_text(encoding="utf-8"), blocks(rows))
    package = with_blocks(PACKAGE.read_text(encoding="utf-8"), package_blocks(rows))
    operations = with_blocks(OPERATIONS.read_text(encoding="utf-8"), operation_block())
    return {
        SURFACE: _formatted(surface(rows), SURFACE),
        REGISTRY: _formatted(registry, REGISTRY),
        PACKAGE: _formatted(package, PACKAGE),
        OPERATIONS: _formatted(operations, OPERATIONS),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare; write nothing")
    args = parser.parse_args(argv)
    stale = []
    for path, text in expected().items():
        current = path.read_text(encoding="utf-8") if path.exists() else ""
        if current != text:
            stale.append(path)
            if not args.check:
                path.write_text(text, encoding="utf-8")
    for path in stale:
        verb = "differs from EVENT_KINDS" if args.check else "written"
        print(f"{path.relative_to(ROOT)}: {verb}")
    return 1 if stale and args.check else 0


if __name__ == "__main__":
    sys.exit(main())
