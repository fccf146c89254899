"""Samples and statistics as data frames: Arrow tables, pandas and polars DataFrames.

pandas, polars and pyarrow are optional (``pip install 'healthstore[frames]'``); they are
imported when a function here is called, and a missing one is an ``ImportError`` naming the
extra. Each ``*_to_arrow`` builds the table; pandas and polars frames are converted from it.

Sample frames have one row per sample: ``uuid``, ``type`` (short name), ``start``, ``end``
(timezone-aware UTC timestamps, µs), ``time_zone``, the value, ``source_bundle_id``,
``source_name`` and ``device_name``. The value columns depend on the samples:

- all quantity samples of one type: ``value[<canonical unit>]`` (e.g. ``value[kg]``);
- all category samples of one type: ``value`` (the raw integer) and ``label``;
- anything else (mixed types, workouts, correlations, no samples): ``value`` (float,
  quantities in their type's canonical unit, categories their raw value), ``unit`` (the
  canonical unit, null for non-quantities) and ``label`` (categories only).

Workout frames list what workouts hold beside their own row, one row per item, the
workout's own items first and then each activity's (``activity_uuid`` null for the
workout's own): ``workout_events_*`` has ``workout_uuid``, ``activity_uuid``,
``activity_type`` (of the activity, else of the workout), ``type`` (the event's name),
``start`` and ``end``; ``workout_statistics_*`` has ``workout_uuid``, ``activity_uuid``,
``activity_type``, ``type`` (the quantity type's short name), ``start``, ``end`` (the
holder's span), ``unit`` (the type's canonical unit) and ``sum``, ``average``, ``minimum``,
``maximum`` in that unit (null when not recorded).

Statistics frames have one row per bucket: ``start``, ``end`` (timestamps in the buckets'
zone), one column per statistic the type's aggregation style allows, named with its unit
(``sum[count]`` for cumulative types; ``average[count/min]``, ``minimum[…]``, ``maximum[…]``,
``most_recent[…]`` for discrete ones), and ``duration_s``. A statistic that was not asked for,
or a bucket without data, is null.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from healthstore.catalogue import Aggregation, Kind, ObjectType
from healthstore.errors import InvalidArgument
from healthstore.model import CategorySample, QuantitySample, Sample, Workout, WorkoutActivity
from healthstore.query.statistics import Statistics
from healthstore.times import to_micros, zone_name
from healthstore.units import parse_unit

if TYPE_CHECKING:
    import pandas as pd  # type: ignore[import-untyped]
    import polars as pl
    import pyarrow as pa  # type: ignore[import-untyped]

EXTRA = "pip install 'healthstore[frames]'"

_CUMULATIVE_STATS = ("sum",)
_DISCRETE_STATS = ("average", "minimum", "maximum", "most_recent")
WORKOUT_STATISTICS = ("sum", "average", "minimum", "maximum")


def _missing(module: str) -> ImportError:
    return ImportError(f"{module} is needed for data frames but is not installed: {EXTRA}")


def _pyarrow() -> Any:
    try:
        import pyarrow
    except ImportError as exc:
        raise _missing("pyarrow") from exc
    return pyarrow


def _check_pandas() -> None:
    try:
        import pandas  # noqa: F401
    except ImportError as exc:
        raise _missing("pandas") from exc


def _to_polars(table: pa.Table) -> pl.DataFrame:
    try:
        import polars
    except ImportError as exc:
        raise _missing("polars") from exc
    frame = polars.from_arrow(table)
    assert isinstance(frame, polars.DataFrame)
    return frame


# --- samples ------------------------------------------------------------------------------


def _value_layout(samples: list[Sample]) -> str:
    """``quantity`` (one quantity type), ``category`` (one category type) or ``mixed``."""
    types = {s.type for s in samples}
    if len(types) != 1:
        return "mixed"
    if all(isinstance(s, QuantitySample) for s in samples):
        return "quantity"
    if all(isinstance(s, CategorySample) for s in samples):
        return "category"
    return "mixed"


def _canonical_value(sample: Sample) -> float | None:
    if isinstance(sample, QuantitySample):
        assert sample.type.canonical_unit is not None
        return sample.quantity.value_in(sample.type.canonical_unit)
    if isinstance(sample, CategorySample):
        return float(sample.value)
    return None


def samples_to_arrow(samples: Iterable[Sample]) -> pa.Table:
    """Samples as a ``pyarrow.Table`` (columns in the module docstring)."""
    pa_ = _pyarrow()
    rows = list(samples)
    stamp = pa_.timestamp("us", tz="UTC")
    text = pa_.string()
    columns: dict[str, Any] = {
        "uuid": pa_.array([str(s.uuid) for s in rows], type=text),
        "type": pa_.array([s.type.short_name for s in rows], type=text),
        "start": pa_.array([to_micros(s.start) for s in rows], type=stamp),
        "end": pa_.array([to_micros(s.end) for s in rows], type=stamp),
        "time_zone": pa_.array([zone_name(s.start) for s in rows], type=text),
    }
    layout = _value_layout(rows)
    if layout == "quantity":
        unit = rows[0].type.canonical_unit
        columns[f"value[{unit}]"] = pa_.array(
            [_canonical_value(s) for s in rows], type=pa_.float64()
        )
    elif layout == "category":
        categories = [s for s in rows if isinstance(s, CategorySample)]
        columns["value"] = pa_.array([s.value for s in categories], type=pa_.int64())
        columns["label"] = pa_.array([s.label for s in categories], type=text)
    else:
        columns["value"] = pa_.array([_canonical_value(s) for s in rows], type=pa_.float64())
        columns["unit"] = pa_.array(
            [s.type.canonical_unit if isinstance(s, QuantitySample) else None for s in rows],
            type=text,
        )
        columns["label"] = pa_.array(
            [s.label if isinstance(s, CategorySample) else None for s in rows], type=text
        )
    columns["source_bundle_id"] = pa_.array(
        [s.source.bundle_id if s.source else None for s in rows], type=text
    )
    columns["source_name"] = pa_.array([s.source.name if s.source else None for s in rows], text)
    columns["device_name"] = pa_.array([s.device.name if s.device else None for s in rows], text)
    return pa_.table(columns)


def samples_to_pandas(samples: Iterable[Sample]) -> pd.DataFrame:
    """Samples as a ``pandas.DataFrame`` (columns in the module docstring)."""
    _check_pandas()
    return samples_to_arrow(samples).to_pandas()


def samples_to_polars(samples: Iterable[Sample]) -> pl.DataFrame:
    """Samples as a ``polars.DataFrame`` (columns in the module docstring)."""
    return _to_polars(samples_to_arrow(samples))


# --- workouts' events and statistics ----------------------------------------------------

WORKOUT_EVENT_COLUMNS = [
    "workout_uuid",
    "activity_uuid",
    "activity_type",
    "type",
    "start",
    "end",
]
WORKOUT_STATISTICS_COLUMNS = [
    "workout_uuid",
    "activity_uuid",
    "activity_type",
    "type",
    "start",
    "end",
    "unit",
    *WORKOUT_STATISTICS,
]


def _holders(workouts: Iterable[Workout]) -> Iterator[tuple[Workout, WorkoutActivity | None]]:
    """Each workout, then each of its activities."""
    for workout in workouts:
        yield workout, None
        for activity in workout.activities:
            yield workout, activity


def _columns(rows: list[dict[str, Any]], names: list[str]) -> dict[str, list[Any]]:
    return {name: [row[name] for row in rows] for name in names}


def workout_events_to_arrow(workouts: Iterable[Workout]) -> pa.Table:
    """The events of workouts and of their activities as a ``pyarrow.Table`` (columns in the
    module docstring)."""
    pa_ = _pyarrow()
    rows = [
        {
            "workout_uuid": str(workout.uuid),
            "activity_uuid": None if activity is None else str(activity.uuid),
            "activity_type": (activity or workout).activity_name,
            "type": event.name,
            "start": to_micros(event.start),
            "end": to_micros(event.end),
        }
        for workout, activity in _holders(workouts)
        for event in (activity or workout).events
    ]
    stamp, text = pa_.timestamp("us", tz="UTC"), pa_.string()
    types = [text, text, text, text, stamp, stamp]
    data = _columns(rows, WORKOUT_EVENT_COLUMNS)
    return pa_.table(
        {
            name: pa_.array(data[name], type=t)
            for name, t in zip(WORKOUT_EVENT_COLUMNS, types, strict=True)
        }
    )


def workout_statistics_to_arrow(workouts: Iterable[Workout]) -> pa.Table:
    """The statistics of workouts and of their activities as a ``pyarrow.Table`` (columns in
    the module docstring)."""
    pa_ = _pyarrow()
    rows = []
    for workout, activity in _holders(workouts):
        holder = activity or workout
        for stats in holder.statistics.values():
            unit = stats.type.canonical_unit
            assert unit is not None
            row: dict[str, Any] = {
                "workout_uuid": str(workout.uuid),
                "activity_uuid": None if activity is None else str(activity.uuid),
                "activity_type": holder.activity_name,
                "type": stats.type.short_name,
                "start": to_micros(holder.start),
                "end": to_micros(holder.end),
                "unit": unit,
            }
            for name in WORKOUT_STATISTICS:
                q = getattr(stats, name)
                row[name] = None if q is None else q.value_in(unit)
            rows.append(row)
    stamp, text = pa_.timestamp("us", tz="UTC"), pa_.string()
    types = [text, text, text, text, stamp, stamp, text] + [pa_.float64()] * 4
    data = _columns(rows, WORKOUT_STATISTICS_COLUMNS)
    return pa_.table(
        {
            name: pa_.array(data[name], type=t)
            for name, t in zip(WORKOUT_STATISTICS_COLUMNS, types, strict=True)
        }
    )


def workout_events_to_pandas(workouts: Iterable[Workout]) -> pd.DataFrame:
    """See :func:`workout_events_to_arrow`."""
    _check_pandas()
    return workout_events_to_arrow(workouts).to_pandas()


def workout_events_to_polars(workouts: Iterable[Workout]) -> pl.DataFrame:
    """See :func:`workout_events_to_arrow`."""
    return _to_polars(workout_events_to_arrow(workouts))


def workout_statistics_to_pandas(workouts: Iterable[Workout]) -> pd.DataFrame:
    """See :func:`workout_statistics_to_arrow`."""
    _check_pandas()
    return workout_statistics_to_arrow(workouts).to_pandas()


def workout_statistics_to_polars(workouts: Iterable[Workout]) -> pl.DataFrame:
    """See :func:`workout_statistics_to_arrow`."""
    return _to_polars(workout_statistics_to_arrow(workouts))


# --- statistics ---------------------------------------------------------------------------


def _statistic_names(t: ObjectType) -> tuple[str, ...]:
    if t.aggregation is Aggregation.cumulative:
        return _CUMULATIVE_STATS
    if t.aggregation is None:
        return ()
    return _DISCRETE_STATS


def _bucket_zone(rows: list[Statistics]) -> str:
    """The zone the buckets are expressed in, when they share a nameable one; else UTC."""
    names = {zone_name(s.start) for s in rows}
    name = names.pop() if len(names) == 1 else None
    return name or "UTC"


def statistics_to_arrow(
    stats: Statistics | Iterable[Statistics], unit: str | None = None
) -> pa.Table:
    """Statistics (one range or a collection's buckets) as a ``pyarrow.Table``: values in
    ``unit`` when given, else the type's canonical unit (columns in the module docstring)."""
    pa_ = _pyarrow()
    rows = [stats] if isinstance(stats, Statistics) else list(stats)
    types = {s.type for s in rows}
    if len(types) > 1:
        names = ", ".join(sorted(t.short_name for t in types))
        raise InvalidArgument(f"statistics of several types ({names}) in one frame", field="stats")
    stamp = pa_.timestamp("us", tz=_bucket_zone(rows))
    columns: dict[str, Any] = {
        "start": pa_.array([to_micros(s.start) for s in rows], type=stamp),
        "end": pa_.array([to_micros(s.end) for s in rows], type=stamp),
    }
    if rows:
        t = rows[0].type
        target = unit or t.canonical_unit
        if t.kind is not Kind.quantity or t.canonical_unit is None or target is None:
            raise InvalidArgument(f"{t.short_name} has no statistics", field="stats")
        if not parse_unit(target).is_compatible(t.canonical_unit):
            raise InvalidArgument(
                f"unit {target!r} does not fit {t.short_name} "
                f"(expects a unit compatible with {t.canonical_unit!r})",
                field="unit",
            )
        for name in _statistic_names(t):
            values = [getattr(s, name) for s in rows]
            columns[f"{name}[{target}]"] = pa_.array(
                [None if q is None else q.value_in(target) for q in values], type=pa_.float64()
            )
    columns["duration_s"] = pa_.array(
        [None if s.duration is None else s.duration.total_seconds() for s in rows],
        type=pa_.float64(),
    )
    return pa_.table(columns)


def statistics_to_pandas(
    stats: Statistics | Iterable[Statistics], unit: str | None = None
) -> pd.DataFrame:
    """Statistics as a ``pandas.DataFrame`` (see :func:`statistics_to_arrow`)."""
    _check_pandas()
    return statistics_to_arrow(stats, unit).to_pandas()


def statistics_to_polars(
    stats: Statistics | Iterable[Statistics], unit: str | None = None
) -> pl.DataFrame:
    """Statistics as a ``polars.DataFrame`` (see :func:`statistics_to_arrow`)."""
    return _to_polars(statistics_to_arrow(stats, unit))


__all__ = [
    "EXTRA",
    "WORKOUT_EVENT_COLUMNS",
    "WORKOUT_STATISTICS_COLUMNS",
    "samples_to_arrow",
    "samples_to_pandas",
    "samples_to_polars",
    "statistics_to_arrow",
    "statistics_to_pandas",
    "statistics_to_polars",
    "workout_events_to_arrow",
    "workout_events_to_pandas",
    "workout_events_to_polars",
    "workout_statistics_to_arrow",
    "workout_statistics_to_pandas",
    "workout_statistics_to_polars",
]
