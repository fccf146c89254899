"""One element of ``export.xml`` to model objects.

Every converter takes an element (:class:`~healthstore.interop.apple.tree.Element`) and
returns what it stands for; anything it cannot accept raises :class:`Rejected` with the
reason, which the parser reports with the element's line. A bad field costs that field, not
the element: a device that is not Apple's description is kept as a name, a metadata value
that does not read is kept as text, a workout event outside its workout is left out, each
noted in :attr:`Context.repairs`. Sample uuids are derived from content
(:mod:`~healthstore.interop.apple.uuids`), so a second import of the same export finds every
sample already there.

The converters here are those of Records, Correlations, ActivitySummary and Me; a Workout's
are in :mod:`~healthstore.interop.apple.workout_elements`, medical records' in
:mod:`~healthstore.interop.apple.medical`; what they share is in
:mod:`~healthstore.interop.apple.conversion` and
:mod:`~healthstore.interop.apple.element_fields`.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from uuid import UUID

from healthstore.catalogue import Kind
from healthstore.errors import HealthStoreError
from healthstore.interop.apple.conversion import Context, Converted, Rejected
from healthstore.interop.apple.element_fields import (
    Attributes,
    build,
    category_value,
    element_times,
    element_uuid,
    identity_of,
    identity_text,
    metadata_entries,
    metadata_from,
    metadata_or_repair,
    quantity_of,
    required,
    sample_type,
)
from healthstore.interop.apple.me import read_me
from healthstore.interop.apple.tree import Element
from healthstore.interop.apple.values import parse_beat_time
from healthstore.interop.apple.workout_elements import workout
from healthstore.model import (
    ActivitySummary,
    CategorySample,
    Correlation,
    Device,
    QuantitySample,
    Sample,
    SourceRevision,
    stable_uuid,
)
from healthstore.records import Heartbeat, HeartbeatSeries

__all__ = [
    "Context",
    "Converted",
    "Rejected",
    "activity_summary",
    "correlation",
    "me",
    "record",
    "workout",
]


def record(element: Element, ctx: Context, *, member: bool = False) -> Converted:
    """A Record: a quantity or category sample (plus a heartbeat series for HRV beats);
    ``member`` for one inside a Correlation."""
    attrs = Attributes(element)
    t = sample_type(attrs)
    revision, device = ctx.revision(attrs), ctx.device(attrs)
    entries = metadata_entries(element)
    meta = metadata_from(entries, ctx.repairs)
    start, end = element_times(attrs, meta)
    identity = identity_of(attrs, entries, revision)
    uuid = ctx.uuids.record_uuid(start, identity, attrs.get("creationDate"), track=not member)
    value = attrs.get("value")
    kind = t.kind
    try:
        if kind is Kind.quantity:
            q = quantity_of(value, attrs.get("unit"), "value")
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
    uuid = stable_uuid(first, identity_text("beats", record_uuid))
    try:
        return HeartbeatSeries(first, last, beats, source=revision, device=device, uuid=uuid)
    except HealthStoreError as exc:
        raise Rejected(exc.message) from None


def correlation(element: Element, ctx: Context) -> Converted:
    """A Correlation with its member records (members also stand alone in the export; their
    content-derived uuids make the two copies one sample)."""
    t = sample_type(element)
    if t.kind is not Kind.correlation:
        raise Rejected(f"{t.short_name} is not a correlation type")
    revision, device = ctx.revision(element), ctx.device(element)
    meta = metadata_or_repair(element, ctx)
    start, end = element_times(element, meta)
    members = [record(c, ctx, member=True).samples[0] for c in element.iterfind("Record")]
    uuid = element_uuid(element, start, revision, ctx)
    sample = build(
        lambda: Correlation(
            t, start, end, members, source=revision, device=device, metadata=meta, uuid=uuid
        )
    )
    return Converted([sample])


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
    text = required(element, "dateComponents")
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise Rejected(f"dateComponents {text!r} is not a date") from None
    values = {
        name: quantity_of(
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
