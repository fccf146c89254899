"""One element of ``export.xml`` to model objects.

Every converter takes an element (:class:`~healthstore.interop.apple.tree.Element`) and
returns what it stands for; anything it cannot accept raises :class:`Rejected` with the
reason, which the parser reports with the element's line. A bad field costs that field, not
the element: a device that is not Apple's description is kept as a name, a metadata value
that does not read is kept as text, a workout event outside its workout is left out, each
noted in :attr:`Context.repairs`. Sample uuids are derived from content
(:mod:`~healthstore.interop.apple.uuids`), so a second import of the same export finds every
sample already there.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from healthstore import catalogue
from healthstore.catalogue import Kind, ObjectType
from healthstore.errors import HealthStoreError
from healthstore.interop.apple.activity_parts import activity_children
from healthstore.interop.apple.gpx import GPXError, route_locations
from healthstore.interop.apple.me import read_me
from healthstore.interop.apple.repairs import read_device, repaired_metadata
from healthstore.interop.apple.tree import Attributed, Element, Tagged
from healthstore.interop.apple.uuids import ContentUuids
from healthstore.interop.apple.values import (
    normalize_source_name,
    normalize_unit,
    parse_beat_time,
    parse_date,
    source_bundle_id,
)
from healthstore.model import (
    ActivitySummary,
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
    stable_uuid,
)
from healthstore.opaque import OpaqueRecord
from healthstore.records import (
    Heartbeat,
    HeartbeatSeries,
    Location,
    WorkoutRoute,
)
from healthstore.times import to_micros
from healthstore.units import Quantity

ReadFile = Callable[[str], bytes | None]


ADDRESS = re.compile(r"0x[0-9a-fA-F]+")  # HKDevice memory addresses: not identity


class Rejected(Exception):
    """An element that cannot be imported; the message says why."""


@dataclass
class Converted:
    """What one element became."""

    samples: list[Sample] = field(default_factory=list)
    links: list[tuple[UUID, UUID]] = field(default_factory=list)  # (workout, sample)
    summary: ActivitySummary | None = None
    characteristics: dict[str, Any] = field(default_factory=dict)
    me_attributes: dict[str, str] = field(default_factory=dict)  # kept verbatim
    notes: list[str] = field(default_factory=list)
    opaque: OpaqueRecord | None = None  # a Record of a type the catalogue lacks


@dataclass
class Context:
    """Shared by the converters of one import: caches of sources and devices, file access,
    how uuids are derived, and the repairs made to the element being converted."""

    read_file: ReadFile
    uuids: ContentUuids = field(default_factory=ContentUuids)
    repairs: list[str] = field(default_factory=list)
    _sources: dict[tuple[str, str | None], SourceRevision] = field(default_factory=dict)
    _devices: dict[str, tuple[Device | None, str | None]] = field(default_factory=dict)

    def take_repairs(self) -> list[str]:
        """The repairs noted since the last call (those of one element), handed over once."""
        out, self.repairs = self.repairs, []
        return out

    def revision(self, element: Attributed) -> SourceRevision:
        """The source of an element; elements Apple writes without one (vision
        prescriptions) belong to the Health app."""
        try:
            name = normalize_source_name(element.get("sourceName") or "Health")
        except HealthStoreError as exc:
            raise Rejected(exc.message) from None
        version = element.get("sourceVersion") or None
        key = (name, version)
        found = self._sources.get(key)
        if found is None:
            found = SourceRevision(Source(source_bundle_id(name), name), version)
            self._sources[key] = found
        return found

    def device(self, element: Attributed) -> Device | None:
        """The device of an element; one that is not Apple's ``<<HKDevice: …>>`` text is
        kept as a device with that name, and noted as a repair."""
        device, repair = self.device_text(element.get("device") or "")
        if repair is not None:
            self.repairs.append(repair)
        return device

    def device_text(self, text: str) -> tuple[Device | None, str | None]:
        """The device a ``device`` attribute stands for, and the repair it needed (None)."""
        # Apple's address changes from record to record; another app's text is kept whole.
        key = ADDRESS.sub("", text) if text.startswith("<<HKDevice") else text
        found = self._devices.get(key)
        if found is None:
            found = self._devices[key] = read_device(text)
        return found


def _required(element: Tagged, name: str) -> str:
    value = element.get(name)
    if value is None or value == "":
        raise Rejected(f"{element.tag} has no {name}")
    return str(value)


def _date(element: Tagged, name: str) -> datetime:
    try:
        return parse_date(_required(element, name))
    except HealthStoreError as exc:
        raise Rejected(f"{name}: {exc.message}") from None


def _float(text: str, what: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise Rejected(f"{what} {text!r} is not a number") from None
    if not math.isfinite(value):
        raise Rejected(f"{what} is not a finite number")
    return value


def _quantity(value: str | None, unit: str | None, what: str) -> Quantity | None:
    if value is None or value == "":
        return None
    try:
        return Quantity(_float(value, what), normalize_unit(unit or "count"))
    except HealthStoreError as exc:
        raise Rejected(f"{what}: {exc.message}") from None


Entries = list[tuple[str | None, str | None]]  # MetadataEntry (key, value), in file order


def metadata_entries(element: Element) -> Entries:
    """The (key, value) of each ``MetadataEntry`` child, as written. A loop over the
    children: lxml's ``iterfind`` compiles its path every call, which costs more here."""
    return [(e.get("key"), e.get("value")) for e in element if e.tag == "MetadataEntry"]


def metadata_from(entries: Entries, repairs: list[str] | None = None) -> dict[str, Any]:
    """Metadata from entries: values parsed (numbers, quantities, dates), keyless ones
    dropped. A value that does not read is an error, or with ``repairs`` kept as text
    (:func:`~healthstore.interop.apple.repairs.repaired_metadata`) and noted there."""
    return repaired_metadata(entries, repairs)


def metadata(element: Element) -> dict[str, Any]:
    return metadata_from(metadata_entries(element))


def category_value(text: str | None) -> int | str:
    """What a category Record's value text stands for: a number, or a member name (a
    Record without a value is 0)."""
    raw = text if text is not None else "0"
    return int(raw) if raw.lstrip("-").isdigit() else raw


def metadata_zone(meta: Mapping[str, Any]) -> ZoneInfo | None:
    """The zone ``HKTimeZone`` names, when it names one."""
    name = meta.get("HKTimeZone")
    if isinstance(name, str):
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            return None
    return None


def _times(element: Tagged, meta: Mapping[str, Any]) -> tuple[datetime, datetime]:
    start, end = _date(element, "startDate"), _date(element, "endDate")
    zone = metadata_zone(meta)
    if zone is not None:  # keep the writer's own zone, for calendar statistics
        start, end = start.astimezone(zone), end.astimezone(zone)
    return start, end


def _identity(*parts: object) -> str:
    return "\x1f".join("" if p is None else str(p) for p in parts)


NOT_IDENTITY = ("device", "creationDate", "sourceName")


class Attributes(dict[str, str]):
    """An element's attributes read once into a dict (each lxml ``get`` decodes the text
    anew), with its tag for error messages."""

    __slots__ = ("tag",)

    def __init__(self, element: Element) -> None:
        super().__init__(element.attrib)
        self.tag: str = element.tag


def _element_identity(element: Element, revision: SourceRevision) -> str:
    return _identity_of(Attributes(element), metadata_entries(element), revision)


def _identity_of(attrs: Attributes, entries: Entries, revision: SourceRevision) -> str:
    """The text a content-derived uuid hashes: the element's attributes (sorted, so their
    order does not matter), its metadata, its source, and its device without the memory
    address Apple prints (which changes between exports of the same record). Changing it
    changes every imported uuid, so a re-import after an upgrade would add everything
    again: ``tests/test_apple_import.py`` pins the uuids of the shared exports."""
    parts = sorted(f"{k}={v}" for k, v in attrs.items() if k not in NOT_IDENTITY)
    parts.extend(sorted(f"{key}:{value}" for key, value in entries))
    device_text = ADDRESS.sub("", attrs.get("device") or "")
    return _identity(attrs.tag, revision.source.name, device_text, *parts)


def _build(make: Callable[[], Sample]) -> Sample:
    try:
        return make()
    except HealthStoreError as exc:
        raise Rejected(exc.message) from None


def record(element: Element, ctx: Context, *, member: bool = False) -> Converted:
    """A Record: a quantity or category sample (plus a heartbeat series for HRV beats);
    ``member`` for one inside a Correlation."""
    attrs = Attributes(element)
    t = _type(attrs)
    revision, device = ctx.revision(attrs), ctx.device(attrs)
    entries = metadata_entries(element)
    meta = metadata_from(entries, ctx.repairs)
    start, end = _times(attrs, meta)
    identity = _identity_of(attrs, entries, revision)
    uuid = ctx.uuids.record_uuid(start, identity, attrs.get("creationDate"), track=not member)
    value = attrs.get("value")
    kind = t.kind
    try:
        if kind is Kind.quantity:
            q = _quantity(value, attrs.get("unit"), "value")
            if q is None:
                raise Rejected("a quantity record has no value")
            sample: Sample = QuantitySample(
                t, q, start, end, source=revision, device=device, metadata=meta, uuid=uuid
            )
        elif kind is Kind.category:
            sample = CategorySample(
                t,
                category_value(value),
                start,
                end,
                source=revision,
                device=device,
                metadata=meta,
                uuid=uuid,
            )
        else:
            raise Rejected(f"{t.short_name} records are not supported")
    except HealthStoreError as exc:
        raise Rejected(exc.message) from None
    out = Converted([sample])
    for beats in element:
        if beats.tag == "HeartRateVariabilityMetadataList":
            try:
                out.samples.append(_heartbeats(beats, start, end, revision, device, uuid))
            except Rejected as exc:
                out.notes.append(f"heartbeat series left out: {exc}")
            break
    return out


def _metadata_or_repair(element: Element, ctx: Context) -> dict[str, Any]:
    return metadata_from(metadata_entries(element), ctx.repairs)


def _uuid(element: Element, start: datetime, revision: SourceRevision, ctx: Context) -> UUID:
    """The content-derived uuid of an element other than a Record."""
    identity = _element_identity(element, revision)
    return ctx.uuids.uuid(start, identity, element.get("creationDate"))


def _type(element: Tagged) -> ObjectType:
    name = _required(element, "type")
    try:
        return catalogue.object_type(name)
    except HealthStoreError:
        raise Rejected(f"unknown type {name!r}") from None


def _heartbeats(
    element: Element,
    start: datetime,
    end: datetime,
    revision: SourceRevision,
    device: Device | None,
    record_uuid: UUID,
) -> HeartbeatSeries:
    tz = start.tzinfo
    assert tz is not None
    times = []
    for beat in element.iterfind("InstantaneousBeatsPerMinute"):
        text = beat.get("time")
        if not text:
            continue
        try:
            at = parse_beat_time(text, start.date(), tz)
        except HealthStoreError as exc:
            raise Rejected(exc.message) from None
        if at < start - timedelta(hours=12):  # a clock time past midnight: the next day
            at = parse_beat_time(text, start.date() + timedelta(days=1), tz)
        times.append(at)
    if not times:
        raise Rejected("no beat times")
    times.sort()
    first, last = min(times[0], start), max(times[-1], end)
    beats = [Heartbeat((t - first).total_seconds()) for t in times]
    uuid = stable_uuid(first, _identity("beats", record_uuid))
    try:
        return HeartbeatSeries(first, last, beats, source=revision, device=device, uuid=uuid)
    except HealthStoreError as exc:
        raise Rejected(exc.message) from None


def correlation(element: Element, ctx: Context) -> Converted:
    """A Correlation with its member records (members also stand alone in the export; their
    content-derived uuids make the two copies one sample)."""
    t = _type(element)
    if t.kind is not Kind.correlation:
        raise Rejected(f"{t.short_name} is not a correlation type")
    revision, device = ctx.revision(element), ctx.device(element)
    meta = _metadata_or_repair(element, ctx)
    start, end = _times(element, meta)
    members = [record(c, ctx, member=True).samples[0] for c in element.iterfind("Record")]
    uuid = _uuid(element, start, revision, ctx)
    sample = _build(
        lambda: Correlation(
            t, start, end, members, source=revision, device=device, metadata=meta, uuid=uuid
        )
    )
    return Converted([sample])


_EVENT_PREFIX = "HKWorkoutEventType"
_ACTIVITY_PREFIX = "HKWorkoutActivityType"


def workout(element: Element, ctx: Context) -> Converted:
    """A Workout with its events, activities, statistics and routes."""
    revision, device = ctx.revision(element), ctx.device(element)
    meta = _metadata_or_repair(element, ctx)
    start, end = _times(element, meta)
    activity = _required(element, "workoutActivityType").removeprefix(_ACTIVITY_PREFIX)
    notes: list[str] = []
    events = []
    for child in element.iterfind("WorkoutEvent"):
        try:
            event = _event(child, start, end)
        except Rejected as exc:
            notes.append(f"workout event at line {child.sourceline} left out: {exc}")
            continue
        if to_micros(event.start) < to_micros(start) or to_micros(event.end) > to_micros(end):
            notes.append(
                f"workout event at line {child.sourceline} left out: "
                "it lies outside the workout's time"
            )
            continue
        events.append(event)
    activities = []
    for child in element.iterfind("WorkoutActivity"):
        try:
            activities.append(_activity(child, activity, notes))
        except Rejected as exc:
            notes.append(f"workout activity at line {child.sourceline} left out: {exc}")
    statistics = []
    for child in element.iterfind("WorkoutStatistics"):
        try:
            statistics.append(_statistics(child))
        except Rejected as exc:
            notes.append(f"workout statistics at line {child.sourceline} left out: {exc}")
    uuid = _uuid(element, start, revision, ctx)
    sample = _build(
        lambda: Workout(
            activity[:1].lower() + activity[1:],
            start,
            end,
            events=events,
            activities=activities,
            statistics=statistics,
            total_energy_burned=_quantity(
                element.get("totalEnergyBurned"),
                element.get("totalEnergyBurnedUnit"),
                "totalEnergyBurned",
            ),
            total_distance=_quantity(
                element.get("totalDistance"), element.get("totalDistanceUnit"), "totalDistance"
            ),
            source=revision,
            device=device,
            metadata=meta,
            uuid=uuid,
        )
    )
    out = Converted([sample], notes=notes)
    for child in element.iterfind("WorkoutRoute"):
        try:
            route = _route(child, ctx)
        except Rejected as exc:
            out.notes.append(f"workout route at line {child.sourceline} left out: {exc}")
            continue
        if route is not None and route.uuid not in {s.uuid for s in out.samples}:
            out.samples.append(route)
            out.links.append((uuid, route.uuid))
    return out


def _event(element: Element, start: datetime, end: datetime) -> WorkoutEvent:
    kind = _required(element, "type").removeprefix(_EVENT_PREFIX)
    at = _date(element, "date")
    length = _quantity(element.get("duration"), element.get("durationUnit") or "min", "duration")
    until = at + timedelta(seconds=length.value_in("s")) if length is not None else at
    try:
        return WorkoutEvent.create(
            kind, at.astimezone(start.tzinfo), until.astimezone(start.tzinfo), metadata(element)
        )
    except HealthStoreError as exc:
        raise Rejected(exc.message) from None


def _activity(element: Element, workout_activity: str, notes: list[str]) -> WorkoutActivity:
    """A WorkoutActivity with its events and statistics (a bad one is left out with a note);
    Apple writes no type of its own, so it takes the workout's."""
    meta = metadata(element)
    start = _date(element, "startDate")
    end_text = element.get("endDate")
    if end_text:
        end = _date(element, "endDate")
    else:
        length = _quantity(
            element.get("duration"), element.get("durationUnit") or "min", "duration"
        )
        end = start + timedelta(seconds=length.value_in("s") if length else 0)
    kind = (
        element.get("workoutActivityType") or meta.pop("HKActivityType", None) or workout_activity
    )
    if isinstance(kind, str):
        kind = kind.removeprefix(_ACTIVITY_PREFIX)
        kind = kind[:1].lower() + kind[1:]
    events, statistics = activity_children(
        element, start, end, _event, _statistics, Rejected, notes
    )
    try:
        return WorkoutActivity.create(
            kind,
            start,
            end,
            meta,
            element.get("uuid") or None,
            events=events,
            statistics=statistics,
        )
    except HealthStoreError as exc:
        raise Rejected(exc.message) from None


def _statistics(element: Element) -> WorkoutStatistics:
    t = _type(element)
    unit = element.get("unit")
    values = {
        name: _quantity(element.get(attribute), unit, attribute)
        for name, attribute in (
            ("sum", "sum"),
            ("average", "average"),
            ("minimum", "minimum"),
            ("maximum", "maximum"),
        )
    }
    try:
        return WorkoutStatistics.create(t, **values)
    except HealthStoreError as exc:
        raise Rejected(exc.message) from None


def _route(element: Element, ctx: Context) -> WorkoutRoute | None:
    revision, device = ctx.revision(element), ctx.device(element)
    meta = _metadata_or_repair(element, ctx)
    start, end = _times(element, meta)
    locations: list[Location] = []
    reference = element.find("FileReference")
    if reference is not None and reference.get("path"):
        path = str(reference.get("path")).lstrip("/")
        data = ctx.read_file(path)
        if data is None:
            raise Rejected(f"its file {path} is not in the export")
        locations = gpx_locations(data)
    for point in element.iterfind("Location"):
        locations.append(_location(point))
    if not locations:
        raise Rejected("it has no locations")
    uuid = _uuid(element, start, revision, ctx)
    try:
        return WorkoutRoute(
            start, end, locations, source=revision, device=device, metadata=meta, uuid=uuid
        )
    except HealthStoreError as exc:
        raise Rejected(exc.message) from None


def _location(element: Element) -> Location:
    def number(name: str) -> float | None:
        text = element.get(name)
        return None if text in (None, "") else _float(str(text), name)

    try:
        return Location(
            _date(element, "date"),
            number("latitude") or 0.0,
            number("longitude") or 0.0,
            altitude=number("altitude"),
            horizontal_accuracy=number("horizontalAccuracy"),
            vertical_accuracy=number("verticalAccuracy"),
            course=number("course"),
            speed=number("speed"),
        )
    except HealthStoreError as exc:
        raise Rejected(exc.message) from None


def gpx_locations(data: bytes) -> list[Location]:
    """The track points of an Apple route GPX file (speed, course and accuracies come from
    its extensions)."""
    try:
        return route_locations(data)
    except GPXError as exc:
        raise Rejected(f"its GPX file cannot be read: {exc}") from None


_SUMMARY_FIELDS = (
    ("active_energy_burned", "activeEnergyBurned", "activeEnergyBurnedUnit", "kcal"),
    ("active_energy_burned_goal", "activeEnergyBurnedGoal", "activeEnergyBurnedUnit", "kcal"),
    ("move_time", "appleMoveTime", None, "min"),
    ("move_time_goal", "appleMoveTimeGoal", None, "min"),
    ("exercise_time", "appleExerciseTime", None, "min"),
    ("exercise_time_goal", "appleExerciseTimeGoal", None, "min"),
    ("stand_hours", "appleStandHours", None, "count"),
    ("stand_hours_goal", "appleStandHoursGoal", None, "count"),
)


def activity_summary(element: Element, ctx: Context) -> Converted:
    """An ActivitySummary: one day's rings."""
    text = _required(element, "dateComponents")
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise Rejected(f"dateComponents {text!r} is not a date") from None
    values = {
        name: _quantity(
            element.get(attribute), element.get(unit_attr) if unit_attr else unit, attribute
        )
        for name, attribute, unit_attr, unit in _SUMMARY_FIELDS
    }
    try:
        return Converted(summary=ActivitySummary(day, **values))
    except HealthStoreError as exc:
        raise Rejected(exc.message) from None


def me(element: Element, ctx: Context) -> Converted:
    """Me: the person's characteristics, and its other attributes kept verbatim."""
    values = read_me(element.attrib)
    return Converted(
        characteristics=values.characteristics, me_attributes=values.kept, notes=values.notes
    )
