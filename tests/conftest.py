"""Shared fixtures: fresh stores on disk, the shared test data folder, time helpers."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import settings

from healthstore import HealthStore, Quantity, QuantitySample, Source, Workout

# Properties assert behaviour, never speed: hypothesis's per-example deadline would turn a
# busy machine into a failure, so it is off for every test.
settings.register_profile("healthstore", deadline=None)
settings.load_profile("healthstore")

SHARED = Path(__file__).resolve().parents[2] / "shared"
PARIS = ZoneInfo("Europe/Paris")
T0 = datetime(2024, 3, 30, 8, 0, tzinfo=PARIS)  # the weekend of a DST change
PHONE = Source("com.example.phone", "Phone")
WATCH = Source("com.example.watch", "Watch")


def at(minutes: float) -> datetime:
    """T0 plus some minutes."""
    return T0 + timedelta(minutes=minutes)


def shared_path(*parts: str) -> Path:
    """A path under ../shared, or skip the test with the reason when it is absent."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"shared test data not found at {path} (tests read it from ../shared)")
    return path


@pytest.fixture
def store(tmp_path: Path) -> Iterator[HealthStore]:
    """A fresh, empty store in a temporary directory."""
    with HealthStore.create(tmp_path / "store") as s:
        yield s


def quantity_of(sample: object) -> Quantity:
    """The quantity of a sample the test knows to be a quantity sample."""
    assert isinstance(sample, QuantitySample), sample
    return sample.quantity


def workout_of(sample: object) -> Workout:
    """A sample the test knows to be a workout."""
    assert isinstance(sample, Workout), sample
    return sample
