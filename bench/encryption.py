"""The cost of encryption at rest: the same save, query and import work on a plain store and
on an encrypted (SQLCipher) one, in the same run.

- save: N minute-by-minute heart-rate samples in batches of 10,000 into a fresh store;
- query: one day of heart rate, ``days`` random days, from the store the save built (p50);
- import: a synthetic Apple Health export of ``records`` Records into a fresh store.

The ratio is encrypted / plain time (for the save and import rates, plain / encrypted);
goal: at most 1.3×. Opening the encrypted store (scrypt, about 0.1 s) is outside the clocks.
"""

from __future__ import annotations

import random
import shutil
import statistics
import tempfile
from datetime import datetime, timedelta
from pathlib import Path

from common import (
    HEART_RATE_UNIT,
    PARIS,
    WATCH,
    Result,
    heart_rate,
    millis,
    minutes,
    rate,
    stopwatch,
)
from healthstore import HealthStore, Quantity, QuantitySample
from healthstore.demo.apple_export import write_synthetic_export

GOAL = 1.3
PASSPHRASE = "bench passphrase"
FIRST = datetime(2024, 1, 1, tzinfo=PARIS)


def _ratio(encrypted: float, plain: float) -> str:
    return f"{encrypted / plain:.2f}×"


def _store(directory: Path, encrypted: bool) -> HealthStore:
    return HealthStore.create(directory, passphrase=PASSPHRASE if encrypted else None)


def _save(directory: Path, encrypted: bool, count: int) -> float:
    samples = [
        QuantitySample("heartRate", Quantity(heart_rate(i), HEART_RATE_UNIT), at, at, source=WATCH)
        for i, at in enumerate(minutes(FIRST, count))
    ]
    with _store(directory, encrypted) as store, stopwatch() as elapsed:
        for i in range(0, count, 10_000):
            store.save(samples[i : i + 10_000])
    return elapsed()


def _query(directory: Path, encrypted: bool, days: list[int]) -> float:
    with HealthStore.open(directory, passphrase=PASSPHRASE if encrypted else None) as store:
        store.samples("heartRate", start=FIRST, end=FIRST + timedelta(days=1))  # warm up
        times = []
        for day in days:
            start = FIRST + timedelta(days=day)
            with stopwatch() as elapsed:
                store.samples("heartRate", start=start, end=start + timedelta(days=1))
            times.append(elapsed())
    return statistics.median(times)


def _import(export: Path, directory: Path, encrypted: bool) -> float:
    with _store(directory, encrypted) as store, stopwatch() as elapsed:
        store.import_apple_health(export)
    return elapsed()


def run(
    cache: Path, count: int = 200_000, records: int = 50_000, days: int = 50
) -> tuple[list[Result], list[str]]:
    cache.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="encryption-", dir=cache))
    try:
        saves = {
            kind: _save(scratch / f"save-{kind}", kind == "encrypted", count)
            for kind in ("plain", "encrypted")
        }
        span = count // 1440
        chosen = random.Random(3).sample(range(span - 1), min(days, span - 1))
        queries = {
            kind: _query(scratch / f"save-{kind}", kind == "encrypted", chosen)
            for kind in ("plain", "encrypted")
        }
        export = scratch / "export.zip"
        write_synthetic_export(export, records=records, seed=7)
        imports = {
            kind: _import(export, scratch / f"import-{kind}", kind == "encrypted")
            for kind in ("plain", "encrypted")
        }
    finally:
        shutil.rmtree(scratch)
    rows = [
        Result("encrypted save", rate(count, saves["encrypted"]), rate(count, saves["plain"]),
               _ratio(saves["encrypted"], saves["plain"]), f"<= {GOAL}× plain time",
               saves["encrypted"] <= GOAL * saves["plain"]),
        Result("encrypted day query p50", millis(queries["encrypted"]), millis(queries["plain"]),
               _ratio(queries["encrypted"], queries["plain"]), f"<= {GOAL}× plain time",
               queries["encrypted"] <= GOAL * queries["plain"]),
        Result("encrypted Apple import", rate(records, imports["encrypted"]),
               rate(records, imports["plain"]), _ratio(imports["encrypted"], imports["plain"]),
               f"<= {GOAL}× plain time", imports["encrypted"] <= GOAL * imports["plain"]),
    ]  # fmt: skip
    note = (
        f"Encryption: {count:,} heart-rate samples saved, {len(chosen)} one-day queries, a "
        f"{records:,}-Record synthetic export imported — each on a plain and on an encrypted "
        "store (SQLCipher 4, raw 32-byte key from scrypt); reference = the plain store; ratio = "
        "encrypted time / plain time."
    )
    return rows, [note]
