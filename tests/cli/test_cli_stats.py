"""``healthstore stats`` and ``healthstore priority``, run with typer's CliRunner against real
stores."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from healthstore import HealthStore, Quantity, QuantitySample
from tests.cli.support import as_json, failed, ok, run
from tests.conftest import PARIS, PHONE, WATCH

DAY = datetime(2024, 3, 30, tzinfo=PARIS)  # the day before the spring-forward change


@pytest.fixture
def store_dir(tmp_path: Path) -> Path:
    """Steps from a phone and a watch overlapping on 30 March (08:00–09:00 Paris), steps
    from the phone alone on 1 April, and a walk of 1500 m."""
    path = tmp_path / "store"
    morning = DAY + timedelta(hours=8)
    april = DAY + timedelta(days=2, hours=10)
    with HealthStore.create(path) as hs:
        hs.save(
            [
                QuantitySample(
                    "stepCount",
                    Quantity(1000, "count"),
                    morning,
                    morning + timedelta(hours=1),
                    source=PHONE,
                ),
                QuantitySample(
                    "stepCount",
                    Quantity(600, "count"),
                    morning + timedelta(minutes=30),
                    morning + timedelta(hours=1),
                    source=WATCH,
                ),
                QuantitySample(
                    "stepCount",
                    Quantity(300, "count"),
                    april,
                    april + timedelta(hours=1),
                    source=PHONE,
                ),
                QuantitySample(
                    "distanceWalkingRunning",
                    Quantity(1500, "m"),
                    morning,
                    morning + timedelta(hours=1),
                    source=PHONE,
                ),
                QuantitySample("heartRate", Quantity(60, "count/min"), morning, source=WATCH),
                QuantitySample(
                    "heartRate",
                    Quantity(1.5, "count/s"),
                    morning + timedelta(hours=1),
                    source=WATCH,
                ),
            ]
        )
    return path


PARIS_DAYS = ("--start", "2024-03-29", "--end", "2024-04-02", "--interval", "1d")


def daily_steps(runner: CliRunner, store: Path, *extra: str) -> list[dict[str, Any]]:
    args = ("stats", "stepCount", *PARIS_DAYS, "--tz", "Europe/Paris", "--store", str(store))
    found: list[dict[str, Any]] = as_json(ok(runner, *args, *extra, "--json"))
    return found


# --- stats --------------------------------------------------------------------------------


def test_daily_sums_merge_phone_and_watch(runner: CliRunner, store_dir: Path) -> None:
    days = daily_steps(runner, store_dir)
    # 08:00–08:30 from the phone (500), 08:30–09:00 from the watch, which counts first (600).
    assert [d.get("sum") for d in days] == [None, pytest.approx(1100), None, pytest.approx(300)]
    assert days[1]["unit"] == "count"
    assert days[1]["sources"] == ["com.example.watch", "com.example.phone"]
    assert days[0] == {
        "start": "2024-03-29T00:00:00+01:00",
        "end": "2024-03-30T00:00:00+01:00",
        "unit": "count",
        "sources": [],
    }


def test_days_across_the_dst_change_last_23_hours(runner: CliRunner, store_dir: Path) -> None:
    days = daily_steps(runner, store_dir)
    starts = [d["start"] for d in days]
    assert starts == [
        "2024-03-29T00:00:00+01:00",
        "2024-03-30T00:00:00+01:00",
        "2024-03-31T00:00:00+01:00",
        "2024-04-01T00:00:00+02:00",
    ]
    hours = [
        (datetime.fromisoformat(d["end"]) - datetime.fromisoformat(d["start"])) / timedelta(hours=1)
        for d in days
    ]
    assert hours == [24, 24, 23, 24]


def test_default_zone_is_the_local_one(runner: CliRunner, store_dir: Path) -> None:
    args = ("stats", "stepCount", *PARIS_DAYS, "--store", str(store_dir), "--json")
    days = as_json(ok(runner, *args, env={"TZ": "Europe/Paris"}))
    assert [d["start"][-6:] for d in days] == ["+01:00", "+01:00", "+01:00", "+02:00"]
    assert [d.get("sum") for d in days] == [None, pytest.approx(1100), None, pytest.approx(300)]


def test_table_shows_empty_days_as_a_dash(runner: CliRunner, store_dir: Path) -> None:
    args = ("stats", "stepCount", *PARIS_DAYS, "--tz", "Europe/Paris", "--store", str(store_dir))
    lines = ok(runner, *args).stdout.splitlines()
    rows = [line for line in lines if "2024-03-" in line or "2024-04-01 00" in line]
    assert len(rows) == 4
    assert "—" in rows[0]
    assert "1100 count" in rows[1]
    assert "—" in rows[2]
    assert "300 count" in rows[3]


def test_single_range_is_a_list_of_one(runner: CliRunner, store_dir: Path) -> None:
    args = ("--start", "2024-03-29", "--end", "2024-04-02", "--tz", "Europe/Paris")
    (whole,) = as_json(ok(runner, "stats", "stepCount", *args, "--store", str(store_dir), "--json"))
    assert whole["start"] == "2024-03-29T00:00:00+01:00"
    assert whole["end"] == "2024-04-02T00:00:00+02:00"
    assert whole["sum"] == pytest.approx(1400)
    text = ok(runner, "stats", "stepCount", *args, "--store", str(store_dir)).stdout
    assert "1400 count" in text


def test_unit_km_for_distance(runner: CliRunner, store_dir: Path) -> None:
    args = ("--start", "2024-03-30T00:00+01:00", "--end", "2024-03-31T00:00+01:00")
    s = str(store_dir)
    (day,) = as_json(
        ok(runner, "stats", "distanceWalkingRunning", *args, "--unit", "km", "--store", s, "--json")
    )
    assert day["sum"] == pytest.approx(1.5)
    assert day["unit"] == "km"
    (shown,) = as_json(ok(runner, "stats", "distanceWalkingRunning", *args, "--store", s, "--json"))
    assert shown["sum"] == pytest.approx(1.5)  # the display unit, km, by default
    assert shown["unit"] == "km"
    (metres,) = as_json(
        ok(runner, "stats", "distanceWalkingRunning", *args, "--unit", "m", "--store", s, "--json")
    )
    assert metres["sum"] == pytest.approx(1500)
    assert metres["unit"] == "m"
    assert (
        "1.5 km"
        in ok(runner, "stats", "distanceWalkingRunning", *args, "--unit", "km", "--store", s).stdout
    )
    message = failed(run(runner, "stats", "stepCount", *args, "--unit", "km", "--store", s))
    assert "'km'" in message


def test_discrete_type_defaults_to_average_minimum_maximum(
    runner: CliRunner, store_dir: Path
) -> None:
    args = ("--start", "2024-03-30", "--end", "2024-03-31", "--tz", "Europe/Paris")
    s = str(store_dir)
    (day,) = as_json(ok(runner, "stats", "heartRate", *args, "--store", s, "--json"))
    assert day["unit"] == "count/min"  # beats per minute, the display unit
    assert day["minimum"] == pytest.approx(60)
    assert day["maximum"] == pytest.approx(90)
    assert "sum" not in day
    options = ("--options", "mostRecent", "--unit", "count/min")
    (recent,) = as_json(ok(runner, "stats", "heartRate", *args, *options, "--store", s, "--json"))
    assert recent["unit"] == "count/min"
    assert recent["most_recent"] == pytest.approx(90)
    assert recent["most_recent_start"] == "2024-03-30T09:00:00+01:00"
    assert "average" not in recent


def test_discrete_option_on_steps_is_refused_by_name(runner: CliRunner, store_dir: Path) -> None:
    args = ("stats", "stepCount", *PARIS_DAYS, "--store", str(store_dir))
    message = failed(run(runner, *args, "--options", "sum,avg"))
    assert "'avg'" in message
    assert "'sum'" not in message
    assert "cumulative" in message
    error = as_json(run(runner, *args, "--options", "max", "--json"))["error"]
    assert error["name"] == "invalidArgument"
    assert error["field"] == "options"
    assert "'max'" in error["message"]
    assert "'bogus'" in failed(run(runner, *args, "--options", "bogus"))


def test_separate_by_source_and_duration(runner: CliRunner, store_dir: Path) -> None:
    days = daily_steps(runner, store_dir, "--options", "sum,duration,separateBySource")
    day = days[1]
    assert day["duration_s"] == 3600
    assert day["by_source"]["com.example.phone"]["sum"] == pytest.approx(1000)
    assert day["by_source"]["com.example.watch"]["sum"] == pytest.approx(600)
    assert day["by_source"]["com.example.watch"]["duration_s"] == 1800
    assert "by_source" not in days[0]


def test_anchor_sets_the_bucket_edges(runner: CliRunner, store_dir: Path) -> None:
    args = ("--start", "2024-03-30T07:30", "--end", "2024-03-30T09:30", "--interval", "1h")
    anchor = ("--anchor", "2024-03-30T08:30", "--tz", "Europe/Paris")
    buckets = as_json(
        ok(runner, "stats", "stepCount", *args, *anchor, "--store", str(store_dir), "--json")
    )
    assert [b["start"][11:16] for b in buckets] == ["07:30", "08:30"]
    assert [b["sum"] for b in buckets] == [pytest.approx(500), pytest.approx(600)]
    hourly = as_json(
        ok(
            runner,
            "stats",
            "stepCount",
            *args,
            "--tz",
            "Europe/Paris",
            "--store",
            str(store_dir),
            "--json",
        )
    )
    assert [b["start"][11:16] for b in hourly] == ["07:00", "08:00", "09:00"]


def test_bad_arguments(runner: CliRunner, store_dir: Path) -> None:
    s = str(store_dir)
    base = ("stats", "stepCount", "--start", "2024-03-30", "--end", "2024-03-31", "--store", s)
    assert "Mars/Olympus" in failed(run(runner, *base, "--tz", "Mars/Olympus"))
    assert "--interval" in failed(run(runner, *base, "--anchor", "2024-03-30"))
    assert "fortnight" in failed(run(runner, *base, "--interval", "1fortnight"))
    assert "no statistics" in failed(
        run(
            runner,
            "stats",
            "sleepAnalysis",
            "--start",
            "2024-03-30",
            "--end",
            "2024-03-31",
            "--store",
            s,
        )
    )
    assert run(runner, "stats", "stepCount", "--store", s).exit_code == 2


# --- priority -----------------------------------------------------------------------------


def test_priority_shows_and_sets_the_order(runner: CliRunner, store_dir: Path) -> None:
    s = str(store_dir)
    shown = as_json(ok(runner, "sources", "priority", "stepCount", "--store", s, "--json"))
    assert shown["type"] == "stepCount"
    assert [x["bundle_id"] for x in shown["sources"]] == ["com.example.watch", "com.example.phone"]
    assert [x["name"] for x in shown["sources"]] == ["Watch", "Phone"]

    changed = as_json(
        ok(
            runner,
            "sources",
            "priority",
            "stepCount",
            "com.example.phone",
            "com.example.watch",
            "--store",
            s,
            "--json",
        )
    )
    assert [x["bundle_id"] for x in changed["sources"]] == [
        "com.example.phone",
        "com.example.watch",
    ]
    # The phone now covers the whole hour first: the watch adds nothing.
    sums = [d.get("sum") for d in daily_steps(runner, store_dir)]
    assert sums == [None, pytest.approx(1000), None, pytest.approx(300)]
    text = ok(runner, "sources", "priority", "stepCount", "--store", s).stdout
    assert text.index("com.example.phone") < text.index("com.example.watch")
    with HealthStore.open(store_dir) as hs:
        assert hs.source_priority("stepCount")[0].bundle_id == "com.example.phone"


def test_priority_notes_unknown_sources(runner: CliRunner, store_dir: Path) -> None:
    s = str(store_dir)
    result = ok(runner, "sources", "priority", "stepCount", "com.example.nowhere", "--store", s)
    assert "com.example.nowhere" in result.stderr
    assert "twice" in failed(
        run(runner, "sources", "priority", "stepCount", "a.b", "a.b", "--store", s)
    )
