"""Webhook deliveries in storage: one row per notification, ``pending``, ``sending``,
``delivered``, ``failed`` or ``dropped``, with its attempts and last error."""

from __future__ import annotations

from healthstore.storage.backend import Backend, Row

__all__ = [
    "delete",
    "due",
    "history",
    "insert",
    "mark_own_change",
    "next_due_us",
    "pending_of",
    "recover_sending",
    "set_delivered",
    "set_dropped",
    "set_failed",
    "set_retry",
    "set_sending",
]


def recover_sending(backend: Backend, user_id: int) -> int:
    """Put the notifications left ``sending`` back to ``pending`` (its own transaction);
    returns how many there were."""
    with backend.transaction():
        rows = backend.query(
            "SELECT COUNT(*) FROM deliveries WHERE user_id = ? AND state = 'sending'", (user_id,)
        )
        backend.execute(
            "UPDATE deliveries SET state = 'pending' WHERE user_id = ? AND state = 'sending'",
            (user_id,),
        )
    return int(rows[0][0])


def set_sending(backend: Backend, row_id: int) -> None:
    backend.execute("UPDATE deliveries SET state = 'sending' WHERE id = ?", (row_id,))


def pending_of(backend: Backend, observer_row: int) -> tuple[int, bool] | None:
    """(row id, own change) of the observer's notification not yet sent, if any."""
    rows = backend.query(
        "SELECT id, own_change FROM deliveries WHERE observer_id = ? AND state = 'pending'",
        (observer_row,),
    )
    return (int(rows[0][0]), bool(rows[0][1])) if rows else None


def mark_own_change(backend: Backend, row_id: int) -> None:
    """The notification now includes a change of the app's own samples."""
    backend.execute(
        f"UPDATE deliveries SET own_change = {backend.dialect.true} WHERE id = ?", (row_id,)
    )


def insert(
    backend: Backend,
    user_id: int,
    public_id: str,
    observer_row: int,
    own_change: bool,
    created_us: int,
    due_us: int,
) -> None:
    """Queue a notification (inside the caller's transaction)."""
    backend.execute(
        "INSERT INTO deliveries (user_id, public_id, observer_id, own_change, "
        "created_us, due_us) VALUES (?, ?, ?, ?, ?, ?)",
        (user_id, public_id, observer_row, backend.dialect.flag(own_change), created_us, due_us),
    )


def due(backend: Backend, user_id: int, now_us: int, pause_after: int, limit: int) -> list[Row]:
    """(row id, public id, observer row, observer public id, app id, type id, url, own
    change, created, attempts) of pending notifications due by ``now_us`` whose observers
    have fewer than ``pause_after`` unacknowledged deliveries; the earliest due first."""
    return backend.query(
        "SELECT d.id, d.public_id, o.id, o.public_id, o.app_id, o.type_id, o.url, "
        "d.own_change, d.created_us, d.attempts FROM deliveries d "
        "JOIN observers o ON o.id = d.observer_id "
        "WHERE d.user_id = ? AND d.state = 'pending' AND d.due_us <= ? AND o.unacked < ? "
        "ORDER BY d.due_us, d.id LIMIT ?",
        (user_id, now_us, pause_after, limit),
    )


def next_due_us(backend: Backend, user_id: int, pause_after: int) -> int | None:
    """When the next sendable notification falls due (None: there is none)."""
    rows = backend.query(
        "SELECT MIN(d.due_us) FROM deliveries d JOIN observers o ON o.id = d.observer_id "
        "WHERE d.user_id = ? AND d.state = 'pending' AND o.unacked < ?",
        (user_id, pause_after),
    )
    return None if rows[0][0] is None else int(rows[0][0])


def set_delivered(backend: Backend, row_id: int, now_us: int) -> None:
    backend.execute(
        "UPDATE deliveries SET state = 'delivered', attempts = attempts + 1, "
        "finished_us = ?, last_error = NULL WHERE id = ?",
        (now_us, row_id),
    )


def set_failed(backend: Backend, row_id: int, error: str, now_us: int) -> None:
    """The last attempt failed: given up."""
    backend.execute(
        "UPDATE deliveries SET state = 'failed', attempts = attempts + 1, "
        "last_error = ?, finished_us = ? WHERE id = ?",
        (error, now_us, row_id),
    )


def set_retry(backend: Backend, row_id: int, error: str, retry_at_us: int) -> None:
    """An attempt failed: pending again, due at ``retry_at_us``."""
    backend.execute(
        "UPDATE deliveries SET state = 'pending', attempts = attempts + 1, "
        "last_error = ?, due_us = ? WHERE id = ?",
        (error, retry_at_us, row_id),
    )


def set_dropped(backend: Backend, row_id: int, now_us: int) -> None:
    backend.execute(
        "UPDATE deliveries SET state = 'dropped', finished_us = ? WHERE id = ?",
        (now_us, row_id),
    )


def delete(backend: Backend, row_id: int) -> None:
    backend.execute("DELETE FROM deliveries WHERE id = ?", (row_id,))


def history(backend: Backend, user_id: int, observer_row: int | None, limit: int) -> list[Row]:
    """(public id, observer public id, state, attempts, created, due, last error) of the
    newest notifications (of one observer), newest first."""
    sql = (
        "SELECT d.public_id, o.public_id, d.state, d.attempts, d.created_us, d.due_us, "
        "d.last_error FROM deliveries d JOIN observers o ON o.id = d.observer_id "
        "WHERE d.user_id = ?"
    )
    params: list[object] = [user_id]
    if observer_row is not None:
        sql += " AND d.observer_id = ?"
        params.append(observer_row)
    return backend.query(sql + " ORDER BY d.id DESC LIMIT ?", (*params, limit))
