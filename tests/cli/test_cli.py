"""The ``healthstore`` command line, run with typer's CliRunner against real stores."""

from __future__ import annotations

import importlib.util
import re
import sys
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from healthstore import HealthStore
from healthstore.cli import app
from tests.cli.support import as_json, failed, ok, run

DOCS = Path(__file__).resolve().parents[2] / "docs" / "cli.md"


# --- init ---------------------------------------------------------------------------------


def test_init_creates_a_store_and_refuses_an_existing_one(
    runner: CliRunner, tmp_path: Path
) -> None:
    path = tmp_path / "new"
    result = ok(runner, "init", str(path), "--no-encryption")
    assert str(path) in result.stdout and "NOT encrypted" in result.stdout
    HealthStore.open(path).close()
    assert "already exists" in failed(run(runner, "init", str(path), "--no-encryption"))


def test_init_json(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "new"
    created = as_json(ok(runner, "init", str(path), "--no-encryption", "--json"))
    assert created == {"store": str(path), "encrypted": False}
    error = as_json(run(runner, "init", str(path), "--no-encryption", "--json"))["error"]
    assert error["name"] == "invalidArgument"
    assert error["field"] == "directory"


# --- add and samples ----------------------------------------------------------------------


def test_add_quantity_then_read_it_back(runner: CliRunner, store_dir: Path) -> None:
    s = str(store_dir)
    added = as_json(
        ok(
            runner,
            "add",
            "stepCount",
            "1200",
            "count",
            "--store",
            s,
            "--start",
            "2024-05-01T08:00:00+02:00",
            "--end",
            "2024-05-01T09:00:00+02:00",
            "--json",
        )
    )
    assert added["status"] == "created"
    [sample] = as_json(ok(runner, "samples", "stepCount", "--store", s, "--json"))["samples"]
    assert sample["uuid"] == added["uuid"]
    assert sample["type"] == "stepCount"
    assert sample["kind"] == "quantity"
    assert (sample["value"], sample["unit"]) == (1200, "count")
    assert datetime.fromisoformat(sample["start"]) == datetime.fromisoformat(
        "2024-05-01T06:00:00+00:00"
    )
    assert sample["end"] == "2024-05-01T09:00:00+02:00"
    assert sample["metadata"] == {"HKWasUserEntered": True}
    assert sample["source"] == {"bundle_id": "org.healthstore.health", "name": "Health"}
    assert sample["device"] is None


def test_add_prints_uuid_and_status(runner: CliRunner, store_dir: Path) -> None:
    result = ok(runner, "add", "bodyMass", "70.5", "kg", "--store", str(store_dir))
    uuid, status = result.stdout.split()
    assert status == "created"
    with HealthStore.open(store_dir) as hs:
        [saved] = hs.samples("bodyMass")
    assert str(saved.uuid) == uuid


def test_add_with_a_source_is_not_user_entered(runner: CliRunner, store_dir: Path) -> None:
    s = str(store_dir)
    ok(runner, "add", "stepCount", "10", "count", "--store", s, "--source", "com.example.fit:Fit")
    ok(runner, "add", "stepCount", "20", "count", "--store", s, "--source", "com.example.bare")
    found = as_json(ok(runner, "samples", "stepCount", "--store", s, "--json"))["samples"]
    sources = {(x["source"]["bundle_id"], x["source"]["name"]) for x in found}
    assert sources == {("com.example.fit", "Fit"), ("com.example.bare", "com.example.bare")}
    assert all(x["metadata"] == {} for x in found)


def test_add_category_by_name_and_by_number(runner: CliRunner, store_dir: Path) -> None:
    s = str(store_dir)
    window = ("--start", "2024-05-01T01:00+00:00", "--end", "2024-05-01T02:00+00:00")
    ok(runner, "add", "sleepAnalysis", "AsleepREM", "--store", s, *window)
    ok(runner, "add", "sleepAnalysis", "4", "--store", s, *window)
    found = as_json(ok(runner, "samples", "sleepAnalysis", "--store", s, "--json"))["samples"]
    assert sorted((x["value"], x["label"]) for x in found) == [(4, "AsleepDeep"), (5, "AsleepREM")]
    assert all(x["kind"] == "category" and "unit" not in x for x in found)


def test_add_defaults_to_now_and_reads_local_time(runner: CliRunner, store_dir: Path) -> None:
    s = str(store_dir)
    before = datetime.now().astimezone()
    ok(runner, "add", "bodyMass", "70", "kg", "--store", s)
    ok(runner, "add", "bodyMass", "71", "kg", "--store", s, "--start", "2024-01-15T07:30")
    found = as_json(ok(runner, "samples", "bodyMass", "--store", s, "--json"))["samples"]
    local = datetime.fromisoformat(found[0]["start"])
    assert local == datetime(2024, 1, 15, 7, 30).astimezone()
    now = datetime.fromisoformat(found[1]["start"])
    assert before - timedelta(seconds=1) <= now <= datetime.now().astimezone()
    assert found[1]["end"] == found[1]["start"]


def test_add_bad_unit_names_the_unit(runner: CliRunner, store_dir: Path) -> None:
    s = str(store_dir)
    assert "'furlongs'" in failed(run(runner, "add", "bodyMass", "70", "furlongs", "--store", s))
    assert "'count'" in failed(run(runner, "add", "bodyMass", "70", "count", "--store", s))
    result = run(runner, "add", "bodyMass", "70", "furlongs", "--store", s, "--json")
    assert result.exit_code == 1
    error = as_json(result)["error"]
    assert error == {
        "code": 3,
        "name": "invalidArgument",
        "message": "invalid unit 'furlongs': unknown unit 'furlongs'",
        "field": "unit",
    }
    with HealthStore.open(store_dir) as hs:
        assert hs.samples("bodyMass") == []


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (("bodyMass", "70"), "unit"),
        (("sleepAnalysis", "AsleepREM", "kg"), "unit"),
        (("bodyMass", "heavy", "kg"), "value"),
        (("workout", "3"), "type"),
        (("noSuchType", "1"), "type"),
        (("bodyMass", "70", "kg", "--start", "yesterday"), "start"),
        (("bodyMass", "70", "kg", "--source", ":Name"), "source"),
    ],
)
def test_add_refuses_bad_input(
    runner: CliRunner, store_dir: Path, args: tuple[str, ...], field: str
) -> None:
    result = run(runner, "add", *args, "--store", str(store_dir), "--json")
    assert result.exit_code == 1
    assert as_json(result)["error"]["field"] == field


def test_error_messages_do_not_echo_values(runner: CliRunner, store_dir: Path) -> None:
    message = failed(run(runner, "add", "bodyMass", "71.3kg", "kg", "--store", str(store_dir)))
    assert "71.3" not in message


def test_samples_filters_sorts_and_converts(runner: CliRunner, store_dir: Path) -> None:
    s = str(store_dir)
    for hour, metres, source in [(8, 1000, "a.app"), (9, 2000, "b.app"), (10, 3000, "a.app")]:
        ok(
            runner,
            "add",
            "distanceWalkingRunning",
            str(metres),
            "m",
            "--store",
            s,
            "--start",
            f"2024-05-01T{hour:02d}:00+00:00",
            "--end",
            f"2024-05-01T{hour:02d}:30+00:00",
            "--source",
            source,
        )

    def values(*args: str) -> list[float]:
        result = ok(runner, "samples", "distanceWalkingRunning", "--store", s, "--json", *args)
        return [x["value"] for x in as_json(result)["samples"]]

    assert values() == [1000, 2000, 3000]
    assert values("--sort", "-start") == [3000, 2000, 1000]
    assert values("--sort=-end", "--limit", "2") == [3000, 2000]
    assert values("--source", "a.app") == [1000, 3000]
    assert values("--source", "a.app", "--source", "b.app") == [1000, 2000, 3000]
    assert values("--start", "2024-05-01T09:15+00:00", "--end", "2024-05-01T10:00+00:00") == [2000]
    assert values("--unit", "km") == [1.0, 2.0, 3.0]
    units = ok(runner, "samples", "distanceWalkingRunning", "--store", s, "--json", "--unit", "km")
    assert {x["unit"] for x in as_json(units)["samples"]} == {"km"}


def test_samples_unit_must_fit_the_type(runner: CliRunner, store_dir: Path) -> None:
    s = str(store_dir)
    assert "'kg'" in failed(run(runner, "samples", "stepCount", "--store", s, "--unit", "kg"))
    assert "quantity" in failed(
        run(runner, "samples", "sleepAnalysis", "--store", s, "--unit", "kg")
    )


def test_samples_table(runner: CliRunner, store_dir: Path) -> None:
    s = str(store_dir)
    ok(
        runner,
        "add",
        "stepCount",
        "1234",
        "count",
        "--store",
        s,
        "--source",
        "x.app:Pedometer",
        "--start",
        "2024-05-01T08:00+00:00",
    )
    result = ok(runner, "samples", "stepCount", "--store", s)
    assert "1234 count" in result.stdout
    assert "Pedometer" in result.stdout
    assert "1 stepCount samples" in result.stdout


def test_sources(runner: CliRunner, store_dir: Path) -> None:
    s = str(store_dir)
    ok(runner, "add", "stepCount", "1", "count", "--store", s, "--source", "x.app:Pedometer")
    ok(runner, "add", "stepCount", "2", "count", "--store", s)
    found = as_json(ok(runner, "sources", "list", "stepCount", "--store", s, "--json"))["sources"]
    assert sorted(x["bundle_id"] for x in found) == ["org.healthstore.health", "x.app"]
    assert "Pedometer" in ok(runner, "sources", "list", "stepCount", "--store", s).stdout


# --- changes ------------------------------------------------------------------------------


def test_changes_with_anchors(runner: CliRunner, store_dir: Path) -> None:
    s = str(store_dir)

    def add(value: str) -> str:
        result = ok(runner, "add", "stepCount", value, "count", "--store", s, "--json")
        return str(as_json(result)["uuid"])

    def feed(*args: str) -> dict[str, Any]:
        return dict(as_json(ok(runner, "changes", "--store", s, "--json", *args)))

    first, second = add("10"), add("20")
    ok(runner, "add", "bodyMass", "70", "kg", "--store", s)
    page = feed("--type", "stepCount")
    assert [x["uuid"] for x in page["added"]] == [first, second]
    assert page["deleted"] == []
    anchor = page["anchor"]
    assert len(feed()["added"]) == 3
    assert len(feed("--type", "stepCount", "--type", "bodyMass")["added"]) == 3
    limited = feed("--type", "stepCount", "--limit", "1")
    assert [x["uuid"] for x in limited["added"]] == [first]
    assert [x["uuid"] for x in feed("--anchor", str(limited["anchor"]))["added"]][:1] == [second]

    third = add("30")
    with HealthStore.open(store_dir) as hs:
        assert hs.delete([first]) == 1
    later = feed("--type", "stepCount", "--anchor", str(anchor))
    assert [x["uuid"] for x in later["added"]] == [third]
    assert later["deleted"] == [{"uuid": first, "type": "stepCount", "metadata": {}}]
    assert later["anchor"] > anchor
    text = ok(runner, "changes", "--store", s, "--anchor", str(anchor)).stdout
    assert f"anchor: {later['anchor']}" in text
    assert "deleted" in text


# --- catalogue and units ------------------------------------------------------------------


def test_types_search_and_kind(runner: CliRunner) -> None:
    found = as_json(ok(runner, "types", "sleep", "--json"))["types"]
    names = {t["short_name"] for t in found}
    assert "sleepAnalysis" in names
    sleep = next(t for t in found if t["short_name"] == "sleepAnalysis")
    assert sleep["identifier"] == "HKCategoryTypeIdentifierSleepAnalysis"
    assert sleep["value_enum"]["members"]["AsleepREM"] == 5
    steps = as_json(ok(runner, "types", "stepcount", "--json"))["types"]
    assert [t["short_name"] for t in steps] == ["stepCount"]
    assert steps[0]["canonical_unit"] == "count"
    assert steps[0]["aggregation"] == "cumulative"
    assert steps[0]["app_writable"] is True
    categories = as_json(ok(runner, "types", "--kind", "category", "--json"))["types"]
    assert categories and {t["kind"] for t in categories} == {"category"}
    assert "sleepAnalysis" in ok(runner, "types", "sleep").stdout
    assert as_json(ok(runner, "types", "zzz-nothing", "--json")) == {"types": []}


def test_units_convert(runner: CliRunner) -> None:
    assert ok(runner, "units", "convert", "5", "mi", "km").stdout.strip() == "8.04672"
    assert as_json(ok(runner, "units", "convert", "5", "mi", "km", "--json")) == {
        "value": 8.04672,
        "unit": "km",
    }
    assert ok(runner, "units", "convert", "-40", "degC", "degF").stdout.strip() == "-40"
    assert "incompatible" in failed(run(runner, "units", "convert", "5", "mi", "kg"))
    assert run(runner, "units", "convert", "five", "mi", "km").exit_code == 2


# --- the store option ---------------------------------------------------------------------


def test_store_from_environment(runner: CliRunner, store_dir: Path) -> None:
    env = {"HEALTHSTORE_DIR": str(store_dir)}
    ok(runner, "add", "stepCount", "5", "count", env=env)
    found = as_json(ok(runner, "samples", "stepCount", "--json", env=env))["samples"]
    assert [x["value"] for x in found] == [5]


def test_store_option_wins_over_environment(
    runner: CliRunner, store_dir: Path, tmp_path: Path
) -> None:
    env = {"HEALTHSTORE_DIR": str(tmp_path / "elsewhere")}
    ok(runner, "add", "stepCount", "5", "count", "--store", str(store_dir), env=env)


def test_no_store_given(runner: CliRunner) -> None:
    message = failed(run(runner, "samples", "stepCount"))
    assert "--store" in message
    assert "HEALTHSTORE_DIR" in message
    error = as_json(run(runner, "changes", "--json"))["error"]
    assert error["field"] == "store"
    assert error["name"] == "invalidArgument"


def test_missing_store(runner: CliRunner, tmp_path: Path) -> None:
    message = failed(run(runner, "samples", "stepCount", "--store", str(tmp_path / "absent")))
    assert "no healthstore at" in message
    assert "healthstore init" in message
    result = run(
        runner, "sources", "list", "stepCount", "--store", str(tmp_path / "absent"), "--json"
    )
    assert as_json(result)["error"]["name"] == "databaseInaccessible"
    assert result.stderr == ""


def test_version_and_help(runner: CliRunner) -> None:
    assert ok(runner, "--version").stdout.startswith("healthstore ")
    assert "samples" in ok(runner, "--help").stdout


# --- demo ---------------------------------------------------------------------------------

needs_demo = pytest.mark.skipif(
    importlib.util.find_spec("healthstore.demo") is None,
    reason="healthstore.demo (the demo data generator) is not available",
)


@needs_demo
def test_demo_ensure_creates_once(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "demo"
    created = as_json(ok(runner, "demo", "ensure", str(path), "--days", "3", "--json"))
    assert created["created"] is True
    assert created["store"] == str(path)
    assert created["total"]["samples"] == sum(t["count"] for t in created["types"]) > 0
    assert {"type", "count", "first", "last", "sources"} <= set(created["types"][0])
    again = as_json(ok(runner, "demo", "ensure", str(path), "--json"))
    assert again["created"] is False
    assert again["types"] == created["types"]
    text = ok(runner, "demo", "ensure", str(path)).stdout
    assert f"total: {created['total']['samples']} samples" in text


def test_demo_ensure_without_generator(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "healthstore.demo", None)
    message = failed(run(runner, "demo", "ensure", str(tmp_path / "demo")))
    assert "healthstore.demo" in message


# --- documentation ------------------------------------------------------------------------


def app_commands() -> set[str]:
    """Every leaf command of the app, as ``healthstore a b``."""
    out: set[str] = set()

    def walk(command: Any, path: str) -> None:
        children = getattr(command, "commands", None)
        if not children:
            out.add(path)
            return
        for name, child in children.items():
            walk(child, f"{path} {name}")

    walk(typer.main.get_command(app), "healthstore")
    return out


def documented_commands() -> set[str]:
    text = DOCS.read_text("utf-8")
    return {m.strip() for m in re.findall(r"^## (healthstore[ a-z-]*)$", text, re.MULTILINE)}


def test_every_command_is_documented_and_every_documented_command_exists() -> None:
    documented = documented_commands()
    assert "healthstore units convert" in documented
    assert documented == app_commands()
