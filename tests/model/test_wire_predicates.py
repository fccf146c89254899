"""Predicates as JSON (``healthstore.wire.predicates``): random predicate trees round trip
exactly, each op has the documented shape, and bad input names the JSON path."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any, get_args
from uuid import UUID
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from healthstore.errors import InvalidArgument
from healthstore.model import Device, Source, SourceRevision
from healthstore.query import predicates as p
from healthstore.units import Quantity
from healthstore.wire import predicate_from_json, predicate_to_json
from tests.model.test_wire import ZONES, devices, finite, revisions, texts

PARIS = ZoneInfo("Europe/Paris")
U1 = UUID("0190a4c2-5b7e-7c3d-8e9f-0a1b2c3d4e5f")
U2 = UUID("0190a4c2-5b7e-7c3d-8e9f-0a1b2c3d4e60")
cmps = st.sampled_from(p.COMPARISONS)
quantities = st.builds(Quantity, finite, st.sampled_from(["km", "kg", "count/min", "kcal", "%"]))


@st.composite
def time_windows(draw: st.DrawFn) -> p.Predicate:
    zone = st.just(draw(st.sampled_from(ZONES)))
    instants = st.none() | st.datetimes(
        datetime(1990, 1, 1), datetime(2090, 1, 1), timezones=zone, allow_imaginary=False
    )
    start, end = draw(instants), draw(instants)
    if start is not None and end is not None and end < start:
        start, end = end, start
    return p.time_window(
        start, end, strict_start=draw(st.booleans()), strict_end=draw(st.booleans())
    )


metadata_values = st.one_of(texts, st.integers(-(2**63), 2**63), finite, st.booleans())


def _activity(value: object) -> p.Predicate:
    assert isinstance(value, int | str)
    return p.workout_activity(value)


leaves: st.SearchStrategy[p.Predicate] = st.one_of(
    time_windows(),
    st.lists(texts, max_size=3).map(lambda ids: p.from_sources(*ids)),
    st.lists(revisions.filter(bool), max_size=3).map(
        lambda rs: p.from_source_revisions(*(r for r in rs if r is not None))
    ),
    st.lists(devices.filter(bool), max_size=3).map(
        lambda ds: p.from_devices(*(d for d in ds if d is not None))
    ),
    st.builds(
        lambda prop, values: p.device_property(prop, *values),
        st.sampled_from(Device.__slots__),
        st.lists(texts, max_size=3),
    ),
    texts.map(p.metadata),
    st.builds(p.metadata, texts, cmps, metadata_values),
    st.lists(st.uuids(), max_size=3).map(lambda us: p.uuids(*us)),
    st.builds(p.quantity, cmps, quantities),
    st.builds(p.category_value, cmps, st.integers(0, 10) | texts),
    st.sampled_from(["running", "cycling", "yoga", 37, 46]).map(_activity),
    st.builds(p.workout_duration, cmps, st.timedeltas()),
    st.builds(p.workout_total, st.sampled_from(get_args(p.WorkoutTotalName)), cmps, quantities),
    st.uuids().map(p.in_workout),
    st.lists(st.sampled_from(["Observation", "Condition", "Procedure"]), min_size=1).map(
        lambda kinds: p.fhir_resource_type(*kinds)
    ),
)
predicates = st.recursive(
    leaves,
    lambda children: st.one_of(
        st.lists(children, max_size=3).map(lambda parts: p.all_of(*parts)),
        st.lists(children, max_size=3).map(lambda parts: p.any_of(*parts)),
        children.map(lambda part: ~part),
    ),
    max_leaves=10,
)


@settings(max_examples=400)
@given(predicates)
def test_predicates_round_trip_exactly(predicate: p.Predicate) -> None:
    data = json.loads(json.dumps(predicate_to_json(predicate)))
    back = predicate_from_json(data)
    assert back == predicate
    assert predicate_to_json(back) == data


def test_time_windows_keep_their_zone() -> None:
    fold = datetime(2024, 10, 27, 2, 30, fold=1, tzinfo=PARIS)  # the repeated hour
    window = p.time_window(fold, fold + timedelta(hours=2), strict_end=True)
    back = predicate_from_json(predicate_to_json(window))
    assert isinstance(back, p.TimeWindow) and back == window
    assert back.start is not None and back.start.tzinfo is PARIS
    assert back.start.isoformat() == "2024-10-27T02:30:00+01:00"


WATCH = SourceRevision(Source("com.example.watch", "Watch"), version="10.1")
SHAPES: list[tuple[p.Predicate, dict[str, Any]]] = [
    (
        p.all_of(p.from_sources("b", "a"), p.uuids(U2, U1)),
        {
            "op": "and",
            "parts": [
                {"op": "sources", "bundle_ids": ["a", "b"]},
                {"op": "uuids", "uuids": [str(U1), str(U2)]},
            ],
        },
    ),
    (p.any_of(), {"op": "or", "parts": []}),
    (~p.metadata("k"), {"op": "not", "part": {"op": "metadata", "key": "k"}}),
    (
        p.time_window(datetime(2024, 5, 1, 8, tzinfo=PARIS), None, strict_start=True),
        {
            "op": "time_window",
            "start": "2024-05-01T08:00:00+02:00",
            "end": None,
            "strict_start": True,
            "strict_end": False,
            "time_zone": "Europe/Paris",
        },
    ),
    (
        p.time_window(None, datetime(2024, 5, 1, tzinfo=timezone(timedelta(hours=-5)))),
        {
            "op": "time_window",
            "start": None,
            "end": "2024-05-01T00:00:00-05:00",
            "strict_start": False,
            "strict_end": False,
            "time_zone": "-05:00",
        },
    ),
    (
        p.from_source_revisions(WATCH),
        {
            "op": "source_revisions",
            "revisions": [{"bundle_id": "com.example.watch", "name": "Watch", "version": "10.1"}],
        },
    ),
    (
        p.from_devices(Device(name="Watch", model="Watch7,1")),
        {"op": "devices", "devices": [{"name": "Watch", "model": "Watch7,1"}]},
    ),
    (
        p.device_property("model", "b", "a"),
        {"op": "device_property", "property": "model", "values": ["a", "b"]},
    ),
    (
        p.metadata("HKWasUserEntered", "==", True),
        {"op": "metadata", "key": "HKWasUserEntered", "cmp": "==", "value": True},
    ),
    (
        p.quantity(">", Quantity(100, "count/min")),
        {"op": "quantity", "cmp": ">", "value": 100.0, "unit": "count/min"},
    ),
    (
        p.category_value("==", "AsleepREM"),
        {"op": "category_value", "cmp": "==", "value": "AsleepREM"},
    ),
    (p.workout_activity(37), {"op": "workout_activity", "activity_type": "running"}),
    (
        p.workout_duration(">=", timedelta(minutes=30, microseconds=1)),
        {"op": "workout_duration", "cmp": ">=", "duration_us": 1_800_000_001},
    ),
    (
        p.workout_total("total_distance", ">", Quantity(5, "km")),
        {"op": "workout_total", "total": "total_distance", "cmp": ">", "value": 5.0, "unit": "km"},
    ),
    (p.in_workout(U1), {"op": "in_workout", "workout": str(U1)}),
    (
        p.fhir_resource_type("Observation", "Condition"),
        {"op": "fhir_resource_type", "resource_types": ["Condition", "Observation"]},
    ),
]


@pytest.mark.parametrize(("predicate", "shape"), SHAPES)
def test_shapes(predicate: p.Predicate, shape: dict[str, Any]) -> None:
    assert predicate_to_json(predicate) == shape
    assert predicate_from_json(shape) == predicate


def test_every_predicate_class_has_a_shape() -> None:
    seen: set[str] = set()

    def walk(predicate: p.Predicate) -> None:
        seen.add(type(predicate).__name__)
        for part in getattr(predicate, "parts", ()):
            walk(part)
        if isinstance(predicate, p.Not):
            walk(predicate.part)

    for predicate, _ in SHAPES:
        walk(predicate)
    assert seen == {cls.__name__ for cls in p.Predicate.__subclasses__()}


QUANTITY = {"op": "quantity", "cmp": ">", "value": 1, "unit": "kg"}


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ([], ""),
        ({"op": "xor"}, ".op"),
        ({"op": ["and"]}, ".op"),
        ({**QUANTITY, "extra": 1}, ".extra"),
        ({"op": "and", "parts": [QUANTITY, {**QUANTITY, "cmp": "~"}]}, ".parts[1].cmp"),
        ({"op": "or", "parts": {}}, ".parts"),
        ({"op": "not"}, ".part"),
        ({"op": "not", "part": {"op": "uuids", "uuids": ["x"]}}, ".part.uuids[0]"),
        ({"op": "time_window", "start": "2024-05-02T00:00Z", "end": "2024-05-01T00:00Z"}, ".end"),
        ({"op": "time_window", "start": "2024-05-01T08:00"}, ".start"),
        ({"op": "time_window", "strict_start": "yes"}, ".strict_start"),
        ({"op": "time_window", "time_zone": "Mars/Base"}, ".time_zone"),
        ({"op": "sources", "bundle_ids": [""]}, ".bundle_ids[0]"),
        ({"op": "sources"}, ".bundle_ids"),
        ({"op": "source_revisions", "revisions": [{"name": "x"}]}, ".revisions[0].bundle_id"),
        ({"op": "source_revisions", "revisions": [None]}, ".revisions[0]"),
        ({"op": "devices", "devices": [{"brand": "x"}]}, ".devices[0].brand"),
        ({"op": "device_property", "property": "colour", "values": []}, ".property"),
        ({"op": "metadata", "key": "k", "value": 1}, ".value"),
        ({"op": "metadata", "key": "k", "cmp": "=="}, ".value"),
        ({"op": "metadata", "key": "k", "cmp": "==", "value": [1]}, ".value"),
        ({"op": "metadata", "key": "", "cmp": "==", "value": 1}, ".key"),
        ({**QUANTITY, "unit": "zz"}, ".unit"),
        ({**QUANTITY, "value": "1"}, ".value"),
        ({**QUANTITY, "value": 10**400}, ".value"),
        ({"op": "category_value", "cmp": "==", "value": 1.5}, ".value"),
        ({"op": "workout_activity", "activity_type": "juggling"}, ".activity_type"),
        ({"op": "workout_duration", "cmp": "<", "duration_us": 1.5}, ".duration_us"),
        ({"op": "workout_duration", "cmp": "<", "duration_us": 10**30}, ".duration_us"),
        ({**QUANTITY, "op": "workout_total", "total": "total_steps"}, ".total"),
        ({"op": "in_workout", "workout": 5}, ".workout"),
    ],
)
def test_refusals_name_the_path(data: object, field: str) -> None:
    with pytest.raises(InvalidArgument) as caught:
        predicate_from_json(data, field="query.predicate")
    assert caught.value.field == f"query.predicate{field}", caught.value.message
