"""Sphinx extension of the dataworks-ext docs: generated pages and a docstring gate.

Everything a page shows about the SDK's names, fields and envelopes is read from the code at
build time, so the docs follow the code without anyone typing a field twice:

``.. dwx-api:: dataworks_ext``
    The API reference of a public module: every name in its ``__all__``, grouped by the
    private module that defines it (with that module's docstring as the introduction), in
    source order, through autodoc.  ``:optional:`` renders a short note instead when the
    module does not exist (yet).
``.. dwx-module-doc:: dataworks_ext.extension``
    A module's docstring in place (the policy table of :mod:`dataworks_ext.extension`).
``.. dwx-fields:: dataworks_ext.BackfillEvent``
    A table of an attrs model's fields: wire name and Python name, type and default, and
    meaning, read from ``attrs.fields()`` and each field's ``wire``/``doc`` metadata.
``.. dwx-event-kinds::``
    The event table (:data:`dataworks_ext.EVENT_KINDS`) with the decorator of each event;
    ``:point: backfill`` keeps the rows of one extension point.
``.. dwx-example-message:: freeze-node``
    A realistic message as DataWorks sends it, made by the ``dataworks_ext.testing``
    builders; ``:envelope: function-compute`` for the Function Compute envelope.  A page
    meant to be read on the repository's web page gets the same message written into it
    instead (``docs/_ext/dwx_generated.py``).
``.. dwx-envelope-fields:: cloudevent``
    Which envelope key lands in which :class:`dataworks_ext.EventMessage` attribute, found
    by a round trip through ``EventMessage.to_dict()``.
``.. dwx-include-example:: flask_app``
    ``examples/<name>/README.md``, included as a page section, or a note while it is missing.

The docstring gate runs on every build: each public name (``__all__`` of the modules in
``dwx_public_modules``) must have a docstring; classes and functions must also show an
example (an ``Example:``/``Examples:`` section or a ``>>>`` line), and the public methods
and properties of public classes must have a docstring.  A miss is a warning, which the
strict build (``-W``) turns into a failure.

References the Python domain cannot resolve are retried under the public path of the name:
annotations say ``dataworks_ext.extension.Outcome`` where the docs document
``dataworks_ext.Outcome``.  A name that is documented nowhere still fails the build.

These directives write reStructuredText, so in a Markdown page put them in an ``{eval-rst}``
block.
"""

from __future__ import annotations

import enum
import importlib
import importlib.util
import inspect
import json
import os
import pkgutil
import re
import types
import typing
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import attrs
from docutils import nodes
from docutils.parsers.rst import directives
from docutils.parsers.rst.states import RSTState
from docutils.statemachine import StringList
from dwx_generated import example_message, example_message_json, type_text
from sphinx.application import Sphinx
from sphinx.pycode import ModuleAnalyzer, PycodeError
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective
from sphinx.util.nodes import nested_parse_with_titles

logger = logging.getLogger(__name__)

_EXAMPLE = re.compile(r"^\s*(Examples?::?|>>> )", re.MULTILINE)
_GENERATED_DOCS = "dwx_generated_docs"
_ROOT = Path(__file__).resolve().parents[2]

FALLBACK_DOCS = {"__version__": "The version of dataworks-ext, as released."}
"""Docstrings for names that cannot carry one of their own."""


# --------------------------------------------------------------------------- the public names


def public_modules(app: Sphinx) -> Iterator[types.ModuleType]:
    """Import the modules of ``dwx_public_modules``; those not (yet) in the package are skipped."""
    for name in app.config.dwx_public_modules:
        try:
            spec = importlib.util.find_spec(name)
        except ModuleNotFoundError:
            spec = None
        if spec is None:
            logger.info("[dwx] %s does not exist (yet); not checked", name)
            continue
        yield importlib.import_module(name)


def _analyzer(modname: str) -> ModuleAnalyzer | None:
    try:
        analyzer = ModuleAnalyzer.for_module(modname)
        analyzer.analyze()
    except PycodeError:
        return None
    return analyzer


def _submodules(package: str) -> list[str]:
    root = importlib.import_module(package)
    names = [package]
    for info in pkgutil.walk_packages(getattr(root, "__path__", []), prefix=package + "."):
        names.append(info.name)
    return names


def defining_module(module: types.ModuleType, name: str) -> str:
    """The module that defines ``module.name``: where its source (or attribute doc) is."""
    obj = getattr(module, name)
    if inspect.isclass(obj) or inspect.isroutine(obj):
        owner = getattr(obj, "__module__", None)
        if isinstance(owner, str) and owner.startswith(module.__name__.split(".")[0]):
            if inspect.ismethod(obj):  # e.g. on_freeze = default_registry.on_freeze
                found = _data_home(module, name, obj)
                return found or owner
            return owner
    return _data_home(module, name, obj) or module.__name__


def _data_home(module: types.ModuleType, name: str, obj: Any) -> str | None:
    top = module.__name__.split(".")[0]
    for candidate in [module.__name__, *_submodules(top)]:
        try:
            sub = importlib.import_module(candidate)
        except ImportError:
            continue
        if getattr(sub, name, _MISSING) is not obj and getattr(sub, name, _MISSING) != obj:
            continue
        analyzer = _analyzer(candidate)
        if analyzer is not None and ("", name) in analyzer.attr_docs:
            return candidate
    return None


_MISSING = object()


def attribute_doc(modname: str, name: str, cls: str = "") -> list[str]:
    """The ``#:`` comment or string literal documenting ``name`` in ``modname``'s source."""
    analyzer = _analyzer(modname)
    if analyzer is None:
        return []
    lines = list(analyzer.attr_docs.get((cls, name), []))
    while lines and not lines[-1].strip():
        lines.pop()
    return lines


def public_doc(module: types.ModuleType, name: str) -> str:
    """The docstring a reader sees for ``module.name``."""
    obj = getattr(module, name)
    if inspect.isclass(obj):
        return obj.__dict__.get("__doc__") or ""
    if inspect.ismethod(obj) and not inspect.isclass(obj.__self__):
        home = defining_module(module, name)
        own = "\n".join(attribute_doc(home, name))
        return own + "\n\n" + (inspect.getdoc(obj) or "")
    if inspect.isroutine(obj):
        return inspect.getdoc(obj) or ""
    if name in FALLBACK_DOCS:
        return FALLBACK_DOCS[name]
    return "\n".join(attribute_doc(defining_module(module, name), name))


# --------------------------------------------------------------------------- the docstring gate


def _where(obj: Any) -> str | None:
    try:
        path = inspect.getsourcefile(obj)
        line = inspect.getsourcelines(obj)[1]
    except (TypeError, OSError):
        return None
    return f"{path}:{line}"


def _public_members(cls: type[Any]) -> Iterator[tuple[str, Any]]:
    for member, value in vars(cls).items():
        if member.startswith("_"):
            continue
        if isinstance(value, (staticmethod, classmethod)):
            value = value.__func__
        if isinstance(value, property) or inspect.isfunction(value):
            yield member, value


def check_docstrings(app: Sphinx) -> None:
    """Warn for every public name without a docstring or, where one is due, an example."""
    checked = 0
    for module in public_modules(app):
        for name in getattr(module, "__all__", ()):
            if name.startswith("__") and name.endswith("__"):
                continue
            checked += 1
            full = f"{module.__name__}.{name}"
            obj = getattr(module, name, _MISSING)
            if obj is _MISSING:
                logger.warning("[dwx] %s is in __all__ but does not exist", full, type="dwx")
                continue
            doc = public_doc(module, name).strip()
            callable_api = inspect.isclass(obj) or inspect.isroutine(obj)
            where = _where(obj) if callable_api else None
            if not doc:
                logger.warning(
                    "[dwx] public name %s has no docstring", full, type="dwx", location=where
                )
            elif callable_api and not _EXAMPLE.search(doc):
                logger.warning(
                    "[dwx] the docstring of %s has no example "
                    "(add an 'Example:' section with a short doctest)",
                    full,
                    type="dwx",
                    location=where,
                )
            if inspect.isclass(obj):
                for member, value in _public_members(obj):
                    target = value.fget if isinstance(value, property) else value
                    if not (getattr(target, "__doc__", None) or "").strip():
                        logger.warning(
                            "[dwx] public member %s.%s has no docstring",
                            full,
                            member,
                            type="dwx",
                            location=_where(target),
                        )
    logger.info("[dwx] checked the docstrings of %d public names", checked)


# --------------------------------------------------------------------------- helpers


def _note_generated(directive: SphinxDirective) -> None:
    """Remember that the page has generated content, to re-read it on every build."""
    env = directive.env
    if not hasattr(env, _GENERATED_DOCS):
        setattr(env, _GENERATED_DOCS, set())
    getattr(env, _GENERATED_DOCS).add(env.docname)


class _RstDirective(SphinxDirective):
    """A directive that writes reStructuredText and parses it in place."""

    def parse_rst(self, lines: list[str], *, titles: bool = False) -> list[nodes.Node]:
        if not isinstance(self.state, RSTState):
            raise self.error(
                f"{self.name} writes reStructuredText: in a Markdown page, "
                "put it in an {eval-rst} block"
            )
        _note_generated(self)
        source = f"<generated by {self.name}>"
        content = StringList(lines, source=source)
        holder = nodes.section() if titles else nodes.container()
        holder.document = self.state.document
        if titles:
            nested_parse_with_titles(self.state, content, holder)
        else:
            self.state.nested_parse(content, self.content_offset, holder)
        return list(holder.children)

    def note_module(self, module: types.ModuleType) -> None:
        path = getattr(module, "__file__", None)
        if path:
            self.env.note_dependency(path)


def _import(path: str) -> Any:
    modname, _, attr = path.rpartition(".")
    return getattr(importlib.import_module(modname), attr)


def _cell(text: str) -> str:
    return " ".join(text.split())


def _list_table(
    header: list[str],
    rows: list[list[str]],
    widths: str | None = None,
    css_class: str = "dwx-table",
) -> list[str]:
    lines = [".. list-table::", "   :header-rows: 1", f"   :class: {css_class}"]
    if widths:
        lines.append(f"   :widths: {widths}")
    lines.append("")
    for row in [header, *rows]:
        for index, value in enumerate(row):
            lead = "   * - " if index == 0 else "     - "
            paragraphs = [_cell(text) for text in value.split("\n\n")] or [""]
            lines.append(lead + (paragraphs[0] or " "))
            for paragraph in paragraphs[1:]:
                lines += ["", "       " + paragraph]
    lines.append("")
    return lines


# --------------------------------------------------------------------------- dwx-api


class ApiDirective(_RstDirective):
    """Every name of a public module's ``__all__`` through autodoc, grouped by source module."""

    required_arguments = 1
    option_spec: ClassVar[dict[str, Any]] = {"optional": directives.flag}

    def run(self) -> list[nodes.Node]:
        modname = self.arguments[0]
        try:
            spec = importlib.util.find_spec(modname)
        except ModuleNotFoundError:
            spec = None
        if spec is None:
            if "optional" in self.options:
                return self.parse_rst(
                    [
                        f".. py:module:: {modname}",
                        "",
                        ".. note::",
                        "",
                        f"   ``{modname}`` is not part of this release yet.",
                        "",
                    ]
                )
            raise self.error(f"no module named {modname}")
        module = importlib.import_module(modname)
        self.note_module(module)
        names = list(getattr(module, "__all__", ()))
        groups: dict[str, list[tuple[int, str]]] = {}
        for name in names:
            home = defining_module(module, name)
            analyzer = _analyzer(home)
            order = analyzer.tagorder.get(name, 10_000) if analyzer else 10_000
            groups.setdefault(home, []).append((order, name))
            self.note_module(importlib.import_module(home))
        preferred = list(self.config.dwx_api_module_order)

        def rank(home: str) -> tuple[int, str]:
            short = home.rpartition(".")[2].lstrip("_")
            position = preferred.index(short) if short in preferred else len(preferred)
            return position, home

        lines = [f".. automodule:: {modname}", "   :no-members:", ""]
        for home in sorted(groups, key=rank):
            short = home.rpartition(".")[2].lstrip("_")
            title = self.config.dwx_api_titles.get(short) or (
                "Other names" if home == modname else short
            )
            lines += [title, "-" * len(title), ""]
            intro = inspect.getdoc(importlib.import_module(home)) if home != modname else None
            if intro:
                lines += [*intro.splitlines(), ""]
            for _, name in sorted(groups[home]):
                lines += self._entry(module, name)
        return self.parse_rst(lines, titles=True)

    def _entry(self, module: types.ModuleType, name: str) -> list[str]:
        obj = getattr(module, name)
        full = f"{module.__name__}.{name}"
        if inspect.isclass(obj):
            kind = "autoexception" if issubclass(obj, BaseException) else "autoclass"
            options = ["   :members:"]
            if obj.__bases__ != (object,):
                options.append("   :show-inheritance:")
            if any(_private_base(module, base) for base in obj.__bases__):
                # e.g. Registry's decorators, generated into a base class of their own
                options.append("   :inherited-members: object")
        elif inspect.isroutine(obj):
            kind, options = "autofunction", []
        else:
            kind, options = "autodata", []
            if len(repr(obj)) > 60 or _is_type_alias(obj):
                options.append("   :no-value:")
        return [f".. {kind}:: {full}", *options, ""]


def _private_base(module: types.ModuleType, base: type[Any]) -> bool:
    """Whether ``base`` is a class of the package that its public modules do not show."""
    top = module.__name__.split(".")[0]
    return base.__module__.startswith(top + ".") and base.__name__ not in vars(module)


def _is_type_alias(obj: Any) -> bool:
    return isinstance(obj, types.UnionType) or typing.get_origin(obj) is not None


def prepare_docstring(
    app: Sphinx, what: str, name: str, obj: Any, options: Any, lines: list[str]
) -> None:
    """Runs before napoleon: public data gets its source docs; attribute docs stay prose."""
    _replace_data_docs(app, name, lines)
    if what in ("attribute", "property", "data") and lines and lines[0].strip():
        # Napoleon reads "text: more text" on an attribute's first line as "type: text";
        # these docstrings are prose, so give it an empty comment to find no type in.
        lines[:0] = ["..", ""]


def _replace_data_docs(app: Sphinx, name: str, lines: list[str]) -> None:
    modname, _, attr = name.rpartition(".")
    if modname not in app.config.dwx_public_modules:
        return
    module = importlib.import_module(modname)
    if attr not in getattr(module, "__all__", ()):
        return
    value = getattr(module, attr)
    if inspect.isclass(value) or (inspect.isroutine(value) and not inspect.ismethod(value)):
        return
    doc = public_doc(module, attr)
    lines[:] = inspect.cleandoc(doc).splitlines() if doc.strip() else []
    if _is_type_alias(value):
        members = typing.get_args(value)
        if members:
            refs = " | ".join(_ref(member) for member in members)
            lines += ["", f"Alias of {refs}."]


def _ref(tp: Any) -> str:
    if tp is type(None):
        return "``None``"
    if inspect.isclass(tp):
        public = _public_path(tp)
        if public:
            return f":class:`~{public}`"
        if tp.__module__ == "builtins":
            return f":class:`{tp.__qualname__}`"
        return f"``{tp.__qualname__}``"
    return f"``{type_text(tp)}``"


def _public_path(obj: Any) -> str | None:
    for modname in ("dataworks_ext", "dataworks_ext.testing"):
        module = importlib.import_module(modname)
        for name in getattr(module, "__all__", ()):
            if getattr(module, name, None) is obj:
                return f"{modname}.{name}"
    return None


class ModuleDocDirective(_RstDirective):
    """A module's docstring, in place; ``:skip-summary:`` leaves out its first paragraph."""

    required_arguments = 1
    option_spec: ClassVar[dict[str, Any]] = {"skip-summary": directives.flag}

    def run(self) -> list[nodes.Node]:
        module = importlib.import_module(self.arguments[0])
        self.note_module(module)
        doc = inspect.getdoc(module) or ""
        if "skip-summary" in self.options:
            doc = doc.partition("\n\n")[2]
        if not doc.strip():
            raise self.error(f"{self.arguments[0]} has no docstring to show")
        return self.parse_rst(doc.splitlines())


# --------------------------------------------------------------------------- dwx-fields


class FieldsDirective(_RstDirective):
    """A table of an attrs model's fields, from ``attrs.fields()`` and their metadata."""

    required_arguments = 1
    option_spec: ClassVar[dict[str, Any]] = {"no-properties": directives.flag}

    def run(self) -> list[nodes.Node]:
        cls = _import(self.arguments[0])
        self.note_module(importlib.import_module(cls.__module__))
        public = _public_path(cls) or self.arguments[0]
        hints = typing.get_type_hints(cls)
        rows = []
        for field in attrs.fields(cls):
            wire = _wire_name(field)
            wire_text = "*(any other field)*" if wire == "*" else f"``{wire}``"
            kind = f"``{type_text(hints.get(field.name, field.type))}``"
            rows.append(
                [
                    f"{wire_text}\n\n:attr:`~{public}.{field.name}`",
                    f"{kind}, {_default_text(field)}",
                    field.metadata.get("doc", ""),
                ]
            )
        # Three columns, the meaning the widest: four (wire, Python, type, meaning) left the
        # meaning a word or two a line on a laptop.  docs/_static/dwx.css fixes the widths and
        # stacks the cells of a row on a narrow screen.
        lines = _list_table(
            ["Wire name and Python name", "Type", "Meaning"],
            rows,
            "30 22 48",
            css_class="dwx-fields",
        )
        properties = [
            (name, value)
            for name, value in inspect.getmembers(cls)
            if isinstance(value, property) and not name.startswith("_")
        ]
        if properties and "no-properties" not in self.options:
            lines += ["Computed from those fields:", ""]
            for name, value in properties:
                summary = (inspect.getdoc(value) or "").split("\n\n")[0]
                lines.append(f"* :attr:`~{public}.{name}`: {_cell(summary)}")
            lines.append("")
        return self.parse_rst(lines)


def _wire_name(field: attrs.Attribute[Any]) -> str:
    from dataworks_ext.events import wire_name

    return wire_name(field)


def _default_text(field: attrs.Attribute[Any]) -> str:
    default = field.default
    if default is attrs.NOTHING:
        return "required"
    if isinstance(default, attrs.Factory):  # type: ignore[arg-type]
        value = default.factory()  # type: ignore[attr-defined]
        return "default empty" if not value else f"default ``{value!r}``"
    if isinstance(default, enum.Enum):
        return f"default ``{default.value}``"
    if isinstance(default, bool) or default is None:
        return f"default ``{json.dumps(default)}``"
    return f"default ``{default!r}``"


# --------------------------------------------------------------------------- dwx-event-kinds


def _decorators() -> dict[type[Any], str]:
    """Which module-level decorator registers a check for which event class: each row's."""
    import dataworks_ext

    return {k.cls: k.decorator for k in dataworks_ext.EVENT_KINDS if k.decorator is not None}


class EventKindsDirective(_RstDirective):
    """The event table, :data:`dataworks_ext.EVENT_KINDS`, with each event's decorator.

    ``:point:`` keeps the rows of one extension point (several, comma-separated); ``:regular:``
    lists the regular events instead.  Every row says which API answers it, and whether the
    DataWorks pages document that pairing or the SDK infers it.
    """

    option_spec: ClassVar[dict[str, Any]] = {
        "point": directives.unchanged,
        "regular": directives.flag,
    }

    def run(self) -> list[nodes.Node]:
        import dataworks_ext
        from dataworks_ext import events

        self.note_module(events)
        points = [p.strip() for p in self.options.get("point", "").split(",") if p.strip()]
        regular = "regular" in self.options
        decorators = _decorators()
        rows = []
        for kind in dataworks_ext.EVENT_KINDS:
            point = kind.extension_point
            if regular != (point is None):
                continue
            if points and (point is None or not {point.name.lower(), point.value} & set(points)):
                continue
            rows.append(self._row(kind, decorators, with_point=not points and not regular))
        if not rows:
            raise self.error(f"no event kinds for extension point {points!r}")
        if regular:
            header = ["Event, eventCode and EventBridge type", "Module"]
            return self.parse_rst(_list_table(header, rows, "70 30"))
        # Three columns, like the field tables: the event (and its codes), how to check it,
        # and the API that answers it.
        header = ["Event, eventCode and EventBridge type", "Class and decorator", "Answered by"]
        return self.parse_rst(_list_table(header, rows, "44 32 24"))

    @staticmethod
    def _row(kind: Any, decorators: dict[type[Any], str], *, with_point: bool) -> list[str]:
        title = kind.title
        if with_point and kind.extension_point is not None:
            title = f"{_point_title(kind.extension_point)}: {title}"
        event = f"{title}\n\n``{kind.event_code}``\n\n``{kind.eventbridge_type}``"
        if kind.extension_point is None:
            return [event, kind.module.value]
        if kind.has_model:
            check = f":class:`~dataworks_ext.{kind.cls.__name__}`"
            decorator = decorators.get(kind.cls)
            if decorator:
                check += f"\n\n:func:`@{decorator} <dataworks_ext.{decorator}>`"
        else:
            check = (
                ":class:`~dataworks_ext.ExtensionPointEvent`"
                f'\n\n``@registry.on("{kind.event_code}")``'
            )
        pairing = "documented" if kind.api_documented else "inferred"
        return [event, check, f"``{kind.api.value}`` ({pairing})"]


def _point_title(point: enum.Enum) -> str:
    """The extension point's name in the console, from the enum member's docstring."""
    doc = " ".join(attribute_doc("dataworks_ext.events", point.name, "ExtensionPoint"))
    title = doc.split(" (")[0].rstrip(".")
    return title or point.value


# --------------------------------------------------------------------------- dwx-example-message

_ENVELOPES = {"cloudevent": "cloudevent", "function-compute": "function-compute"}


class ExampleMessageDirective(_RstDirective):
    """A realistic message of one event kind, as JSON, in one envelope."""

    required_arguments = 1
    option_spec: ClassVar[dict[str, Any]] = {
        "envelope": lambda value: directives.choice(value, tuple(_ENVELOPES))
    }

    def run(self) -> list[nodes.Node]:
        from dataworks_ext import testing

        self.note_module(testing)
        envelope = self.options.get("envelope", "cloudevent")
        try:
            text = example_message_json(self.arguments[0], envelope)
        except LookupError as exc:
            raise self.error(str(exc)) from None
        block = nodes.literal_block(text, text, language="json")
        return [block]


# --------------------------------------------------------------------------- dwx-envelope-fields


def envelope_map(envelope: str) -> list[tuple[str, str]]:
    """(wire key, EventMessage attribute) pairs of an envelope, found by a round trip."""
    from dataworks_ext import EnvelopeKind, EventMessage

    sentinel_attrs = [
        field.name
        for field in attrs.fields(EventMessage)
        if field.name not in ("event", "envelope", "attributes", "payload")
    ]
    example = example_message("freeze-node", envelope)
    probe = attrs.evolve(
        example,
        attributes={},
        **{name: f"<{name}>" for name in sentinel_attrs},
    )
    wire = probe.to_dict()
    data_key = next(key for key, value in wire.items() if isinstance(value, dict))
    found: list[tuple[str, str]] = []
    for key, value in wire.items():
        if key == data_key:
            found.append((key, "event"))
        elif isinstance(value, str) and value.startswith("<") and value.endswith(">"):
            found.append((key, value[1:-1]))
    for key in example.to_dict():
        if key not in wire:
            found.append((key, "attributes"))
    # Attributes this envelope does not carry come from the payload, when it has them.
    mapped = {attr for _, attr in found}
    payload = example.to_dict()[data_key]
    for name in sentinel_attrs:
        head, *rest = name.split("_")
        camel = head + "".join(part.title() for part in rest)
        if name not in mapped and camel in payload:
            found.insert(
                len(found) - sum(a == "attributes" for _, a in found), (f"{data_key}.{camel}", name)
            )
    assert EnvelopeKind(envelope)
    return found


class EnvelopeFieldsDirective(_RstDirective):
    """Which key of an envelope lands in which :class:`dataworks_ext.EventMessage` attribute."""

    required_arguments = 1

    def run(self) -> list[nodes.Node]:
        from dataworks_ext import messages

        self.note_module(messages)
        envelope = self.arguments[0]
        if envelope not in _ENVELOPES:
            raise self.error(f"envelope must be one of {', '.join(_ENVELOPES)}")
        rows = []
        for key, attr in envelope_map(envelope):
            target = f":attr:`~dataworks_ext.EventMessage.{attr}`"
            if attr == "event":
                meaning = (
                    "The payload: parsed into the typed event; the raw mapping is kept in "
                    ":attr:`~dataworks_ext.EventMessage.payload`."
                )
            elif attr == "attributes":
                target = f"``attributes[{key!r}]``"
                meaning = "Kept as sent."
            else:
                meaning = " ".join(attribute_doc("dataworks_ext.messages", attr, "EventMessage"))
            rows.append([f"``{key}``", target, meaning])
        return self.parse_rst(
            _list_table(["Envelope key", "EventMessage", "Meaning"], rows, "20 30 50")
        )


# --------------------------------------------------------------------------- dwx-include-example


class IncludeExampleDirective(SphinxDirective):
    """Include ``examples/<name>/README.md`` in a Markdown page, or a note while it is missing.

    Links in the README are taken relative to the README, so a link to ``app.py`` becomes a
    download of ``examples/<name>/app.py``.  Its headings move down by ``:heading-offset:``.
    """

    required_arguments = 1
    option_spec: ClassVar[dict[str, Any]] = {"heading-offset": directives.nonnegative_int}

    def run(self) -> list[nodes.Node]:
        name = self.arguments[0]
        readme = _ROOT / "examples" / name / "README.md"
        relative = readme.relative_to(_ROOT).as_posix()
        renderer = getattr(self.state, "_renderer", None)
        if renderer is None or not hasattr(renderer, "nested_render_text"):
            raise self.error(f"{self.name} includes Markdown: use it in a Markdown page")
        if not readme.is_file():
            note = nodes.note()
            note += nodes.paragraph(
                "",
                "",
                nodes.Text(f"The {name} example ("),
                nodes.literal("", relative),
                nodes.Text(") is on its way."),
            )
            return [note]
        _note_generated(self)
        self.env.note_dependency(str(readme))
        source_dir = Path(self.env.doc2path(self.env.docname)).parent
        text = _rewrite_links(readme.read_text(encoding="utf-8"), readme.parent, source_dir)
        md_env = renderer.md_env
        md_env["relative-images"] = os.path.relpath(readme.parent, source_dir)
        try:
            renderer.nested_render_text(
                text, 0, heading_offset=self.options.get("heading-offset", 0)
            )
        finally:
            md_env.pop("relative-images", None)
        return []


_LINK = re.compile(r"(?<!!)(\[[^\]]*\])\((?![a-z]+:|#)([^)\s]+)\)")


def _rewrite_links(text: str, folder: Path, doc_dir: Path) -> str:
    """Point a README's relative links at the right place from the page that includes it.

    A link to another example's README goes to the page including that README (a page named
    after the example beside this one); a link to any other file of the repository becomes a
    download of that file; anything else is left alone.
    """

    def replace(match: re.Match[str]) -> str:
        label, target = match.group(1), match.group(2)
        path_part, hash_, anchor = target.partition("#")
        path = (folder / path_part).resolve()
        if path.name == "README.md" and path.parent.parent == _ROOT / "examples":
            page = doc_dir / f"{path.parent.name}.md"
            if page.is_file():
                return f"{label}({page.name}{hash_}{anchor})"
        if path.exists():
            return f"{label}({os.path.relpath(path, doc_dir)})"
        return match.group(0)

    return _LINK.sub(replace, text)


def drop_private_bases(app: Sphinx, name: str, obj: Any, options: Any, bases: list[Any]) -> None:
    """Show only the public base classes: a private base has no page to link to."""
    bases[:] = [base for base in bases if not getattr(base, "__name__", "").startswith("_")]


# --------------------------------------------------------------------------- references


def resolve_public_path(app: Sphinx, env: Any, node: Any, contnode: Any) -> Any:
    """Retry an unresolved Python reference under the name's public path.

    ``dataworks_ext.extension.Outcome`` (how an annotation names it) becomes
    ``dataworks_ext.Outcome``; ``Extension`` in a ``dataworks_ext.testing`` docstring becomes
    ``dataworks_ext.Extension``; a bare member name (``handle``) resolves when exactly one
    documented public object has it.  Type variables have no page, so they stay plain text.
    """
    if node.get("refdomain") != "py":
        return None
    target = str(node.get("reftarget", "")).lstrip("~.")
    if not target:
        return None
    if _is_typevar(target):
        return contnode
    domain = env.get_domain("py")
    objects = domain.objects
    parts = target.split(".")
    found = None
    for start in range(len(parts)):
        suffix = ".".join(parts[start:])
        for modname in app.config.dwx_public_modules:
            candidate = f"{modname}.{suffix}"
            if candidate in objects and candidate != target:
                found = candidate
                break
        if found:
            break
    if found is None and len(parts) == 1:
        matches = [
            name
            for name in objects
            if name.endswith("." + target)
            and any(name.startswith(m + ".") for m in app.config.dwx_public_modules)
        ]
        if len(matches) == 1:
            found = matches[0]
    if found is None:
        return None
    node["reftarget"] = found
    return domain.resolve_xref(
        env, node.get("refdoc", env.docname), app.builder, node["reftype"], found, node, contnode
    )


def _is_typevar(target: str) -> bool:
    modname, _, attr = target.rpartition(".")
    if not modname.startswith("dataworks_ext"):
        return False
    try:
        value = getattr(importlib.import_module(modname), attr, None)
    except ImportError:
        return False
    return isinstance(value, typing.TypeVar)


def outdated_generated(app: Sphinx, env: Any, added: Any, changed: Any, removed: Any) -> list[str]:
    """Re-read the pages with generated content on every build: the code may have moved."""
    return sorted(getattr(env, _GENERATED_DOCS, set()) - set(removed))


def purge_generated(app: Sphinx, env: Any, docname: str) -> None:
    getattr(env, _GENERATED_DOCS, set()).discard(docname)


_GENERATED_TABLE = re.compile(r"<!--\s*(fields|envelope-fields|event-kinds):")


def mark_generated_tables(app: Sphinx, doctree: nodes.document) -> None:
    """Give the Markdown tables written by ``scripts/generate_docs.py`` (each after a
    ``<!-- fields: ... -->`` or ``<!-- event-kinds: ... -->`` marker) the classes of the
    generated tables (``dwx-fields``, ``dwx-table``), so they get the same layout."""
    for marker in list(doctree.findall(lambda node: isinstance(node, (nodes.raw, nodes.comment)))):
        found = _GENERATED_TABLE.search(marker.astext())
        parent = marker.parent
        if found is None or parent is None:
            continue
        kind = "dwx-fields" if found.group(1) == "fields" else "dwx-table"
        for sibling in parent.children[parent.index(marker) + 1 :]:
            if isinstance(sibling, nodes.table):
                sibling["classes"].append(kind)
                _give_widths(sibling, _FIELD_WIDTHS if kind == "dwx-fields" else None)
                break
            if isinstance(sibling, (nodes.section, nodes.literal_block)):
                break


_FIELD_WIDTHS = (19, 19, 17, 45)
"""Wire name, Python name, type, meaning: the meaning the widest (equal columns left it a
word or two a line on a laptop)."""


def _give_widths(table: nodes.table, widths: tuple[int, ...] | None) -> None:
    """Write ``widths`` (percentages) into the table's column specs, when they fit it."""
    specs = list(table.findall(nodes.colspec))
    if widths is None or len(specs) != len(widths):
        return
    for spec, width in zip(specs, widths, strict=True):
        spec["colwidth"] = width
    classes = [name for name in table["classes"] if name != "colwidths-auto"]
    table["classes"] = [*classes, "colwidths-given"]


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_config_value(
        "dwx_public_modules",
        ["dataworks_ext", "dataworks_ext.testing"],
        "env",
        types=[list],
    )
    app.add_config_value("dwx_api_module_order", [], "env", types=[list])
    app.add_config_value("dwx_api_titles", {}, "env", types=[dict])
    app.add_directive("dwx-api", ApiDirective)
    app.add_directive("dwx-module-doc", ModuleDocDirective)
    app.add_directive("dwx-fields", FieldsDirective)
    app.add_directive("dwx-event-kinds", EventKindsDirective)
    app.add_directive("dwx-example-message", ExampleMessageDirective)
    app.add_directive("dwx-envelope-fields", EnvelopeFieldsDirective)
    app.add_directive("dwx-include-example", IncludeExampleDirective)
    app.connect("builder-inited", check_docstrings)
    app.connect("doctree-read", mark_generated_tables)
    app.connect("autodoc-process-docstring", prepare_docstring, priority=100)
    app.connect("autodoc-process-bases", drop_private_bases)
    app.connect("missing-reference", resolve_public_path, priority=900)
    app.connect("env-get-outdated", outdated_generated)
    app.connect("env-purge-doc", purge_generated)
    return {"version": "1", "parallel_read_safe": False, "parallel_write_safe": True}
