"""Which backend holds a store, by the name in its ``store.json`` (``"backend"``).

:func:`open_backend` is the one place a backend is chosen and made; everything above it
speaks to the :class:`~healthstore.storage.backend.Backend` it returns. SQLite is the only
backend so far: a PostgreSQL one adds an entry to :data:`KINDS`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from healthstore.errors import DatabaseInaccessible
from healthstore.storage.backend import Backend

FIELD = "backend"
"""The field of ``store.json`` that names the backend."""
DEFAULT_BACKEND = "sqlite"
"""The backend of a store whose ``store.json`` names none (every store made before it did)."""
SQLITE_FILE = "healthstore.db"
"""The database file of an SQLite store, in the store's directory."""


@dataclass(frozen=True)
class BackendKind:
    """One backend: how to open it, and what ``store.json`` says of its encryption."""

    name: str
    open: Callable[[Path, bool, bytes | None], Backend]
    cipher: Callable[[], dict[str, Any]]


def _open_sqlite(directory: Path, create: bool, key: bytes | None) -> Backend:
    from healthstore.storage.sqlite import SQLiteBackend  # loads the SQLCipher driver

    return SQLiteBackend(directory / SQLITE_FILE, create=create, key=key)


def _sqlite_cipher() -> dict[str, Any]:
    from healthstore.storage.sqlite import CIPHER_PAGE_SIZE

    return {"cipher": "sqlcipher4", "page_size": CIPHER_PAGE_SIZE}


KINDS: dict[str, BackendKind] = {"sqlite": BackendKind("sqlite", _open_sqlite, _sqlite_cipher)}


def backend_kind(name: object, where: str = "store.json") -> BackendKind:
    """The backend called ``name`` (as ``where`` gives it); a name this healthstore does
    not know is databaseInaccessible, naming the field."""
    kind = KINDS.get(name) if isinstance(name, str) else None
    if kind is None:
        known = ", ".join(sorted(KINDS))
        raise DatabaseInaccessible(
            f"{where}: field {FIELD!r} names backend {name!r}, which this healthstore does "
            f"not have (it has: {known})",
            field=FIELD,
        )
    return kind


def backend_of(marker: Mapping[str, Any], where: str = "store.json") -> BackendKind:
    """The backend a store's ``store.json`` (``marker``) names: SQLite when it names none."""
    return backend_kind(marker.get(FIELD, DEFAULT_BACKEND), where)


def open_backend(
    directory: Path,
    name: str = DEFAULT_BACKEND,
    *,
    create: bool = False,
    key: bytes | None = None,
) -> Backend:
    """Open (with ``create``, make) the ``name`` backend of the store in ``directory``;
    with ``key``, an encrypted one."""
    return backend_kind(name).open(directory, create, key)


def cipher_entry(name: str) -> dict[str, Any]:
    """What ``store.json`` records of how backend ``name`` encrypts (beside the key's
    derivation)."""
    return backend_kind(name).cipher()
