"""A workout activity's own events and statistics (HealthKit's ``workoutEvents`` and
``allStatistics`` of ``HKWorkoutActivity``, written by iOS 16 and later): kept by the model,
the store, the JSON form, the data frames and the Apple export, both ways."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, cast

import pytest
from hypothesis import HealthCheck, given, settings
from lxml import etree

from healthstore import (
    HealthStore,
    Quantity,
    Workout,
    WorkoutActivity,
    WorkoutEvent,
    WorkoutStatistics,
    frames,
)
from healthstore.errors import InvalidArgument
from healthstore.interop.apple import elements, emit
from healthstore.query import predicates as p
from healthstore.storage.codec import _workout_fields
from healthstore.times import to_micros
from healthstore.wire.reading import sample_from_json
from healthstore.wire.samples import sample_to_json
from tests.conftest import PARIS
from tests.interop.test_apple_export_gaps import import_xml, round_trip
from tests.workout_strategies import WATCH, activities_key, workout_key, workouts

START = datetime(2025, 12, 20, 12, 51, tzinfo=PARIS)


def a_triathlon() -> Workout:
    """A swim then a ride, each with its own lap and statistics."""
    swim_end, end = START + timedelta(minutes=20), START + timedelta(hours=1)
    swim = WorkoutActivity.create(
        "swimming",
        START,
        swim_end,
        {"HKSwimmingLocationType": 1},
        events=[WorkoutEvent.create("lap", START + timedelta(minutes=5))],
        statistics=[WorkoutStatistics.create("swimmingStrokeCount", sum=Quantity(420, "count"))],
    )
    ride = WorkoutActivity.create(
        "cycling",
        swim_end,
        end,
        events=[
            WorkoutEvent.create("segment", swim_end, swim_end + timedelta(minutes=10)),
            WorkoutEvent.create("pause", end - timedelta(minutes=1)),
        ],
        statistics=[
            WorkoutStatistics.create(
                "heartRate",
                average=Quantity(141.5, "count/min"),
                minimum=Quantity(98, "count/min"),
                maximum=Quantity(171, "count/min"),
            ),
            WorkoutStatistics.create("distanceCycling", sum=Quantity(18.25, "km")),
        ],
    )
    return Workout(
        "swimBikeRun",
        START,
        end,
        activities=[swim, ride],
        statistics=[WorkoutStatistics.create("activeEnergyBurned", sum=Quantity(600, "kcal"))],
        source=WATCH,
    )


# -- the model ------------------------------------------------------------------------------


def test_an_activitys_events_must_lie_within_the_activity() -> None:
    end = START + timedelta(minutes=20)
    late = WorkoutEvent.create("lap", end + timedelta(seconds=1))
    with pytest.raises(InvalidArgument) as info:
        WorkoutActivity.create("running", START, end, events=[late])
    assert info.value.field == "activity.events[0]"
    assert "outside the activity's time" in info.value.message
    early = WorkoutEvent.create("segment", START - timedelta(seconds=1), end)
    with pytest.raises(InvalidArgument):
        WorkoutActivity.create("running", START, end, events=[early])
    edges = [WorkoutEvent.create("segment", START, end)]
    assert WorkoutActivity.create("running", START, end, events=edges).events == tuple(edges)


def test_an_activity_takes_only_events_and_statistics() -> None:
    end = START + timedelta(minutes=20)
    with pytest.raises(InvalidArgument) as info:
        WorkoutActivity.create("running", START, end, events=["lap"])  # type: ignore[list-item]
    assert info.value.field == "activity.events"
    with pytest.raises(InvalidArgument) as info:
        WorkoutActivity.create("running", START, end, statistics=[1])  # type: ignore[list-item]
    assert info.value.field == "activity.statistics"


def test_activities_with_other_events_or_statistics_are_other_workouts() -> None:
    workout = a_triathlon()
    swim, ride = workout.activities
    fewer = WorkoutActivity.create(
        ride.activity_type, ride.start, ride.end, ride.metadata, ride.uuid, events=ride.events
    )
    assert fewer != ride
    other = Workout("swimBikeRun", workout.start, workout.end, activities=[swim, fewer])
    assert other != Workout("swimBikeRun", workout.start, workout.end, activities=[swim, ride])


# -- the store and the JSON form --------------------------------------------------------------


@pytest.fixture(scope="module")
def shared_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HealthStore]:
    with HealthStore.create(tmp_path_factory.mktemp("activities") / "store") as store:
        yield store


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(workout=workouts())
def test_the_store_gives_back_activities_with_their_events_and_statistics(
    shared_store: HealthStore, workout: Workout
) -> None:
    shared_store.save(workout)
    (back,) = shared_store.samples("workout", p.uuids(workout.uuid))
    assert isinstance(back, Workout)
    assert workout_key(back) == workout_key(workout)
    assert back == workout


def test_a_workout_stored_before_activities_kept_events_reads_back() -> None:
    """The detail JSON of an older store: activities without events or statistics."""
    detail = {
        "totals": {},
        "events": [],
        "activities": [
            {
                "uuid": "936b9e1d-52b9-41ca-bca9-9654d43f004e",
                "activity_type": 37,
                "start_us": to_micros(START),
                "end_us": to_micros(START + timedelta(minutes=30)),
                "metadata": "{}",
            }
        ],
        "statistics": {},
    }
    (activity,) = _workout_fields(json.dumps(detail), PARIS)["activities"]
    assert activity.activity_name == "running"
    assert activity.events == ()
    assert dict(activity.statistics) == {}


@settings(max_examples=200)
@given(workout=workouts())
def test_activities_round_trip_through_json(workout: Workout) -> None:
    data = json.loads(json.dumps(sample_to_json(workout)))
    back = sample_from_json(data)
    assert back == workout
    assert sample_to_json(back) == sample_to_json(workout)


def test_the_json_of_an_activity_is_shaped_like_the_workouts() -> None:
    data = sample_to_json(a_triathlon())
    swim, ride = data["activities"]
    assert swim["events"] == [
        {
            "type": "Lap",
            "start": "2025-12-20T12:56:00+01:00",
            "end": "2025-12-20T12:56:00+01:00",
            "metadata": {},
        }
    ]
    assert swim["statistics"] == {"swimmingStrokeCount": {"sum": {"value": 420.0, "unit": "count"}}}
    assert set(ride["statistics"]["heartRate"]) == {"average", "minimum", "maximum"}
    assert set(swim) == {
        "uuid",
        "activity_type",
        "start",
        "end",
        "metadata",
        "events",
        "statistics",
    }
    del swim["events"], swim["statistics"]  # an older client: none
    assert sample_from_json(data).activities[0].events == ()  # type: ignore[attr-defined]


def test_a_bad_activity_event_is_named_by_its_path() -> None:
    data = sample_to_json(a_triathlon())
    data["activities"][1]["events"][1].update(
        start="2025-12-20T15:00:00+01:00", end="2025-12-20T15:00:00+01:00"
    )
    with pytest.raises(InvalidArgument) as info:
        sample_from_json(data)
    assert info.value.field == "activities[1].events[1]"
    data = sample_to_json(a_triathlon())
    data["activities"][0]["statistics"]["swimmingStrokeCount"]["sum"]["unit"] = "km"
    with pytest.raises(InvalidArgument) as info:
        sample_from_json(data)
    assert info.value.field is not None
    assert info.value.field.startswith("activities[0].statistics.swimmingStrokeCount")


# -- data frames ------------------------------------------------------------------------------


def test_frames_list_the_events_of_workouts_and_of_their_activities() -> None:
    workout = a_triathlon()
    rows = frames.workout_events_to_arrow([workout]).to_pylist()
    swim, ride = workout.activities
    assert [(r["activity_uuid"], r["activity_type"], r["type"]) for r in rows] == [
        (str(swim.uuid), "swimming", "Lap"),
        (str(ride.uuid), "cycling", "Segment"),
        (str(ride.uuid), "cycling", "Pause"),
    ]
    assert {r["workout_uuid"] for r in rows} == {str(workout.uuid)}
    assert rows[1]["start"] == ride.start and rows[1]["end"] == ride.start + timedelta(minutes=10)
    frame = frames.workout_events_to_polars([workout])
    assert frame.columns == frames.WORKOUT_EVENT_COLUMNS


def test_frames_list_the_statistics_of_workouts_and_of_their_activities() -> None:
    workout = a_triathlon()
    rows = frames.workout_statistics_to_arrow([workout]).to_pylist()
    swim, ride = workout.activities
    by_key = {(r["activity_uuid"], r["type"]): r for r in rows}
    assert set(by_key) == {
        (None, "activeEnergyBurned"),
        (str(swim.uuid), "swimmingStrokeCount"),
        (str(ride.uuid), "heartRate"),
        (str(ride.uuid), "distanceCycling"),
    }
    heart = by_key[(str(ride.uuid), "heartRate")]
    assert heart["unit"] == "count/min"  # the display unit, like every frame
    assert heart["average"] == pytest.approx(141.5)
    assert heart["sum"] is None
    assert by_key[(str(ride.uuid), "distanceCycling")]["sum"] == pytest.approx(18.25)
    assert by_key[(None, "activeEnergyBurned")]["activity_type"] == "swimBikeRun"
    frame = frames.workout_statistics_to_pandas([workout])
    assert list(frame.columns) == frames.WORKOUT_STATISTICS_COLUMNS
    assert frames.workout_statistics_to_arrow([]).num_rows == 0


# -- the Apple export -------------------------------------------------------------------------


def _through_apple(workout: Workout) -> Workout:
    """``workout`` written as an export's ``Workout`` element and read back."""
    element = etree.fromstring(emit.workout(workout).encode())
    converted = elements.workout(cast(Any, element), elements.Context(read_file=lambda _: None))
    assert converted.notes == []
    (back,) = converted.samples
    assert isinstance(back, Workout)
    return back


@settings(max_examples=200)
@given(workout=workouts(seconds=True))
def test_the_apple_export_keeps_activity_events_and_statistics(workout: Workout) -> None:
    back = _through_apple(workout)
    assert workout_key(back) == workout_key(workout)
    assert activities_key(back) == activities_key(workout)


def test_activity_children_are_laid_out_as_apple_writes_them() -> None:
    element = etree.fromstring(emit.workout(a_triathlon()).encode())
    swim, ride = element.findall("WorkoutActivity")
    assert [child.tag for child in swim] == ["WorkoutEvent", "WorkoutStatistics", "MetadataEntry"]
    assert [child.tag for child in ride] == ["WorkoutEvent"] * 2 + ["WorkoutStatistics"] * 2
    strokes = swim.find("WorkoutStatistics")
    assert strokes is not None
    assert {str(k): str(v) for k, v in strokes.attrib.items()} == {
        "type": "HKQuantityTypeIdentifierSwimmingStrokeCount",
        "startDate": "2025-12-20 12:51:00 +0100",
        "endDate": "2025-12-20 13:11:00 +0100",
        "sum": "420",
        "unit": "count",
    }


IOS17 = """ <Workout workoutActivityType="HKWorkoutActivityTypeRunning" duration="119.27"
   durationUnit="min" sourceName="Apple Watch" sourceVersion="26.2"
   startDate="2025-12-20 12:51:00 +0100" endDate="2025-12-20 14:50:16 +0100">
  <MetadataEntry key="HKIndoorWorkout" value="0"/>
  <WorkoutEvent type="HKWorkoutEventTypeSegment" date="2025-12-20 12:51:00 +0100"
   duration="8.048923822244008" durationUnit="min"/>
  <WorkoutActivity uuid="936B9E1D-52B9-41CA-BCA9-9654D43F004E"
   startDate="2025-12-20 12:51:00 +0100" endDate="2025-12-20 14:50:16 +0100"
   duration="119.2710362156232" durationUnit="min">
   <WorkoutEvent type="HKWorkoutEventTypeSegment" date="2025-12-20 12:51:00 +0100"
    duration="8.048923822244008" durationUnit="min"/>
   <WorkoutEvent type="HKWorkoutEventTypeLap" date="2025-12-20 16:00:00 +0100"/>
   <WorkoutEvent type="HKWorkoutEventTypeNoSuchThing" date="2025-12-20 13:00:00 +0100"/>
   <WorkoutStatistics type="HKQuantityTypeIdentifierStepCount"
    startDate="2025-12-20 12:51:00 +0100" endDate="2025-12-20 14:50:16 +0100"
    sum="17599" unit="count"/>
   <WorkoutStatistics type="HKQuantityTypeIdentifierHeartRate"
    startDate="2025-12-20 12:51:00 +0100" endDate="2025-12-20 14:50:16 +0100"
    average="150" unit="km"/>
   <MetadataEntry key="WOIntervalStepKeyPath" value="0.0.0"/>
  </WorkoutActivity>
  <WorkoutStatistics type="HKQuantityTypeIdentifierStepCount"
   startDate="2025-12-20 12:51:00 +0100" endDate="2025-12-20 14:50:16 +0100"
   sum="17599" unit="count"/>
 </Workout>"""


def test_an_ios17_workout_activity_keeps_its_children(tmp_path: Path) -> None:
    store = import_xml(tmp_path, IOS17)
    (workout,) = store.samples("workout")
    assert isinstance(workout, Workout)
    (activity,) = workout.activities
    (segment,) = activity.events
    assert segment.name == "Segment"
    assert to_micros(segment.end) - to_micros(segment.start) == pytest.approx(482_935_429, abs=1)
    steps = activity.statistics["HKQuantityTypeIdentifierStepCount"].sum
    assert steps is not None and steps.value_in("count") == 17599
    assert activity.metadata == {"WOIntervalStepKeyPath": "0.0.0"}
    assert len(workout.events) == 1


def test_bad_activity_children_cost_only_themselves_and_are_reported(tmp_path: Path) -> None:
    element = etree.fromstring(IOS17.strip().encode())
    converted = elements.workout(cast(Any, element), elements.Context(read_file=lambda _: None))
    (workout,) = converted.samples
    assert isinstance(workout, Workout)
    assert len(workout.activities[0].events) == 1
    assert list(workout.activities[0].statistics) == ["HKQuantityTypeIdentifierStepCount"]
    notes: list[Any] = converted.notes
    assert len(notes) == 3, notes
    assert notes[0].startswith("workout activity event at line 12 left out: it lies outside")
    assert notes[1].startswith("workout activity event at line 13 left out")
    assert notes[2].startswith("workout activity statistics at line ")  # lxml: its last line
    assert "heartRate.average must be a Quantity" in notes[2]


def test_a_store_with_activity_children_survives_export_and_import(tmp_path: Path) -> None:
    workout = a_triathlon()
    copy = round_trip(tmp_path, workout)
    (back,) = copy.samples("workout")
    assert isinstance(back, Workout)
    assert workout_key(back) == workout_key(workout)
