"""The shape of the package: no module grows past ~600 lines, and no two modules import each
other in a loop.

Both are read from the source with :mod:`ast`, without importing anything. The import graph
that must have no loop is the one Python walks as modules load: imports inside functions and
under ``if TYPE_CHECKING:`` do not count there (they are how a module defers a heavy
dependency, or names a type). A name imported for type checking alone still ties the design,
though, so that graph is held to one known loop, which is being taken apart.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping
from pathlib import Path

import healthstore

PACKAGE = Path(healthstore.__file__).resolve().parent
LIMIT = 600

OVER_LIMIT: Mapping[str, int] = {}
"""Modules allowed past :data:`LIMIT`, each with the size it may not exceed. Only files that
exist today are listed; an entry whose file is gone or back under the limit is harmless, and
should be deleted when seen."""

KNOWN_CYCLE: frozenset[str] = frozenset(
    {
        "healthstore.store",
        "healthstore.store.person",
        "healthstore.imports.apple",
        "healthstore.imports.fhir",
        "healthstore.exports.fhir",
        "healthstore.imports.cda",
        "healthstore.imports.shc",
    }
)
"""The one loop left once type-checking imports count: the person's thin ``import_*`` and
``export_fhir`` methods name the importers' result types (and load the importers only when
called), and the importers name ``HealthStore``. No other module may join it."""


def modules() -> dict[str, Path]:
    """Every module of the package by its dotted name."""
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _module_imports(
    body: list[ast.stmt], type_checking: bool
) -> Iterator[ast.Import | ast.ImportFrom]:
    """The import statements of a module's top level, also inside ``if``/``try``/``with``
    blocks there, never inside functions or classes; those under ``if TYPE_CHECKING:`` only
    with ``type_checking``."""
    for node in body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        elif isinstance(node, ast.If):
            if type_checking or not _is_type_checking(node.test):
                yield from _module_imports(node.body, type_checking)
            yield from _module_imports(node.orelse, type_checking)
        elif isinstance(node, ast.Try):
            for block in (node.body, node.orelse, node.finalbody):
                yield from _module_imports(block, type_checking)
            for handler in node.handlers:
                yield from _module_imports(handler.body, type_checking)
        elif isinstance(node, ast.With):
            yield from _module_imports(node.body, type_checking)


def import_graph(*, type_checking: bool = False) -> dict[str, set[str]]:
    """For each module, the package's modules it imports as it loads (with
    ``type_checking``, also those it imports for type checking). ``from a import b``
    names module ``a.b`` where that is a module, else ``a``."""
    known = modules()
    graph: dict[str, set[str]] = {}
    for name, path in known.items():
        is_package = path.name == "__init__.py"
        targets: set[str] = set()
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in _module_imports(tree.body, type_checking):
            if isinstance(node, ast.Import):
                targets.update(alias.name for alias in node.names)
                continue
            base = node.module or ""
            if node.level:
                anchor = name.split(".")
                anchor = anchor[: len(anchor) - node.level + (1 if is_package else 0)]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                targets.add(sub if sub in known else base)
        graph[name] = {t for t in targets if t in known and t != name}
    return graph


def cycles(graph: Mapping[str, set[str]]) -> list[set[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm,
    iterative), and any module that imports itself."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[set[str]] = []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    component = set()
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.add(member)
                        if member == node:
                            break
                    if len(component) > 1 or node in graph[node]:
                        found.append(component)
    return found


def test_no_module_is_over_the_size_limit() -> None:
    too_long = {}
    for path in PACKAGE.rglob("*.py"):
        lines = len(path.read_text(encoding="utf-8").splitlines())
        name = path.relative_to(PACKAGE).as_posix()
        if lines > OVER_LIMIT.get(name, LIMIT):
            too_long[name] = lines
    assert too_long == {}, f"split these by idea (at most {LIMIT} lines a module)"


def test_modules_do_not_import_each_other_in_a_loop() -> None:
    assert [sorted(c) for c in cycles(import_graph())] == []


def test_type_checking_imports_close_no_new_loop() -> None:
    graph = import_graph(type_checking=True)
    assert [sorted(c) for c in cycles(graph) if not c <= KNOWN_CYCLE] == []


def test_the_cycle_finder_finds_loops_and_only_loops() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": {"e"}, "f": set()}
    assert sorted(sorted(c) for c in cycles(graph)) == [["a", "b", "c"], ["e"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_the_import_graph_sees_load_time_imports_only() -> None:
    graph = import_graph()
    # model/ is below records/: records import the model, never the reverse.
    assert "healthstore.model" in graph["healthstore.records.payload"]
    assert not any(t.startswith("healthstore.records") for t in graph["healthstore.model"])
    # ``from healthstore import records`` is an import of the module healthstore.records.
    assert "healthstore.records" in graph["healthstore.storage.codec"]
    # The package's face imports its parts only for type checking.
    assert "healthstore.store" not in graph["healthstore"]
    assert "healthstore.store" in import_graph(type_checking=True)["healthstore"]
