"""Predicates: SQL results against a reference evaluation in Python of the same predicate."""

from __future__ import annotations

import operator
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from healthstore import CategorySample, Device, HealthStore, Quantity, QuantitySample, Source
from healthstore import predicates as p
from healthstore.errors import InvalidArgument
from tests.conftest import T0, at

SOURCES = [Source("com.a", "A"), Source("com.b", "B"), Source("com.c", "C")]
DEVICES = [None, Device(name="Watch", model="Watch"), Device(name="Phone", model="iPhone")]
OPS: dict[str, Callable[[Any, Any], bool]] = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


@st.composite
def step_samples(draw: st.DrawFn) -> QuantitySample:
    start = draw(st.integers(0, 120))
    length = draw(st.sampled_from([0, 0, 1, 5, 30]))
    meta: dict[str, Any] = {}
    if draw(st.booleans()):
        meta["n"] = draw(st.integers(0, 5))
    if draw(st.booleans()):
        meta["t"] = draw(st.sampled_from(["x", "y"]))
    if draw(st.booleans()):
        meta["HKWasUserEntered"] = draw(st.booleans())
    return QuantitySample(
        "stepCount",
        Quantity(draw(st.integers(0, 50)), "count"),
        at(start),
        at(start + length),
        source=draw(st.sampled_from(SOURCES)),
        device=draw(st.sampled_from(DEVICES)),
        metadata=meta,
    )


minutes = st.one_of(st.none(), st.integers(-5, 130))
ops = st.sampled_from(list(OPS))


@st.composite
def leaves(draw: st.DrawFn) -> p.Predicate:
    kind = draw(st.sampled_from(["time", "source", "device", "meta", "quantity", "uuid-none"]))
    if kind == "time":
        s, e = draw(minutes), draw(minutes)
        if s is not None and e is not None and e < s:
            s, e = e, s
        return p.time_window(
            None if s is None else at(s),
            None if e is None else at(e),
            strict_start=draw(st.booleans()),
            strict_end=draw(st.booleans()),
        )
    if kind == "source":
        return p.from_sources(*draw(st.lists(st.sampled_from(SOURCES), max_size=2)))
    if kind == "device":
        return p.device_property("name", *draw(st.lists(st.sampled_from(["Watch", "Phone"]))))
    if kind == "meta":
        key = draw(st.sampled_from(["n", "t", "HKWasUserEntered", "HKMetadataKeyWasUserEntered"]))
        if draw(st.booleans()):
            return p.metadata(key)
        if key == "n":
            return p.metadata(key, draw(ops), draw(st.integers(0, 5)))
        if key == "t":
            return p.metadata(key, draw(st.sampled_from(["==", "!="])), draw(st.sampled_from("xy")))
        return p.metadata(key, draw(st.sampled_from(["==", "!="])), draw(st.booleans()))
    if kind == "quantity":
        return p.quantity(draw(ops), Quantity(draw(st.integers(0, 50)), "count"))
    return p.uuids()


predicates = st.recursive(
    leaves(),
    lambda inner: st.one_of(
        st.lists(inner, min_size=1, max_size=3).map(lambda xs: p.all_of(*xs)),
        st.lists(inner, min_size=1, max_size=3).map(lambda xs: p.any_of(*xs)),
        inner.map(lambda x: ~x),
    ),
    max_leaves=6,
)


def reference(pred: p.Predicate, s: QuantitySample) -> bool:
    """An independent reading of the predicate semantics."""
    a, b = s.start, s.end
    match pred:
        case p.And(parts):
            return all(reference(x, s) for x in parts)
        case p.Or(parts):
            return any(reference(x, s) for x in parts)
        case p.Not(part):
            return not reference(part, s)
        case p.TimeWindow(lo, hi, strict_start, strict_end):

            def inside(t: Any) -> bool:
                return (lo is None or t >= lo) and (hi is None or t < hi)

            if strict_start or strict_end:
                return (not strict_start or inside(a)) and (not strict_end or inside(b))
            before_end = hi is None or a < hi
            after_start = lo is None or b > lo or (a == b and a >= lo)
            return before_end and after_start
        case p.FromSources(ids):
            return s.source is not None and s.source.bundle_id in ids
        case p.DeviceProperty(prop, values):
            return s.device is not None and getattr(s.device, prop) in values
        case p.MetadataMatch(key, op, value):
            key = "HKWasUserEntered" if key.startswith("HK") else key
            if key not in s.metadata:
                return False
            return True if op is None else OPS[op](s.metadata[key], value)
        case p.QuantityCompare(op, q):
            return OPS[op](s.quantity.value, q.value)
        case p.UUIDs(uuids):
            return s.uuid in uuids
    raise AssertionError(pred)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(population=st.lists(step_samples(), max_size=25), pred=predicates)
def test_sql_agrees_with_the_reference(
    tmp_path_factory: pytest.TempPathFactory, population: list[QuantitySample], pred: p.Predicate
) -> None:
    with HealthStore.create(tmp_path_factory.mktemp("s") / "store") as store:
        store.save(population)
        got = {s.uuid for s in store.samples("stepCount", pred)}
        want = {s.uuid for s in population if reference(pred, s)}
        assert got == want


def test_uuid_predicate(store: HealthStore) -> None:
    a = QuantitySample("stepCount", Quantity(1, "count"), T0, T0)
    b = QuantitySample("stepCount", Quantity(2, "count"), T0, T0)
    store.save([a, b])
    assert {s.uuid for s in store.samples("stepCount", p.uuids(b, str(a.uuid)))} == {a.uuid, b.uuid}
    assert [s.uuid for s in store.samples("stepCount", p.uuids(a))] == [a.uuid]


def test_zero_duration_samples_at_the_window_start_match(store: HealthStore) -> None:
    point = QuantitySample("stepCount", Quantity(1, "count"), at(10), at(10))
    store.save(point)
    assert (
        store.samples("stepCount", start=at(10), end=at(20)) == [point]
        or len(store.samples("stepCount", start=at(10), end=at(20))) == 1
    )
    assert store.samples("stepCount", start=at(0), end=at(10)) == []


def test_overlap_uses_the_longest_duration_seen(store: HealthStore) -> None:
    long = QuantitySample("stepCount", Quantity(1, "count"), at(0), at(0) + timedelta(days=3))
    store.save(long)
    found = store.samples(
        "stepCount", start=at(0) + timedelta(days=2), end=at(0) + timedelta(days=2, hours=1)
    )
    assert [s.uuid for s in found] == [long.uuid]


def test_predicates_that_need_a_single_type(store: HealthStore) -> None:
    with pytest.raises(InvalidArgument, match="one quantity type"):
        store.samples(["stepCount", "heartRate"], p.quantity(">", Quantity(1, "count")))
    with pytest.raises(InvalidArgument, match="does not fit"):
        store.save(QuantitySample("stepCount", Quantity(1, "count"), T0, T0))
        store.samples("stepCount", p.quantity(">", Quantity(1, "kg")))
    with pytest.raises(InvalidArgument, match="unknown comparison"):
        p.quantity("~", Quantity(1, "count"))
    with pytest.raises(InvalidArgument):
        p.time_window(at(10), at(0))


def test_category_value_and_metadata_enum_predicates(store: HealthStore) -> None:
    store.save(
        [
            CategorySample("sleepAnalysis", "AsleepREM", at(0), at(30)),
            CategorySample("sleepAnalysis", "AsleepDeep", at(30), at(60)),
        ]
    )
    rem = store.samples("sleepAnalysis", p.category_value("==", "AsleepREM"))
    assert [s.value for s in rem] == [5]  # type: ignore[attr-defined]
    assert len(store.samples("sleepAnalysis", p.category_value(">=", 4))) == 2


def test_samples_of_a_type_never_saved_is_empty(store: HealthStore) -> None:
    assert store.samples("heartRate") == []
    assert store.sources("heartRate") == []
    assert store.changes("heartRate").added == []
