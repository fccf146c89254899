"""The person's decisions in storage: one row per (app, type, mode), with its status
(``requested``, ``authorized`` or ``denied``) and when it was asked for and decided."""

from __future__ import annotations

from healthstore.storage.backend import Backend

__all__ = ["add_request", "decisions", "forget", "readable_type_ids", "set_status"]


def decisions(backend: Backend, user_id: int, app_id: int) -> list[tuple[int, str, str]]:
    """(type id, mode, status) of every type the app asked for."""
    rows = backend.query(
        "SELECT type_id, mode, status FROM authorizations WHERE user_id = ? AND app_id = ?",
        (user_id, app_id),
    )
    return [(int(type_id), str(mode), str(status)) for type_id, mode, status in rows]


def add_request(
    backend: Backend, user_id: int, app_id: int, type_id: int, mode: str, now_us: int
) -> None:
    """Note that the app asked for a type; a type already asked for keeps its state
    (inside the caller's transaction)."""
    backend.execute(
        backend.dialect.upsert(
            "authorizations",
            ("user_id", "app_id", "type_id", "mode", "status", "requested_us"),
        ),
        (user_id, app_id, type_id, mode, "requested", now_us),
    )


def set_status(
    backend: Backend,
    user_id: int,
    app_id: int,
    type_id: int,
    mode: str,
    status: str,
    now_us: int,
) -> None:
    """Record the person's decision (inside the caller's transaction)."""
    backend.execute(
        "UPDATE authorizations SET status = ?, decided_us = ? WHERE user_id = ? "
        "AND app_id = ? AND type_id = ? AND mode = ?",
        (status, now_us, user_id, app_id, type_id, mode),
    )


def readable_type_ids(backend: Backend, user_id: int, app_id: int) -> set[int]:
    """Ids of the types the person let the app read."""
    rows = backend.query(
        "SELECT type_id FROM authorizations WHERE user_id = ? AND app_id = ? "
        "AND mode = 'read' AND status = 'authorized'",
        (user_id, app_id),
    )
    return {int(row[0]) for row in rows}


def forget(backend: Backend, user_id: int, app_id: int) -> None:
    """Drop every decision of an app (inside the caller's transaction)."""
    backend.execute(
        "DELETE FROM authorizations WHERE user_id = ? AND app_id = ?", (user_id, app_id)
    )
