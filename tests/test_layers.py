"""The layers of the house hold: the store loads no importer (so no lxml, no httpx), format
code never reaches the store or queries, and the store's SQL lives in ``storage/``."""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import healthstore

PACKAGE = Path(healthstore.__file__).parent


def _modules(folder: str) -> list[Path]:
    return sorted((PACKAGE / folder).rglob("*.py"))


def _imported(path: Path, *, top_level_only: bool) -> Iterator[str]:
    """The modules ``path`` imports (with ``top_level_only``, those imported when it loads:
    not inside functions and not under ``if TYPE_CHECKING``)."""
    tree = ast.parse(path.read_text("utf-8"))
    nodes: list[ast.AST] = list(tree.body) if top_level_only else list(ast.walk(tree))
    for node in nodes:
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            yield node.module
            yield from (f"{node.module}.{alias.name}" for alias in node.names)


def test_importing_the_store_loads_neither_lxml_nor_httpx() -> None:
    code = (
        "import sys, healthstore.store\n"
        "heavy = sorted({m.split('.')[0] for m in sys.modules} & {'lxml', 'httpx'})\n"
        "print(','.join(heavy))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == ""


@pytest.mark.parametrize("folder", ["store", "storage", "query", "access"])
def test_the_store_never_loads_importers_exporters_or_demo(folder: str) -> None:
    wrong = {
        f"{path.relative_to(PACKAGE)}: {name}"
        for path in _modules(folder)
        for name in _imported(path, top_level_only=True)
        if name.startswith(("healthstore.imports", "healthstore.exports", "healthstore.demo"))
    }
    assert wrong == set()


def test_format_code_never_reaches_the_store_or_queries() -> None:
    above = (
        "healthstore.store",
        "healthstore.query",
        "healthstore.imports",
        "healthstore.exports",
        "healthstore.demo",
        "healthstore.storage",
    )
    wrong = {
        f"{path.relative_to(PACKAGE)}: {name}"
        for path in _modules("interop")
        for name in _imported(path, top_level_only=False)
        if name.startswith(above)
    }
    assert wrong == set()


@pytest.mark.parametrize("folder", ["store", "query", "imports", "exports", "demo"])
def test_sql_that_writes_lives_in_storage(folder: str) -> None:
    """The store, importers and exporters speak to storage through its modules; the query
    layer only reads."""
    words: tuple[str, ...] = ("INSERT INTO", "DELETE FROM", "UPDATE ", "CREATE TABLE")
    words += () if folder == "query" else ("SELECT ",)
    wrong = {
        f"{path.relative_to(PACKAGE)}: {word.strip()}"
        for path in _modules(folder)
        if path.name != "sqlite_export.py"  # writes its own export file, not the store
        for word in words
        if word in path.read_text("utf-8")
    }
    assert wrong == set()
