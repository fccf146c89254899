"""Statistics (spec §5–6): a brute-force reference written here in plain Python, checked bucket
by bucket against the store on generated multi-source data around DST changes; the worked
example of §6; hand-computed cases; options; live collections."""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta, tzinfo
from fractions import Fraction
from itertools import pairwise
from typing import Any, TypedDict
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from healthstore import HealthStore, Quantity, QuantitySample, Source
from healthstore.errors import InvalidArgument
from healthstore.query.calendar import Interval
from healthstore.query.live import LiveQuery
from healthstore.query.statistics import Statistics, StatisticsOptions
from healthstore.store import OWNER_SOURCE
from healthstore.store.view import SampleView
from tests.conftest import T0, at
from tests.store.test_calendar import EPOCH, expected_edges, us

MINUTE_US = 60_000_000
DAY_US = 24 * 60 * MINUTE_US
NEW_YORK = ZoneInfo("America/New_York")

# --- the reference -------------------------------------------------------------------------


@dataclass(frozen=True)
class Rec:
    """One sample as the reference sees it: source bundle id, [start, end) in µs, value in
    the type's canonical unit."""

    source: str
    start: int
    end: int
    value: float

    @property
    def timed(self) -> bool:
        return self.end > self.start


def touches(r: Rec, lo: int, hi: int) -> bool:
    """Whether a sample belongs to [lo, hi): it overlaps it, or its instant lies inside."""
    if r.timed:
        return r.start < hi and r.end > lo
    return lo <= r.start < hi


def ref_sums(recs: Sequence[Rec], edges: Sequence[int], rank: Mapping[str, int]) -> list[float]:
    """Merged cumulative sums per bucket, by walking every elementary interval."""
    lo, hi = edges[0], edges[-1]
    timed = [r for r in recs if r.timed]
    cuts = sorted({*edges, *(min(max(t, lo), hi) for r in timed for t in (r.start, r.end))})
    totals = [Fraction(0)] * (len(edges) - 1)
    for a, b in pairwise(cuts):
        covering = [r for r in timed if r.start <= a and b <= r.end]
        if not covering:
            continue
        best = min(rank[r.source] for r in covering)
        k = bisect_right(edges, a) - 1
        for r in covering:
            if rank[r.source] == best:
                totals[k] += Fraction(r.value) * (b - a) / (r.end - r.start)
    for r in recs:
        if r.timed or not lo <= r.start < hi:
            continue
        if any(rank[o.source] < rank[r.source] and o.start <= r.start < o.end for o in timed):
            continue  # a higher-priority source's sample covers the instant
        totals[bisect_right(edges, r.start) - 1] += Fraction(r.value)
    return [float(t) for t in totals]


def union_length(intervals: Sequence[tuple[int, int]]) -> int:
    total, reach = 0, None
    for s, e in sorted(intervals):
        if reach is None or s >= reach:
            total, reach = total + e - s, e
        elif e > reach:
            total, reach = total + e - reach, e
    return total


def ref_average(inside: Sequence[Rec], lo: int, hi: int, style: str) -> float:
    """Arithmetic, temporally weighted, or energy (sound) mean of the bucket's samples."""
    if style == "discreteArithmetic":
        return math.fsum(r.value for r in inside) / len(inside)
    weights = [min(r.end, hi) - max(r.start, lo) if r.timed else 0 for r in inside]
    if not any(weights):  # only instants: they weigh equally
        weights = [1] * len(inside)
    total = sum(weights)
    if style == "discreteEquivalentContinuousLevel":
        energy = math.fsum(w * 10 ** (r.value / 10) for w, r in zip(weights, inside, strict=True))
        return 10 * math.log10(energy / total)
    return math.fsum(w * r.value for w, r in zip(weights, inside, strict=True)) / total


@dataclass
class Expected:
    start: int
    end: int
    sources: list[str] = field(default_factory=list)  # in priority order
    sum: float | None = None
    average: float | None = None
    minimum: float | None = None
    maximum: float | None = None
    recent: list[Rec] = field(default_factory=list)  # all equally good candidates
    duration: int | None = None
    by_source: dict[str, Expected] = field(default_factory=dict)


def reference(
    recs: Sequence[Rec],
    edges: Sequence[int],
    rank: Mapping[str, int],
    aggregation: str,
    separate: bool = True,
) -> list[Expected]:
    """What each bucket [edges[k], edges[k + 1]) should hold."""
    cumulative = aggregation == "cumulative"
    sums = ref_sums(recs, edges, rank) if cumulative else []
    out = []
    for k, (lo, hi) in enumerate(pairwise(edges)):
        bucket = Expected(lo, hi)
        inside = [r for r in recs if touches(r, lo, hi)]
        if inside:
            bucket.sources = sorted({r.source for r in inside}, key=rank.__getitem__)
            clipped = [(max(r.start, lo), min(r.end, hi)) for r in inside if r.timed]
            bucket.duration = union_length(clipped)
            if cumulative:
                bucket.sum = sums[k]
            else:
                bucket.minimum = min(r.value for r in inside)
                bucket.maximum = max(r.value for r in inside)
                bucket.average = ref_average(inside, lo, hi, aggregation)

                def key(r: Rec) -> tuple[int, int, int]:
                    return (r.end, r.start, -rank[r.source])

                best = max(map(key, inside))
                bucket.recent = [r for r in inside if key(r) == best]
            if separate:
                for source in bucket.sources:
                    own = [r for r in recs if r.source == source]
                    (alone,) = reference(own, [lo, hi], {source: 0}, aggregation, False)
                    bucket.by_source[source] = alone
        out.append(bucket)
    return out


def close(actual: float, expected: float) -> bool:
    return abs(actual - expected) <= 1e-9 * max(abs(actual), abs(expected)) + 1e-9


def check(got: Statistics, want: Expected, unit: str, where: str) -> None:
    """One bucket of the store against the reference."""
    assert (us(got.start), us(got.end)) == (want.start, want.end), where
    assert got.has_data == bool(want.sources), where
    assert [s.bundle_id for s in got.sources] == want.sources, where
    pairs = [
        ("sum", got.sum, want.sum),
        ("average", got.average, want.average),
        ("minimum", got.minimum, want.minimum),
        ("maximum", got.maximum, want.maximum),
    ]
    for name, actual, expected in pairs:
        if expected is None:
            assert actual is None, f"{where}: {name} {actual} where there is no data"
        else:
            assert actual is not None, f"{where}: {name} missing, expected {expected}"
            value = actual.value_in(unit)
            assert close(value, expected), f"{where}: {name} {value!r} != {expected!r}"
    if want.recent:
        assert got.most_recent is not None, where
        assert got.most_recent_start is not None and got.most_recent_end is not None
        picked = (
            got.most_recent.value_in(unit),
            us(got.most_recent_start),
            us(got.most_recent_end),
        )
        assert picked in {(r.value, r.start, r.end) for r in want.recent}, (where, want.recent)
    elif not want.sources:
        assert got.most_recent is None and got.most_recent_start is None, where
    if want.duration is None:
        assert got.duration is None, where
    else:
        assert got.duration is not None, where
        assert got.duration // timedelta(microseconds=1) == want.duration, where
    assert {s.bundle_id for s in got.by_source} == set(want.by_source), where
    for source, own in got.by_source.items():
        check(own, want.by_source[source.bundle_id], unit, f"{where} [{source.bundle_id} alone]")


# --- generated stores ----------------------------------------------------------------------

POOL = [
    OWNER_SOURCE,  # entered by the person (saved with no source)
    Source("com.example.watch", "Anna's Apple Watch"),
    Source("com.example.phone", "Anna's iPhone"),
    Source("com.example.sleep", "Sleep Tracker"),
    Source("com.example.walk", "Walk Counter"),
]
KIND = {OWNER_SOURCE.bundle_id: 0, "com.example.watch": 1, "com.example.phone": 2}
# (zone, an instant near one of its DST changes)
CHANGES = [
    ("Europe/Paris", datetime(2024, 3, 31, 1, tzinfo=UTC)),
    ("Europe/Paris", datetime(2024, 10, 27, 1, tzinfo=UTC)),
    ("America/New_York", datetime(2024, 3, 10, 7, tzinfo=UTC)),
    ("America/New_York", datetime(2024, 11, 3, 6, tzinfo=UTC)),
]
TYPES = {  # name: (aggregation style, canonical unit, value range)
    "stepCount": ("cumulative", "count", (0.0, 2000.0)),
    "heartRate": ("discreteTemporallyWeighted", "count/s", (0.5, 3.5)),
    "bodyMass": ("discreteArithmetic", "kg", (40.0, 150.0)),
    "environmentalAudioExposure": ("discreteEquivalentContinuousLevel", "dBASPL", (30.0, 110.0)),
}


@dataclass
class Scenario:
    zone: str
    base: int  # µs, near a DST change
    order: list[Source]  # the sources, in the order they are first saved (no matter)
    recs: list[Rec]
    priority: list[str] | None  # what the person sets (None: the default order)
    anchor: datetime
    interval: str
    tz_argument: str | None
    start: int
    end: int
    single: tuple[int, int]

    def expected_order(self) -> list[str]:
        present = [
            s.bundle_id for s in self.order if any(r.source == s.bundle_id for r in self.recs)
        ]
        named = [b for b in dict.fromkeys(self.priority or []) if b in present]
        rest = [b for b in present if b not in named]
        rest.sort(key=lambda b: (KIND.get(b, 3), b))  # then by bundle id: no sample decides
        return named + rest


def times(base: int) -> st.SearchStrategy[int]:
    """Instants near ``base``: on a minute grid close by, or any second within four days."""
    return st.one_of(
        st.integers(-8 * 60, 8 * 60).map(lambda m: base + m * MINUTE_US),
        st.integers(-4 * 86_400, 4 * 86_400).map(lambda s: base + s * 1_000_000),
    )


LENGTHS = st.one_of(
    st.just(0),
    st.integers(1, 240).map(lambda m: m * MINUTE_US),
    st.integers(1, 2 * 86_400).map(lambda s: s * 1_000_000),
)


@st.composite
def scenarios(draw: st.DrawFn, type_name: str) -> Scenario:
    zone, change = draw(st.sampled_from(CHANGES))
    tz = ZoneInfo(zone)
    base = us(change)
    order = draw(st.lists(st.sampled_from(POOL), min_size=2, max_size=4, unique=True))
    lo, hi = TYPES[type_name][2]
    values = st.floats(lo, hi, allow_nan=False, allow_infinity=False)
    if type_name == "stepCount":
        values = st.one_of(st.integers(int(lo), int(hi)).map(float), values)
    raw = draw(
        st.lists(
            st.tuples(st.sampled_from(order), times(base), LENGTHS, values),
            min_size=1,
            max_size=20,
        )
    )
    recs = [Rec(s.bundle_id, t, t + d, v) for s, t, d, v in raw]
    priority = None
    if draw(st.booleans()):
        named = draw(st.permutations([s.bundle_id for s in order]))
        priority = named[: draw(st.integers(0, len(named)))]
        if draw(st.booleans()):
            priority.insert(draw(st.integers(0, len(priority))), "com.example.never-saved")
    local_base = (EPOCH + timedelta(microseconds=base)).astimezone(tz)
    day = local_base.date() + timedelta(days=draw(st.integers(-10, 10)))
    clock = time(draw(st.integers(0, 23)), draw(st.sampled_from([0, 15, 30, 59])))
    # either pass of a repeated reading, or a reading inside a gap (the instant it denotes)
    anchor = datetime.combine(day, clock, tz).replace(fold=draw(st.sampled_from([0, 1])))
    tz_argument = draw(st.sampled_from([None, zone]))
    if tz_argument is not None:
        anchor = anchor.astimezone(UTC)
    interval = draw(st.sampled_from(["15min", "1h", "1d", "1w"]))
    start = base + draw(st.integers(-3 * 24 * 60, 2 * 24 * 60)) * MINUTE_US
    end = start + draw(st.integers(1, 5 * 24 * 60)) * MINUTE_US
    one = base + draw(st.integers(-2 * 24 * 60, 2 * 24 * 60)) * MINUTE_US
    single = (one, one + draw(st.integers(1, 3 * 24 * 60)) * MINUTE_US)
    return Scenario(
        zone, base, order, recs, priority, anchor, interval, tz_argument, start, end, single
    )


def populate(store: HealthStore, type_name: str, scenario: Scenario) -> None:
    unit = TYPES[type_name][1]
    tz = ZoneInfo(scenario.zone)
    for source in scenario.order:  # one save per source: ids follow this order
        mine = [r for r in scenario.recs if r.source == source.bundle_id]
        if mine:
            store.save(
                [
                    QuantitySample(
                        type_name,
                        Quantity(r.value, unit),
                        instant(r.start, tz),
                        instant(r.end, tz),
                        source=None if source == OWNER_SOURCE else source,
                    )
                    for r in mine
                ]
            )
    if scenario.priority is not None:
        store.set_source_priority(type_name, scenario.priority)


def instant(u: int, tz: tzinfo = UTC) -> datetime:
    return (EPOCH + timedelta(microseconds=u)).astimezone(tz)


OPTIONS = {
    "cumulative": ["cumulativeSum", "duration", "separateBySource"],
    "discrete": [
        "discreteAverage",
        "discreteMin",
        "discreteMax",
        "mostRecent",
        "duration",
        "separateBySource",
    ],
}


def differential(store: HealthStore, type_name: str, scenario: Scenario) -> None:
    aggregation, unit, _ = TYPES[type_name]
    options = OPTIONS["cumulative" if aggregation == "cumulative" else "discrete"]
    populate(store, type_name, scenario)
    order = scenario.expected_order()
    assert [s.bundle_id for s in store.source_priority(type_name)] == order
    rank = {b: i for i, b in enumerate(order)}
    tz = ZoneInfo(scenario.zone)

    found = store.statistics_collection(
        type_name,
        anchor=scenario.anchor,
        interval=scenario.interval,
        start=instant(scenario.start, tz),
        end=instant(scenario.end, UTC),
        options=options,
        tz=scenario.tz_argument,
        unit=unit,  # the unit the records were written in, so the check stays exact
    )
    edges = expected_edges(
        scenario.anchor, Interval.parse(scenario.interval), tz, scenario.start, scenario.end
    )
    assert [us(b.start) for b in found] == edges[:-1]
    assert us(found[-1].end) == edges[-1]
    for k, (got, want) in enumerate(
        zip(found, reference(scenario.recs, edges, rank, aggregation), strict=True)
    ):
        check(got, want, unit, f"bucket {k} of {scenario.interval}")

    lo, hi = scenario.single
    one = store.statistics(
        type_name,
        start=instant(lo, tz),
        end=instant(hi, tz),
        options=",".join(options),
        unit=unit,
    )
    (want,) = reference(scenario.recs, [lo, hi], rank, aggregation)
    check(one, want, unit, "single range")


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(scenario=scenarios("stepCount"))
def test_cumulative_sums_match_the_reference(
    tmp_path_factory: pytest.TempPathFactory, scenario: Scenario
) -> None:
    with HealthStore.create(tmp_path_factory.mktemp("steps") / "s") as store:
        differential(store, "stepCount", scenario)


@pytest.mark.parametrize("type_name", ["heartRate", "bodyMass", "environmentalAudioExposure"])
@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.data())
def test_discrete_statistics_match_the_reference(
    tmp_path_factory: pytest.TempPathFactory, type_name: str, data: st.DataObject
) -> None:
    scenario = data.draw(scenarios(type_name))
    with HealthStore.create(tmp_path_factory.mktemp("discrete") / "s") as store:
        differential(store, type_name, scenario)


def test_the_reference_itself_on_the_worked_example() -> None:
    phone = Rec("phone", 0, 10 * MINUTE_US, 1000)
    watch = Rec("watch", 5 * MINUTE_US, 15 * MINUTE_US, 800)
    edges = [0, 5 * MINUTE_US, 10 * MINUTE_US, 15 * MINUTE_US]
    assert ref_sums([phone, watch], edges, {"watch": 0, "phone": 1}) == [500, 400, 400]
    assert ref_sums([phone, watch], edges, {"watch": 1, "phone": 0}) == [500, 500, 400]
    instant_ = Rec("phone", 7 * MINUTE_US, 7 * MINUTE_US, 3)
    assert ref_sums([watch, instant_], edges, {"watch": 0, "phone": 1}) == [0, 400, 400]
    assert ref_sums([watch, instant_], edges, {"watch": 1, "phone": 0}) == [0, 403, 400]
    assert union_length([(0, 5), (3, 8), (8, 9), (20, 30), (21, 22)]) == 19


# --- hand-computed cases -------------------------------------------------------------------


class Window(TypedDict):
    start: datetime
    end: datetime


class Buckets(TypedDict):
    anchor: datetime
    interval: str
    start: datetime
    end: datetime


PHONE = Source("com.example.phone", "Anna's iPhone")
WATCH = Source("com.example.watch", "Anna's Apple Watch")
PHONE_FIRST = [PHONE.bundle_id, WATCH.bundle_id]
WATCH_FIRST = [WATCH.bundle_id, PHONE.bundle_id]
TEN = 120  # minutes after T0 (08:00): 10:00


def sample(
    type_name: str, value: float, unit: str, start: float, end: float | None, source: Source
) -> QuantitySample:
    """A sample from ``start`` to ``end`` minutes after T0 (an instant when end is None)."""
    stop = at(start) if end is None else at(end)
    return QuantitySample(type_name, Quantity(value, unit), at(start), stop, source=source)


def steps(n: float, start: float, end: float | None, source: Source = PHONE) -> QuantitySample:
    return sample("stepCount", n, "count", start, end, source)


def bpm(n: float, start: float, end: float | None, source: Source = PHONE) -> QuantitySample:
    return sample("heartRate", n, "count/min", start, end, source)


def value(q: Quantity | None, unit: str) -> float:
    assert q is not None
    return q.value_in(unit)


def worked_example(store: HealthStore) -> None:
    store.save(steps(1000, TEN, TEN + 10, PHONE))  # the phone is seen first
    store.save(steps(800, TEN + 5, TEN + 15, WATCH))


@pytest.mark.parametrize(
    ("priority", "total"),
    [
        (WATCH_FIRST, 1300),  # 500 + 800
        (PHONE_FIRST, 1400),  # 1000 + 400
        (None, 1300),  # by default a watch ranks before a phone
        ([PHONE.bundle_id], 1400),  # sources not named follow
        ([WATCH.bundle_id, "com.example.gone"], 1300),
    ],
)
def test_the_worked_example_of_section_6(
    store: HealthStore, priority: list[str] | None, total: float
) -> None:
    worked_example(store)
    if priority is not None:
        store.set_source_priority("stepCount", priority)
    stats = store.statistics(
        "stepCount",
        start=at(TEN - 60),
        end=at(TEN + 60),
        options=["cumulativeSum", "duration", "separateBySource"],
    )
    assert value(stats.sum, "count") == pytest.approx(total, rel=1e-12)
    assert stats.duration == timedelta(minutes=15)
    first = WATCH if total == 1300 else PHONE
    assert stats.sources == [first, PHONE if first == WATCH else WATCH]
    assert store.source_priority("stepCount")[0] == first
    # each source alone keeps its full contribution
    assert {s: value(v.sum, "count") for s, v in stats.by_source.items()} == {
        PHONE: pytest.approx(1000),
        WATCH: pytest.approx(800),
    }
    assert {s: v.duration for s, v in stats.by_source.items()} == {
        PHONE: timedelta(minutes=10),
        WATCH: timedelta(minutes=10),
    }


@pytest.mark.parametrize(
    ("priority", "sums"), [(WATCH_FIRST, [500, 400, 400]), (PHONE_FIRST, [500, 500, 400])]
)
def test_the_worked_example_in_five_minute_buckets(
    store: HealthStore, priority: list[str], sums: list[float]
) -> None:
    worked_example(store)
    store.set_source_priority("stepCount", priority)
    found = store.statistics_collection(
        "stepCount",
        anchor=T0,
        interval="5min",
        start=at(TEN - 5),
        end=at(TEN + 20),
        options="sum,separateBySource",
    )
    assert [b.start for b in found] == [at(m) for m in range(TEN - 5, TEN + 20, 5)]
    sums_found = [None if b.sum is None else value(b.sum, "count") for b in found]
    assert sums_found == [None, *map(pytest.approx, sums), None]
    per_source = [
        {s.bundle_id: value(v.sum, "count") for s, v in b.by_source.items()} for b in found
    ]
    assert per_source == [
        {},
        {PHONE.bundle_id: pytest.approx(500)},
        {PHONE.bundle_id: pytest.approx(500), WATCH.bundle_id: pytest.approx(400)},
        {WATCH.bundle_id: pytest.approx(400)},
        {},
    ]


def test_the_default_order_is_person_then_watch_then_phone_then_apps(store: HealthStore) -> None:
    app = Source("com.example.app", "Step App")
    store.save(steps(1, 0, 1, app))
    store.save(steps(1, 0, 1, PHONE))
    store.save(steps(1, 0, 1, WATCH))
    store.save(QuantitySample("stepCount", Quantity(1, "count"), at(0), at(1)))  # the person
    assert store.source_priority("stepCount") == [OWNER_SOURCE, WATCH, PHONE, app]
    store.set_source_priority("stepCount", [app.bundle_id, PHONE.bundle_id])
    assert store.source_priority("stepCount") == [app, PHONE, OWNER_SOURCE, WATCH]
    assert store.source_priority("heartRate") == []
    with pytest.raises(InvalidArgument, match="twice"):
        store.set_source_priority("stepCount", [app.bundle_id, app])


def test_instants_count_unless_a_higher_priority_source_covers_them(store: HealthStore) -> None:
    store.save(steps(100, TEN, TEN + 10, WATCH))
    store.save(
        [
            steps(3, TEN, None, PHONE),  # covered: a sample covers its own start
            steps(50, TEN + 5, None, PHONE),  # covered
            steps(7, TEN + 10, None, PHONE),  # not covered: the watch's sample has ended
            steps(11, TEN + 20, None, PHONE),  # nobody covers it
            steps(13, TEN + 5, None, WATCH),  # its own source does not hide it
        ]
    )
    window: Window = {"start": at(TEN - 60), "end": at(TEN + 60)}
    store.set_source_priority("stepCount", WATCH_FIRST)
    stats = store.statistics("stepCount", options="sum,duration,separateBySource", **window)
    assert value(stats.sum, "count") == pytest.approx(100 + 7 + 11 + 13)
    assert stats.duration == timedelta(minutes=10)
    assert value(stats.by_source[PHONE].sum, "count") == 3 + 50 + 7 + 11
    assert stats.by_source[PHONE].duration == timedelta(0)
    store.set_source_priority("stepCount", PHONE_FIRST)  # the phone has no interval to hide
    stats = store.statistics("stepCount", options="sum", **window)
    assert value(stats.sum, "count") == pytest.approx(100 + 3 + 50 + 7 + 11 + 13)


def test_an_instant_on_a_bucket_edge_belongs_to_the_later_bucket(store: HealthStore) -> None:
    store.save([steps(5, TEN, None), steps(9, TEN + 60, None)])
    found = store.statistics_collection(
        "stepCount", anchor=T0, interval="1h", start=at(60), end=at(TEN + 60), options="sum"
    )
    assert [b.sum for b in found] == [None, Quantity(5, "count")]  # 11:00 is the range's end


def test_a_sample_crossing_a_bucket_edge_is_prorated(store: HealthStore) -> None:
    store.save(steps(600, TEN + 50, TEN + 70))  # 10:50–11:10
    hours = store.statistics_collection(
        "stepCount", anchor=T0, interval="1h", start=at(TEN), end=at(TEN + 120), options="sum"
    )
    assert [value(b.sum, "count") for b in hours] == [pytest.approx(300), pytest.approx(300)]
    quarters = store.statistics_collection(
        "stepCount",
        anchor=at(TEN + 5),
        interval="15min",
        start=at(TEN + 50),
        end=at(TEN + 70),
        options="sum,duration",
    )
    assert [b.start for b in quarters] == [at(TEN + 50), at(TEN + 65)]
    assert [value(b.sum, "count") for b in quarters] == [pytest.approx(450), pytest.approx(150)]
    assert [b.duration for b in quarters] == [timedelta(minutes=15), timedelta(minutes=5)]
    day = store.statistics_collection(
        "stepCount", anchor=T0, interval="1d", start=at(0), end=at(1), options="sum"
    )
    assert [value(b.sum, "count") for b in day] == [pytest.approx(600)]


def test_priority_switches_inside_a_bucket(store: HealthStore) -> None:
    store.save(steps(1200, TEN, TEN + 120, PHONE))  # 10 steps a minute
    store.save(steps(600, TEN + 30, TEN + 90, WATCH))  # also 10 a minute
    store.save(steps(1, TEN + 60, None, PHONE))  # under the watch: hidden when it ranks first
    store.set_source_priority("stepCount", WATCH_FIRST)
    found = store.statistics_collection(
        "stepCount", anchor=T0, interval="1h", start=at(TEN), end=at(TEN + 120), options="sum"
    )
    assert [value(b.sum, "count") for b in found] == [pytest.approx(600), pytest.approx(600)]
    store.set_source_priority("stepCount", PHONE_FIRST)
    found = store.statistics_collection(
        "stepCount", anchor=T0, interval="1h", start=at(TEN), end=at(TEN + 120), options="sum"
    )
    assert [value(b.sum, "count") for b in found] == [pytest.approx(600), pytest.approx(601)]


def test_heart_rate_average_is_weighted_by_time(store: HealthStore) -> None:
    store.save([bpm(60, TEN, TEN + 10), bpm(90, TEN + 10, TEN + 30)])
    window: Window = {"start": at(TEN - 60), "end": at(TEN + 60)}
    stats = store.statistics("heartRate", options="avg,min,max,mostRecent", **window)
    assert value(stats.average, "count/min") == pytest.approx(80)
    assert value(stats.minimum, "count/min") == pytest.approx(60)
    assert value(stats.maximum, "count/min") == pytest.approx(90)
    assert value(stats.most_recent, "count/min") == pytest.approx(90)
    assert (stats.most_recent_start, stats.most_recent_end) == (at(TEN + 10), at(TEN + 30))
    # shown in the display unit (beats per minute), convertible to any other
    assert stats.average is not None and stats.average.unit == Quantity(1, "count/min").unit
    quarters = store.statistics_collection(
        "heartRate",
        anchor=at(TEN),
        interval="15min",
        start=at(TEN),
        end=at(TEN + 30),
        options="discreteAverage",
    )
    # 10 min at 60 and 5 at 90, then 15 at 90
    assert [value(b.average, "count/min") for b in quarters] == [
        pytest.approx(70),
        pytest.approx(90),
    ]


def test_instants_average_plainly_and_weigh_nothing_beside_intervals(store: HealthStore) -> None:
    store.save([bpm(60, TEN + 1, None), bpm(70, TEN + 2, None), bpm(110, TEN + 3, None)])
    window: Window = {"start": at(TEN), "end": at(TEN + 60)}
    stats = store.statistics("heartRate", options="avg,max,duration", **window)
    assert value(stats.average, "count/min") == pytest.approx(80)
    assert stats.duration == timedelta(0)
    store.save(bpm(50, TEN + 30, TEN + 40, WATCH))
    stats = store.statistics("heartRate", options="avg,min,max", **window)
    assert value(stats.average, "count/min") == pytest.approx(50)
    assert value(stats.maximum, "count/min") == pytest.approx(110)
    assert value(stats.minimum, "count/min") == pytest.approx(50)


def test_body_mass_is_a_plain_mean(store: HealthStore) -> None:
    store.save(sample("bodyMass", 70, "kg", TEN, TEN + 60, PHONE))
    store.save(sample("bodyMass", 80, "kg", TEN + 5, None, PHONE))
    stats = store.statistics("bodyMass", start=at(0), end=at(TEN + 60), options="avg")
    assert value(stats.average, "kg") == pytest.approx(75)
    assert value(stats.average, "lb") == pytest.approx(75 / 0.45359237)


def test_sound_levels_average_their_energy(store: HealthStore) -> None:
    def db(level: float, start: float, end: float | None) -> QuantitySample:
        return sample("environmentalAudioExposure", level, "dBASPL", start, end, PHONE)

    store.save([db(80, TEN, TEN + 10), db(90, TEN + 10, TEN + 20)])
    window: Window = {"start": at(TEN), "end": at(TEN + 60)}
    stats = store.statistics("environmentalAudioExposure", options="avg,min,max", **window)
    assert value(stats.average, "dBASPL") == pytest.approx(87.40362689494244, abs=1e-9)
    assert value(stats.average, "dBASPL") == pytest.approx(10 * math.log10((1e8 + 1e9) / 2))
    assert (value(stats.minimum, "dBASPL"), value(stats.maximum, "dBASPL")) == (80, 90)
    store.save(db(80, TEN + 20, TEN + 40))  # now 30 min at 80 and 10 at 90
    stats = store.statistics("environmentalAudioExposure", options="avg", **window)
    assert value(stats.average, "dBASPL") == pytest.approx(10 * math.log10((3e8 + 1e9) / 4))
    later: Window = {"start": at(TEN + 60), "end": at(TEN + 120)}
    store.save([db(70, TEN + 61, None), db(100, TEN + 62, None)])
    stats = store.statistics("environmentalAudioExposure", options="avg", **later)
    assert value(stats.average, "dBASPL") == pytest.approx(10 * math.log10((1e7 + 1e10) / 2))


@pytest.mark.parametrize(("priority", "winner"), [(WATCH_FIRST, 90), (PHONE_FIRST, 100)])
def test_most_recent_prefers_latest_end_then_latest_start_then_priority(
    store: HealthStore, priority: list[str], winner: float
) -> None:
    store.set_source_priority("heartRate", priority)
    store.save([bpm(70, TEN, TEN + 20, PHONE), bpm(80, TEN + 10, TEN + 20, PHONE)])
    window: Window = {"start": at(TEN), "end": at(TEN + 60)}
    stats = store.statistics("heartRate", options="mostRecent", **window)
    assert value(stats.most_recent, "count/min") == pytest.approx(80)
    store.save([bpm(90, TEN + 15, TEN + 20, WATCH), bpm(100, TEN + 15, TEN + 20, PHONE)])
    stats = store.statistics("heartRate", options="mostRecent", **window)
    assert value(stats.most_recent, "count/min") == pytest.approx(winner)
    assert (stats.most_recent_start, stats.most_recent_end) == (at(TEN + 15), at(TEN + 20))
    store.save(bpm(40, TEN + 21, None, PHONE))  # an instant that ends last
    stats = store.statistics("heartRate", options="mostRecent", **window)
    assert value(stats.most_recent, "count/min") == pytest.approx(40)


def test_most_recent_in_a_bucket_is_the_samples_own_end(store: HealthStore) -> None:
    store.save([bpm(70, TEN, TEN + 90), bpm(80, TEN + 10, TEN + 20)])
    found = store.statistics_collection(
        "heartRate", anchor=T0, interval="1h", start=at(TEN), end=at(TEN + 60), options="mostRecent"
    )
    (bucket,) = found
    assert value(bucket.most_recent, "count/min") == pytest.approx(70)
    assert bucket.most_recent_end == at(TEN + 90)  # past the bucket's end


def test_a_range_before_any_data_and_the_type_of_the_result(store: HealthStore) -> None:
    store.save(steps(10, TEN, TEN + 10))
    stats = store.statistics("stepCount", start=at(0), end=at(60), options="sum")
    assert not stats.has_data and stats.sum is None and stats.sources == []
    assert stats.type.short_name == "stepCount"
    assert (stats.start, stats.end) == (at(0), at(60))
    with pytest.raises(InvalidArgument):
        store.statistics("stepCount", start=at(60), end=at(60), options="sum")


# --- options -------------------------------------------------------------------------------

WINDOW: Window = {"start": at(0), "end": at(24 * 60 - 1)}


@pytest.mark.parametrize(
    ("type_name", "options"),
    [
        ("heartRate", "cumulativeSum"),
        ("heartRate", ["discreteAverage", "sum"]),
        ("bodyMass", StatisticsOptions.cumulativeSum),
        ("environmentalAudioExposure", 16),
        ("stepCount", "discreteAverage"),
        ("stepCount", "cumulativeSum,discreteMin"),
        ("stepCount", ["max"]),
        ("stepCount", StatisticsOptions.mostRecent),
        ("distanceWalkingRunning", 2),
    ],
)
def test_an_option_of_the_other_style_is_invalid(
    store: HealthStore, type_name: str, options: Any
) -> None:
    with pytest.raises(InvalidArgument) as info:
        store.statistics(type_name, options=options, **WINDOW)
    assert info.value.code == 3 and info.value.field == "options"
    with pytest.raises(InvalidArgument):
        store.statistics_collection(type_name, anchor=T0, interval="1h", options=options, **WINDOW)


@pytest.mark.parametrize(
    ("options", "name"),
    [
        ("sum,medain", "medain"),
        (["cumulativeSum", "Sum"], "Sum"),
        ("cumulativeSum, bogus ", "bogus"),
        ("sum,", ""),
    ],
)
def test_unknown_options_are_named(store: HealthStore, options: Any, name: str) -> None:
    with pytest.raises(InvalidArgument) as info:
        store.statistics("stepCount", options=options, **WINDOW)
    assert info.value.code == 3 and info.value.field == "options"
    assert repr(name) in info.value.message


@pytest.mark.parametrize("options", ["separateBySource", 0, 1, [], True])
def test_options_must_ask_for_a_statistic(store: HealthStore, options: Any) -> None:
    with pytest.raises(InvalidArgument) as info:
        store.statistics("stepCount", options=options, **WINDOW)
    assert info.value.code == 3


def test_a_type_without_statistics_is_refused(store: HealthStore) -> None:
    with pytest.raises(InvalidArgument, match="no statistics") as info:
        store.statistics("sleepAnalysis", options="duration", **WINDOW)
    assert info.value.code == 3


@pytest.mark.parametrize(
    "options",
    [
        ["cumulativeSum", "duration"],
        "sum,duration",
        " cumulativeSum , duration ",
        ("duration", "sum"),
        StatisticsOptions.cumulativeSum | StatisticsOptions.duration,
        [StatisticsOptions.cumulativeSum, "duration"],
        80,
    ],
)
def test_options_in_every_form(store: HealthStore, options: Any) -> None:
    worked_example(store)
    stats = store.statistics("stepCount", options=options, **WINDOW)
    assert value(stats.sum, "count") == pytest.approx(1300)
    assert stats.duration == timedelta(minutes=15)
    assert stats.by_source == {}


@pytest.mark.parametrize(
    "options", ["avg,min,max", ["discreteAverage", "discreteMin", "discreteMax"], 2 | 4 | 8]
)
def test_discrete_aliases(store: HealthStore, options: Any) -> None:
    store.save([bpm(60, TEN, TEN + 10), bpm(90, TEN + 10, TEN + 30)])
    stats = store.statistics("heartRate", options=options, **WINDOW)
    assert [value(q, "count/min") for q in (stats.average, stats.minimum, stats.maximum)] == [
        pytest.approx(80),
        pytest.approx(60),
        pytest.approx(90),
    ]
    assert stats.most_recent is None and stats.duration is None


def test_results_convert_to_other_units(store: HealthStore) -> None:
    store.save(
        [
            sample("distanceWalkingRunning", 1.5, "km", TEN, TEN + 20, PHONE),
            sample("distanceWalkingRunning", 500, "m", TEN + 30, TEN + 40, PHONE),
        ]
    )
    stats = store.statistics("distanceWalkingRunning", options="sum", **WINDOW)
    assert stats.sum is not None and stats.sum.value == pytest.approx(2.0)  # display: km
    assert stats.sum.to("m").value == pytest.approx(2000)
    assert stats.sum.to("km").value == pytest.approx(2.0)
    assert stats.sum.to("km").unit == Quantity(1, "km").unit
    assert stats.sum.value_in("mi") == pytest.approx(2000 / 1609.344)
    data = stats.to_json("km")
    assert data["unit"] == "km" and data["sum"] == pytest.approx(2.0)
    assert data["sources"] == [PHONE.bundle_id]


# --- live collections ----------------------------------------------------------------------

HOURS: Buckets = {"anchor": T0, "interval": "1h", "start": at(0), "end": at(6 * 60)}


def live_steps(
    view: SampleView, calls: list[list[Statistics]], options: str = "sum,separateBySource"
) -> LiveQuery:
    return view.live_statistics_collection("stepCount", calls.append, options=options, **HOURS)


def fresh(view: SampleView, options: str = "sum,separateBySource") -> list[Statistics]:
    return view.statistics_collection("stepCount", options=options, **HOURS)


def test_live_collections_deliver_the_buckets_that_changed(store: HealthStore) -> None:
    calls: list[list[Statistics]] = []
    live = live_steps(store, calls)
    assert len(live.results) == 6 and not any(b.has_data for b in live.results)
    assert live.results == fresh(store)

    watch = steps(100, 130, 140, WATCH)  # bucket 2 (10:00–11:00)
    store.save(watch)
    assert [[b.start for b in call] for call in calls] == [[at(120)]]
    assert calls[0][0].sum == Quantity(100, "count") and calls[0][0].sources == [WATCH]
    assert live.results == fresh(store)

    store.save(steps(600, 210, 270, PHONE))  # across buckets 3 and 4
    assert [b.start for b in calls[-1]] == [at(180), at(240)]
    assert [value(b.sum, "count") for b in calls[-1]] == [pytest.approx(300)] * 2
    assert live.results == fresh(store)

    store.save(steps(5, 400, 410, PHONE))  # after the range
    store.save(steps(5, -30, -20, PHONE))  # before it
    store.save(watch)  # again: a duplicate changes nothing
    assert len(calls) == 2

    store.delete(watch)
    assert [b.start for b in calls[-1]] == [at(120)]
    assert not calls[-1][0].has_data and calls[-1][0].sum is None
    assert live.results == fresh(store)

    store.delete(type="stepCount")
    assert [b.start for b in calls[-1]] == [at(180), at(240)]
    assert live.results == fresh(store)
    assert not any(b.has_data for b in live.results)

    live.stop()
    store.save(steps(7, 10, 20, PHONE))
    assert len(calls) == 4
    assert not live.results[0].has_data and fresh(store)[0].has_data


def test_a_live_collection_sees_the_merge_change(store: HealthStore) -> None:
    store.set_source_priority("stepCount", WATCH_FIRST)
    store.save(steps(600, 120, 180, PHONE))
    calls: list[list[Statistics]] = []
    live = live_steps(store, calls, options="sum")
    store.save(steps(100, 150, 180, WATCH))  # the watch now counts for half of the hour
    (bucket,) = calls[-1]
    assert value(bucket.sum, "count") == pytest.approx(300 + 100)
    assert bucket.sources == [WATCH, PHONE]
    assert live.results == fresh(store, "sum")
    store.save(steps(5, 160, None, PHONE))  # hidden under the watch: the bucket is the same
    assert len(calls) == 1
    assert live.results == fresh(store, "sum")
    live.stop()


def test_a_failing_handler_does_not_break_the_save(store: HealthStore) -> None:
    def handler(_: list[Statistics]) -> None:
        raise RuntimeError("boom")

    live = store.live_statistics_collection("stepCount", handler, options="sum", **HOURS)
    store.save(steps(10, 10, 20))
    assert value(live.results[0].sum, "count") == 10
    assert len(store.samples("stepCount")) == 1


LIVE_APP: dict[str, Any] = {
    "bundle_id": "com.example.livesteps",
    "name": "Live Steps",
    "usage_descriptions": {
        "NSHealthShareUsageDescription": "Shows your steps.",
        "NSHealthUpdateUsageDescription": "Records your walks.",
    },
    "privacy_policy_url": "https://example.com/privacy",
    "entitlements": ["healthkit"],
    "purposes": ["fitness"],
}


def test_an_app_without_read_permission_hears_nothing_of_other_sources(
    store: HealthStore,
) -> None:
    store.register_app(LIVE_APP)
    app = store.app("com.example.livesteps")
    app.request_authorization(share=["stepCount"], read=["stepCount"])
    store.grant("com.example.livesteps", share=["stepCount"])
    store.deny("com.example.livesteps", read=["stepCount"])
    store.save(steps(50, 10, 20, WATCH))

    heard: list[list[Statistics]] = []
    live = live_steps(app, heard)
    before = list(live.results)
    assert not any(b.has_data for b in before)
    person: list[list[Statistics]] = []
    mine = live_steps(store, person)

    store.save(steps(100, 130, 140, WATCH))
    store.save([steps(7, 200, None, PHONE), steps(9, 10, 30, PHONE)])
    store.delete(type="stepCount", predicate=None)
    store.save(steps(100, 130, 140, WATCH))
    assert heard == []
    assert live.results == before == fresh(app)
    assert len(person) == 4

    app.save(steps(10, 70, 80))  # its own sample: that it may see
    (call,) = heard
    assert [b.start for b in call] == [at(60)]
    assert call[0].sum == Quantity(10, "count")
    assert [s.bundle_id for s in call[0].sources] == ["com.example.livesteps"]
    assert list(call[0].by_source) == call[0].sources
    assert live.results == fresh(app)
    assert [s.bundle_id for s in app.source_priority("stepCount")] == ["com.example.livesteps"]
    assert value(mine.results[1].sum, "count") == 10 and value(mine.results[2].sum, "count") == 100
    live.stop()
    mine.stop()


@st.composite
def operations(draw: st.DrawFn) -> list[tuple[str, int, int, int, int]]:
    """Saves (source, start and length in minutes, value) and deletes (of the n-th saved)."""
    ops = []
    for _ in range(draw(st.integers(1, 8))):
        if draw(st.integers(0, 3)) == 0:
            ops.append(("delete", draw(st.integers(0, 10)), 0, 0, 0))
        else:
            source = draw(st.integers(0, 2))
            start = draw(st.integers(-60, 7 * 60))
            length = draw(st.sampled_from([0, 5, 30, 60, 90, 200]))
            ops.append(("save", source, start, length, draw(st.integers(0, 500))))
    return ops


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ops=operations(), priority=st.permutations([*PHONE_FIRST, "com.example.walk"]))
def test_live_results_follow_every_save_and_delete(
    tmp_path_factory: pytest.TempPathFactory,
    ops: list[tuple[str, int, int, int, int]],
    priority: list[str],
) -> None:
    sources = [PHONE, WATCH, Source("com.example.walk", "Walk Counter")]
    options = "sum,duration,separateBySource"
    with HealthStore.create(tmp_path_factory.mktemp("live") / "s") as store:
        store.set_source_priority("stepCount", priority)
        calls: list[list[Statistics]] = []
        live = live_steps(store, calls, options)
        saved: list[QuantitySample] = []
        for kind, a, b, c, d in ops:
            previous = list(live.results)
            before = len(calls)
            if kind == "save":
                saved.append(steps(d, b, b + c, sources[a]))
                store.save(saved[-1])
            elif saved:
                store.delete(saved[a % len(saved)])
            now = fresh(store, options)
            assert live.results == now
            changed = [new for old, new in zip(previous, now, strict=True) if old != new]
            assert calls[before:] == ([changed] if changed else [])
        live.stop()


# --- exactness ----------------------------------------------------------------------------


def test_cumulative_sums_keep_full_precision_beside_a_burst(store: HealthStore) -> None:
    # before 7acc79e the running sum of per-µs rates kept the burst's rounding residue:
    # the second hour summed 0.0416666639 instead of 1/24
    day = timedelta(days=1)
    start = datetime(2024, 6, 1, tzinfo=UTC)
    store.save(
        [
            QuantitySample(
                "stepCount", Quantity(10_000, "count"), start, start + timedelta(seconds=1)
            ),
            QuantitySample("stepCount", Quantity(1, "count"), start, start + day),
        ]
    )
    found = store.statistics_collection(
        "stepCount",
        anchor=start,
        interval="1h",
        start=start,
        end=start + timedelta(hours=2),
        options="sum",
    )
    assert close(value(found[0].sum, "count"), 10_000 + 1 / 24)
    assert close(value(found[1].sum, "count"), 1 / 24)


def test_live_results_equal_a_fresh_query_exactly(store: HealthStore) -> None:
    # before 7acc79e a bucket's sum carried rounding residue from samples outside it, so the
    # live bucket (0.3333333333333333) and a fresh query (0.3333333333333335) differed
    live = live_steps(store, [], "sum")
    store.save(steps(1, 0, 90))
    store.save(steps(1, 0, 5))
    assert live.results == fresh(store, "sum")


# --- known defects -------------------------------------------------------------------------


SYNC = {"HKMetadataKeySyncIdentifier": "walk-1", "HKMetadataKeySyncVersion": 1}


def test_a_sync_replacement_updates_the_buckets_it_leaves(store: HealthStore) -> None:
    calls: list[list[Statistics]] = []
    live = live_steps(store, calls, "sum")
    first = QuantitySample(
        "stepCount", Quantity(100, "count"), at(0), at(10), source=PHONE, metadata=SYNC
    )
    store.save(first)
    assert value(live.results[0].sum, "count") == 100
    moved = QuantitySample(
        "stepCount",
        Quantity(200, "count"),
        at(300),
        at(310),
        source=PHONE,
        metadata={**SYNC, "HKMetadataKeySyncVersion": 2},
    )
    store.save(moved)
    assert fresh(store, "sum")[0].sum is None  # the store has replaced it…
    assert live.results == fresh(store, "sum")  # …but the live results still hold 100 at 08:00
    assert [b.start for b in calls[-1]] == [at(0), at(300)]


def test_changing_the_source_priority_updates_live_collections(store: HealthStore) -> None:
    phone = Source("com.example.phone", "Alex's iPhone")
    watch = Source("com.example.watch", "Alex's Apple Watch")
    store.save(
        [
            QuantitySample("stepCount", Quantity(1000, "count"), at(0), at(10), source=phone),
            QuantitySample("stepCount", Quantity(800, "count"), at(5), at(15), source=watch),
        ]
    )
    delivered: list[list[Any]] = []
    live = store.live_statistics_collection(
        "stepCount",
        delivered.append,
        anchor=at(0),
        interval="1h",
        start=at(0),
        end=at(60),
        options="sum",
    )
    assert live.results[0].sum == Quantity(1300, "count")
    store.set_source_priority("stepCount", [phone.bundle_id, watch.bundle_id])
    assert live.results[0].sum == Quantity(1400, "count")
    assert [[b.sum for b in batch] for batch in delivered] == [[Quantity(1400, "count")]]
    live.stop()
