"""How a backend's SQL differs: the fragments the query compiler and the writer ask for.

SQL handed to a :class:`~healthstore.storage.backend.Backend` marks parameters with ``?``;
a backend whose driver wants another style turns them into its own with :meth:`Dialect.render`
(SQLite's is the identity). Everything else that differs between databases — reaching into
JSON, the larger of two values, boolean literals, the rows of a list of uuids, upserts, an
unbounded LIMIT — is asked of the dialect, so ``query/`` and ``storage/writer.py`` hold no
backend's spelling.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

Fragment = tuple[str, list[Any]]
"""SQL text with ``?`` markers, and its parameters in order."""


class Dialect(Protocol):
    """The SQL spelling of one kind of database."""

    name: str
    true: str
    """The boolean literal true, as a stored flag compares with it."""
    false: str
    """The boolean literal false (also what an unknown condition counts as)."""

    def render(self, sql: str) -> str:
        """``sql`` with its ``?`` markers in the driver's parameter style."""
        ...

    def marks(self, count: int) -> str:
        """``count`` parameter markers, comma-separated (for ``IN (...)``)."""
        ...

    def flag(self, value: bool) -> Any:
        """The parameter that stores ``value`` in a boolean column."""
        ...

    def json_field(self, column: str, *path: str) -> Fragment:
        """The scalar at ``path`` (one key per level) of the JSON text ``column``, typed as
        stored (numbers compare as numbers, strings as text); NULL when absent."""
        ...

    def json_param(self, value: Any) -> Any:
        """The parameter a :meth:`json_field` compares equal with when it holds ``value``."""
        ...

    def greatest(self, *expressions: str) -> str:
        """The largest of several non-NULL SQL values (backends differ on NULL)."""
        ...

    def least(self, *expressions: str) -> str:
        """The smallest of several non-NULL SQL values (backends differ on NULL)."""
        ...

    def uuid_probe(self, uuids: Sequence[bytes]) -> Fragment:
        """A ``WITH`` clause defining the table ``probe(wanted)``: one row per 16-byte uuid
        of ``uuids``, passed whole however many there are (a long ``IN`` list is far
        slower), to join a table on."""
        ...

    def upsert(
        self,
        table: str,
        columns: Sequence[str],
        key: Sequence[str] = (),
        update: Mapping[str, str] | None = None,
    ) -> str:
        """INSERT of one row of ``columns``; when a row with the same ``key`` exists, set
        ``update`` (column -> SQL, where ``excluded.<column>`` is the new value), or
        without ``update`` keep the stored row (any unique key, with no ``key``)."""
        ...

    def limit_offset(self, limit: int, offset: int) -> Fragment:
        """``LIMIT ... OFFSET ...`` for at most ``limit`` rows (0: all) after ``offset``."""
        ...


class SqliteDialect:
    """SQLite's spelling (3.35 or later: ``RETURNING``, upserts, the JSON functions)."""

    name = "sqlite"
    true = "1"
    false = "0"

    def render(self, sql: str) -> str:
        return sql

    def marks(self, count: int) -> str:
        return ", ".join("?" * count)

    def flag(self, value: bool) -> int:
        return int(value)

    def json_field(self, column: str, *path: str) -> Fragment:
        if not path:
            raise ValueError("a JSON field needs a path")
        steps = "".join('."' + p.replace("\\", "\\\\").replace('"', '\\"') + '"' for p in path)
        return f"json_extract({column}, ?)", ["$" + steps]

    def json_param(self, value: Any) -> Any:
        # json_extract gives JSON true and false as 1 and 0
        return int(value) if isinstance(value, bool) else value

    def greatest(self, *expressions: str) -> str:
        return _variadic("MAX", expressions)

    def least(self, *expressions: str) -> str:
        return _variadic("MIN", expressions)

    def uuid_probe(self, uuids: Sequence[bytes]) -> Fragment:
        # One blob of the uuids end to end, cut into 16-byte pieces by a counter.
        return (
            "WITH RECURSIVE ids(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM ids WHERE i + 1 < ?), "
            "probe(wanted) AS (SELECT substr(?, i * 16 + 1, 16) FROM ids)",
            [len(uuids), b"".join(uuids)],
        )

    def upsert(
        self,
        table: str,
        columns: Sequence[str],
        key: Sequence[str] = (),
        update: Mapping[str, str] | None = None,
    ) -> str:
        return _upsert(self, table, columns, key, update)

    def limit_offset(self, limit: int, offset: int) -> Fragment:
        return "LIMIT ? OFFSET ?", [limit or -1, offset]


def _variadic(function: str, expressions: Sequence[str]) -> str:
    if not expressions:
        raise ValueError(f"{function} of no values")
    if len(expressions) == 1:
        return expressions[0]
    return f"{function}({', '.join(expressions)})"


def _upsert(
    dialect: Dialect,
    table: str,
    columns: Sequence[str],
    key: Sequence[str],
    update: Mapping[str, str] | None,
) -> str:
    """The standard ``INSERT ... ON CONFLICT`` that SQLite and PostgreSQL share."""
    head = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({dialect.marks(len(columns))})"
    target = f" ({', '.join(key)})" if key else ""
    if not update:
        return f"{head} ON CONFLICT{target} DO NOTHING"
    if not key:
        raise ValueError("an upsert that updates needs the key it conflicts on")
    sets = ", ".join(f"{column} = {value}" for column, value in update.items())
    return f"{head} ON CONFLICT{target} DO UPDATE SET {sets}"


SQLITE = SqliteDialect()
