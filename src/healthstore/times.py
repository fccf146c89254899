"""Instants as UTC microseconds, and the time-zone names samples keep.

A sample's start and end are stored as integer microseconds since the Unix epoch (UTC) plus
the name of the writer's time zone: an IANA key (``Europe/Paris``), ``UTC``, or a fixed offset
(``-08:00``) for writers that only knew an offset.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from healthstore.errors import InvalidArgument

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)
MAX_MICROS = 2**62  # far-future end: an undetermined duration


def require_aware(value: object, field: str) -> datetime:
    """``value`` as an aware datetime, or InvalidArgument naming ``field``."""
    if not isinstance(value, datetime):
        raise InvalidArgument(
            f"{field} must be a datetime, got {type(value).__name__}", field=field
        )
    if value.tzinfo is None or value.tzinfo.utcoffset(value) is None:
        raise InvalidArgument(
            f"{field} must be time-zone aware (got a naive datetime {value.isoformat()}); "
            "attach a zone, e.g. datetime(..., tzinfo=ZoneInfo('Europe/Paris'))",
            field=field,
        )
    return value


def to_micros(value: datetime) -> int:
    """Microseconds since the epoch of an aware datetime."""
    return (value - EPOCH) // MICROSECOND


def from_micros(micros: int, tz: tzinfo = UTC) -> datetime:
    """The aware datetime of an epoch-microsecond count, expressed in ``tz``."""
    return (EPOCH + timedelta(microseconds=micros)).astimezone(tz)


def zone_name(value: datetime) -> str:
    """The name under which a datetime's zone is stored."""
    tz = value.tzinfo
    if isinstance(tz, ZoneInfo):
        return tz.key
    offset = value.utcoffset() or timedelta(0)
    if tz is UTC or (isinstance(tz, timezone) and not offset):
        return "UTC"
    return format_offset(offset)


def format_offset(offset: timedelta) -> str:
    """``+HH:MM`` for an offset from UTC."""
    minutes = int(offset.total_seconds() // 60)
    sign = "-" if minutes < 0 else "+"
    minutes = abs(minutes)
    return f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"


@lru_cache(maxsize=1024)
def zone(name: str | None) -> tzinfo:
    """The tzinfo for a stored zone name (IANA key, ``UTC`` or ``±HH:MM``)."""
    if not name or name == "UTC":
        return UTC
    if name[0] in "+-" and len(name) == 6 and name[3] == ":":
        sign = -1 if name[0] == "-" else 1
        return timezone(sign * timedelta(hours=int(name[1:3]), minutes=int(name[4:6])))
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidArgument(f"unknown time zone {name!r}", field="tz") from None


def parse_instant(text: str, field: str, default_tz: tzinfo | None = None) -> datetime:
    """An aware datetime from ISO 8601 text; a date alone means its midnight.

    Text without an offset takes ``default_tz`` when given, else is an error naming ``field``.
    """
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise InvalidArgument(
            f"{field}: {text!r} is not an ISO 8601 date or time", field=field
        ) from None
    if value.tzinfo is None:
        if default_tz is None:
            raise InvalidArgument(f"{field}: {text!r} has no time-zone offset", field=field)
        value = value.replace(tzinfo=default_tz)
    return value
