"""Sleep as a stage timeline: a night is the sleep samples from 18:00 the evening before to
12:00 on its day, in the person's time zone; drawn on the server as SVG, one lane per
stage (awake at the top, deep at the bottom, as Apple's Health app does), each sample a
segment clipped to the night."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from healthstore.model import CategorySample
from healthstore.store import HealthStore

SLEEP = "sleepAnalysis"
LANES = ("Awake", "AsleepREM", "AsleepCore", "AsleepDeep", "AsleepUnspecified", "InBed")
NAMES = {
    "Awake": "Awake",
    "AsleepREM": "REM",
    "AsleepCore": "Core",
    "AsleepDeep": "Deep",
    "AsleepUnspecified": "Asleep",
    "InBed": "In bed",
}
LEFT, WIDTH, LANE, AXIS = 56, 640, 18, 18
"""The SVG's label column, its total width, one lane's height and the time axis'."""


@dataclass(frozen=True)
class Segment:
    x: float
    y: float
    width: float
    stage: str
    label: str


@dataclass(frozen=True)
class Tick:
    x: float
    label: str


@dataclass
class Night:
    """The night ending on ``day``: its span, hours per stage and the drawing."""

    day: date
    start: datetime
    end: datetime
    hours: dict[str, float] = field(default_factory=dict)
    segments: list[Segment] = field(default_factory=list)
    lanes: list[tuple[float, str]] = field(default_factory=list)
    ticks: list[Tick] = field(default_factory=list)
    width: int = WIDTH
    height: int = 0

    @property
    def asleep(self) -> float:
        return sum(h for stage, h in self.hours.items() if stage.startswith("Asleep"))

    @property
    def stages(self) -> list[tuple[str, float]]:
        """(stage name, hours), in the lanes' order."""
        return [(NAMES.get(s, s), self.hours[s]) for s in LANES if s in self.hours]


def night_bounds(day: date, zone: tzinfo) -> tuple[datetime, datetime]:
    """18:00 the day before to 12:00 on ``day``, wall-clock in ``zone``."""
    return (
        datetime.combine(day - timedelta(days=1), time(18), tzinfo=zone),
        datetime.combine(day, time(12), tzinfo=zone),
    )


def night_of_sample(end: datetime, zone: tzinfo) -> date:
    """The day of the night a sample ending at ``end`` belongs to."""
    local = end.astimezone(zone)
    return local.date() + timedelta(days=1) if local.time() >= time(18) else local.date()


def nights(store: HealthStore, days: list[date], zone: tzinfo, width: int = WIDTH) -> list[Night]:
    """The nights ending on ``days`` that hold sleep, each drawn ``width`` wide (one read
    of the store)."""
    if not days:
        return []
    first, _ = night_bounds(min(days), zone)
    _, last = night_bounds(max(days), zone)
    by_day: dict[date, list[CategorySample]] = defaultdict(list)
    for s in store.samples(SLEEP, start=first, end=last, sort="start"):
        if isinstance(s, CategorySample):
            for day in days:
                start, end = night_bounds(day, zone)
                if s.start < end and s.end > start:
                    by_day[day].append(s)
    return [draw(day, by_day[day], zone, width) for day in sorted(days) if by_day.get(day)]


def draw(day: date, samples: list[CategorySample], zone: tzinfo, width: int = WIDTH) -> Night:
    """The night of ``day`` from its samples, clipped to the night and laid out."""
    bound_start, bound_end = night_bounds(day, zone)
    clipped = [(max(s.start, bound_start), min(s.end, bound_end), s.label) for s in samples]
    start = min(a for a, _, _ in clipped).astimezone(zone)
    end = max(b for _, b, _ in clipped).astimezone(zone)
    night = Night(day, start, end, width=width)
    for a, b, label in clipped:
        night.hours[label] = night.hours.get(label, 0.0) + (b - a).total_seconds() / 3600
    used = [s for s in LANES if s in night.hours] + sorted(set(night.hours) - set(LANES))
    row = {stage: i for i, stage in enumerate(used)}
    night.lanes = [(i * LANE + LANE * 0.7, NAMES.get(s, s)) for s, i in row.items()]
    night.height = len(used) * LANE + AXIS
    origin = start.astimezone(UTC)
    span = max((end.astimezone(UTC) - origin).total_seconds(), 60.0)
    scale = (width - LEFT) / span

    def x(at: datetime) -> float:  # in UTC: a wall-clock difference is wrong across DST
        return LEFT + (at.astimezone(UTC) - origin).total_seconds() * scale

    for a, b, label in sorted(clipped, key=lambda c: c[0]):
        a_local, b_local = a.astimezone(zone), b.astimezone(zone)
        text = f"{NAMES.get(label, label)} {a_local:%H:%M}–{b_local:%H:%M}"
        length = max(1.0, x(b) - x(a))
        night.segments.append(Segment(x(a), row[label] * LANE + 2, length, label, text))
    hour = origin.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    hours = 1 if span * 60 / (width - LEFT) <= 3600 else 2 if width >= 400 else 3
    step = timedelta(hours=hours)
    while hour < end:
        night.ticks.append(Tick(x(hour), f"{hour.astimezone(zone):%H:%M}"))
        hour += step
    return night


def css_class(stage: str) -> str:
    """The CSS class of a stage's segments (colours differ in light and dark mode)."""
    return "stage-" + NAMES.get(stage, "other").lower().replace(" ", "-")
