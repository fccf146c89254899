"""The demo data: every kind present, phone and watch overlapping, zoned times, tiled nights,
deterministic output, batched saves, and ``ensure`` creating a store only once."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from healthstore import (
    CategorySample,
    Correlation,
    HealthStore,
    QuantitySample,
    Sample,
    Workout,
    demo,
)
from healthstore.errors import InvalidArgument

PARIS = ZoneInfo("Europe/Paris")
END = datetime(2025, 11, 1, tzinfo=PARIS)  # 14 days before it include the end of DST
DAYS = 14
TYPES = [
    "stepCount",
    "distanceWalkingRunning",
    "flightsClimbed",
    "heartRate",
    "restingHeartRate",
    "heartRateVariabilitySDNN",
    "activeEnergyBurned",
    "basalEnergyBurned",
    "sleepAnalysis",
    "bodyMass",
    "bodyFatPercentage",
    "bloodPressure",
    "bloodPressureSystolic",
    "bloodPressureDiastolic",
    "oxygenSaturation",
    "respiratoryRate",
    "workout",
]


def utc(value: datetime) -> datetime:
    """Compare instants in UTC: same-zone datetimes compare by wall clock, ignoring fold."""
    return value.astimezone(UTC)


def fill(path: Path, **kwargs: Any) -> HealthStore:
    store = HealthStore.create(path)
    demo.populate(store, **{"days": DAYS, "end": END, **kwargs})
    return store


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HealthStore]:
    with fill(tmp_path_factory.mktemp("demo") / "store") as s:
        yield s


@pytest.fixture(scope="module")
def everything(store: HealthStore) -> list[Sample]:
    return store.samples(TYPES, sort="start")


def test_every_kind_of_data_and_characteristic_is_written(store: HealthStore) -> None:
    counts = {row["type"]: row["count"] for row in store.summary()}
    assert sorted(t for t in TYPES if not counts.get(t)) == []
    assert store.characteristic("biologicalSex") == 1  # Female
    assert store.characteristic("dateOfBirth").year == 1988  # type: ignore[union-attr]
    assert store.characteristic("bloodType") != 0
    assert store.characteristic("fitzpatrickSkinType") != 0


def test_samples_lie_in_the_window_with_the_persons_zone(everything: list[Sample]) -> None:
    start = END - timedelta(days=DAYS)
    for s in everything:
        for t in (s.start, s.end):
            assert t.tzinfo is not None and t.utcoffset() is not None
            assert str(t.tzinfo) == "Europe/Paris"
        assert utc(start) <= utc(s.start) <= utc(s.end) <= utc(END)


def test_phone_and_watch_count_the_same_walks(store: HealthStore) -> None:
    steps = store.samples("stepCount", sort="start")
    by_source = {
        name: [s for s in steps if s.source and s.source.name == name]
        for name in (demo.PHONE.name, demo.WATCH.name)
    }
    phone, watch = by_source.values()
    assert phone and watch
    overlapping = [
        (p, w)
        for p in phone
        for w in watch
        if utc(p.start) < utc(w.end) and utc(w.start) < utc(p.end)
    ]
    assert len(overlapping) > len(watch) / 2
    p, w = overlapping[0]
    assert isinstance(p, QuantitySample) and isinstance(w, QuantitySample)
    assert p.device is not None and p.device.model == "iPhone"
    assert w.device is not None and w.device.hardware_version == "Watch6,2"


def test_sleep_stages_tile_each_night(store: HealthStore) -> None:
    sleep = store.samples("sleepAnalysis")
    assert all(isinstance(s, CategorySample) for s in sleep)
    nights = [s for s in sleep if isinstance(s, CategorySample) and s.label == "InBed"]
    stages = [s for s in sleep if isinstance(s, CategorySample) and s.label != "InBed"]
    assert len(nights) >= DAYS - 3
    assert {s.label for s in stages} == {"AsleepCore", "AsleepDeep", "AsleepREM", "Awake"}
    crossed_dst = False
    for night in nights:
        inside = sorted(
            (s for s in stages if utc(night.start) <= utc(s.start) < utc(night.end)),
            key=lambda s: utc(s.start),
        )
        assert utc(inside[0].start) == utc(night.start)
        assert utc(inside[-1].end) == utc(night.end)
        for before, after in pairwise(inside):
            assert utc(before.end) == utc(after.start)
            assert before.label != after.label
        crossed_dst |= night.start.utcoffset() != night.end.utcoffset()
        assert night.metadata["HKTimeZone"] == "Europe/Paris"
    assert crossed_dst


def test_values_are_plausible(store: HealthStore) -> None:
    def values(type_: str, unit: str) -> list[float]:
        found = store.samples(type_)
        return [s.quantity.value_in(unit) for s in found if isinstance(s, QuantitySample)]

    assert 30 < min(values("heartRate", "count/min")) < max(values("heartRate", "count/min")) < 200
    assert all(0.9 <= v <= 1 for v in values("oxygenSaturation", "%"))
    assert all(0.1 < v < 0.3 for v in values("bodyFatPercentage", "%"))
    assert all(60 < v < 80 for v in values("bodyMass", "kg"))
    assert all(110 <= v <= 140 for v in values("bloodPressureSystolic", "mmHg"))
    assert all(65 <= v <= 90 for v in values("bloodPressureDiastolic", "mmHg"))
    for reading in store.samples("bloodPressure"):
        assert isinstance(reading, Correlation) and reading.source == demo.CUFF
        assert len(reading.objects) == 2


def test_workouts_carry_totals_and_their_heart_rate(store: HealthStore) -> None:
    workouts = [w for w in store.samples("workout") if isinstance(w, Workout)]
    assert 2 <= len(workouts) <= 2 * 4 + 2
    for w in workouts:
        assert w.total_energy_burned is not None and w.total_energy_burned.value > 0
        heart = store.workout_samples(w, "heartRate")
        assert len(heart) >= 20
        assert all(utc(w.start) <= utc(s.start) <= utc(w.end) for s in heart)
        if w.activity_name in ("running", "walking", "cycling"):
            assert w.total_distance is not None and w.total_distance.value > 0


def key(sample: Sample) -> tuple[Any, ...]:
    if isinstance(sample, QuantitySample):
        value: Any = sample.quantity
    elif isinstance(sample, CategorySample):
        value = sample.value
    elif isinstance(sample, Workout):
        value = sample.activity_type
    else:
        value = None
    return (sample.type.short_name, utc(sample.start), utc(sample.end), value)


def test_same_seed_and_end_give_the_same_samples(
    tmp_path: Path, store: HealthStore, everything: list[Sample]
) -> None:
    with fill(tmp_path / "again") as again:
        assert sorted(map(key, again.samples(TYPES))) == sorted(map(key, everything))
        assert {s.uuid for s in again.samples(TYPES)} == {s.uuid for s in everything}
    with fill(tmp_path / "other", seed=8) as other:
        assert sorted(map(key, other.samples(TYPES))) != sorted(map(key, everything))


def test_populate_saves_in_batches(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = HealthStore.create(tmp_path / "store")
    sizes: list[int] = []
    save = store.save

    def counting_save(objects: Any) -> Any:
        sizes.append(len(objects))
        return save(objects)

    monkeypatch.setattr(store, "save", counting_save)
    demo.populate(store, days=DAYS, end=END)
    store.close()
    assert len(sizes) >= 2
    assert all(demo.BATCH <= n < demo.BATCH + 1_000 for n in sizes[:-1])
    assert 0 < sizes[-1] < demo.BATCH + 1_000


def test_ensure_creates_the_store_once(tmp_path: Path) -> None:
    path = tmp_path / "demo"
    first, created = demo.ensure(path, days=3)
    with first:
        assert created
        anchor = first.changes().anchor
        assert anchor > 0
    second, created = demo.ensure(path, days=3)
    with second:
        assert not created
        assert second.changes().anchor == anchor
    assert [p.name for p in tmp_path.iterdir()] == ["demo"]  # no staging left behind


def test_generate_rejects_naive_end() -> None:
    with pytest.raises(InvalidArgument, match="aware"):
        demo.generate(days=1, end=datetime(2025, 1, 1))
    with pytest.raises(InvalidArgument, match="days"):
        demo.generate(days=-1, end=END)
