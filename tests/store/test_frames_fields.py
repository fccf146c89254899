"""Frames carry every field of every sample: a differential test against the library's read,
and statistics in the display unit against the canonical unit converted."""

from __future__ import annotations

import json
from datetime import UTC, timedelta
from pathlib import Path
from typing import Any

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
    SourceRevision,
    Workout,
    frames,
)
from healthstore import metadata as md
from healthstore.model import WorkoutActivity
from tests.conftest import PHONE, WATCH, at

QUANTITY_TYPES = [
    ("heartRate", "count/min"),
    ("bodyMass", "lb"),
    ("distanceWalkingRunning", "m"),
    ("stepCount", "count"),
]

revisions = st.sampled_from(
    [None, SourceRevision(PHONE, version="17.2", product_type="iPhone15,2"), WATCH]
)
devices = st.sampled_from(
    [None, Device(name="Watch", manufacturer="Apple Inc.", model="Watch", hardware_version="7")]
)
metadatas = st.sampled_from(
    [
        None,
        {"HKWasUserEntered": True},
        {"note": "after lunch", "HKTimeZone": "Europe/Paris", "reps": 3},
        {"when": at(5), "weight": Quantity(2.5, "kg")},
    ]
)


@st.composite
def samples(draw: st.DrawFn) -> Sample:
    kind = draw(st.sampled_from(["quantity", "category", "workout", "correlation"]))
    start = at(draw(st.integers(-500, 500)))
    end = start + timedelta(minutes=draw(st.integers(0, 90)))
    common: dict[str, Any] = {
        "source": draw(revisions),
        "device": draw(devices),
        "metadata": draw(metadatas),
    }
    if kind == "quantity":
        name, unit = draw(st.sampled_from(QUANTITY_TYPES))
        value = draw(st.floats(0, 1e5, allow_nan=False, allow_infinity=False))
        return QuantitySample(name, Quantity(value, unit), start, end, **common)
    if kind == "category":
        stage = draw(st.sampled_from(["AsleepREM", "AsleepCore", "Awake", "InBed"]))
        return CategorySample("sleepAnalysis", stage, start, end, **common)
    if kind == "workout":
        activities = [WorkoutActivity.create("running", start, end)] if draw(st.booleans()) else []
        distance = draw(st.one_of(st.none(), st.floats(0, 50_000, allow_nan=False)))
        return Workout(
            draw(st.sampled_from(["running", "cycling", "swimming"])),
            start,
            end,
            activities=activities,
            total_distance=None if distance is None else Quantity(distance, "m"),
            total_energy_burned=Quantity(draw(st.integers(0, 2000)), "kcal"),
            **common,
        )
    systolic = QuantitySample("bloodPressureSystolic", Quantity(120, "mmHg"), start, end)
    diastolic = QuantitySample("bloodPressureDiastolic", Quantity(80, "mmHg"), start, end)
    return Correlation("bloodPressure", start, end, [systolic, diastolic], **common)


def _check_row(row: dict[str, Any], s: Sample) -> None:
    assert row["type"] == s.type.short_name
    assert row["start"] == s.start.astimezone(UTC)
    assert row["end"] == s.end.astimezone(UTC)
    revision = s.source_revision
    assert row["source_bundle_id"] == (revision.source.bundle_id if revision else None)
    assert row["source_name"] == (revision.source.name if revision else None)
    assert row["source_version"] == (revision.version if revision else None)
    assert row["source_product_type"] == (revision.product_type if revision else None)
    for field in Device.__slots__:
        assert row[f"device_{field}"] == (getattr(s.device, field) if s.device else None)
    assert md.from_json(row["metadata"]) == dict(s.metadata)
    if isinstance(s, QuantitySample):
        shown = s.type.display_unit
        assert shown is not None
        if "unit" in row:  # several types in the frame
            assert row["unit"] == shown
            assert row["value"] == s.quantity.value_in(shown)
        else:  # one type: the unit is in the column's name
            assert row[f"value[{shown}]"] == s.quantity.value_in(shown)
            assert row["count"] == s.count
    elif isinstance(s, CategorySample):
        assert (row["value"], row["label"]) == (s.value, s.label)
    elif isinstance(s, Workout):
        assert row["activity_type"] == s.activity_name
        assert row["duration_s"] == s.duration.total_seconds()
        distance = None if s.total_distance is None else s.total_distance.value_in("km")
        assert row["total_distance[km]"] == distance
        energy = s.total_energy_burned
        assert row["total_energy_burned[kcal]"] == (energy.value_in("kcal") if energy else None)
        activities = json.loads(row["activities"]) if row["activities"] else []
        assert [a["uuid"] for a in activities] == [str(a.uuid) for a in s.activities]
    elif isinstance(s, Correlation):
        members = json.loads(row["objects"])
        assert sorted(m["uuid"] for m in members) == sorted(str(m.uuid) for m in s.objects)
        assert {m["type"]: m["value"] for m in members} == {
            "bloodPressureSystolic": 120,
            "bloodPressureDiastolic": 80,
        }


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(saved=st.lists(samples(), min_size=1, max_size=8))
def test_every_saved_sample_appears_with_its_fields(
    tmp_path_factory: pytest.TempPathFactory, saved: list[Sample]
) -> None:
    path: Path = tmp_path_factory.mktemp("frames") / "s"
    with HealthStore.create(path) as store:
        store.save(saved)
        read = store.samples(sorted({s.type.short_name for s in saved}))
        frame = frames.samples_to_polars(read)
        # every read sample appears exactly once, with the library object's fields
        top_level = {s.uuid for s in saved}
        assert sorted(frame["uuid"].to_list()) == sorted(str(s.uuid) for s in read)
        assert top_level <= {s.uuid for s in read}
        by_uuid = {row["uuid"]: row for row in frame.to_dicts()}
        for sample in read:
            _check_row(by_uuid[str(sample.uuid)], sample)
        activities = frames.workout_activities_to_polars(read)
        expected = [
            (str(w.uuid), str(a.uuid), a.activity_name)
            for w in read
            if isinstance(w, Workout)
            for a in w.activities
        ]
        got = list(
            zip(
                activities["workout_uuid"].to_list(),
                activities["uuid"].to_list(),
                activities["activity_type"].to_list(),
                strict=True,
            )
        )
        assert got == expected


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    name=st.sampled_from(["heartRate", "distanceWalkingRunning", "dietarySodium", "height"]),
    values=st.lists(st.floats(0.001, 1e4, allow_nan=False), min_size=1, max_size=6),
)
def test_statistics_in_the_display_unit_equal_the_canonical_ones_converted(
    tmp_path_factory: pytest.TempPathFactory, name: str, values: list[float]
) -> None:
    from healthstore import catalogue

    t = catalogue.object_type(name)
    assert t.canonical_unit is not None and t.display_unit is not None
    cumulative = t.aggregation is not None and not t.aggregation.is_discrete
    options = "sum" if cumulative else "avg,min,max,mostRecent"
    with HealthStore.create(tmp_path_factory.mktemp("units") / "s") as store:
        store.save(
            QuantitySample(name, Quantity(v, t.canonical_unit), at(i * 10), at(i * 10 + 5))
            for i, v in enumerate(values)
        )
        window = {"start": at(-60), "end": at(len(values) * 10 + 60), "options": options}
        shown = store.statistics(name, **window)  # type: ignore[arg-type]
        canonical = store.statistics(name, unit=t.canonical_unit, **window)  # type: ignore[arg-type]
        assert shown.unit == t.display_unit and canonical.unit == t.canonical_unit
        for field in ("sum", "average", "minimum", "maximum", "most_recent"):
            a, b = getattr(shown, field), getattr(canonical, field)
            assert (a is None) == (b is None)
            if a is not None:
                assert str(a.unit) == t.display_unit
                assert a.value == b.value_in(t.display_unit)
        frame = frames.statistics_to_polars(shown)
        first = "sum" if cumulative else "average"
        column = f"{first}[{t.display_unit}]"
        assert frame[column].to_list() == [getattr(shown, first).value]
