"""The columns of sample frames and exports, as plain Python lists (no pandas, no Arrow).

:mod:`healthstore.frames` turns them into Arrow tables and DataFrames;
:mod:`healthstore.exports.sqlite_export` writes them to SQLite. A column is a name, a kind
(``text``, ``float``, ``int`` or ``time``: an aware datetime) and one value per sample.

Quantities are in their type's display unit (``value[count/min]`` for heart rate) unless a
``unit`` is asked for. Metadata is one JSON text column in the stored, tagged form (dates as
``{"$date": …}``, quantities as ``{"$quantity": [value, unit]}``), which
:func:`healthstore.metadata.from_json` reads back exactly. Workout events, activities and
statistics, and a correlation's members, are JSON text in the HTTP API's form.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from healthstore import metadata as md
from healthstore.catalogue import ObjectType, object_type
from healthstore.model import (
    CategorySample,
    Correlation,
    Device,
    QuantitySample,
    Sample,
    Workout,
    WorkoutActivity,
)
from healthstore.model.measures import fitting_unit
from healthstore.times import zone_name
from healthstore.units import Quantity
from healthstore.wire.samples import sample_to_json

ColumnKind = Literal["text", "float", "int", "time"]

REVISION_FIELDS = ("version", "product_type", "os_version")
DEVICE_FIELDS = tuple(Device.__slots__)
WORKOUT_TOTALS = {
    "total_distance": "distanceWalkingRunning",
    "total_energy_burned": "activeEnergyBurned",
    "total_swimming_stroke_count": "swimmingStrokeCount",
    "total_flights_climbed": "flightsClimbed",
}


@dataclass(frozen=True)
class Column:
    """One column: its name, kind and values (None for a missing value)."""

    name: str
    kind: ColumnKind
    values: list[Any]


def _json(value: Any) -> str | None:
    if value in (None, [], {}):
        return None
    return json.dumps(value, separators=(",", ":"), sort_keys=True, ensure_ascii=False)


def display(t: ObjectType, unit: str | None = None) -> str:
    """The unit values of quantity type ``t`` are shown in: ``unit`` if it fits, else the
    display unit."""
    assert t.canonical_unit is not None
    if unit is None:
        return t.display_unit or t.canonical_unit
    fitting_unit(t, unit, "unit")
    return unit


def _value(sample: Sample, unit: str | None) -> float | None:
    if isinstance(sample, QuantitySample):
        return sample.quantity.value_in(display(sample.type, unit))
    if isinstance(sample, CategorySample):
        return float(sample.value)
    return None


def _layout(rows: Sequence[Sample]) -> str:
    types = {s.type for s in rows}
    if len(types) != 1:
        return "mixed"
    if all(isinstance(s, QuantitySample) for s in rows):
        return "quantity"
    if all(isinstance(s, CategorySample) for s in rows):
        return "category"
    return "mixed"


def _value_columns(rows: Sequence[Sample], unit: str | None) -> list[Column]:
    layout = _layout(rows)
    if layout == "quantity":
        shown = display(rows[0].type, unit)
        quantities = [s for s in rows if isinstance(s, QuantitySample)]
        return [
            Column(f"value[{shown}]", "float", [s.quantity.value_in(shown) for s in quantities]),
            Column("count", "int", [s.count for s in quantities]),
        ]
    if layout == "category":
        categories = [s for s in rows if isinstance(s, CategorySample)]
        return [
            Column("value", "int", [s.value for s in categories]),
            Column("label", "text", [s.label for s in categories]),
        ]
    return [
        Column("value", "float", [_value(s, unit) for s in rows]),
        Column(
            "unit",
            "text",
            [display(s.type, unit) if isinstance(s, QuantitySample) else None for s in rows],
        ),
        Column("label", "text", [s.label if isinstance(s, CategorySample) else None for s in rows]),
    ]


def _total(workout: Sample, name: str, shown: str) -> float | None:
    q: Quantity | None = getattr(workout, name, None) if isinstance(workout, Workout) else None
    return None if q is None else q.value_in(shown)


def _workout_columns(rows: Sequence[Sample]) -> list[Column]:
    if not any(isinstance(s, Workout) for s in rows):
        return []

    def each(get: Callable[[Workout], Any]) -> list[Any]:
        return [get(s) if isinstance(s, Workout) else None for s in rows]

    def wire(key: str) -> Callable[[Workout], Any]:
        return lambda w: _json(sample_to_json(w)[key])

    columns = [
        Column("activity_type", "text", each(lambda w: w.activity_name)),
        Column("duration_s", "float", each(lambda w: w.duration.total_seconds())),
    ]
    for name, type_name in WORKOUT_TOTALS.items():
        shown = display(object_type(type_name))
        columns.append(Column(f"{name}[{shown}]", "float", [_total(s, name, shown) for s in rows]))
    columns += [
        Column("events", "text", each(wire("events"))),
        Column("activities", "text", each(wire("activities"))),
        Column("statistics", "text", each(wire("statistics"))),
    ]
    return columns


def _correlation_columns(rows: Sequence[Sample]) -> list[Column]:
    if not any(isinstance(s, Correlation) for s in rows):
        return []
    return [
        Column(
            "objects",
            "text",
            [_json(_members(s)) if isinstance(s, Correlation) else None for s in rows],
        )
    ]


def _members(correlation: Correlation) -> list[dict[str, Any]]:
    out = []
    for member in correlation.objects:
        entry: dict[str, Any] = {"uuid": str(member.uuid), "type": member.type.short_name}
        if isinstance(member, QuantitySample):
            shown = display(member.type)
            entry.update(value=member.quantity.value_in(shown), unit=shown)
        elif isinstance(member, CategorySample):
            entry.update(value=member.value, label=member.label)
        out.append(entry)
    return out


def _provenance_columns(rows: Sequence[Sample]) -> list[Column]:
    columns = [
        Column(
            "source_bundle_id", "text", [s.source.bundle_id if s.source else None for s in rows]
        ),
        Column("source_name", "text", [s.source.name if s.source else None for s in rows]),
    ]
    holders = (
        ("source", REVISION_FIELDS, [s.source_revision for s in rows]),
        ("device", DEVICE_FIELDS, [s.device for s in rows]),
    )
    for prefix, fields, objects in holders:
        for field in fields:
            values = [getattr(o, field) if o else None for o in objects]
            columns.append(Column(f"{prefix}_{field}", "text", values))
    columns.append(Column("metadata", "text", [md.to_json(s.metadata) for s in rows]))
    return columns


def sample_columns(samples: Sequence[Sample], unit: str | None = None) -> list[Column]:
    """Every field of every sample as columns (see the module docstring)."""
    rows = list(samples)
    base = [
        Column("uuid", "text", [str(s.uuid) for s in rows]),
        Column("type", "text", [s.type.short_name for s in rows]),
        Column("start", "time", [s.start for s in rows]),
        Column("end", "time", [s.end for s in rows]),
        Column("time_zone", "text", [zone_name(s.start) for s in rows]),
    ]
    return [
        *base,
        *_value_columns(rows, unit),
        *_workout_columns(rows),
        *_correlation_columns(rows),
        *_provenance_columns(rows),
    ]


def activity_columns(workouts: Sequence[Sample]) -> list[Column]:
    """One row per activity of each workout: the workout's uuid, the activity's uuid,
    activity type, start, end, duration and metadata."""
    pairs: list[tuple[Workout, WorkoutActivity]] = [
        (w, a) for w in workouts if isinstance(w, Workout) for a in w.activities
    ]
    starts: list[datetime] = [a.start for _, a in pairs]
    return [
        Column("workout_uuid", "text", [str(w.uuid) for w, _ in pairs]),
        Column("uuid", "text", [str(a.uuid) for _, a in pairs]),
        Column("activity_type", "text", [a.activity_name for _, a in pairs]),
        Column("start", "time", starts),
        Column("end", "time", [a.end for _, a in pairs]),
        Column("duration_s", "float", [(a.end - a.start).total_seconds() for _, a in pairs]),
        Column("metadata", "text", [md.to_json(a.metadata) for _, a in pairs]),
    ]
