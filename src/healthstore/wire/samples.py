"""Writing samples, tombstones and change feeds as JSON.

The command line's ``--json`` output and the HTTP API both speak this form; ``docs/cli.md``
lists every field. Instants are ISO 8601 text with an offset, quantities keep the unit text
their writer used, and metadata is plain JSON (dates become ISO text, quantities
``{"value", "unit"}``). :mod:`healthstore.wire.reading` reads it back.
"""

from __future__ import annotations

from collections.abc import Mapping

from healthstore import metadata as md
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
from healthstore.times import zone_name
from healthstore.units import Quantity
from healthstore.wire.fields import JSONObject

REVISION_FIELDS = ("version", "product_type", "os_version")
WORKOUT_TOTALS = (
    "total_energy_burned",
    "total_distance",
    "total_swimming_stroke_count",
    "total_flights_climbed",
)
WORKOUT_STATISTICS = ("sum", "average", "minimum", "maximum")


def quantity_to_json(quantity: Quantity) -> JSONObject:
    """``{"value": float, "unit": text}``."""
    return {"value": quantity.value, "unit": quantity.unit.text}


def plain_source_to_json(source: Source) -> JSONObject:
    """``{"bundle_id", "name"}``."""
    return {"bundle_id": source.bundle_id, "name": source.name}


def source_to_json(revision: SourceRevision | None) -> JSONObject | None:
    """The source with the revision fields that are set, or None."""
    if revision is None:
        return None
    out: JSONObject = {"bundle_id": revision.source.bundle_id, "name": revision.source.name}
    for key in REVISION_FIELDS:
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
    for name in WORKOUT_TOTALS:
        total: Quantity | None = getattr(workout, name)
        out[name] = None if total is None else quantity_to_json(total)
    out["events"] = [_event_to_json(e) for e in workout.events]
    out["activities"] = [_activity_to_json(a) for a in workout.activities]
    out["statistics"] = _statistics_to_json(workout.statistics)
    return out


def _statistics_to_json(statistics: Mapping[str, WorkoutStatistics]) -> JSONObject:
    return {
        stats.type.short_name: _workout_statistics_to_json(stats) for stats in statistics.values()
    }


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
        "events": [_event_to_json(e) for e in activity.events],
        "statistics": _statistics_to_json(activity.statistics),
    }


def _workout_statistics_to_json(stats: WorkoutStatistics) -> JSONObject:
    out: JSONObject = {}
    for name in WORKOUT_STATISTICS:
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
