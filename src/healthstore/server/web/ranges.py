"""The chart ranges of a type's page (D / W / M / 6M / Y), as windows in the person's time
zone: page 0 ends with the current bucket, page n is n windows back. Calendar arithmetic
is done on dates and wall-clock midnights, so a day across a DST change is 23 or 25 hours."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from healthstore.errors import InvalidArgument

RANGES = ("D", "W", "M", "6M", "Y")


@dataclass(frozen=True)
class Window:
    range: str
    start: datetime
    end: datetime
    interval: str
    label: str


def _at(day: date, zone: tzinfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone)


def _months_back(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)


def window(range_name: str, page: int, today: date, zone: tzinfo) -> Window:
    """The window of ``range_name`` ``page`` windows before the one holding ``today``."""
    if range_name not in RANGES:
        raise InvalidArgument(f"range must be one of {', '.join(RANGES)}", field="range")
    if page < 0:
        raise InvalidArgument("page must be 0 or more", field="page")
    if range_name == "D":
        day = today - timedelta(days=page)
        return Window(
            "D", _at(day, zone), _at(day + timedelta(days=1), zone), "1h", day.strftime("%-d %b %Y")
        )
    if range_name in ("W", "M"):
        length = 7 if range_name == "W" else 30
        last = today - timedelta(days=page * length)
        first = last - timedelta(days=length - 1)
        return Window(
            range_name,
            _at(first, zone),
            _at(last + timedelta(days=1), zone),
            "1d",
            f"{first.strftime('%-d %b')} – {last.strftime('%-d %b %Y')}",
        )
    if range_name == "6M":
        monday = today - timedelta(days=today.weekday()) - timedelta(weeks=26 * page)
        first = monday - timedelta(weeks=25)
        end = monday + timedelta(weeks=1)
        return Window(
            "6M",
            _at(first, zone),
            _at(end, zone),
            "1w",
            f"{first.strftime('%-d %b %Y')} – {(end - timedelta(days=1)).strftime('%-d %b %Y')}",
        )
    this_month = _months_back(today.replace(day=1), 12 * page)
    first = _months_back(this_month, 11)
    end = _months_back(this_month, -1)
    return Window(
        "Y",
        _at(first, zone),
        _at(end, zone),
        "1mo",
        f"{first.strftime('%b %Y')} – {this_month.strftime('%b %Y')}",
    )


def bucket_bounds(w: Window, zone: tzinfo) -> list[tuple[datetime, datetime]]:
    """The calendar buckets of ``w`` (hours, days, weeks or months in ``zone``), each a
    wall-clock step so that a day across a DST change is 23 or 25 hours long."""
    starts: list[datetime] = []
    day = w.start.astimezone(zone).date()
    end_day = w.end.astimezone(zone).date()
    if w.interval == "1h":
        first = w.start.astimezone(UTC)
        hours = round((w.end - w.start).total_seconds() / 3600)
        starts = [(first + timedelta(hours=i)).astimezone(zone) for i in range(hours)]
    elif w.interval in ("1d", "1w"):
        step = timedelta(days=1 if w.interval == "1d" else 7)
        while day < end_day:
            starts.append(_at(day, zone))
            day += step
    else:
        while day < end_day:
            starts.append(_at(day, zone))
            day = _months_back(day, -1)
    return list(zip(starts, [*starts[1:], w.end], strict=True))
