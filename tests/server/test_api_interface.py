"""One interface for the library and HTTP: ``AppStore`` and ``HealthClient`` declare
``AppAPI`` (mypy proves the signatures; this checks it at run time too), and the HTTP client
stands on the interface alone, without loading the store."""

from __future__ import annotations

import ast
import inspect
import subprocess
import sys
from pathlib import Path

import pytest

import healthstore.client
from healthstore.api import AppAPI
from healthstore.client import HealthClient
from healthstore.store.app import AppStore

HEAVY = [
    "sqlcipher3",
    "numpy",
    "healthstore.store",
    "healthstore.store.view",
    "healthstore.storage",
    "healthstore.store.app",
    "healthstore.access",
]
CLIENT_MAY_IMPORT = ("healthstore.api", "healthstore.model", "healthstore.wire")
"""Besides its own modules, the error tree and the webhook signature check it re-exports."""
ALSO_ALLOWED = {"healthstore.errors", "healthstore.delivery.signing"}


def test_importing_the_client_loads_neither_the_store_nor_its_engines() -> None:
    code = (
        "import sys\n"
        "import healthstore.client\n"
        f"print(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert loaded == "", f"import healthstore.client loaded {loaded}"


def _healthstore_imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
    return {m for m in found if m == "healthstore" or m.startswith("healthstore.")}


@pytest.mark.parametrize(
    "path", sorted(Path(healthstore.client.__file__).parent.glob("*.py")), ids=lambda p: p.name
)
def test_the_client_imports_only_the_interface_model_and_wire(path: Path) -> None:
    for module in _healthstore_imports(path):
        allowed = (
            module in ALSO_ALLOWED
            or module.startswith("healthstore.client")
            or any(module == m or module.startswith(f"{m}.") for m in CLIENT_MAY_IMPORT)
        )
        assert allowed, f"{path.name} imports {module}"


def _members() -> list[str]:
    return sorted(
        name
        for name, value in vars(AppAPI).items()
        if not name.startswith("_") and (callable(value) or isinstance(value, property))
    )


def test_both_doors_declare_the_interface() -> None:
    assert AppAPI in AppStore.__mro__ and AppAPI in HealthClient.__mro__
    assert len(_members()) >= 23


def test_every_method_of_the_client_is_part_of_the_interface() -> None:
    """A method added to the client alone would be a signature copied by hand again: it
    belongs in AppAPI, where mypy holds the library to it too."""
    client = {
        name
        for name, value in vars(HealthClient).items()
        if not name.startswith("_") and (callable(value) or isinstance(value, property))
    }
    assert client - {"close"} == set(_members())


@pytest.mark.parametrize("name", _members())
@pytest.mark.parametrize("door", [AppStore, HealthClient], ids=lambda c: c.__name__)
def test_each_method_takes_what_the_interface_says(door: type, name: str) -> None:
    """Every parameter of the interface, with its kind and default, in the same order;
    a door may add keyword-only extras with defaults (the library's ``source``)."""
    declared = getattr(AppAPI, name)
    implemented = getattr(door, name)
    assert implemented is not declared, f"{door.__name__} leaves {name} to the Protocol"
    if isinstance(declared, property):
        assert isinstance(implemented, property)
        return
    want = list(inspect.signature(declared).parameters.values())
    have = list(inspect.signature(implemented).parameters.values())
    assert [(p.name, p.kind, p.default) for p in have[: len(want)]] == [
        (p.name, p.kind, p.default) for p in want
    ]
    for extra in have[len(want) :]:
        assert extra.kind is inspect.Parameter.KEYWORD_ONLY and extra.default is not extra.empty
