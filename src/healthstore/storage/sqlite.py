"""The embedded SQLite backend: one file per store, WAL journal, versioned migrations
(:mod:`healthstore.storage.migrate`).

One connection writes (and serves the reads of a thread that holds it: inside a
transaction a thread reads its own writes); every other read runs on a connection of its
own from a :class:`~healthstore.storage.read_pool.ReadPool`, so reads never wait for a
writer, even one waiting for another process's lock."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlcipher3 import dbapi2 as sqlcipher  # type: ignore[import-untyped]

from healthstore.errors import DatabaseInaccessible
from healthstore.storage.backend import CLOSED_MESSAGE, Row
from healthstore.storage.dialect import SQLITE
from healthstore.storage.migrate import migrate as run_migrations
from healthstore.storage.migrate import shipped
from healthstore.storage.read_pool import ReadPool
from healthstore.vault.file_modes import tighten_database, touch_private
from healthstore.vault.keys import sqlcipher_key

# SQLCipher authenticates and encrypts page by page; 16 KiB pages cost a third of the
# default 4 KiB ones on bulk writes (bench/README.md, "Encryption").
CIPHER_PAGE_SIZE = 16384
_DATABASE_ERRORS = (sqlite3.DatabaseError, sqlcipher.DatabaseError)
_OPERATIONAL_ERRORS = (sqlite3.OperationalError, sqlcipher.OperationalError)

# The page cache is capped at 64 MiB: a 256 MiB cache filled up during a 1,000,000-Record
# Apple import and took the process to 340 MB (168 MB with 64 MiB, no slower), and a server
# keeps one per store. A bulk import appends, so it needs few pages at a time: while one
# streams, the cache is 16 MiB (the same import: 115 MB instead of 168 MB, its time within
# the machine's drift).
CACHE_KIB = 65536
STREAMING_CACHE_KIB = 16384
_PRAGMAS = (
    "PRAGMA journal_mode = WAL",
    "PRAGMA synchronous = NORMAL",
    "PRAGMA temp_store = MEMORY",
    f"PRAGMA cache_size = -{CACHE_KIB}",
    "PRAGMA busy_timeout = 10000",
)
_READER_PRAGMAS = (
    "PRAGMA query_only = ON",
    "PRAGMA temp_store = MEMORY",
    f"PRAGMA cache_size = -{CACHE_KIB}",
    "PRAGMA busy_timeout = 10000",
)


def _busy(exc: Exception) -> Exception:
    """A store another process keeps locked past the busy timeout is databaseInaccessible;
    any other operational error stays as it is."""
    if "locked" in str(exc) or "busy" in str(exc):
        return DatabaseInaccessible(f"the store is busy (another process holds it): {exc}")
    return exc


class StoreBusy(DatabaseInaccessible):
    """The writer is busy (another thread or process holds it) and the caller would not
    wait."""


class _Savepoint:
    def __init__(self, conn: Any, name: str) -> None:
        self._conn = conn
        self._name = name

    def rollback(self) -> None:
        self._conn.execute(f"ROLLBACK TO {self._name}")


class SQLiteBackend:
    """A store in one SQLite database file."""

    name = "sqlite"
    dialect = SQLITE

    def __init__(self, path: Path, *, create: bool = False, key: bytes | None = None) -> None:
        """Open (or with ``create``, make) the database at ``path``; with ``key``, an
        SQLCipher database encrypted with those 32 raw bytes."""
        if not create and not path.exists():
            raise DatabaseInaccessible(f"no store database at {path}", field="store")
        self.encrypted = key is not None
        self._key = key
        try:
            touch_private(path)  # SQLite gives its -wal and -shm files the database's mode
        except OSError as exc:
            raise DatabaseInaccessible(
                f"cannot open store database {path}: {exc.strerror}"
            ) from None
        self._conn = self._connect(path, _PRAGMAS)
        self.path = path
        self._lock = threading.RLock()
        self._local = threading.local()
        self._depth = 0
        self.migrate()
        tighten_database(path)
        self._readers = ReadPool(lambda: self._connect(path, _READER_PRAGMAS))

    def _connect(self, path: Path, pragmas: Sequence[str]) -> Any:
        key = self._key
        driver: Any = sqlite3 if key is None else sqlcipher
        try:
            conn = driver.connect(
                str(path), isolation_level=None, check_same_thread=False, cached_statements=256
            )
            if key is not None:
                conn.execute(f"PRAGMA key = {sqlcipher_key(key)}")
                conn.execute(f"PRAGMA cipher_page_size = {CIPHER_PAGE_SIZE}")
                conn.execute("SELECT count(*) FROM sqlite_master").fetchall()
            for pragma in pragmas:
                conn.execute(pragma)
        except _DATABASE_ERRORS as exc:
            if key is not None and "not a database" in str(exc):
                raise DatabaseInaccessible(
                    f"the key does not open {path} (wrong passphrase, or not this store's file)",
                    field="passphrase",
                ) from None
            raise DatabaseInaccessible(f"cannot open store database {path}: {exc}") from None
        return conn

    # --- migrations (the runner's host) -------------------------------------------------------
    def migrate(self) -> None:
        """Apply every shipped migration the database has not had, each in its own
        transaction (see :mod:`healthstore.storage.migrate`)."""
        with self._holding():
            run_migrations(self, shipped("sqlite"))

    def has_table(self, name: str) -> bool:
        rows = self._conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)
        ).fetchall()
        return bool(rows)

    def execute_script(self, script: str) -> None:
        """Run several statements as one transaction of their own."""
        with self._lock:
            try:
                self._conn.executescript(f"BEGIN IMMEDIATE;\n{script}\n;\nCOMMIT;")
            except (sqlite3.Error, sqlcipher.Error):
                if self._conn.in_transaction:
                    self._conn.execute("ROLLBACK")
                raise

    def legacy_version(self) -> int:
        """The schema version kept before ``schema_migrations``: ``PRAGMA user_version``."""
        return int(self._conn.execute("PRAGMA user_version").fetchone()[0])

    def version_marker(self, version: int) -> str:
        # Kept in step so that an older healthstore, which reads only this, refuses a
        # store newer than itself instead of migrating it again.
        return f"PRAGMA user_version = {int(version)};"

    # --- the writer -------------------------------------------------------------------------
    @contextmanager
    def _holding(self, wait: bool = True) -> Iterator[None]:
        """Hold the writer: this thread's reads go to it meanwhile."""
        if not self._lock.acquire(blocking=wait):
            raise StoreBusy("another thread is writing", field="store")
        self._local.held = self._held() + 1
        try:
            yield
        finally:
            self._local.held -= 1
            self._lock.release()

    def _held(self) -> int:
        return int(getattr(self._local, "held", 0))

    def in_transaction(self) -> bool:
        """Whether the calling thread has a write transaction open."""
        return bool(self._held() and self._depth)

    @contextmanager
    def transaction(self, *, wait: bool = True) -> Iterator[None]:
        """A write transaction (joining the one this thread has open). Without ``wait``,
        :class:`StoreBusy` instead of waiting for another thread or process."""
        with self._holding(wait):
            if self._depth:
                self._depth += 1
                try:
                    yield
                finally:
                    self._depth -= 1
                return
            if wait:
                self._run("BEGIN IMMEDIATE")
            else:
                self._begin_now()
            self._depth = 1
            try:
                yield
            except BaseException:
                self._depth = 0
                self._conn.execute("ROLLBACK")
                raise
            self._depth = 0
            self._conn.execute("COMMIT")

    def _begin_now(self) -> None:
        (timeout,) = self._conn.execute("PRAGMA busy_timeout").fetchone()
        self._conn.execute("PRAGMA busy_timeout = 0")
        try:
            self._conn.execute("BEGIN IMMEDIATE")
        except _OPERATIONAL_ERRORS as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                raise StoreBusy("another process holds the store", field="store") from None
            raise
        finally:
            self._conn.execute(f"PRAGMA busy_timeout = {int(timeout)}")

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        with self._holding():
            yield

    @contextmanager
    def streaming(self) -> Iterator[None]:
        with self._lock:
            self._conn.execute(f"PRAGMA cache_size = -{STREAMING_CACHE_KIB}")
        try:
            yield
        finally:
            with self._lock:
                self._conn.execute(f"PRAGMA cache_size = -{CACHE_KIB}")

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        if self._held():
            with self._lock:
                if self._depth:
                    yield
                    return
                self._run("BEGIN")
                self._depth = 1
                try:
                    yield
                finally:
                    self._depth = 0
                    self._conn.execute("COMMIT")
            return
        if getattr(self._local, "reader", None) is not None:
            yield
            return
        generation, conn = self._readers.lend()
        try:
            conn.execute("BEGIN")
            self._local.reader = conn
            try:
                yield
            finally:
                self._local.reader = None
                conn.execute("COMMIT")
        finally:
            self._readers.give_back(generation, conn)

    @contextmanager
    def savepoint(self) -> Iterator[_Savepoint]:
        with self._lock:
            if not self._depth:
                raise RuntimeError("a savepoint needs an open transaction")
            name = f"sp{self._depth}"
            self._conn.execute(f"SAVEPOINT {name}")
            try:
                yield _Savepoint(self._conn, name)
            except BaseException:
                self._conn.execute(f"ROLLBACK TO {name}")
                self._conn.execute(f"RELEASE {name}")
                raise
            self._conn.execute(f"RELEASE {name}")

    def _run(self, sql: str, params: Sequence[Any] = (), conn: Any = None) -> Any:
        """Run a statement; a store another process keeps locked past the busy timeout is
        databaseInaccessible, not a crash."""
        try:
            return (conn or self._conn).execute(sql, params)
        except _OPERATIONAL_ERRORS as exc:
            raise _busy(exc) from None

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        with self._holding():
            self._run(sql, params)

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> int:
        with self._holding():
            try:
                return int(self._conn.executemany(sql, rows).rowcount)
            except _OPERATIONAL_ERRORS as exc:
                raise _busy(exc) from None

    # --- reads --------------------------------------------------------------------------
    def query(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        if self._held():
            with self._lock:
                rows: list[Row] = self._run(sql, params).fetchall()
                return rows
        bound = getattr(self._local, "reader", None)
        if bound is not None:
            found: list[Row] = self._run(sql, params, bound).fetchall()
            return found
        generation, conn = self._readers.lend()
        try:
            lent: list[Row] = self._run(sql, params, conn).fetchall()
            return lent
        finally:
            self._readers.give_back(generation, conn)

    def iterate(self, sql: str, params: Sequence[Any] = ()) -> Iterator[Row]:
        if self._held():
            with self._lock:
                cursor = self._conn.execute(sql, params)
            while True:
                with self._lock:
                    batch = cursor.fetchmany(1000)
                if not batch:
                    return
                yield from batch
        bound = getattr(self._local, "reader", None)
        if bound is not None:
            yield from self._run(sql, params, bound)
            return
        generation, conn = self._readers.lend()
        cursor = None
        try:
            cursor = self._run(sql, params, conn)
            yield from cursor
        finally:
            if cursor is not None:
                cursor.close()
            self._readers.give_back(generation, conn)

    def reserve_anchors(self, count: int) -> int:
        with self._holding():
            (last,) = self._conn.execute(
                "UPDATE counters SET value = value + ? WHERE name = 'anchor' RETURNING value",
                (count,),
            ).fetchone()
        return int(last) - count + 1

    def rekey(self, key: bytes) -> None:
        """Re-encrypt the database with ``key`` (an encrypted database only)."""
        if self._key is None:
            raise DatabaseInaccessible("a plain database has no key to change", field="store")
        with self._lock:
            self._conn.execute(f"PRAGMA rekey = {sqlcipher_key(key)}")
            self._key = key
            self._readers.renew()

    def backup_to(self, path: Path) -> None:
        """A consistent copy of the database at ``path`` (a new file), encrypted with the
        same key when this one is, taken while other writers wait."""
        with self._lock:
            driver: Any = sqlcipher if self._key is not None else sqlite3
            touch_private(path)
            target = driver.connect(str(path))
            try:
                if self._key is not None:
                    target.execute(f"PRAGMA key = {sqlcipher_key(self._key)}")
                    target.execute(f"PRAGMA cipher_page_size = {CIPHER_PAGE_SIZE}")
                self._conn.backup(target)
            finally:
                target.close()

    def close(self, reason: str = CLOSED_MESSAGE) -> None:
        """Close the writer and the read connections (those lent out when they come back);
        later reads fail with databaseInaccessible saying ``reason``."""
        with self._lock:
            self._readers.close(reason)
            self._conn.close()
