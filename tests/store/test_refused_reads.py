"""A refused read costs the same however much is hidden: the structural half of that
promise. Every statement a read door runs for an app refused reading the type reaches rows
through an index leading with the app's own source (or by anchor, or by uuid), never by
scanning the type's rows and discarding the hidden ones. (The timed half is
``bench/privacy_timing.py``.) And existing stores take the new indexes without a change
to their rows."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from healthstore import (
    ActivitySummary,
    Correlation,
    HealthStore,
    Quantity,
    QuantitySample,
    SaveStatus,
    Source,
    Workout,
)
from healthstore import predicates as p
from healthstore.storage import sqlite as sqlite_backend
from healthstore.storage.migrate import shipped
from healthstore.store.view import OWNER_SOURCE
from tests.conftest import at
from tests.store.test_access import STEPS_APP

APP_ID = STEPS_APP["bundle_id"]
WATCH = Source("com.apple.health.watch", "Watch")
TYPES = ["heartRate", "stepCount", "workout", "bloodPressureSystolic", "bloodPressureDiastolic"]


def hr(n: float, minute: float, source: Source | None = None) -> QuantitySample:
    return QuantitySample(
        "heartRate", Quantity(n, "count/min"), at(minute), at(minute), source=source
    )


def bp(minute: float, source: Source | None = None) -> Correlation:
    return Correlation(
        "bloodPressure",
        at(minute),
        at(minute),
        [
            QuantitySample(
                "bloodPressureSystolic",
                Quantity(120, "mmHg"),
                at(minute),
                at(minute),
                source=source,
            ),
            QuantitySample(
                "bloodPressureDiastolic",
                Quantity(80, "mmHg"),
                at(minute),
                at(minute),
                source=source,
            ),
        ],
        source=source,
    )


@pytest.fixture
def refused(store: HealthStore) -> Iterator[tuple[HealthStore, Any, Workout]]:
    """An app that may write but not read TYPES, its own samples, and many hidden ones
    (some deleted, so the change feed has hidden tombstones)."""
    store.register_app(STEPS_APP)
    app = store.app(APP_ID)
    app.request_authorization(
        share=TYPES, read=[*TYPES, "dateOfBirth", "activitySummary", "bodyMass"]
    )
    store.grant(APP_ID, share=TYPES)
    store.grant(
        APP_ID, read=["bodyMass"], history=True
    )  # readable: queries that mix it with refused types
    store.deny(APP_ID, read=[*TYPES, "dateOfBirth", "activitySummary"])
    workout = Workout("running", at(0), at(60))
    app.save([workout, hr(120, 5), bp(7)])
    app.add_to_workout(workout, [app.samples("heartRate")[0]])
    hidden = [hr(60 + i % 40, i / 10, WATCH) for i in range(300)] + [
        bp(i, WATCH) for i in range(20)
    ]
    store.save(hidden)
    store.delete(hidden[:50])
    mass = [
        QuantitySample("bodyMass", Quantity(70, "kg"), at(i), at(i), source=WATCH) for i in range(5)
    ]
    store.save(mass)
    store.delete(mass[0])
    store.set_characteristic("dateOfBirth", date(1980, 1, 1))
    store.save_activity_summaries(
        ActivitySummary(date(2024, 3, 30), active_energy_burned=Quantity(300, "kcal"))
    )
    yield store, app, workout


def statements(store: HealthStore, monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, Any]]:
    """Record the statements the store's backend runs from now on."""
    backend = store._backend
    seen: list[tuple[str, Any]] = []
    for name in ("query", "iterate"):
        original = getattr(backend, name)

        def record(sql: str, params: Any = (), original: Any = original) -> Any:
            seen.append((sql, params))
            return original(sql, params)

        monkeypatch.setattr(backend, name, record)
    return seen


READS = {
    "samples": lambda app, w: app.samples("heartRate"),
    "window": lambda app, w: app.samples("heartRate", start=at(0), end=at(30)),
    "sorted": lambda app, w: app.samples("heartRate", sort="-end", limit=1),
    "uuids": lambda app, w: app.samples("heartRate", p.uuids(w)),
    "changes": lambda app, w: app.changes("heartRate"),
    "changes_bp": lambda app, w: app.changes(["bloodPressureSystolic", "bloodPressureDiastolic"]),
    "correlations": lambda app, w: app.samples("bloodPressure"),
    "sources": lambda app, w: app.sources("heartRate"),
    "priority": lambda app, w: app.source_priority("heartRate"),
    "statistics": lambda app, w: app.statistics(
        "heartRate", start=at(0), end=at(60), options="discreteAverage,mostRecent"
    ),
    "collection": lambda app, w: app.statistics_collection(
        "heartRate", anchor=at(0), interval="10min", start=at(0), end=at(60), options="max"
    ),
    "workout_samples": lambda app, w: app.workout_samples(w),
    "in_workout": lambda app, w: app.samples("heartRate", p.in_workout(w)),
    "characteristic": lambda app, w: app.characteristic("bloodType"),
    "mixed samples": lambda app, w: app.samples(["heartRate", "bodyMass"], start=at(0), end=at(9)),
    "mixed changes": lambda app, w: app.changes(["heartRate", "bodyMass"]),
    "mixed sources": lambda app, w: app.sources(["heartRate", "bodyMass"]),
    "changes of every type": lambda app, w: app.changes(None, limit=5),
    "summaries": lambda app, w: app.activity_summaries(date(2024, 3, 1), date(2024, 4, 1)),
}
# The ways to reach a row that never pass another source's rows of a refused type.
ALLOWED = (
    "samples_by_source (user_id=? AND source_id=?",
    "deleted_objects_by_source (user_id=? AND source_id=?",
    "samples_by_uuid (user_id=? AND uuid=?",
    "PRIMARY KEY (rowid=?)",
)
# Where readable types are read too, by type (their rows are the app's to see).
BY_TYPE = (
    "samples_by_type_start (user_id=? AND type_id=?",
    "deleted_objects_by_type (user_id=? AND type_id=?",
)


@pytest.mark.parametrize("door", list(READS))
def test_a_refused_read_reaches_only_the_apps_own_rows(
    refused: tuple[HealthStore, Any, Workout], monkeypatch: pytest.MonkeyPatch, door: str
) -> None:
    store, app, workout = refused
    raw = store._backend
    seen = statements(store, monkeypatch)
    READS[door](app, workout)
    monkeypatch.undo()
    checked = 0
    for sql, params in seen:
        if not any(
            t in sql
            for t in (
                "samples s",
                "deleted_objects d",
                "FROM characteristics",
                "FROM activity_summaries",
            )
        ):
            continue
        assert "characteristics" not in sql and "activity_summaries" not in sql, (
            f"{door} read the person's rows for an app refused them: {sql}"
        )
        plan = [row[3] for row in raw.query("EXPLAIN QUERY PLAN " + sql, params)]
        mixed = door.startswith(("mixed", "changes of", "workout_"))
        allowed = ALLOWED + BY_TYPE if mixed else ALLOWED
        for step in plan:
            if step.startswith(("SEARCH s ", "SCAN s", "SEARCH d ", "SCAN d")):
                checked += 1
                assert any(index in step for index in allowed), (
                    f"{door}: {step} in {plan} for {sql}"
                )
    if door not in ("characteristic", "summaries"):
        assert checked, f"{door} ran no statement over samples"


def test_the_app_does_see_its_own(refused: tuple[HealthStore, Any, Workout]) -> None:
    """The structural test is not vacuous: the app's own rows come back."""
    _, app, workout = refused
    assert [s.quantity for s in app.samples("heartRate")] == [Quantity(120, "count/min")]
    assert len(app.workout_samples(workout)) == 1
    assert len(app.samples("bloodPressure")[0].objects) == 2
    assert app.changes("heartRate").deleted == []
    mixed = app.changes(["heartRate", "bodyMass"])
    assert len(mixed.added) == 5 and len(mixed.deleted) == 1


# --- migration -----------------------------------------------------------------------------
def test_an_existing_store_migrates_without_changing_a_row(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "old"
    with HealthStore.create(path) as store:
        saved = [hr(60 + i, i, WATCH) for i in range(10)] + [bp(3)]
        store.save(saved)
        store.delete(saved[:3])
    db = path / "healthstore.db"
    mine = next(m.version for m in shipped("sqlite") if "uuid_per_source" in m.name)
    # Later migrations' tables stay as they are; only this one is undone and applied again.
    every = shipped("sqlite")
    monkeypatch.setattr(
        sqlite_backend, "shipped", lambda _: [m for m in every if m.version <= mine]
    )
    with sqlite3.connect(db) as conn:  # back to the schema before the migration
        conn.executescript(
            "DROP INDEX samples_by_uuid; DROP INDEX samples_by_source; "
            "DROP INDEX deleted_objects_by_source; DROP INDEX deleted_objects_by_type; "
            "DROP TABLE source_extents; "
            "CREATE UNIQUE INDEX samples_by_uuid ON samples (user_id, uuid); "
            f"DELETE FROM schema_migrations WHERE version >= {mine}; "
            f"PRAGMA user_version = {mine - 1};"
        )
        before = _rows(conn)
    conn.close()
    with HealthStore.open(path) as store:
        assert store._backend.query("PRAGMA user_version")[0][0] == mine
        assert len(store.samples("heartRate")) == 7
        # a uuid is now per source: another source may save one of these uuids
        theirs = QuantitySample(
            "heartRate", Quantity(99, "count/min"), at(50), at(50), uuid=saved[5].uuid
        )
        assert [r.status for r in store.save(theirs)] == [SaveStatus.created]
        assert store.delete([theirs.uuid], source=OWNER_SOURCE) == 1
    with sqlite3.connect(db) as conn:
        after = _rows(conn)
        extents = conn.execute(
            "SELECT type_id, source_id, max_duration_us FROM source_extents"
        ).fetchall()
        longest = conn.execute(
            "SELECT type_id, source_id, MAX(end_us - start_us) FROM samples "
            "GROUP BY type_id, source_id"
        ).fetchall()
        indexes = {
            row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")
        }
    conn.close()
    assert {"samples_by_uuid", "samples_by_source", "deleted_objects_by_source"} <= indexes
    assert after["samples"] == before["samples"]
    assert set(longest) <= set(extents)  # the extents were filled in from the rows
    assert after["deleted_objects"][: len(before["deleted_objects"])] == before["deleted_objects"]


def _rows(conn: sqlite3.Connection) -> dict[str, list[Any]]:
    return {
        table: conn.execute(f"SELECT * FROM {table} ORDER BY anchor").fetchall()
        for table in ("samples", "deleted_objects")
    }


def test_a_long_hidden_sample_does_not_widen_a_refused_window(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An overlap query bounds its scan by the longest sample it may see: for a refused
    type, the app's own. So a refused read runs the very same statements, with the same
    parameters, whether or not a month-long sample of someone else's exists."""
    ran = []
    for hidden in (False, True):
        store = HealthStore.create(tmp_path / str(hidden))
        store.register_app(STEPS_APP)
        app = store.app(APP_ID)
        app.request_authorization(share=["heartRate"], read=["heartRate"])
        store.grant(APP_ID, share=["heartRate"])
        store.deny(APP_ID, read=["heartRate"])
        app.save([hr(100 + i, i * 60) for i in range(48)])
        if hidden:
            month = QuantitySample(
                "heartRate", Quantity(70, "count/min"), at(-43200), at(600), source=WATCH
            )
            store.save(month)
        with store, monkeypatch.context() as patch:
            seen = statements(store, patch)
            app.samples("heartRate", start=at(600), end=at(720))
            app.statistics("heartRate", start=at(600), end=at(720), options="discreteAverage")
            ran.append([(sql, list(params)) for sql, params in seen if "samples s" in sql])
    assert ran[0] == ran[1]
    assert ran[0]
