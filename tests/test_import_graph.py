"""The package's import graph, read from the source with ``ast``: no cycle, no facade imports.

Every import counts, at the top of a module or inside a function (an import moved into a
function to dodge a cycle is still a cycle), except those under ``if TYPE_CHECKING:``.  A
module imports what it needs from the module that defines it, never from a package's
``__init__`` (the facades are for users).
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "dataworks_ext"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {_module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}
PACKAGES = {name for name, path in MODULES.items() if path.name == "__init__.py"}


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.AST) -> list[ast.Import | ast.ImportFrom]:
    found: list[ast.Import | ast.ImportFrom] = []
    todo: list[ast.AST] = [tree]
    while todo:
        node = todo.pop()
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            todo.extend(node.orelse)
            continue
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            found.append(node)
        todo.extend(ast.iter_child_nodes(node))
    return found


def _edges(name: str) -> dict[str, set[str]]:
    """What module ``name`` imports inside the package: ``{target: {names taken from it}}``."""
    path = MODULES[name]
    here = name if path.name == "__init__.py" else name.rpartition(".")[0]
    targets: dict[str, set[str]] = {}
    for node in _imports(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "dataworks_ext":
                    targets.setdefault(alias.name, set())
            continue
        if node.level:
            base = here.split(".")
            base = base[: len(base) - (node.level - 1)]
            source = ".".join([*base, *([node.module] if node.module else [])])
        else:
            source = node.module or ""
        if source.split(".")[0] != "dataworks_ext":
            continue
        for alias in node.names:
            submodule = f"{source}.{alias.name}"
            if submodule in MODULES:
                targets.setdefault(submodule, set())
            else:
                targets.setdefault(source, set()).add(alias.name)
    return targets


GRAPH = {name: _edges(name) for name in MODULES}


def test_the_graph_is_read() -> None:
    assert "dataworks_ext.callback" in GRAPH["dataworks_ext"]
    assert "dataworks_ext.errors" in GRAPH["dataworks_ext.callback"]
    assert "dataworks_ext.policies._types" in GRAPH["dataworks_ext.policies._rules"]


def test_no_module_imports_from_a_package_init() -> None:
    offenders = sorted(
        f"{name} imports {', '.join(sorted(names))} from {target}"
        for name, targets in GRAPH.items()
        for target, names in targets.items()
        if target in PACKAGES and names
    )
    assert not offenders, "import these from the module that defines them:\n" + "\n".join(offenders)


def test_the_import_graph_has_no_cycle() -> None:
    cycles: list[list[str]] = []
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(name: str) -> None:
        state[name] = 1
        path.append(name)
        for target in GRAPH.get(name, {}):
            if state.get(target) == 1:
                cycles.append([*path[path.index(target) :], target])
            elif target not in state:
                visit(target)
        path.pop()
        state[name] = 2

    for name in sorted(GRAPH):
        if name not in state:
            visit(name)
    assert not cycles, "import cycles:\n" + "\n".join(" -> ".join(c) for c in cycles)
