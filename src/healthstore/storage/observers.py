"""Observers in storage: an app's webhook for a type, with its frequency, when it last
sent and how many of its deliveries the app has not acknowledged."""

from __future__ import annotations

from healthstore.storage.backend import Backend, Row

__all__ = [
    "acknowledge",
    "delete",
    "delete_app",
    "every",
    "insert",
    "mark_sent",
    "row_id",
    "schedule",
    "watching",
]


def insert(
    backend: Backend,
    user_id: int,
    public_id: str,
    app_id: int,
    type_id: int,
    frequency: str,
    url: str,
    created_us: int,
) -> None:
    """Add an observer (its own transaction, or the caller's)."""
    with backend.transaction():
        backend.execute(
            "INSERT INTO observers (user_id, public_id, app_id, type_id, frequency, url, "
            "created_us) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (user_id, public_id, app_id, type_id, frequency, url, created_us),
        )


def every(backend: Backend, user_id: int, app_id: int | None = None) -> list[Row]:
    """(public id, type id, frequency, url, created, unacknowledged, pending deliveries) of
    every observer of the user (of one app), oldest first."""
    sql = (
        "SELECT o.public_id, o.type_id, o.frequency, o.url, o.created_us, o.unacked, "
        "(SELECT COUNT(*) FROM deliveries d WHERE d.observer_id = o.id "
        "AND d.state = 'pending') FROM observers o WHERE o.user_id = ?"
    )
    params: list[object] = [user_id]
    if app_id is not None:
        sql += " AND o.app_id = ?"
        params.append(app_id)
    return backend.query(sql + " ORDER BY o.id", params)


def row_id(backend: Backend, user_id: int, app_id: int, public_id: str) -> int | None:
    """The row id of an app's observer, or None when it has none by that id."""
    rows = backend.query(
        "SELECT id FROM observers WHERE user_id = ? AND app_id = ? AND public_id = ?",
        (user_id, app_id, public_id),
    )
    return int(rows[0][0]) if rows else None


def delete(backend: Backend, observer_row: int) -> None:
    """Drop an observer and its deliveries (inside the caller's transaction)."""
    backend.execute("DELETE FROM deliveries WHERE observer_id = ?", (observer_row,))
    backend.execute("DELETE FROM observers WHERE id = ?", (observer_row,))


def delete_app(backend: Backend, user_id: int, app_id: int) -> None:
    """Drop every observer of an app and their deliveries (its own transaction, or the
    caller's)."""
    with backend.transaction():
        backend.execute(
            "DELETE FROM deliveries WHERE observer_id IN "
            "(SELECT id FROM observers WHERE user_id = ? AND app_id = ?)",
            (user_id, app_id),
        )
        backend.execute("DELETE FROM observers WHERE user_id = ? AND app_id = ?", (user_id, app_id))


def acknowledge(backend: Backend, observer_row: int) -> None:
    """The app acknowledged everything sent (inside the caller's transaction)."""
    backend.execute("UPDATE observers SET unacked = 0 WHERE id = ?", (observer_row,))


def watching(backend: Backend, user_id: int, type_ids: set[int]) -> list[tuple[int, int, int]]:
    """(row id, app id, type id) of the observers of any of ``type_ids``."""
    if not type_ids:
        return []
    rows = backend.query(
        f"SELECT id, app_id, type_id FROM observers WHERE user_id = ? "
        f"AND type_id IN ({backend.dialect.marks(len(type_ids))})",
        (user_id, *sorted(type_ids)),
    )
    return [(int(a), int(b), int(c)) for a, b, c in rows]


def schedule(backend: Backend, observer_row: int) -> tuple[str, int | None]:
    """An observer's frequency and when it last sent (None: never)."""
    frequency, last_sent = backend.query(
        "SELECT frequency, last_sent_us FROM observers WHERE id = ?", (observer_row,)
    )[0]
    return str(frequency), None if last_sent is None else int(last_sent)


def mark_sent(backend: Backend, observer_row: int, now_us: int) -> None:
    """A delivery went out: one more to acknowledge (inside the caller's transaction)."""
    backend.execute(
        "UPDATE observers SET unacked = unacked + 1, last_sent_us = ? WHERE id = ?",
        (now_us, observer_row),
    )
