"""Calendar buckets for statistics collections (spec §5): interval parsing, calendar arithmetic
across DST changes, months and years, buckets on both sides of the anchor, and a differential
property against a small wall-clock reference written here."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, tzinfo
from itertools import pairwise
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from healthstore import HealthStore
from healthstore.errors import DataSizeExceeded, InvalidArgument
from healthstore.query.calendar import MAX_BUCKETS, Calendar, Interval
from tests.conftest import PARIS

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICRO = timedelta(microseconds=1)
MINUTE_US = 60_000_000
HOUR_US = 60 * MINUTE_US
DAY_US = 24 * HOUR_US
NEW_YORK = ZoneInfo("America/New_York")
SAO_PAULO = ZoneInfo("America/Sao_Paulo")
LORD_HOWE = ZoneInfo("Australia/Lord_Howe")  # DST moves the clock by 30 minutes

# --- a wall-clock reference, independent of healthstore.query.calendar -------------------


def us(t: datetime) -> int:
    """Epoch microseconds of an aware datetime."""
    return (t - EPOCH) // MICRO


def wall_of(u: int, tz: tzinfo) -> datetime:
    """The naive wall-clock reading of instant ``u`` in ``tz``."""
    return (EPOCH + timedelta(microseconds=u)).astimezone(tz).replace(tzinfo=None)


def wall_instant(wall: datetime, tz: tzinfo) -> int:
    """The first instant whose wall clock in ``tz`` reads ``wall``; for a reading that never
    happens (skipped by a DST change), the first instant the clock reads later than it."""
    candidates = [us(wall.replace(tzinfo=tz, fold=f)) for f in (0, 1)]
    real = [u for u in candidates if wall_of(u, tz) == wall]
    if real:
        return min(real)
    u = min(candidates)  # interpreted with the later offset: before the jump
    u -= u % MINUTE_US
    while wall_of(u, tz) < wall:  # every transition here falls on a whole minute
        u += MINUTE_US
    return u


def add_months(d: date, months: int) -> date:
    """``d`` plus whole months, the day clamped to the month's length."""
    y, m = divmod(d.year * 12 + d.month - 1 + months, 12)
    day = d.day
    while True:
        try:
            return date(y, m + 1, day)
        except ValueError:
            day -= 1


FIXED_US = {"minutes": MINUTE_US, "hours": HOUR_US}


def expected_edge(anchor: datetime, interval: Interval, tz: tzinfo, k: int) -> int:
    """The start of bucket ``k`` (bucket 0 starts at the anchor), in microseconds."""
    if k == 0:
        return us(anchor)
    n = interval.count * k
    if interval.unit in FIXED_US:
        return us(anchor) + n * FIXED_US[interval.unit]
    wall = wall_of(us(anchor), tz)
    if interval.unit == "days":
        target = wall + timedelta(days=n)
    elif interval.unit == "weeks":
        target = wall + timedelta(days=7 * n)
    else:
        months = 12 * n if interval.unit == "years" else n
        target = datetime.combine(add_months(wall.date(), months), wall.time())
    return wall_instant(target, tz)


NOMINAL_US = {
    "minutes": MINUTE_US,
    "hours": HOUR_US,
    "days": DAY_US,
    "weeks": 7 * DAY_US,
    "months": 28 * DAY_US,
    "years": 365 * DAY_US,
}


def expected_edges(
    anchor: datetime, interval: Interval, tz: tzinfo, start_us: int, end_us: int
) -> list[int]:
    """Bucket boundaries covering [start, end): found by walking from well before ``start``."""
    step = NOMINAL_US[interval.unit] * interval.count
    k = (start_us - us(anchor)) // step
    while expected_edge(anchor, interval, tz, k) > start_us:
        k -= 1
    while expected_edge(anchor, interval, tz, k + 1) <= start_us:
        k += 1
    edges = [expected_edge(anchor, interval, tz, k)]
    while edges[-1] < end_us:
        k += 1
        edges.append(expected_edge(anchor, interval, tz, k))
    return edges


def boundaries(
    anchor: datetime, spec: str, tz: tzinfo, start: datetime, end: datetime
) -> list[datetime]:
    return Calendar(anchor, Interval.parse(spec), tz).buckets(start, end)


def local(tz: tzinfo, year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=tz)


def hours_between(edges: list[datetime]) -> list[float]:
    """Real elapsed hours between consecutive boundaries (not wall-clock differences)."""
    return [(us(b) - us(a)) / HOUR_US for a, b in pairwise(edges)]


PARIS_ANCHOR = datetime(2024, 3, 30, tzinfo=PARIS)


# --- Interval.parse ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "count", "unit"),
    [
        ("15min", 15, "minutes"),
        ("1m", 1, "minutes"),
        ("90 minutes", 90, "minutes"),
        ("1h", 1, "hours"),
        ("2hr", 2, "hours"),
        (" 3 Hours ", 3, "hours"),
        ("1d", 1, "days"),
        ("7day", 7, "days"),
        ("1w", 1, "weeks"),
        ("2wk", 2, "weeks"),
        ("1WEEK", 1, "weeks"),
        ("1mo", 1, "months"),
        ("3months", 3, "months"),
        ("1y", 1, "years"),
        ("1yr", 1, "years"),
        ("010d", 10, "days"),
    ],
)
def test_interval_parse_accepts_counts_of_units(spec: str, count: int, unit: str) -> None:
    assert Interval.parse(spec) == Interval(count, unit)


def test_interval_parse_accepts_intervals_and_whole_minute_timedeltas() -> None:
    i = Interval(2, "weeks")
    assert Interval.parse(i) is i
    assert Interval.parse(timedelta(minutes=90)) == Interval(90, "minutes")
    assert Interval.parse(timedelta(hours=2)) == Interval(120, "minutes")
    assert Interval.parse(timedelta(days=1)) == Interval(1440, "minutes")


@pytest.mark.parametrize(
    "spec",
    ["", "d", "0d", "-1d", "1.5h", "1 fortnight", "h1", "1 d 2 h", "15", "1mon th", "1 s"],
)
def test_interval_parse_refuses_other_strings(spec: str) -> None:
    with pytest.raises(InvalidArgument) as info:
        Interval.parse(spec)
    assert info.value.code == 3 and info.value.field == "interval"
    assert repr(spec) in info.value.message


@pytest.mark.parametrize(
    "spec", [timedelta(seconds=30), timedelta(minutes=1, seconds=1), timedelta(0), -timedelta(1)]
)
def test_interval_parse_refuses_timedeltas_that_are_not_positive_whole_minutes(
    spec: timedelta,
) -> None:
    with pytest.raises(InvalidArgument, match="whole minutes") as info:
        Interval.parse(spec)
    assert info.value.field == "interval"


@given(
    st.integers(1, 10_000),
    st.sampled_from(["minutes", "hours", "days", "weeks", "months", "years"]),
)
def test_interval_str_round_trips(count: int, unit: str) -> None:
    interval = Interval(count, unit)
    assert Interval.parse(str(interval)) == interval
    assert (interval.fixed is None) == (unit not in FIXED_US)


# --- days, weeks, months and years on the wall clock ---------------------------------------


@pytest.mark.parametrize(
    ("tz", "day", "hours"),
    [
        (PARIS, date(2024, 3, 31), 23),
        (PARIS, date(2024, 10, 27), 25),
        (NEW_YORK, date(2024, 3, 10), 23),
        (NEW_YORK, date(2024, 11, 3), 25),
        (PARIS, date(2024, 6, 1), 24),
    ],
)
def test_a_day_across_a_dst_change_is_23_or_25_hours(tz: tzinfo, day: date, hours: int) -> None:
    anchor = local(tz, 2024, 1, 1)
    start = datetime.combine(day - timedelta(days=1), time(12), tz)
    end = datetime.combine(day + timedelta(days=1), time(12), tz)
    edges = boundaries(anchor, "1d", tz, start, end)
    walls = [e.astimezone(tz).replace(tzinfo=None) for e in edges]
    assert [w.time() for w in walls] == [time(0)] * 4
    assert [w.date() for w in walls] == [day + timedelta(days=d) for d in (-1, 0, 1, 2)]
    assert hours_between(edges) == [24, hours, 24]


def test_day_buckets_through_the_store_have_23_and_25_hours(store: HealthStore) -> None:
    for day, hours in ((date(2024, 3, 31), 23), (date(2024, 10, 27), 25)):
        start = datetime.combine(day, time(0), PARIS)
        found = store.statistics_collection(
            "stepCount",
            anchor=local(PARIS, 2024, 1, 1),
            interval="1d",
            start=start,
            end=start + timedelta(hours=1),
            options="sum",
        )
        (bucket,) = found
        assert us(bucket.end) - us(bucket.start) == hours * HOUR_US
        assert not bucket.has_data and bucket.sum is None


def test_hours_are_fixed_lengths_across_dst() -> None:
    anchor = local(PARIS, 2024, 3, 31, 0, 0)
    edges = boundaries(anchor, "1h", PARIS, anchor, anchor + timedelta(hours=4))
    assert [us(b) - us(a) for a, b in pairwise(edges)] == [HOUR_US] * 3
    assert [e.astimezone(PARIS).hour for e in edges] == [0, 1, 3, 4]  # 02:00 never happened


def test_weekly_buckets_follow_the_anchor_weekday_and_time() -> None:
    anchor = local(PARIS, 2024, 3, 4, 6, 0)  # a Monday, 06:00
    edges = boundaries(anchor, "1w", PARIS, local(PARIS, 2024, 3, 20), local(PARIS, 2024, 4, 10))
    walls = [e.astimezone(PARIS) for e in edges]
    assert [w.date() for w in walls] == [date(2024, 3, 18) + timedelta(weeks=i) for i in range(5)]
    assert all(w.weekday() == 0 and w.time() == time(6) for w in walls)
    assert hours_between(edges) == [168, 167, 168, 168]


def test_monthly_buckets_clamp_to_month_ends_from_the_anchor() -> None:
    anchor = local(PARIS, 2024, 1, 31)
    edges = boundaries(anchor, "1mo", PARIS, local(PARIS, 2023, 11, 30), local(PARIS, 2024, 5, 2))
    assert [e.astimezone(PARIS).date() for e in edges] == [
        date(2023, 11, 30),
        date(2023, 12, 31),
        date(2024, 1, 31),
        date(2024, 2, 29),
        date(2024, 3, 31),  # from the anchor, not from Feb 29
        date(2024, 4, 30),
        date(2024, 5, 31),
    ]
    assert all(e.astimezone(PARIS).time() == time(0) for e in edges)


def test_quarterly_and_yearly_buckets() -> None:
    anchor = local(NEW_YORK, 2024, 2, 29, 8, 30)
    years = boundaries(anchor, "1y", NEW_YORK, local(NEW_YORK, 2023, 3, 1), anchor.replace(2028))
    assert [e.astimezone(NEW_YORK).date() for e in years] == [
        date(2023, 2, 28),
        date(2024, 2, 29),
        date(2025, 2, 28),
        date(2026, 2, 28),
        date(2027, 2, 28),
        date(2028, 2, 29),
    ]
    quarters = boundaries(
        local(PARIS, 2024, 1, 1), "3mo", PARIS, local(PARIS, 2024, 5, 1), local(PARIS, 2024, 12, 1)
    )
    assert [e.astimezone(PARIS).date().month for e in quarters] == [4, 7, 10, 1]


def test_buckets_extend_before_the_anchor() -> None:
    anchor = local(PARIS, 2024, 3, 30, 12, 0)
    edges = boundaries(anchor, "1d", PARIS, local(PARIS, 2024, 3, 26), local(PARIS, 2024, 3, 28))
    assert [e.astimezone(PARIS) for e in edges] == [
        local(PARIS, 2024, 3, 25, 12),
        local(PARIS, 2024, 3, 26, 12),
        local(PARIS, 2024, 3, 27, 12),
        local(PARIS, 2024, 3, 28, 12),
    ]
    minutes = boundaries(anchor, "15min", PARIS, anchor - timedelta(minutes=40), anchor)
    assert [e.astimezone(PARIS).minute for e in minutes] == [15, 30, 45, 0]


def test_a_range_that_starts_on_a_boundary_does_not_add_a_bucket() -> None:
    anchor = local(PARIS, 2024, 3, 30)
    edges = boundaries(anchor, "1d", PARIS, anchor, anchor + timedelta(days=1))
    assert edges == [anchor, anchor + timedelta(days=1)]


def test_the_range_must_not_be_empty() -> None:
    with pytest.raises(InvalidArgument, match="after its start"):
        boundaries(PARIS_ANCHOR, "1d", PARIS, PARIS_ANCHOR, PARIS_ANCHOR)


def test_a_midnight_that_did_not_exist_starts_at_the_first_instant_after_it() -> None:
    # On 2018-11-04 the clocks of Sao Paulo went from 23:59:59 straight to 01:00.
    anchor = local(SAO_PAULO, 2018, 11, 1)
    edges = boundaries(
        anchor, "1d", SAO_PAULO, local(SAO_PAULO, 2018, 11, 3, 5), anchor.replace(day=6)
    )
    assert [e.astimezone(SAO_PAULO).isoformat() for e in edges] == [
        "2018-11-03T00:00:00-03:00",
        "2018-11-04T01:00:00-02:00",
        "2018-11-05T00:00:00-02:00",
        "2018-11-06T00:00:00-02:00",
    ]
    assert us(edges[1]) == us(datetime(2018, 11, 4, 3, tzinfo=UTC))


def test_empty_buckets_are_enumerated_with_no_value(store: HealthStore) -> None:
    found = store.statistics_collection(
        "stepCount",
        anchor=local(SAO_PAULO, 2018, 11, 1),
        interval="1d",
        start=local(SAO_PAULO, 2018, 11, 3),
        end=local(SAO_PAULO, 2018, 11, 6),
        options=["cumulativeSum", "duration", "separateBySource"],
    )
    assert [b.start.astimezone(SAO_PAULO).isoformat() for b in found] == [
        "2018-11-03T00:00:00-03:00",
        "2018-11-04T01:00:00-02:00",
        "2018-11-05T00:00:00-02:00",
    ]
    assert [b.end for b in found[:-1]] == [b.start for b in found[1:]]
    for bucket in found:
        assert not bucket.has_data and bucket.sources == [] and bucket.by_source == {}
        assert bucket.sum is None and bucket.duration is None
    hr = store.statistics_collection(
        "heartRate",
        anchor=local(SAO_PAULO, 2018, 11, 1),
        interval="1d",
        start=local(SAO_PAULO, 2018, 11, 3),
        end=local(SAO_PAULO, 2018, 11, 4),
        options="avg,min,max,mostRecent",
    )
    (only,) = hr
    assert (only.average, only.minimum, only.maximum, only.most_recent) == (None,) * 4
    assert only.most_recent_start is None and only.most_recent_end is None


def test_the_collection_zone_defaults_to_the_anchors(tmp_path: Path) -> None:
    with HealthStore.create(tmp_path / "s") as s:
        anchor = local(NEW_YORK, 2024, 3, 9)
        end = anchor + timedelta(days=2)

        def days(anchor: datetime, tz: str | None) -> list[tuple[int, int]]:
            found = s.statistics_collection(
                "stepCount",
                anchor=anchor,
                interval="1d",
                start=anchor,
                end=end,
                options="sum",
                tz=tz,
            )
            return [(us(b.start), us(b.end)) for b in found]

        mine = days(anchor, None)
        utc = days(anchor.astimezone(UTC), "America/New_York")
        in_utc = days(anchor.astimezone(UTC), None)
    assert mine == utc
    assert [b - a for a, b in mine] == [DAY_US, DAY_US - HOUR_US]
    assert [b - a for a, b in in_utc] == [DAY_US, DAY_US]


def test_a_naive_anchor_is_refused(store: HealthStore) -> None:
    with pytest.raises(InvalidArgument) as info:
        store.statistics_collection(
            "stepCount",
            anchor=datetime(2024, 1, 1),
            interval="1d",
            start=PARIS_ANCHOR,
            end=PARIS_ANCHOR + timedelta(days=1),
            options="sum",
        )
    assert info.value.code == 3


def test_an_anchor_in_the_repeated_hour_is_a_boundary() -> None:
    # the second pass of 02:30 on 2024-10-27 in Paris; before 7acc79e bucket 0 began an hour
    # before it (the wall reading was re-resolved to its first pass)
    anchor = datetime(2024, 10, 27, 2, 30, fold=1, tzinfo=PARIS)
    assert anchor.utcoffset() == timedelta(hours=1)
    edges = boundaries(anchor, "1d", PARIS, anchor - timedelta(days=1), anchor + timedelta(days=1))
    assert [e.astimezone(PARIS).isoformat() for e in edges] == [
        "2024-10-26T02:30:00+02:00",
        "2024-10-27T02:30:00+01:00",
        "2024-10-28T02:30:00+01:00",
    ]
    assert us(edges[1]) == us(anchor)


def test_an_anchor_written_inside_a_dst_gap_is_the_instant_it_denotes() -> None:
    # before 7acc79e the never-shown reading 02:00 was kept, so later days began at 02:00
    written = datetime(2024, 3, 31, 2, 0, tzinfo=PARIS)  # Paris clocks never showed 02:00
    same = written.astimezone(UTC)
    assert us(written) == us(same) == us(datetime(2024, 3, 31, 1, tzinfo=UTC))
    end = same + timedelta(days=2)
    edges = boundaries(written, "1d", PARIS, same, end)
    assert [us(e) for e in edges] == [us(e) for e in boundaries(same, "1d", PARIS, same, end)]
    assert [e.astimezone(PARIS).hour for e in edges] == [3, 3, 3]


# --- the property --------------------------------------------------------------------------

ZONES = [PARIS, NEW_YORK, SAO_PAULO, LORD_HOWE, ZoneInfo("UTC"), ZoneInfo("Asia/Kolkata")]
SPECS = ["15min", "1h", "3h", "1d", "2d", "1w", "1mo", "3mo", "1y"]
# around the DST changes the zones above had in 2018 and 2024, and some other days
DAYS = [
    date(2018, 11, 4),
    date(2019, 2, 17),
    date(2024, 3, 10),
    date(2024, 3, 31),
    date(2024, 4, 7),
    date(2024, 10, 6),
    date(2024, 10, 27),
    date(2024, 11, 3),
    date(2024, 7, 15),
]


@st.composite
def anchors(draw: st.DrawFn) -> tuple[tzinfo, datetime]:
    tz = draw(st.sampled_from(ZONES))
    day = draw(st.sampled_from(DAYS)) + timedelta(days=draw(st.integers(-40, 40)))
    clock = time(draw(st.integers(0, 23)), draw(st.sampled_from([0, 0, 15, 30, 59])))
    # a written reading: either pass of a repeated one, or one inside a gap, in the zone or
    # converted to UTC (the anchor is the instant it denotes)
    written = datetime.combine(day, clock, tz).replace(fold=draw(st.sampled_from([0, 1])))
    return tz, written.astimezone(UTC) if draw(st.booleans()) else written


@settings(max_examples=300, deadline=None)
@given(
    anchors(),
    st.sampled_from(SPECS),
    st.sampled_from(DAYS),
    st.integers(-3 * DAY_US, 3 * DAY_US),
    st.integers(1, 40 * DAY_US),
)
def test_buckets_are_contiguous_and_follow_the_wall_clock(
    zoned: tuple[tzinfo, datetime], spec: str, day: date, offset: int, span: int
) -> None:
    tz, anchor = zoned
    start_us = us(datetime.combine(day, time(12), UTC)) + offset
    end_us = start_us + min(span, 3 * DAY_US if spec in ("15min", "1h") else span)
    start = (EPOCH + timedelta(microseconds=start_us)).astimezone(tz)
    end = (EPOCH + timedelta(microseconds=end_us)).astimezone(UTC)
    calendar = Calendar(anchor, Interval.parse(spec), tz)
    edges = [us(e) for e in calendar.buckets(start, end)]
    assert all(a < b for a, b in pairwise(edges))
    assert edges[0] <= start_us < edges[1]
    assert edges[-2] < end_us <= edges[-1]
    assert edges == expected_edges(anchor, Interval.parse(spec), tz, start_us, end_us)
    interval = Interval.parse(spec)
    first = calendar.index_of(start)
    for j, edge in enumerate(edges):
        assert calendar.index_of(EPOCH + timedelta(microseconds=edge)) == first + j
        if interval.unit == "days":  # the anchor's reading, or the first instant after it
            wanted = wall_of(us(anchor), tz).time()
            reading = wall_of(edge, tz)
            if reading.time() != wanted:
                target = datetime.combine(reading.date(), wanted)
                assert wall_of(edge - 1, tz) < target < reading


@settings(max_examples=60, deadline=None)
@given(
    st.integers(-30, 30).filter(lambda d: d != 3),  # not the day whose midnight is missing
    st.integers(0, 14),
    st.integers(1, 20),
)
def test_day_boundaries_are_local_midnights_in_sao_paulo(
    offset_days: int, start_day: int, days: int
) -> None:
    anchor = local(SAO_PAULO, 2018, 11, 1) + timedelta(days=offset_days)  # wall arithmetic
    start = local(SAO_PAULO, 2018, 10, 20, 12) + timedelta(days=start_day)
    edges = boundaries(anchor, "1d", SAO_PAULO, start, start + timedelta(days=days))
    for edge in edges:
        reading = edge.astimezone(SAO_PAULO)
        if reading.date() == date(2018, 11, 4):
            assert reading.time() == time(1) and us(edge) == us(
                datetime(2018, 11, 4, 3, tzinfo=UTC)
            )
        else:
            assert reading.time() == time(0)
    assert len(edges) == days + 2


def test_a_range_of_more_buckets_than_the_limit_is_refused_naming_the_interval() -> None:
    """Ten years of hours fit; one bucket more is 413 dataSizeExceeded naming ``interval``,
    decided before any bucket is built."""
    calendar = Calendar(EPOCH, Interval.parse("1h"), UTC)
    start = datetime(2020, 1, 1, tzinfo=UTC)
    assert len(calendar.buckets(start, start + timedelta(hours=MAX_BUCKETS))) == MAX_BUCKETS + 1
    with pytest.raises(DataSizeExceeded) as refused:
        calendar.buckets(start, start + timedelta(hours=MAX_BUCKETS + 1))
    assert refused.value.field == "interval"
    assert f"{MAX_BUCKETS + 1:,} buckets" in str(refused.value)
