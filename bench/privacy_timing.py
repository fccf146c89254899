"""A refused read costs the same however much is hidden: ``python bench/privacy_timing.py``.

Two stores hold the same data of one app (heart rates, a workout with samples associated,
blood-pressure correlations, a few deletions), which the app may write but not read, and 100
body masses it may read. One
store holds nothing else (the reference); the other also holds, from the person's watch,
N heart rates (default 100,000) of which 5 % deleted, blood-pressure correlations, daily
activity summaries, a date of birth and a blood type. Every read door is timed on both, in
alternation so both suffer the same machine noise; each figure is the median latency of the
door on the store with hidden data, beside the same door on the store without. Goal: at
most 1.2 times the reference, so that timing says nothing of what the app cannot read.

``--history`` times the history limit instead: the app may read those types, but not
``history``, and all the watch's data is older than its bound (the app was first let read
today), so it is hidden by the bound rather than by a refusal.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from common import PARIS, WATCH, Result, machine, millis, times
from healthstore import (
    ActivitySummary,
    Correlation,
    HealthStore,
    Quantity,
    QuantitySample,
    Sample,
    Source,
    Workout,
)
from healthstore.store.app import AppStore

FULL_HIDDEN = 100_000
GOAL = 1.2
FIRST = datetime(2024, 1, 1, tzinfo=PARIS)
APP = {
    "bundle_id": "com.example.bench",
    "name": "Bench",
    "usage_descriptions": {
        "NSHealthShareUsageDescription": "Reads nothing it may not.",
        "NSHealthUpdateUsageDescription": "Writes heart rates.",
    },
    "privacy_policy_url": "https://example.com/privacy",
    "entitlements": ["healthkit"],
    "purposes": ["fitness"],
}
SHARED = ["heartRate", "workout", "bloodPressureSystolic", "bloodPressureDiastolic"]
REFUSED = [*SHARED, "dateOfBirth", "bloodType", "activitySummary"]


def _hr(minute: int, source: Source | None = None) -> QuantitySample:
    when = FIRST + timedelta(minutes=minute)
    value = Quantity(58 + (minute * 7919) % 61, "count/min")
    return QuantitySample("heartRate", value, when, when, source=source)


def _bp(minute: int, source: Source | None = None) -> Correlation:
    when = FIRST + timedelta(minutes=minute)
    members = [
        QuantitySample("bloodPressureSystolic", Quantity(120, "mmHg"), when, when, source=source),
        QuantitySample("bloodPressureDiastolic", Quantity(80, "mmHg"), when, when, source=source),
    ]
    return Correlation("bloodPressure", when, when, members, source=source)


def _own() -> tuple[list[Sample], Workout]:
    """The app's data: 500 heart rates over the period, a workout, 10 blood pressures."""
    workout = Workout("running", FIRST, FIRST + timedelta(minutes=60))
    hrs = [_hr(i * 199) for i in range(500)]
    return [workout, *hrs, *(_bp(i * 7001 + 3) for i in range(10))], workout


def _build(path: Path, hidden: int, limited: bool = False) -> tuple[HealthStore, AppStore, Workout]:
    store = HealthStore.create(path)
    store.register_app(APP)
    app = store.app(APP["bundle_id"])
    app.request_authorization(share=SHARED, read=[*REFUSED, "bodyMass"])
    if limited:  # readable, but the data is older than the history bound
        readable = [t for t in REFUSED if t not in ("dateOfBirth", "bloodType")]
        store.grant(APP["bundle_id"], share=SHARED, read=[*readable, "bodyMass"])
        store.deny(APP["bundle_id"], read=["dateOfBirth", "bloodType"])
    else:
        store.grant(APP["bundle_id"], share=SHARED, read=["bodyMass"], history=True)
        store.deny(APP["bundle_id"], read=REFUSED)
    store.save(  # the same readable data in both stores: 100 body masses the app may see
        QuantitySample("bodyMass", Quantity(70, "kg"), when, when, source=WATCH)
        for when in (FIRST + timedelta(hours=7 * i) for i in range(100))
    )
    own, workout = _own()
    app.save(own)
    app.add_to_workout(workout, own[1:21])
    app.delete(own[-20:-15])
    if hidden:
        theirs = [_hr(i, WATCH) for i in range(hidden)]
        for k in range(0, hidden, 10_000):
            store.save(theirs[k : k + 10_000])
        store.delete(theirs[::20])
        store.save([_bp(i * 97, WATCH) for i in range(max(1, hidden // 100))])
        energy = Quantity(400, "kcal")
        store.save_activity_summaries(
            ActivitySummary(FIRST.date() + timedelta(days=d), active_energy_burned=energy)
            for d in range(hidden // 1440 + 1)
        )
        store.set_characteristic("dateOfBirth", date(1980, 1, 1))
        store.set_characteristic("bloodType", "APositive")
    return store, app, workout


def _doors(span_days: int) -> dict[str, Callable[[AppStore, Workout], Any]]:
    end = FIRST + timedelta(days=span_days)
    day = (FIRST + timedelta(days=1), FIRST + timedelta(days=2))
    return {
        "samples (all)": lambda a, w: a.samples("heartRate"),
        "samples (one day)": lambda a, w: a.samples("heartRate", start=day[0], end=day[1]),
        "samples (newest)": lambda a, w: a.samples("heartRate", sort="-start", limit=1),
        "changes (with tombstones)": lambda a, w: a.changes("heartRate"),
        "samples (with a readable type, one day)": lambda a, w: a.samples(
            ["heartRate", "bodyMass"], start=day[0], end=day[1]
        ),
        "changes (every type, readable ones too)": lambda a, w: a.changes(None),
        "sources": lambda a, w: a.sources("heartRate"),
        "statistics": lambda a, w: a.statistics(
            "heartRate", start=FIRST, end=end, options="discreteAverage,discreteMax,mostRecent"
        ),
        "statistics collection (daily)": lambda a, w: a.statistics_collection(
            "heartRate", anchor=FIRST, interval="1d", start=FIRST, end=end, options="average"
        ),
        "workout samples": lambda a, w: a.workout_samples(w),
        "correlations and members": lambda a, w: a.samples("bloodPressure"),
        "characteristic": lambda a, w: a.characteristic("bloodType"),
        "activity summaries": lambda a, w: a.activity_summaries(
            FIRST.date(), (end + timedelta(days=1)).date()
        ),
    }


def _settle(store: HealthStore) -> None:
    """Checkpoint the store and empty its write-ahead log. Every read an app makes commits
    an audit entry, and a commit costs more once the log passes its checkpoint size; the
    two stores start with logs of different lengths (the hidden data was written), so
    unsettled they would reach that point at different doors, a difference of write
    history that both stores then share, not of what they hold. (SQLite's log; other
    backends have nothing to settle here.)"""
    if store._backend.name == "sqlite":
        store._backend.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def _time(door: Callable[[AppStore, Workout], Any], app: AppStore, workout: Workout) -> float:
    start = time.perf_counter()
    door(app, workout)
    return time.perf_counter() - start


def run(
    hidden: int, cache: Path, repeats: int = 31, limited: bool = False
) -> tuple[list[Result], list[str]]:
    """Median latency of every read door, refused (or ``limited`` by the history bound),
    with ``hidden`` samples vs none."""
    cache.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="privacy-", dir=cache))
    results = []
    how = "older than the history bound" if limited else "refused"
    try:
        none_store, none_app, none_workout = _build(scratch / "none", 0, limited)
        full_store, full_app, full_workout = _build(scratch / "hidden", hidden, limited)
        with none_store, full_store:
            _settle(none_store), _settle(full_store)
            for name, door in _doors(max(2, hidden // 1440 + 1)).items():
                door(none_app, none_workout), door(full_app, full_workout)  # warm both
                ours, reference = [], []
                for _ in range(repeats):
                    reference.append(_time(door, none_app, none_workout))
                    ours.append(_time(door, full_app, full_workout))
                o, r = statistics.median(ours), statistics.median(reference)
                results.append(
                    Result(
                        f"{how}: {name}" if limited else f"refused {name}",
                        millis(o),
                        millis(r),
                        times(o, r),
                        f"<= {GOAL:.2f}×",
                        o <= GOAL * r,
                    )
                )
    finally:
        shutil.rmtree(scratch)
    lines = [
        f"Privacy timing: an app {how}, its 500 heart rates, workout and 10 blood "
        "pressures, and 100 body masses it may read; ours = the store also holding "
        f"{hidden:,} hidden heart rates (5 % deleted) "
        f"and the person's other data, reference = the store without; medians of {repeats} "
        "alternating runs."
    ]
    return results, lines


def main() -> None:
    import report

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hidden", type=int, default=FULL_HIDDEN, help="hidden heart rates")
    parser.add_argument("--repeats", type=int, default=31, help="timed runs per door and store")
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()))
    parser.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    parser.add_argument(
        "--history", action="store_true", help="hidden by the history limit, not refused"
    )
    args = parser.parse_args()
    results, lines = run(args.hidden, args.cache, args.repeats, args.history)
    if args.markdown:
        print(report.markdown(results, machine(), lines))
    else:
        report.show(results, machine(), lines)


if __name__ == "__main__":
    main()
