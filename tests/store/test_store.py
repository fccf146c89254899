"""The owner's view: save, read back, idempotency, sync identifiers, deletes, change feed."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from uuid import uuid4

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from healthstore import (
    CategorySample,
    Correlation,
    Device,
    HealthStore,
    Quantity,
    QuantitySample,
    Sample,
    SaveStatus,
    Source,
    SourceRevision,
    Workout,
    WorkoutEvent,
    WorkoutStatistics,
)
from healthstore import predicates as p
from healthstore.errors import DatabaseInaccessible, InvalidArgument, NoData
from healthstore.storage.sqlite import CACHE_KIB, STREAMING_CACHE_KIB, SQLiteBackend
from healthstore.store import OWNER_SOURCE
from healthstore.times import to_micros, zone_name
from tests.conftest import PARIS, PHONE, T0, WATCH, at

SYNC = "HKMetadataKeySyncIdentifier"
VERSION = "HKMetadataKeySyncVersion"


def steps(
    n: float, start: float, end: float, source: Source = PHONE, **kw: object
) -> QuantitySample:
    return QuantitySample(
        "stepCount",
        Quantity(n, "count"),
        at(start),
        at(end),
        source=source,
        **kw,  # type: ignore[arg-type]
    )


def synced(n: float, ident: str, version: int, source: Source = PHONE) -> QuantitySample:
    return steps(n, 0, 10, source, metadata={SYNC: ident, VERSION: version})


# --- lifecycle ------------------------------------------------------------------------


def test_create_open_and_persist(tmp_path: Path) -> None:
    with HealthStore.create(tmp_path / "s") as s:
        s.save(steps(10, 0, 1))
    with HealthStore.open(tmp_path / "s") as again:
        assert [x.quantity for x in again.samples("stepCount")] == [Quantity(10, "count")]  # type: ignore[attr-defined]


def test_create_refuses_an_existing_store_and_non_empty_dirs(tmp_path: Path) -> None:
    HealthStore.create(tmp_path / "s").close()
    with pytest.raises(InvalidArgument, match="already exists"):
        HealthStore.create(tmp_path / "s")
    HealthStore.create(tmp_path / "s", exist_ok=True).close()
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "file.txt").write_text("x")
    with pytest.raises(InvalidArgument, match="not empty"):
        HealthStore.create(tmp_path / "other")


def test_open_a_missing_store_is_database_inaccessible(tmp_path: Path) -> None:
    with pytest.raises(DatabaseInaccessible) as info:
        HealthStore.open(tmp_path / "nothing")
    assert info.value.code == 6 and "healthstore init" in info.value.message


# --- saving and reading back ----------------------------------------------------------

kinds = st.sampled_from(["stepCount", "heartRate", "bodyMass", "sleepAnalysis"])
units = {
    "stepCount": ["count"],
    "heartRate": ["count/min", "count/s"],
    "bodyMass": ["kg", "lb", "g"],
}


@st.composite
def samples(draw: st.DrawFn) -> Sample:
    kind = draw(kinds)
    start = T0 + timedelta(
        seconds=draw(st.integers(-(10**7), 10**7)), microseconds=draw(st.integers(0, 999_999))
    )
    end = start + timedelta(microseconds=draw(st.integers(0, 10**10)))
    tz = draw(st.sampled_from([PARIS, None]))
    if tz is None:
        start, end = start.astimezone(), end.astimezone()
    choices: list[Source | SourceRevision] = [
        PHONE,
        WATCH,
        SourceRevision(WATCH, "10.1", "Watch6,2", "10.1"),
    ]
    source = draw(st.sampled_from(choices))
    device = draw(
        st.sampled_from([None, Device(name="Watch", model="Watch", hardware_version="Watch6,2")])
    )
    meta = draw(
        st.dictionaries(
            st.sampled_from(["app.note", "HKWasUserEntered", "app.n"]),
            st.one_of(st.text(max_size=5), st.booleans()),
            max_size=2,
        )
    )
    if "HKWasUserEntered" in meta:
        meta["HKWasUserEntered"] = bool(meta["HKWasUserEntered"])
    if kind == "sleepAnalysis":
        return CategorySample(
            kind,
            draw(st.sampled_from([0, 1, 2, 3, 4, 5])),
            start,
            end,
            source=source,
            device=device,
            metadata=meta,
        )
    value = draw(st.floats(0, 1e6, allow_nan=False))
    return QuantitySample(
        kind,
        Quantity(value, draw(st.sampled_from(units[kind]))),
        start,
        end,
        source=source,
        device=device,
        metadata=meta,
    )


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(batch=st.lists(samples(), max_size=20, unique_by=lambda s: s.uuid))
def test_what_is_saved_reads_back_identically(
    tmp_path_factory: pytest.TempPathFactory, batch: list[Sample]
) -> None:
    with HealthStore.create(tmp_path_factory.mktemp("s") / "store") as store:
        results = store.save(batch)
        assert [r.status for r in results] == [SaveStatus.created] * len(batch)
        back = {
            s.uuid: s
            for s in store.samples(["stepCount", "heartRate", "bodyMass", "sleepAnalysis"])
        }
        assert back == {s.uuid: s for s in batch}
        for s in batch:
            assert zone_name(back[s.uuid].start) == zone_name(s.start)
            assert to_micros(back[s.uuid].end) == to_micros(s.end)


def test_quantities_keep_the_writers_unit_and_are_stored_canonically(store: HealthStore) -> None:
    store.save(QuantitySample("bodyMass", Quantity(154.3, "lb"), T0, T0))
    (back,) = store.samples("bodyMass")
    assert back.quantity == Quantity(154.3, "lb")  # type: ignore[attr-defined]
    assert store.samples("bodyMass", p.quantity(">", Quantity(69.9, "kg")))
    assert not store.samples("bodyMass", p.quantity(">", Quantity(70.1, "kg")))


def test_default_source_is_the_person(store: HealthStore) -> None:
    store.save(QuantitySample("bodyMass", Quantity(70, "kg"), T0, T0))
    assert store.sources("bodyMass") == [OWNER_SOURCE]


# --- idempotency and all-or-nothing ---------------------------------------------------


def test_saving_the_same_uuid_again_is_a_duplicate(store: HealthStore) -> None:
    s = steps(100, 0, 10)
    assert store.save(s)[0].status is SaveStatus.created
    assert store.save([s, s])[0].status is SaveStatus.duplicate
    assert len(store.samples("stepCount")) == 1
    assert store.changes().anchor == 1


def test_same_uuid_with_other_content_fails_the_whole_batch(store: HealthStore) -> None:
    original = steps(100, 0, 10)
    store.save(original)
    changed = steps(101, 0, 10, uuid=original.uuid)
    good = steps(5, 20, 30)
    with pytest.raises(InvalidArgument) as info:
        store.save([good, changed])
    assert info.value.field == "objects[1].uuid"
    assert str(original.uuid) in info.value.message
    assert [s.uuid for s in store.samples("stepCount")] == [original.uuid]
    assert store.changes().anchor == 1


def test_a_bad_object_in_a_batch_saves_nothing_and_is_named(store: HealthStore) -> None:
    with pytest.raises(InvalidArgument) as info:
        store.save([steps(1, 0, 1), "not a sample"])  # type: ignore[list-item]
    assert info.value.field == "objects[1]"
    assert store.samples("stepCount") == []


def test_a_deleted_uuid_saved_again_stays_deleted(store: HealthStore) -> None:
    s = steps(100, 0, 10)
    store.save(s)
    store.delete([s])
    assert store.save(s)[0].status is SaveStatus.duplicate
    assert store.samples("stepCount") == []


# --- sync identifiers -----------------------------------------------------------------


def test_greater_sync_version_replaces_and_leaves_a_tombstone(store: HealthStore) -> None:
    v1, v2 = synced(100, "walk-1", 1), synced(150, "walk-1", 2)
    store.save(v1)
    anchor = store.changes().anchor
    assert store.save(v2)[0].status is SaveStatus.replaced
    assert [s.uuid for s in store.samples("stepCount")] == [v2.uuid]
    feed = store.changes(anchor=anchor)
    assert [d.uuid for d in feed.deleted] == [v1.uuid]
    assert feed.deleted[0].metadata == {SYNC: "walk-1", VERSION: 1}
    assert [a.uuid for a in feed.added] == [v2.uuid]


def test_lower_sync_version_is_ignored(store: HealthStore) -> None:
    store.save(synced(150, "walk-1", 2))
    assert store.save(synced(100, "walk-1", 1))[0].status is SaveStatus.ignored_older_version
    assert [s.quantity.value for s in store.samples("stepCount")] == [150]  # type: ignore[attr-defined]


def test_equal_version_identical_content_is_a_duplicate(store: HealthStore) -> None:
    first = synced(100, "walk-1", 3)
    store.save(first)
    again = synced(100, "walk-1", 3)  # a new uuid, same content
    assert store.save(again)[0].status is SaveStatus.duplicate
    assert [s.uuid for s in store.samples("stepCount")] == [first.uuid]
    assert store.changes().deleted == []


def test_equal_version_different_content_replaces(store: HealthStore) -> None:
    store.save(synced(100, "walk-1", 3))
    newer = synced(120, "walk-1", 3)
    assert store.save(newer)[0].status is SaveStatus.replaced
    assert [s.uuid for s in store.samples("stepCount")] == [newer.uuid]


def test_sync_identifiers_are_scoped_to_their_source(store: HealthStore) -> None:
    store.save([synced(100, "walk-1", 1, PHONE), synced(90, "walk-1", 1, WATCH)])
    assert len(store.samples("stepCount")) == 2


def test_versions_within_one_batch_apply_in_order(store: HealthStore) -> None:
    a, b, c = synced(1, "x", 1), synced(2, "x", 3), synced(3, "x", 2)
    statuses = [r.status for r in store.save([a, b, c])]
    assert statuses == [SaveStatus.created, SaveStatus.replaced, SaveStatus.ignored_older_version]
    assert [s.uuid for s in store.samples("stepCount")] == [b.uuid]
    assert [d.uuid for d in store.changes().deleted] == [a.uuid]
    retry = [r.status for r in store.save([a, b, c])]
    assert retry == [SaveStatus.duplicate, SaveStatus.duplicate, SaveStatus.ignored_older_version]
    assert [s.uuid for s in store.samples("stepCount")] == [b.uuid]


def test_replacing_a_member_moves_its_memberships(store: HealthStore) -> None:
    hr = QuantitySample(
        "heartRate",
        Quantity(120, "count/min"),
        at(5),
        at(5),
        source=WATCH,
        metadata={SYNC: "hr-1", VERSION: 1},
    )
    workout = Workout("running", T0, at(30), source=WATCH)
    store.save([hr, workout])
    store.add_to_workout(workout, [hr])
    newer = QuantitySample(
        "heartRate",
        Quantity(121, "count/min"),
        at(5),
        at(5),
        source=WATCH,
        metadata={SYNC: "hr-1", VERSION: 2},
    )
    store.save(newer)
    assert [s.uuid for s in store.workout_samples(workout)] == [newer.uuid]


# --- deletes and the change feed ------------------------------------------------------


def test_delete_by_objects_uuids_and_predicate(store: HealthStore) -> None:
    a, b, c = steps(1, 0, 1), steps(2, 10, 11, WATCH), steps(3, 20, 21)
    store.save([a, b, c])
    assert store.delete([a]) == 1
    assert store.delete([str(b.uuid)]) == 1
    assert store.delete(type="stepCount", predicate=p.from_sources(PHONE)) == 1
    assert store.samples("stepCount") == []
    assert {d.uuid for d in store.changes().deleted} == {a.uuid, b.uuid, c.uuid}
    assert store.delete([a]) == 0


def test_delete_needs_a_target(store: HealthStore) -> None:
    with pytest.raises(InvalidArgument):
        store.delete()
    with pytest.raises(InvalidArgument):
        store.delete([steps(1, 0, 1)], type="stepCount")


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    ops=st.lists(
        st.tuples(st.sampled_from(["add", "delete"]), st.integers(0, 30)), min_size=1, max_size=40
    ),
    limits=st.lists(st.integers(1, 7), min_size=1, max_size=5),
)
def test_paging_the_change_feed_loses_nothing(
    tmp_path_factory: pytest.TempPathFactory, ops: list[tuple[str, int]], limits: list[int]
) -> None:
    with HealthStore.create(tmp_path_factory.mktemp("s") / "store") as store:
        live: list[QuantitySample] = []
        for op, n in ops:
            if op == "add" or not live:
                s = steps(n, n, n + 1)
                store.save(s)
                live.append(s)
            else:
                store.delete([live.pop(n % len(live))])
        everything = store.changes()
        pages_added, pages_deleted, anchor, i = [], [], None, 0
        while True:
            page = store.changes(anchor=anchor, limit=limits[i % len(limits)])
            i += 1
            if not page.added and not page.deleted:
                break
            assert len(page.added) + len(page.deleted) <= limits[(i - 1) % len(limits)]
            pages_added += [s.uuid for s in page.added]
            pages_deleted += [d.uuid for d in page.deleted]
            anchor = page.anchor
        assert pages_added == [s.uuid for s in everything.added]
        assert pages_deleted == [d.uuid for d in everything.deleted]
        assert {s.uuid for s in everything.added} == {s.uuid for s in live}
        assert anchor == everything.anchor


def test_changes_filters_by_type(store: HealthStore) -> None:
    store.save([steps(1, 0, 1), QuantitySample("bodyMass", Quantity(70, "kg"), T0, T0)])
    assert [s.type.short_name for s in store.changes("bodyMass").added] == ["bodyMass"]
    assert len(store.changes().added) == 2
    with pytest.raises(InvalidArgument):
        store.changes("biologicalSex")


# --- sources, workouts, correlations, characteristics ---------------------------------


def test_sources_with_samples_matching_a_predicate(store: HealthStore) -> None:
    store.save([steps(1, 0, 1, PHONE), steps(1, 60, 61, WATCH)])
    assert store.sources("stepCount") == [PHONE, WATCH]
    assert store.sources("stepCount", p.time_window(at(30), at(90))) == [WATCH]
    assert store.sources("heartRate") == []


def test_workouts_round_trip_with_their_details(store: HealthStore) -> None:
    w = Workout(
        "running",
        T0,
        at(45),
        events=[WorkoutEvent.create("pause", at(10)), WorkoutEvent.create("resume", at(12))],
        statistics=[WorkoutStatistics.create("heartRate", average=Quantity(151, "count/min"))],
        total_energy_burned=Quantity(420, "kcal"),
        total_distance=Quantity(6.2, "km"),
        source=WATCH,
        metadata={"HKIndoorWorkout": False},
    )
    store.save(w)
    (back,) = store.samples("workout")
    assert back == w
    assert store.samples("workout", p.workout_total("total_distance", ">", Quantity(6, "km")))
    assert not store.samples("workout", p.workout_activity("yoga"))
    assert store.samples("workout", p.workout_duration(">=", timedelta(minutes=45)))


def test_correlations_save_and_return_their_members(store: HealthStore) -> None:
    sys_ = QuantitySample("bloodPressureSystolic", Quantity(121, "mmHg"), T0, T0)
    dia = QuantitySample("bloodPressureDiastolic", Quantity(79, "mmHg"), T0, T0)
    bp = Correlation("bloodPressure", T0, T0, [sys_, dia])
    store.save(bp)
    (back,) = store.samples("bloodPressure")
    assert {m.uuid for m in back.objects} == {sys_.uuid, dia.uuid}  # type: ignore[attr-defined]
    (member,) = store.samples("bloodPressureSystolic")
    assert (member.uuid, member.quantity, member.source) == (sys_.uuid, sys_.quantity, OWNER_SOURCE)  # type: ignore[attr-defined]
    assert store.save(bp)[0].status is SaveStatus.duplicate
    assert len(store.samples("bloodPressureSystolic")) == 1
    assert store.delete([bp]) == 3
    assert store.samples("bloodPressureDiastolic") == []


def test_characteristics(store: HealthStore) -> None:
    assert store.characteristic("biologicalSex") == 0
    with pytest.raises(NoData):
        store.characteristic("dateOfBirth")
    store.set_characteristic("biologicalSex", "Female")
    store.set_characteristic("dateOfBirth", date(1990, 5, 17))
    store.set_characteristic("bloodType", 7)
    assert store.characteristic("biologicalSex") == 1
    assert store.characteristic("dateOfBirth") == date(1990, 5, 17)
    assert store.characteristic("bloodType") == 7
    store.set_characteristic("bloodType", None)
    assert store.characteristic("bloodType") == 0
    with pytest.raises(InvalidArgument):
        store.set_characteristic("stepCount", 1)
    with pytest.raises(InvalidArgument):
        store.set_characteristic("bloodType", 42)


def test_samples_sort_and_limit(store: HealthStore) -> None:
    batch = [steps(i, i * 10, i * 10 + 20 - i) for i in range(5)]
    store.save(batch)
    assert [s.quantity.value for s in store.samples("stepCount", sort="-start", limit=2)] == [4, 3]  # type: ignore[attr-defined]
    shortest = store.samples("stepCount", sort="duration", limit=1)[0]
    assert shortest.quantity.value == 4  # type: ignore[attr-defined]
    with pytest.raises(InvalidArgument):
        store.samples("stepCount", sort="value")
    with pytest.raises(InvalidArgument):
        store.samples("stepCount", limit=-1)


def test_uuid_strings_and_unknown_types_are_clear_errors(store: HealthStore) -> None:
    with pytest.raises(InvalidArgument, match="not a UUID"):
        store.delete(["zzz"])
    with pytest.raises(InvalidArgument, match="unknown type"):
        store.samples("stepz")
    assert store.delete([uuid4()]) == 0


def test_a_bulk_import_runs_with_a_small_page_cache_and_gives_the_memory_back(
    tmp_path: Path,
) -> None:
    """An import streams (each page written once): SQLite's cache shrinks while it runs and
    is back to its size for queries afterwards, also when the import fails."""
    backend = SQLiteBackend(tmp_path / "store.db", create=True)
    try:

        def cache() -> int:
            with backend.exclusive():  # the writer's connection (reads have their own)
                return int(backend.query("PRAGMA cache_size")[0][0])

        assert cache() == -CACHE_KIB
        with backend.streaming():
            assert cache() == -STREAMING_CACHE_KIB and STREAMING_CACHE_KIB < CACHE_KIB
        assert cache() == -CACHE_KIB
        with pytest.raises(RuntimeError), backend.streaming():
            raise RuntimeError("the import failed")
        assert cache() == -CACHE_KIB
    finally:
        backend.close()
