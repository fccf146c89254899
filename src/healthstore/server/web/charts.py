"""A type's chart as JSON, computed by the statistics engine over one window: sums per
bucket for cumulative types (bars), minimum, average and maximum for discrete ones
(ranges), always merged by source priority and cut in the person's time zone."""

from __future__ import annotations

from datetime import timedelta, tzinfo
from typing import Any

from healthstore import catalogue
from healthstore.catalogue.registry import Kind
from healthstore.errors import InvalidArgument
from healthstore.model import CategorySample
from healthstore.query.statistics import Statistics
from healthstore.server.web.figures import display_unit, midnight
from healthstore.server.web.ranges import Window, bucket_bounds
from healthstore.server.web.sleep import SLEEP, night_of_sample
from healthstore.server.web.units_choice import unit_choices
from healthstore.store import HealthStore
from healthstore.units import Quantity


def chart_kind(type_name: str) -> str:
    """``sum`` (bars), ``range`` (min–max with average), ``events`` (a category type:
    how many per bucket; sleep: hours asleep), or ``none``."""
    t = catalogue.object_type(type_name)
    if t.short_name == BLOOD_PRESSURE:
        return "paired"
    if t.kind == Kind.category:
        return "events"
    if t.kind != Kind.quantity or t.aggregation is None:
        return "none"
    return "sum" if t.aggregation.value == "cumulative" else "range"


def _q(value: Quantity | None, unit: str) -> float | None:
    return None if value is None else round(value.value_in(unit), 6)


def chart(
    store: HealthStore, type_name: str, window: Window, zone: tzinfo, unit: str | None
) -> dict[str, Any]:
    """The buckets of ``window`` for ``type_name`` in ``unit`` (default: its display
    unit)."""
    kind = chart_kind(type_name)
    if kind == "none":
        raise InvalidArgument(f"{type_name} has no chart of values", field="type")
    if kind == "events":
        return events_chart(store, type_name, window, zone)
    if kind == "paired":
        return paired_chart(store, window, zone)
    shown = display_unit(type_name)
    choices = unit_choices(shown)
    unit = unit or shown
    if unit not in choices:
        raise InvalidArgument(f"unit must be one of {', '.join(choices)}", field="unit")
    options = "cumulativeSum" if kind == "sum" else "discreteAverage,discreteMin,discreteMax"
    buckets: list[Statistics] = store.statistics_collection(
        type_name,
        anchor=window.start,
        interval=window.interval,
        start=window.start,
        end=window.end,
        options=options,
        tz=zone,
    )
    rows = []
    for b in buckets:
        row: dict[str, Any] = {"start": b.start.isoformat(), "end": b.end.isoformat()}
        if kind == "sum":
            row["value"] = _q(b.sum, unit) if b.has_data else None
        else:
            row["average"] = _q(b.average, unit)
            row["minimum"] = _q(b.minimum, unit)
            row["maximum"] = _q(b.maximum, unit)
        rows.append(row)
    return {
        "type": type_name,
        "kind": kind,
        "unit": unit,
        "units": choices,
        "range": window.range,
        "label": window.label,
        "interval": window.interval,
        "start": window.start.isoformat(),
        "end": window.end.isoformat(),
        "buckets": rows,
        "headline": _headline(kind, rows),
    }


def _headline(kind: str, rows: list[dict[str, Any]]) -> dict[str, float | None]:
    """What the chart's title states: the total and the daily average of the buckets with
    data (sums), or the range and average of averages (discrete)."""
    if kind == "sum":
        values = [float(r["value"]) for r in rows if r["value"] is not None]
        if not values:
            return {"total": None, "average": None}
        return {"total": sum(values), "average": sum(values) / len(values)}
    lows = [r["minimum"] for r in rows if r["minimum"] is not None]
    highs = [r["maximum"] for r in rows if r["maximum"] is not None]
    return {"minimum": min(lows) if lows else None, "maximum": max(highs) if highs else None}


BLOOD_PRESSURE = "bloodPressure"
PAIRS = (("systolic", "bloodPressureSystolic"), ("diastolic", "bloodPressureDiastolic"))


def paired_chart(store: HealthStore, window: Window, zone: tzinfo) -> dict[str, Any]:
    """Blood pressure: per bucket, the systolic and the diastolic ranges (minimum to
    maximum) and averages, each from the statistics engine."""
    columns = {}
    for name, type_name in PAIRS:
        columns[name] = store.statistics_collection(
            type_name,
            anchor=window.start,
            interval=window.interval,
            start=window.start,
            end=window.end,
            options="discreteAverage,discreteMin,discreteMax",
            tz=zone,
        )
    rows = []
    for i, b in enumerate(columns["systolic"]):
        row: dict[str, Any] = {"start": b.start.isoformat(), "end": b.end.isoformat()}
        for name, _ in PAIRS:
            stat = columns[name][i]
            row[f"{name}_minimum"] = _q(stat.minimum, "mmHg")
            row[f"{name}_average"] = _q(stat.average, "mmHg")
            row[f"{name}_maximum"] = _q(stat.maximum, "mmHg")
        rows.append(row)
    overall = {
        name: store.statistics(
            type_name, start=window.start, end=window.end, options="discreteAverage"
        ).average
        for name, type_name in PAIRS
    }
    return {
        "type": BLOOD_PRESSURE,
        "kind": "paired",
        "unit": "mmHg",
        "units": [],
        "range": window.range,
        "label": window.label,
        "interval": window.interval,
        "start": window.start.isoformat(),
        "end": window.end.isoformat(),
        "buckets": rows,
        "headline": {name: _q(q, "mmHg") for name, q in overall.items()},
    }


def events_chart(
    store: HealthStore, type_name: str, window: Window, zone: tzinfo
) -> dict[str, Any]:
    """A category type's samples counted per bucket (a sample counts in the bucket it
    starts in); for sleep, the hours asleep per bucket, and per stage, each night counted
    on the day it ends (as Apple's Health app does; by the hour it starts in a day's
    chart)."""
    sleep = type_name == SLEEP
    by_night = sleep and window.interval != "1h"
    start = window.start - timedelta(hours=6) if by_night else window.start
    samples = [
        s
        for s in store.samples(type_name, start=start, end=window.end, sort="start")
        if isinstance(s, CategorySample)
    ]
    if by_night:
        keyed = [(midnight(night_of_sample(s.end, zone), zone), s) for s in samples]
    else:
        keyed = [(s.start, s) for s in samples]
    keyed.sort(key=lambda pair: pair[0])
    rows = []
    i = 0
    for start, end in bucket_bounds(window, zone):
        while i < len(keyed) and keyed[i][0] < start:
            i += 1
        first = i
        while i < len(keyed) and keyed[i][0] < end:
            i += 1
        inside = [sample for _, sample in keyed[first:i]]
        row: dict[str, Any] = {"start": start.isoformat(), "end": end.isoformat()}
        if sleep:
            stages: dict[str, float] = {}
            for s in inside:
                stages[s.label] = (
                    stages.get(s.label, 0.0) + (s.end - s.start).total_seconds() / 3600
                )
            asleep = sum(h for label, h in stages.items() if label.startswith("Asleep"))
            row["value"] = round(asleep, 6) if inside else None
            row["stages"] = {k: round(v, 6) for k, v in sorted(stages.items())}
        else:
            row["value"] = len(inside) or None
        rows.append(row)
    return {
        "type": type_name,
        "kind": "events",
        "unit": "hr" if sleep else "count",
        "units": [],
        "range": window.range,
        "label": window.label,
        "interval": window.interval,
        "start": window.start.isoformat(),
        "end": window.end.isoformat(),
        "buckets": rows,
        "headline": _headline("sum", rows),
    }
