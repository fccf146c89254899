"""Calendar buckets for statistics collections (spec §5).

Buckets start at an anchor and repeat every interval, in both directions, without gaps.
Minutes and hours are fixed lengths of time; days, weeks, months and years are calendar
arithmetic on the wall clock of the caller's time zone, so a day that crosses a DST change
lasts 23 or 25 hours and a month is a month. A wall-clock time that does not exist (inside a
spring-forward gap) moves to the first instant after the gap; one that exists twice (the
autumn repeat) is its first occurrence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo

from healthstore.errors import DataSizeExceeded, InvalidArgument
from healthstore.times import MICROSECOND as _MICROSECOND
from healthstore.times import from_micros, require_aware, to_micros

_UNITS = {
    "min": "minutes",
    "m": "minutes",
    "minute": "minutes",
    "minutes": "minutes",
    "h": "hours",
    "hr": "hours",
    "hour": "hours",
    "hours": "hours",
    "d": "days",
    "day": "days",
    "days": "days",
    "w": "weeks",
    "wk": "weeks",
    "week": "weeks",
    "weeks": "weeks",
    "mo": "months",
    "month": "months",
    "months": "months",
    "y": "years",
    "yr": "years",
    "year": "years",
    "years": "years",
}
MAX_BUCKETS = 200_000  # a year of 5-minute buckets; more is an export, not a collection

_SPEC = re.compile(r"^\s*(\d+)\s*([a-z]+)\s*$")


@dataclass(frozen=True)
class Interval:
    """A bucket length: a count of one calendar unit."""

    count: int
    unit: str  # minutes, hours, days, weeks, months, years

    @classmethod
    def parse(cls, spec: str | Interval | timedelta) -> Interval:
        """``"15min"``, ``"1h"``, ``"1d"``, ``"1w"``, ``"1mo"``, ``"1y"`` (or an Interval, or a
        timedelta of whole minutes)."""
        if isinstance(spec, Interval):
            return spec
        if isinstance(spec, timedelta):
            minutes, rest = divmod(spec, timedelta(minutes=1))
            if rest or minutes <= 0:
                raise InvalidArgument("an interval must be whole minutes", field="interval")
            return cls(int(minutes), "minutes")
        match = _SPEC.match(str(spec).lower())
        unit = _UNITS.get(match.group(2)) if match else None
        if match is None or unit is None or int(match.group(1)) <= 0:
            raise InvalidArgument(
                f"interval {spec!r} is not like 15min, 1h, 1d, 1w, 1mo or 1y", field="interval"
            )
        return cls(int(match.group(1)), unit)

    @property
    def fixed(self) -> timedelta | None:
        """The length when it does not depend on the calendar (minutes, hours)."""
        if self.unit == "minutes":
            return timedelta(minutes=self.count)
        if self.unit == "hours":
            return timedelta(hours=self.count)
        return None

    def __str__(self) -> str:
        short = {
            "minutes": "min",
            "hours": "h",
            "days": "d",
            "weeks": "w",
            "months": "mo",
            "years": "y",
        }
        return f"{self.count}{short[self.unit]}"


def _months(d: date, months: int) -> date:
    index = d.year * 12 + (d.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    last = (date(year + (month == 12), month % 12 + 1, 1) - timedelta(days=1)).day
    return date(year, month, min(d.day, last))


def resolve(naive: datetime, tz: tzinfo) -> datetime:
    """The instant of a wall-clock time in ``tz``: a time that exists twice is its first
    occurrence; one inside a gap becomes the first instant after the gap."""
    aware = naive.replace(tzinfo=tz, fold=0)
    if aware.astimezone(UTC).astimezone(tz).replace(tzinfo=None) == naive:
        return aware
    # In a gap: the offsets before and after bracket the transition; find it by bisection
    # (transitions fall on whole seconds).
    a = to_micros(naive.replace(tzinfo=tz, fold=0)) // 1_000_000
    b = to_micros(naive.replace(tzinfo=tz, fold=1)) // 1_000_000
    lo, hi = min(a, b), max(a, b)
    after = _offset(hi, tz)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if _offset(mid, tz) == after:
            hi = mid
        else:
            lo = mid
    return datetime.fromtimestamp(hi, tz)


def _offset(seconds: int, tz: tzinfo) -> timedelta | None:
    return datetime.fromtimestamp(seconds, tz).utcoffset()


class Calendar:
    """Bucket arithmetic for one anchor, interval and time zone."""

    def __init__(self, anchor: datetime, interval: Interval, tz: tzinfo) -> None:
        self.interval = interval
        self.tz = tz
        self._anchor_us = to_micros(require_aware(anchor, "anchor"))
        self.anchor = from_micros(self._anchor_us, tz)  # the wall time the zone really shows
        self._wall = self.anchor.replace(tzinfo=None)

    def boundary(self, k: int) -> datetime:
        """The start of bucket ``k`` (bucket 0 starts at the anchor)."""
        if k == 0:  # the anchor itself, even in the second pass of a repeated hour
            return self.anchor
        fixed = self.interval.fixed
        if fixed is not None:  # fixed lengths count real time, not the wall clock
            return from_micros(self._anchor_us + k * (fixed // _MICROSECOND), self.tz)
        n = self.interval.count * k
        unit = self.interval.unit
        if unit == "days":
            wall = self._wall + timedelta(days=n)
        elif unit == "weeks":
            wall = self._wall + timedelta(weeks=n)
        else:
            months = n * 12 if unit == "years" else n
            wall = datetime.combine(_months(self._wall.date(), months), self._wall.time())
        return resolve(wall, self.tz)

    def index_of(self, instant: datetime) -> int:
        """The bucket holding ``instant``."""
        target = to_micros(instant)
        fixed = self.interval.fixed
        if fixed is not None:
            return (target - self._anchor_us) // (fixed // _MICROSECOND)
        # Estimate from the mean length, then step to the exact bucket.
        mean = {"days": 1, "weeks": 7, "months": 30.436875, "years": 365.2425}[self.interval.unit]
        span = mean * self.interval.count * 86_400_000_000
        k = int((target - self._anchor_us) // span)
        while to_micros(self.boundary(k)) > target:
            k -= 1
        while to_micros(self.boundary(k + 1)) <= target:
            k += 1
        return k

    def buckets(self, start: datetime, end: datetime) -> list[datetime]:
        """Boundaries of the buckets that cover [start, end): first start … last end."""
        if to_micros(end) <= to_micros(start):
            raise InvalidArgument("the range's end must be after its start", field="end")
        first = self.index_of(start)
        last = self.index_of(from_micros(to_micros(end) - 1))
        if last - first + 1 > MAX_BUCKETS:
            raise DataSizeExceeded(
                f"the range holds {last - first + 1:,} buckets; at most {MAX_BUCKETS:,} can be "
                "asked for at once (use a longer interval or a shorter range)",
                field="interval",
            )
        return [self.boundary(k) for k in range(first, last + 2)]
