"""The audit log in storage: append-only rows of who did what to which types, when."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from healthstore.storage.backend import Backend, Row

__all__ = ["AuditRow", "append", "select"]

AuditRow = tuple[int, int, str, str, str, int, str | None]
"""(user id, at, actor, operation, types as JSON, count, detail as JSON or None)."""


def append(backend: Backend, rows: Iterable[AuditRow]) -> None:
    """Add entries (inside the caller's transaction)."""
    backend.executemany(
        "INSERT INTO audit_log (user_id, at_us, actor, operation, types, count, detail) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        rows,
    )


def select(
    backend: Backend,
    user_id: int,
    *,
    actor: str | None = None,
    since_us: int | None = None,
    limit: int = 0,
    newest_first: bool = False,
) -> list[Row]:
    """(at, actor, operation, types, count, detail) of the user's entries in the order
    written (or newest first), optionally of one actor and from ``since_us`` on; at most
    ``limit`` (0: all)."""
    sql = "SELECT at_us, actor, operation, types, count, detail FROM audit_log WHERE user_id = ?"
    params: list[Any] = [user_id]
    if actor is not None:
        sql += " AND actor = ?"
        params.append(actor)
    if since_us is not None:
        sql += " AND at_us >= ?"
        params.append(since_us)
    sql += " ORDER BY id DESC" if newest_first else " ORDER BY id"
    if limit:
        sql += " LIMIT ?"
        params.append(limit)
    return backend.query(sql, params)
