"""Names used across modules are public within the package: no ``_name`` crosses a module.

Every module of ``dataworks_ext`` is read with ``ast``.  A module may not take a name with a
leading underscore from another module of the package, neither by ``from <module> import
_name`` (relative or absolute, at any depth, at the top or inside a function) nor by
``module._name`` on a package module it imported.  Dunder names (``__version__``) are fine, and
so are private *modules* (``from . import _convert``): a module whose own name starts with an
underscore is private to users, and the names inside it are public to the package.

Objects are read too, as far as the source tells: ``obj._name`` on anything but ``self``,
``cls`` or ``super()`` fails when ``_name`` is a private member (a method, a class attribute, a
``self._name`` assigned) that only other modules define.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "dataworks_ext"


MODULES = {
    ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts).removesuffix(".__init__"): path
    for path in sorted(PACKAGE.rglob("*.py"))
}
"""Each module of the package by its dotted name (a package by its own name)."""


def _is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _dotted(node: ast.expr) -> str | None:
    """``a.b.c`` for a chain of attributes on a name, else ``None``."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))


def crossings(name: str, source: str, modules: set[str], *, package: bool = False) -> list[str]:
    """Each private name module ``name`` (its text is ``source``) takes from another module.

    ``modules`` are the dotted names of the package's modules; ``package`` says that ``name``
    is a package (its ``__init__``), which relative imports start from.  An entry reads
    ``"importing module: source module.name"``.

    Example:
        >>> crossings("pkg.b", "from .a import _x, y, __all__", {"pkg", "pkg.a", "pkg.b"})
        ['pkg.b: pkg.a._x']
    """
    here = name.split(".")
    if not package:
        here = here[:-1]
    root = name.split(".")[0]
    tree = ast.parse(source)
    found: list[str] = []
    bound: dict[str, str] = {}  # a local name -> the package module it is bound to
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] != root:
                    continue
                if alias.asname:
                    bound[alias.asname] = alias.name
                else:
                    bound[alias.name.split(".")[0]] = alias.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = here[: len(here) - (node.level - 1)]
                origin = ".".join([*base, *([node.module] if node.module else [])])
            else:
                origin = node.module or ""
            if origin.split(".")[0] != root:
                continue
            for alias in node.names:
                submodule = f"{origin}.{alias.name}"
                if submodule in modules:
                    bound[alias.asname or alias.name] = submodule
                elif _is_private(alias.name) and origin != name:
                    found.append(f"{name}: {origin}.{alias.name}")
    for node in ast.walk(tree):
        if not isinstance(node, ast.Attribute) or not _is_private(node.attr):
            continue
        owner = _dotted(node.value)
        if owner is None:
            continue
        first, _, rest = owner.partition(".")
        if first not in bound:
            continue
        module = ".".join(filter(None, [bound[first], rest]))
        if module in modules and module != name:
            found.append(f"{name}: {module}.{node.attr}")
    return sorted(set(found))


def _all_crossings() -> list[str]:
    names = set(MODULES)
    found: list[str] = []
    for name, path in MODULES.items():
        source = path.read_text(encoding="utf-8")
        found.extend(crossings(name, source, names, package=path.name == "__init__.py"))
    return found


def test_the_scan_finds_each_kind_of_crossing() -> None:
    modules = {"pkg", "pkg.a", "pkg.sub", "pkg.sub.c", "pkg.sub._d"}
    source = "\n".join(
        [
            "from .a import _x, y, __all__",
            "from pkg.a import _absolute",
            "from ..a import _too_far_up",
            "from . import _d",
            "import pkg.a as alias",
            "import pkg",
            "def f():",
            "    from .._d import _inside",  # pkg._d is no module: still a private name
            "    from ._d import _in_function",
            "    return _d._attr, alias._other, pkg.a._dotted, _d.fine, alias.__doc__",
        ]
    )
    assert crossings("pkg.sub.c", source, modules) == [
        "pkg.sub.c: pkg._d._inside",
        "pkg.sub.c: pkg.a._absolute",
        "pkg.sub.c: pkg.a._dotted",
        "pkg.sub.c: pkg.a._other",
        "pkg.sub.c: pkg.a._too_far_up",
        "pkg.sub.c: pkg.sub._d._attr",
        "pkg.sub.c: pkg.sub._d._in_function",
        "pkg.sub.c: pkg.sub.a._x",
    ]


def test_a_module_may_use_its_own_private_names() -> None:
    assert crossings("pkg.a", "import pkg.a\npkg.a._mine\n", {"pkg", "pkg.a"}) == []


def test_relative_imports_start_from_a_package_itself() -> None:
    found = crossings("pkg.sub", "from .c import _x", {"pkg", "pkg.sub", "pkg.sub.c"}, package=True)
    assert found == ["pkg.sub: pkg.sub.c._x"]


def test_the_scan_reads_the_package() -> None:
    assert "dataworks_ext.cli._main" in MODULES
    assert "dataworks_ext.cli" in MODULES


def test_no_private_name_crosses_a_module() -> None:
    found = set(_all_crossings())
    assert sorted(found) == []


# ------------------------------------------------------------- private attributes of objects


def private_members(source: str) -> set[str]:
    """The private names a module defines for its objects: functions and methods, class
    attributes, and ``self._name``/``cls._name`` it assigns.

    Example:
        >>> sorted(private_members("class A:\\n _k = 1\\n def _m(self):\\n  self._x = 1"))
        ['_k', '_m', '_x']
    """
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            found.add(node.name)
        elif isinstance(node, ast.ClassDef):
            for item in node.body:
                targets = item.targets if isinstance(item, ast.Assign) else []
                if isinstance(item, ast.AnnAssign):
                    targets = [item.target]
                found.update(t.id for t in targets if isinstance(t, ast.Name))
        elif (
            isinstance(node, ast.Attribute)
            and isinstance(node.ctx, ast.Store)
            and isinstance(node.value, ast.Name)
            and node.value.id in ("self", "cls")
        ):
            found.add(node.attr)
    return {name for name in found if _is_private(name)}


def member_reads(name: str, source: str, defined: dict[str, set[str]]) -> list[str]:
    """Each ``obj._name`` in module ``name`` on an object that is not its own (``self``,
    ``cls``, ``super()``) for a ``_name`` only other modules of ``defined`` define.

    Example:
        >>> defined = {"pkg.a": {"_mine"}, "pkg.b": {"_theirs"}}
        >>> member_reads("pkg.a", "x._theirs; x._mine; self._theirs; y._nowhere", defined)
        ['pkg.a: x._theirs (defined in pkg.b)']
    """
    own = defined.get(name, set())
    found: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Attribute) or not _is_private(node.attr):
            continue
        if node.attr in own:
            continue
        owner = node.value
        if isinstance(owner, ast.Name) and owner.id in ("self", "cls"):
            continue
        if (
            isinstance(owner, ast.Call)
            and isinstance(owner.func, ast.Name)
            and owner.func.id == "super"
        ):
            continue
        where = sorted(module for module, names in defined.items() if node.attr in names)
        if where:
            found.append(
                f"{name}: {ast.unparse(owner)}.{node.attr} (defined in {', '.join(where)})"
            )
    return sorted(set(found))


def _all_member_reads() -> list[str]:
    sources = {name: path.read_text(encoding="utf-8") for name, path in MODULES.items()}
    defined = {name: private_members(source) for name, source in sources.items()}
    found: list[str] = []
    for name, source in sources.items():
        found.extend(member_reads(name, source, defined))
    return found


def test_the_member_scan_finds_a_read_of_another_modules_member() -> None:
    defined = {
        "pkg.a": private_members("class A:\n    def __init__(self):\n        self._state = 1"),
        "pkg.b": private_members("def _helper(): ...\nclass B:\n    _limit = 3"),
    }
    source = "def f(a, b):\n    return a._state, b._limit, super()._state, self._state"
    assert member_reads("pkg.c", source, defined) == [
        "pkg.c: a._state (defined in pkg.a)",
        "pkg.c: b._limit (defined in pkg.b)",
    ]


def test_no_module_reads_private_members_of_another() -> None:
    assert sorted(_all_member_reads()) == []
