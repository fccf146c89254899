"""Characteristics in storage: one JSON value per (user, type), set only by the person."""

from __future__ import annotations

from healthstore.storage.backend import Backend

__all__ = ["read", "write"]


def read(backend: Backend, user_id: int, type_id: int) -> str | None:
    """The stored JSON text of a characteristic, or None when it is not set."""
    rows = backend.query(
        "SELECT value FROM characteristics WHERE user_id = ? AND type_id = ?",
        (user_id, type_id),
    )
    return str(rows[0][0]) if rows else None


def write(backend: Backend, user_id: int, type_id: int, value: str | None) -> None:
    """Set (JSON text) or, with None, clear a characteristic (inside the caller's
    transaction)."""
    backend.execute(
        "DELETE FROM characteristics WHERE user_id = ? AND type_id = ?",
        (user_id, type_id),
    )
    if value is not None:
        backend.execute(
            "INSERT INTO characteristics (user_id, type_id, value) VALUES (?, ?, ?)",
            (user_id, type_id, value),
        )
