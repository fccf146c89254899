"""The registered apps in storage: one row per app of a user, its manifest as JSON and the
digest of its token (never the token)."""

from __future__ import annotations

from dataclasses import dataclass

from healthstore.storage.backend import Backend, Row

__all__ = ["AppRow", "by_bundle_id", "by_token_hash", "delete", "every", "insert", "set_token_hash"]

_COLUMNS = "id, manifest, created_us, token_hash"


@dataclass(frozen=True)
class AppRow:
    """An app as stored: its row id, manifest JSON, when it was registered, token digest."""

    id: int
    manifest: str
    created_us: int
    token_hash: str


def insert(
    backend: Backend,
    user_id: int,
    bundle_id: str,
    name: str,
    manifest: str,
    token_hash: str,
    created_us: int,
) -> None:
    """Add an app (inside the caller's transaction)."""
    backend.execute(
        "INSERT INTO apps (user_id, bundle_id, name, manifest, token_hash, created_us) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (user_id, bundle_id, name, manifest, token_hash, created_us),
    )


def by_bundle_id(backend: Backend, user_id: int, bundle_id: str) -> AppRow | None:
    rows = backend.query(
        f"SELECT {_COLUMNS} FROM apps WHERE user_id = ? AND bundle_id = ?", (user_id, bundle_id)
    )
    return _row(rows[0]) if rows else None


def by_token_hash(backend: Backend, user_id: int, token_hash: str) -> AppRow | None:
    rows = backend.query(
        f"SELECT {_COLUMNS} FROM apps WHERE user_id = ? AND token_hash = ?", (user_id, token_hash)
    )
    return _row(rows[0]) if rows else None


def every(backend: Backend, user_id: int) -> list[AppRow]:
    """Every app of the user, by bundle id."""
    rows = backend.query(
        f"SELECT {_COLUMNS} FROM apps WHERE user_id = ? ORDER BY bundle_id", (user_id,)
    )
    return [_row(row) for row in rows]


def set_token_hash(backend: Backend, app_id: int, token_hash: str) -> None:
    """Replace an app's token digest (its own transaction, or the caller's)."""
    with backend.transaction():
        backend.execute("UPDATE apps SET token_hash = ? WHERE id = ?", (token_hash, app_id))


def delete(backend: Backend, app_id: int) -> None:
    """Drop an app's row (inside the caller's transaction, after what refers to it)."""
    backend.execute("DELETE FROM apps WHERE id = ?", (app_id,))


def _row(row: Row) -> AppRow:
    app_id, manifest, created_us, token_hash = row
    return AppRow(int(app_id), str(manifest), int(created_us), str(token_hash))
