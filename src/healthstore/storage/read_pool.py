"""Read connections of one SQLite store: in WAL mode readers never wait for a writer, so
reads get their own connections and answer while the store's one writer waits for
another process's lock.

Connections are lent one at a time to a thread (for a query, an iteration, or a whole
snapshot) and kept for reuse afterwards; :meth:`ReadPool.close` (locking the store,
closing it) closes idle ones at once and lent ones when they come back, and
:meth:`ReadPool.renew` (a new key) retires every connection opened before it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from healthstore.errors import DatabaseInaccessible

KEEP_IDLE = 2
"""Idle connections kept for reuse (each with its own page cache); more are closed when
returned. Reads one at a time reuse one connection."""


class ReadPool:
    """Lends read-only connections made by ``connect``."""

    def __init__(self, connect: Callable[[], Any]) -> None:
        self._connect = connect
        self._idle: list[tuple[int, Any]] = []
        self._generation = 0
        self._closed: str | None = None
        self._lock = threading.Lock()

    def lend(self) -> tuple[int, Any]:
        """A connection (and its generation, to give back with it)."""
        with self._lock:
            if self._closed is not None:
                raise DatabaseInaccessible(self._closed, field="store")
            if self._idle:
                return self._idle.pop()
            generation = self._generation
        return generation, self._connect()

    def give_back(self, generation: int, conn: Any) -> None:
        """Return a lent connection: kept when current and the pool is open, else closed."""
        with self._lock:
            if (
                self._closed is None
                and generation == self._generation
                and len(self._idle) < KEEP_IDLE
                and not conn.in_transaction
            ):
                self._idle.append((generation, conn))
                return
        conn.close()

    def renew(self) -> None:
        """Retire every connection made so far (after the database's key changed)."""
        with self._lock:
            self._generation += 1
            idle, self._idle = self._idle, []
        for _, conn in idle:
            conn.close()

    def close(self, reason: str) -> None:
        """Lend no more (``reason`` says why, as databaseInaccessible); close idle
        connections now and lent ones when they come back."""
        with self._lock:
            self._closed = reason
            idle, self._idle = self._idle, []
        for _, conn in idle:
            conn.close()
