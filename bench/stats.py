"""Statistics: daily step sums merged across a watch and a phone, five-minute heart-rate
averages, and how long a live collection takes to update after a save.

Two stores are built once through ``HealthStore.save`` and cached under ``var/bench/``:

- *steps*: five years of walks (``--stats-years``) as both a watch and a phone counted them,
  about 600,000 samples. Each walk of 5–15 minutes is written by the watch in one-minute
  pieces and by the phone, when carried, in pieces of 2–3 minutes, shifted by up to 40 s
  and with different counts, so the two sources overlap all the time.
- *heart*: a heart-rate reading every minute for a year (less when the run is scaled
  below a year).

References, timed in the same run on the same database files: the rows read with a plain
``SELECT start_us, value FROM samples WHERE type_id = ?`` and grouped in pandas (and in
DuckDB, when it is importable). The naive group-by adds the phone's steps to the watch's,
so it only serves as a speed reference; the figures check that ours never exceeds it.
"""

from __future__ import annotations

import gc
import hashlib
import importlib
import json
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from types import ModuleType
from typing import Any, ClassVar, Protocol

import numpy as np
import pandas as pd

import healthstore
from common import (
    HEART_RATE_UNIT,
    PARIS,
    WATCH,
    Result,
    connect,
    heart_rate,
    millis,
    minutes,
    stopwatch,
    times,
)
from healthstore import HealthStore, Quantity, QuantitySample, Sample, Source
from healthstore.query.statistics import Statistics
from healthstore.storage.migrate import shipped

DATA_VERSION = 1  # bump when the generated data changes
FULL_YEARS = 5.0
YEAR_DAYS = 365
STEPS_FIRST = datetime(2019, 1, 1, tzinfo=PARIS)
HEART_FIRST = datetime(2023, 1, 1, tzinfo=PARIS)
PHONE = Source("com.apple.health.4D2B9E07", "Jane's iPhone")
STEP_ID = "HKQuantityTypeIdentifierStepCount"
HEART_RATE_ID = "HKQuantityTypeIdentifierHeartRate"
READ_SELECT = "SELECT start_us, value FROM samples WHERE type_id = ?"
SUM_GOAL = 2.0  # ours at most this many times the reference's time
LIVE_GOAL_MS = 10.0
WARM_UP_SAVES = 5
MINUTE = timedelta(minutes=1)

# --- the data ---------------------------------------------------------------------------
WALK_SEED = 20190101  # fixed: the steps store must not change with --seed
WALKS_A_DAY = (18, 27)
WAKING = (7 * 60, 22 * 60 + 30)  # local minutes of the day in which walks start
PHONE_CARRIED = 0.9  # share of walks the phone counts too


class StoreSpec(Protocol):
    """What the cache needs to know about a store: a name, a size, how it is made."""

    name: ClassVar[str]
    first: ClassVar[datetime]

    @property
    def days(self) -> int: ...

    def batches(self) -> Iterator[list[Sample]]: ...


@dataclass(frozen=True)
class StepStore:
    """``days`` days of walks from ``first``, each counted by the watch and the phone."""

    days: int
    batch: int = 10_000
    name: ClassVar[str] = "steps"
    first: ClassVar[datetime] = STEPS_FIRST

    def batches(self) -> Iterator[list[Sample]]:
        rng = random.Random(WALK_SEED)
        days = (self.first.date() + timedelta(days=k) for k in range(self.days))
        return batched((walking_day(rng, day) for day in days), self.batch)


@dataclass(frozen=True)
class HeartStore:
    """A heart-rate reading from the watch every minute for ``days`` days from ``first``."""

    days: int
    batch: int = 10_000
    name: ClassVar[str] = "heart"
    first: ClassVar[datetime] = HEART_FIRST

    def batches(self) -> Iterator[list[Sample]]:
        per_day = 24 * 60
        days = (heart_day(self.first, k * per_day, per_day) for k in range(self.days))
        return batched(days, self.batch)


def batched(days: Iterable[list[Sample]], size: int) -> Iterator[list[Sample]]:
    """Whole days of samples, gathered until a batch holds at least ``size``."""
    batch: list[Sample] = []
    for day in days:
        batch += day
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def heart_day(first: datetime, skip: int, count: int) -> list[Sample]:
    """``count`` one-minute heart-rate readings, the first ``skip`` minutes after ``first``."""
    instants = minutes(first, count, skip)
    return [
        QuantitySample(
            "heartRate", Quantity(heart_rate(skip + i), HEART_RATE_UNIT), at, at, source=WATCH
        )
        for i, at in enumerate(instants)
    ]


def walking_day(rng: random.Random, day: date) -> list[Sample]:
    """A day's walks, one in each equal slot of the waking hours so none overlap."""
    count = rng.randint(*WALKS_A_DAY)
    slot = (WAKING[1] - WAKING[0]) / count
    midnight = datetime.combine(day, time(), PARIS)
    samples: list[Sample] = []
    for k in range(count):
        offset = WAKING[0] + k * slot + rng.uniform(0, slot - 16)
        start = (midnight + timedelta(seconds=round(offset * 60))).astimezone(UTC)
        length = timedelta(seconds=round(rng.uniform(5, 15) * 60))
        samples += walk(rng, start, start + length)
    return samples


def walk(rng: random.Random, start: datetime, end: datetime) -> list[Sample]:
    """One walk as the watch and (mostly) the phone wrote it, each with its own count."""
    cadence = rng.uniform(95, 118)  # steps a minute
    samples = pieces(rng, WATCH, start, end, MINUTE, cadence * rng.uniform(0.97, 1.03))
    if rng.random() < PHONE_CARRIED:
        shift = timedelta(seconds=rng.randint(-40, 40))
        length = timedelta(seconds=rng.randint(120, 180))
        per_minute = cadence * rng.uniform(0.9, 1.04)
        samples += pieces(rng, PHONE, start + shift, end + shift, length, per_minute)
    return samples


def pieces(
    rng: random.Random,
    source: Source,
    start: datetime,
    end: datetime,
    length: timedelta,
    per_minute: float,
) -> list[Sample]:
    """[start, end) as consecutive step samples of ``length`` (the last one shorter)."""
    samples: list[Sample] = []
    at = start
    while at < end:
        stop = min(at + length, end)
        steps = max(1, round(per_minute * ((stop - at) / MINUTE) * rng.uniform(0.9, 1.1)))
        local = at.astimezone(PARIS), stop.astimezone(PARIS)
        samples.append(
            QuantitySample("stepCount", Quantity(float(steps), "count"), *local, source=source)
        )
        at = stop
    return samples


# --- the cache --------------------------------------------------------------------------
def store_key(spec: StoreSpec) -> str:
    """A name for the cached store that changes with anything that shapes it."""
    h = hashlib.sha256()
    parts = [DATA_VERSION, spec, spec.first.isoformat(), healthstore.__version__]
    h.update(repr(parts).encode())
    for migration in shipped("sqlite"):
        h.update(migration.name.encode() + migration.sql.encode())
    return f"{_prefix(spec)}{h.hexdigest()[:12]}"


def _prefix(spec: StoreSpec) -> str:
    return f"stats-{spec.name}-{spec.days}d-"


def ensure_store(spec: StoreSpec, cache: Path, rebuild: bool) -> tuple[Path, int]:
    """The cached store for ``spec`` and how many samples it holds; built when missing or
    when ``rebuild``, replacing stores of the same size built for other versions."""
    final = cache / store_key(spec)
    record = final.with_name(final.name + ".json")
    if final.exists() and record.exists() and not rebuild:
        return final, int(json.loads(record.read_text())["samples"])
    for stale in cache.glob(f"{_prefix(spec)}*"):
        shutil.rmtree(stale) if stale.is_dir() else stale.unlink()
    partial = final.with_name(final.name + ".partial")
    cache.mkdir(parents=True, exist_ok=True)
    count, seconds = build(spec, partial)
    partial.rename(final)
    record.write_text(
        json.dumps({"samples": count, "seconds": seconds, "date": f"{date.today()}"}) + "\n"
    )
    return final, count


def build(spec: StoreSpec, directory: Path) -> tuple[int, float]:
    """Save ``spec``'s samples into a new store; returns the count and seconds in save."""
    saving = 0.0
    written = 0
    with HealthStore.create(directory) as store:
        for batch in spec.batches():
            with stopwatch() as elapsed:
                store.save(batch)
            saving += elapsed()
            written += len(batch)
            print(
                f"\rbuilding {spec.name} store: {written:,} samples "
                f"({written / saving:,.0f} /s in save)",
                end="",
                file=sys.stderr,
                flush=True,
            )
    print(file=sys.stderr)
    return written, saving


# --- timing -----------------------------------------------------------------------------
def race(sides: dict[str, Callable[[], object]], repeats: int) -> dict[str, float]:
    """The median seconds of each side over ``repeats`` rounds, the sides taking turns
    going first. Call each side once before, so all of them run on a warm cache."""
    seconds: dict[str, list[float]] = {name: [] for name in sides}
    names = list(sides)
    gc.collect()
    for r in range(repeats):
        k = r % len(names)
        for name in names[k:] + names[:k]:
            with stopwatch() as elapsed:
                sides[name]()
            seconds[name].append(elapsed())
    return {name: statistics.median(values) for name, values in seconds.items()}


def percentile(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def type_id_of(conn: sqlite3.Connection, identifier: str) -> int:
    (found,) = conn.execute(
        "SELECT id FROM object_types WHERE identifier = ?", (identifier,)
    ).fetchone()
    return int(found)


def read_rows(conn: sqlite3.Connection, type_id: int) -> list[tuple[int, float]]:
    """The reference's read: the plain SELECT of start and value, every row."""
    return conn.execute(READ_SELECT, (type_id,)).fetchall()


def frame(rows: list[tuple[int, float]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["start_us", "value"])


def find_duckdb() -> ModuleType | None:
    """DuckDB when it is installed; it is not a dependency."""
    try:
        return importlib.import_module("duckdb")
    except ImportError:
        return None


# --- 1. daily step sums -----------------------------------------------------------------
def pandas_daily(rows: list[tuple[int, float]]) -> pd.Series:
    """The naive daily sum: every row in the local day of its start, phone and watch alike."""
    steps = frame(rows)
    local = pd.to_datetime(steps["start_us"], unit="us", utc=True).dt.tz_convert(PARIS.key)
    return steps["value"].groupby(local.dt.normalize()).sum()


def duckdb_daily(duckdb: ModuleType, rows: list[tuple[int, float]]) -> Any:
    """The same naive sum grouped by DuckDB."""
    con = duckdb.connect()
    con.register("steps", frame(rows))
    day = f"CAST(timezone('{PARIS.key}', make_timestamptz(start_us)) AS DATE)"
    query = f"SELECT {day} AS day, sum(value) AS steps FROM steps GROUP BY day ORDER BY day"
    return con.sql(query).fetchnumpy()


def check_daily(ours: list[Statistics], naive: pd.Series) -> tuple[float, float]:
    """Merged sums are never above the naive ones and are there whenever steps are; returns
    the two totals."""
    by_day = {stamp.date(): value for stamp, value in naive.items()}
    for bucket in ours:
        expected = by_day.get(bucket.start.date(), 0.0)
        got = bucket.sum.value if bucket.sum is not None else 0.0
        if got > expected + 1e-6 or (expected > 0) != (got > 0):
            raise AssertionError(f"{bucket.start:%Y-%m-%d}: {got} steps merged, {expected} naive")
    if len(ours) != len(by_day):
        raise AssertionError(f"{len(ours)} buckets for {len(by_day)} days with steps")
    merged = sum(b.sum.value for b in ours if b.sum is not None)
    return merged, float(naive.sum())


def daily_steps(spec: StepStore, store_dir: Path, repeats: int) -> tuple[list[Result], list[str]]:
    """Time the merged daily sums over the whole span against the naive group-bys."""
    start = spec.first
    end = datetime.combine(start.date() + timedelta(days=spec.days), time(), PARIS)
    duckdb = find_duckdb()
    with (
        HealthStore.open(store_dir) as store,
        closing(connect(store_dir / "healthstore.db")) as conn,
    ):
        type_id = type_id_of(conn, STEP_ID)

        def ours() -> list[Statistics]:
            return store.statistics_collection(
                "stepCount", anchor=start, interval="1d", start=start, end=end, options="sum",
                tz=PARIS,
            )  # fmt: skip

        sides: dict[str, Callable[[], object]] = {
            "ours": ours,
            "pandas": lambda: pandas_daily(read_rows(conn, type_id)),
        }
        if duckdb is not None:
            sides["duckdb"] = lambda: duckdb_daily(duckdb, read_rows(conn, type_id))
            sides["duckdb"]()
        merged, naive = check_daily(ours(), pandas_daily(read_rows(conn, type_id)))
        best = race(sides, repeats)
    name = f"daily step sums ({spec.days:,} days)"
    rows = [_against(name, best["ours"], best["pandas"], SUM_GOAL)]
    if "duckdb" in best:
        rows.append(_against(f"{name} vs DuckDB", best["ours"], best["duckdb"]))
    engines = "pandas and DuckDB" if duckdb else "pandas (DuckDB not installed: skipped)"
    note = (
        f"Daily steps: statistics_collection('stepCount', interval='1d', options='sum', "
        f"tz=Europe/Paris) over {spec.days:,} days; reference: plain SELECT + naive group-by "
        f"by local day in {engines}. Merging counted {1 - merged / naive:.0%} fewer steps "
        "than the naive sum."
    )
    return rows, [note]


# --- 2. five-minute heart-rate averages -------------------------------------------------
def pandas_means(rows: list[tuple[int, float]]) -> pd.Series:
    """Five-minute means of the readings, with a resample on their UTC instants (five-minute
    buckets are the same in UTC and in Paris)."""
    readings = frame(rows)
    instants = pd.to_datetime(readings["start_us"], unit="us", utc=True)
    return readings["value"].set_axis(instants).resample("5min").mean()


def check_means(ours: list[Statistics], reference: pd.Series) -> None:
    got = np.array([b.average.value_in("count/s") if b.average else np.nan for b in ours])
    if len(got) != len(reference) or not np.allclose(got, reference.to_numpy(), equal_nan=True):
        raise AssertionError("five-minute heart-rate averages differ from pandas")


def heart_means(
    spec: HeartStore, store_dir: Path, readings: int, repeats: int
) -> tuple[list[Result], list[str]]:
    """Time the five-minute averages over the whole store against pandas."""
    start = spec.first
    end = start.astimezone(UTC) + readings * MINUTE
    with (
        HealthStore.open(store_dir) as store,
        closing(connect(store_dir / "healthstore.db")) as conn,
    ):
        type_id = type_id_of(conn, HEART_RATE_ID)

        def ours() -> list[Statistics]:
            return store.statistics_collection(
                "heartRate", anchor=start, interval="5min", start=start, end=end,
                options="discreteAverage", tz=PARIS,
            )  # fmt: skip

        def reference() -> pd.Series:
            return pandas_means(read_rows(conn, type_id))

        check_means(ours(), reference())
        best = race({"ours": ours, "pandas": reference}, repeats)
    name = f"5-min heart-rate averages ({spec.days:,} days)"
    note = (
        f"Heart rate: statistics_collection('heartRate', interval='5min', "
        f"options='discreteAverage') over {readings:,} one-minute readings; reference: "
        "plain SELECT + pandas resample('5min').mean(), checked equal."
    )
    return [_against(name, best["ours"], best["pandas"])], [note]


# --- 3. live update latency -------------------------------------------------------------
def night_samples(spec: StepStore, count: int, seed: int) -> list[Sample]:
    """``count`` one-minute step samples from the watch at night, when nobody walks, so each
    changes its day's sum: the day chosen at random, the time ``k`` minutes after 03:00
    (modulo four hours)."""
    rng = random.Random(seed)
    samples: list[Sample] = []
    for k in range(count):
        day = spec.first.date() + timedelta(days=rng.randrange(spec.days))
        start = datetime.combine(day, time(3), PARIS) + (k % 240) * MINUTE
        steps = Quantity(float(20 + k % 40), "count")
        samples.append(QuantitySample("stepCount", steps, start, start + MINUTE, source=WATCH))
    return samples


@dataclass
class LiveTimes:
    """Seconds per save with the live query registered and without, paired by sample."""

    with_live: list[float]
    without: list[float]
    registering: float

    def updates(self) -> list[float]:
        return [a - b for a, b in zip(self.with_live, self.without, strict=True)]


def time_live_saves(
    spec: StepStore, live_dir: Path, plain_dir: Path, saves: int, seed: int
) -> LiveTimes:
    """Save the same samples one at a time into two copies of the store, one with a live
    daily step-sum collection registered; checks the handler saw every save."""
    start = spec.first
    end = datetime.combine(start.date() + timedelta(days=spec.days), time(), PARIS)
    updates: list[int] = []
    samples = night_samples(spec, WARM_UP_SAVES + saves, seed)
    measured = LiveTimes([], [], 0.0)
    with HealthStore.open(live_dir) as live, HealthStore.open(plain_dir) as plain:
        with stopwatch() as elapsed:
            query = live.live_statistics_collection(
                "stepCount", lambda changed: updates.append(len(changed)), anchor=start,
                interval="1d", start=start, end=end, options="sum", tz=PARIS,
            )  # fmt: skip
        measured.registering = elapsed()
        for sample in samples[:WARM_UP_SAVES]:
            live.save(sample)
            plain.save(sample)
        gc.collect()
        sides = [(live, measured.with_live), (plain, measured.without)]
        for n, sample in enumerate(samples[WARM_UP_SAVES:]):
            for store, seconds in sides if n % 2 == 0 else sides[::-1]:
                with stopwatch() as elapsed:
                    store.save(sample)
                seconds.append(elapsed())
        query.stop()
    if updates != [1] * len(samples):
        raise AssertionError(f"{len(updates)} handler calls for {len(samples)} saves")
    return measured


def live_update(
    spec: StepStore, store_dir: Path, cache: Path, saves: int, seed: int
) -> tuple[list[Result], list[str]]:
    """Time saves into two scratch copies of the steps store (the cached one stays as it
    is), with and without a live query."""
    scratch = Path(tempfile.mkdtemp(prefix="live-", dir=cache))
    try:
        live_dir = shutil.copytree(store_dir, scratch / "live")
        plain_dir = shutil.copytree(store_dir, scratch / "plain")
        measured = time_live_saves(spec, live_dir, plain_dir, saves, seed)
    finally:
        shutil.rmtree(scratch)
    update = measured.updates()
    p50, p95 = percentile(update, 50), percentile(update, 95)
    rows = [
        _latency("live update p50", p50, percentile(measured.without, 50), LIVE_GOAL_MS),
        _latency("live update p95", p95, percentile(measured.without, 95)),
    ]
    note = (
        f"Live update: {saves} single-sample saves into the steps store with a live daily "
        f"step-sum collection over {spec.days:,} days registered, minus the same save into a "
        f"copy without it (percentiles of the paired differences); reference: the save "
        f"without it. Registering the query took {millis(measured.registering)}."
    )
    return rows, [note]


# --- all three --------------------------------------------------------------------------
@dataclass(frozen=True)
class Settings:
    """How big the statistics benchmarks are and how often they repeat."""

    years: float = FULL_YEARS
    repeats: int = 5
    saves: int = 200
    batch: int = 10_000

    @property
    def step_days(self) -> int:
        return max(1, round(self.years * 365.25))

    @property
    def heart_days(self) -> int:
        return min(YEAR_DAYS, self.step_days)


def run(
    settings: Settings, cache: Path, rebuild: bool, seed: int
) -> tuple[list[Result], list[str]]:
    """Build or reuse both stores and run the three statistics benchmarks. Returns the
    results and lines saying what was measured."""
    steps = StepStore(settings.step_days, settings.batch)
    heart = HeartStore(settings.heart_days, settings.batch)
    steps_dir, step_count = ensure_store(steps, cache, rebuild)
    heart_dir, readings = ensure_store(heart, cache, rebuild)
    results: list[Result] = []
    notes = [f"Steps store: {step_count:,} samples ({steps_dir.name}); heart store: "
             f"{readings:,} ({heart_dir.name})."]  # fmt: skip
    for rows, lines in (
        daily_steps(steps, steps_dir, settings.repeats),
        heart_means(heart, heart_dir, readings, settings.repeats),
        live_update(steps, steps_dir, cache, settings.saves, seed),
    ):
        results += rows
        notes += lines
    if settings.years < FULL_YEARS:
        notes.append(
            f"Scaled-down statistics run ({settings.step_days:,} days of steps, "
            f"{settings.heart_days:,} of heart rate): the goals are set for "
            f"{FULL_YEARS:g} years of steps and a year of heart rate."
        )
    return results, notes


def _against(name: str, ours: float, reference: float, goal: float | None = None) -> Result:
    """A row comparing two times of the same work; ``goal`` caps ours / reference."""
    ratio = times(ours, reference)
    if goal is None:
        return Result(name, millis(ours), millis(reference), ratio)
    met = ours <= goal * reference
    return Result(name, millis(ours), millis(reference), ratio, f"<= {goal:g}× reference", met)


def _latency(name: str, ours: float, reference: float, goal_ms: float | None = None) -> Result:
    """A row for a latency; ``goal_ms`` caps ours."""
    ratio = times(ours, reference)
    if goal_ms is None:
        return Result(name, millis(ours), millis(reference), ratio)
    met = ours * 1000 <= goal_ms
    return Result(name, millis(ours), millis(reference), ratio, f"<= {goal_ms:g} ms", met)
