"""The store's own secrets (key material made by the store, never by the person): one row
per name in the ``secrets`` table."""

from __future__ import annotations

from healthstore.storage.backend import Backend

__all__ = ["add", "ensure", "read", "replace"]


def read(backend: Backend, name: str) -> bytes | None:
    """The secret called ``name``, or None when the store has none yet."""
    rows = backend.query("SELECT value FROM secrets WHERE name = ?", (name,))
    return bytes(rows[0][0]) if rows else None


def ensure(backend: Backend, name: str, value: bytes) -> bytes:
    """The secret called ``name``, made ``value`` first when missing (a writer racing to make
    it too keeps the first one)."""
    with backend.transaction():
        backend.execute(
            "INSERT INTO secrets (name, value) VALUES (?, ?) ON CONFLICT DO NOTHING",
            (name, value),
        )
    found = read(backend, name)
    assert found is not None
    return found


def add(backend: Backend, name: str, value: bytes) -> None:
    """Store a new secret (inside the caller's transaction)."""
    backend.execute("INSERT INTO secrets (name, value) VALUES (?, ?)", (name, value))


def replace(backend: Backend, name: str, value: bytes) -> None:
    """Set the secret called ``name`` to ``value``, made or replaced (its own transaction,
    or the caller's)."""
    with backend.transaction():
        backend.execute(
            backend.dialect.upsert(
                "secrets", ("name", "value"), key=("name",), update={"value": "excluded.value"}
            ),
            (name, value),
        )
