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


_SQL_WORDS = ("SELECT ", "INSERT INTO", "DELETE FROM", "UPDATE ", "CREATE TABLE")
_EXPORT_FILE = PACKAGE / "exports" / "sqlite_export.py"  # writes its own file, not the store


def _outside_storage() -> list[Path]:
    return [
        path
        for path in sorted(PACKAGE.rglob("*.py"))
        if path.relative_to(PACKAGE).parts[0] != "storage" and path != _EXPORT_FILE
    ]


def test_sql_lives_in_storage() -> None:
    """Every layer speaks to the database through ``storage/``'s modules, so a second
    backend has one folder to fill; the query compiler alone writes SQL of its own, and
    only SQL that reads."""
    wrong = set()
    for path in _outside_storage():
        place = path.relative_to(PACKAGE)
        text = path.read_text("utf-8")
        for word in _SQL_WORDS:
            if word in text and not (place.parts[0] == "query" and word == "SELECT "):
                wrong.add(f"{place}: {word.strip()}")
    assert wrong == set()


def test_the_sql_rule_sees_the_sql_it_forbids() -> None:
    """The scan above would find SQL where it was: it finds the query compiler's reads and
    the export file's own tables."""
    assert "SELECT " in (PACKAGE / "query" / "reader.py").read_text("utf-8")
    assert "CREATE TABLE" in _EXPORT_FILE.read_text("utf-8")
