"""The audit log: append-only, one entry per app read or write and per decision of the
person. It records who, what operation, which types, how many objects and when — never
values, never tokens.

An entry is written at once when the store's writer is free. When it is busy (another
thread writes, or another process holds the store) the entry waits in memory and is
written with the next one, before the log is read, or when the store closes — so a read
never waits for a writer to note that it happened."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from healthstore.errors import DatabaseInaccessible
from healthstore.storage import audit_log
from healthstore.storage.audit_log import AuditRow
from healthstore.storage.backend import Backend
from healthstore.times import from_micros, to_micros

PERSON = "person"
MAX_WAITING = 10_000
"""Entries kept in memory while the writer is busy; past this, appending waits."""


@dataclass(frozen=True)
class AuditEntry:
    """One line of the audit log."""

    at: datetime
    actor: str
    operation: str
    types: tuple[str, ...]
    count: int
    detail: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        return {
            "at": self.at.isoformat(),
            "actor": self.actor,
            "operation": self.operation,
            "types": list(self.types),
            "count": self.count,
            "detail": self.detail,
        }


class AuditLog:
    """Appends to and reads the audit log of one user."""

    def __init__(self, backend: Backend, user_id: int) -> None:
        self._db = backend
        self._user = user_id
        self._waiting: list[AuditRow] = []
        self._waiting_lock = threading.Lock()

    def append(
        self,
        actor: str,
        operation: str,
        types: Iterable[str],
        count: int,
        now_us: int,
        detail: dict[str, Any] | None = None,
    ) -> None:
        row: AuditRow = (
            self._user,
            now_us,
            actor,
            operation,
            json.dumps(sorted(set(types))),
            count,
            json.dumps(detail, sort_keys=True) if detail else None,
        )
        if self._db.in_transaction():  # part of the caller's transaction, as its writes
            audit_log.append(self._db, [row])
            return
        with self._waiting_lock:
            self._waiting.append(row)
            full = len(self._waiting) >= MAX_WAITING
        self.flush(wait=full)

    def flush(self, *, wait: bool = True) -> None:
        """Write the entries waiting in memory (without ``wait``: unless the writer is
        busy; then they keep waiting)."""
        with self._waiting_lock:
            rows, self._waiting = self._waiting, []
        if not rows:
            return
        try:
            with self._db.transaction(wait=wait):
                audit_log.append(self._db, rows)
        except BaseException as exc:
            with self._waiting_lock:
                self._waiting[:0] = rows
            if wait or not isinstance(exc, DatabaseInaccessible):
                raise

    def entries(
        self,
        actor: str | None = None,
        since: datetime | None = None,
        limit: int = 0,
        *,
        newest_first: bool = False,
    ) -> list[AuditEntry]:
        """Entries (oldest first unless ``newest_first``), optionally of one actor and after
        ``since``."""
        if not self._db.in_transaction():
            self.flush()
        rows = audit_log.select(
            self._db,
            self._user,
            actor=actor,
            since_us=None if since is None else to_micros(since),
            limit=limit,
            newest_first=newest_first,
        )
        return [
            AuditEntry(
                from_micros(at),
                who,
                op,
                tuple(json.loads(types)),
                count,
                json.loads(detail) if detail else {},
            )
            for at, who, op, types, count, detail in rows
        ]
