"""Predicates of spec §5, composable with ``&`` (and), ``|`` (or) and ``~`` (not).

Build them with the functions at the end of this module::

    from healthstore import predicates as p
    p.time_window(start, end) & p.from_sources("com.example.watch")
    ~p.metadata("HKWasUserEntered", "==", True) | p.quantity(">", Quantity(100, "count/min"))

Predicates are plain data; ``healthstore.query.sql`` turns them into SQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal, get_args
from uuid import UUID

from healthstore import catalogue
from healthstore.errors import InvalidArgument
from healthstore.model import Device, Sample, Source, SourceRevision, Workout
from healthstore.times import require_aware, to_micros
from healthstore.units import Quantity

Comparison = Literal["==", "!=", "<", "<=", ">", ">="]
COMPARISONS: tuple[str, ...] = get_args(Comparison)
WorkoutTotalName = Literal[
    "total_energy_burned", "total_distance", "total_swimming_stroke_count", "total_flights_climbed"
]


def _comparison(op: str, field: str = "op") -> Comparison:
    if op not in COMPARISONS:
        raise InvalidArgument(
            f"unknown comparison {op!r} (use one of {', '.join(COMPARISONS)})", field=field
        )
    return op  # type: ignore[return-value]


class Predicate:
    """Base of every predicate."""

    __slots__ = ()

    def __and__(self, other: Predicate) -> Predicate:
        return And((self, other))

    def __or__(self, other: Predicate) -> Predicate:
        return Or((self, other))

    def __invert__(self) -> Predicate:
        return Not(self)


@dataclass(frozen=True, slots=True)
class And(Predicate):
    parts: tuple[Predicate, ...]


@dataclass(frozen=True, slots=True)
class Or(Predicate):
    parts: tuple[Predicate, ...]


@dataclass(frozen=True, slots=True)
class Not(Predicate):
    part: Predicate


@dataclass(frozen=True, slots=True)
class TimeWindow(Predicate):
    """By default a sample matches when it overlaps [start, end) (a zero-duration sample
    when its instant lies inside); ``strict_start``: its start lies in [start, end);
    ``strict_end``: its end lies in [start, end). Either bound may be None."""

    start: datetime | None
    end: datetime | None
    strict_start: bool = False
    strict_end: bool = False


@dataclass(frozen=True, slots=True)
class FromSources(Predicate):
    bundle_ids: frozenset[str]


@dataclass(frozen=True, slots=True)
class FromSourceRevisions(Predicate):
    revisions: frozenset[SourceRevision]


@dataclass(frozen=True, slots=True)
class FromDevices(Predicate):
    devices: frozenset[Device]


@dataclass(frozen=True, slots=True)
class DeviceProperty(Predicate):
    """Samples whose device has ``property`` (a :class:`Device` field) among ``values``."""

    property: str
    values: frozenset[str]


@dataclass(frozen=True, slots=True)
class MetadataMatch(Predicate):
    """A metadata key exists (``op`` None) or compares with ``value``."""

    key: str
    op: Comparison | None = None
    value: str | int | float | bool | None = None


@dataclass(frozen=True, slots=True)
class UUIDs(Predicate):
    uuids: frozenset[UUID]


@dataclass(frozen=True, slots=True)
class QuantityCompare(Predicate):
    op: Comparison
    quantity: Quantity


@dataclass(frozen=True, slots=True)
class CategoryValue(Predicate):
    op: Comparison
    value: int | str


@dataclass(frozen=True, slots=True)
class WorkoutActivityTypeIs(Predicate):
    activity_type: int


@dataclass(frozen=True, slots=True)
class WorkoutDuration(Predicate):
    op: Comparison
    duration: timedelta


@dataclass(frozen=True, slots=True)
class WorkoutTotal(Predicate):
    total: WorkoutTotalName
    op: Comparison
    quantity: Quantity


@dataclass(frozen=True, slots=True)
class InWorkout(Predicate):
    """Samples associated with the workout ``workout`` (of the source with bundle id
    ``source`` when given: a uuid identifies a sample within its source)."""

    workout: UUID
    source: str | None = None


@dataclass(frozen=True, slots=True)
class FhirResourceType(Predicate):
    """Clinical records whose FHIR resource is of one of ``resource_types``."""

    resource_types: frozenset[str]


# --- builders ---------------------------------------------------------------------------


def time_window(
    start: datetime | None = None,
    end: datetime | None = None,
    *,
    strict_start: bool = False,
    strict_end: bool = False,
) -> TimeWindow:
    """Samples in a time window (see :class:`TimeWindow`)."""
    if start is not None:
        require_aware(start, "start")
    if end is not None:
        require_aware(end, "end")
    if start is not None and end is not None and to_micros(end) < to_micros(start):
        raise InvalidArgument("the window's end is before its start", field="end")
    return TimeWindow(start, end, strict_start, strict_end)


def from_sources(*sources: str | Source) -> FromSources:
    """Samples written by any of these sources (bundle ids or :class:`Source`)."""
    return FromSources(frozenset(s.bundle_id if isinstance(s, Source) else s for s in sources))


def from_source_revisions(*revisions: SourceRevision) -> FromSourceRevisions:
    return FromSourceRevisions(frozenset(revisions))


def from_devices(*devices: Device) -> FromDevices:
    return FromDevices(frozenset(devices))


def device_property(prop: str, *values: str) -> DeviceProperty:
    """Samples whose device's ``prop`` (name, manufacturer, model, …) is one of ``values``."""
    if prop not in Device.__slots__:
        raise InvalidArgument(
            f"unknown device property {prop!r} (use one of {', '.join(Device.__slots__)})",
            field="property",
        )
    return DeviceProperty(prop, frozenset(values))


def metadata(
    key: str, op: str | None = None, value: str | int | float | bool | None = None
) -> MetadataMatch:
    """Samples with metadata ``key`` (``op`` None), or whose value compares with ``value``."""
    if op is None:
        return MetadataMatch(key)
    if value is None:
        raise InvalidArgument("a metadata comparison needs a value", field="value")
    if not isinstance(value, str | int | float | bool):
        raise InvalidArgument(
            "metadata comparisons take str, int, float or bool values", field="value"
        )
    return MetadataMatch(key, _comparison(op), value)


def uuids(*values: UUID | str | Sample) -> UUIDs:
    """The samples with these uuids."""
    out = set()
    for v in values:
        if isinstance(v, Sample):
            out.add(v.uuid)
        else:
            try:
                out.add(v if isinstance(v, UUID) else UUID(str(v)))
            except ValueError:
                raise InvalidArgument(f"{v!r} is not a UUID", field="uuid") from None
    return UUIDs(frozenset(out))


def quantity(op: str, value: Quantity) -> QuantityCompare:
    """Quantity samples whose value compares with ``value`` (any compatible unit)."""
    if not isinstance(value, Quantity):
        raise InvalidArgument("quantity predicates take a Quantity", field="quantity")
    return QuantityCompare(_comparison(op), value)


def category_value(op: str, value: int | str) -> CategoryValue:
    """Category samples whose raw value compares with ``value`` (int or member name)."""
    return CategoryValue(_comparison(op), value)


def workout_activity(activity_type: int | str) -> WorkoutActivityTypeIs:
    return WorkoutActivityTypeIs(catalogue.workout_activity_type(activity_type))


def workout_duration(op: str, duration: timedelta) -> WorkoutDuration:
    return WorkoutDuration(_comparison(op), duration)


def workout_total(total: str, op: str, value: Quantity) -> WorkoutTotal:
    """Workouts whose total (``total_energy_burned``, ``total_distance``, …) compares."""
    if total not in get_args(WorkoutTotalName):
        raise InvalidArgument(
            f"unknown workout total {total!r} (use one of {', '.join(get_args(WorkoutTotalName))})",
            field="total",
        )
    return WorkoutTotal(total, _comparison(op), value)  # type: ignore[arg-type]


def in_workout(workout: Workout | UUID | str, source: str | None = None) -> InWorkout:
    """The samples associated with a workout; ``source`` (a bundle id) says whose when
    several sources saved a workout with that uuid."""
    if isinstance(workout, Workout):
        return InWorkout(workout.uuid, source)
    return InWorkout(workout if isinstance(workout, UUID) else UUID(str(workout)), source)


def fhir_resource_type(*resource_types: str) -> FhirResourceType:
    """Clinical records holding a FHIR resource of one of these types (``"Observation"``,
    ``"MedicationStatement"``…)."""
    if not resource_types or not all(isinstance(t, str) and t for t in resource_types):
        raise InvalidArgument("name one or more FHIR resource types", field="resource_types")
    return FhirResourceType(frozenset(resource_types))


def all_of(*parts: Predicate) -> Predicate:
    return And(parts)


def any_of(*parts: Predicate) -> Predicate:
    return Or(parts)
