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
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from healthstore import HealthStore, Quantity, QuantitySample, Source
from healthstore.query.calendar import Interval
from healthstore.query.statistics import Statistics
from healthstore.store import OWNER_SOURCE
from tests.test_calendar import EPOCH, expected_edges, us

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
TYPES = {  # type: (aggregation style, canonical unit, value range)
    "stepCount": ("cumulative", "count", (0.0, 2000.0)),
    "heartRate": ("discreteTemporallyWeighted", "count/s", (0.5, 3.5)),
    "bodyMass": ("discreteArithmetic", "kg", (40.0, 150.0)),
    "environmentalAudioExposure": ("discreteEquivalentContinuousLevel", "dBASPL", (30.0, 110.0)),
}


@dataclass
class Scenario:
    zone: str
    base: int  # µs, near a DST change
    order: list[Source]  # the sources, in the order they are first saved
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
        rest.sort(key=lambda b: (KIND.get(b, 3), present.index(b)))
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
    anchor = datetime.combine(day, clock, tz)  # fold 0
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
        type_name, start=instant(lo, tz), end=instant(hi, tz), options=",".join(options)
    )
    (want,) = reference(scenario.recs, [lo, hi], rank, aggregation)
    check(one, want, unit, "single range")


@settings(
    max_examples=130,
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
    max_examples=60,
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
