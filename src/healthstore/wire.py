"""The stable JSON form of samples, deleted objects and change feeds.

The command line's ``--json`` output and the HTTP API both speak it; ``docs/cli.md`` lists
every field. Instants are ISO 8601 text with an offset, quantities keep the unit text their
writer used, and metadata is plain JSON (dates become ISO text, quantities
``{"value", "unit"}``). :func:`sample_from_json` reads quantity and category samples back;
its errors are :class:`~healthstore.errors.InvalidArgument` naming the JSON field at fault.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from healthstore import catalogue
from healthstore import metadata as md
from healthstore.catalogue import Kind, ObjectType
from healthstore.errors import InvalidArgument
from healthstore.model import (
    CategorySample,
    Changes,
    Correlation,
    DeletedObject,
    Device,
    QuantitySample,
    Sample,
    Source,
    SourceRevision,
    Workout,
    WorkoutActivity,
    WorkoutEvent,
    WorkoutStatistics,
)
from healthstore.records import PayloadSample
from healthstore.times import parse_instant, zone, zone_name
from healthstore.units import Quantity, parse_unit

JSONObject = dict[str, Any]

_REVISION_FIELDS = ("version", "product_type", "os_version")
_WORKOUT_TOTALS = (
    "total_energy_burned",
    "total_distance",
    "total_swimming_stroke_count",
    "total_flights_climbed",
)
_STATISTICS = ("sum", "average", "minimum", "maximum")
_SAMPLE_FIELDS = frozenset(
    {
        "uuid",
        "type",
        "kind",
        "start",
        "end",
        "time_zone",
        "value",
        "unit",
        "count",
        "label",
        "source",
        "device",
        "metadata",
    }
)


# --- writing ------------------------------------------------------------------------------


def quantity_to_json(quantity: Quantity) -> JSONObject:
    """``{"value": float, "unit": text}``."""
    return {"value": quantity.value, "unit": quantity.unit.text}


def source_to_json(revision: SourceRevision | None) -> JSONObject | None:
    """The source with the revision fields that are set, or None."""
    if revision is None:
        return None
    out: JSONObject = {"bundle_id": revision.source.bundle_id, "name": revision.source.name}
    for key in _REVISION_FIELDS:
        value = getattr(revision, key)
        if value is not None:
            out[key] = value
    return out


def device_to_json(device: Device | None) -> JSONObject | None:
    """The device's non-null fields, or None."""
    if device is None:
        return None
    return {key: getattr(device, key) for key in Device.__slots__ if getattr(device, key)}


def sample_to_json(sample: Sample) -> JSONObject:
    """A sample of any kind as a JSON-ready dict."""
    out: JSONObject = {
        "uuid": str(sample.uuid),
        "type": sample.type.short_name,
        "kind": sample.kind.value,
        "start": sample.start.isoformat(),
        "end": sample.end.isoformat(),
        "time_zone": zone_name(sample.start),
    }
    if isinstance(sample, QuantitySample):
        out["value"] = sample.quantity.value
        out["unit"] = sample.quantity.unit.text
        if sample.count > 1:
            out["count"] = sample.count
    elif isinstance(sample, CategorySample):
        out["value"] = sample.value
        out["label"] = sample.label
    out["source"] = source_to_json(sample.source_revision)
    out["device"] = device_to_json(sample.device)
    out["metadata"] = md.to_plain(sample.metadata)
    if isinstance(sample, Workout):
        out.update(_workout_to_json(sample))
    elif isinstance(sample, Correlation):
        out["objects"] = [sample_to_json(member) for member in sample.objects]
    elif isinstance(sample, PayloadSample):
        out["payload"] = sample.payload()
    return out


def _workout_to_json(workout: Workout) -> JSONObject:
    out: JSONObject = {"activity_type": workout.activity_name}
    for name in _WORKOUT_TOTALS:
        total: Quantity | None = getattr(workout, name)
        out[name] = None if total is None else quantity_to_json(total)
    out["events"] = [_event_to_json(e) for e in workout.events]
    out["activities"] = [_activity_to_json(a) for a in workout.activities]
    out["statistics"] = {
        stats.type.short_name: _statistics_to_json(stats) for stats in workout.statistics.values()
    }
    return out


def _event_to_json(event: WorkoutEvent) -> JSONObject:
    return {
        "type": event.name,
        "start": event.start.isoformat(),
        "end": event.end.isoformat(),
        "metadata": md.to_plain(event.metadata),
    }


def _activity_to_json(activity: WorkoutActivity) -> JSONObject:
    return {
        "uuid": str(activity.uuid),
        "activity_type": activity.activity_name,
        "start": activity.start.isoformat(),
        "end": activity.end.isoformat(),
        "metadata": md.to_plain(activity.metadata),
    }


def _statistics_to_json(stats: WorkoutStatistics) -> JSONObject:
    out: JSONObject = {}
    for name in _STATISTICS:
        value: Quantity | None = getattr(stats, name)
        if value is not None:
            out[name] = quantity_to_json(value)
    return out


def deleted_to_json(deleted: DeletedObject) -> JSONObject:
    """A tombstone: ``{"uuid", "type", "metadata"}``."""
    return {
        "uuid": str(deleted.uuid),
        "type": deleted.type.short_name,
        "metadata": md.to_plain(deleted.metadata),
    }


def changes_to_json(changes: Changes) -> JSONObject:
    """A change feed page: ``{"added": [...], "deleted": [...], "anchor": int}``."""
    return {
        "added": [sample_to_json(s) for s in changes.added],
        "deleted": [deleted_to_json(d) for d in changes.deleted],
        "anchor": changes.anchor,
    }


# --- reading ------------------------------------------------------------------------------


def sample_from_json(data: object, *, where: str = "") -> Sample:
    """A quantity or category sample from its JSON form (the inverse of
    :func:`sample_to_json`). ``where`` prefixes the field named in errors, e.g.
    ``samples[3]``. Metadata dates come back as the ISO text they were written as."""
    try:
        return _sample_from_json(data)
    except InvalidArgument as exc:
        if not where:
            raise
        field = f"{where}.{exc.field}" if exc.field else where
        raise InvalidArgument(f"{where}: {exc.message}", field=field) from None


def _sample_from_json(data: object) -> Sample:
    if not isinstance(data, Mapping):
        raise InvalidArgument("a sample must be a JSON object")
    unknown = sorted(str(key) for key in data if key not in _SAMPLE_FIELDS)
    if unknown:
        raise InvalidArgument(f"unknown field {unknown[0]!r}", field=unknown[0])
    t = catalogue.object_type(_text(data, "type", required=True) or "")
    kind = data.get("kind")
    if kind is not None and kind != t.kind.value:
        raise InvalidArgument(
            f"kind {kind!r} does not match type {t.short_name} ({t.kind})", field="kind"
        )
    start = _instant(data, "start")
    end = _instant(data, "end") if data.get("end") is not None else start
    tz_name = _text(data, "time_zone")
    if tz_name is not None:
        try:
            tz = zone(tz_name)
        except InvalidArgument as exc:
            raise InvalidArgument(exc.message, field="time_zone") from None
        start, end = start.astimezone(tz), end.astimezone(tz)
    common: dict[str, Any] = {
        "source": _source(data.get("source")),
        "device": _device(data.get("device")),
        "metadata": _metadata(data.get("metadata")),
        "uuid": _text(data, "uuid"),
    }
    if t.kind is Kind.quantity:
        return _quantity_sample(t, data, start, end, common)
    if t.kind is Kind.category:
        return _category_sample(t, data, start, end, common)
    raise InvalidArgument(
        f"{t.short_name} is a {t.kind} type; only quantity and category samples are read from JSON",
        field="type",
    )


def _quantity_sample(
    t: ObjectType,
    data: Mapping[str, Any],
    start: datetime,
    end: datetime,
    common: dict[str, Any],
) -> QuantitySample:
    if "label" in data:
        raise InvalidArgument("label applies to category samples only", field="label")
    value = data.get("value")
    if value is None:
        raise InvalidArgument("value is required", field="value")
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidArgument(f"value of {t.short_name} must be a number", field="value")
    _check_range(value, "value")
    unit = parse_unit(_text(data, "unit", required=True) or "")
    assert t.canonical_unit is not None
    if not unit.is_compatible(t.canonical_unit):
        raise InvalidArgument(
            f"unit {unit.text!r} does not fit {t.short_name} "
            f"(expects a unit compatible with {t.canonical_unit!r})",
            field="unit",
        )
    count = data.get("count", 1)
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise InvalidArgument("count must be an integer >= 1", field="count")
    return QuantitySample(t, Quantity(value, unit), start, end, count=count, **common)


def _category_sample(
    t: ObjectType,
    data: Mapping[str, Any],
    start: datetime,
    end: datetime,
    common: dict[str, Any],
) -> CategorySample:
    for key in ("unit", "count"):
        if key in data:
            raise InvalidArgument(f"{key} applies to quantity samples only", field=key)
    assert t.value_enum is not None
    value, label = data.get("value"), data.get("label")
    if value is None and label is None:
        raise InvalidArgument("value (or label) is required", field="value")
    raw: int | None = None
    if value is not None:
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise InvalidArgument("value must be an integer or a member name", field="value")
        raw = t.value_enum.parse(value)
    if label is not None:
        if not isinstance(label, str):
            raise InvalidArgument("label must be a member name", field="label")
        try:
            from_label = t.value_enum.parse(label)
        except InvalidArgument as exc:
            raise InvalidArgument(exc.message, field="label") from None
        if raw is not None and raw != from_label:
            raise InvalidArgument("label and value name different members", field="label")
        raw = from_label
    assert raw is not None
    return CategorySample(t, raw, start, end, **common)


def _text(data: Mapping[str, Any], key: str, *, required: bool = False) -> str | None:
    value = data.get(key)
    if value is None:
        if required:
            raise InvalidArgument(f"{key} is required", field=key)
        return None
    if not isinstance(value, str) or not value:
        raise InvalidArgument(f"{key} must be a non-empty string", field=key)
    return value


def _instant(data: Mapping[str, Any], key: str) -> datetime:
    return parse_instant(_text(data, key, required=True) or "", key)


def _check_range(value: object, field: str) -> None:
    """Integers too large for a float are refused here rather than overflowing later."""
    if isinstance(value, int) and not isinstance(value, bool):
        try:
            float(value)
        except OverflowError:
            raise InvalidArgument(f"{field} is out of range", field=field) from None


def _source(value: object) -> SourceRevision | None:
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise InvalidArgument("source must be a JSON object", field="source")
    allowed = {"bundle_id", "name", *_REVISION_FIELDS}
    for key in value:
        if key not in allowed:
            raise InvalidArgument(f"unknown field source.{key}", field=f"source.{key}")
    texts = {key: _text(value, key) for key in allowed}
    bundle_id = texts.pop("bundle_id")
    if bundle_id is None:
        raise InvalidArgument("source.bundle_id is required", field="source.bundle_id")
    name = texts.pop("name") or bundle_id
    return SourceRevision(Source(bundle_id, name), **texts)


def _device(value: object) -> Device | None:
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise InvalidArgument("device must be a JSON object", field="device")
    for key in value:
        if key not in Device.__slots__:
            raise InvalidArgument(f"unknown field device.{key}", field=f"device.{key}")
    return Device(**{key: _text(value, key) for key in value})


def _metadata(value: object) -> dict[str, Any] | None:
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise InvalidArgument("metadata must be a JSON object", field="metadata")
    out: dict[str, Any] = {}
    for key, item in value.items():
        where = f"metadata[{key!r}]"
        if isinstance(item, Mapping):
            if set(item) != {"value", "unit"}:
                raise InvalidArgument(
                    f"{where}: objects must be quantities {{value, unit}}", field=where
                )
            try:
                _check_range(item["value"], where)
                item = Quantity(item["value"], item["unit"])
            except InvalidArgument as exc:
                raise InvalidArgument(f"{where}: {exc.message}", field=where) from None
        out[key] = item
    return out


__all__ = [
    "changes_to_json",
    "deleted_to_json",
    "device_to_json",
    "quantity_to_json",
    "sample_from_json",
    "sample_to_json",
    "source_to_json",
]
