"""Limits on values: the least value of each quantity type (from the catalogue), and the
sizes of metadata and text fields, through every door (model, wire, HTTP, Apple import)."""

from __future__ import annotations

import csv
import dataclasses
import json
import math
from collections.abc import Callable, Iterator
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from healthstore import (
    ActivitySummary,
    Device,
    HealthStore,
    Quantity,
    QuantitySample,
    Source,
    Workout,
    WorkoutStatistics,
    catalogue,
    limits,
)
from healthstore import metadata as md
from healthstore.catalogue import Aggregation, Kind
from healthstore.errors import InvalidArgument
from healthstore.records import ClinicalRecord, Electrocardiogram, StateOfMind
from healthstore.server import ServerSettings
from healthstore.wire import sample_from_json
from tests.conftest import T0, at, shared_path
from tests.server.test_app_api import BUNDLE, MANIFEST
from tests.server_support import serve

QUANTITY_TYPES = catalogue.all_types(Kind.quantity)
REQUIRED = {"HKInsulinDeliveryReason": 1}  # what the types that require metadata need


def required(t: catalogue.ObjectType) -> dict[str, Any]:
    return {key: REQUIRED[key] for key in t.required_metadata}


def of(t: catalogue.ObjectType, value: float) -> QuantitySample:
    """A sample of ``t`` holding ``value`` in its canonical unit."""
    return QuantitySample(t, Quantity(value, t.canonical_unit or ""), T0, metadata=required(t))


def rejected(make: Callable[[], object], field: str) -> InvalidArgument:
    """The invalidArgument ``make`` raises, which names ``field``."""
    with pytest.raises(InvalidArgument) as info:
        make()
    assert info.value.code == 3 and info.value.name == "invalidArgument"
    assert info.value.field == field, info.value.field
    return info.value


def sample(type_: str, value: float, unit: str | None = None, **extra: Any) -> QuantitySample:
    t = catalogue.object_type(type_)
    return QuantitySample(t, Quantity(value, unit or t.canonical_unit or ""), T0, T0, **extra)


# --- the catalogue decides ----------------------------------------------------------------------


def test_every_quantity_type_has_a_decided_least_value_in_the_data_file() -> None:
    text = resources.files("healthstore.catalogue").joinpath("data", "types.csv").read_text()
    rows = list(csv.DictReader(text.splitlines()))
    for row in rows:
        t = catalogue.object_type(row["identifier"])
        if row["kind"] == "quantity":
            assert row["min_value"] != "", t.short_name
            assert t.min_value == float(row["min_value"]), t.short_name
        else:
            assert row["min_value"] == "" and t.min_value is None, t.short_name
    assert sum(row["kind"] == "quantity" for row in rows) == len(QUANTITY_TYPES) > 100


def test_amounts_start_at_zero_and_only_levels_temperatures_and_differences_go_below() -> None:
    below = {t.short_name: t.min_value for t in QUANTITY_TYPES if t.may_be_negative}
    assert below == {
        "appleSleepingWristTemperature": -273.15,
        "basalBodyTemperature": -273.15,
        "bodyTemperature": -273.15,
        "waterTemperature": -273.15,
        "environmentalAudioExposure": -math.inf,
        "environmentalSoundReduction": -math.inf,
        "headphoneAudioExposure": -math.inf,
        "heartRateRecoveryOneMinute": -math.inf,
    }
    for t in QUANTITY_TYPES:
        if t.aggregation is Aggregation.cumulative:
            assert t.min_value == 0, t.short_name  # what adds up over time cannot be negative
        if t.canonical_unit == "degC":
            assert t.min_value == -273.15, t.short_name  # absolute zero


def test_the_rule_is_read_from_the_type_not_from_a_list_in_code() -> None:
    body_mass = catalogue.object_type("bodyMass")
    unbounded = dataclasses.replace(body_mass, min_value=-math.inf)
    assert QuantitySample(unbounded, Quantity(-5, "kg"), T0).quantity.value == -5
    temperature = catalogue.object_type("bodyTemperature")
    bounded = dataclasses.replace(temperature, min_value=0.0)
    rejected(lambda: QuantitySample(bounded, Quantity(-1, "degC"), T0), "quantity")


# --- quantities: the property, through the model and the wire ----------------------------------

values = st.one_of(
    st.floats(min_value=-1e6, max_value=1e6, allow_nan=False),
    st.sampled_from([0.0, -0.0, -1e-300, -273.15, -273.16, -1.0, 1.0]),
)


def wire_sample(t: catalogue.ObjectType, value: float) -> dict[str, Any]:
    return {
        "type": t.short_name,
        "start": T0.isoformat(),
        "value": value,
        "unit": t.canonical_unit,
        "metadata": required(t),
    }


@settings(max_examples=400)
@given(st.sampled_from(QUANTITY_TYPES), values)
def test_a_value_is_refused_exactly_when_it_lies_below_the_catalogues_least(
    t: catalogue.ObjectType, value: float
) -> None:
    assert t.min_value is not None and t.canonical_unit is not None
    below = value < t.min_value
    try:
        of(t, value)
        model_refused = None
    except InvalidArgument as err:
        model_refused = err
    try:
        sample_from_json(wire_sample(t, value), where="samples[3]")
        wire_refused = None
    except InvalidArgument as err:
        wire_refused = err
    assert (model_refused is not None) == below == (wire_refused is not None)
    if model_refused is not None and wire_refused is not None:
        assert model_refused.field == "quantity" and wire_refused.field == "samples[3].value"
        assert t.short_name in model_refused.message
        assert repr(value) not in model_refused.message  # never the health value itself


@pytest.mark.parametrize("t", QUANTITY_TYPES, ids=lambda t: t.short_name)
def test_a_negative_value_is_refused_iff_the_type_cannot_be_negative(
    t: catalogue.ObjectType,
) -> None:
    assert of(t, 0).quantity.value == 0 == of(t, -0.0).quantity.value
    if t.may_be_negative:
        assert of(t, -1).quantity.value == -1
    else:
        err = rejected(lambda: of(t, -1), "quantity")
        assert "cannot be negative" in err.message


def test_other_units_are_compared_in_the_canonical_unit() -> None:
    assert sample("bodyTemperature", -400, "degF").quantity.value == -400  # above 0 K
    err = rejected(lambda: sample("bodyTemperature", -460, "degF"), "quantity")
    assert "-273.15 degC" in err.message
    rejected(lambda: sample("bodyTemperature", -1, "K"), "quantity")
    rejected(lambda: sample("bodyMass", -5, "lb"), "quantity")
    assert sample("environmentalAudioExposure", -3, "dBASPL").quantity.value == -3


def test_workout_totals_and_statistics_cannot_be_negative() -> None:
    end = at(30)
    rejected(
        lambda: Workout("running", T0, end, total_distance=Quantity(-1, "km")), "total_distance"
    )
    rejected(
        lambda: Workout("running", T0, end, total_energy_burned=Quantity(-1, "kcal")),
        "total_energy_burned",
    )
    rejected(
        lambda: WorkoutStatistics.create("heartRate", average=Quantity(-1, "count/min")),
        "statistics.average",
    )
    zero = Workout("running", T0, end, total_distance=Quantity(0, "km"))
    assert zero.total_distance == Quantity(0, "km")
    wire = {
        "type": "workout",
        "start": T0.isoformat(),
        "end": end.isoformat(),
        "activity_type": "running",
        "statistics": {"heartRate": {"minimum": {"value": -2, "unit": "count/min"}}},
    }
    err = rejected(
        lambda: sample_from_json(wire, where="samples[0]"),
        "samples[0].statistics.heartRate.minimum",
    )
    assert "heartRate cannot be negative" in err.message


def test_activity_rings_and_ecg_rates_cannot_be_negative() -> None:
    rejected(
        lambda: ActivitySummary(date(2024, 3, 30), exercise_time=Quantity(-1, "min")),
        "exercise_time",
    )
    assert ActivitySummary(date(2024, 3, 30), stand_hours=Quantity(0, "count")).stand_hours
    rejected(
        lambda: Electrocardiogram(T0, at(1), average_heart_rate=Quantity(-60, "count/min")),
        "average_heart_rate",
    )
    ecg = Electrocardiogram(T0, at(1), voltages=[-120.5, 80.0])  # voltages may be negative
    assert ecg.voltages == (-120.5, 80.0)


# --- metadata -----------------------------------------------------------------------------------


def sized(size: int, char: str = "a") -> str:
    """A string of ``size`` UTF-8 bytes made of ``char`` (and ASCII padding)."""
    width = len(char.encode())
    return char * (size // width) + "a" * (size % width)


@pytest.mark.parametrize("char", ["a", "é", "健", "🫀"])
def test_a_metadata_string_at_the_limit_is_kept_and_one_byte_more_is_refused(char: str) -> None:
    at_limit = sized(limits.MAX_TEXT_BYTES, char)
    assert sample("stepCount", 1, metadata={"note": at_limit}).metadata["note"] == at_limit
    err = rejected(
        lambda: sample("stepCount", 1, metadata={"note": at_limit + "a"}), "metadata['note']"
    )
    assert "4,096" in err.message and "4,097" in err.message


def test_key_count_and_key_length_at_the_limit_and_one_over() -> None:
    keys = {f"k{i}": i for i in range(limits.MAX_METADATA_KEYS)}
    assert len(sample("stepCount", 1, metadata=keys).metadata) == 256
    err = rejected(lambda: sample("stepCount", 1, metadata={**keys, "one more": 1}), "metadata")
    assert "257 keys" in err.message and "256" in err.message
    key = sized(limits.MAX_KEY_BYTES, "é")
    assert key in sample("stepCount", 1, metadata={key: 1}).metadata
    err = rejected(
        lambda: sample("stepCount", 1, metadata={key + "x": 1}),
        "metadata['" + (key + "x")[:64] + "…']",
    )
    assert "at most 256" in err.message


def stored_size(metadata: dict[str, Any]) -> int:
    """The size of the stored JSON, worked out here independently of the store's code."""
    plain = {
        k: {"$quantity": [v.value, v.unit.text]} if isinstance(v, Quantity) else v
        for k, v in metadata.items()
    }
    text = json.dumps(plain, separators=(",", ":"), sort_keys=True, ensure_ascii=False)
    return len(text.encode())


def test_metadata_of_exactly_64_kib_is_kept_and_one_byte_more_is_refused() -> None:
    meta = {f"k{i:02d}": "x" * 4000 for i in range(16)}
    meta["k16"] = ""
    meta["k16"] = "x" * (limits.MAX_METADATA_BYTES - stored_size(meta))
    assert stored_size(meta) == 65_536
    assert len(sample("stepCount", 1, metadata=meta).metadata) == 17
    meta["k16"] += "x"
    err = rejected(lambda: sample("stepCount", 1, metadata=meta), "metadata")
    assert "65,537 bytes" in err.message and "65,536" in err.message


texts = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=1400)
entries = st.one_of(
    texts,
    st.text(st.sampled_from('\x00\x01"\\\n'), max_size=1000),  # JSON escapes these
    st.integers(min_value=-(2**200), max_value=2**200),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.builds(Quantity, st.floats(-1e9, 1e9), st.sampled_from(["km", "count/min"])),
)
# Long runs, to come near the limit: \x01 is one byte but six in JSON, é two bytes, 🫀 four.
runs = st.builds(
    lambda char, size: char * (size // len(char.encode())),
    st.sampled_from("a\x01é🫀"),
    st.integers(2000, limits.MAX_TEXT_BYTES),
)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(entries, max_size=30),
    st.integers(0, 30).flatmap(lambda n: st.lists(runs, min_size=n, max_size=n)),
)
def test_metadata_is_refused_exactly_when_its_stored_json_is_over_64_kib(
    values: list[Any], long: list[str]
) -> None:
    meta = {f"x-{i}": value for i, value in enumerate(values + long)}
    try:
        kept = md.normalize(meta)
    except InvalidArgument as err:
        assert err.field == "metadata" and "65,536" in err.message
        assert stored_size(meta) > limits.MAX_METADATA_BYTES
    else:
        assert stored_size(kept) <= limits.MAX_METADATA_BYTES


def test_huge_metadata_is_refused_quickly_naming_the_key() -> None:
    rejected(lambda: md.normalize({"HKFoo": "x" * 20_000_000}), "metadata['HKFoo']")
    rejected(lambda: md.normalize({f"k{i}": 1 for i in range(100_000)}), "metadata")
    rejected(lambda: md.normalize({"big": 10**400}), "metadata['big']")  # not a crash later
    rejected(
        lambda: Workout("running", T0, at(1), metadata={"HKFoo": "x" * 5000}),
        "metadata['HKFoo']",
    )


# --- other text -----------------------------------------------------------------------------------


def test_source_device_and_record_texts_are_bounded() -> None:
    ok = "s" * limits.MAX_TEXT_BYTES
    over = ok + "s"
    assert Source("org.example", ok).name == ok
    rejected(lambda: Source("org.example", over), "source.name")
    rejected(lambda: Source(over, "x"), "source.bundle_id")
    assert Device(model=ok).model == ok
    rejected(lambda: Device(model=over), "device.model")
    rejected(
        lambda: ClinicalRecord(
            "labResultRecord",
            T0,
            {"resourceType": "Observation"},
            fhir_release="R4",
            display_name=over,
            source_name="Clinic",
        ),
        "display_name",
    )
    rejected(
        lambda: StateOfMind(T0, what="dailyMood", valence=0, labels=["happy", over]), "labels[1]"
    )
    wire = {
        "type": "stepCount",
        "start": T0.isoformat(),
        "value": 1,
        "unit": "count",
        "device": {"name": over},
    }
    rejected(lambda: sample_from_json(wire, where="samples[2]"), "samples[2].device.name")


# --- HTTP: the rejected object is named, its neighbours are saved ---------------------------------


@pytest.fixture
def http(store: HealthStore) -> Iterator[httpx.Client]:
    token = store.register_app(MANIFEST)
    types = ["stepCount", "bodyMass"]
    store.app(BUNDLE).request_authorization(share=types, read=types)
    store.grant(BUNDLE, share=types, read=types, history=True)
    settings = ServerSettings(max_batch=50, max_body_bytes=1_000_000, requests_per_minute=0)
    with (
        serve(store, settings) as url,
        httpx.Client(
            base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=30
        ) as client,
    ):
        yield client


def item(type_: str, value: float, unit: str, minute: int, **extra: Any) -> dict[str, Any]:
    moment = at(minute).isoformat()
    return {"type": type_, "start": moment, "end": moment, "value": value, "unit": unit, **extra}


def test_an_upload_names_each_refused_object_and_keeps_the_rest(http: httpx.Client) -> None:
    batch = [
        item("stepCount", 10, "count", 0),
        item("stepCount", 11, "count", 1, metadata={"HKFoo": "x" * 100_000}),
        item("bodyMass", -5, "kg", 2),
        item("bodyMass", 70, "kg", 3, metadata={f"k{i}": i for i in range(300)}),
        item("bodyMass", 0, "kg", 4),
    ]
    answer = http.post("/v1/samples", json={"samples": batch})
    assert answer.status_code == 200
    data = answer.json()
    statuses = [r["status"] for r in data["results"]]
    assert statuses == ["created", "rejected", "rejected", "rejected", "created"]
    errors = [r["error"] for r in data["results"] if r["status"] == "rejected"]
    assert [e["field"] for e in errors] == [
        "samples[1].metadata['HKFoo']",
        "samples[2].value",
        "samples[3].metadata",
    ]
    for error in errors:
        assert set(error) == {"code", "name", "message", "field"} and error["code"] == 3
    assert (data["created"], data["rejected"], data["inserted"]) == (2, 3, 2)
    stored = http.get("/v1/samples", params={"type": "stepCount,bodyMass"}).json()
    assert sorted(s["value"] for s in stored["samples"]) == [0, 10]

    atomic = http.post("/v1/samples", params={"atomic": "true"}, json={"samples": batch[:2]})
    assert atomic.status_code == 400
    assert atomic.json()["field"] == "samples[1].metadata['HKFoo']"
    assert "4,096" in atomic.json()["message"]


# --- Apple exports: a refused value costs its Record only ---------------------------------------


def test_a_negative_body_mass_in_an_export_skips_that_record_alone(
    tmp_path: Path, store: HealthStore
) -> None:
    xml = shared_path("data", "apple", "grll-apple-health-mcp_export_v14.xml").read_bytes()
    at_value = xml.index(b'value="68.5"')
    bad = xml[:at_value] + b'value="-68.5"' + xml[at_value + len(b'value="68.5"') :]
    cold = bad.index(b'value="0.23"')
    bad = bad[:cold] + b'value="-0.23"' + bad[cold + len(b'value="0.23"') :]
    (tmp_path / "export").mkdir()
    (tmp_path / "export" / "export.xml").write_bytes(bad)
    summary = store.import_apple_health(tmp_path / "export" / "export.xml")

    line = bad[:at_value].count(b"\n") + 1
    skipped = [(s.kind, s.line, s.reason) for s in summary.skips if s.kind == "Record"]
    assert skipped == [("Record", line, "quantity: bodyMass cannot be negative")]
    assert summary.counts["Record"].skipped == 1
    masses = [s.quantity.value for s in store.samples("bodyMass") if isinstance(s, QuantitySample)]
    assert masses == [72]
    (wrist,) = store.samples("appleSleepingWristTemperature")
    assert isinstance(wrist, QuantitySample) and wrist.quantity.value == -0.23


@pytest.mark.parametrize(
    "name", ["rgosdin-docs_export_v8_2019.xml", "grll-apple-health-mcp_export_v14.xml"]
)
def test_every_record_of_the_shared_exports_is_within_the_limits(
    name: str, tmp_path: Path, store: HealthStore
) -> None:
    path = shared_path("data", "apple", name)
    summary = store.import_apple_health(path)
    assert [s for s in summary.skips if s.kind == "Record"] == []
    assert summary.counts["Record"].skipped == 0
    top_level = [e for e in ElementTree.parse(path).getroot() if e.tag == "Record"]
    assert summary.counts["Record"].added == len(top_level)
