"""Samples, sources and devices: immutable, validated at construction, no I/O.

Every constructor checks what HealthKit checks on save and raises
:class:`~healthstore.errors.InvalidArgument` naming the field at fault. Objects read back from
storage are rebuilt without re-validation (:meth:`Sample._restore`).
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import date, datetime, timedelta
from enum import StrEnum
from functools import lru_cache
from typing import Any, ClassVar, NamedTuple, Self
from uuid import UUID

from healthstore import catalogue, limits
from healthstore import metadata as md
from healthstore.catalogue import Kind, ObjectType
from healthstore.errors import InvalidArgument
from healthstore.times import require_aware, to_micros, zone_name
from healthstore.units import Quantity

UUIDLike = UUID | str


def _text(value: object, field: str, *, required: bool = False) -> str | None:
    if value is None or value == "":
        if required:
            raise InvalidArgument(f"{field} is required", field=field)
        return None
    if not isinstance(value, str):
        raise InvalidArgument(f"{field} must be a string", field=field)
    limits.check_text(value, field)
    return value


@dataclass(frozen=True, slots=True)
class Source:
    """The app or device that wrote a sample: bundle identifier and display name."""

    bundle_id: str
    name: str

    def __post_init__(self) -> None:
        _text(self.bundle_id, "source.bundle_id", required=True)
        _text(self.name, "source.name", required=True)


@dataclass(frozen=True, slots=True)
class SourceRevision:
    """A source at one version, on one product and operating system."""

    source: Source
    version: str | None = None
    product_type: str | None = None
    os_version: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.source, Source):
            raise InvalidArgument("source_revision.source must be a Source", field="source")
        _text(self.version, "source.version")
        _text(self.product_type, "source.product_type")
        _text(self.os_version, "source.os_version")


@dataclass(frozen=True, slots=True)
class Device:
    """The hardware that measured a sample. Every field is optional."""

    name: str | None = None
    manufacturer: str | None = None
    model: str | None = None
    hardware_version: str | None = None
    firmware_version: str | None = None
    software_version: str | None = None
    local_identifier: str | None = None
    udi_device_identifier: str | None = None

    def __post_init__(self) -> None:
        for key in self.__slots__:
            _text(getattr(self, key), f"device.{key}")


@lru_cache(maxsize=1024)
def _plain_revision(source: Source) -> SourceRevision:
    return SourceRevision(source)


def _revision(source: Source | SourceRevision | None) -> SourceRevision | None:
    if source is None or isinstance(source, SourceRevision):
        return source
    if isinstance(source, Source):
        return _plain_revision(source)
    raise InvalidArgument("source must be a Source or SourceRevision", field="source")


def new_uuid() -> UUID:
    """A fresh time-ordered UUID (version 7, RFC 9562): unique like a random UUID, and
    kind to indexes because consecutive samples get neighbouring keys."""
    millis = time.time_ns() // 1_000_000
    rand = int.from_bytes(os.urandom(10), "big")
    value = (millis & 0xFFFFFFFFFFFF) << 80
    value |= 0x7 << 76 | (rand >> 62 & 0xFFF) << 64
    value |= 0b10 << 62 | rand & 0x3FFFFFFFFFFFFFFF
    return UUID(int=value)


def stable_uuid(start: datetime, content: str) -> UUID:
    """The same UUID every time for the same content (version 8, RFC 9562): the start's
    milliseconds first, like :func:`new_uuid`, so imports stay kind to indexes, then 74 bits
    of a SHA-256 of ``content``. Importing a file twice gives the same uuids, so the second
    import adds nothing."""
    return UUID(bytes=stable_uuid_bytes(to_micros(start), content))


def stable_uuid_bytes(start_us: int, content: str) -> bytes:
    """The 16 bytes of :func:`stable_uuid` for a start given in UTC microseconds."""
    digest = int.from_bytes(_sha256(content.encode("utf-8")).digest()[:10], "big")
    value = ((start_us // 1000) & 0xFFFFFFFFFFFF) << 80
    value |= 0x8 << 76 | (digest >> 62 & 0xFFF) << 64
    value |= 0b10 << 62 | digest & 0x3FFFFFFFFFFFFFFF
    return value.to_bytes(16, "big")


_sha256 = hashlib.sha256


def _uuid(value: UUIDLike | None) -> UUID:
    if value is None:
        return new_uuid()
    if isinstance(value, UUID):
        return value
    try:
        return UUID(str(value))
    except ValueError:
        raise InvalidArgument(f"uuid {value!r} is not a UUID", field="uuid") from None


def _span(start: datetime, end: datetime) -> timedelta:
    """Real elapsed time (Python subtracts datetimes of one zone by wall clock, which is
    wrong across a DST change)."""
    return timedelta(microseconds=to_micros(end) - to_micros(start))


def _type_of(name: str | ObjectType, *kinds: Kind) -> ObjectType:
    t = catalogue.object_type(name)
    if t.kind not in kinds:
        wanted = " or ".join(k.value for k in kinds)
        raise InvalidArgument(f"type {t.short_name} is a {t.kind} type, not {wanted}", field="type")
    return t


class Sample:
    """What every sample has: type, start, end, uuid, source revision, device, metadata."""

    __slots__ = ("device", "end", "metadata", "source_revision", "start", "type", "uuid")
    kind: ClassVar[Kind]
    type: ObjectType
    start: datetime
    end: datetime
    uuid: UUID
    source_revision: SourceRevision | None
    device: Device | None
    metadata: Mapping[str, Any]

    def _init_common(
        self,
        type_: ObjectType,
        start: datetime,
        end: datetime,
        source: Source | SourceRevision | None,
        device: Device | None,
        metadata: Mapping[str, Any] | None,
        uuid: UUIDLike | None,
    ) -> None:
        start = require_aware(start, "start")
        end = require_aware(end, "end")
        start_us, end_us = to_micros(start), to_micros(end)
        if start_us > end_us:
            raise InvalidArgument(
                f"start ({start.isoformat()}) is after end ({end.isoformat()})", field="start"
            )
        if type_.min_duration is not None or type_.max_duration is not None:
            duration = timedelta(microseconds=end_us - start_us)
            if type_.min_duration is not None and duration < type_.min_duration:
                raise InvalidArgument(
                    f"{type_.short_name} samples last at least {type_.min_duration}", field="end"
                )
            if type_.max_duration is not None and duration > type_.max_duration:
                limit = "start equal to end" if not type_.max_duration else type_.max_duration
                raise InvalidArgument(
                    f"{type_.short_name} samples must have {limit} (got {duration})", field="end"
                )
        if device is not None and not isinstance(device, Device):
            raise InvalidArgument("device must be a Device", field="device")
        meta = md.normalize(metadata)
        for key in type_.required_metadata:
            if key not in meta:
                raise InvalidArgument(
                    f"{type_.short_name} samples require metadata {key!r}", field="metadata"
                )
        set_ = object.__setattr__
        set_(self, "type", type_)
        set_(self, "start", start)
        set_(self, "end", end)
        set_(self, "uuid", _uuid(uuid))
        set_(self, "source_revision", _revision(source))
        set_(self, "device", device)
        set_(self, "metadata", meta)

    @classmethod
    def _restore(cls, **fields: Any) -> Self:
        """Rebuild a stored object without validation (its fields were checked on save)."""
        obj = object.__new__(cls)
        for key, value in fields.items():
            object.__setattr__(obj, key, value)
        return obj

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable")

    @property
    def source(self) -> Source | None:
        """The source (app or device) that wrote the sample."""
        return self.source_revision.source if self.source_revision else None

    @property
    def duration(self) -> timedelta:
        return _span(self.start, self.end)

    @property
    def sync_identifier(self) -> str | None:
        value = self.metadata.get(md.SYNC_IDENTIFIER)
        return None if value is None else str(value)

    @property
    def sync_version(self) -> int | float | None:
        value = self.metadata.get(md.SYNC_VERSION)
        return value if isinstance(value, int | float) else None

    def _content(self) -> tuple[Any, ...]:
        return (
            self.type.identifier,
            to_micros(self.start),
            to_micros(self.end),
            zone_name(self.start),
            self.source_revision,
            self.device,
            dict(self.metadata),
        )

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        assert isinstance(other, Sample)
        return self.uuid == other.uuid and self._content() == other._content()

    def __hash__(self) -> int:
        return hash(self.uuid)

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}({self.type.short_name}, {self._value_repr()}"
            f"{self.start.isoformat()} – {self.end.isoformat()}, uuid={self.uuid})"
        )

    def _value_repr(self) -> str:
        return ""


class QuantitySample(Sample):
    """A measured amount: steps, heart rate, body mass…"""

    __slots__ = ("count", "quantity")
    kind = Kind.quantity
    quantity: Quantity
    count: int

    def __init__(
        self,
        type: str | ObjectType,
        quantity: Quantity,
        start: datetime,
        end: datetime | None = None,
        *,
        source: Source | SourceRevision | None = None,
        device: Device | None = None,
        metadata: Mapping[str, Any] | None = None,
        uuid: UUIDLike | None = None,
        count: int = 1,
    ) -> None:
        t = _type_of(type, Kind.quantity)
        if not isinstance(quantity, Quantity):
            raise InvalidArgument("quantity must be a Quantity", field="quantity")
        assert t.canonical_unit is not None
        if not quantity.unit.is_compatible(t.canonical_unit):
            raise InvalidArgument(
                f"unit {quantity.unit.text!r} does not fit {t.short_name} "
                f"(expects a unit compatible with {t.canonical_unit!r})",
                field="quantity",
            )
        limits.check_quantity(t, quantity, "quantity")
        if isinstance(count, bool) or not isinstance(count, int) or count < 1:
            raise InvalidArgument("count must be an integer >= 1", field="count")
        self._init_common(t, start, start if end is None else end, source, device, metadata, uuid)
        object.__setattr__(self, "quantity", quantity)
        object.__setattr__(self, "count", count)

    def _content(self) -> tuple[Any, ...]:
        return (*super()._content(), self.quantity, self.count)

    def _value_repr(self) -> str:
        return f"{self.quantity}, "


class CategorySample(Sample):
    """A value from a type's enumeration: a sleep stage, a symptom's severity…"""

    __slots__ = ("value",)
    kind = Kind.category
    value: int

    def __init__(
        self,
        type: str | ObjectType,
        value: int | str,
        start: datetime,
        end: datetime | None = None,
        *,
        source: Source | SourceRevision | None = None,
        device: Device | None = None,
        metadata: Mapping[str, Any] | None = None,
        uuid: UUIDLike | None = None,
    ) -> None:
        t = _type_of(type, Kind.category)
        assert t.value_enum is not None
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise InvalidArgument("value must be an int or a member name", field="value")
        raw = t.value_enum.parse(value)
        self._init_common(t, start, start if end is None else end, source, device, metadata, uuid)
        object.__setattr__(self, "value", raw)

    @property
    def label(self) -> str:
        """The enum member's name, e.g. ``AsleepREM``."""
        assert self.type.value_enum is not None
        return self.type.value_enum.label(self.value)

    def _content(self) -> tuple[Any, ...]:
        return (*super()._content(), self.value)

    def _value_repr(self) -> str:
        return f"{self.label}, "


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
        return cls(raw, start, end, meta, _uuid(uuid), inner, stats)

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
        return cls(_type_of(type, Kind.quantity), sum, average, minimum, maximum)

    def __post_init__(self) -> None:
        t = _type_of(self.type, Kind.quantity)
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


_CORRELATION_MEMBERS = {
    "HKCorrelationTypeIdentifierBloodPressure": frozenset(
        {
            "HKQuantityTypeIdentifierBloodPressureSystolic",
            "HKQuantityTypeIdentifierBloodPressureDiastolic",
        }
    ),
}


class Correlation(Sample):
    """Samples that belong together: a blood-pressure reading, a meal."""

    __slots__ = ("objects",)
    kind = Kind.correlation
    objects: tuple[Sample, ...]

    def __init__(
        self,
        type: str | ObjectType,
        start: datetime,
        end: datetime,
        objects: Sequence[Sample],
        *,
        source: Source | SourceRevision | None = None,
        device: Device | None = None,
        metadata: Mapping[str, Any] | None = None,
        uuid: UUIDLike | None = None,
    ) -> None:
        t = _type_of(type, Kind.correlation)
        members = tuple(objects)
        if not members:
            raise InvalidArgument(f"a {t.short_name} correlation needs members", field="objects")
        for i, member in enumerate(members):
            if not isinstance(member, QuantitySample | CategorySample):
                raise InvalidArgument(
                    f"objects[{i}] must be a quantity or category sample", field="objects"
                )
            if not _fits_correlation(t, member.type):
                raise InvalidArgument(
                    f"objects[{i}] ({member.type.short_name}) cannot belong to a "
                    f"{t.short_name} correlation",
                    field=f"objects[{i}]",
                )
        self._init_common(t, start, end, source, device, metadata, uuid)
        object.__setattr__(self, "objects", members)

    def _content(self) -> tuple[Any, ...]:
        return (*super()._content(), tuple(sorted(str(m.uuid) for m in self.objects)))

    def _value_repr(self) -> str:
        return f"{len(self.objects)} objects, "


def _fits_correlation(correlation: ObjectType, member: ObjectType) -> bool:
    allowed = _CORRELATION_MEMBERS.get(correlation.identifier)
    if allowed is not None:
        return member.identifier in allowed
    return member.short_name.startswith("dietary")


@dataclass(frozen=True, slots=True)
class DeletedObject:
    """What remains of a deleted sample in the change feed: its uuid, type and sync
    identity."""

    uuid: UUID
    type: ObjectType
    metadata: Mapping[str, Any]


class SaveStatus(StrEnum):
    """What a save did with one object."""

    created = "created"
    duplicate = "duplicate"
    replaced = "replaced"
    ignored_older_version = "ignored_older_version"
    queued = "queued"  # accepted while the store is locked; merged at unlock


class SaveResult(NamedTuple):
    """The outcome of saving one object."""

    uuid: UUID
    status: SaveStatus


@dataclass(frozen=True, slots=True)
class Changes:
    """An anchored query's answer: samples added and objects deleted after an anchor."""

    added: list[Sample]
    deleted: list[DeletedObject]
    anchor: int


@dataclass(frozen=True, slots=True)
class ActivitySummary:
    """One day's activity rings: move (active energy, or move time), exercise and stand,
    each with its goal. Not a sample: it belongs to a calendar day."""

    day: date
    active_energy_burned: Quantity | None = None
    active_energy_burned_goal: Quantity | None = None
    move_time: Quantity | None = None
    move_time_goal: Quantity | None = None
    exercise_time: Quantity | None = None
    exercise_time_goal: Quantity | None = None
    stand_hours: Quantity | None = None
    stand_hours_goal: Quantity | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.day, date) or isinstance(self.day, datetime):
            raise InvalidArgument("an activity summary's day must be a date", field="day")
        units = {
            "active_energy_burned": "kcal",
            "move_time": "min",
            "exercise_time": "min",
            "stand_hours": "count",
        }
        for name, unit in units.items():
            for field in (name, f"{name}_goal"):
                q = getattr(self, field)
                if q is not None and not (isinstance(q, Quantity) and q.is_compatible(unit)):
                    raise InvalidArgument(
                        f"{field} must be a Quantity compatible with {unit!r}", field=field
                    )
                if q is not None and q.value < 0:
                    raise InvalidArgument(f"{field} cannot be negative", field=field)

    QUANTITIES: ClassVar[tuple[str, ...]] = (
        "active_energy_burned",
        "active_energy_burned_goal",
        "move_time",
        "move_time_goal",
        "exercise_time",
        "exercise_time_goal",
        "stand_hours",
        "stand_hours_goal",
    )
