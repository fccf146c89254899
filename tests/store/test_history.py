"""The history limit, tested differentially: through every read door, an app the person let
read but not granted ``history`` sees exactly what it would see on a store where the data
older than its bound (30 days before its first read grant) did not exist — what it wrote
itself excepted, which it always reads. With ``history`` it sees everything. Through the
library and over HTTP; observers are told nothing of older data."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

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
from healthstore import predicates as p
from healthstore.client import HealthClient
from healthstore.errors import HealthStoreError
from healthstore.model import new_uuid
from healthstore.storage.migrate import shipped
from healthstore.times import from_micros
from tests.conftest import at, workout_of
from tests.server_support import serve
from tests.store.test_access import STEPS_APP
from tests.store.test_refused_reads import ALLOWED, READS, WATCH, bp, hr, statements
from tests.store.test_refused_reads import TYPES as REFUSED_TYPES
from tests.store.test_visibility import _pages

BUNDLE = "com.example.history"
MANIFEST: dict[str, Any] = {
    "bundle_id": BUNDLE,
    "name": "History",
    "usage_descriptions": {
        "NSHealthShareUsageDescription": "Shows your trends.",
        "NSHealthUpdateUsageDescription": "Records your walks.",
    },
    "privacy_policy_url": "https://example.com/privacy",
    "entitlements": ["healthkit", "background-delivery"],
    "purposes": ["fitness"],
}
SHARE = ["stepCount", "heartRate", "workout"]
READ = [*SHARE, "bloodPressureSystolic", "bloodPressureDiastolic", "dateOfBirth"]
READ_ALL = [*READ, "activitySummary"]
TYPES = ["stepCount", "heartRate", "workout", "bloodPressure", "bloodPressureSystolic"]
OTHERS = [Source("com.apple.health.watch", "Watch"), Source("com.example.other", "Other")]
HOUR = timedelta(hours=1)


def base_time() -> datetime:
    """About where the bound of an app granted now lies (whole hours: every sample the
    tests write starts at least an hour away from it)."""
    return (datetime.now(UTC) - timedelta(days=30)).replace(minute=0, second=0, microsecond=0)


@st.composite
def other_spec(draw: st.DrawFn) -> tuple[str, int, int, int, int]:
    """(kind, source index, start in hours from the base, duration in minutes, value)."""
    hours = draw(st.integers(-72, 72).filter(lambda h: h not in (-1, 0, 1)))
    return (
        draw(st.sampled_from(["steps", "hr", "workout", "bp"])),
        draw(st.integers(0, 1)),
        hours,
        draw(st.integers(0, 300)),
        draw(st.integers(40, 900)),
    )


def make(spec: tuple[str, int, int, int, int], base: datetime) -> Sample:
    kind, source_index, hours, minutes, value = spec
    source = OTHERS[source_index]
    start = base + hours * HOUR
    end = start + timedelta(minutes=minutes)
    if kind == "steps":
        return QuantitySample("stepCount", Quantity(value, "count"), start, end, source=source)
    if kind == "hr":
        return QuantitySample(
            "heartRate", Quantity(value % 140 + 40, "count/min"), start, start, source=source
        )
    if kind == "workout":
        return Workout("walking", start, end, source=source)
    members = [
        QuantitySample(
            "bloodPressureSystolic", Quantity(value % 60 + 100, "mmHg"), start, start, source=source
        ),
        QuantitySample("bloodPressureDiastolic", Quantity(80, "mmHg"), start, start, source=source),
    ]
    return Correlation("bloodPressure", start, start, members, source=source)


def own_data(base: datetime) -> list[Sample]:
    """What the app writes itself, older and newer than its bound: it reads it all."""
    return [
        QuantitySample(
            "stepCount", Quantity(300, "count"), base - 48 * HOUR, base - 47 * HOUR, uuid=new_uuid()
        ),
        QuantitySample(
            "stepCount", Quantity(200, "count"), base + 5 * HOUR, base + 6 * HOUR, uuid=new_uuid()
        ),
        QuantitySample(
            "heartRate",
            Quantity(120, "count/min"),
            base - 3 * HOUR,
            base - 3 * HOUR,
            uuid=new_uuid(),
        ),
        Workout("running", base - 80 * HOUR, base + 80 * HOUR, uuid=new_uuid()),
    ]


def build(
    path: Path,
    own: list[Sample],
    others: list[Sample],
    deleted: set[int],
    *,
    history: bool = False,
    after: list[Sample] | None = None,
) -> tuple[HealthStore, Any]:
    """A store where the person saved ``others`` (those in ``after`` after the app's own
    samples, the rest before), associated the heart rates with the app's workout and
    deleted the samples at the ``deleted`` indexes."""
    store = HealthStore.create(path)
    store.register_app(MANIFEST)
    app = store.app(BUNDLE)
    app.request_authorization(share=SHARE, read=READ_ALL)
    store.grant(BUNDLE, share=SHARE, read=READ_ALL, history=history)
    later = others[len(others) // 2 :] if after is None else after
    store.save([o for o in others if o not in later])
    app.save(own)
    store.save([o for o in others if o in later])
    heart_rates = [o for o in others if o.type.short_name == "heartRate"]
    store.add_to_workout(workout_of(own[3]), [own[2], *heart_rates])
    for i in sorted(deleted):  # one by one: the tombstones' order is the deletions'
        store.delete([others[i]])
    store.set_characteristic("dateOfBirth", date(1980, 1, 1))
    return store, app


def summaries(store: HealthStore, base: datetime, *, all_days: bool) -> None:
    """Daily rings around the bound: every day, or only those not older than it (a day is
    older when it begins, UTC, before the bound)."""
    first = store.history_access(BUNDLE).first_read_us
    assert first is not None
    bound = from_micros(first) - timedelta(days=30)
    for d in range(-5, 6):
        day = base.date() + timedelta(days=d)
        if all_days or datetime(day.year, day.month, day.day, tzinfo=UTC) >= bound:
            energy = Quantity(300 + d, "kcal")
            store.save_activity_summaries(ActivitySummary(day, active_energy_burned=energy))


def observe(app: Any, own: list[Sample], others: list[Sample], base: datetime) -> dict[str, Any]:
    """What the app can learn, through every read door."""
    seen: dict[str, Any] = {}

    def attempt(name: str, call: Any) -> None:
        try:
            seen[name] = call()
        except HealthStoreError as exc:
            seen[name] = ("error", exc.code, exc.message)

    window = {"start": base - 100 * HOUR, "end": base + 100 * HOUR}
    for t in TYPES:
        attempt(f"samples:{t}", lambda t=t: app.samples(t))
        attempt(f"newest:{t}", lambda t=t: app.samples(t, sort="start", limit=2))
        attempt(
            f"window:{t}", lambda t=t: app.samples(t, start=base - 10 * HOUR, end=base + 10 * HOUR)
        )
        attempt(f"sources:{t}", lambda t=t: app.sources(t))
        attempt(f"changes:{t}", lambda t=t: _pages(app, [t]))
    attempt("changes:all", lambda: _pages(app, None))
    attempt(
        "stats:steps",
        lambda: app.statistics(
            "stepCount", options=["cumulativeSum", "separateBySource"], **window
        ),
    )
    attempt(
        "stats:hr",
        lambda: app.statistics(
            "heartRate", options="discreteAverage,discreteMin,mostRecent", **window
        ),
    )
    attempt(
        "stats:collection",
        lambda: app.statistics_collection(
            "stepCount", anchor=base, interval="1d", options="sum", **window
        ),
    )
    attempt("priority", lambda: app.source_priority("stepCount"))
    attempt("workout_samples", lambda: app.workout_samples(own[3]))
    attempt("in_workout", lambda: app.samples("heartRate", p.in_workout(workout_of(own[3]))))
    attempt("characteristic", lambda: app.characteristic("dateOfBirth"))
    days = (base.date() - timedelta(days=10), base.date() + timedelta(days=10))
    attempt("summaries", lambda: app.activity_summaries(*days))
    for i, other in enumerate(others):
        attempt(f"uuid:{i}", lambda o=other: app.samples(o.type, p.uuids(o)))
    return seen


@contextmanager
def stores(
    base_dir: Path, specs: list[tuple[str, int, int, int, int]], deleted: set[int]
) -> Iterator[tuple[Any, ...]]:
    """The store with every sample, and the one without those older than the bound."""
    base = base_time()
    own = own_data(base)
    others = [make(s, base) for s in specs]
    recent = [i for i, s in enumerate(specs) if s[2] > 0]
    after = others[len(others) // 2 :]
    full_store, full_app = build(base_dir / "full", own, others, deleted, after=after)
    kept = [others[i] for i in recent]
    kept_deleted = {recent.index(i) for i in deleted if i in recent}
    newer_store, newer_app = build(base_dir / "newer", own, kept, kept_deleted, after=after)
    summaries(full_store, base, all_days=True)
    summaries(newer_store, base, all_days=False)
    with full_store, newer_store:
        yield base, own, others, full_store, full_app, newer_store, newer_app


_LENIENT = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
SPECS = st.lists(other_spec(), min_size=1, max_size=10)


@settings(max_examples=12, deadline=None, suppress_health_check=_LENIENT)
@given(specs=SPECS, data=st.data())
def test_without_history_older_data_looks_exactly_like_none(
    tmp_path_factory: pytest.TempPathFactory, specs: list[Any], data: st.DataObject
) -> None:
    deleted = data.draw(st.sets(st.integers(0, len(specs) - 1)))
    with stores(tmp_path_factory.mktemp("h"), specs, deleted) as found:
        base, own, others, full_store, full_app, _, newer_app = found
        assert observe(full_app, own, others, base) == observe(newer_app, own, others, base)
        # not vacuous: the person sees the older data, and the app its own older samples
        assert (
            len(full_store.activity_summaries(base.date() - timedelta(days=10), base.date())) == 6
        )
        assert {s.uuid for s in own[:3]} <= {
            s.uuid for s in full_app.samples(["stepCount", "heartRate"])
        }


@settings(max_examples=3, deadline=None, suppress_health_check=_LENIENT)
@given(specs=SPECS, data=st.data())
def test_over_http_too(
    tmp_path_factory: pytest.TempPathFactory, specs: list[Any], data: st.DataObject
) -> None:
    deleted = data.draw(st.sets(st.integers(0, len(specs) - 1)))
    with stores(tmp_path_factory.mktemp("hh"), specs, deleted) as found, ExitStack() as clients:
        base, own, others, full_store, _, newer_store, _ = found
        full_client, newer_client = (
            clients.enter_context(
                HealthClient(clients.enter_context(serve(s)), s.renew_app_token(BUNDLE))
            )
            for s in (full_store, newer_store)
        )
        assert not full_client.history_authorized()
        assert observe(full_client, own, others, base) == observe(newer_client, own, others, base)


@settings(max_examples=5, deadline=None, suppress_health_check=_LENIENT)
@given(specs=SPECS)
def test_with_history_the_app_reads_everything(
    tmp_path_factory: pytest.TempPathFactory, specs: list[Any]
) -> None:
    base = base_time()
    own = own_data(base)
    others = [make(s, base) for s in specs]
    store, app = build(tmp_path_factory.mktemp("a") / "s", own, others, set(), history=True)
    with store:
        assert app.history_authorized()
        for t in TYPES:
            assert app.samples(t) == store.samples(t)
            assert app.sources(t) == store.sources(t)
        assert len(_pages(app, None)[0]) == len(store.changes().added)


def test_granting_history_later_reveals_the_older_data(store: HealthStore) -> None:
    base = base_time()
    old = QuantitySample(
        "stepCount", Quantity(10, "count"), base - 5 * HOUR, base - 4 * HOUR, source=OTHERS[0]
    )
    new = QuantitySample(
        "stepCount", Quantity(20, "count"), base + 5 * HOUR, base + 6 * HOUR, source=OTHERS[0]
    )
    store.save([old, new])
    store.register_app(MANIFEST)
    app = store.app(BUNDLE)
    app.request_authorization(read=["stepCount"])
    assert store.history_access(BUNDLE).first_read_us is None
    store.grant(BUNDLE, read=["stepCount"])
    first = store.history_access(BUNDLE).first_read_us
    assert [s.uuid for s in app.samples("stepCount")] == [new.uuid]
    assert store.grant(BUNDLE, history=True)["history"] == ["history"]
    assert [s.uuid for s in app.samples("stepCount")] == [old.uuid, new.uuid]
    store.revoke(BUNDLE, history=True)
    assert [s.uuid for s in app.samples("stepCount")] == [new.uuid]
    # revoking every read grant and granting again keeps the first grant's time
    store.revoke(BUNDLE, read=["stepCount"])
    store.grant(BUNDLE, read=["stepCount"])
    assert store.history_access(BUNDLE).first_read_us == first
    assert [s.uuid for s in app.samples("stepCount")] == [new.uuid]


def test_observers_hear_nothing_of_older_data(store: HealthStore) -> None:
    base = base_time()
    store.register_app(MANIFEST)
    app = store.app(BUNDLE)
    app.request_authorization(share=["stepCount"], read=["stepCount"])
    store.grant(BUNDLE, share=["stepCount"], read=["stepCount"])
    app.add_observer("stepCount", "http://127.0.0.1:9/hook")

    def steps(hours: int, source: Source | None = OTHERS[0]) -> QuantitySample:
        start = base + hours * HOUR
        return QuantitySample("stepCount", Quantity(5, "count"), start, start + HOUR, source=source)

    old = steps(-5)
    store.save(old)  # older than the bound: not told
    store.delete([old])
    assert store.deliveries() == []
    store.save(steps(5))  # within the bound: told
    assert len(store.deliveries()) == 1


def test_with_history_observers_hear_of_older_data(store: HealthStore) -> None:
    base = base_time()
    store.register_app(MANIFEST)
    app = store.app(BUNDLE)
    app.request_authorization(read=["stepCount"])
    store.grant(BUNDLE, read=["stepCount"], history=True)
    app.add_observer("stepCount", "http://127.0.0.1:9/hook")
    start = base - 50 * HOUR
    store.save(QuantitySample("stepCount", Quantity(5, "count"), start, start + HOUR))
    assert len(store.deliveries()) == 1


def test_the_migration_grants_history_to_apps_that_could_read(tmp_path: Path) -> None:
    """Apps granted reading before this version keep their full history; the others get
    the limit from their first read grant on."""
    path = tmp_path / "store"
    with HealthStore.create(path) as store:
        store.register_app(MANIFEST)
        store.register_app({**MANIFEST, "bundle_id": "com.example.later"})
        for bundle in (BUNDLE, "com.example.later"):
            store.app(bundle).request_authorization(read=["stepCount"])
        store.grant(BUNDLE, read=["stepCount"])
    db = path / "healthstore.db"
    if not db.exists():
        pytest.skip("the store's database is not a plain file here")
    version = next(m.version for m in shipped("sqlite") if "history" in m.name)
    with sqlite3.connect(db) as conn:  # as it was before the migration
        conn.execute("DROP TABLE app_history")
        conn.execute("DROP INDEX deleted_objects_by_type_start")
        conn.execute("ALTER TABLE deleted_objects DROP COLUMN start_us")
        conn.execute(f"DELETE FROM schema_migrations WHERE version >= {version}")
        conn.execute(f"PRAGMA user_version = {version - 1}")
    with HealthStore.open(path) as store:
        assert store.history_access(BUNDLE).granted
        assert store.history_access(BUNDLE).first_read_us is not None
        assert not store.history_access("com.example.later").granted
        assert store.app(BUNDLE).history_authorized()


# --- the structural half: the bound narrows the index scan ------------------------------
# A read bounded by the history limit reaches others' rows through the start index from
# the bound on (or the app's own rows through the source-led index), never by walking the
# older rows and discarding them: how much older data exists does not change its cost.
BOUNDED = (
    *ALLOWED,
    "samples_by_type_start (user_id=? AND type_id=? AND start_us>?",
    "deleted_objects_by_type_start (user_id=? AND type_id=? AND start_us>?",
)


@pytest.fixture
def limited(store: HealthStore) -> Iterator[tuple[HealthStore, Any, Workout]]:
    """An app that may read TYPES_READ but not history; everything others wrote is older
    than its bound (2024), some of it deleted."""
    store.register_app(STEPS_APP)
    app = store.app(STEPS_APP["bundle_id"])
    app.request_authorization(share=REFUSED_TYPES, read=[*REFUSED_TYPES, "bodyMass"])
    store.grant(STEPS_APP["bundle_id"], share=REFUSED_TYPES, read=[*REFUSED_TYPES, "bodyMass"])
    workout = Workout("running", at(0), at(60))
    app.save([workout, hr(120, 5), bp(7)])
    app.add_to_workout(workout, [app.samples("heartRate")[0]])
    hidden = [hr(60 + i % 40, i / 10, WATCH) for i in range(300)] + [
        bp(i, WATCH) for i in range(20)
    ]
    store.save(hidden)
    store.delete(hidden[:50])
    store.save(
        [
            QuantitySample("bodyMass", Quantity(70, "kg"), at(i), at(i), source=WATCH)
            for i in range(5)
        ]
    )
    yield store, app, workout


@pytest.mark.parametrize("door", [d for d in READS if d not in ("characteristic", "summaries")])
def test_a_limited_read_never_walks_the_older_rows(
    limited: tuple[HealthStore, Any, Workout], monkeypatch: pytest.MonkeyPatch, door: str
) -> None:
    store, app, workout = limited
    raw = store._backend
    seen = statements(store, monkeypatch)
    READS[door](app, workout)
    monkeypatch.undo()
    checked = 0
    for sql, params in seen:
        if "samples s" not in sql and "deleted_objects d" not in sql:
            continue
        plan = [row[3] for row in raw.query("EXPLAIN QUERY PLAN " + sql, params)]
        for step in plan:
            if step.startswith(("SEARCH s ", "SCAN s", "SEARCH d ", "SCAN d")):
                checked += 1
                assert any(index in step for index in BOUNDED), f"{door}: {step} for {sql}"
    assert checked, f"{door} ran no statement over samples"
    # and the app reads its own older samples, nothing of the others'
    assert {s.source_revision.source.bundle_id for s in app.samples("heartRate")} == {
        STEPS_APP["bundle_id"]
    }
