"""The protocol every storage backend implements (SQLite now; PostgreSQL speaks it too).

A backend is a connection to one store: transactions, plain SQL with ``?`` markers (its
:class:`~healthstore.storage.dialect.Dialect` renders them, and says how the SQL of this
kind of database is spelled), and a store-wide anchor counter. What only some backends can
do — change the encryption key, copy the store to a file, ease memory during a bulk
import — are separate protocols, asked for with ``isinstance``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from healthstore.errors import InvalidArgument
from healthstore.storage.dialect import Dialect

Row = tuple[Any, ...]
CLOSED_MESSAGE = "the store is closed"


class Savepoint(Protocol):
    """A savepoint in progress."""

    def rollback(self) -> None:
        """Undo everything since the savepoint was opened (it stays open)."""
        ...


class Backend(Protocol):
    """A connection to one store."""

    @property
    def name(self) -> str:
        """The backend's name, as ``store.json`` gives it."""
        ...

    @property
    def dialect(self) -> Dialect:
        """How this backend spells SQL."""
        ...

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

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None: ...

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> int:
        """Run ``sql`` once per parameter set; returns how many rows it changed."""
        ...

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[Row]: ...

    def iterate(self, sql: str, params: Sequence[Any] = ()) -> Iterator[Row]:
        """The rows of ``sql`` one by one (a backend may fetch them in batches)."""
        ...

    def reserve_anchors(self, count: int) -> int:
        """Reserve ``count`` consecutive anchors inside the open transaction; returns the
        first."""
        ...

    def close(self, reason: str = CLOSED_MESSAGE) -> None:
        """Close; later statements fail with databaseInaccessible saying ``reason``."""
        ...


# --- optional capabilities ------------------------------------------------------------------
@runtime_checkable
class Rekeyable(Protocol):
    """A backend that encrypts the store with a key it can change."""

    encrypted: bool

    def rekey(self, key: bytes) -> None:
        """Re-encrypt the store with a new key."""
        ...


@runtime_checkable
class FileBackup(Protocol):
    """A backend that can copy the store to one file."""

    def backup_to(self, path: Path) -> None:
        """Write a consistent copy of the database to the new file ``path``."""
        ...


@runtime_checkable
class Streaming(Protocol):
    """A backend that can keep less in memory during a long run of writes."""

    def streaming(self) -> AbstractContextManager[None]:
        """A long run of writes that each touch new pages (a bulk import)."""
        ...


def rekeyable(backend: Backend) -> Rekeyable:
    """``backend`` as :class:`Rekeyable`; invalidArgument when it cannot change a key."""
    if not isinstance(backend, Rekeyable):
        raise _lacking(backend, "has no key to change")
    return backend


def file_backup(backend: Backend) -> FileBackup:
    """``backend`` as :class:`FileBackup`; invalidArgument when it has no file to copy."""
    if not isinstance(backend, FileBackup):
        raise _lacking(backend, "has no file to back up")
    return backend


def maybe_streaming(backend: Backend) -> AbstractContextManager[None]:
    """The backend's :meth:`Streaming.streaming` where it has one, else nothing."""
    return backend.streaming() if isinstance(backend, Streaming) else nullcontext()


def _lacking(backend: Backend, what: str) -> InvalidArgument:
    return InvalidArgument(f"this store's backend ({backend.name}) {what}", field="store")
