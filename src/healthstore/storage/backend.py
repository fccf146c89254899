"""The protocol every storage backend implements (SQLite now; PostgreSQL speaks it too).

A backend is a connection to one store with transactions, plain SQL with ``?`` parameters
(backends translate their own placeholder style), a store-wide anchor counter, and a dialect
that says how to reach into JSON.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any, Protocol

Row = tuple[Any, ...]


class Savepoint(Protocol):
    """A savepoint in progress."""

    def rollback(self) -> None:
        """Undo everything since the savepoint was opened (it stays open)."""
        ...


class Backend(Protocol):
    """A connection to one store."""

    name: str

    def transaction(self, *, wait: bool = True) -> AbstractContextManager[None]:
        """A write transaction: everything inside commits together or not at all. Without
        ``wait``, raise databaseInaccessible at once when another thread or process is
        writing, instead of waiting for it."""
        ...

    def in_transaction(self) -> bool:
        """Whether the calling thread has a write transaction open."""
        ...

    def exclusive(self) -> AbstractContextManager[object]:
        """Hold the writer for a whole operation: other threads' writes wait (their reads
        do not), so an operation's several statements and caches are never interleaved
        with another write; this thread's reads go through the writer meanwhile."""
        ...

    def snapshot(self) -> AbstractContextManager[None]:
        """A read-only stretch in which every query sees the same state of the store (joins
        the transaction already open, if any); it does not wait for other threads'
        writes."""
        ...

    def savepoint(self) -> AbstractContextManager[Savepoint]:
        """A nested transaction inside the open one; ``rollback()`` undoes just it."""
        ...

    def streaming(self) -> AbstractContextManager[None]:
        """A long run of writes that each touch new pages (a bulk import): the backend may
        keep less in memory meanwhile."""
        ...

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None: ...

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> int:
        """Run ``sql`` once per parameter set; returns how many rows it changed."""
        ...

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[Row]: ...

    def iterate(self, sql: str, params: Sequence[Any] = ()) -> Iterator[Row]: ...

    def reserve_anchors(self, count: int) -> int:
        """Reserve ``count`` consecutive anchors inside the open transaction; returns the
        first."""
        ...

    def json_field(self, column: str, key: str, *more: str) -> tuple[str, list[Any]]:
        """SQL (and its parameters) for the scalar at ``key`` (then ``more`` keys, one
        level down each) of a JSON text column."""
        ...

    def rekey(self, key: bytes) -> None:
        """Re-encrypt the store with a new key."""
        ...

    def backup_to(self, path: Path) -> None:
        """Write a consistent copy of the database to the new file ``path``."""
        ...

    def close(self) -> None: ...
