"""One sample to the text of its ``export.xml`` element: the inverse of
:mod:`healthstore.interop.apple.elements`.

Each function returns whole lines (Apple's one-space indentation, a line break after each);
the caller decides where they go. Only samples that came out of a store are written, so
every sample has a source.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Final

from healthstore.catalogue import ObjectType
from healthstore.interop.apple.me import written
from healthstore.interop.apple.spelling import (
    activity_type_text,
    attr,
    attrs,
    beat_time,
    category_text,
    date_text,
    device_text,
    metadata_entries,
    number,
    unit_text,
    zone_of,
)
from healthstore.model import (
    ActivitySummary,
    CategorySample,
    Correlation,
    Device,
    QuantitySample,
    Sample,
    SourceRevision,
    Workout,
    WorkoutActivity,
    WorkoutEvent,
    WorkoutStatistics,
)
from healthstore.opaque import OpaqueRecord
from healthstore.records import (
    Audiogram,
    ClinicalRecord,
    HeartbeatSeries,
    VisionPrescription,
)
from healthstore.times import to_micros
from healthstore.units import Quantity

__all__ = [
    "activity_summary",
    "audiogram",
    "clinical_record",
    "correlation",
    "me",
    "opaque_record",
    "record",
    "vision_prescription",
    "workout",
]

Attributes = list[tuple[str, str | None]]


def _minutes(start_us: int, end_us: int) -> str:
    return number((end_us - start_us) / 60_000_000)


def _provenance(sample: Sample) -> Attributes:
    """sourceName, sourceVersion and device, in Apple's order."""
    revision = sample.source_revision
    assert revision is not None, "only stored samples are written"
    return [
        ("sourceName", revision.source.name),
        ("sourceVersion", revision.version),
        ("device", device_text(sample.device)),
    ]


@lru_cache(maxsize=1024)
def _record_head(
    type_id: str, revision: SourceRevision, device: Device | None, unit: str | None
) -> str:
    """The attributes every record of one type, source, device and unit shares, ready."""
    pairs: Attributes = [("type", type_id), ("sourceName", revision.source.name)]
    pairs += [("sourceVersion", revision.version), ("device", device_text(device))]
    return attrs([*pairs, ("unit", None if unit is None else unit_text(unit))])


def _span(sample: Sample) -> Attributes:
    return [("startDate", date_text(sample.start)), ("endDate", date_text(sample.end))]


def _element(tag: str, attributes: Attributes, children: str, indent: str) -> str:
    head = f"{indent}<{tag}{attrs(attributes)}"
    if not children:
        return head + "/>\n"
    return f"{head}>\n{children}{indent}</{tag}>\n"


def _value_in(q: Quantity, unit: str) -> str:
    """``q``'s number in ``unit`` (its own number when that is its unit: no rounding)."""
    return number(q.value if q.unit.text == unit else q.value_in(unit))


# -- records -------------------------------------------------------------------------------------


def record(
    sample: QuantitySample | CategorySample,
    indent: str = " ",
    beats: HeartbeatSeries | None = None,
) -> str:
    """A ``Record``: a quantity in the unit its writer used, or a category value by name;
    with ``beats``, the heartbeat series as its ``HeartRateVariabilityMetadataList``."""
    revision = sample.source_revision
    assert revision is not None, "only stored samples are written"
    if isinstance(sample, QuantitySample):
        unit: str | None = sample.quantity.unit.text
        value = number(sample.quantity.value)
    else:
        unit, value = None, category_text(sample.type, sample.value)
    head = _record_head(sample.type.identifier, revision, sample.device, unit)
    dates = f'startDate="{date_text(sample.start)}" endDate="{date_text(sample.end)}"'
    text = f'{indent}<Record{head} {dates} value="{value}"'  # nothing here needs escaping
    children = metadata_entries(sample.metadata, indent + " ") if sample.metadata else ""
    if beats is not None:
        children += heartbeat_list(beats, sample, indent + " ")
    if not children:
        return text + "/>\n"
    return f"{text}>\n{children}{indent}</Record>\n"


def heartbeat_list(series: HeartbeatSeries, holder: Sample, indent: str) -> str:
    """The beats of ``series`` as wall-clock times in the zone the importer reads
    ``holder``'s times in, each with the instantaneous rate since the beat before."""
    zone = zone_of(holder.metadata, holder.start.tzinfo)
    lines = []
    previous: float | None = None
    for i, beat in enumerate(series.beats):
        at = (series.start + timedelta(seconds=beat.time_since_start)).astimezone(zone)
        gap = beat.time_since_start - previous if previous is not None else None
        if gap is None and i + 1 < len(series.beats):
            gap = series.beats[i + 1].time_since_start - beat.time_since_start
        bpm = round(60 / gap) if gap else 0
        previous = beat.time_since_start
        lines.append(
            f'{indent} <InstantaneousBeatsPerMinute bpm="{bpm}" time="{beat_time(at)}"/>\n'
        )
    return _element("HeartRateVariabilityMetadataList", [], "".join(lines), indent)


def correlation(sample: Correlation, indent: str = " ") -> str:
    """A ``Correlation`` with its members as nested ``Record`` elements."""
    attributes = [("type", sample.type.identifier), *_provenance(sample), *_span(sample)]
    inner = indent + " "
    children = metadata_entries(sample.metadata, inner)
    for member in sample.objects:
        assert isinstance(member, QuantitySample | CategorySample)
        children += record(member, inner)
    return _element("Correlation", attributes, children, indent)


# -- workouts ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RouteReference:
    """A route to write inside a workout, and the file its locations go to."""

    route: Sample
    path: str


_TOTALS: Final = (
    ("total_distance", "totalDistance", "totalDistanceUnit"),
    ("total_energy_burned", "totalEnergyBurned", "totalEnergyBurnedUnit"),
)


def workout(sample: Workout, routes: Sequence[RouteReference] = (), indent: str = " ") -> str:
    """A ``Workout`` with its metadata, events, activities, statistics and routes."""
    start_us, end_us = to_micros(sample.start), to_micros(sample.end)
    attributes: Attributes = [
        ("workoutActivityType", activity_type_text(sample.activity_type)),
        ("duration", _minutes(start_us, end_us)),
        ("durationUnit", "min"),
    ]
    for field, value_name, unit_name in _TOTALS:
        total: Quantity | None = getattr(sample, field)
        if total is not None:
            attributes += [
                (value_name, number(total.value)),
                (unit_name, unit_text(total.unit.text)),
            ]
    attributes += [*_provenance(sample), *_span(sample)]
    inner = indent + " "
    parts = [metadata_entries(sample.metadata, inner)]
    parts += [_event(event, inner) for event in sample.events]
    parts += [_activity(activity, inner) for activity in sample.activities]
    parts += [_statistics(s, sample.start, sample.end, inner) for s in sample.statistics.values()]
    parts += [_route(reference, inner) for reference in routes]
    return _element("Workout", attributes, "".join(parts), indent)


def _event(event: WorkoutEvent, indent: str) -> str:
    start_us, end_us = to_micros(event.start), to_micros(event.end)
    attributes: Attributes = [("type", "HKWorkoutEventType" + event.name)]
    attributes.append(("date", date_text(event.start)))
    if end_us > start_us:
        attributes += [("duration", _minutes(start_us, end_us)), ("durationUnit", "min")]
    return _element(
        "WorkoutEvent", attributes, metadata_entries(event.metadata, indent + " "), indent
    )


def _activity(activity: WorkoutActivity, indent: str) -> str:
    start_us, end_us = to_micros(activity.start), to_micros(activity.end)
    attributes: Attributes = [
        ("uuid", str(activity.uuid).upper()),
        ("workoutActivityType", activity_type_text(activity.activity_type)),
        ("startDate", date_text(activity.start)),
        ("endDate", date_text(activity.end)),
        ("duration", _minutes(start_us, end_us)),
        ("durationUnit", "min"),
    ]
    inner = indent + " "
    parts = [_event(event, inner) for event in activity.events]
    parts += [
        _statistics(s, activity.start, activity.end, inner) for s in activity.statistics.values()
    ]
    parts.append(metadata_entries(activity.metadata, inner))  # last, as Apple writes it
    return _element("WorkoutActivity", attributes, "".join(parts), indent)


def _statistics(statistics: WorkoutStatistics, start: datetime, end: datetime, indent: str) -> str:
    """One ``WorkoutStatistics`` over its holder's span (a workout's or an activity's); its
    values share one unit, the first one's."""
    values = [
        (name, getattr(statistics, name)) for name in ("average", "minimum", "maximum", "sum")
    ]
    present = [(name, q) for name, q in values if q is not None]
    attributes: Attributes = [
        ("type", statistics.type.identifier),
        ("startDate", date_text(start)),
        ("endDate", date_text(end)),
    ]
    if present:
        unit = present[0][1].unit.text
        attributes += [(name, _value_in(q, unit)) for name, q in present]
        attributes.append(("unit", unit_text(unit)))
    return _element("WorkoutStatistics", attributes, "", indent)


def _route(reference: RouteReference, indent: str) -> str:
    route = reference.route
    attributes = [*_provenance(route), *_span(route)]
    inner = indent + " "
    children = metadata_entries(route.metadata, inner)
    children += f'{inner}<FileReference path="/{reference.path}"/>\n'
    return _element("WorkoutRoute", attributes, children, indent)


# -- the rest ------------------------------------------------------------------------------------

_SUMMARY: Final = (
    ("activeEnergyBurned", "active_energy_burned", None),
    ("activeEnergyBurnedGoal", "active_energy_burned_goal", None),
    ("appleMoveTime", "move_time", "min"),
    ("appleMoveTimeGoal", "move_time_goal", "min"),
    ("appleExerciseTime", "exercise_time", "min"),
    ("appleExerciseTimeGoal", "exercise_time_goal", "min"),
    ("appleStandHours", "stand_hours", "count"),
    ("appleStandHoursGoal", "stand_hours_goal", "count"),
)


def activity_summary(summary: ActivitySummary, indent: str = " ") -> str:
    """An ``ActivitySummary``; energy in its own unit, times in minutes, stand hours as a
    count (the units the export implies)."""
    energy = summary.active_energy_burned or summary.active_energy_burned_goal
    energy_unit = energy.unit.text if energy is not None else None
    attributes: Attributes = [("dateComponents", summary.day.isoformat())]
    for name, field, unit in _SUMMARY:
        q: Quantity | None = getattr(summary, field)
        target = unit or energy_unit
        if q is not None and target is not None:
            attributes.append((name, _value_in(q, target)))
        if name == "activeEnergyBurnedGoal" and energy_unit is not None:
            attributes.append(("activeEnergyBurnedUnit", unit_text(energy_unit)))
    return _element("ActivitySummary", attributes, "", indent)


def me(
    characteristics: Iterable[tuple[ObjectType, int | date | None]],
    kept: Mapping[str, str] | None = None,
    indent: str = " ",
) -> str:
    """``Me`` from (characteristic type, value) pairs (a None value is written empty) and
    the attributes kept verbatim from an import (in place of an unset characteristic, or
    after the characteristics)."""
    return _element("Me", list(written(characteristics, kept or {})), "", indent)


FHIR_VERSIONS: Final = {"R4": "4.0.1", "DSTU2": "1.0.2"}


def clinical_record(sample: ClinicalRecord, path: str, indent: str = " ") -> str:
    """A ``ClinicalRecord`` pointing at the file ``path`` that holds its FHIR resource."""
    attributes: Attributes = [
        ("type", sample.type.identifier),
        ("identifier", sample.fhir_id or str(sample.uuid).upper()),
        ("sourceName", sample.source_name),
        ("sourceURL", sample.source_url or ""),
        ("fhirVersion", FHIR_VERSIONS.get(sample.fhir_release, sample.fhir_release)),
        ("receivedDate", date_text(sample.start)),
        ("resourceFilePath", f"/{path}"),
    ]
    return _element("ClinicalRecord", attributes, "", indent)


def audiogram(sample: Audiogram, indent: str = " ") -> str:
    """An ``Audiogram`` with a ``SensitivityPoint`` per frequency (Hz, dBHL)."""
    attributes = [("type", sample.type.identifier), *_provenance(sample), *_span(sample)]
    inner = indent + " "
    children = metadata_entries(sample.metadata, inner)
    for point in sample.points:
        ears: Attributes = [("frequencyValue", number(point.frequency)), ("frequencyUnit", "Hz")]
        for side, value in (("leftEar", point.left), ("rightEar", point.right)):
            if value is not None:
                ears += [(f"{side}Value", number(value)), (f"{side}Unit", "dBHL")]
        children += _element("SensitivityPoint", ears, "", inner)
    return _element("Audiogram", attributes, children, indent)


_EYE: Final = {
    "sphere": ("sphere", "D"),
    "cylinder": ("cylinder", "D"),
    "axis": ("axis", "deg"),
    "add": ("add", "D"),
    "vertex": ("vertex", "mm"),
    "prism_amount": ("prismAmount", "prismDiopter"),
    "prism_angle": ("prismAngle", "deg"),
    "far_pupillary_distance": ("farPD", "mm"),
    "near_pupillary_distance": ("nearPD", "mm"),
    "base_curve": ("baseCurve", "mm"),
    "diameter": ("diameter", "mm"),
}


def _eye(tag: str, values: Mapping[str, float], indent: str) -> str:
    attributes: Attributes = []
    for field, value in values.items():
        name, unit = _EYE[field]
        attributes += [(name, number(value)), (f"{name}Unit", unit)]
    return _element(tag, attributes, "", indent)


def vision_prescription(sample: VisionPrescription, indent: str = " ") -> str:
    """A ``VisionPrescription`` with its eyes."""
    kind = "Contacts" if sample.prescription_type == "contacts" else "Glasses"
    expiration = sample.expiration
    attributes: Attributes = [
        ("type", f"HKVisionPrescriptionType{kind}"),
        ("prescriptionType", sample.prescription_type),
        *_provenance(sample),
        ("dateIssued", date_text(sample.start)),
        ("expirationDate", date_text(expiration) if expiration is not None else None),
    ]
    inner = indent + " "
    children = metadata_entries(sample.metadata, inner)
    if sample.right_eye:
        children += _eye("RightEye", sample.right_eye, inner)
    if sample.left_eye:
        children += _eye("LeftEye", sample.left_eye, inner)
    return _element("VisionPrescription", attributes, children, indent)


def opaque_record(record: OpaqueRecord) -> str:
    """A Record of a type this version does not know, as it was written."""
    attributes = "".join(f' {name}="{attr(value)}"' for name, value in record.attributes)
    if not record.metadata:
        return f" <Record{attributes}/>\n"
    entries = "".join(
        f'  <MetadataEntry key="{attr(key)}" value="{attr(value)}"/>\n'
        for key, value in record.metadata
    )
    return f" <Record{attributes}>\n{entries} </Record>\n"
