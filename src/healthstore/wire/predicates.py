"""Predicates as JSON, both ways. Every predicate is an object with an ``op``::

    {"op": "and", "parts": [P, ...]}                 {"op": "or", "parts": [P, ...]}
    {"op": "not", "part": P}
    {"op": "time_window", "start": ISO | null, "end": ISO | null,
     "strict_start": false, "strict_end": false, "time_zone": "Europe/Paris" | null}
    {"op": "sources", "bundle_ids": ["com.example.watch", ...]}
    {"op": "source_revisions", "revisions": [{"bundle_id", "name", "version", ...}, ...]}
    {"op": "devices", "devices": [{"name": "Watch", "model": "Watch7,1", ...}, ...]}
    {"op": "device_property", "property": "model", "values": ["Watch7,1", ...]}
    {"op": "metadata", "key": "HKWasUserEntered"}                  (the key exists)
    {"op": "metadata", "key": "HKWasUserEntered", "cmp": "==", "value": true}
    {"op": "uuids", "uuids": ["0190…", ...]}
    {"op": "quantity", "cmp": ">", "value": 100.0, "unit": "count/min"}
    {"op": "category_value", "cmp": "==", "value": 5}             (or a member name)
    {"op": "workout_activity", "activity_type": "running"}
    {"op": "workout_duration", "cmp": ">=", "duration_us": 1800000000}
    {"op": "workout_total", "total": "total_distance", "cmp": ">", "value": 5.0, "unit": "km"}
    {"op": "in_workout", "workout": "0190…"}
    {"op": "fhir_resource_type", "resource_types": ["MedicationStatement", "Observation"]}

``cmp`` is one of ``== != < <= > >=``. Sets are written as sorted lists. ``time_zone``
(optional) is the zone of the window's bounds: a bound whose offset it matches is read back
in it, so the predicate compares and prints like the one written. Reading goes through the
builders of :mod:`healthstore.query.predicates`, so their checks apply; errors name the path,
e.g. ``predicate.parts[1].cmp``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import Any, TypeVar
from uuid import UUID

from healthstore import catalogue
from healthstore.errors import InvalidArgument
from healthstore.query import predicates as p
from healthstore.times import zone, zone_name
from healthstore.units import Quantity
from healthstore.wire.fields import (
    JSONObject,
    array,
    as_field,
    at,
    boolean,
    integer,
    json_object,
    number,
    optional_instant,
    require,
    text,
)
from healthstore.wire.provenance import device_from_json, revision_from_json
from healthstore.wire.samples import device_to_json, quantity_to_json, source_to_json

_T = TypeVar("_T")


def predicate_to_json(predicate: p.Predicate) -> JSONObject:
    """The JSON form of any predicate (see the module docstring)."""
    match predicate:
        case p.And(parts) | p.Or(parts):
            op = "and" if isinstance(predicate, p.And) else "or"
            return {"op": op, "parts": [predicate_to_json(part) for part in parts]}
        case p.Not(part):
            return {"op": "not", "part": predicate_to_json(part)}
        case p.TimeWindow(start, end, strict_start, strict_end):
            bound = start or end
            return {
                "op": "time_window",
                "start": None if start is None else start.isoformat(),
                "end": None if end is None else end.isoformat(),
                "strict_start": strict_start,
                "strict_end": strict_end,
                "time_zone": None if bound is None else zone_name(bound),
            }
        case p.FromSources(bundle_ids):
            return {"op": "sources", "bundle_ids": sorted(bundle_ids)}
        case p.FromSourceRevisions(revisions):
            return {"op": "source_revisions", "revisions": _sorted(map(source_to_json, revisions))}
        case p.FromDevices(devices):
            return {"op": "devices", "devices": _sorted(map(device_to_json, devices))}
        case p.DeviceProperty(prop, values):
            return {"op": "device_property", "property": prop, "values": sorted(values)}
        case p.MetadataMatch(key, cmp, value):
            out: JSONObject = {"op": "metadata", "key": key}
            if cmp is not None:
                out.update(cmp=cmp, value=value)
            return out
        case p.UUIDs(uuids):
            return {"op": "uuids", "uuids": sorted(str(u) for u in uuids)}
        case p.QuantityCompare(cmp, quantity):
            return {"op": "quantity", "cmp": cmp, **quantity_to_json(quantity)}
        case p.CategoryValue(cmp, value):
            return {"op": "category_value", "cmp": cmp, "value": value}
        case p.WorkoutActivityTypeIs(activity_type):
            name = catalogue.workout_activity_name(activity_type)
            return {"op": "workout_activity", "activity_type": name}
        case p.WorkoutDuration(cmp, duration):
            micros = duration // timedelta(microseconds=1)
            return {"op": "workout_duration", "cmp": cmp, "duration_us": micros}
        case p.WorkoutTotal(total, cmp, quantity):
            return {"op": "workout_total", "total": total, "cmp": cmp, **quantity_to_json(quantity)}
        case p.InWorkout(workout):
            return {"op": "in_workout", "workout": str(workout)}
        case p.FhirResourceType(resource_types):
            return {"op": "fhir_resource_type", "resource_types": sorted(resource_types)}
    raise InvalidArgument(f"{type(predicate).__name__} has no JSON form", field="predicate")


def _sorted(items: Any) -> list[JSONObject]:
    return sorted(items, key=lambda item: json.dumps(item, sort_keys=True))


MAX_DEPTH = 32


def predicate_from_json(obj: object, *, field: str = "predicate") -> p.Predicate:
    """A predicate from its JSON form; errors name the path below ``field``. Nesting deeper
    than :data:`MAX_DEPTH` is refused before it is read."""
    _check_depth(obj, field)
    return _read(obj, field)


def _check_depth(obj: object, field: str) -> None:
    stack: list[tuple[object, int]] = [(obj, 0)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, Mapping):
            depth += 1
            if depth > MAX_DEPTH:
                raise InvalidArgument(
                    f"the predicate nests deeper than {MAX_DEPTH} levels", field=field
                )
            stack.extend((child, depth) for child in node.values())
        elif isinstance(node, list):
            stack.extend((child, depth) for child in node)


def _read(obj: object, field: str) -> p.Predicate:
    with at(field):
        if not isinstance(obj, Mapping):
            raise InvalidArgument("a predicate must be a JSON object")
        op = obj.get("op")
        if not isinstance(op, str) or op not in _READERS:
            allowed = ", ".join(_READERS)
            raise InvalidArgument(f"unknown op {op!r} (use one of {allowed})", field="op")
        keys, read = _READERS[op]
        return read(json_object(obj, ("op", *keys), "a predicate"))


def _parts(data: Mapping[str, Any]) -> list[p.Predicate]:
    return [_read(item, f"parts[{i}]") for i, item in enumerate(array(data, "parts"))]


def _cmp(data: Mapping[str, Any]) -> str:
    value = require(data, "cmp")
    if value not in p.COMPARISONS:
        raise InvalidArgument(f"cmp must be one of {', '.join(p.COMPARISONS)}", field="cmp")
    assert isinstance(value, str)
    return value


def _strings(data: Mapping[str, Any], key: str) -> list[str]:
    values = array(data, key)
    for i, value in enumerate(values):
        if not isinstance(value, str) or not value:
            raise InvalidArgument(f"{key} must hold non-empty strings", field=f"{key}[{i}]")
    return values


def _uuid(value: object, field: str) -> UUID:
    if isinstance(value, str):
        try:
            return UUID(value)
        except ValueError:
            pass
    raise InvalidArgument(f"{field} must be a UUID", field=field)


def _quantity(data: Mapping[str, Any]) -> Quantity:
    amount = number(require(data, "value"), "value")
    return Quantity(amount, text(data, "unit", required=True) or "")


def _time_window(data: Mapping[str, Any]) -> p.Predicate:
    tz_name = text(data, "time_zone")
    tz = None
    if tz_name is not None:
        with as_field("time_zone"):
            tz = zone(tz_name)
    return p.time_window(
        optional_instant(data, "start", tz),
        optional_instant(data, "end", tz),
        strict_start=boolean(data, "strict_start"),
        strict_end=boolean(data, "strict_end"),
    )


def _revisions(data: Mapping[str, Any]) -> p.Predicate:
    return p.from_source_revisions(*_objects(data, "revisions", "a revision", revision_from_json))


def _devices(data: Mapping[str, Any]) -> p.Predicate:
    return p.from_devices(*_objects(data, "devices", "a device", device_from_json))


def _objects(
    data: Mapping[str, Any],
    key: str,
    what: str,
    read: Callable[..., _T | None],
) -> list[_T]:
    """The objects of the array ``key``, each read by ``read``; none may be null."""
    out = []
    for i, item in enumerate(array(data, key)):
        found = read(item, field=f"{key}[{i}]")
        if found is None:
            raise InvalidArgument(f"{what} cannot be null", field=f"{key}[{i}]")
        out.append(found)
    return out


def _metadata(data: Mapping[str, Any]) -> p.Predicate:
    key = text(data, "key", required=True) or ""
    if data.get("cmp") is None:
        if data.get("value") is not None:
            raise InvalidArgument("a metadata value needs a cmp", field="value")
        return p.metadata(key)
    value = require(data, "value")
    if isinstance(value, int | float) and not isinstance(value, bool):
        number(value, "value")
    elif not isinstance(value, str | bool):
        raise InvalidArgument("value must be a string, number or boolean", field="value")
    return p.metadata(key, _cmp(data), value)


def _category_value(data: Mapping[str, Any]) -> p.Predicate:
    value = require(data, "value")
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise InvalidArgument("value must be an integer or a member name", field="value")
    return p.category_value(_cmp(data), value)


def _workout_activity(data: Mapping[str, Any]) -> p.Predicate:
    value = require(data, "activity_type")
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise InvalidArgument("activity_type must be a name or a raw value", field="activity_type")
    with as_field("activity_type"):
        return p.workout_activity(value)


def _workout_duration(data: Mapping[str, Any]) -> p.Predicate:
    micros = integer(data, "duration_us")
    try:
        duration = timedelta(microseconds=micros)
    except OverflowError:
        raise InvalidArgument("duration_us is out of range", field="duration_us") from None
    return p.workout_duration(_cmp(data), duration)


def _workout_total(data: Mapping[str, Any]) -> p.Predicate:
    total = text(data, "total", required=True) or ""
    return p.workout_total(total, _cmp(data), _quantity(data))


Reader = Callable[[Mapping[str, Any]], p.Predicate]
_READERS: dict[str, tuple[tuple[str, ...], Reader]] = {
    "and": (("parts",), lambda d: p.all_of(*_parts(d))),
    "or": (("parts",), lambda d: p.any_of(*_parts(d))),
    "not": (("part",), lambda d: ~_read(require(d, "part"), "part")),
    "time_window": (("start", "end", "strict_start", "strict_end", "time_zone"), _time_window),
    "sources": (("bundle_ids",), lambda d: p.from_sources(*_strings(d, "bundle_ids"))),
    "source_revisions": (("revisions",), _revisions),
    "devices": (("devices",), _devices),
    "device_property": (
        ("property", "values"),
        lambda d: p.device_property(
            text(d, "property", required=True) or "", *_strings(d, "values")
        ),
    ),
    "metadata": (("key", "cmp", "value"), _metadata),
    "uuids": (
        ("uuids",),
        lambda d: p.uuids(*(_uuid(u, f"uuids[{i}]") for i, u in enumerate(array(d, "uuids")))),
    ),
    "quantity": (("cmp", "value", "unit"), lambda d: p.quantity(_cmp(d), _quantity(d))),
    "category_value": (("cmp", "value"), _category_value),
    "workout_activity": (("activity_type",), _workout_activity),
    "workout_duration": (("cmp", "duration_us"), _workout_duration),
    "workout_total": (("total", "cmp", "value", "unit"), _workout_total),
    "in_workout": (("workout",), lambda d: p.in_workout(_uuid(require(d, "workout"), "workout"))),
    "fhir_resource_type": (
        ("resource_types",),
        lambda d: p.fhir_resource_type(*_strings(d, "resource_types")),
    ),
}
