"""Statistics as JSON (``healthstore.wire.statistics``): real results of a store (sums and
discrete statistics, per source, most recent, duration, calendar buckets across a DST change)
come back equal and print the same; bad input names the JSON path."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from healthstore import HealthStore, Quantity, QuantitySample
from healthstore.errors import InvalidArgument
from healthstore.query.statistics import Statistics
from healthstore.wire import statistics_from_json, statistics_to_json
from tests.conftest import PARIS, PHONE, T0, WATCH, at

MIDNIGHT = datetime(2024, 3, 30, tzinfo=PARIS)
END = datetime(2024, 4, 1, tzinfo=PARIS)  # the clocks go forward on the 31st


@pytest.fixture
def filled(store: HealthStore) -> HealthStore:
    rng = random.Random(4)
    samples = []
    for i in range(120):
        start = instant(rng.uniform(-480, 2400))
        end = instant((start - T0) / timedelta(minutes=1) + rng.choice([0, 1, 7.5, 30, 95]))
        for source in (PHONE, WATCH) if i % 3 else (WATCH,):
            steps = Quantity(rng.randint(0, 4000), "count")
            samples.append(QuantitySample("stepCount", steps, start, end, source=source))
        bpm = Quantity(rng.uniform(48, 170), "count/min")
        samples.append(QuantitySample("heartRate", bpm, start, source=PHONE if i % 4 else WATCH))
    samples.append(QuantitySample("heartRate", Quantity(61, "count/min"), at(-30), at(600)))
    store.save(samples)
    store.set_source_priority("stepCount", [WATCH, PHONE])
    return store


def instant(minutes: float) -> datetime:
    """T0 plus some real minutes (not wall-clock ones), in Paris."""
    return (T0.astimezone(UTC) + timedelta(minutes=minutes)).astimezone(PARIS)


def round_trip(stats: Statistics) -> Statistics:
    data = json.loads(json.dumps(statistics_to_json(stats)))
    back = statistics_from_json(data, stats.type.identifier)
    assert back == stats
    assert list(back.by_source) == list(stats.by_source)
    assert statistics_to_json(back) == data
    assert back.to_json() == stats.to_json()
    for when in ("start", "end", "most_recent_start", "most_recent_end"):
        ours, theirs = getattr(back, when), getattr(stats, when)
        assert (ours and ours.isoformat()) == (theirs and theirs.isoformat())
    return back


SUMS = "sum,separateBySource,duration"
DISCRETE = "avg,min,max,mostRecent,separateBySource,duration"


def test_single_ranges_round_trip(filled: HealthStore) -> None:
    steps = filled.statistics("stepCount", start=MIDNIGHT, end=END, options=SUMS)
    assert steps.sum is not None and steps.duration and len(steps.by_source) == 2
    round_trip(steps)
    heart = filled.statistics("heartRate", start=MIDNIGHT, end=END, options=DISCRETE)
    assert heart.most_recent_start is not None and len(heart.by_source) == 3
    round_trip(heart)


@pytest.mark.parametrize(
    ("type_", "options", "interval", "tz"),
    [
        ("stepCount", SUMS, "1h", "Europe/Paris"),
        ("heartRate", DISCRETE, "1h", "Europe/Paris"),
        ("heartRate", DISCRETE, "1d", "America/New_York"),
        ("stepCount", "cumulativeSum", "15min", "+05:30"),
    ],
)
def test_collections_round_trip(
    filled: HealthStore, type_: str, options: str, interval: str, tz: str
) -> None:
    buckets = filled.statistics_collection(
        type_,
        anchor=MIDNIGHT,
        interval=interval,
        start=MIDNIGHT,
        end=END,
        options=options,
        tz=tz,
    )
    assert any(b.has_data for b in buckets)
    for bucket in buckets:
        round_trip(bucket)


def test_shape(filled: HealthStore) -> None:
    heart = filled.statistics("heartRate", start=T0, end=at(60), options=DISCRETE)
    data = statistics_to_json(heart)
    assert list(data) == [
        "start",
        "end",
        "time_zone",
        "unit",
        "sum",
        "average",
        "minimum",
        "maximum",
        "most_recent",
        "most_recent_start",
        "most_recent_end",
        "duration_us",
        "sources",
        "by_source",
    ]
    assert data["start"] == "2024-03-30T08:00:00+01:00"
    assert (data["time_zone"], data["unit"], data["sum"]) == ("Europe/Paris", "count/min", None)
    assert data["duration_us"] == heart.duration // timedelta(microseconds=1)  # type: ignore[operator]
    assert [s["bundle_id"] for s in data["sources"]] == [s.bundle_id for s in heart.sources]
    first = data["by_source"][0]
    assert first["source"] == {
        "bundle_id": heart.sources[0].bundle_id,
        "name": heart.sources[0].name,
    }
    assert "unit" not in first and first["start"] == data["start"]


def test_other_units_are_kept_and_convert() -> None:
    data = {"start": T0.isoformat(), "end": at(60).isoformat(), "unit": "km", "sum": 1.5}
    back = statistics_from_json(data, "distanceWalkingRunning")
    assert back.sum == Quantity(1.5, "km") and back.unit == "km"
    assert back.sum.value_in("m") == 1500
    assert back.sources == [] and back.by_source == {} and back.duration is None


def valid() -> dict[str, Any]:
    return {
        "start": T0.isoformat(),
        "end": at(60).isoformat(),
        "unit": "count",
        "sum": 10.0,
        "sources": [{"bundle_id": "a", "name": "A"}],
        "by_source": [
            {
                "source": {"bundle_id": "a", "name": "A"},
                "start": T0.isoformat(),
                "end": at(60).isoformat(),
                "sum": 10.0,
            }
        ],
    }


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"start": None}, "start"),
        ({"end": "tomorrow"}, "end"),
        ({"unit": "kg"}, "unit"),
        ({"unit": "zz"}, "unit"),
        ({"time_zone": "Mars/Base"}, "time_zone"),
        ({"sum": "ten"}, "sum"),
        ({"duration_us": -1}, "duration_us"),
        ({"duration_us": 1.5}, "duration_us"),
        ({"most_recent_end": "2024-03-30T09:00:00"}, "most_recent_end"),
        ({"sources": [{"name": "A"}]}, "sources[0].bundle_id"),
        ({"sources": {}}, "sources"),
        ({"by_source": [{"start": T0.isoformat(), "end": T0.isoformat()}]}, "by_source[0].source"),
        ({"by_source": [{"source": {"bundle_id": "a", "os": "x"}}]}, "by_source[0].source.os"),
        (
            {"by_source": [{"source": {"bundle_id": "a"}, "start": T0.isoformat()}]},
            "by_source[0].end",
        ),
        ({"colour": "red"}, "colour"),
    ],
)
def test_refusals_name_the_path(change: dict[str, Any], field: str) -> None:
    data = {**valid(), **change}
    data = {key: value for key, value in data.items() if value is not None}
    with pytest.raises(InvalidArgument) as caught:
        statistics_from_json(data, "stepCount", where="buckets[4]")
    assert caught.value.field == f"buckets[4].{field}", caught.value.message


def test_only_quantity_types_have_statistics() -> None:
    with pytest.raises(InvalidArgument) as caught:
        statistics_from_json(valid(), "sleepAnalysis")
    assert caught.value.field == "type"
