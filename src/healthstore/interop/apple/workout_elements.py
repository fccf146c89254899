"""A Workout element with its events, activities, statistics and routes. A bad child costs
that child, not its workout: it is left out with a note naming its line."""

from __future__ import annotations

from datetime import datetime, timedelta

from healthstore.errors import HealthStoreError
from healthstore.interop.apple.conversion import Context, Converted, Rejected
from healthstore.interop.apple.element_fields import (
    build,
    date_attribute,
    element_times,
    element_uuid,
    finite,
    metadata,
    metadata_or_repair,
    quantity_of,
    required,
    sample_type,
)
from healthstore.interop.apple.gpx import GPXError, route_locations
from healthstore.interop.apple.tree import Element
from healthstore.model import Workout, WorkoutActivity, WorkoutEvent, WorkoutStatistics
from healthstore.records import Location, WorkoutRoute
from healthstore.times import to_micros

_EVENT_PREFIX = "HKWorkoutEventType"
_ACTIVITY_PREFIX = "HKWorkoutActivityType"


def workout(element: Element, ctx: Context) -> Converted:
    """A Workout with its events, activities, statistics and routes."""
    revision, device = ctx.revision(element), ctx.device(element)
    meta = metadata_or_repair(element, ctx)
    start, end = element_times(element, meta)
    activity = required(element, "workoutActivityType").removeprefix(_ACTIVITY_PREFIX)
    notes: list[str] = []
    events = _events(element, start, end, "workout", "workout", notes)
    activities = []
    for child in element.iterfind("WorkoutActivity"):
        try:
            activities.append(_activity(child, activity, notes))
        except Rejected as exc:
            notes.append(f"workout activity at line {child.sourceline} left out: {exc}")
    statistics = _all_statistics(element, "workout", notes)
    uuid = element_uuid(element, start, revision, ctx)
    sample = build(
        lambda: Workout(
            activity[:1].lower() + activity[1:],
            start,
            end,
            events=events,
            activities=activities,
            statistics=statistics,
            total_energy_burned=quantity_of(
                element.get("totalEnergyBurned"),
                element.get("totalEnergyBurnedUnit"),
                "totalEnergyBurned",
            ),
            total_distance=quantity_of(
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


def _events(
    element: Element, start: datetime, end: datetime, holder: str, span: str, notes: list[str]
) -> list[WorkoutEvent]:
    """The ``WorkoutEvent`` children inside ``[start, end]`` of their ``holder`` (a workout
    or one of its activities); each one that cannot be kept (it does not read, or it lies
    outside the ``span``) adds a note naming its line to ``notes``."""
    events: list[WorkoutEvent] = []
    low, high = to_micros(start), to_micros(end)
    for child in element.iterfind("WorkoutEvent"):
        where = f"{holder} event at line {child.sourceline} left out"
        try:
            event = _event(child, start, end)
        except Rejected as exc:
            notes.append(f"{where}: {exc}")
            continue
        if to_micros(event.start) < low or to_micros(event.end) > high:
            notes.append(f"{where}: it lies outside the {span}'s time")
            continue
        events.append(event)
    return events


def _all_statistics(element: Element, holder: str, notes: list[str]) -> list[WorkoutStatistics]:
    """The ``WorkoutStatistics`` children of a workout or activity; one that does not read
    adds a note naming its line to ``notes``."""
    statistics: list[WorkoutStatistics] = []
    for child in element.iterfind("WorkoutStatistics"):
        try:
            statistics.append(_statistics(child))
        except Rejected as exc:
            notes.append(f"{holder} statistics at line {child.sourceline} left out: {exc}")
    return statistics


def _event(element: Element, start: datetime, end: datetime) -> WorkoutEvent:
    kind = required(element, "type").removeprefix(_EVENT_PREFIX)
    at = date_attribute(element, "date")
    length = quantity_of(element.get("duration"), element.get("durationUnit") or "min", "duration")
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
    start = date_attribute(element, "startDate")
    end_text = element.get("endDate")
    if end_text:
        end = date_attribute(element, "endDate")
    else:
        length = quantity_of(
            element.get("duration"), element.get("durationUnit") or "min", "duration"
        )
        end = start + timedelta(seconds=length.value_in("s") if length else 0)
    kind = (
        element.get("workoutActivityType") or meta.pop("HKActivityType", None) or workout_activity
    )
    if isinstance(kind, str):
        kind = kind.removeprefix(_ACTIVITY_PREFIX)
        kind = kind[:1].lower() + kind[1:]
    events = _events(element, start, end, "workout activity", "activity", notes)
    statistics = _all_statistics(element, "workout activity", notes)
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
    t = sample_type(element)
    unit = element.get("unit")
    values = {
        name: quantity_of(element.get(attribute), unit, attribute)
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
    meta = metadata_or_repair(element, ctx)
    start, end = element_times(element, meta)
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
    uuid = element_uuid(element, start, revision, ctx)
    try:
        return WorkoutRoute(
            start, end, locations, source=revision, device=device, metadata=meta, uuid=uuid
        )
    except HealthStoreError as exc:
        raise Rejected(exc.message) from None


def _location(element: Element) -> Location:
    def number(name: str) -> float | None:
        text = element.get(name)
        return None if text in (None, "") else finite(str(text), name)

    try:
        return Location(
            date_attribute(element, "date"),
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
