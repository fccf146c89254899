"""The children of a ``WorkoutActivity`` (iOS 16 and later): its own ``WorkoutEvent`` and
``WorkoutStatistics`` elements.

A bad child costs that child, not its activity: it is left out with a note naming its line.
The converters of single events and statistics are the workout's own (passed in by
:mod:`healthstore.interop.apple.elements`, which this module must not import).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from healthstore.interop.apple.tree import Element
from healthstore.model import WorkoutEvent, WorkoutStatistics
from healthstore.times import to_micros

__all__ = ["activity_children"]

EventOf = Callable[[Element, datetime, datetime], WorkoutEvent]
StatisticsOf = Callable[[Element], WorkoutStatistics]


def activity_children(
    element: Element,
    start: datetime,
    end: datetime,
    event_of: EventOf,
    statistics_of: StatisticsOf,
    rejected: type[Exception],
    notes: list[str],
) -> tuple[list[WorkoutEvent], list[WorkoutStatistics]]:
    """The events inside ``[start, end]`` and the statistics of one activity element; each
    child that cannot be kept (its converter raised ``rejected``, whose text says why, or
    it lies outside the activity) adds a note to ``notes``."""
    events: list[WorkoutEvent] = []
    low, high = to_micros(start), to_micros(end)
    for child in element.iterfind("WorkoutEvent"):
        where = f"workout activity event at line {child.sourceline} left out"
        try:
            event = event_of(child, start, end)
        except rejected as exc:
            notes.append(f"{where}: {exc}")
            continue
        if to_micros(event.start) < low or to_micros(event.end) > high:
            notes.append(f"{where}: it lies outside the activity's time")
            continue
        events.append(event)
    statistics: list[WorkoutStatistics] = []
    for child in element.iterfind("WorkoutStatistics"):
        try:
            statistics.append(statistics_of(child))
        except rejected as exc:
            notes.append(f"workout activity statistics at line {child.sourceline} left out: {exc}")
    return events, statistics
