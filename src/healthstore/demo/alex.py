"""Demo data: a year of plausible synthetic health data for one person, Alex.

:func:`populate` fills a store; :func:`ensure` creates and fills a store only once. Alex lives
in one IANA time zone, sleeps at night, walks by day, works out a few times a week and wears
an Apple Watch most (not all) days, so phone and watch often count the same walk: the double
counting that source-priority statistics must remove. One ``random.Random(seed)`` drives
everything, uuids included, so a seed and an end always give the same samples.

Times are worked out as UTC instants (exact arithmetic across DST changes) and take the
person's zone only when a sample is built.
"""

from __future__ import annotations

import math
import random
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from pathlib import Path
from typing import NamedTuple, TypedDict
from uuid import UUID
from zoneinfo import ZoneInfo

from healthstore.errors import InvalidArgument
from healthstore.model import (
    CategorySample,
    Correlation,
    Device,
    QuantitySample,
    Sample,
    Source,
    Workout,
    WorkoutEvent,
)
from healthstore.store import HealthStore
from healthstore.times import require_aware
from healthstore.units import Quantity

BATCH = 5_000
"""Objects per ``store.save`` call (days are not split, so a batch may hold a few more)."""
TIME_ZONE = "Europe/Paris"

PHONE = Source("com.apple.health.8F1C6C54", "Alex's iPhone")
WATCH = Source("com.apple.health.2A7E0C91", "Alex's Apple Watch")
SCALE = Source("com.withings.wiscale2", "Health Mate")
CUFF = Source("com.omron.omronconnect", "OMRON connect")
_APPLE = "Apple Inc."
DEVICES = {
    PHONE: Device("iPhone", _APPLE, "iPhone", "iPhone15,2", software_version="17.4"),
    WATCH: Device("Apple Watch", _APPLE, "Watch", "Watch6,2", software_version="10.4"),
    SCALE: Device("Body+", "Withings", "WBS05"),
    CUFF: Device("BP7250", "OMRON", "BP7250"),
}


_Meta = dict[str, str | bool]


class _Fields(TypedDict):
    """The keyword arguments every sample constructor takes."""

    start: datetime
    end: datetime
    source: Source
    device: Device | None
    metadata: _Meta | None
    uuid: UUID


class _Kind(NamedTuple):
    """How a kind of workout goes: its length, effort, speed, heart rate and cadence."""

    minutes: tuple[int, int]
    kcal_per_min: float
    km_per_h: float  # 0: no distance
    heart_rate: tuple[int, int]
    cadence: float  # steps per minute; 0: no steps


_WORKOUTS = {
    "running": _Kind((25, 55), 11.0, 10.5, (138, 165), 165),
    "walking": _Kind((35, 80), 4.8, 5.2, (95, 118), 112),
    "cycling": _Kind((40, 95), 8.5, 22.0, (118, 150), 0),
    "traditionalStrengthTraining": _Kind((30, 60), 6.0, 0.0, (100, 135), 0),
    "yoga": _Kind((30, 60), 3.2, 0.0, (78, 102), 0),
}
_WORKOUT_WEIGHTS = (0.3, 0.2, 0.2, 0.15, 0.15)
_SLEEP_HEART = {"Awake": 5.0, "AsleepCore": -4.0, "AsleepDeep": -6.0, "AsleepREM": 0.0}


@dataclass(frozen=True)
class _Plan:
    """One day's shape, decided before any sample is made (times in UTC)."""

    index: int
    day: date
    wake: datetime
    bed: datetime  # the evening of ``day``, possibly just after midnight
    watch_by_day: bool
    watch_at_night: bool
    workout: str | None


@dataclass
class Day:
    """One calendar day's samples, and its workouts with the samples to associate."""

    samples: list[Sample] = field(default_factory=list)
    links: list[tuple[Workout, list[Sample]]] = field(default_factory=list)


@dataclass(frozen=True)
class _Effort:
    """A span of exertion: extra heart beats per minute and active kcal per minute."""

    start: datetime
    end: datetime
    heart_boost: float
    kcal_per_min: float
    workout: bool = False


def _dur(minutes: float) -> timedelta:
    """A duration of ``minutes``, to the whole second."""
    return timedelta(seconds=round(minutes * 60))


def _between(start: datetime, end: datetime) -> float:
    """Minutes from ``start`` to ``end``."""
    return (end - start).total_seconds() / 60


def _overlap(a0: datetime, a1: datetime, b0: datetime, b1: datetime) -> float:
    """Minutes that [a0, a1) and [b0, b1) share."""
    return max(0.0, _between(max(a0, b0), min(a1, b1)))


def _spans(start: datetime, end: datetime, step: timedelta) -> Iterator[datetime]:
    """start, start + step, … while before end."""
    while start < end:
        yield start
        start += step


class _Generator:
    """Makes Alex's samples for [start, end); all randomness comes from ``rng``."""

    def __init__(self, rng: random.Random, tz: ZoneInfo, start: datetime, end: datetime):
        self.rng, self.tz, self.start, self.end = rng, tz, start, end

    # --- building blocks ----------------------------------------------------------------
    def at(self, day: date, minutes: float) -> datetime:
        """The UTC instant of a wall-clock time, ``minutes`` after ``day``'s midnight (a
        time skipped by DST moves forward by the gap)."""
        return (datetime.combine(day, time(), self.tz) + _dur(minutes)).astimezone(UTC)

    def uuid(self, when: datetime) -> UUID:
        """A time-ordered (version 7) uuid stamped with ``when``, random bits from ``rng``."""
        rand = self.rng.getrandbits(74)
        millis = int(when.timestamp() * 1000) & (1 << 48) - 1
        value = millis << 80 | 0x7 << 76 | (rand >> 62) << 64 | 0b10 << 62 | rand & (1 << 62) - 1
        return UUID(int=value)

    def common(
        self, start: datetime, end: datetime, source: Source, metadata: _Meta | None = None
    ) -> _Fields:
        """Keyword arguments for a sample: zoned times, source, device, metadata, uuid."""
        start, end, uuid = start.astimezone(self.tz), end.astimezone(self.tz), self.uuid(start)
        device = DEVICES[source]
        return _Fields(
            start=start, end=end, source=source, device=device, metadata=metadata, uuid=uuid
        )

    def quantity(
        self, kind: str, value: float, unit: str, start: datetime, end: datetime, by: Source = WATCH
    ) -> QuantitySample:
        """A measurement by a device (the watch unless told ``by``)."""
        return QuantitySample(kind, Quantity(value, unit), **self.common(start, end, by))

    def sleep(self, value: str, start: datetime, end: datetime) -> CategorySample:
        """A sleep sample from the watch, which notes the time zone on these."""
        fields = self.common(start, end, WATCH, {"HKTimeZone": self.tz.key})
        return CategorySample("sleepAnalysis", value, **fields)

    # --- the year's shape ---------------------------------------------------------------
    def plans(self) -> list[_Plan]:
        """A plan per local date of the window, and one more for the last night's end."""
        rng, first = self.rng, self.start.astimezone(self.tz).date()
        week, chosen, plans = (0, 0), set[int](), []
        for i in range((self.end.astimezone(self.tz).date() - first).days + 2):
            day = first + timedelta(days=i)
            if day.isocalendar()[:2] != week:  # 2 to 4 workout days a week
                week, chosen = day.isocalendar()[:2], set(rng.sample(range(7), rng.randint(2, 4)))
            free, free_tomorrow = day.weekday() >= 5, day.weekday() in (4, 5)
            wake = rng.gauss(8.5 * 60, 40) if free else rng.gauss(6.8 * 60, 15)
            bed = rng.gauss(24.3 * 60, 40) if free_tomorrow else rng.gauss(23 * 60, 25)
            kind = rng.choices(list(_WORKOUTS), _WORKOUT_WEIGHTS)[0]
            by_day, at_night = rng.random() > 0.06, rng.random() > 0.08
            workout = kind if by_day and day.weekday() in chosen else None
            wake_at, bed_at = self.at(day, wake), self.at(day, bed)
            plans.append(_Plan(i, day, wake_at, bed_at, by_day, at_night, workout))
        return plans

    def days(self) -> Iterator[Day]:
        """Each day's samples, keeping only those inside the window."""
        inside = self.inside
        for plan, tomorrow in pairwise(self.plans()):
            day = Day()
            self.fill(day, plan, tomorrow)
            day.samples = [s for s in day.samples if inside(s)]
            day.links = [(w, [s for s in ss if inside(s)]) for w, ss in day.links if inside(w)]
            yield day

    def inside(self, sample: Sample) -> bool:
        return self.start <= sample.start and sample.end <= self.end and sample.start < self.end

    def fill(self, day: Day, plan: _Plan, tomorrow: _Plan) -> None:
        rng = self.rng
        resting = 58 + 3 * math.cos(2 * math.pi * plan.index / 365) + rng.gauss(0, 1.2)
        efforts = [self.workout(day, plan, resting)] if plan.workout else []
        efforts += self.walks(day, plan, efforts)
        if plan.watch_by_day:
            self.daytime_heart(day, plan, resting, efforts)
            self.energy(day, plan, efforts)
        if plan.watch_at_night and self.start <= plan.bed and tomorrow.wake <= self.end:
            self.night(day, plan.bed, tomorrow.wake, resting)  # whole nights only
        self.body(day, plan)
        if rng.random() < 2 / 7:
            self.blood_pressure(day, plan)

    # --- activity -----------------------------------------------------------------------
    def steps(
        self, day: Day, start: datetime, end: datetime, cadence: float, watch: bool, phone: bool
    ) -> None:
        """One walk as the watch (when worn) and the phone (when carried) each counted it."""
        rng, minutes, stride = self.rng, _between(start, end), 0.45 + cadence * 0.0031
        jitter = timedelta(seconds=rng.randint(-40, 40))
        seen = [(WATCH, start, end, rng.uniform(0.97, 1.03))] if watch else []
        if phone:
            seen.append((PHONE, start + jitter, end + jitter, rng.uniform(0.9, 1.04)))
        for source, s, e, factor in seen:
            steps = round(cadence * minutes * factor)
            metres = round(steps * stride * rng.uniform(0.97, 1.03), 1)
            day.samples.append(self.quantity("stepCount", steps, "count", s, e, source))
            day.samples.append(self.quantity("distanceWalkingRunning", metres, "m", s, e, source))
        if phone and rng.random() < 0.12:
            flights, s, e = rng.randint(1, 3), start + jitter, end + jitter
            day.samples.append(self.quantity("flightsClimbed", flights, "count", s, e, PHONE))

    def walks(self, day: Day, plan: _Plan, busy: list[_Effort]) -> list[_Effort]:
        """Short walks through the waking hours, clear of the workout."""
        rng, free = self.rng, plan.day.weekday() >= 5
        count = rng.randint(5, 11) if free else rng.randint(8, 15)
        span = _between(plan.wake, plan.bed) - 30
        starts = sorted(plan.wake + _dur(rng.uniform(10, span)) for _ in range(count))
        walks: list[_Effort] = []
        for start in starts:
            end = start + _dur(rng.uniform(4, 22) if free else rng.uniform(2, 15))
            cadence = rng.uniform(95, 118)
            phone = rng.random() < (0.8 if plan.watch_by_day else 0.95)
            if any(_overlap(start, end, b.start, b.end) for b in [*busy, *walks]):
                continue
            self.steps(day, start, end, cadence, plan.watch_by_day, phone)
            walks.append(_Effort(start, end, rng.uniform(18, 32), cadence * 0.042))
        return walks

    def workout(self, day: Day, plan: _Plan, resting: float) -> _Effort:
        """A workout from the watch with its heart rate about every minute (associated
        with it), a pause now and then, and steps when on foot."""
        assert plan.workout is not None
        rng, kind, tz = self.rng, _WORKOUTS[plan.workout], self.tz
        free = plan.day.weekday() >= 5
        start = self.at(plan.day, rng.gauss(9.75 * 60, 40) if free else rng.gauss(18.25 * 60, 25))
        minutes = rng.randint(*kind.minutes)
        end = pause = resume = start + _dur(minutes)  # pause == resume: no pause
        if kind.km_per_h and rng.random() < 0.4:
            pause = start + _dur(rng.uniform(8, minutes - 8))
            resume = pause + _dur(rng.uniform(1, 4))
        events = [
            WorkoutEvent.create("pause", pause.astimezone(tz)),
            WorkoutEvent.create("resume", resume.astimezone(tz)),
        ]
        active = minutes - _between(pause, resume)
        kcal = round(active * kind.kcal_per_min * rng.uniform(0.9, 1.1), 1)
        metres = round(active / 60 * kind.km_per_h * 1000 * rng.uniform(0.9, 1.1))
        workout = Workout(
            plan.workout,
            events=events if resume > pause else [],
            total_energy_burned=Quantity(kcal, "kcal"),
            total_distance=Quantity(metres, "m") if kind.km_per_h else None,
            **self.common(
                start, end, WATCH, {"HKTimeZone": tz.key, "HKIndoorWorkout": not kind.km_per_h}
            ),
        )
        heart: list[Sample] = []
        for t in _spans(start + _dur(0.2), end, _dur(1)):
            warm = min(1.0, _between(start, t) / 6) * (0.6 if pause <= t < resume else 1)
            bpm = resting + 15 + (rng.uniform(*kind.heart_rate) - resting - 15) * warm
            heart.append(self.quantity("heartRate", round(bpm), "count/min", t, t))
        day.samples += [workout, *heart]
        day.links.append((workout, heart))
        phone, piece = rng.random() < 0.4, _dur(10)
        for t in _spans(start, end, piece) if kind.cadence else ():
            cadence = kind.cadence * rng.uniform(0.95, 1.05)
            self.steps(day, t, min(t + piece, end), cadence, True, phone)
        return _Effort(start, end, 0.0, kcal / minutes, workout=True)

    # --- heart and energy ---------------------------------------------------------------
    def daytime_heart(self, day: Day, plan: _Plan, resting: float, efforts: list[_Effort]) -> None:
        """Heart rate about every five minutes while awake (workouts record their own), and
        the day's resting heart rate."""
        rng, t = self.rng, plan.wake + _dur(self.rng.uniform(0, 5))
        while t < plan.bed:
            effort = next((e for e in efforts if e.start <= t < e.end), None)
            if effort is None or not effort.workout:
                boost = effort.heart_boost if effort else 0.0
                bpm = max(resting - 3, resting + 8 + rng.gauss(0, 5) + boost)
                day.samples.append(self.quantity("heartRate", round(bpm), "count/min", t, t))
            t += _dur(rng.uniform(4, 6))
        rest = self.quantity("restingHeartRate", round(resting), "count/min", plan.wake, plan.bed)
        day.samples.append(rest)

    def energy(self, day: Day, plan: _Plan, efforts: list[_Effort]) -> None:
        """Active energy in ten-minute pieces while awake; basal energy every hour."""
        rng, piece, hour = self.rng, _dur(10), timedelta(hours=1)
        for t in _spans(plan.wake, plan.bed, piece):
            end = min(t + piece, plan.bed)
            kcal = _between(t, end) * rng.uniform(0.12, 0.3)
            kcal += sum(_overlap(t, end, e.start, e.end) * e.kcal_per_min for e in efforts)
            day.samples.append(self.quantity("activeEnergyBurned", round(kcal, 2), "kcal", t, end))
        for t in _spans(self.at(plan.day, 0), self.at(plan.day, 24 * 60), hour):  # 23–25 h
            kcal = round(rng.uniform(61, 68), 2)
            day.samples.append(self.quantity("basalEnergyBurned", kcal, "kcal", t, t + hour))

    # --- the night ----------------------------------------------------------------------
    def stages(self, start: datetime, end: datetime) -> list[tuple[str, datetime, datetime]]:
        """Sleep stages tiling [start, end): deep sleep early, REM late, brief wakings."""
        rng, night = self.rng, _between(start, end)
        out: list[tuple[str, datetime, datetime]] = []
        label, minutes, t = "Awake", rng.uniform(4, 20), start
        while t < end:
            stop = min(t + _dur(minutes), end)
            out.append((label, t, stop))
            t, progress = stop, _between(start, stop) / night
            if label in ("Awake", "AsleepDeep"):
                label, minutes = "AsleepCore", rng.uniform(15, 35)
            elif label == "AsleepREM":
                awake = rng.random() < 0.3
                label = "Awake" if awake else "AsleepCore"
                minutes = rng.uniform(1, 6) if awake else rng.uniform(15, 35)
            elif progress < 0.5 and rng.random() < 0.75:
                label, minutes = "AsleepDeep", 10 + 35 * (1 - progress) * rng.uniform(0.6, 1)
            else:
                label, minutes = "AsleepREM", 5 + 30 * progress * rng.uniform(0.6, 1.2)
        return out

    def night(self, day: Day, bed: datetime, wake: datetime, resting: float) -> None:
        """In bed, the stages, heart rate, HRV, breathing and now and then blood oxygen."""
        rng, stages = self.rng, self.stages(bed, wake)
        day.samples.append(self.sleep("InBed", bed, wake))
        day.samples += [self.sleep(label, s, e) for label, s, e in stages]
        t = bed + _dur(rng.uniform(0, 5))
        for label, _, stage_end in stages:
            while t < stage_end:
                bpm = round(resting + _SLEEP_HEART[label] + rng.gauss(0, 2))
                day.samples.append(self.quantity("heartRate", bpm, "count/min", t, t))
                t += _dur(rng.uniform(4, 6))
        asleep = [s for label, s, e in stages if label != "Awake" and _between(s, e) > 2]
        for s in rng.sample(asleep, min(len(asleep), rng.randint(2, 4))):
            ms = round(max(15.0, rng.gauss(48, 12)), 1)
            day.samples.append(self.quantity("heartRateVariabilitySDNN", ms, "ms", s, s + _dur(1)))
        for t in _spans(bed + _dur(20), wake - _dur(10), _dur(40)):
            breaths = round(rng.gauss(14.5, 0.8), 1)
            day.samples.append(
                self.quantity("respiratoryRate", breaths, "count/min", t, t + _dur(5))
            )
        for _ in range(rng.randint(1, 3) if rng.random() < 0.4 else 0):
            t = bed + _dur(rng.uniform(30, _between(bed, wake) - 30))
            spo2 = round(min(1.0, rng.gauss(0.965, 0.012)), 2)
            day.samples.append(self.quantity("oxygenSaturation", spo2, "%", t, t))

    # --- body and blood pressure --------------------------------------------------------
    def body(self, day: Day, plan: _Plan) -> None:
        """Weigh-ins on the scale a few mornings a week, now and then typed in by hand."""
        rng, i = self.rng, plan.index
        weight = 72.0 - 2.5 * i / 365 + 0.5 * math.sin(2 * math.pi * i / 365) + rng.gauss(0, 0.3)
        when = plan.wake + _dur(rng.uniform(5, 25))
        if rng.random() < 0.5:
            day.samples.append(self.quantity("bodyMass", round(weight, 2), "kg", when, when, SCALE))
            if rng.random() < 0.6:
                fat = round(0.22 - 0.015 * i / 365 + rng.gauss(0, 0.004), 3)
                day.samples.append(self.quantity("bodyFatPercentage", fat, "%", when, when, SCALE))
        elif rng.random() < 0.06:  # typed into the Health app on the phone
            fields = self.common(when, when, PHONE, {"HKWasUserEntered": True})
            fields["device"] = None
            day.samples.append(
                QuantitySample("bodyMass", Quantity(round(weight, 1), "kg"), **fields)
            )

    def blood_pressure(self, day: Day, plan: _Plan) -> None:
        """A cuff reading, morning or evening: a correlation of systolic and diastolic."""
        rng = self.rng
        if rng.random() < 0.6:
            when = plan.wake + _dur(rng.uniform(15, 40))
        else:
            when = plan.bed - _dur(rng.uniform(30, 90))
        systolic = round(min(138.0, max(112.0, rng.gauss(124, 5))))
        diastolic = round(min(87.0, max(68.0, rng.gauss(78, 4))))
        members: list[Sample] = [
            self.quantity("bloodPressureSystolic", systolic, "mmHg", when, when, CUFF),
            self.quantity("bloodPressureDiastolic", diastolic, "mmHg", when, when, CUFF),
        ]
        fields = self.common(when, when, CUFF)
        day.samples.append(Correlation("bloodPressure", objects=members, **fields))


def generate(
    *, days: int = 365, end: datetime | None = None, seed: int = 7, tz: str = TIME_ZONE
) -> Iterator[Day]:
    """Alex's samples day by day for the ``days`` calendar days before ``end`` (default:
    today's local midnight in ``tz``); every sample lies within [end - days, end)."""
    if days < 0:
        raise InvalidArgument("days must be >= 0", field="days")
    zone = ZoneInfo(tz)
    if end is None:
        end = datetime.combine(datetime.now(zone).date(), time(), zone)
    local_end = require_aware(end, "end").astimezone(zone)
    start = (local_end - timedelta(days=days)).astimezone(UTC)  # same wall time, days before
    return _Generator(random.Random(seed), zone, start, local_end.astimezone(UTC)).days()


def populate(
    store: HealthStore,
    *,
    days: int = 365,
    end: datetime | None = None,
    seed: int = 7,
    tz: str = TIME_ZONE,
) -> None:
    """Write Alex's characteristics and ``days`` days of samples into ``store`` (see
    :func:`generate`), about :data:`BATCH` objects per save, and associate each workout
    with its heart-rate samples. The same seed and end write the same samples and uuids."""
    store.set_characteristic("biologicalSex", "Female")
    store.set_characteristic("dateOfBirth", date(1988, 4, 12))
    store.set_characteristic("bloodType", "APositive")
    store.set_characteristic("fitzpatrickSkinType", "III")
    batch: list[Sample] = []
    links: list[tuple[Workout, list[Sample]]] = []
    for day in generate(days=days, end=end, seed=seed, tz=tz):
        batch += day.samples
        links += day.links
        if len(batch) >= BATCH:
            _flush(store, batch, links)
    _flush(store, batch, links)


def _flush(
    store: HealthStore, batch: list[Sample], links: list[tuple[Workout, list[Sample]]]
) -> None:
    if batch:
        store.save(batch)
    for workout, samples in links:
        store.add_to_workout(workout, samples)
    batch.clear()
    links.clear()


def ensure(directory: str | Path, *, days: int = 365) -> tuple[HealthStore, bool]:
    """The store at ``directory`` and whether it was just made: a missing or empty
    directory gets a new store filled by :func:`populate`. The store is built beside it and
    moved in place when complete, so an interrupted run leaves no half-filled store."""
    path = Path(directory)
    if path.exists() and any(path.iterdir()):
        return HealthStore.open(path), False
    full = path.resolve()
    staging = full.with_name(f".{full.name}.partial")
    shutil.rmtree(staging, ignore_errors=True)
    with HealthStore.create(staging) as store:
        populate(store, days=days)
    if path.exists():
        path.rmdir()
    staging.rename(path)
    return HealthStore.open(path), True
