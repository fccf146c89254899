"""``healthstore export sqlite|csv|parquet``: files compared with the library's own reads."""

from __future__ import annotations

import json
import sqlite3
import sys
from pathlib import Path
from typing import Any

import pyarrow.csv as pa_csv  # type: ignore[import-untyped]
import pyarrow.parquet as pq  # type: ignore[import-untyped]
import pytest
from typer.testing import CliRunner, Result

from healthstore import (
    CategorySample,
    Correlation,
    Device,
    HealthStore,
    Quantity,
    QuantitySample,
    Workout,
)
from healthstore import metadata as md
from healthstore.cli import app
from healthstore.exports.sqlite_export import export_sqlite
from healthstore.model import WorkoutActivity
from tests.conftest import PHONE, WATCH, at


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.delenv("HEALTHSTORE_DIR", raising=False)
    return CliRunner()


@pytest.fixture
def filled(tmp_path: Path) -> Path:
    path = tmp_path / "store"
    with HealthStore.create(path) as hs:
        hs.save(
            [
                QuantitySample(
                    "heartRate",
                    Quantity(1.25, "count/s"),
                    at(0),
                    source=WATCH,
                    device=Device(name="Watch", model="Watch"),
                    metadata={"HKHeartRateMotionContext": 1, "when": at(1)},
                ),
                QuantitySample("heartRate", Quantity(90, "count/min"), at(5), source=WATCH),
                QuantitySample("stepCount", Quantity(1000, "count"), at(0), at(10), source=PHONE),
                CategorySample("sleepAnalysis", "AsleepREM", at(-300), at(-240), source=WATCH),
                Correlation(
                    "bloodPressure",
                    at(20),
                    at(20),
                    [
                        QuantitySample("bloodPressureSystolic", Quantity(120, "mmHg"), at(20)),
                        QuantitySample("bloodPressureDiastolic", Quantity(80, "mmHg"), at(20)),
                    ],
                ),
                Workout(
                    "running",
                    at(30),
                    at(60),
                    total_distance=Quantity(5000, "m"),
                    total_energy_burned=Quantity(300, "kcal"),
                    activities=[WorkoutActivity.create("running", at(30), at(60))],
                    source=WATCH,
                    metadata={"HKIndoorWorkout": False},
                ),
            ]
        )
    return path


def _rows(db: Path, table: str) -> list[dict[str, Any]]:
    with sqlite3.connect(db) as conn:
        conn.row_factory = sqlite3.Row
        return [dict(r) for r in conn.execute(f'SELECT * FROM "{table}" ORDER BY start, uuid')]


def _dump(db: Path) -> list[str]:
    with sqlite3.connect(db) as conn:
        return list(conn.iterdump())


def test_sqlite_tables_match_the_library(filled: Path, tmp_path: Path) -> None:
    out = tmp_path / "health.db"
    with HealthStore.open(filled) as hs:
        counts = export_sqlite(hs, out)
        beats = hs.samples("heartRate", sort="start")
        run = hs.samples("workout")[0]
    assert counts.tables["heart_rate"] == 2
    assert {"step_count", "sleep_analysis", "blood_pressure", "workouts"} <= set(counts.tables)
    assert counts.tables["workout_activities"] == 1
    rows = _rows(out, "heart_rate")
    assert [r["uuid"] for r in rows] == [str(s.uuid) for s in beats]
    for row, sample in zip(rows, beats, strict=True):
        assert isinstance(sample, QuantitySample)
        assert row["unit"] == "count/min"
        assert isinstance(row["value"], float)  # numbers are numbers
        assert row["value"] == sample.quantity.value_in("count/min")
        assert row["start"] == sample.start.isoformat()  # ISO text with the offset
        assert md.from_json(row["metadata"]) == dict(sample.metadata)
        assert row["source_name"] == WATCH.name
    assert rows[0]["value"] == pytest.approx(75) and rows[0]["device_model"] == "Watch"
    (workout,) = _rows(out, "workouts")
    assert isinstance(run, Workout)
    assert workout["activity_type"] == "running"
    assert workout["duration_s"] == 1800
    assert workout["total_distance_km"] == 5.0
    assert workout["total_energy_burned_kcal"] == 300
    assert "value" not in workout
    (activity,) = _rows(out, "workout_activities")
    assert activity["workout_uuid"] == str(run.uuid)
    assert activity["uuid"] == str(run.activities[0].uuid)
    (pressure,) = _rows(out, "blood_pressure")
    members = {m["type"]: m["value"] for m in json.loads(pressure["objects"])}
    assert members == {"bloodPressureSystolic": 120, "bloodPressureDiastolic": 80}
    (sleep,) = _rows(out, "sleep_analysis")
    assert (sleep["value"], sleep["label"]) == (5, "AsleepREM")
    with sqlite3.connect(out) as conn:
        described = dict(conn.execute("SELECT table_name, display_unit FROM types").fetchall())
    assert described["heart_rate"] == "count/min"


def test_sqlite_re_export_is_idempotent_and_follows_changes(filled: Path, tmp_path: Path) -> None:
    out = tmp_path / "health.db"
    with HealthStore.open(filled) as hs:
        export_sqlite(hs, out)
        first = _dump(out)
        export_sqlite(hs, out)
        assert _dump(out) == first
        gone = hs.samples("stepCount")[0]
        hs.delete([gone])
        export_sqlite(hs, out)
    assert _dump(out) != first
    with sqlite3.connect(out) as conn:
        assert not conn.execute(
            "SELECT name FROM sqlite_master WHERE name = 'step_count'"
        ).fetchall()
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def _ok(runner: CliRunner, *args: str) -> Result:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, (result.stdout, result.stderr, result.exception)
    return result


def test_cli_sqlite(runner: CliRunner, filled: Path, tmp_path: Path) -> None:
    out = tmp_path / "h.db"
    result = _ok(runner, "export", "sqlite", str(out), "--store", str(filled), "--json")
    assert json.loads(result.stdout)["tables"]["heart_rate"] == 2
    only = tmp_path / "only.db"
    _ok(runner, "export", "sqlite", str(only), "--type", "heartRate", "--store", str(filled))
    with sqlite3.connect(only) as conn:
        names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert names == {"heart_rate", "types"}


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_cli_csv_and_parquet_write_a_file_per_type(
    runner: CliRunner, filled: Path, tmp_path: Path, fmt: str
) -> None:
    out = tmp_path / "files"
    args = ("export", fmt, "heartRate", "workout", "--out", str(out), "--store", str(filled))
    _ok(runner, *args)
    assert sorted(p.name for p in out.iterdir()) == sorted(
        f"{n}.{fmt}" for n in ("heart_rate", "workouts", "workout_activities")
    )
    read = pa_csv.read_csv if fmt == "csv" else pq.read_table
    beats = read(out / f"heart_rate.{fmt}").to_pylist()
    with HealthStore.open(filled) as hs:
        expected = hs.samples("heartRate", sort="start")
    assert [r["uuid"] for r in beats] == [str(s.uuid) for s in expected]
    assert [r["value[count/min]"] for r in beats] == pytest.approx([75, 90])
    workouts = read(out / f"workouts.{fmt}").to_pylist()
    assert workouts[0]["activity_type"] == "running"
    assert workouts[0]["total_distance[km]"] == 5.0
    _ok(runner, *args)  # again: the files are replaced
    assert len(read(out / f"heart_rate.{fmt}").to_pylist()) == 2


def test_cli_names_the_extra_when_pyarrow_is_missing(
    runner: CliRunner, filled: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    result = runner.invoke(
        app, ["export", "csv", "--out", str(tmp_path / "x"), "--store", str(filled)]
    )
    assert result.exit_code == 1
    assert "pip install 'healthstore[frames]'" in result.stderr


def test_unknown_type_is_named(runner: CliRunner, filled: Path, tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        ["export", "sqlite", str(tmp_path / "x.db"), "--type", "hartRate", "--store", str(filled)],
    )
    assert result.exit_code == 1
    assert "hartRate" in result.stderr and "heartRate" in result.stderr
    assert not list(tmp_path.glob("*x.db*"))
