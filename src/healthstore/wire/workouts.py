"""Reading workouts: activity type, totals, events, activities (with their own events and
statistics) and statistics.

Each part goes through the model's validating constructor (``WorkoutEvent.create``,
``WorkoutActivity.create``, ``WorkoutStatistics.create``, ``Workout``); errors name the JSON
path below the sample, e.g. ``events[0].start`` or ``statistics.heartRate.average.unit``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, tzinfo
from typing import Any

from healthstore import catalogue
from healthstore.catalogue import Kind
from healthstore.errors import InvalidArgument
from healthstore.model import Workout, WorkoutActivity, WorkoutEvent, WorkoutStatistics
from healthstore.wire.fields import (
    array,
    as_field,
    at,
    instant,
    json_object,
    metadata_from_json,
    optional_instant,
    optional_quantity,
    require,
    text,
)
from healthstore.wire.samples import WORKOUT_STATISTICS, WORKOUT_TOTALS

WORKOUT_FIELDS = frozenset({"activity_type", *WORKOUT_TOTALS, "events", "activities", "statistics"})
_EVENT_FIELDS = ("type", "start", "end", "metadata")
_ACTIVITY_FIELDS = ("uuid", "activity_type", "start", "end", "metadata", "events", "statistics")


def workout_from_json(
    data: Mapping[str, Any],
    start: datetime,
    end: datetime,
    zone: tzinfo | None,
    common: dict[str, Any],
) -> Workout:
    """The workout whose common fields (times, source, device, metadata, uuid) are read."""
    activity_type = _activity_type(data)
    totals: dict[str, Any] = {name: optional_quantity(data, name) for name in WORKOUT_TOTALS}
    events = _events(data, zone)
    activities = []
    for i, item in enumerate(array(data, "activities", required=False)):
        with at(f"activities[{i}]", strip="activity."):
            activities.append(_activity(item, zone))
    statistics = _statistics(data.get("statistics"))
    return Workout(
        activity_type,
        start,
        end,
        events=events,
        activities=activities,
        statistics=statistics,
        **totals,
        **common,
    )


def _activity_type(data: Mapping[str, Any]) -> int:
    value = require(data, "activity_type")
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise InvalidArgument("activity_type must be a name or a raw value", field="activity_type")
    with as_field("activity_type"):
        return catalogue.workout_activity_type(value)


def _events(data: Mapping[str, Any], zone: tzinfo | None) -> list[WorkoutEvent]:
    events = []
    for i, item in enumerate(array(data, "events", required=False)):
        with at(f"events[{i}]", strip="event."):
            events.append(_event(item, zone))
    return events


def _event(value: object, zone: tzinfo | None) -> WorkoutEvent:
    data = json_object(value, _EVENT_FIELDS, "a workout event")
    kind = require(data, "type")
    if isinstance(kind, bool) or not isinstance(kind, int | str):
        raise InvalidArgument("type must be an event type name or raw value", field="type")
    with as_field("type"):
        raw = catalogue.value_enum("HKWorkoutEventType").parse(kind)
    start = instant(data, "start", zone)
    end = optional_instant(data, "end", zone)
    with at("metadata"):
        metadata = metadata_from_json(data.get("metadata"))
    return WorkoutEvent.create(raw, start, end, metadata)


def _activity(value: object, zone: tzinfo | None) -> WorkoutActivity:
    data = json_object(value, _ACTIVITY_FIELDS, "a workout activity")
    activity_type = _activity_type(data)
    start = instant(data, "start", zone)
    end = instant(data, "end", zone)
    with at("metadata"):
        metadata = metadata_from_json(data.get("metadata"))
    events = _events(data, zone)
    statistics = _statistics(data.get("statistics"))
    return WorkoutActivity.create(
        activity_type,
        start,
        end,
        metadata,
        text(data, "uuid"),
        events=events,
        statistics=statistics,
    )


def _statistics(value: object) -> list[WorkoutStatistics]:
    """``{"heartRate": {"average": {"value", "unit"}, ...}, ...}``."""
    if value is None:
        return []
    out = []
    with at("statistics"):
        if not isinstance(value, Mapping):
            raise InvalidArgument("statistics must be a JSON object of quantity types")
        for key, item in value.items():
            with as_field(str(key)):
                t = catalogue.object_type(str(key))
                if t.kind is not Kind.quantity:
                    raise InvalidArgument(f"{t.short_name} is not a quantity type")
            with at(str(key), strip="statistics."):
                data = json_object(item, WORKOUT_STATISTICS, "workout statistics")
                values = {name: optional_quantity(data, name) for name in WORKOUT_STATISTICS}
                out.append(WorkoutStatistics.create(t, **values))
    return out
