"""The public surface of ``healthstore``: ``__all__``, the lazy look-up table and the imports
type checkers read name the same things, and every public name resolves."""

from __future__ import annotations

import ast
import importlib
import inspect
import subprocess
import sys

import pytest

import healthstore


def _type_checking_imports() -> set[tuple[str, str]]:
    """(module, name) of every import under ``if TYPE_CHECKING:`` in the package's init,
    each checked to re-export under its own name (``import X as X``)."""
    tree = ast.parse(inspect.getsource(healthstore))
    blocks = [
        node
        for node in tree.body
        if isinstance(node, ast.If)
        and isinstance(node.test, ast.Name)
        and node.test.id == "TYPE_CHECKING"
    ]
    assert len(blocks) == 1, "one `if TYPE_CHECKING:` block"
    found: set[tuple[str, str]] = set()
    for node in blocks[0].body:
        assert isinstance(node, ast.ImportFrom) and node.module, ast.unparse(node)
        for alias in node.names:
            assert alias.asname == alias.name, f"{ast.unparse(node)}: re-export with `as`"
            found.add((node.module, alias.name))
    return found


def test_all_the_lazy_table_and_the_type_checking_imports_agree() -> None:
    table = {(home, name) for name, home in healthstore._HOMES.items()}
    assert _type_checking_imports() == table
    assert sorted(healthstore.__all__) == sorted({"__version__", *healthstore._HOMES})
    assert len(healthstore.__all__) == len(set(healthstore.__all__)), "a name listed twice"


@pytest.mark.parametrize("name", healthstore.__all__)
def test_every_public_name_resolves_to_what_its_home_defines(name: str) -> None:
    value = getattr(healthstore, name)
    assert name in dir(healthstore)
    if name == "__version__":
        assert isinstance(value, str) and value
        return
    home = importlib.import_module(healthstore._HOMES[name])
    expected = getattr(home, name, None) or importlib.import_module(f"{home.__name__}.{name}")
    assert value is expected
    if not inspect.ismodule(value):
        assert getattr(value, "__name__", name) == name  # not an alias of another object


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'Nonesuch'"):
        healthstore.Nonesuch  # noqa: B018


def test_star_import_gives_exactly_the_public_names() -> None:
    code = (
        "from healthstore import *\n"
        "import healthstore\n"
        "names = {k for k in dir() if not k.startswith('_') or k == '__version__'}\n"
        "names -= {'healthstore'}\n"
        "print(sorted(names - set(healthstore.__all__)), sorted(set(healthstore.__all__) - names))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[] []"
