"""Shared fixtures: fresh stores on disk, the shared test data folder, time helpers."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import settings

from healthstore import HealthStore, Source

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
