"""The JSON form of samples (``healthstore.wire``): shapes, round trips and refusals."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from healthstore import catalogue
from healthstore import metadata as md
from healthstore.catalogue import Kind, ObjectType
from healthstore.errors import InvalidArgument
from healthstore.model import (
    CategorySample,
    Correlation,
    Device,
    QuantitySample,
    Sample,
    Source,
    SourceRevision,
    Workout,
    WorkoutActivity,
    WorkoutEvent,
    WorkoutStatistics,
)
from healthstore.store import HealthStore
from healthstore.units import Quantity, Unit
from healthstore.wire import (
    changes_to_json,
    deleted_to_json,
    sample_from_json,
    sample_to_json,
)

START = datetime(2024, 5, 1, 8, 0, tzinfo=ZoneInfo("Europe/Paris"))
APP = Source("com.example.app", "Example")

EXTRA_UNITS = ["km", "mi", "ft", "lb", "g", "mg", "kJ", "Cal", "hr", "s", "degF", "count/min"]


def _units_for(t: ObjectType) -> list[str]:
    assert t.canonical_unit is not None
    extra = [u for u in EXTRA_UNITS if Unit(u).is_compatible(t.canonical_unit)]
    return [t.canonical_unit, *extra]


QUANTITY_TYPES = [t for t in catalogue.all_types(Kind.quantity) if not t.required_metadata]
CATEGORY_TYPES = [t for t in catalogue.all_types(Kind.category) if not t.required_metadata]
ZONES: list[tzinfo] = [
    UTC,
    timezone(timedelta(hours=-8)),
    timezone(timedelta(hours=5, minutes=30)),
    ZoneInfo("Europe/Paris"),
    ZoneInfo("America/New_York"),
    ZoneInfo("Australia/Lord_Howe"),
]

texts = st.text(st.characters(codec="utf-8"), min_size=1, max_size=12)
finite = st.floats(allow_nan=False, allow_infinity=False)


@st.composite
def times(draw: st.DrawFn, t: ObjectType) -> tuple[datetime, datetime]:
    tz = draw(st.sampled_from(ZONES))
    start = draw(
        st.datetimes(
            min_value=datetime(1990, 1, 1),
            max_value=datetime(2090, 1, 1),
            timezones=st.just(tz),
            allow_imaginary=False,
        )
    )
    low = t.min_duration or timedelta(0)
    high = t.max_duration if t.max_duration is not None else low + timedelta(days=2)
    duration = draw(st.timedeltas(min_value=low, max_value=high))
    return start, (start.astimezone(UTC) + duration).astimezone(tz)


revisions = st.one_of(
    st.none(),
    st.builds(
        SourceRevision,
        st.builds(Source, texts, texts),
        st.none() | texts,
        st.none() | texts,
        st.none() | texts,
    ),
)
devices = st.one_of(
    st.none(),
    st.builds(
        Device,
        name=st.none() | texts,
        manufacturer=st.none() | texts,
        model=st.none() | texts,
        udi_device_identifier=st.none() | texts,
    ),
)
metadata_values = st.one_of(
    texts,
    st.integers(min_value=-(2**63), max_value=2**63),
    finite,
    st.booleans(),
    st.builds(Quantity, finite, st.sampled_from(["km", "kg", "count/min", "degC"])),
)
metadata = st.one_of(
    st.none(),
    st.dictionaries(texts.map(lambda k: f"x-{k}"), metadata_values, max_size=4),
    st.fixed_dictionaries({md.WAS_USER_ENTERED: st.booleans()}),
)


@st.composite
def quantity_samples(draw: st.DrawFn) -> QuantitySample:
    t = draw(st.sampled_from(QUANTITY_TYPES))
    start, end = draw(times(t))
    quantity = Quantity(draw(finite), draw(st.sampled_from(_units_for(t))))
    least = catalogue.object_type(t).min_value
    assert least is not None
    if quantity.value_in(catalogue.object_type(t).canonical_unit or "") < least:
        quantity = Quantity(abs(quantity.value), quantity.unit)  # the catalogue's least value
    return QuantitySample(
        t,
        quantity,
        start,
        end,
        source=draw(revisions),
        device=draw(devices),
        metadata=draw(metadata),
        uuid=draw(st.uuids()),
        count=draw(st.integers(min_value=1, max_value=50)),
    )


@st.composite
def category_samples(draw: st.DrawFn) -> CategorySample:
    t = draw(st.sampled_from(CATEGORY_TYPES))
    assert t.value_enum is not None
    start, end = draw(times(t))
    return CategorySample(
        t,
        draw(st.sampled_from(sorted(t.value_enum.raw_values))),
        start,
        end,
        source=draw(revisions),
        device=draw(devices),
        metadata=draw(metadata),
        uuid=draw(st.uuids()),
    )


def through_json(sample: Sample) -> Sample:
    return sample_from_json(json.loads(json.dumps(sample_to_json(sample))))


@settings(max_examples=300)
@given(quantity_samples())
def test_quantity_samples_round_trip(sample: QuantitySample) -> None:
    back = through_json(sample)
    assert back == sample
    assert isinstance(back, QuantitySample)
    assert back.quantity.unit.text == sample.quantity.unit.text
    assert back.start.utcoffset() == sample.start.utcoffset()
    assert sample_to_json(back) == sample_to_json(sample)


@settings(max_examples=300)
@given(category_samples())
def test_category_samples_round_trip(sample: CategorySample) -> None:
    back = through_json(sample)
    assert back == sample
    assert sample_to_json(back) == sample_to_json(sample)


@given(category_samples())
def test_a_category_reads_from_its_label_alone(sample: CategorySample) -> None:
    data = sample_to_json(sample)
    del data["value"]
    assert sample_from_json(data) == sample


# --- shapes -------------------------------------------------------------------------------


def test_quantity_shape() -> None:
    sample = QuantitySample(
        "distanceWalkingRunning",
        Quantity(2.5, "km"),
        START,
        START + timedelta(minutes=30),
        source=SourceRevision(APP, version="2.1"),
        device=Device(name="Watch", manufacturer="Apple Inc."),
        metadata={"HKMetadataKeyIndoorWorkout": 1, "when": START, "slope": Quantity(3, "%")},
        count=3,
    )
    assert sample_to_json(sample) == {
        "uuid": str(sample.uuid),
        "type": "distanceWalkingRunning",
        "kind": "quantity",
        "start": "2024-05-01T08:00:00+02:00",
        "end": "2024-05-01T08:30:00+02:00",
        "time_zone": "Europe/Paris",
        "value": 2.5,
        "unit": "km",
        "count": 3,
        "source": {"bundle_id": "com.example.app", "name": "Example", "version": "2.1"},
        "device": {"name": "Watch", "manufacturer": "Apple Inc."},
        "metadata": {
            "HKIndoorWorkout": True,
            "when": "2024-05-01T08:00:00+02:00",
            "slope": {"value": 3.0, "unit": "%"},
        },
    }


def test_category_shape_and_unsaved_source() -> None:
    sample = CategorySample("sleepAnalysis", "AsleepREM", START, START + timedelta(hours=1))
    data = sample_to_json(sample)
    assert (data["value"], data["label"], data["kind"]) == (5, "AsleepREM", "category")
    assert data["source"] is None
    assert data["device"] is None
    assert "unit" not in data
    assert "count" not in data


def test_workout_shape() -> None:
    end = START + timedelta(hours=1)
    workout = Workout(
        "running",
        START,
        end,
        events=[WorkoutEvent.create("pause", START + timedelta(minutes=10))],
        activities=[WorkoutActivity.create("running", START, end)],
        statistics=[
            WorkoutStatistics(
                catalogue.object_type("heartRate"), average=Quantity(150, "count/min")
            )
        ],
        total_distance=Quantity(10, "km"),
        source=APP,
    )
    data = sample_to_json(workout)
    assert data["kind"] == "workout"
    assert data["activity_type"] == "running"
    assert "value" not in data
    assert data["total_distance"] == {"value": 10.0, "unit": "km"}
    assert data["total_energy_burned"] is None
    assert data["events"] == [
        {
            "type": "Pause",
            "start": "2024-05-01T08:10:00+02:00",
            "end": "2024-05-01T08:10:00+02:00",
            "metadata": {},
        }
    ]
    [activity] = data["activities"]
    assert activity["activity_type"] == "running"
    assert activity["uuid"] == str(workout.activities[0].uuid)
    assert data["statistics"] == {"heartRate": {"average": {"value": 150.0, "unit": "count/min"}}}
    json.dumps(data)


def test_correlation_shape() -> None:
    members = [
        QuantitySample("bloodPressureSystolic", Quantity(120, "mmHg"), START, START),
        QuantitySample("bloodPressureDiastolic", Quantity(80, "mmHg"), START, START),
    ]
    data = sample_to_json(Correlation("bloodPressure", START, START, members))
    assert data["kind"] == "correlation"
    assert [m["value"] for m in data["objects"]] == [120.0, 80.0]
    assert [m["type"] for m in data["objects"]] == [
        "bloodPressureSystolic",
        "bloodPressureDiastolic",
    ]


def test_changes_and_tombstones_from_a_real_store(tmp_path: Path) -> None:
    sync = {md.SYNC_IDENTIFIER: "reading-1", md.SYNC_VERSION: 1}
    with HealthStore.create(tmp_path / "s") as hs:
        kept = QuantitySample("bodyMass", Quantity(70, "kg"), START, source=APP)
        gone = QuantitySample("bodyMass", Quantity(71, "kg"), START, source=APP, metadata=sync)
        hs.save([kept, gone])
        hs.delete([gone])
        changes = hs.changes("bodyMass")
    data = json.loads(json.dumps(changes_to_json(changes)))
    assert set(data) == {"added", "deleted", "anchor"}
    assert [s["uuid"] for s in data["added"]] == [str(kept.uuid)]
    assert data["added"][0]["source"] == {"bundle_id": "com.example.app", "name": "Example"}
    assert data["deleted"] == [deleted_to_json(changes.deleted[0])]
    assert data["deleted"][0]["uuid"] == str(gone.uuid)
    assert data["deleted"][0]["type"] == "bodyMass"
    assert data["deleted"][0]["metadata"][md.SYNC_IDENTIFIER] == "reading-1"
    assert data["anchor"] == changes.anchor
    assert sample_from_json(data["added"][0]) == kept


# --- refusals -----------------------------------------------------------------------------


def valid() -> dict[str, Any]:
    return {
        "type": "bodyMass",
        "start": "2024-05-01T08:00:00+02:00",
        "value": 70,
        "unit": "kg",
    }


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"type": None}, "type"),
        ({"type": "noSuchType"}, "type"),
        ({"type": "biologicalSex"}, "type"),
        ({"type": "workout"}, "value"),
        ({"kind": "category"}, "kind"),
        ({"start": None}, "start"),
        ({"start": "2024-05-01T08:00:00"}, "start"),
        ({"start": "soon"}, "start"),
        ({"end": "2024-05-01T07:00:00+02:00"}, "start"),
        ({"time_zone": "Mars/Olympus"}, "time_zone"),
        ({"value": None}, "value"),
        ({"value": "70"}, "value"),
        ({"value": True}, "value"),
        ({"value": 10**400}, "value"),
        ({"unit": None}, "unit"),
        ({"unit": "furlongs"}, "unit"),
        ({"unit": "count"}, "unit"),
        ({"count": 0}, "count"),
        ({"label": "x"}, "label"),
        ({"uuid": "not-a-uuid"}, "uuid"),
        ({"uuid": 5}, "uuid"),
        ({"source": "app"}, "source"),
        ({"source": {"name": "No id"}}, "source.bundle_id"),
        ({"source": {"bundle_id": "a", "colour": "red"}}, "source.colour"),
        ({"device": {"brand": "x"}}, "device.brand"),
        ({"metadata": []}, "metadata"),
        ({"metadata": {"k": {"value": 1}}}, "metadata['k']"),
        ({"metadata": {"k": {"value": 1, "unit": "zz"}}}, "metadata['k']"),
        ({"metadata": {"k": [1, 2]}}, "metadata['k']"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_refusals_name_the_field(change: dict[str, Any], field: str) -> None:
    """``None`` in ``change`` removes the field."""
    data = valid()
    for key, value in change.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    with pytest.raises(InvalidArgument) as caught:
        sample_from_json(data)
    assert caught.value.field == field


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"unit": "count"}, "unit"),
        ({"count": 2}, "count"),
        ({}, "value"),
        ({"value": "NoSuchStage"}, "value"),
        ({"value": 1.5}, "value"),
        ({"label": "NoSuchStage"}, "label"),
        ({"value": 5, "label": "AsleepDeep"}, "label"),
    ],
)
def test_category_refusals(data: dict[str, Any], field: str) -> None:
    base = {"type": "sleepAnalysis", "start": "2024-05-01T01:00:00+00:00"}
    with pytest.raises(InvalidArgument) as caught:
        sample_from_json({**base, **data})
    assert caught.value.field == field


def test_errors_can_carry_where_the_sample_was() -> None:
    with pytest.raises(InvalidArgument) as caught:
        sample_from_json({**valid(), "unit": "furlongs"}, where="samples[3]")
    assert caught.value.field == "samples[3].unit"
    assert caught.value.message.startswith("samples[3]: ")
    with pytest.raises(InvalidArgument) as caught:
        sample_from_json([1, 2], where="samples[0]")
    assert caught.value.field == "samples[0]"


def test_defaults() -> None:
    sample = sample_from_json(valid())
    assert isinstance(sample, QuantitySample)
    assert sample.end == sample.start
    assert sample.source_revision is None
    assert sample.count == 1
    named = sample_from_json({**valid(), "source": {"bundle_id": "a.b"}})
    assert named.source == Source("a.b", "a.b")
    zoned = sample_from_json({**valid(), "time_zone": "Europe/Paris"})
    assert zoned.start.tzinfo == ZoneInfo("Europe/Paris")
    assert zoned.start == sample.start
