"""Day query: one day of heart rate read back with ``HealthStore.samples`` from a big store.

The store holds, for every minute of its span, one heart-rate reading (an instant, in
count/min) and one active-energy sample (a one-minute interval, in kcal), so heart rate is
half of it and shares the type index with another series. It is built once through
``HealthStore.save`` and cached under ``var/bench/``, keyed by everything that shapes it.

Reference: the bare ``SELECT`` of the same rows and columns on the same database, with
``fetchall`` and no objects built. That is the price of finding and reading the rows, so
ours / reference says what building samples (and our query planning) adds.
"""

from __future__ import annotations

import hashlib
import json
import random
import shutil
import statistics
import sys
from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

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
    rate,
    stopwatch,
    times,
    to_micros,
)
from healthstore import HealthStore, Quantity, QuantitySample, Sample
from healthstore.storage.migrate import shipped

DATA_VERSION = 1  # bump when the generated data changes
FIRST = datetime(2015, 1, 1, tzinfo=PARIS)
PER_MINUTE = 2  # samples written for every minute: heart rate and active energy
GOAL_MS = 5.0
HEART_RATE_ID = "HKQuantityTypeIdentifierHeartRate"
REFERENCE_SELECT = (
    "SELECT anchor, uuid, type_id, start_us, end_us, tz, value, unit, unit_value, count, "
    "source_id, revision_id, device_id, metadata, detail FROM samples "
    "WHERE user_id = ? AND type_id = ? AND start_us >= ? AND start_us < ? "
    "ORDER BY start_us, anchor"
)


@dataclass(frozen=True)
class StoreSpec:
    """The store the day queries run against."""

    samples: int
    batch: int = 10_000

    @property
    def minutes(self) -> int:
        return -(-self.samples // PER_MINUTE)

    @property
    def days(self) -> int:
        """Whole local days covered from the first midnight (one spare for DST)."""
        return max(self.minutes // (24 * 60) - 1, 1)

    def key(self) -> str:
        """A name for the cached store that changes with anything that shapes it."""
        h = hashlib.sha256()
        parts = [DATA_VERSION, self.samples, self.batch, FIRST.isoformat(), healthstore.__version__]
        h.update(repr(parts).encode())
        for migration in shipped("sqlite"):
            h.update(migration.name.encode() + migration.sql.encode())
        return f"store-{self.samples}-{h.hexdigest()[:12]}"

    def batches(self) -> Iterator[list[Sample]]:
        """The samples to save, in time order, ``batch`` at a time."""
        per_batch = self.batch // PER_MINUTE
        left = self.samples
        for skip in range(0, self.minutes, per_batch):
            count = min(per_batch, self.minutes - skip)
            instants = minutes(FIRST, count + 1, skip)
            batch: list[Sample] = []
            for i in range(count):
                batch.extend(_minute(skip + i, instants[i], instants[i + 1]))
            yield batch[:left]
            left -= len(batch)


def _minute(i: int, at: datetime, end: datetime) -> tuple[Sample, Sample]:
    """What the watch records in minute ``i``: a heart rate and the energy burned."""
    return (
        QuantitySample("heartRate", Quantity(heart_rate(i), HEART_RATE_UNIT), at, at, source=WATCH),
        QuantitySample(
            "activeEnergyBurned", Quantity(0.8 + (i % 13) / 10, "kcal"), at, end, source=WATCH
        ),
    )


def build(spec: StoreSpec, directory: Path) -> float:
    """Create the store in ``directory``; returns the seconds spent in ``save``."""
    saving = 0.0
    written = 0
    with HealthStore.create(directory) as store:
        for n, batch in enumerate(spec.batches(), 1):
            with stopwatch() as elapsed:
                store.save(batch)
            saving += elapsed()
            written += len(batch)
            if n % 20 == 0 or written == spec.samples:
                print(
                    f"\rbuilding store: {written:,} / {spec.samples:,} samples "
                    f"({written / saving:,.0f} /s in save)",
                    end="",
                    file=sys.stderr,
                    flush=True,
                )
    print(file=sys.stderr)
    return saving


def ensure_store(spec: StoreSpec, cache: Path, rebuild: bool) -> tuple[Path, str]:
    """The cached store for ``spec``, built when missing or when ``rebuild``, and how fast
    its build saved (noting when that was an earlier run)."""
    final = cache / spec.key()
    record = final.with_name(final.name + ".json")
    if final.exists() and record.exists() and not rebuild:
        built = json.loads(record.read_text())
        return final, f"{rate(spec.samples, built['seconds'])} (cached, {built['date']})"
    _remove_stale(cache, spec)
    partial = final.with_name(final.name + ".partial")
    cache.mkdir(parents=True, exist_ok=True)
    seconds = build(spec, partial)
    partial.rename(final)
    record.write_text(json.dumps({"seconds": seconds, "date": f"{date.today()}"}) + "\n")
    return final, rate(spec.samples, seconds)


def _remove_stale(cache: Path, spec: StoreSpec) -> None:
    """Delete stores of this size built for other code or data versions (and this one, about
    to be rebuilt): no run would use them again."""
    for stale in cache.glob(f"store-{spec.samples}-*"):
        if stale.is_dir():
            shutil.rmtree(stale)
        else:
            stale.unlink()


def pick_days(spec: StoreSpec, count: int, seed: int) -> list[tuple[datetime, datetime]]:
    """``count`` random whole local days (Paris midnight to midnight) inside the span."""
    rng = random.Random(seed)
    first: date = FIRST.date()
    windows = []
    for k in rng.choices(range(spec.days), k=count):
        start = datetime.combine(first + timedelta(days=k), time(), tzinfo=PARIS)
        windows.append((start, start + timedelta(days=1)))
    return windows


def measure(
    store_dir: Path, windows: list[tuple[datetime, datetime]]
) -> tuple[list[float], list[float], int]:
    """Seconds per day query, ours and reference, and the rows a day held on average. Each
    day is read once untimed first, so both sides run on a warm cache; their order
    alternates from day to day."""
    ours_s: list[float] = []
    ref_s: list[float] = []
    found = 0
    with (
        HealthStore.open(store_dir) as store,
        closing(connect(store_dir / "healthstore.db")) as conn,
    ):
        (type_id,) = conn.execute(
            "SELECT id FROM object_types WHERE identifier = ?", (HEART_RATE_ID,)
        ).fetchone()

        def ours(start: datetime, end: datetime) -> int:
            return len(store.samples("heartRate", start=start, end=end))

        def reference(start: datetime, end: datetime) -> int:
            params = (1, type_id, to_micros(start), to_micros(end))
            return len(conn.execute(REFERENCE_SELECT, params).fetchall())

        sides: list[tuple[Callable[[datetime, datetime], int], list[float]]] = [
            (ours, ours_s),
            (reference, ref_s),
        ]
        ours(*windows[0])  # the first read of a store loads caches: keep it out of the figures
        for n, (start, end) in enumerate(windows):
            expected = reference(start, end)
            for query, seconds in sides if n % 2 == 0 else sides[::-1]:
                with stopwatch() as elapsed:
                    got = query(start, end)
                seconds.append(elapsed())
                if got != expected:
                    raise AssertionError(f"{start:%Y-%m-%d}: {got} samples, expected {expected}")
            found += expected
    return ours_s, ref_s, found // len(windows)


def percentile(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def run(
    spec: StoreSpec, cache: Path, days: int, rebuild: bool, seed: int
) -> tuple[list[Result], str]:
    """Build or reuse the store for ``spec`` and time ``days`` random day queries on it.
    Returns the results and a line saying what was measured."""
    store_dir, built = ensure_store(spec, cache, rebuild)
    ours, ref, per_day = measure(store_dir, pick_days(spec, days, seed))
    return [
        Result("build query store", built),
        _latency("day query p50", percentile(ours, 50), percentile(ref, 50), GOAL_MS),
        _latency("day query p95", percentile(ours, 95), percentile(ref, 95)),
    ], describe(spec, days, per_day, store_dir)


def _latency(name: str, ours: float, reference: float, goal_ms: float | None = None) -> Result:
    if goal_ms is None:
        return Result(name, millis(ours), millis(reference), times(ours, reference))
    return Result(
        name,
        millis(ours),
        millis(reference),
        times(ours, reference),
        f"<= {goal_ms:g} ms",
        ours * 1000 <= goal_ms,
    )


def describe(spec: StoreSpec, days: int, per_day: int, store_dir: Path) -> str:
    return (
        f"Query: {days} random days of heart rate ({per_day:,} samples a day on average) from "
        f"a store of {spec.samples:,} samples saved in batches of {spec.batch:,} "
        f"({store_dir.name}); reference: bare SELECT + fetchall, same rows."
    )
