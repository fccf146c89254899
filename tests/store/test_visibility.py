"""The privacy promise, tested differentially: through every door, an app that may not read a
type gets exactly the same answers from a store holding other sources' data as from a store
without it."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from healthstore import (
    ActivitySummary,
    CategorySample,
    Correlation,
    HealthStore,
    Quantity,
    QuantitySample,
    Sample,
    Source,
    Workout,
)
from healthstore import predicates as p
from healthstore.errors import HealthStoreError
from healthstore.model import new_uuid
from healthstore.store.app import AppStore
from tests.conftest import T0, at, workout_of
from tests.store.test_access import STEPS_APP

HIDDEN = [
    "stepCount",
    "heartRate",
    "sleepAnalysis",
    "workout",
    "bloodPressureSystolic",
    "bloodPressureDiastolic",
    "bloodPressure",
]
OTHERS = [Source("com.apple.health.watch", "Watch"), Source("com.example.other", "Other")]
APP_ID = STEPS_APP["bundle_id"]
READABLE = [
    QuantitySample("bodyMass", Quantity(70 + i, "kg"), at(i * 20), at(i * 20), source=OTHERS[0])
    for i in range(3)
]


def own_data() -> list[Sample]:
    """What the app itself writes: fixed uuids so both stores hold the same objects."""
    hr = QuantitySample("heartRate", Quantity(120, "count/min"), at(5), at(5), uuid=new_uuid())
    return [
        QuantitySample("stepCount", Quantity(300, "count"), at(0), at(10), uuid=new_uuid()),
        hr,
        Workout("running", T0, at(30), total_distance=Quantity(3, "km"), uuid=new_uuid()),
        Correlation(
            "bloodPressure",
            at(40),
            at(40),
            [
                QuantitySample("bloodPressureSystolic", Quantity(118, "mmHg"), at(40), at(40)),
                QuantitySample("bloodPressureDiastolic", Quantity(77, "mmHg"), at(40), at(40)),
            ],
            uuid=new_uuid(),
        ),
    ]


@st.composite
def other_sample(draw: st.DrawFn) -> Sample:
    source = draw(st.sampled_from(OTHERS))
    start = at(draw(st.integers(-60, 120)))
    end = start + timedelta(minutes=draw(st.integers(0, 30)))
    kind = draw(st.sampled_from(["steps", "hr", "sleep", "workout", "bp"]))
    if kind == "steps":
        return QuantitySample(
            "stepCount", Quantity(draw(st.integers(0, 900)), "count"), start, end, source=source
        )
    if kind == "hr":
        return QuantitySample(
            "heartRate",
            Quantity(draw(st.integers(40, 180)), "count/min"),
            start,
            start,
            source=source,
        )
    if kind == "sleep":
        return CategorySample("sleepAnalysis", draw(st.integers(0, 5)), start, end, source=source)
    if kind == "workout":
        return Workout("walking", start, end, source=source)
    return Correlation(
        "bloodPressure",
        start,
        start,
        [
            QuantitySample(
                "bloodPressureSystolic", Quantity(130, "mmHg"), start, start, source=source
            ),
            QuantitySample(
                "bloodPressureDiastolic", Quantity(85, "mmHg"), start, start, source=source
            ),
        ],
        source=source,
    )


def build(
    path: Path, own: list[Sample], others: list[Sample], deleted: set[int]
) -> tuple[HealthStore, AppStore]:
    store = HealthStore.create(path)
    store.register_app(STEPS_APP)
    app = store.app(APP_ID)
    refused = [*HIDDEN[:-1], "dateOfBirth", "bloodType", "activitySummary"]
    app.request_authorization(share=HIDDEN[:-1], read=[*refused, "bodyMass"])
    store.grant(APP_ID, share=HIDDEN[:-1])
    store.grant(
        APP_ID, read=["bodyMass"], history=True
    )  # reading granted for an unrelated type only
    store.deny(APP_ID, read=refused)
    store.save(READABLE)  # the same in both stores: what the app may read
    half = len(others) // 2
    store.save(others[:half])
    app.save(own[:2])
    store.save(others[half:])
    app.save(own[2:])
    app.add_to_workout(workout_of(own[2]), [own[1]])
    if others:
        workouts = [o for o in others if isinstance(o, Workout)]
        if workouts:
            store.add_to_workout(
                workouts[0], [own[1], *[o for o in others if o.type.short_name == "heartRate"]]
            )
        store.delete([o for i, o in enumerate(others) if i in deleted])
        store.set_characteristic("dateOfBirth", date(1980, 1, 1))
        store.set_characteristic("bloodType", "APositive")
        store.save_activity_summaries(
            ActivitySummary(T0.date(), active_energy_burned=Quantity(420, "kcal"))
        )
    return store, app


def observe(app: AppStore, own: list[Sample], others: list[Sample]) -> dict[str, Any]:
    """Everything the app can learn, through every door."""
    seen: dict[str, Any] = {}

    def attempt(name: str, call: Any) -> None:
        try:
            seen[name] = call()
        except HealthStoreError as exc:
            seen[name] = ("error", exc.code, exc.message)

    for t in HIDDEN:
        attempt(f"samples:{t}", lambda t=t: app.samples(t))
        attempt(f"sorted:{t}", lambda t=t: app.samples(t, sort="-end", limit=2))
        attempt(f"window:{t}", lambda t=t: app.samples(t, start=at(0), end=at(60)))
        attempt(f"sources:{t}", lambda t=t: app.sources(t))
        attempt(f"changes:{t}", lambda t=t: _pages(app, [t]))
    attempt("changes:all", lambda: _pages(app, None))
    mixed = [*HIDDEN, "bodyMass"]  # refused types beside a readable one
    attempt("mixed", lambda: app.samples(mixed, start=at(0), end=at(60), sort="-end", limit=3))
    attempt("mixed:sources", lambda: app.sources(mixed))
    window: dict[str, Any] = {"start": at(-120), "end": at(240)}
    attempt(
        "stats:steps",
        lambda: app.statistics(
            "stepCount", options=["cumulativeSum", "duration", "separateBySource"], **window
        ),
    )
    attempt(
        "stats:hr",
        lambda: app.statistics(
            "heartRate", options="discreteAverage,discreteMin,discreteMax,mostRecent", **window
        ),
    )
    attempt(
        "stats:collection",
        lambda: app.statistics_collection(
            "stepCount", anchor=at(0), interval="15min", options="sum", **window
        ),
    )
    attempt("stats:sleep", lambda: app.statistics("sleepAnalysis", options="sum", **window))
    attempt("priority", lambda: app.source_priority("stepCount"))
    attempt("workout_samples", lambda: app.workout_samples(workout_of(own[2])))
    attempt("in_workout", lambda: app.samples("heartRate", p.in_workout(workout_of(own[2]))))
    attempt("characteristic", lambda: app.characteristic("dateOfBirth"))
    attempt("bloodType", lambda: app.characteristic("bloodType"))
    attempt("summaries", lambda: app.activity_summaries(T0.date(), T0.date()))
    attempt("status", lambda: [app.authorization_status(t) for t in HIDDEN])
    attempt("request_status", lambda: app.request_status(read=HIDDEN[:-1]))
    for i, other in enumerate(others):
        attempt(f"uuid:{i}", lambda o=other: app.samples(o.type, p.uuids(o)))
        attempt(f"delete:{i}", lambda o=other: app.delete([o]))
        if isinstance(other, Workout):
            attempt(f"workout:{i}", lambda o=other: app.add_to_workout(o, [own[1]]))
            attempt(f"workout_samples:{i}", lambda o=other: app.workout_samples(o))
    return seen


def _pages(app: AppStore, types: list[str] | None) -> tuple[list[Any], list[Any]]:
    """The change feed read in pages of 2, without the (opaque) anchor values."""
    added: list[Any] = []
    deleted: list[Any] = []
    anchor = None
    while True:
        page = app.changes(types, anchor=anchor, limit=2)
        if not page.added and not page.deleted:
            return added, deleted
        added += page.added
        deleted += [(d.uuid, d.type.short_name) for d in page.deleted]
        anchor = page.anchor


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(others=st.lists(other_sample(), min_size=1, max_size=12), data=st.data())
def test_denied_reading_looks_exactly_like_no_data(
    tmp_path_factory: pytest.TempPathFactory, others: list[Sample], data: st.DataObject
) -> None:
    deleted = data.draw(st.sets(st.integers(0, len(others) - 1)))
    own = own_data()
    base = tmp_path_factory.mktemp("v")
    empty_store, empty_app = build(base / "empty", own, [], set())
    full_store, full_app = build(base / "full", own, others, deleted)
    with empty_store, full_store:
        assert observe(full_app, own, others) == observe(empty_app, own, others)
        # and the person does see the others' data, so the test is not vacuous
        full, empty = full_store.changes(), empty_store.changes()
        assert len(full.added) + len(full.deleted) > len(empty.added) + len(empty.deleted)


def test_granting_read_reveals_the_others(store: HealthStore) -> None:
    own = own_data()
    other = QuantitySample("stepCount", Quantity(5, "count"), at(0), at(1), source=OTHERS[0])
    store.register_app(STEPS_APP)
    app = store.app(APP_ID)
    app.request_authorization(share=["stepCount"], read=["stepCount"])
    store.grant(APP_ID, share=["stepCount"])
    app.save(own[0])
    store.save(other)
    assert app.sources("stepCount") == [STEPS_APP_SOURCE]
    store.grant(APP_ID, read=["stepCount"], history=True)
    assert set(app.sources("stepCount")) == {STEPS_APP_SOURCE, OTHERS[0]}
    assert len(app.changes("stepCount").added) == 2


STEPS_APP_SOURCE = Source(APP_ID, STEPS_APP["name"])
