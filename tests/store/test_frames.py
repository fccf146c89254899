"""Samples and statistics as Arrow tables, pandas and polars DataFrames."""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta
from typing import Any

import pandas as pd  # type: ignore[import-untyped]
import polars as pl
import pyarrow as pa  # type: ignore[import-untyped]
import pytest

from healthstore import (
    CategorySample,
    Device,
    HealthStore,
    Quantity,
    QuantitySample,
    Sample,
    Workout,
    frames,
)
from healthstore.errors import InvalidArgument
from healthstore.query.statistics import Statistics
from tests.conftest import PARIS, PHONE, WATCH, at

SAMPLE_COLUMNS = ["uuid", "type", "start", "end", "time_zone"]
SOURCE_COLUMNS = [
    "source_bundle_id",
    "source_name",
    "source_version",
    "source_product_type",
    "source_os_version",
    *[f"device_{f}" for f in Device.__slots__],
    "metadata",
]
MIXED_COLUMNS = [*SAMPLE_COLUMNS, "value", "unit", "label", *SOURCE_COLUMNS]
WORKOUT_COLUMNS = [
    "activity_type",
    "duration_s",
    "total_distance[km]",
    "total_energy_burned[kcal]",
    "total_swimming_stroke_count[count]",
    "total_flights_climbed[count]",
    "events",
    "activities",
    "statistics",
]


def steps() -> list[QuantitySample]:
    return [
        QuantitySample(
            "stepCount",
            Quantity(1000, "count"),
            at(0),
            at(60),
            source=PHONE,
            device=Device(name="iPhone"),
        ),
        QuantitySample("stepCount", Quantity(600, "count"), at(30), at(60), source=WATCH),
    ]


def sleep() -> CategorySample:
    return CategorySample("sleepAnalysis", "AsleepREM", at(-300), at(-240), source=WATCH)


def test_one_quantity_type_names_the_unit_in_the_value_column() -> None:
    samples = steps()
    table = frames.samples_to_arrow(samples)
    assert table.column_names == [*SAMPLE_COLUMNS, "value[count]", "count", *SOURCE_COLUMNS]
    assert table.schema.field("start").type == pa.timestamp("us", tz="UTC")
    rows = table.to_pylist()
    for row, sample in zip(rows, samples, strict=True):
        assert row["uuid"] == str(sample.uuid)
        assert row["type"] == "stepCount"
        assert row["start"] == sample.start
        assert row["end"] == sample.end
        assert row["time_zone"] == "Europe/Paris"
        assert row["value[count]"] == sample.quantity.value
        assert sample.source is not None
        assert row["source_bundle_id"] == sample.source.bundle_id
        assert row["source_name"] == sample.source.name
    assert [r["device_name"] for r in rows] == ["iPhone", None]


def test_values_come_out_in_the_display_unit() -> None:
    masses = [
        QuantitySample("bodyMass", Quantity(154, "lb"), at(0)),
        QuantitySample("bodyMass", Quantity(70, "kg"), at(60)),
    ]
    frame = frames.samples_to_pandas(masses)
    assert "value[kg]" in frame.columns
    assert frame["value[kg]"].tolist() == pytest.approx([154 * 0.45359237, 70])
    assert frame["value[kg]"].tolist() == [s.quantity.value_in("kg") for s in masses]
    beats = QuantitySample("heartRate", Quantity(60, "count/min"), at(0))
    # heart rate reads in beats per minute (the display unit), or in the unit asked for
    assert frames.samples_to_polars([beats])["value[count/min]"].to_list() == pytest.approx([60])
    assert frames.samples_to_polars([beats], unit="count/s")["value[count/s]"].to_list() == [1.0]
    with pytest.raises(InvalidArgument, match="'km'"):
        frames.samples_to_arrow([beats], unit="km")


def test_category_samples_give_the_raw_value_and_the_label() -> None:
    frame = frames.samples_to_polars([sleep()])
    assert frame.columns == [*SAMPLE_COLUMNS, "value", "label", *SOURCE_COLUMNS]
    assert frame.schema["value"] == pl.Int64
    assert frame["value"].to_list() == [5]
    assert frame["label"].to_list() == ["AsleepREM"]


def test_mixed_types_have_a_unit_column() -> None:
    mass = QuantitySample("bodyMass", Quantity(10, "lb"), at(0))
    run = Workout("running", at(0), at(30))
    samples: list[Sample] = [*steps(), mass, sleep(), run]
    frame = frames.samples_to_pandas(samples)
    assert list(frame.columns) == [
        *SAMPLE_COLUMNS,
        "value",
        "unit",
        "label",
        *WORKOUT_COLUMNS,
        *SOURCE_COLUMNS,
    ]
    assert frame["activity_type"].tolist()[4] == "running"
    assert frame["duration_s"].tolist()[4] == 30 * 60
    assert frame["type"].tolist() == [
        "stepCount",
        "stepCount",
        "bodyMass",
        "sleepAnalysis",
        "workout",
    ]
    assert frame["unit"].tolist()[:3] == ["count", "count", "kg"]
    assert frame["unit"].isna().tolist() == [False, False, False, True, True]
    assert frame["value"].tolist()[:4] == pytest.approx([1000, 600, 10 * 0.45359237, 5])
    assert frame["value"].isna().tolist()[4]
    assert frame["label"].tolist()[3] == "AsleepREM"
    assert str(frame["start"].dtype) == "datetime64[us, UTC]"
    assert frame["start"].tolist()[0] == pd.Timestamp(at(0)).tz_convert("UTC")


def test_empty_input_gives_empty_frames_with_the_columns() -> None:
    table = frames.samples_to_arrow([])
    assert table.num_rows == 0
    assert table.column_names == MIXED_COLUMNS
    assert table.schema.field("end").type == pa.timestamp("us", tz="UTC")
    frame = frames.samples_to_pandas(iter([]))
    assert list(frame.columns) == MIXED_COLUMNS
    assert len(frame) == 0
    assert frames.samples_to_polars([]).columns == MIXED_COLUMNS
    empty = frames.statistics_to_polars([])
    assert empty.columns == ["start", "end", "duration_s"]
    assert empty.height == 0


def test_samples_read_back_from_a_store(store: HealthStore) -> None:
    saved = [*steps(), QuantitySample("bodyMass", Quantity(154, "lb"), at(0))]
    store.save(saved)
    found = store.samples(["stepCount", "bodyMass"], sort="start")
    frame = frames.samples_to_polars(found)
    by_uuid = {row["uuid"]: row for row in frame.to_dicts()}
    for sample in found:
        assert isinstance(sample, QuantitySample)
        row = by_uuid[str(sample.uuid)]
        shown = sample.type.display_unit
        assert shown is not None
        assert row["value"] == sample.quantity.value_in(shown)
        assert row["unit"] == shown
        assert row["start"] == sample.start.astimezone(UTC)


# --- statistics ---------------------------------------------------------------------------


@pytest.fixture
def daily(store: HealthStore) -> list[Statistics]:
    store.save(steps())
    start = datetime(2024, 3, 29, tzinfo=PARIS)
    return store.statistics_collection(
        "stepCount",
        anchor=start,
        interval="1d",
        start=start,
        end=start + timedelta(days=3),
        options="sum,duration",
        tz="Europe/Paris",
    )


def test_statistics_frames_match_the_objects(daily: list[Statistics]) -> None:
    table = frames.statistics_to_arrow(daily)
    assert table.column_names == ["start", "end", "sum[count]", "duration_s"]
    assert table.schema.field("start").type == pa.timestamp("us", tz="Europe/Paris")
    for row, bucket in zip(table.to_pylist(), daily, strict=True):
        assert row["start"] == bucket.start
        assert row["end"] == bucket.end
        assert row["sum[count]"] == (None if bucket.sum is None else bucket.sum.value)
        expected = None if bucket.duration is None else bucket.duration.total_seconds()
        assert row["duration_s"] == expected
    assert [r["sum[count]"] for r in table.to_pylist()] == [None, pytest.approx(1100), None]

    frame = frames.statistics_to_pandas(daily)
    assert list(frame.columns) == table.column_names
    assert frame["sum[count]"].isna().tolist() == [True, False, True]
    assert (frame["end"] - frame["start"]).tolist() == [
        pd.Timedelta(hours=24),
        pd.Timedelta(hours=24),
        pd.Timedelta(hours=23),
    ]
    polars_frame = frames.statistics_to_polars(daily)
    assert polars_frame["sum[count]"].to_list() == [None, pytest.approx(1100), None]
    assert polars_frame["duration_s"].to_list() == [None, 3600.0, None]


def test_discrete_statistics_columns_and_units(store: HealthStore) -> None:
    store.save(
        [
            QuantitySample("heartRate", Quantity(60, "count/min"), at(0)),
            QuantitySample("heartRate", Quantity(90, "count/min"), at(10)),
        ]
    )
    one = store.statistics("heartRate", start=at(-60), end=at(60), options="avg,min,max,mostRecent")
    table = frames.statistics_to_arrow(one)
    names = ["average", "minimum", "maximum", "most_recent"]
    # the display unit (beats per minute) by default
    assert table.column_names == ["start", "end", *[f"{n}[count/min]" for n in names], "duration_s"]
    row = table.to_pylist()[0]
    for name in names:
        quantity = getattr(one, name)
        assert row[f"{name}[count/min]"] == quantity.value
    per_minute = frames.statistics_to_pandas([one], unit="count/min")
    assert per_minute["minimum[count/min]"].tolist() == pytest.approx([60])
    assert per_minute["maximum[count/min]"].tolist() == pytest.approx([90])
    assert per_minute["duration_s"].isna().all()
    with pytest.raises(InvalidArgument, match="'km'"):
        frames.statistics_to_arrow(one, unit="km")


@pytest.mark.parametrize(
    ("module", "call"),
    [
        ("pyarrow", lambda: frames.samples_to_arrow(steps())),
        ("pandas", lambda: frames.samples_to_pandas(steps())),
        ("polars", lambda: frames.samples_to_polars(steps())),
        ("pandas", lambda: frames.statistics_to_pandas([])),
    ],
)
def test_a_missing_library_names_the_extra(
    monkeypatch: pytest.MonkeyPatch, module: str, call: Any
) -> None:
    monkeypatch.setitem(sys.modules, module, None)
    with pytest.raises(ImportError, match=r"pip install 'healthstore\[frames\]'") as caught:
        call()
    assert module in str(caught.value)
