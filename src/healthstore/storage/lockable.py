"""A backend that can be locked: while locked, every statement is refused with
databaseInaccessible, so every read door of every view is closed at once; unlocking swaps
in a freshly opened backend. Locking closes the read connections too (one lent out
finishes its statement, then closes)."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

from healthstore.errors import DatabaseInaccessible
from healthstore.storage.backend import Row, Savepoint
from healthstore.storage.sqlite import SQLiteBackend

LOCKED_MESSAGE = "the store is locked: unlock it with its passphrase to read"


class LockableBackend:
    """Wraps the store's SQLite backend; :meth:`lock` closes it, :meth:`unlock` replaces
    it."""

    name = "sqlite"

    def __init__(self, inner: SQLiteBackend) -> None:
        self._inner = inner
        self._locked = False
        self._guard = threading.RLock()

    @property
    def locked(self) -> bool:
        return self._locked

    @property
    def encrypted(self) -> bool:
        return self._inner.encrypted

    @property
    def path(self) -> Path:
        return self._inner.path

    def lock(self) -> None:
        with self._guard:
            if not self._locked:
                self._inner.close(LOCKED_MESSAGE)
                self._locked = True

    def unlock(self, inner: SQLiteBackend) -> None:
        with self._guard:
            self._inner = inner
            self._locked = False

    def _open(self) -> SQLiteBackend:
        if self._locked:
            raise DatabaseInaccessible(LOCKED_MESSAGE, field="store")
        return self._inner

    # --- the Backend protocol ---------------------------------------------------------------
    @contextmanager
    def exclusive(self) -> Iterator[None]:
        with self._guard, self._inner.exclusive():
            yield

    def transaction(self, *, wait: bool = True) -> AbstractContextManager[None]:
        return self._open().transaction(wait=wait)

    def in_transaction(self) -> bool:
        return not self._locked and self._inner.in_transaction()

    def snapshot(self) -> AbstractContextManager[None]:
        return self._open().snapshot()

    def savepoint(self) -> AbstractContextManager[Savepoint]:
        return self._open().savepoint()

    def streaming(self) -> AbstractContextManager[None]:
        return self._open().streaming()

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        self._open().execute(sql, params)

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> int:
        return self._open().executemany(sql, rows)

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        return self._open().query(sql, params)

    def iterate(self, sql: str, params: Sequence[Any] = ()) -> Iterator[Row]:
        return self._open().iterate(sql, params)

    def reserve_anchors(self, count: int) -> int:
        return self._open().reserve_anchors(count)

    def json_field(self, column: str, key: str, *more: str) -> tuple[str, list[Any]]:
        return self._inner.json_field(column, key, *more)

    def rekey(self, key: bytes) -> None:
        self._open().rekey(key)

    def backup_to(self, path: Path) -> None:
        self._open().backup_to(path)

    def close(self) -> None:
        with self._guard:
            if not self._locked:
                self._inner.close()
