"""Hypothesis strategies for workouts with events, activities (with their own events and
statistics) and statistics, and a comparison by content that is blind to zones and to the
unit a quantity was written in."""

from __future__ import annotations

from collections.abc import Hashable
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import strategies as st

from healthstore import (
    Quantity,
    Source,
    SourceRevision,
    Workout,
    WorkoutActivity,
    WorkoutEvent,
    WorkoutStatistics,
)
from healthstore.times import to_micros
from tests.apple_content import meta

ZONES = [UTC, ZoneInfo("Europe/Paris"), ZoneInfo("America/New_York")]
EVENT_TYPES = ["pause", "resume", "lap", "marker", "motionPaused", "segment"]
ACTIVITIES = ["running", "cycling", "swimming", "walking", "traditionalStrengthTraining"]
STATISTICS = {  # type, (field names), units written
    "heartRate": (("average", "minimum", "maximum"), ["count/min"]),
    "activeEnergyBurned": (("sum",), ["kcal", "kJ"]),
    "distanceWalkingRunning": (("sum",), ["km", "m", "mi"]),
    "stepCount": (("sum",), ["count"]),
    "runningPower": (("average", "minimum", "maximum"), ["W"]),
}
WATCH = SourceRevision(Source("com.apple.health.watch", "Apple Watch"), "10.4")

words = st.text("abcdefghij XYZ&<>\"'", min_size=1, max_size=10)
small_metadata: st.SearchStrategy[dict[str, Any]] = st.one_of(
    st.just({}),
    st.fixed_dictionaries({"HKIndoorWorkout": st.booleans()}),
    st.dictionaries(words.map(lambda k: f"x-{k}"), words, max_size=2),
)


@st.composite
def spans(
    draw: st.DrawFn, start: datetime, end: datetime, seconds: bool
) -> tuple[datetime, datetime]:
    """A span inside ``[start, end]`` (whole seconds from ``start`` when ``seconds``)."""
    total = to_micros(end) - to_micros(start)
    step = 1_000_000 if seconds else 1
    a = draw(st.integers(0, total // step)) * step
    b = draw(st.integers(a // step, total // step)) * step
    return _after(start, a), _after(start, b)


def _after(start: datetime, micros: int) -> datetime:
    """The instant ``micros`` after ``start``, in its zone (not wall-clock arithmetic)."""
    zone = start.tzinfo
    return (start.astimezone(UTC) + timedelta(microseconds=micros)).astimezone(zone)


@st.composite
def events(draw: st.DrawFn, start: datetime, end: datetime, seconds: bool) -> list[WorkoutEvent]:
    out = []
    for _ in range(draw(st.integers(0, 3))):
        a, b = draw(spans(start, end, seconds))
        kind = draw(st.sampled_from(EVENT_TYPES))
        out.append(WorkoutEvent.create(kind, a, b, draw(small_metadata)))
    return out


@st.composite
def statistics(draw: st.DrawFn) -> list[WorkoutStatistics]:
    """Statistics of distinct types, each in one unit (as an export writes them)."""
    out = []
    for name in draw(st.lists(st.sampled_from(sorted(STATISTICS)), unique=True, max_size=3)):
        fields, units = STATISTICS[name]
        unit = draw(st.sampled_from(units))
        values = st.floats(0, 1e6, allow_nan=False).map(partial(Quantity, unit=unit))
        chosen = draw(st.lists(st.sampled_from(fields), unique=True, min_size=1))
        out.append(WorkoutStatistics.create(name, **{f: draw(values) for f in chosen}))
    return out


@st.composite
def activities(
    draw: st.DrawFn, start: datetime, end: datetime, seconds: bool
) -> list[WorkoutActivity]:
    out = []
    for _ in range(draw(st.integers(0, 3))):
        a, b = draw(spans(start, end, seconds))
        out.append(
            WorkoutActivity.create(
                draw(st.sampled_from(ACTIVITIES)),
                a,
                b,
                draw(small_metadata),
                draw(st.uuids()),
                events=draw(events(a, b, seconds)),
                statistics=draw(statistics()),
            )
        )
    return out


@st.composite
def workouts(draw: st.DrawFn, *, seconds: bool = False) -> Workout:
    """A workout from the watch; with ``seconds``, every instant in whole seconds (what an
    Apple export can hold)."""
    zone = draw(st.sampled_from(ZONES))
    start = draw(st.datetimes(datetime(2005, 1, 1), datetime(2035, 1, 1), timezones=st.just(zone)))
    if seconds:
        start = start.replace(microsecond=0)
    start = start.astimezone(UTC).astimezone(zone)  # an instant that exists in the zone
    end = _after(start, draw(st.integers(0, 4 * 3600)) * 1_000_000)
    return Workout(
        draw(st.sampled_from(ACTIVITIES)),
        start,
        end,
        events=draw(events(start, end, seconds)),
        activities=draw(activities(start, end, seconds)),
        statistics=draw(statistics()),
        source=WATCH,
        metadata=draw(small_metadata),
    )


def _canonical(q: Quantity | None, unit: str | None) -> float | None:
    return None if q is None or unit is None else round(q.value_in(unit), 9)


def _events_key(items: Any) -> Hashable:
    return tuple((e.type, to_micros(e.start), to_micros(e.end), meta(e.metadata)) for e in items)


def _statistics_key(items: Any) -> Hashable:
    return tuple(
        sorted(
            (key, *(_canonical(getattr(s, n), s.type.canonical_unit) for n in STAT_FIELDS))
            for key, s in items.items()
        )
    )


STAT_FIELDS = ("sum", "average", "minimum", "maximum")


def activities_key(workout: Workout) -> Hashable:
    """A workout's activities with their events and statistics, by content."""
    return tuple(
        (
            a.uuid,
            a.activity_type,
            to_micros(a.start),
            to_micros(a.end),
            meta(a.metadata),
            _events_key(a.events),
            _statistics_key(a.statistics),
        )
        for a in workout.activities
    )


def workout_key(workout: Workout) -> Hashable:
    """Everything of a workout but its uuid and source, by content."""
    return (
        workout.activity_type,
        to_micros(workout.start),
        to_micros(workout.end),
        meta(workout.metadata),
        _events_key(workout.events),
        activities_key(workout),
        _statistics_key(workout.statistics),
    )
