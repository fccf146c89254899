"""A realistic synthetic Apple Health export of any size, written fast in constant memory.

:func:`write_synthetic_export` makes the elements directly, with no store in between: day
after day of one person's life in Europe/Paris (so the dates carry ``+0100`` in winter and
``+0200`` in summer; the span always crosses a change of clock), with a watch and a phone
that both count the same walks, heart rate around the clock, sleep stages, workouts with
events, activities, statistics and GPX routes, blood-pressure and food correlations (their
records also at the top level, as Apple writes them), activity rings, and the units and
metadata real exports hold (``Cal``, ``mmol<180.1558800000541>/L``, ``mL/kg·min``, values
with spaces and ampersands). Then one of each rarer thing: clinical records with their FHIR
files, an audiogram, a vision prescription, an ECG file and ``export_cda.xml``.

Days are written as they are made; a workout's route file is made again from its seed
once ``export.xml`` is closed (a zip takes one member at a time), so memory holds a day.
One ``random.Random(seed)`` drives everything and the zip's timestamps are the export
date: a seed and a size always give the same bytes.
"""

from __future__ import annotations

import os
import random
import zipfile
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Final
from zoneinfo import ZoneInfo

from healthstore.demo import apple_parts as parts
from healthstore.demo.apple_parts import meta
from healthstore.demo.apple_rare import Rare
from healthstore.errors import InvalidArgument
from healthstore.interop.apple.archive import Archive, ExportCounts, XmlSink
from healthstore.interop.apple.doctype import doctype
from healthstore.interop.apple.spelling import attr

__all__ = ["RECORDS_PER_DAY", "write_synthetic_export"]

ZONE: Final = ZoneInfo("Europe/Paris")
RECORDS_PER_DAY: Final = 450
"""At least about how many Records one day holds (a day holds about 500): the span of
days, and so the export's date, is planned with it."""
_DST_CHANGE: Final = date(2025, 3, 30)
_LAST_DAY: Final = date(2025, 6, 1)
"""The day after the last one written: every export ends by then, and a short one is
centred on the change of clock before it."""
_HOUR: Final = 3600
_STAGES: Final = {
    "Core": "HKCategoryValueSleepAnalysisAsleepCore",
    "Deep": "HKCategoryValueSleepAnalysisAsleepDeep",
    "REM": "HKCategoryValueSleepAnalysisAsleepREM",
    "Awake": "HKCategoryValueSleepAnalysisAwake",
}

_FOODS: Final = ("Fish & Chips", "Salade niçoise", "Steak & frites", "Pad thai")

# source name, version, device description (the watch and phone names use Apple's ’)
WATCH: Final = (
    "Sam\u2019s Apple Watch",
    "10.4",
    "<<HKDevice: 0x2816d0a50>, name:Apple Watch, manufacturer:Apple Inc., model:Watch, "
    "hardware:Watch6,2, software:10.4>",
)
PHONE: Final = (
    "Sam\u2019s iPhone",
    "17.4",
    "<<HKDevice: 0x2816c1f40>, name:iPhone, manufacturer:Apple Inc., model:iPhone, "
    "hardware:iPhone15,2, software:17.4>",
)
SCALE: Final = (
    "Withings & Co",
    "6.3.1",
    "<<HKDevice: 0x28340c0a0>, name:Body+, manufacturer:Withings, model:WBS05>",
)
CUFF: Final = (
    "OMRON connect",
    "7.12.0",
    "<<HKDevice: 0x2834a1e30>, name:BP7250, manufacturer:OMRON, model:BP7250>",
)
HEALTH: Final = ("Health", "17.4", None)
Source = tuple[str, str, str | None]


def _prefix(tag: str, type_id: str, source: Source, unit: str | None = None) -> str:
    text = f' <{tag} type="{type_id}"{parts.provenance(source)}'
    if unit is not None:
        text += f' unit="{attr(unit)}"'
    return text + ' creationDate="'


class _Day:
    """One local day's elements, appended to a list of strings."""

    def __init__(self, writer: _Writer, midnight: int, next_midnight: int, index: int):
        self.w, self.rng, self.clock = writer, writer.rng, writer.clock
        self.midnight, self.end, self.index = midnight, next_midnight, index
        self.out: list[str] = []
        self.records = 0

    def record(self, key: str, start: int, end: int, value: str, children: str = "") -> str:
        """A Record through its cached prefix; returns its text (for correlations)."""
        c = self.clock
        until = c(end)
        since = until if start == end else c(start)
        head = f'{self.w.prefixes[key]}{c(end + 41)}" startDate="{since}" endDate="{until}"'
        if children:
            text = f'{head} value="{value}">\n{children} </Record>\n'
        else:
            text = f'{head} value="{value}"/>\n'
        self.out.append(text)
        self.records += 1
        return text

    def at(self, hours: float) -> int:
        return self.midnight + int(hours * _HOUR)

    def make(self) -> None:
        """The day's elements; the first day has one of everything that is not daily."""
        rng, first = self.rng, self.index == 0
        wake = self.at(rng.gauss(7.0, 0.4))
        bed = self.at(rng.gauss(23.2, 0.4))
        self.sleep(self.at(rng.gauss(-0.8, 0.3)), wake)
        workout = self.workout(wake, bed, first) if rng.random() < 0.5 or first else None
        self.heart_rate(wake, workout)
        self.walks(wake, bed, workout)
        self.energy(wake, bed)
        self.body(wake, first)
        if rng.random() < 2 / 7 or first:
            self.blood_pressure(wake)
        if rng.random() < 0.3 or first:
            self.meal(self.at(rng.uniform(12.0, 13.5)))
        self.out.append(self.w.summary(self.midnight))

    # -- the night ---------------------------------------------------------------------
    def sleep(self, bed: int, wake: int) -> None:
        rng, zone = self.rng, meta("HKTimeZone", "Europe/Paris")
        self.record("inBed", bed, wake, "HKCategoryValueSleepAnalysisInBed", zone)
        t = bed + rng.randint(300, 1200)
        stage = "Core"
        while t < wake - 600:
            length = rng.randint(600, 2400) if stage != "Awake" else rng.randint(60, 300)
            stop = min(t + length, wake)
            self.record("sleep", t, stop, _STAGES[stage], zone)
            t = stop
            stage = rng.choice(("Core", "Deep", "REM", "Core", "Awake"))
        for when in range(bed + 1800, wake - 1800, 2400):
            self.record("breaths", when, when + 300, f"{rng.gauss(14.5, 0.8):.1f}")
        for _ in range(rng.randint(1, 3)):
            when = rng.randint(bed + 1800, wake - 1800)
            self.record("spo2", when, when, f"{min(1.0, rng.gauss(0.965, 0.01)):.2f}")
        first = self.midnight + rng.randint(2 * _HOUR, 4 * _HOUR)
        beats = parts.heartbeats(rng, first, self.clock)
        self.record("hrv", first, first + 60, f"{rng.gauss(48, 10):.2f}", beats)
        self.w.counts.add("HeartbeatSeries")
        for _ in range(rng.randint(2, 3)):
            when = rng.randint(self.midnight + 10 * _HOUR, self.midnight + 20 * _HOUR)
            self.record("hrv", when, when + 60, f"{rng.gauss(45, 12):.2f}")

    # -- around the clock --------------------------------------------------------------
    def heart_rate(self, wake: int, workout: tuple[int, int] | None) -> None:
        rng, record = self.rng, self.record
        busy_from, busy_to = workout or (0, 0)
        t = self.midnight + rng.randint(0, 240)
        resting = 58 + rng.gauss(0, 1.5)
        motion = [meta("HKMetadataKeyHeartRateMotionContext", v) for v in "21"]
        while t < self.end:
            if not busy_from <= t < busy_to:
                draw = rng.random()  # the motion context: none, sedentary, or active (< 0.05)
                children = "" if draw >= 0.35 else motion[draw >= 0.05]
                level = resting + (2 if t < wake else 12) + (25 if draw < 0.05 else 0)
                bpm = int(level + 24 * (rng.random() - 0.5))
                record("heart", t, t, str(bpm), children)
            t += 240 + int(rng.random() * 121)
        self.record("resting", self.midnight, self.end - 1, str(round(resting)))
        self.record("walkingHeart", self.midnight, self.end - 1, str(round(resting + 38)))

    def walks(self, wake: int, bed: int, workout: tuple[int, int] | None) -> None:
        """Walks the watch counts, and the phone (carried most of the time) counts too,
        a little shifted: the overlap that source priority must not add up twice."""
        rng = self.rng
        for _ in range(rng.randint(14, 24)):
            start = rng.randint(wake, bed - 1800)
            end = start + rng.randint(120, 1500)
            if workout is not None and start < workout[1] and workout[0] < end:
                continue
            steps = (end - start) * rng.uniform(1.6, 1.95)
            self.record("watchSteps", start, end, str(round(steps)))
            self.record("watchDistance", start, end, f"{steps * 0.00073:.5f}")
            if rng.random() < 0.8:
                shift = rng.randint(-45, 45)
                seen = steps * rng.uniform(0.9, 1.05)
                self.record("phoneSteps", start + shift, end + shift, str(round(seen)))
                self.record("phoneDistance", start + shift, end + shift, f"{seen * 0.00071:.5f}")
                if rng.random() < 0.1:
                    self.record("flights", start + shift, end + shift, str(rng.randint(1, 3)))

    def energy(self, wake: int, bed: int) -> None:
        rng = self.rng
        for t in range(wake, bed - 900, 900):
            self.record("active", t, t + 900, f"{rng.uniform(3, 25):.3f}")
        for t in range(self.midnight, self.end - _HOUR + 1, _HOUR):
            self.record("basal", t, t + _HOUR, f"{rng.uniform(60, 70):.3f}")
        for hour in range(8, 22):
            t = self.at(hour)
            stood = rng.random() < 0.8
            value = "HKCategoryValueAppleStandHour" + ("Stood" if stood else "Idle")
            self.record("stand", t, t + _HOUR, value)
        if rng.random() < 0.25:
            t = self.at(rng.uniform(7.5, 8.5))
            self.record("mindful", t, t + 300, "HKCategoryValueNotApplicable")

    def body(self, wake: int, first: bool) -> None:
        rng, t = self.rng, wake + self.rng.randint(300, 1500)
        if rng.random() < 0.45 or first:
            weight = 71.5 - self.index * 0.002 + rng.gauss(0, 0.3)
            children = meta("Scale model", "Body+ <WBS05> & app")
            self.record("mass", t, t, f"{weight:.2f}", children)
            self.record("fat", t, t, f"{0.21 + rng.gauss(0, 0.004):.3f}")
        if rng.random() < 0.35 or first:
            glucose = f"{rng.gauss(5.4, 0.6):.2f}"
            meal = meta("HKBloodGlucoseMealTime", rng.choice("12"))
            self.record(
                "glucose", t + 3600, t + 3600, glucose, meta("HKWasUserEntered", "1") + meal
            )
        if self.index % 7 == 0:
            test = meta("HKVO2MaxTestType", "2")
            self.record("vo2", t + 7200, t + 7200, f"{rng.gauss(44, 1.5):.2f}", test)

    # -- correlations ------------------------------------------------------------------
    def blood_pressure(self, wake: int) -> None:
        rng, t = self.rng, wake + self.rng.randint(900, 2400)
        members = self.record("systolic", t, t, str(round(rng.gauss(124, 5))))
        members += self.record("diastolic", t, t, str(round(rng.gauss(78, 4))))
        self.correlation("bp", t, t, "", members)

    def meal(self, t: int) -> None:
        rng = self.rng
        food = rng.choice(_FOODS) if self.index else _FOODS[0]
        entries = meta("HKFoodType", food)
        members = self.record("kcal", t, t, f"{rng.uniform(450, 900):.1f}", entries)
        members += self.record("protein", t, t, f"{rng.uniform(15, 45):.1f}", entries)
        self.correlation("food", t, t, meta("Meal", "Lunch & dessert <shared>"), members)

    def correlation(self, key: str, start: int, end: int, children: str, members: str) -> None:
        c = self.clock
        nested = " " + members.replace("\n ", "\n  ")  # one level deeper
        self.out.append(
            f'{self.w.prefixes[key]}{c(end + 60)}" startDate="{c(start)}" endDate="{c(end)}">\n'
            f"{children}{nested} </Correlation>\n"
        )
        self.w.counts.add("Correlation")

    # -- workouts ----------------------------------------------------------------------
    def workout(self, wake: int, bed: int, outdoors: bool) -> tuple[int, int]:
        rng = self.rng
        kind = parts.WORKOUTS[0] if outdoors else rng.choice(parts.WORKOUTS)
        start = rng.randint(wake + 3600, bed - 4 * _HOUR)
        end = start + rng.randint(25, 75) * 60
        path = None
        if kind[1]:  # outdoors: with a route
            stem = parts.route_stem(start, self.clock)
            path = self.w.names.claim("workout-routes", stem, ".gpx", first=2)
            self.w.routes.append(parts.RouteRecipe(path, start, end, rng.getrandbits(32)))
            self.w.counts.add("WorkoutRoute")
        watch = parts.provenance(WATCH)
        self.out.append(parts.workout(rng, self.clock, watch, kind, (start, end), path))
        self.w.counts.add("Workout")
        return start, end


class _Writer:
    """Everything one synthetic export shares: randomness, clock, prefixes, counts."""

    def __init__(self, seed: int, counts: ExportCounts) -> None:
        self.rng = random.Random(seed)
        self.clock = parts.Clock(ZONE)
        self.counts = counts
        self.routes: list[parts.RouteRecipe] = []
        self.names = parts.Names()
        self.prefixes = {
            key: _prefix(tag, type_id, source, unit)
            for key, (tag, type_id, source, unit) in parts.record_kinds(
                WATCH, PHONE, SCALE, CUFF, HEALTH
            ).items()
        }

    def summary(self, midnight: int) -> str:
        rng = self.rng
        day = datetime.fromtimestamp(midnight + 12 * _HOUR, ZONE).date()
        self.counts.add("ActivitySummary")
        return (
            f' <ActivitySummary dateComponents="{day.isoformat()}" '
            f'activeEnergyBurned="{rng.uniform(300, 900):.3f}" activeEnergyBurnedGoal="600" '
            'activeEnergyBurnedUnit="Cal" appleMoveTime="0" appleMoveTimeGoal="0" '
            f'appleExerciseTime="{rng.randint(5, 80)}" appleExerciseTimeGoal="30" '
            f'appleStandHours="{rng.randint(8, 14)}" appleStandHoursGoal="12"/>\n'
        )


def write_synthetic_export(
    out: str | os.PathLike[str], *, records: int, seed: int = 7
) -> ExportCounts:
    """Write an ``export.zip`` of about ``records`` Records (whole days of them; at least
    two days) plus the other elements a real export holds, to ``out``. Returns the count
    of every element kind written."""
    if records < 1:
        raise InvalidArgument("records must be at least 1", field="records")
    target = Path(out)
    counts = ExportCounts(target)
    writer = _Writer(seed, counts)
    days = max(2, -(-records // RECORDS_PER_DAY))
    first = min(_LAST_DAY - timedelta(days=days), _DST_CHANGE - timedelta(days=days // 2))
    exported = datetime.combine(first + timedelta(days=days + 1), time(9, 41), ZONE)
    rare = Rare(writer.rng, writer.clock, first, days, records)
    partial = target.with_name(f".{target.name}.partial")
    try:
        with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as zipped:
            archive = Archive(zipped, exported)
            with archive.open("export.xml") as raw:
                sink = XmlSink(raw)
                sink.write(doctype())
                sink.write(parts.head(writer.clock(int(exported.timestamp()))))
                counts.add("Me")
                _write_days(writer, sink, first, records, days)
                sink.write(rare.elements(counts))
                sink.write("</HealthData>\n")
                sink.flush()
            for route in writer.routes:
                archive.write(route.path, parts.gpx(route, writer.clock, exported))
            rare.write(archive, counts)
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)
    return counts


def _write_days(writer: _Writer, sink: XmlSink, first: date, records: int, days: int) -> None:
    """Whole days until ``records`` are written (or the planned days are over)."""
    written, index = 0, 0
    while (written < records or index < 2) and index < days:
        day = first + timedelta(days=index)
        midnight = int(datetime.combine(day, time(), ZONE).timestamp())
        following = datetime.combine(day + timedelta(days=1), time(), ZONE)
        one = _Day(writer, midnight, int(following.timestamp()), index)
        one.make()
        sink.write("".join(one.out))
        written += one.records
        index += 1
    writer.counts.add("Record", written)
