"""``healthstore export csv|parquet``: one file per type, built from the data frames of
:mod:`healthstore.frames` (needs the ``frames`` extra), plus ``workout_activities`` when
workouts have activities."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from healthstore import frames
from healthstore.errors import InvalidArgument
from healthstore.exports.tables import exported_types, samples_of, table_name
from healthstore.model import Workout
from healthstore.store import HealthStore

Format = Literal["csv", "parquet"]


@dataclass
class FileCounts:
    """The files written and the rows in each."""

    directory: Path
    files: dict[str, int] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"directory": str(self.directory), "files": dict(self.files)}


def _write(table: Any, path: Path, fmt: Format) -> None:
    if fmt == "csv":
        from pyarrow import csv  # type: ignore[import-untyped]

        csv.write_csv(table, path)
    else:
        from pyarrow import parquet

        parquet.write_table(table, path)


def export_frames(store: HealthStore, names: list[str], out: Path, fmt: Format) -> FileCounts:
    """Write a ``<type>.<fmt>`` file per type into ``out`` (created when missing; files of
    the same names are replaced). With no names, every type the store holds."""
    if fmt not in ("csv", "parquet"):
        raise InvalidArgument(f"unknown format {fmt!r} (csv or parquet)", field="format")
    frames.check_installed()
    if out.exists() and not out.is_dir():
        raise InvalidArgument(f"{out} is not a directory", field="out")
    out.mkdir(parents=True, exist_ok=True)
    counts = FileCounts(out)
    activities: list[Workout] = []
    for t in exported_types(store, names):
        found = samples_of(store, t)
        name = f"{table_name(t)}.{fmt}"
        _write(frames.samples_to_arrow(found), out / name, fmt)
        counts.files[name] = len(found)
        activities += [w for w in found if isinstance(w, Workout) and w.activities]
    if activities:
        table = frames.workout_activities_to_arrow(activities)
        name = f"workout_activities.{fmt}"
        _write(table, out / name, fmt)
        counts.files[name] = table.num_rows
    return counts
