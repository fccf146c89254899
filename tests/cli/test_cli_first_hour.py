"""The first hour with the command line: delete, summary, bounded listings, ``python -m``,
``--version`` and one-line errors. Real stores, run through typer's CliRunner."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner, Result

from healthstore import HealthStore, Quantity, QuantitySample, Source
from healthstore.cli import app
from tests.cli.support import ok, run

T0 = datetime(2024, 5, 1, tzinfo=UTC)
WATCH = Source("com.example.watch", "Watch")
PHONE = Source("com.example.phone", "Phone")


def heart(minute: int, source: Source = WATCH) -> QuantitySample:
    start = T0 + timedelta(minutes=minute)
    return QuantitySample(
        "heartRate", Quantity(60 + minute % 40, "count/min"), start, start, source=source
    )


def steps(hour: int, source: Source = PHONE) -> QuantitySample:
    start = T0 + timedelta(hours=hour)
    return QuantitySample(
        "stepCount", Quantity(100, "count"), start, start + timedelta(minutes=10), source=source
    )


@pytest.fixture
def store_dir(tmp_path: Path) -> Path:
    path = tmp_path / "store"
    with HealthStore.create(path) as hs:
        hs.save([heart(m, WATCH if m % 2 else PHONE) for m in range(250)])
        hs.save([steps(h) for h in range(5)])
    return path


def one_line_error(result: Result, code: int = 1) -> str:
    """A failure: the exit code, no traceback, one line on stderr."""
    assert result.exit_code == code, (result.stdout, result.stderr, result.exception)
    assert isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    return lines[0]


def count(store_dir: Path, type_name: str) -> int:
    with HealthStore.open(store_dir) as hs:
        return len(hs.samples(type_name))


# --- delete -------------------------------------------------------------------------------


def test_delete_without_a_terminal_needs_yes(runner: CliRunner, store_dir: Path) -> None:
    line = one_line_error(run(runner, "delete", "heartRate", "--store", str(store_dir)))
    assert "--yes" in line and "every heartRate sample" in line
    assert count(store_dir, "heartRate") == 250  # nothing lost


def test_delete_on_a_terminal_asks_first(
    runner: CliRunner, store_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("healthstore.cli.delete.on_terminal", lambda: True)
    refused = runner.invoke(
        app,
        ["delete", "heartRate", "--source", "com.example.watch", "--store", str(store_dir)],
        input="n\n",
    )
    assert refused.exit_code == 1 and "Delete every heartRate sample" in refused.stderr
    assert count(store_dir, "heartRate") == 250
    done = runner.invoke(
        app,
        ["delete", "heartRate", "--source", "com.example.watch", "--store", str(store_dir)],
        input="y\n",
    )
    assert done.exit_code == 0, done.stderr
    assert "deleted 125 heartRate samples" in done.stdout
    with HealthStore.open(store_dir) as hs:
        assert {s.source.bundle_id for s in hs.samples("heartRate") if s.source} == {
            "com.example.phone"
        }
        assert len(hs.samples("stepCount")) == 5


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(start=st.integers(0, 260), length=st.integers(0, 120), source=st.sampled_from([None, WATCH]))
def test_delete_by_window_removes_exactly_what_samples_lists(
    runner: CliRunner,
    tmp_path_factory: pytest.TempPathFactory,
    start: int,
    length: int,
    source: Source | None,
) -> None:
    """Differential: ``delete`` removes exactly the samples the library lists for the same
    window and source, and leaves every other one."""
    path = tmp_path_factory.mktemp("s") / "store"
    with HealthStore.create(path) as hs:
        hs.save([heart(m, WATCH if m % 2 else PHONE) for m in range(250)])
        before = {str(s.uuid) for s in hs.samples("heartRate")}
    lo, hi = T0 + timedelta(minutes=start), T0 + timedelta(minutes=start + length)
    with HealthStore.open(path) as hs:
        from healthstore.query import predicates as p

        pred = p.from_sources(source) if source else None
        doomed = {str(s.uuid) for s in hs.samples("heartRate", pred, start=lo, end=hi)}
    args = ["delete", "heartRate", "--start", lo.isoformat(), "--end", hi.isoformat()]
    args += ["--source", source.bundle_id] if source else []
    out = ok(runner, *args, "--yes", "--json", "--store", str(path))
    assert json.loads(out.stdout) == {"deleted": len(doomed), "type": "heartRate"}
    with HealthStore.open(path) as hs:
        assert {str(s.uuid) for s in hs.samples("heartRate")} == before - doomed


def test_delete_by_uuid_only_of_its_type(runner: CliRunner, store_dir: Path) -> None:
    with HealthStore.open(store_dir) as hs:
        step = hs.samples("stepCount")[0]
        beat = hs.samples("heartRate")[0]
    wrong = run(
        runner, "delete", "heartRate", "--uuid", str(step.uuid), "--yes", "--store", str(store_dir)
    )
    assert str(step.uuid) in one_line_error(wrong)
    assert count(store_dir, "stepCount") == 5
    bad = run(
        runner,
        "delete",
        "heartRate",
        "--uuid",
        "nope",
        "--yes",
        "--json",
        "--store",
        str(store_dir),
    )
    assert bad.exit_code == 1
    assert json.loads(bad.stdout)["error"]["field"] == "uuid"
    done = ok(
        runner, "delete", "heartRate", "--uuid", str(beat.uuid), "--yes", "--store", str(store_dir)
    )
    assert done.stdout.strip() == "deleted 1 heartRate sample"
    assert count(store_dir, "heartRate") == 249


# --- summary ------------------------------------------------------------------------------


def test_summary_agrees_with_the_library(runner: CliRunner, store_dir: Path) -> None:
    """Differential: each row's count, first start, last end and sources are what the
    library's own samples and sources reads give."""
    got = json.loads(ok(runner, "summary", "--json", "--store", str(store_dir)).stdout)
    with HealthStore.open(store_dir) as hs:
        expected = []
        for name in ("heartRate", "stepCount"):
            found = hs.samples(name)
            expected.append(
                {
                    "type": name,
                    "count": len(found),
                    "first": min(s.start for s in found),
                    "last": max(s.end for s in found),
                    "sources": sorted({s.source.bundle_id for s in found if s.source}),
                }
            )
    rows = got["types"]
    assert [r["type"] for r in rows] == ["heartRate", "stepCount"]
    for row, want in zip(rows, expected, strict=True):
        assert row["count"] == want["count"]
        assert datetime.fromisoformat(row["first"]) == want["first"]
        assert datetime.fromisoformat(row["last"]) == want["last"]
        assert sorted(row["sources"]) == want["sources"]
    assert got["total"] == 255
    text = ok(runner, "summary", "--store", str(store_dir)).stdout
    assert "heartRate" in text and "250" in text and "255 samples of 2 types" in text


def test_summary_of_an_empty_store(runner: CliRunner, tmp_path: Path) -> None:
    HealthStore.create(tmp_path / "s").close()
    assert ok(runner, "summary", "--store", str(tmp_path / "s")).stdout.strip() == (
        "the store holds no samples"
    )


# --- samples ------------------------------------------------------------------------------


def test_samples_shows_a_hundred_and_says_how_many_more(runner: CliRunner, store_dir: Path) -> None:
    text = ok(runner, "samples", "heartRate", "--store", str(store_dir)).stdout
    assert "100 heartRate samples … and 150 more (use --all)" in text
    data = json.loads(
        ok(runner, "samples", "heartRate", "--json", "--store", str(store_dir)).stdout
    )
    assert len(data["samples"]) == 100 and data["more"] == 150
    filtered = json.loads(
        ok(
            runner,
            "samples",
            "heartRate",
            "--source",
            "com.example.watch",
            "--limit",
            "100",
            "--json",
            "--store",
            str(store_dir),
        ).stdout
    )
    assert len(filtered["samples"]) == 100 and filtered["more"] == 25
    few = ok(runner, "samples", "stepCount", "--store", str(store_dir)).stdout
    assert "5 stepCount samples" in few and "more" not in few


def test_samples_all_streams_every_sample_in_order(
    runner: CliRunner, store_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("healthstore.cli.samples.PAGE", 7)  # many pages
    data = json.loads(
        ok(runner, "samples", "heartRate", "--all", "--json", "--store", str(store_dir)).stdout
    )
    with HealthStore.open(store_dir) as hs:
        expected = [str(s.uuid) for s in hs.samples("heartRate")]
    assert [s["uuid"] for s in data["samples"]] == expected
    lines = ok(runner, "samples", "heartRate", "--all", "--store", str(store_dir)).stdout
    assert len(lines.splitlines()) == 1 + 250


# --- python -m, --version, errors ---------------------------------------------------------


def test_python_m_healthstore_and_version() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "healthstore", "--version"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == f"healthstore {version('healthstore')}"


def test_usage_errors_are_one_line(runner: CliRunner, store_dir: Path) -> None:
    one_line_error(
        run(runner, "samples", "heartRate", "--limit", "x", "--store", str(store_dir)), 2
    )
    one_line_error(run(runner, "no-such-command"), 2)
    result = run(runner, "samples", "heartRate", "--bogus", "--json", "--store", str(store_dir))
    assert result.exit_code == 2
    error: dict[str, Any] = json.loads(result.stdout)["error"]
    assert set(error) == {"code", "name", "message", "field"} and "--bogus" in error["message"]
    missing = run(
        runner, "import", "fhir", "/no/such/file.json", "--source", "X", "--store", str(store_dir)
    )
    assert "/no/such/file.json" in one_line_error(missing)


# --- 80 columns ---------------------------------------------------------------------------

LONG = Source("com.example.health.companion.watch.extension", "A Watch With A Long Name")


def test_tables_at_80_columns_never_break_an_identifier(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "store"
    start = T0
    with HealthStore.create(path) as hs:
        hs.save(
            [
                QuantitySample(
                    "distanceWalkingRunning",
                    Quantity(1.5, "km"),
                    start,
                    start + timedelta(minutes=20),
                    source=LONG,
                ),
                QuantitySample(
                    "environmentalAudioExposure",
                    Quantity(71, "dBASPL"),
                    start,
                    start + timedelta(minutes=1),
                    source=LONG,
                ),
                QuantitySample("heartRate", Quantity(61, "count/min"), start, start, source=WATCH),
            ]
        )
    narrow = {"COLUMNS": "80"}

    def shown(*args: str) -> str:
        result = runner.invoke(app, [*args, "--store", str(path)], env=narrow)
        assert result.exit_code == 0, result.stderr
        assert all(len(line) <= 80 for line in result.stdout.splitlines()), result.stdout
        return result.stdout

    summary = shown("summary")
    for word in ("distanceWalkingRunning", "environmentalAudioExposure", "2024-05-01"):
        assert word in summary, summary
    assert LONG.bundle_id in shown("sources", "list", "distanceWalkingRunning")
    listed = shown("samples", "distanceWalkingRunning")
    assert all(word in listed for word in LONG.name.split()) and "1.5 km" in listed
    types = runner.invoke(app, ["types", "environmental"], env=narrow).stdout
    assert "environmentalAudioExposure" in types


@settings(max_examples=40, deadline=None)
@given(
    rows=st.lists(
        st.tuples(
            st.from_regex(r"[a-zA-Z][a-zA-Z0-9.]{0,34}", fullmatch=True),
            st.from_regex(r"[a-z][a-z0-9.\-]{0,18}", fullmatch=True),
            st.lists(st.from_regex(r"[a-z]{1,10}", fullmatch=True), max_size=12).map(" ".join),
        ),
        min_size=1,
        max_size=5,
    )
)
def test_a_table_at_80_columns_keeps_every_word_whole(rows: list[tuple[str, str, str]]) -> None:
    """Property: whatever the cells, a word (identifier) is printed on one line, whole."""
    from io import StringIO

    from rich.console import Console

    from healthstore.cli.output import table

    buffer = StringIO()
    out = Console(file=buffer, width=80, markup=False, highlight=False, emoji=False)
    table(("type", "identifier", "description"), rows, out=out)
    text = buffer.getvalue()
    words = {word for line in text.splitlines() for word in line.replace("│", " ").split()}
    for row in rows:
        for cell in row:
            for word in cell.split():
                assert word in words, (word, text)
