"""The privacy promise at the write doors, tested differentially: an app's saves, lenient
saves, deletes by uuid, workout associations and correlations answer exactly as they would
on a store without the samples it may not read — even when it reuses their uuids — and the
person's own records are never blocked by an app that took their uuids first. Through the
library and over HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from healthstore import (
    Correlation,
    HealthStore,
    Quantity,
    QuantitySample,
    Sample,
    SaveStatus,
    Source,
    Workout,
)
from healthstore.client import HealthClient
from healthstore.errors import HealthStoreError, InvalidArgument
from healthstore.imports.apple import import_apple_health
from healthstore.model import new_uuid
from tests.conftest import at, shared_path
from tests.server_support import serve
from tests.store.test_access import STEPS_APP
from tests.store.test_visibility import APP_ID, build, observe, other_sample, own_data


def pool_of(others: list[Sample]) -> list[UUID]:
    """The uuids an app might squat: those of the others' samples and their members."""
    out = []
    for o in others:
        out.append(o.uuid)
        out += [m.uuid for m in getattr(o, "objects", ())]
    return out


@st.composite
def app_sample(draw: st.DrawFn, pool: list[UUID]) -> Sample:
    """A sample an app may share, its uuid often one of a hidden sample's."""
    uuid = draw(st.sampled_from(pool) | st.just(new_uuid()))
    start = at(draw(st.integers(-30, 90)))
    kind = draw(st.sampled_from(["steps", "hr", "workout", "bp"]))
    if kind == "steps":
        n = draw(st.integers(0, 50))
        return QuantitySample(
            "stepCount", Quantity(n, "count"), start, start + timedelta(minutes=5), uuid=uuid
        )
    if kind == "hr":
        n = draw(st.integers(40, 60))
        return QuantitySample("heartRate", Quantity(n, "count/min"), start, start, uuid=uuid)
    if kind == "workout":
        return Workout("walking", start, start + timedelta(minutes=10), uuid=uuid)
    systolic, diastolic = (draw(st.sampled_from(pool) | st.just(new_uuid())) for _ in "sd")
    return Correlation(
        "bloodPressure",
        start,
        start,
        [
            QuantitySample(
                "bloodPressureSystolic", Quantity(120, "mmHg"), start, start, uuid=systolic
            ),
            QuantitySample(
                "bloodPressureDiastolic", Quantity(80, "mmHg"), start, start, uuid=diastolic
            ),
        ],
        uuid=uuid,
    )


@st.composite
def operations(draw: st.DrawFn, pool: list[UUID]) -> list[tuple[str, Any]]:
    """What an app does: saves (all-or-nothing and lenient), deletes by uuid, workout
    associations; uuids drawn from the hidden samples' as often as not."""
    uuids = st.sampled_from(pool) | st.just(new_uuid())
    batch = st.lists(app_sample(pool), min_size=1, max_size=3)
    op = st.one_of(
        st.tuples(st.just("save"), batch),
        st.tuples(st.just("save_each"), batch),
        st.tuples(st.just("delete"), st.lists(uuids, min_size=1, max_size=3)),
        st.tuples(st.just("workout"), st.tuples(uuids, st.lists(uuids, max_size=2))),
    )
    return draw(st.lists(op, min_size=1, max_size=6))


def perform(app: Any, ops: list[tuple[str, Any]]) -> list[Any]:
    """The answer to each operation (results, or the error refusing it)."""
    out: list[Any] = []
    for name, arg in ops:
        try:
            if name == "save":
                out.append([(r.uuid, r.status) for r in app.save(arg)])
            elif name == "save_each":
                saved = app.save_each(arg)
                out.append(
                    [
                        (r.code, r.message) if isinstance(r, HealthStoreError) else r.status
                        for r in saved.results
                    ]
                )
            elif name == "delete":
                out.append(app.delete(arg))
            else:
                workout, samples = arg
                app.add_to_workout(workout, samples)
                out.append(("associated", app.workout_samples(workout)))
        except HealthStoreError as exc:
            out.append(("error", type(exc).__name__, exc.code, exc.message, exc.field))
    return out


@contextmanager
def stores(base: Path, others: list[Sample], deleted: set[int]) -> Iterator[tuple[Any, ...]]:
    own = own_data()
    empty_store, empty_app = build(base / "empty", own, [], set())
    full_store, full_app = build(base / "full", own, others, deleted)
    with empty_store, full_store:
        yield own, empty_store, empty_app, full_store, full_app


def check(
    empty_app: Any,
    full_app: Any,
    full_store: HealthStore,
    own: list[Sample],
    others: list[Sample],
    deleted: set[int],
    ops: list[tuple[str, Any]],
) -> None:
    assert perform(full_app, ops) == perform(empty_app, ops)
    assert observe(full_app, own, others) == observe(empty_app, own, others)
    # Nothing the app did reached the samples it cannot see: each is still there, and the
    # person's saving it again is a duplicate of it, not blocked by the app's uuid.
    kept = [o for i, o in enumerate(others) if i not in deleted]
    live = {(s.uuid, s.source.bundle_id) for s in full_store.changes().added if s.source}
    for o in kept:
        assert o.source_revision is not None
        assert (o.uuid, o.source_revision.source.bundle_id) in live
    statuses = [r.status for r in full_store.save(kept)]
    assert all(s is SaveStatus.duplicate for s in statuses)


_LENIENT = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow]


@settings(max_examples=40, deadline=None, suppress_health_check=_LENIENT)
@given(others=st.lists(other_sample(), min_size=1, max_size=8), data=st.data())
def test_an_apps_writes_answer_as_if_hidden_samples_did_not_exist(
    tmp_path_factory: pytest.TempPathFactory, others: list[Sample], data: st.DataObject
) -> None:
    deleted = data.draw(st.sets(st.integers(0, len(others) - 1)))
    ops = data.draw(operations(pool_of(others)))
    with stores(tmp_path_factory.mktemp("w"), others, deleted) as (own, _, empty, full_store, full):
        check(empty, full, full_store, own, others, deleted, ops)


@settings(max_examples=6, deadline=None, suppress_health_check=_LENIENT)
@given(others=st.lists(other_sample(), min_size=1, max_size=6), data=st.data())
def test_over_http_too(
    tmp_path_factory: pytest.TempPathFactory, others: list[Sample], data: st.DataObject
) -> None:
    deleted = data.draw(st.sets(st.integers(0, len(others) - 1)))
    ops = data.draw(operations(pool_of(others)))
    with (
        stores(tmp_path_factory.mktemp("h"), others, deleted) as (own, empty, _, full, _),
        ExitStack() as clients,
    ):
        empty_client, full_client = (
            clients.enter_context(
                HealthClient(clients.enter_context(serve(s)), s.renew_app_token(APP_ID))
            )
            for s in (empty, full)
        )
        check(empty_client, full_client, full, own, others, deleted, ops)


# --- the person's records are never blocked ------------------------------------------
WATCH = Source("com.apple.health.watch", "Watch")


def squatted(store: HealthStore) -> tuple[Any, QuantitySample, UUID]:
    """An app allowed to write steps but not read them saves a sample under the uuid of a
    record the person has not imported yet."""
    store.register_app(STEPS_APP)
    app = store.app(APP_ID)
    app.request_authorization(share=["stepCount"], read=["stepCount"])
    store.grant(APP_ID, share=["stepCount"])
    store.deny(APP_ID, read=["stepCount"])
    record = QuantitySample("stepCount", Quantity(812, "count"), at(0), at(10), source=WATCH)
    fake = QuantitySample("stepCount", Quantity(1, "count"), at(0), at(10), uuid=record.uuid)
    assert [r.status for r in app.save(fake)] == [SaveStatus.created]
    return app, record, record.uuid


def test_the_persons_import_is_not_blocked_by_a_squatted_uuid(store: HealthStore) -> None:
    app, record, uuid = squatted(store)
    assert [r.status for r in store.save(record)] == [SaveStatus.created]
    assert [r.status for r in store.save(record)] == [SaveStatus.duplicate]
    by_source = {s.source_revision.source.bundle_id: s for s in store.samples("stepCount")}  # type: ignore[union-attr]
    assert by_source[WATCH.bundle_id] == record
    assert by_source[APP_ID].quantity == Quantity(1, "count")  # type: ignore[attr-defined]
    # the app still sees only its own, and its delete takes only its own
    assert [s.uuid for s in app.samples("stepCount")] == [uuid]
    assert app.delete([uuid]) == 1
    assert store.samples("stepCount") == [record]
    # the app saving that uuid again is a duplicate of its own deletion, as it would be
    # with no watch record in the store
    assert [r.status for r in app.save(record)] == [SaveStatus.duplicate]


def test_a_bare_uuid_the_person_cannot_place_is_refused_with_the_sources(
    store: HealthStore,
) -> None:
    _, record, uuid = squatted(store)
    store.save(record)
    with pytest.raises(InvalidArgument) as ambiguous:
        store.delete([uuid])
    assert APP_ID in ambiguous.value.message and WATCH.bundle_id in ambiguous.value.message
    assert ambiguous.value.field == "objects[0]"
    assert len(store.samples("stepCount")) == 2  # nothing was deleted
    assert store.delete([uuid], source=APP_ID) == 1
    assert store.samples("stepCount") == [record]
    assert store.delete([uuid]) == 1  # one left: the bare uuid is unambiguous again
    assert store.samples("stepCount") == []


def test_the_persons_sample_objects_name_their_source(store: HealthStore) -> None:
    _, record, _ = squatted(store)
    store.save(record)
    assert store.delete(record) == 1  # the object says whose
    assert [s.source_revision.source.bundle_id for s in store.samples("stepCount")] == [APP_ID]  # type: ignore[union-attr]


def test_workout_references_resolve_per_source(store: HealthStore) -> None:
    store.register_app(STEPS_APP)
    app = store.app(APP_ID)
    app.request_authorization(share=["workout", "heartRate"], read=["workout", "heartRate"])
    store.grant(APP_ID, share=["workout", "heartRate"])
    store.deny(APP_ID, read=["workout", "heartRate"])
    theirs = Workout("running", at(0), at(30), source=WATCH)
    hr = QuantitySample("heartRate", Quantity(150, "count/min"), at(5), at(5), source=WATCH)
    store.save([theirs, hr])
    store.add_to_workout(theirs, [hr])
    mine = Workout("walking", at(0), at(30), uuid=theirs.uuid)
    my_hr = QuantitySample("heartRate", Quantity(90, "count/min"), at(6), at(6), uuid=hr.uuid)
    app.save([mine, my_hr])
    app.add_to_workout(theirs.uuid, [hr.uuid])  # resolves to the app's own of each
    assert [s.uuid for s in app.workout_samples(theirs.uuid)] == [hr.uuid]
    assert app.workout_samples(theirs.uuid)[0].quantity == Quantity(90, "count/min")  # type: ignore[attr-defined]
    with pytest.raises(InvalidArgument) as ambiguous:
        store.workout_samples(theirs.uuid)
    assert WATCH.bundle_id in ambiguous.value.message
    assert store.workout_samples(theirs.uuid, source=WATCH.bundle_id) == [hr]
    assert store.workout_samples(theirs) == [hr]  # the object names its source
    mine_read = store.workout_samples(theirs.uuid, source=APP_ID)
    assert [s.quantity for s in mine_read] == [Quantity(90, "count/min")]  # type: ignore[attr-defined]


@pytest.mark.parametrize("plain", [True, False])
def test_an_apple_import_is_not_blocked_by_an_app_that_took_its_uuids(
    tmp_path: Path, plain: bool
) -> None:
    """An app that may write (not read) every type of the person's export saves a sample
    under the uuid of each Record before the person imports it: the import adds exactly
    what it adds to a store without the app, and the app keeps its own samples."""
    xml = shared_path("data", "apple", "grll-apple-health-mcp_export_v14.xml").read_bytes()
    export = tmp_path / "export.xml"
    export.write_bytes(xml)
    with HealthStore.create(tmp_path / "clean") as clean:
        expected = import_apple_health(clean, export, plain=plain).counts["Record"]
        records = clean.changes().added
    quantities = [r for r in records if isinstance(r, QuantitySample) and r.type.app_writable]
    assert quantities
    types = sorted({r.type.short_name for r in quantities})
    with HealthStore.create(tmp_path / "squatted") as store:
        store.register_app(STEPS_APP)
        app = store.app(APP_ID)
        app.request_authorization(share=types, read=types)
        store.grant(APP_ID, share=types)
        store.deny(APP_ID, read=types)
        fakes = [
            QuantitySample(r.type, r.quantity, r.start, r.end, uuid=r.uuid) for r in quantities
        ]
        assert {r.status for r in app.save(fakes)} == {SaveStatus.created}
        got = import_apple_health(store, export, plain=plain).counts["Record"]
        assert (got.added, got.present, got.skipped) == (
            expected.added,
            expected.present,
            expected.skipped,
        )
        assert len(app.changes().added) == len(fakes)
        assert len(store.changes().added) == len(records) + len(fakes)
