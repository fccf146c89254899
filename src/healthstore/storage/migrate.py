"""Versioned schema migrations, shared by every backend.

A backend's migrations are the ``NNNN_name.sql`` files of ``storage/migrations/<backend>/``,
applied in order, each once, each in its own transaction together with its row in
``schema_migrations (version, name, applied_at)``. A store made before that table existed
(SQLite's ``PRAGMA user_version`` kept its version) gets the table on open with a row for
every migration it already had: nothing runs twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from typing import Any, Protocol

from healthstore.errors import DatabaseInaccessible
from healthstore.storage.backend import Row

TABLE = "schema_migrations"
CREATE_TABLE = (
    f"CREATE TABLE IF NOT EXISTS {TABLE} ("
    "version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
)
ADOPTED = "adopted"
"""``applied_at`` of the migrations a store had before it kept this table (when they ran
is not known)."""


@dataclass(frozen=True)
class Migration:
    """One shipped migration: its version, file name and SQL."""

    version: int
    name: str
    sql: str


def shipped(backend: str) -> list[Migration]:
    """Every migration shipped for ``backend`` (its folder under ``storage/migrations``),
    in order."""
    folder = resources.files("healthstore.storage").joinpath("migrations", backend)
    found = []
    for entry in folder.iterdir():
        if entry.name.endswith(".sql"):
            version = int(entry.name.split("_", 1)[0])
            found.append(Migration(version, entry.name, entry.read_text("utf-8")))
    return sorted(found, key=lambda m: m.version)


class MigrationHost(Protocol):
    """What the runner needs of a backend."""

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[Row]: ...

    def has_table(self, name: str) -> bool:
        """Whether the store has a table ``name``."""
        ...

    def execute_script(self, script: str) -> None:
        """Run several statements (no parameters) as one transaction of their own: all
        or nothing."""
        ...

    def legacy_version(self) -> int:
        """The version the store had before it kept ``schema_migrations`` (0: none)."""
        ...

    def version_marker(self, version: int) -> str:
        """SQL run with a migration to mark ``version`` where an older healthstore looks
        for it, so it refuses a newer store ('' when there is no such place)."""
        ...


def applied(host: MigrationHost) -> dict[int, str]:
    """The migrations recorded in the store: version -> name."""
    return {int(v): str(n) for v, n in host.query(f"SELECT version, name FROM {TABLE}")}


def migrate(host: MigrationHost, migrations: Sequence[Migration]) -> list[Migration]:
    """Apply each of ``migrations`` the store has not recorded, in order; returns those
    applied. A store newer than all of ``migrations`` (a newer healthstore made it) is
    refused."""
    newest = max((m.version for m in migrations), default=0)
    if host.has_table(TABLE):
        done = applied(host)
        found = max(done, default=0)
    else:
        # The table comes with a row for each migration the store already had (under the
        # old bookkeeping), in one transaction: none of them runs again.
        found = host.legacy_version()
        adopted = [m for m in migrations if m.version <= found]
        if found <= newest:
            host.execute_script(
                "".join(f"{sql};\n" for sql in [CREATE_TABLE, *map(_adopted, adopted)])
            )
        done = {m.version: m.name for m in adopted}
    if found > newest:
        raise DatabaseInaccessible(
            f"store schema version {found} is newer than this healthstore ({newest})"
        )
    ran = []
    for migration in migrations:
        if migration.version in done:
            continue
        host.execute_script(
            f"{migration.sql}\n;\n{_record(migration, _now())};\n"
            f"{host.version_marker(migration.version)}"
        )
        ran.append(migration)
    return ran


def _adopted(migration: Migration) -> str:
    return _record(migration, ADOPTED)


def _record(migration: Migration, when: str) -> str:
    name = migration.name.replace("'", "''")
    return (
        f"INSERT INTO {TABLE} (version, name, applied_at) "
        f"VALUES ({int(migration.version)}, '{name}', '{when}')"
    )


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
