"""Pieces of a synthetic export (:mod:`healthstore.demo.apple_export`): the clock
that spells its dates, the kinds of records, heartbeat lists, workouts and their GPX routes,
and the opening of ``export.xml``.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from typing import Final
from uuid import UUID

from healthstore.interop.apple.attachments import Names, utc_text
from healthstore.interop.apple.spelling import attr, beat_time

__all__ = [
    "WORKOUTS",
    "Clock",
    "Names",
    "RouteRecipe",
    "gpx",
    "head",
    "heartbeats",
    "meta",
    "provenance",
    "record_kinds",
    "route_stem",
    "workout",
]

_HOUR: Final = 3600
_MINUTES_SECONDS: Final = tuple(f"{m:02d}:{s:02d}" for m in range(60) for s in range(60))
Source = tuple[str, str, str | None]
ROUTE_STEP: Final = 5
"""Seconds between two points of a synthetic route."""


@dataclass(frozen=True)
class RouteRecipe:
    """What it takes to make a route's GPX file again once ``export.xml`` is closed."""

    path: str
    start: int
    end: int
    seed: int


class Clock:
    """Epoch seconds to export dates (``2024-03-31 03:12:00 +0200``) in a zone whose
    offsets are whole hours: ``strftime`` once an hour, not once a date."""

    def __init__(self, zone: tzinfo, hour: str = "%Y-%m-%d %H:", offset: str = " %z") -> None:
        self.zone = zone
        self._formats = (hour, offset)
        self._hours: dict[int, tuple[str, str]] = {}

    def __call__(self, ts: int) -> str:
        hour, rest = divmod(ts, _HOUR)
        found = self._hours.get(hour)
        if found is None:
            if len(self._hours) > 4096:
                self._hours.clear()
            local = datetime.fromtimestamp(hour * _HOUR, self.zone)
            found = self._hours[hour] = (
                local.strftime(self._formats[0]),
                local.strftime(self._formats[1]),
            )
        return found[0] + _MINUTES_SECONDS[rest] + found[1]

    def local(self, ts: float) -> datetime:
        return datetime.fromtimestamp(ts, self.zone)


def provenance(source: Source) -> str:
    """`` sourceName=… sourceVersion=… device=…`` of a source."""
    name, version, device = source
    text = f' sourceName="{attr(name)}" sourceVersion="{version}"'
    return text if device is None else f'{text} device="{attr(device)}"'


def meta(key: str, value: str, indent: str = "  ") -> str:
    """A ``MetadataEntry`` line."""
    return f'{indent}<MetadataEntry key="{attr(key)}" value="{attr(value)}"/>\n'


def _uuid(rng: random.Random) -> str:
    return str(UUID(int=rng.getrandbits(128), version=4)).upper()


# -- record kinds --------------------------------------------------------------------------------

_Q: Final = "HKQuantityTypeIdentifier"
_C: Final = "HKCategoryTypeIdentifier"


def record_kinds(
    watch: Source, phone: Source, scale: Source, cuff: Source, health: Source
) -> dict[str, tuple[str, str, Source, str | None]]:
    """Each kind of element a day writes: (tag, type identifier, source, unit)."""
    r = "Record"
    return {
        "inBed": (r, _C + "SleepAnalysis", watch, None),
        "sleep": (r, _C + "SleepAnalysis", watch, None),
        "breaths": (r, _Q + "RespiratoryRate", watch, "count/min"),
        "spo2": (r, _Q + "OxygenSaturation", watch, "%"),
        "hrv": (r, _Q + "HeartRateVariabilitySDNN", watch, "ms"),
        "heart": (r, _Q + "HeartRate", watch, "count/min"),
        "resting": (r, _Q + "RestingHeartRate", watch, "count/min"),
        "walkingHeart": (r, _Q + "WalkingHeartRateAverage", watch, "count/min"),
        "watchSteps": (r, _Q + "StepCount", watch, "count"),
        "watchDistance": (r, _Q + "DistanceWalkingRunning", watch, "km"),
        "phoneSteps": (r, _Q + "StepCount", phone, "count"),
        "phoneDistance": (r, _Q + "DistanceWalkingRunning", phone, "km"),
        "flights": (r, _Q + "FlightsClimbed", phone, "count"),
        "active": (r, _Q + "ActiveEnergyBurned", watch, "Cal"),
        "basal": (r, _Q + "BasalEnergyBurned", watch, "Cal"),
        "stand": (r, _C + "AppleStandHour", watch, None),
        "mindful": (r, _C + "MindfulSession", watch, None),
        "mass": (r, _Q + "BodyMass", scale, "kg"),
        "fat": (r, _Q + "BodyFatPercentage", scale, "%"),
        "glucose": (r, _Q + "BloodGlucose", health, "mmol<180.1558800000541>/L"),
        "vo2": (r, _Q + "VO2Max", watch, "mL/kg·min"),
        "systolic": (r, _Q + "BloodPressureSystolic", cuff, "mmHg"),
        "diastolic": (r, _Q + "BloodPressureDiastolic", cuff, "mmHg"),
        "kcal": (r, _Q + "DietaryEnergyConsumed", health, "Cal"),
        "protein": (r, _Q + "DietaryProtein", health, "g"),
        "bp": ("Correlation", "HKCorrelationTypeIdentifierBloodPressure", cuff, None),
        "food": ("Correlation", "HKCorrelationTypeIdentifierFood", health, None),
    }


def heartbeats(rng: random.Random, first: int, clock: Clock) -> str:
    """A ``HeartRateVariabilityMetadataList`` of about a minute of beats from ``first``."""
    lines, t, interval = [], float(first), rng.uniform(0.75, 1.05)
    while t < first + 59:
        bpm = round(60 / interval)
        lines.append(
            f'   <InstantaneousBeatsPerMinute bpm="{bpm}" time="{beat_time(clock.local(t))}"/>\n'
        )
        interval = min(1.4, max(0.55, interval + rng.gauss(0, 0.03)))
        t = round(t + interval, 2)
    return (
        "  <HeartRateVariabilityMetadataList>\n"
        + "".join(lines)
        + ("  </HeartRateVariabilityMetadataList>\n")
    )


# -- workouts ------------------------------------------------------------------------------------

# activity type, outdoor (with a route), km/h, kcal/min, steps/min
WORKOUTS: Final = (
    ("Running", True, 10.5, 11.0, 165),
    ("Walking", True, 5.2, 4.8, 112),
    ("Cycling", True, 22.0, 8.5, 0),
    ("Yoga", False, 0.0, 3.2, 0),
    ("TraditionalStrengthTraining", False, 0.0, 6.0, 0),
)


def route_stem(start: int, clock: Clock) -> str:
    """``route_2019-06-11_3.00pm``, as the Health app names route files."""
    local = clock.local(start)
    hour = local.hour % 12 or 12
    return f"route_{local:%Y-%m-%d}_{hour}.{local.minute:02d}{'pm' if local.hour >= 12 else 'am'}"


def workout(
    rng: random.Random,
    clock: Clock,
    provenance: str,
    kind: tuple[str, bool, float, float, int],
    span: tuple[int, int],
    route: str | None,
) -> str:
    """A ``Workout`` with metadata, events, an activity, statistics and perhaps a route."""
    name, outdoor, speed, burn, cadence = kind
    start, end = span
    minutes = (end - start) / 60
    kcal, km = minutes * burn * rng.uniform(0.9, 1.1), minutes / 60 * speed * rng.uniform(0.9, 1.1)
    c = clock
    head = (
        f' <Workout workoutActivityType="HKWorkoutActivityType{name}" duration="{minutes!r}" '
        f'durationUnit="min"'
        + (f' totalDistance="{km:.4f}" totalDistanceUnit="km"' if speed else "")
        + f' totalEnergyBurned="{kcal:.3f}" totalEnergyBurnedUnit="Cal"{provenance}'
        f' creationDate="{c(end + 65)}" startDate="{c(start)}" endDate="{c(end)}">\n'
    )
    body = [
        meta("HKIndoorWorkout", "0" if outdoor else "1"),
        meta("HKTimeZone", "Europe/Paris"),
        meta("HKAverageMETs", f"{kcal / minutes * 1.2:.5f} kcal/hr·kg"),
    ]
    if outdoor:
        body.append(meta("HKWeatherTemperature", f"{rng.uniform(35, 85):.4f} degF"))
        body.append(meta("HKWeatherHumidity", f"{rng.randint(30, 95) * 100} %"))
        body.append(meta("HKElevationAscended", f"{rng.randint(500, 20000)} cm"))
    half = start + (end - start) // 2
    body.append(
        f'  <WorkoutEvent type="HKWorkoutEventTypeSegment" date="{c(start)}" '
        f'duration="{(half - start) / 60!r}" durationUnit="min"/>\n'
    )
    if outdoor and rng.random() < 0.4:
        pause = rng.randint(start + 300, end - 600)
        body.append(f'  <WorkoutEvent type="HKWorkoutEventTypePause" date="{c(pause)}"/>\n')
        body.append(f'  <WorkoutEvent type="HKWorkoutEventTypeResume" date="{c(pause + 120)}"/>\n')
    body.append(
        f'  <WorkoutActivity uuid="{_uuid(rng)}" workoutActivityType="HKWorkoutActivityType'
        f'{name}" startDate="{c(start)}" endDate="{c(end)}" duration="{minutes!r}" '
        f'durationUnit="min">\n{meta("HKIndoorWorkout", "0" if outdoor else "1", "   ")}'
        "  </WorkoutActivity>\n"
    )
    span_text = f'startDate="{c(start)}" endDate="{c(end)}"'
    low, high = rng.randint(85, 110), rng.randint(140, 185)
    stats = [
        f'type="{_Q}HeartRate" {span_text} average="{(low + high) / 2}" minimum="{low}" '
        f'maximum="{high}" unit="count/min"',
        f'type="{_Q}ActiveEnergyBurned" {span_text} sum="{kcal:.3f}" unit="Cal"',
        f'type="{_Q}BasalEnergyBurned" {span_text} sum="{minutes * 1.1:.3f}" unit="Cal"',
    ]
    if speed:
        distance = "DistanceCycling" if name == "Cycling" else "DistanceWalkingRunning"
        stats.append(f'type="{_Q}{distance}" {span_text} sum="{km:.4f}" unit="km"')
    if cadence:
        stats.append(
            f'type="{_Q}StepCount" {span_text} sum="{round(minutes * cadence)}" unit="count"'
        )
    body += [f"  <WorkoutStatistics {s}/>\n" for s in stats]
    if route is not None:
        body.append(
            f'  <WorkoutRoute{provenance} creationDate="{c(end + 90)}" {span_text}>\n'
            f"{meta('HKMetadataKeySyncVersion', '2', '   ')}"
            f"{meta('HKMetadataKeySyncIdentifier', _uuid(rng), '   ')}"
            f'   <FileReference path="/{route}"/>\n  </WorkoutRoute>\n'
        )
    return head + "".join(body) + " </Workout>\n"


def gpx(route: RouteRecipe, clock: Clock, exported: datetime) -> bytes:
    """The GPX file of a synthetic route: a wandering loop around Paris, a point every
    :data:`ROUTE_STEP` seconds."""
    rng = random.Random(route.seed)
    lat, lon, ele = 48.85 + rng.uniform(-0.05, 0.05), 2.35 + rng.uniform(-0.08, 0.08), 35.0
    heading = rng.uniform(0, 360)
    utc = Clock(UTC, "%Y-%m-%dT%H:", "Z")
    local = clock.local(route.start)
    hour = local.hour % 12 or 12
    name = f"Route {local:%Y-%m-%d} {hour}:{local.minute:02d}{'pm' if local.hour >= 12 else 'am'}"
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>\n<gpx version="1.1" creator="Apple Health '
        'Export" xmlns="http://www.topografix.com/GPX/1/1" xmlns:xsi="http://www.w3.org/2001/'
        'XMLSchema-instance" xsi:schemaLocation="http://www.topografix.com/GPX/1/1 '
        'http://www.topografix.com/GPX/1/1/gpx.xsd">\n'
        f"  <metadata>\n    <time>{utc_text(exported)}</time>\n  </metadata>\n"
        f"  <trk>\n    <name>{name}</name>\n    <trkseg>\n"
    ]
    when, cos, sin, radians, random_ = route.start, math.cos, math.sin, math.radians, rng.random
    for _ in range((route.end - route.start) // ROUTE_STEP):
        heading = (heading + 16 * (random_() - 0.5)) % 360
        speed = 2.6 + 0.8 * random_()
        step = speed * ROUTE_STEP / 111_320
        lat += step * cos(radians(heading))
        lon += step * sin(radians(heading)) / cos(radians(lat))
        ele += 0.6 * (random_() - 0.5)
        out.append(
            f'      <trkpt lon="{lon:.6f}" lat="{lat:.6f}"><ele>{ele:.6f}</ele>'
            f"<time>{utc(when)}</time><extensions><speed>{speed:.6f}</speed>"
            f"<course>{heading:.6f}</course><hAcc>{2 + 7 * random_():.6f}</hAcc>"
            f"<vAcc>{2 + 5 * random_():.6f}</vAcc></extensions></trkpt>\n"
        )
        when += ROUTE_STEP
    out.append("    </trkseg>\n  </trk>\n</gpx>\n")
    return "".join(out).encode("utf-8")


# -- the rest ------------------------------------------------------------------------------------


def head(export_date: str) -> str:
    """``<HealthData>``, ``ExportDate`` and ``Me``."""
    return (
        '<HealthData locale="en_US">\n'
        f' <ExportDate value="{export_date}"/>\n'
        ' <Me HKCharacteristicTypeIdentifierDateOfBirth="1991-06-12" '
        'HKCharacteristicTypeIdentifierBiologicalSex="HKBiologicalSexFemale" '
        'HKCharacteristicTypeIdentifierBloodType="HKBloodTypeONegative" '
        'HKCharacteristicTypeIdentifierFitzpatrickSkinType="HKFitzpatrickSkinTypeNotSet"/>\n'
    )
