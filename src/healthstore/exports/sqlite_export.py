"""``healthstore export sqlite``: a plain, denormalised SQLite file any SQL tool opens.

One table per sample type with readable columns (``heart_rate``: ``uuid``, ``start``,
``end``, ``time_zone``, ``value`` REAL in the type's display unit, ``unit``, the source and
device columns, ``metadata`` JSON text), a ``workouts`` table (activity type, duration in
seconds, total distance in km, energy in kcal, events, activities and statistics as JSON),
``workout_activities``, and ``types`` (each table's type, display unit and row count).
Numbers are numbers, instants are ISO 8601 text with the sample's own offset.

The file is rebuilt in a temporary file beside it and renamed over it, so a re-export
replaces the old content at once (readers see the old file or the new one, never half of
one) and exporting the same store twice gives the same content.
"""

from __future__ import annotations

import os
import re
import sqlite3
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from healthstore.catalogue import Kind, ObjectType
from healthstore.errors import InvalidArgument
from healthstore.exports.tables import exported_types, samples_of, table_name
from healthstore.frame_columns import Column, activity_columns, sample_columns
from healthstore.model import Workout
from healthstore.store import HealthStore

_SQL_TYPES = {"text": "TEXT", "float": "REAL", "int": "INTEGER", "time": "TEXT"}
_BRACKETED = re.compile(r"^(?P<name>\w+)\[(?P<unit>[^\]]+)\]$")


@dataclass
class TableCounts:
    """The tables written and their row counts."""

    path: Path
    tables: dict[str, int] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"path": str(self.path), "tables": dict(self.tables)}


def _plain(columns: list[Column], t: ObjectType | None) -> list[Column]:
    """Columns with SQL-friendly names: ``value[km]`` becomes ``value`` plus a ``unit``
    column; ``total_distance[km]`` becomes ``total_distance_km``. Value columns that a
    workout or correlation never fills are left out."""
    out: list[Column] = []
    for c in columns:
        match = _BRACKETED.match(c.name)
        if match and match["name"] == "value":
            out += [
                Column("value", c.kind, c.values),
                Column("unit", "text", [match["unit"]] * len(c.values)),
            ]
        elif match:
            unit = re.sub(r"\W+", "_", match["unit"]).strip("_")
            name = match["name"] if unit == "count" else f"{match['name']}_{unit}"
            out.append(Column(name, c.kind, c.values))
        elif (
            t is not None
            and t.kind not in (Kind.quantity, Kind.category)
            and c.name
            in (
                "value",
                "unit",
                "label",
            )
        ):
            continue
        else:
            out.append(c)
    return out


def _cell(kind: str, value: Any) -> Any:
    if value is None:
        return None
    if kind == "time":
        assert isinstance(value, datetime)
        return value.isoformat()
    return value


def _create(db: sqlite3.Connection, name: str, columns: list[Column]) -> int:
    defs = ", ".join(
        f'"{c.name}" {_SQL_TYPES[c.kind]}' + (" PRIMARY KEY" if c.name == "uuid" else "")
        for c in columns
    )
    db.execute(f'CREATE TABLE "{name}" ({defs})')
    rows = list(zip(*([_cell(c.kind, v) for v in c.values] for c in columns), strict=True))
    marks = ", ".join("?" for _ in columns)
    db.executemany(f'INSERT INTO "{name}" VALUES ({marks})', rows)
    if any(c.name == "start" for c in columns):
        db.execute(f'CREATE INDEX "{name}_start" ON "{name}" ("start")')
    return len(rows)


def _build(store: HealthStore, db: sqlite3.Connection, names: Iterable[str]) -> dict[str, int]:
    tables: dict[str, int] = {}
    described: list[tuple[str, str, str, str | None, int]] = []
    workouts: list[Workout] = []
    for t in exported_types(store, names):
        found = samples_of(store, t)
        name = table_name(t)
        tables[name] = _create(db, name, _plain(sample_columns(found), t))
        described.append((name, t.identifier, t.short_name, t.display_unit, len(found)))
        workouts += [w for w in found if isinstance(w, Workout)]
    if workouts:
        tables["workout_activities"] = _create(db, "workout_activities", activity_columns(workouts))
    db.execute(
        "CREATE TABLE types (table_name TEXT PRIMARY KEY, identifier TEXT, short_name TEXT, "
        "display_unit TEXT, rows INTEGER)"
    )
    db.executemany("INSERT INTO types VALUES (?, ?, ?, ?, ?)", described)
    return tables


def export_sqlite(store: HealthStore, out: str | Path, types: Iterable[str] = ()) -> TableCounts:
    """Write the store (or the ``types`` named) to the SQLite file ``out``, replacing it
    whole when it exists (see the module docstring)."""
    path = Path(out).absolute()
    if path.is_dir():
        raise InvalidArgument(f"{path} is a directory; name a file such as health.db", field="out")
    if not path.parent.is_dir():
        raise InvalidArgument(f"{path.parent} is not a directory", field="out")
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(handle)
    try:
        db = sqlite3.connect(temporary)
        try:
            with db:
                tables = _build(store, db, types)
        finally:
            db.close()
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return TableCounts(path, tables)
