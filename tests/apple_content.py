"""Comparing two stores by content, for the Apple Health export tests: a store imported
from an export gets new uuids (imports derive them from content), so samples are matched by
a fingerprint of everything that must survive the round trip."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Hashable, Iterable, Mapping
from datetime import datetime
from typing import Any

from healthstore import (
    CategorySample,
    Correlation,
    HealthStore,
    Quantity,
    QuantitySample,
    Sample,
    VisionPrescription,
    Workout,
    WorkoutEvent,
    WorkoutRoute,
    WorkoutStatistics,
)
from healthstore.records import PayloadSample
from healthstore.store.view import sample_types
from healthstore.times import to_micros


def plain(value: Any) -> Hashable:
    """A metadata value with its kind, comparable across stores."""
    if isinstance(value, Quantity):
        return ("quantity", value.value, value.unit.text)
    if isinstance(value, datetime):
        return ("date", to_micros(value))
    return (type(value).__name__, value)


def meta(metadata: Any) -> Hashable:
    return tuple(sorted((key, plain(value)) for key, value in metadata.items()))


def canonical(q: Quantity | None, unit: str | None) -> float | None:
    return None if q is None or unit is None else q.value_in(unit)


def value_of(sample: Sample) -> Hashable:
    if isinstance(sample, QuantitySample):
        return canonical(sample.quantity, sample.type.canonical_unit)
    if isinstance(sample, CategorySample):
        return sample.value
    if isinstance(sample, Correlation):
        return tuple(sorted((fingerprint(m) for m in sample.objects), key=repr))
    if isinstance(sample, Workout):
        events = events_of(sample.events)
        activities = tuple(
            (
                a.uuid,
                a.activity_type,
                to_micros(a.start),
                to_micros(a.end),
                meta(a.metadata),
                events_of(a.events),
                statistics_of(a.statistics),
            )
            for a in sample.activities
        )
        statistics = statistics_of(sample.statistics)
        totals = (
            canonical(sample.total_energy_burned, "kcal"),
            canonical(sample.total_distance, "m"),
            canonical(sample.total_swimming_stroke_count, "count"),
            canonical(sample.total_flights_climbed, "count"),
        )
        return (sample.activity_type, events, activities, statistics, totals)
    if isinstance(sample, WorkoutRoute):
        return tuple(
            (
                to_micros(x.timestamp),
                x.latitude,
                x.longitude,
                x.altitude,
                x.horizontal_accuracy,
                x.vertical_accuracy,
                x.course,
                x.speed,
            )
            for x in sample.locations
        )
    if isinstance(sample, VisionPrescription):
        expiration = None if sample.expiration is None else to_micros(sample.expiration)
        return (sample.prescription_type, expiration, meta(sample.right_eye), meta(sample.left_eye))
    assert isinstance(sample, PayloadSample)
    return json.dumps(numbers_as_floats(sample.payload()), sort_keys=True)


def events_of(events: Iterable[WorkoutEvent]) -> Hashable:
    return tuple((e.type, to_micros(e.start), to_micros(e.end), meta(e.metadata)) for e in events)


def statistics_of(statistics: Mapping[str, WorkoutStatistics]) -> Hashable:
    return tuple(
        sorted(
            (
                key,
                *(
                    canonical(getattr(s, n), s.type.canonical_unit)
                    for n in ("sum", "average", "minimum", "maximum")
                ),
            )
            for key, s in statistics.items()
        )
    )


def numbers_as_floats(value: Any) -> Any:
    """JSON data with every number a float (250 Hz and 250.0 Hz are one frequency)."""
    if isinstance(value, dict):
        return {k: numbers_as_floats(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [numbers_as_floats(v) for v in value]
    if isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    return value


def fingerprint(sample: Sample) -> Hashable:
    """Everything that must survive the round trip; uuids differ (imports derive them from
    content), so samples are matched by this."""
    revision = sample.source_revision
    assert revision is not None
    return (
        sample.type.identifier,
        to_micros(sample.start),
        to_micros(sample.end),
        revision.source.name,
        revision.version,
        sample.device,
        meta(sample.metadata),
        value_of(sample),
    )


def everything(store: HealthStore) -> Counter[Hashable]:
    return Counter(fingerprint(s) for s in store.samples(sample_types(None)))


def routes_by_workout(store: HealthStore) -> dict[Hashable, frozenset[Hashable]]:
    return {
        fingerprint(w): frozenset(
            fingerprint(r) for r in store.workout_samples(w.uuid, "workoutRoute")
        )
        for w in store.samples("workout")
    }


def characteristics(store: HealthStore) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in (
        "biologicalSex",
        "bloodType",
        "dateOfBirth",
        "fitzpatrickSkinType",
        "wheelchairUse",
        "activityMoveMode",
    ):
        out[name] = store.characteristic(name)
    return out
