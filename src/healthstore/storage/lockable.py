"""A backend that can be locked: while locked, every statement is refused with
databaseInaccessible, so every read door of every view is closed at once; unlocking swaps
in a freshly opened backend. Locking closes the read connections too (one lent out
finishes its statement, then closes).

The optional capabilities (:mod:`healthstore.storage.backend`) pass through to the
backend inside: changing the key or taking a backup of one that cannot is refused, and
streaming is then a no-op."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

from healthstore.errors import DatabaseInaccessible
from healthstore.storage.backend import (
    CLOSED_MESSAGE,
    Backend,
    Row,
    Savepoint,
    file_backup,
    maybe_streaming,
    rekeyable,
)
from healthstore.storage.dialect import Dialect

LOCKED_MESSAGE = "the store is locked: unlock it with its passphrase to read"


class LockableBackend:
    """Wraps the store's backend; :meth:`lock` closes it, :meth:`unlock` replaces it."""

    def __init__(self, inner: Backend) -> None:
        self._inner = inner
        self._locked = False
        self._guard = threading.RLock()

    @property
    def name(self) -> str:
        return self._inner.name

    @property
    def dialect(self) -> Dialect:
        return self._inner.dialect

    @property
    def locked(self) -> bool:
        return self._locked

    @property
    def encrypted(self) -> bool:
        return bool(getattr(self._inner, "encrypted", False))

    @property
    def path(self) -> Path:
        """The database file (of a backend kept in one)."""
        inner: Any = self._inner
        return Path(inner.path)

    def lock(self) -> None:
        with self._guard:
            if not self._locked:
                self._inner.close(LOCKED_MESSAGE)
                self._locked = True

    def unlock(self, inner: Backend) -> None:
        with self._guard:
            self._inner = inner
            self._locked = False

    def _open(self) -> Backend:
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

    def close(self, reason: str = CLOSED_MESSAGE) -> None:
        with self._guard:
            if not self._locked:
                self._inner.close(reason)

    # --- optional capabilities, passed through ------------------------------------------------
    def streaming(self) -> AbstractContextManager[None]:
        return maybe_streaming(self._open())

    def rekey(self, key: bytes) -> None:
        rekeyable(self._open()).rekey(key)

    def backup_to(self, path: Path) -> None:
        file_backup(self._open()).backup_to(path)
