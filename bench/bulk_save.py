"""Bulk save: minute-by-minute heart rate from one watch, written with ``HealthStore.save``.

Reference: the same rows (18 values each, as our samples table has) inserted with a bare
``executemany`` into an unindexed table, one transaction per batch, with the same PRAGMAs.
That is about as fast as SQLite takes rows from Python, so ours / reference says how much
our validation, encoding, duplicate checks and indexes cost on top.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

from common import (
    HEART_RATE_UNIT,
    PARIS,
    WATCH,
    Result,
    connect,
    heart_rate,
    minutes,
    rate,
    stopwatch,
    times,
    to_micros,
)
from healthstore import HealthStore, Quantity, QuantitySample

FIRST = datetime(2024, 1, 1, tzinfo=PARIS)
GOAL = 150_000  # samples per second
REFERENCE_TABLE = """
CREATE TABLE samples (
    anchor INTEGER PRIMARY KEY, user_id INTEGER, uuid BLOB, type_id INTEGER,
    start_us INTEGER, end_us INTEGER, tz TEXT, value REAL, unit TEXT, unit_value REAL,
    count INTEGER, source_id INTEGER, revision_id INTEGER, device_id INTEGER,
    sync_id TEXT, sync_version REAL, metadata TEXT, detail TEXT
)
"""
REFERENCE_INSERT = f"INSERT INTO samples VALUES ({', '.join('?' * 18)})"


def build_samples(
    instants: Sequence[datetime], uuid: Callable[[], UUID | None]
) -> tuple[list[QuantitySample], float]:
    """Heart-rate samples at ``instants`` (uuids from ``uuid``; None lets the library choose),
    and the seconds their construction took."""
    with stopwatch() as elapsed:
        samples = [
            QuantitySample(
                "heartRate",
                Quantity(heart_rate(i), HEART_RATE_UNIT),
                at,
                at,
                source=WATCH,
                uuid=uuid(),
            )
            for i, at in enumerate(instants)
        ]
    return samples, elapsed()


def time_saves(directory: Path, samples: list[QuantitySample], batch: int) -> float:
    """Seconds spent in ``HealthStore.save`` writing ``samples`` into a fresh store."""
    total = 0.0
    with HealthStore.create(directory) as store:
        gc.collect()
        for i in range(0, len(samples), batch):
            chunk = samples[i : i + batch]
            with stopwatch() as elapsed:
                store.save(chunk)
            total += elapsed()
    return total


def reference_rows(samples: Sequence[QuantitySample]) -> list[tuple[Any, ...]]:
    """The rows our store writes for ``samples``: canonical value (count/s) plus the
    writer's unit and value, the zone name, ids for type, source and revision."""
    rows = []
    for anchor, s in enumerate(samples, 1):
        bpm = s.quantity.value
        us = to_micros(s.start)
        # anchor, user, uuid, type, start, end, tz, value, unit, unit_value, count (NULL
        # for 1), source, revision, device, sync id and version, metadata, detail
        rows.append(
            (anchor, 1, s.uuid.bytes, 1, us, us, "Europe/Paris", bpm / 60, HEART_RATE_UNIT,
             bpm, None, 1, 1, None, None, None, None, None)
        )  # fmt: skip
    return rows


def time_reference(path: Path, rows: list[tuple[Any, ...]], batch: int) -> float:
    """Seconds to insert ``rows`` with bare ``executemany``, one transaction per batch."""
    conn = connect(path)
    conn.execute(REFERENCE_TABLE)
    gc.collect()
    total = 0.0
    for i in range(0, len(rows), batch):
        chunk = rows[i : i + batch]
        with stopwatch() as elapsed:
            conn.execute("BEGIN")
            conn.executemany(REFERENCE_INSERT, chunk)
            conn.execute("COMMIT")
        total += elapsed()
    conn.close()
    return total


def run(count: int, batch: int, scratch: Path) -> tuple[list[Result], str]:
    """Save ``count`` samples in batches of ``batch``: bare sqlite3, then ours with default
    and with random uuids, each into a fresh database under ``scratch``. Returns the results
    and a line saying what was measured."""
    instants = minutes(FIRST, count)

    samples, built = build_samples(instants, lambda: None)
    rows = reference_rows(samples)
    reference = time_reference(scratch / "reference.db", rows, batch)
    del rows
    ordered = time_saves(scratch / "ordered", samples, batch)
    del samples

    samples, _ = build_samples(instants, uuid4)
    random = time_saves(scratch / "random", samples, batch)
    del samples

    return [
        Result("build sample objects", rate(count, built)),
        _saved("save (default uuid v7)", count, ordered, reference),
        _saved("save (random uuid4)", count, random, reference),
    ], describe(count, batch)


def _saved(name: str, count: int, seconds: float, reference: float) -> Result:
    goal_met = count / seconds >= GOAL
    ref = rate(count, reference)
    return Result(
        name, rate(count, seconds), ref, times(reference, seconds), f">= {GOAL:,} /s", goal_met
    )


def describe(count: int, batch: int) -> str:
    return (
        f"Save: {count:,} heart-rate samples (one a minute, one watch, Europe/Paris) in "
        f"batches of {batch:,} into a fresh store; reference: bare executemany, same rows."
    )
