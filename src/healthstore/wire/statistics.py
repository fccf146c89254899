"""Statistics as JSON, both ways, without loss::

    {
      "start": "2024-05-01T00:00:00+02:00", "end": "2024-05-02T00:00:00+02:00",
      "time_zone": "Europe/Paris", "unit": "count",
      "sum": 8412.0, "average": null, "minimum": null, "maximum": null,
      "most_recent": null, "most_recent_start": null, "most_recent_end": null,
      "duration_us": 5400000000,
      "sources": [{"bundle_id": "com.example.watch", "name": "Watch"}, ...],
      "by_source": [{"source": {"bundle_id": ..., "name": ...}, "start": ..., ...}, ...]
    }

Quantities are numbers in ``unit``, said once at the top: the unit asked for, by default the
type's display unit (``count/min`` for heart rate). Instants
are ISO 8601 with their offset; ``time_zone`` names their zone, and an instant whose offset
it matches is read back in it, so datetimes compare and print as they were. ``duration_us``
is whole microseconds (a timedelta's resolution). ``by_source`` entries have the same fields
(without ``unit`` and ``time_zone``, which they share), in order.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta, tzinfo
from typing import Any

from healthstore import catalogue
from healthstore.catalogue import Kind, ObjectType
from healthstore.errors import InvalidArgument
from healthstore.query.statistics_values import Statistics
from healthstore.times import zone, zone_name
from healthstore.units import Quantity, Unit, parse_unit
from healthstore.wire.fields import (
    JSONObject,
    array,
    as_field,
    at,
    instant,
    json_object,
    number,
    optional_instant,
    require,
    text,
)
from healthstore.wire.provenance import source_from_json
from healthstore.wire.samples import plain_source_to_json

_QUANTITIES = ("sum", "average", "minimum", "maximum", "most_recent")
_FIELDS = (
    "start",
    "end",
    *_QUANTITIES,
    "most_recent_start",
    "most_recent_end",
    "duration_us",
    "sources",
    "by_source",
)


def statistics_to_json(stats: Statistics) -> JSONObject:
    """The JSON form of one range's or bucket's statistics (see the module docstring)."""
    return _body(stats, parse_unit(stats.unit), top=True)


def _body(stats: Statistics, unit: Unit, *, top: bool) -> JSONObject:
    out: JSONObject = {"start": stats.start.isoformat(), "end": stats.end.isoformat()}
    if top:
        out["time_zone"] = zone_name(stats.start)
        out["unit"] = unit.text
    for name in _QUANTITIES:
        value: Quantity | None = getattr(stats, name)
        out[name] = None if value is None else value.value_in(unit)
    for name in ("most_recent_start", "most_recent_end"):
        when: datetime | None = getattr(stats, name)
        out[name] = None if when is None else when.isoformat()
    duration = stats.duration
    out["duration_us"] = None if duration is None else duration // timedelta(microseconds=1)
    out["sources"] = [plain_source_to_json(s) for s in stats.sources]
    out["by_source"] = [
        {"source": plain_source_to_json(source), **_body(own, unit, top=False)}
        for source, own in stats.by_source.items()
    ]
    return out


def statistics_from_json(obj: object, type: str | ObjectType, *, where: str = "") -> Statistics:
    """Statistics of ``type`` (a quantity type) from their JSON form. ``unit`` may be any
    unit compatible with the type's; values stay in it (it defaults to the canonical unit).
    Errors name the path below ``where``."""
    t = catalogue.object_type(type)
    if t.kind is not Kind.quantity:
        raise InvalidArgument(f"{t.short_name} has no statistics", field="type")
    canonical = _canonical_unit(t)
    with at(where):
        data = json_object(obj, (*_FIELDS, "time_zone", "unit"), "statistics")
        unit = canonical
        if data.get("unit") is not None:
            unit = parse_unit(text(data, "unit") or "")
            if not unit.is_compatible(canonical):
                raise InvalidArgument(
                    f"unit must be compatible with {canonical.text!r}", field="unit"
                )
        tz = None
        tz_name = text(data, "time_zone")
        if tz_name is not None:
            with as_field("time_zone"):
                tz = zone(tz_name)
        return _read(t, data, unit, tz)


def _read(t: ObjectType, data: Mapping[str, Any], unit: Unit, tz: tzinfo | None) -> Statistics:
    stats = Statistics(t, instant(data, "start", tz), instant(data, "end", tz), unit=unit.text)
    for name in _QUANTITIES:
        value = data.get(name)
        if value is not None:
            setattr(stats, name, Quantity(number(value, name), unit))
    stats.most_recent_start = optional_instant(data, "most_recent_start", tz)
    stats.most_recent_end = optional_instant(data, "most_recent_end", tz)
    if data.get("duration_us") is not None:
        stats.duration = _duration(data["duration_us"])
    stats.sources = [
        source_from_json(item, field=f"sources[{i}]")
        for i, item in enumerate(array(data, "sources", required=False))
    ]
    for i, item in enumerate(array(data, "by_source", required=False)):
        with at(f"by_source[{i}]"):
            entry = json_object(item, ("source", *_FIELDS), "a per-source entry")
            source = source_from_json(require(entry, "source"))
            if source in stats.by_source:
                raise InvalidArgument("a source appears twice", field="source")
            stats.by_source[source] = _read(t, entry, unit, tz)
    return stats


def _duration(value: object) -> timedelta:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidArgument("duration_us must be an integer >= 0", field="duration_us")
    try:
        return timedelta(microseconds=value)
    except OverflowError:
        raise InvalidArgument("duration_us is out of range", field="duration_us") from None


def _canonical_unit(t: ObjectType) -> Unit:
    return parse_unit(t.canonical_unit or "count")
