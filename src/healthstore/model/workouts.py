"""Workouts: the sample, and its events, activities and statistics."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import datetime
from typing import Any
from uuid import UUID

from healthstore import catalogue, limits
from healthstore import metadata as md
from healthstore.catalogue import Kind, ObjectType
from healthstore.errors import InvalidArgument
from healthstore.model.identity import UUIDLike, as_uuid
from healthstore.model.sample import Sample, type_of_kind
from healthstore.model.sources import Device, Source, SourceRevision
from healthstore.times import require_aware, to_micros
from healthstore.units import Quantity

_WORKOUT_EVENT_TYPES = "HKWorkoutEventType"


@dataclass(frozen=True, slots=True)
class WorkoutEvent:
    """A moment or span in a workout: pause, resume, lap, marker, segment…"""

    type: int
    start: datetime
    end: datetime
    metadata: Mapping[str, Any]

    @classmethod
    def create(
        cls,
        type: int | str,
        start: datetime,
        end: datetime | None = None,
        metadata: Mapping[str, Any] | None = None,
    ) -> WorkoutEvent:
        enum = catalogue.value_enum(_WORKOUT_EVENT_TYPES)
        raw = enum.parse(type.removeprefix("HKWorkoutEventType") if isinstance(type, str) else type)
        start = require_aware(start, "event.start")
        end = start if end is None else require_aware(end, "event.end")
        if to_micros(end) < to_micros(start):
            raise InvalidArgument("workout event ends before it starts", field="event.end")
        return cls(raw, start, end, md.normalize(metadata, "event.metadata"))

    @property
    def name(self) -> str:
        return catalogue.value_enum(_WORKOUT_EVENT_TYPES).label(self.type)


@dataclass(frozen=True, slots=True)
class WorkoutActivity:
    """One activity of a multi-sport workout (a swim, then a ride, then a run), with its own
    events and statistics (HealthKit's ``workoutEvents`` and ``allStatistics``)."""

    activity_type: int
    start: datetime
    end: datetime
    metadata: Mapping[str, Any]
    uuid: UUID
    events: tuple[WorkoutEvent, ...] = ()
    statistics: Mapping[str, WorkoutStatistics] = dataclass_field(default_factory=dict)

    @classmethod
    def create(
        cls,
        activity_type: int | str,
        start: datetime,
        end: datetime,
        metadata: Mapping[str, Any] | None = None,
        uuid: UUIDLike | None = None,
        *,
        events: Iterable[WorkoutEvent] = (),
        statistics: Iterable[WorkoutStatistics] = (),
    ) -> WorkoutActivity:
        raw = catalogue.workout_activity_type(activity_type)
        start = require_aware(start, "activity.start")
        end = require_aware(end, "activity.end")
        if to_micros(end) < to_micros(start):
            raise InvalidArgument("workout activity ends before it starts", field="activity.end")
        meta = md.normalize(metadata, "activity.metadata")
        inner = _events_within(events, start, end, "activity", "activity.")
        stats = _statistics_by_type(statistics, "activity.")
        return cls(raw, start, end, meta, as_uuid(uuid), inner, stats)

    @property
    def activity_name(self) -> str:
        return catalogue.workout_activity_name(self.activity_type)


@dataclass(frozen=True, slots=True)
class WorkoutStatistics:
    """Totals of one quantity type over a workout (``sum`` or average/minimum/maximum)."""

    type: ObjectType
    sum: Quantity | None = None
    average: Quantity | None = None
    minimum: Quantity | None = None
    maximum: Quantity | None = None

    @classmethod
    def create(
        cls,
        type: str | ObjectType,
        *,
        sum: Quantity | None = None,
        average: Quantity | None = None,
        minimum: Quantity | None = None,
        maximum: Quantity | None = None,
    ) -> WorkoutStatistics:
        return cls(type_of_kind(type, Kind.quantity), sum, average, minimum, maximum)

    def __post_init__(self) -> None:
        t = type_of_kind(self.type, Kind.quantity)
        assert t.canonical_unit is not None
        for name in ("sum", "average", "minimum", "maximum"):
            q = getattr(self, name)
            if q is not None and not (
                isinstance(q, Quantity) and q.unit.is_compatible(t.canonical_unit)
            ):
                raise InvalidArgument(
                    f"workout statistics {t.short_name}.{name} must be a Quantity in a unit "
                    f"compatible with {t.canonical_unit!r}",
                    field=f"statistics.{name}",
                )
            if q is not None:
                limits.check_quantity(t, q, f"statistics.{name}")


def _events_within(
    events: Iterable[WorkoutEvent], start: datetime, end: datetime, holder: str, prefix: str = ""
) -> tuple[WorkoutEvent, ...]:
    """``events`` checked to be WorkoutEvents inside ``[start, end]`` of their ``holder``."""
    out = tuple(events)
    low, high = to_micros(start), to_micros(end)
    for i, event in enumerate(out):
        if not isinstance(event, WorkoutEvent):
            raise InvalidArgument(f"events[{i}] must be a WorkoutEvent", field=f"{prefix}events")
        if to_micros(event.start) < low or to_micros(event.end) > high:
            raise InvalidArgument(
                f"events[{i}] lies outside the {holder}'s time", field=f"{prefix}events[{i}]"
            )
    return out


def _statistics_by_type(
    statistics: Iterable[WorkoutStatistics], prefix: str = ""
) -> dict[str, WorkoutStatistics]:
    """``statistics`` by quantity type identifier (a later one of a type wins)."""
    out: dict[str, WorkoutStatistics] = {}
    for s in statistics:
        if not isinstance(s, WorkoutStatistics):
            raise InvalidArgument(
                "statistics must be WorkoutStatistics", field=f"{prefix}statistics"
            )
        out[s.type.identifier] = s
    return out


_TOTALS = {
    "total_energy_burned": "activeEnergyBurned",
    "total_distance": "distanceWalkingRunning",
    "total_swimming_stroke_count": "swimmingStrokeCount",
    "total_flights_climbed": "flightsClimbed",
}


class Workout(Sample):
    """A workout with its activity type, events, activities, statistics and totals."""

    __slots__ = (
        "activities",
        "activity_type",
        "events",
        "statistics",
        "total_distance",
        "total_energy_burned",
        "total_flights_climbed",
        "total_swimming_stroke_count",
    )
    kind = Kind.workout
    activity_type: int
    events: tuple[WorkoutEvent, ...]
    activities: tuple[WorkoutActivity, ...]
    statistics: Mapping[str, WorkoutStatistics]
    total_energy_burned: Quantity | None
    total_distance: Quantity | None
    total_swimming_stroke_count: Quantity | None
    total_flights_climbed: Quantity | None

    def __init__(
        self,
        activity_type: int | str,
        start: datetime,
        end: datetime,
        *,
        events: Iterable[WorkoutEvent] = (),
        activities: Iterable[WorkoutActivity] = (),
        statistics: Iterable[WorkoutStatistics] = (),
        total_energy_burned: Quantity | None = None,
        total_distance: Quantity | None = None,
        total_swimming_stroke_count: Quantity | None = None,
        total_flights_climbed: Quantity | None = None,
        source: Source | SourceRevision | None = None,
        device: Device | None = None,
        metadata: Mapping[str, Any] | None = None,
        uuid: UUIDLike | None = None,
    ) -> None:
        t = catalogue.object_type("workout")
        self._init_common(t, start, end, source, device, metadata, uuid)
        set_ = object.__setattr__
        set_(self, "activity_type", catalogue.workout_activity_type(activity_type))
        activities = tuple(activities)
        for i, activity in enumerate(activities):
            if not isinstance(activity, WorkoutActivity):
                raise InvalidArgument(
                    f"activities[{i}] must be a WorkoutActivity", field="activities"
                )
        set_(self, "events", _events_within(events, self.start, self.end, "workout"))
        set_(self, "activities", activities)
        set_(self, "statistics", _statistics_by_type(statistics))
        totals = {
            "total_energy_burned": total_energy_burned,
            "total_distance": total_distance,
            "total_swimming_stroke_count": total_swimming_stroke_count,
            "total_flights_climbed": total_flights_climbed,
        }
        for name, q in totals.items():
            total_type = catalogue.object_type(_TOTALS[name])
            unit = total_type.canonical_unit
            assert unit is not None
            if q is not None and not (isinstance(q, Quantity) and q.unit.is_compatible(unit)):
                raise InvalidArgument(
                    f"{name} must be a Quantity compatible with {unit!r}", field=name
                )
            if q is not None:
                limits.check_quantity(total_type, q, name)
            set_(self, name, q)

    @property
    def activity_name(self) -> str:
        return catalogue.workout_activity_name(self.activity_type)

    def _content(self) -> tuple[Any, ...]:
        return (
            *super()._content(),
            self.activity_type,
            self.events,
            self.activities,
            dict(self.statistics),
            self.total_energy_burned,
            self.total_distance,
            self.total_swimming_stroke_count,
            self.total_flights_climbed,
        )

    def _value_repr(self) -> str:
        return f"{self.activity_name}, "
