"""Sphinx configuration of the dataworks-ext docs.

Build them with ``python3 scripts/dev.py docs``: a strict build (``-W --keep-going -n``) in
which a warning, a broken cross-reference or a public name without a documented example fails.
See ``about-these-docs.md`` for why the docs are built this way.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "_ext"))
sys.path.insert(0, str(HERE.parent))

import dataworks_ext  # noqa: E402

project = "dataworks-ext"
author = "dataworks-ext developers"
copyright = "dataworks-ext developers"
release = dataworks_ext.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "myst_parser",
    "dwx_docs",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build", "_ext", "**/.pytest_cache", "Thumbs.db", ".DS_Store"]
templates_path: list[str] = []

# -- The project's own extension (docs/_ext/dwx_docs.py) ---------------------------------------
# Modules whose __all__ is the public API: each name must be documented with an example, and
# the API reference lists them all.  Modules that do not exist yet are skipped.
dwx_public_modules = [
    "dataworks_ext",
    "dataworks_ext.testing",
    "dataworks_ext.testing.strategies",
    "dataworks_ext.policies",
    "dataworks_ext.telemetry",
]
# Sections of the API reference, in reading order, by the private module defining the names.
dwx_api_module_order = [
    "extension",
    "registry",
    "registry_surface",
    "verdicts",
    "events",
    "event_kinds",
    "vocabulary",
    "models_node",
    "models_instance",
    "models_datastudio",
    "models_generic",
    "fields",
    "messages",
    "callback",
    "nodes",
    "lookups",
    "outcomes",
    "body",
    "audit",
    "health",
    "telemetry",
    "base",
    "memory",
    "redis",
    "errors",
    "builders",
    "wrapping",
    "context",
    "local",
    "recording",
    "rules",
    "windows",
    "time",
    "freeze_window",
    "combinators",
    "config",
    "common",
]
dwx_api_titles = {
    "extension": "Extension and Outcome",
    "registry": "Registering checks",
    "verdicts": "Verdicts",
    "events": "Events",
    "event_kinds": "The table of event kinds",
    "vocabulary": "Extension points, modules and APIs",
    "models_node": "Operation Center's node events",
    "models_instance": "Operation Center's instance pre-events",
    "models_datastudio": "DataStudio's file and table events",
    "models_generic": "Events without a model of their own",
    "fields": "Model fields",
    "registry_surface": "Decorators by event",
    "messages": "Messages and parsing",
    "callback": "Callbacks",
    "nodes": "Node context",
    "lookups": "Lookups",
    "outcomes": "Outcomes and the host's reply",
    "body": "Reading request bodies",
    "audit": "The audit trail",
    "health": "Health",
    "telemetry": "OpenTelemetry",
    "base": "Answer stores",
    "memory": "The in-memory answer store",
    "redis": "The Redis answer store",
    "errors": "Errors",
    "builders": "Message builders",
    "local": "LocalDataWorks",
    "recording": "Recording and printing callbacks",
    "rules": "Rules",
    "windows": "Change-freeze windows",
    "time": "Clocks and time zones",
    "freeze_window": "The change-freeze rule",
    "wrapping": "Messages around events",
    "context": "Node context for tests",
    "combinators": "Combinators",
    "config": "Rules from configuration",
    "common": "Shared names",
    "strategies": "Strategies",
}

# -- autodoc and napoleon -----------------------------------------------------------------------
autodoc_member_order = "bysource"
autodoc_typehints = "signature"
autodoc_class_signature = "mixed"
autodoc_inherit_docstrings = False
add_module_names = False
python_use_unqualified_type_names = True
python_display_short_literal_types = True

napoleon_google_docstring = True
napoleon_numpy_docstring = False
napoleon_use_ivar = False
napoleon_use_rtype = False
napoleon_attr_annotations = True

# -- Strict references --------------------------------------------------------------------------
# There is no network at build time, so no intersphinx: references into the standard library
# and into third-party packages are accepted unchecked.  Every reference to a dataworks_ext
# name is still checked (-n), and an unknown one fails the build.
_EXTERNAL = (
    r"(abc|collections\.abc|typing|typing_extensions|types|datetime|_dt|enum|json|threading|"
    r"asyncio|logging|io|os|pathlib|decimal|zoneinfo|concurrent\.futures|contextlib|"
    r"attrs|attr|cattrs|hypothesis|pytest|_pytest|flask|werkzeug|confluent_kafka|"
    r"alibabacloud_[a-z0-9_]+|Tea|darabonba|st)"
)
nitpick_ignore_regex = [
    (r"py:.*", _EXTERNAL + r"(\..+)?"),
    # RetryPolicy's methods take the SDK failure the client classified: an internal type.
    (r"py:class", r"dataworks_ext\._sdk_failures\.SdkFailure"),
    # Registry's generated decorators come from a private base (documented on Registry).
    (r"py:class", r"dataworks_ext\._registry_surface\.RegistryDecorators"),
    # CallbackClient's call path (call, call_async, the call hooks) comes from a base of its own
    # (documented on CallbackClient); an observer's trail is the pipeline's internal record.
    (r"py:class", r"dataworks_ext\._calls\.CallPath"),
    (r"py:class", r"(dataworks_ext\._audit\.)?Trail"),
    # Bare standard-library names as annotations write them under `from __future__ import
    # annotations` (autodoc cannot always qualify them).
    (
        r"py:.*",
        r"(Any|Awaitable|Callable|Iterable|Iterator|Mapping|MutableMapping|Sequence|TextIO|"
        r"ClassVar|Protocol|TypeVar|Literal|Self|date|datetime|timedelta|Enum|"
        r"SearchStrategy|BaseException|Exception|TimeoutError|ValueError|EllipsisType)",
    ),
]

# -- MyST ---------------------------------------------------------------------------------------
myst_enable_extensions = ["colon_fence", "deflist", "fieldlist"]
myst_heading_anchors = 3

# -- HTML ---------------------------------------------------------------------------------------
html_theme = "furo"
html_title = f"dataworks-ext {release}"
html_static_path = ["_static"]
html_css_files = ["dwx.css"]
html_show_sourcelink = False
