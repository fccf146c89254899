"""Reading samples, tombstones and change feeds back from their JSON form.

:func:`sample_from_json` is the inverse of :func:`~healthstore.wire.sample_to_json` for
every sample kind. ``type`` is a short name (``stepCount``) or a full identifier; ``kind``
is optional; unknown fields, and fields of another kind, are refused. Every object goes
through the model's validating constructors. Errors are
:class:`~healthstore.errors.InvalidArgument` whose ``field`` is the JSON path at fault,
e.g. ``samples[3].events[0].start``. Metadata dates come back as the ISO text they were
written as.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from uuid import UUID

from healthstore import catalogue, limits
from healthstore import metadata as md
from healthstore.catalogue import Kind, ObjectType
from healthstore.errors import InvalidArgument
from healthstore.model import (
    CategorySample,
    Changes,
    Correlation,
    DeletedObject,
    QuantitySample,
    Sample,
)
from healthstore.model.measures import fitting_unit
from healthstore.times import zone
from healthstore.units import Quantity, parse_unit
from healthstore.wire.fields import (
    array,
    as_field,
    at,
    check_range,
    instant,
    integer,
    json_object,
    metadata_from_json,
    text,
)
from healthstore.wire.payloads import PAYLOAD_KINDS, payload_sample_from_json
from healthstore.wire.provenance import device_from_json, revision_from_json
from healthstore.wire.workouts import WORKOUT_FIELDS, workout_from_json

_COMMON_FIELDS = frozenset(
    {"uuid", "type", "kind", "start", "end", "time_zone", "source", "device", "metadata"}
)
_KIND_FIELDS: dict[Kind, frozenset[str]] = {
    Kind.quantity: frozenset({"value", "unit", "count"}),
    Kind.category: frozenset({"value", "label"}),
    Kind.workout: WORKOUT_FIELDS,
    Kind.correlation: frozenset({"objects"}),
    **dict.fromkeys(PAYLOAD_KINDS, frozenset({"payload"})),
}
_SAMPLE_FIELDS = _COMMON_FIELDS.union(*_KIND_FIELDS.values())


def sample_from_json(data: object, *, where: str = "") -> Sample:
    """A sample of any kind from its JSON form. ``where`` prefixes the field named in
    errors, e.g. ``samples[3]``."""
    with at(where):
        return _sample(data)


def deleted_from_json(data: object, *, where: str = "") -> DeletedObject:
    """A tombstone from ``{"uuid", "type", "metadata"}``."""
    with at(where):
        obj = json_object(data, ("uuid", "type", "metadata"), "a deleted object")
        uuid = _uuid(text(obj, "uuid", required=True) or "")
        t = _sample_type(obj)
        with at("metadata"):
            metadata = metadata_from_json(obj.get("metadata"))
        return DeletedObject(uuid, t, md.normalize(metadata))


def changes_from_json(data: object, *, where: str = "") -> Changes:
    """A change feed page from ``{"added": [...], "deleted": [...], "anchor": int}``."""
    with at(where):
        obj = json_object(data, ("added", "deleted", "anchor"), "a change feed page")
        added = [
            sample_from_json(item, where=f"added[{i}]")
            for i, item in enumerate(array(obj, "added"))
        ]
        deleted = [
            deleted_from_json(item, where=f"deleted[{i}]")
            for i, item in enumerate(array(obj, "deleted"))
        ]
        anchor = integer(obj, "anchor")
        if anchor < 0:
            raise InvalidArgument("anchor must be >= 0", field="anchor")
        return Changes(added, deleted, anchor)


def _sample(data: object) -> Sample:
    obj = json_object(data, _SAMPLE_FIELDS, "a sample")
    t = _sample_type(obj)
    kind = obj.get("kind")
    if kind is not None and kind != t.kind.value:
        raise InvalidArgument(
            f"kind {kind!r} does not match type {t.short_name} ({t.kind})", field="kind"
        )
    for key in obj:
        if key not in _COMMON_FIELDS and key not in _KIND_FIELDS[t.kind]:
            raise InvalidArgument(f"{key} does not apply to {t.kind} samples", field=key)
    tz_name = text(obj, "time_zone")
    tz = None
    if tz_name is not None:
        with as_field("time_zone"):
            tz = zone(tz_name)
    start = instant(obj, "start")
    end = instant(obj, "end") if obj.get("end") is not None else start
    if tz is not None:
        start, end = start.astimezone(tz), end.astimezone(tz)
    with at("metadata"):
        metadata = metadata_from_json(obj.get("metadata"))
    common: dict[str, Any] = {
        "source": revision_from_json(obj.get("source")),
        "device": device_from_json(obj.get("device")),
        "metadata": metadata,
        "uuid": text(obj, "uuid"),
    }
    if t.kind is Kind.quantity:
        return _quantity_sample(t, obj, start, end, common)
    if t.kind is Kind.category:
        return _category_sample(t, obj, start, end, common)
    if t.kind is Kind.workout:
        return workout_from_json(obj, start, end, tz, common)
    if t.kind is Kind.correlation:
        members = []
        for i, item in enumerate(array(obj, "objects")):
            with at(f"objects[{i}]"):
                members.append(_sample(item))
        return Correlation(t, start, end, members, **common)
    return payload_sample_from_json(t, obj.get("payload"), start, end, tz, common)


def _uuid(value: str) -> UUID:
    try:
        return UUID(value)
    except ValueError:
        raise InvalidArgument(f"uuid {value!r} is not a UUID", field="uuid") from None


def _sample_type(data: Mapping[str, Any]) -> ObjectType:
    t = catalogue.object_type(text(data, "type", required=True) or "")
    if not t.kind.is_sample:
        raise InvalidArgument(f"{t.short_name} is a {t.kind} type, not a sample type", field="type")
    return t


def _quantity_sample(
    t: ObjectType,
    data: Mapping[str, Any],
    start: datetime,
    end: datetime,
    common: dict[str, Any],
) -> QuantitySample:
    value = data.get("value")
    if value is None:
        raise InvalidArgument("value is required", field="value")
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidArgument(f"value of {t.short_name} must be a number", field="value")
    check_range(value, "value")
    unit = fitting_unit(t, parse_unit(text(data, "unit", required=True) or ""), "unit")
    quantity = Quantity(value, unit)
    limits.check_quantity(t, quantity, "value")
    count = data.get("count", 1)
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise InvalidArgument("count must be an integer >= 1", field="count")
    return QuantitySample(t, quantity, start, end, count=count, **common)


def _category_sample(
    t: ObjectType,
    data: Mapping[str, Any],
    start: datetime,
    end: datetime,
    common: dict[str, Any],
) -> CategorySample:
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
        with as_field("label"):
            from_label = t.value_enum.parse(label)
        if raw is not None and raw != from_label:
            raise InvalidArgument("label and value name different members", field="label")
        raw = from_label
    assert raw is not None
    return CategorySample(t, raw, start, end, **common)
