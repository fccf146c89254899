"""Samples and statistics as data frames: Arrow tables, pandas and polars DataFrames.

pandas, polars and pyarrow are optional (``pip install 'healthstore[frames]'``); they are
imported when a function here is called, and a missing one is an ``ImportError`` naming the
extra. Each ``*_to_arrow`` builds the table; pandas and polars frames are converted from it.

Sample frames have one row per sample and carry every field a sample has (the columns are
built by :mod:`healthstore.frame_columns`): ``uuid``, ``type`` (short name), ``start``,
``end`` (timezone-aware UTC timestamps, µs), ``time_zone``, the value columns, then the
source (``source_bundle_id``, ``source_name``, ``source_version``, ``source_product_type``,
``source_os_version``), the device (``device_name``, ``device_manufacturer``,
``device_model``, ``device_hardware_version``, ``device_firmware_version``,
``device_software_version``, ``device_local_identifier``, ``device_udi_device_identifier``)
and ``metadata`` (JSON text in the stored form; :func:`healthstore.metadata.from_json` reads
it back). Quantities are in their type's display unit (heart rate in ``count/min``), or in
``unit=`` when given. The value columns depend on the samples:

- all quantity samples of one type: ``value[<display unit>]`` (e.g. ``value[kg]``) and
  ``count`` (how many readings a series sample stands for);
- all category samples of one type: ``value`` (the raw integer) and ``label``;
- anything else (mixed types, workouts, correlations, no samples): ``value`` (float,
  quantities in their display unit, categories their raw value), ``unit`` (null for
  non-quantities) and ``label`` (categories only).

When any sample is a workout, the frame also has ``activity_type`` (its name),
``duration_s``, ``total_distance[km]``, ``total_energy_burned[kcal]``,
``total_swimming_stroke_count[count]``, ``total_flights_climbed[count]`` and ``events``,
``activities``, ``statistics`` (JSON text, the HTTP API's form); when any is a correlation,
``objects`` (JSON: each member's uuid, type and value in its display unit, or label).
:func:`workout_activities_to_arrow` (and its pandas/polars twins) gives one row per
activity of each workout.

Workout frames list what workouts hold beside their own row, one row per item, the
workout's own items first and then each activity's (``activity_uuid`` null for the
workout's own): ``workout_events_*`` has ``workout_uuid``, ``activity_uuid``,
``activity_type`` (of the activity, else of the workout), ``type`` (the event's name),
``start`` and ``end``; ``workout_statistics_*`` has ``workout_uuid``, ``activity_uuid``,
``activity_type``, ``type`` (the quantity type's short name), ``start``, ``end`` (the
holder's span), ``unit`` (the type's display unit) and ``sum``, ``average``, ``minimum``,
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
from healthstore.frame_columns import Column, activity_columns, sample_columns
from healthstore.model import Sample, Workout, WorkoutActivity
from healthstore.query.statistics import Statistics, statistics_unit
from healthstore.times import to_micros, zone_name

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


def check_installed() -> None:
    """Raise the ImportError naming the extra when pyarrow is missing."""
    _pyarrow()


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


def _arrow_table(columns: list[Column]) -> pa.Table:
    pa_ = _pyarrow()
    kinds = {
        "text": pa_.string(),
        "float": pa_.float64(),
        "int": pa_.int64(),
        "time": pa_.timestamp("us", tz="UTC"),
    }
    arrays: dict[str, Any] = {}
    for c in columns:
        values = [to_micros(v) for v in c.values] if c.kind == "time" else c.values
        arrays[c.name] = pa_.array(values, type=kinds[c.kind])
    return pa_.table(arrays)


def samples_to_arrow(samples: Iterable[Sample], unit: str | None = None) -> pa.Table:
    """Samples as a ``pyarrow.Table`` (columns in the module docstring); quantities in
    ``unit`` when given, else their type's display unit."""
    return _arrow_table(sample_columns(list(samples), unit))


def samples_to_pandas(samples: Iterable[Sample], unit: str | None = None) -> pd.DataFrame:
    """Samples as a ``pandas.DataFrame`` (columns in the module docstring)."""
    _check_pandas()
    return samples_to_arrow(samples, unit).to_pandas()


def samples_to_polars(samples: Iterable[Sample], unit: str | None = None) -> pl.DataFrame:
    """Samples as a ``polars.DataFrame`` (columns in the module docstring)."""
    return _to_polars(samples_to_arrow(samples, unit))


def workout_activities_to_arrow(workouts: Iterable[Sample]) -> pa.Table:
    """The activities of workouts, one row each, as a ``pyarrow.Table``: ``workout_uuid``,
    ``uuid``, ``activity_type``, ``start``, ``end``, ``duration_s``, ``metadata``."""
    return _arrow_table(activity_columns(list(workouts)))


def workout_activities_to_pandas(workouts: Iterable[Sample]) -> pd.DataFrame:
    """Workout activities as a ``pandas.DataFrame``."""
    _check_pandas()
    return workout_activities_to_arrow(workouts).to_pandas()


def workout_activities_to_polars(workouts: Iterable[Sample]) -> pl.DataFrame:
    """Workout activities as a ``polars.DataFrame``."""
    return _to_polars(workout_activities_to_arrow(workouts))


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
            unit = stats.type.display_unit
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
    ``unit`` when given, else the statistics' own unit (by default the type's display unit;
    columns in the module docstring)."""
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
        if t.kind is not Kind.quantity or t.canonical_unit is None:
            raise InvalidArgument(f"{t.short_name} has no statistics", field="stats")
        target = statistics_unit(t, unit or rows[0].unit).text
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
    "workout_activities_to_arrow",
    "workout_activities_to_pandas",
    "workout_activities_to_polars",
    "workout_events_to_arrow",
    "workout_events_to_pandas",
    "workout_events_to_polars",
    "workout_statistics_to_arrow",
    "workout_statistics_to_pandas",
    "workout_statistics_to_polars",
]
