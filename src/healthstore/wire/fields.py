"""Reading JSON values: typed field access, and errors that name the JSON path.

Each reader raises :class:`~healthstore.errors.InvalidArgument` with ``field`` relative to
the object it reads; callers nest it under their own path with :func:`at`, so an error
deep inside a batch names e.g. ``samples[3].events[0].start``.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime, tzinfo
from typing import Any

from healthstore.errors import InvalidArgument
from healthstore.times import parse_instant
from healthstore.units import Quantity, parse_unit

JSONObject = dict[str, Any]


def nested(exc: InvalidArgument, prefix: str) -> InvalidArgument:
    """``exc`` with its field placed under ``prefix`` (and the message saying where)."""
    if not prefix:
        return exc
    if not exc.field:
        field = prefix
    else:
        field = f"{prefix}{'' if exc.field.startswith('[') else '.'}{exc.field}"
    return InvalidArgument(f"{prefix}: {exc.message}", field=field)


class at:  # noqa: N801 - used like a function: ``with at("events[0]"):``
    """Errors raised inside name their field under ``prefix``; a constructor's own prefix
    ``strip`` (e.g. ``event.``) is dropped from the field first. (A class rather than a
    generator context manager: it runs for every field of every uploaded sample.)"""

    __slots__ = ("prefix", "strip")

    def __init__(self, prefix: str, *, strip: str = "") -> None:
        self.prefix = prefix
        self.strip = strip

    def __enter__(self) -> None:
        return None

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: object
    ) -> None:
        if not isinstance(exc, InvalidArgument):
            return
        if self.strip and exc.field and exc.field.startswith(self.strip):
            exc = InvalidArgument(exc.message, field=exc.field.removeprefix(self.strip))
        raise nested(exc, self.prefix) from None


class as_field:  # noqa: N801
    """Errors raised inside are about ``name``, whatever field they named."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __enter__(self) -> None:
        return None

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: object
    ) -> None:
        if isinstance(exc, InvalidArgument):
            raise InvalidArgument(f"{self.name}: {exc.message}", field=self.name) from None


def json_object(
    value: object, allowed: Collection[str], what: str = "the value"
) -> Mapping[str, Any]:
    """``value`` as a JSON object whose keys are all in ``allowed``."""
    if not isinstance(value, Mapping):
        raise InvalidArgument(f"{what} must be a JSON object")
    for key in value:
        if key not in allowed:
            raise InvalidArgument(f"unknown field {key!r}", field=str(key))
    return value


def require(data: Mapping[str, Any], key: str) -> Any:
    """``data[key]``, which must be present and not null."""
    value = data.get(key)
    if value is None:
        raise InvalidArgument(f"{key} is required", field=key)
    return value


def text(data: Mapping[str, Any], key: str, *, required: bool = False) -> str | None:
    """A non-empty string, or None when absent (an error when ``required``)."""
    value = data.get(key)
    if value is None:
        if required:
            raise InvalidArgument(f"{key} is required", field=key)
        return None
    if not isinstance(value, str) or not value:
        raise InvalidArgument(f"{key} must be a non-empty string", field=key)
    return value


def boolean(data: Mapping[str, Any], key: str, default: bool = False) -> bool:
    """A JSON boolean (``default`` when absent or null)."""
    value = data.get(key)
    if value is None:
        return default
    if not isinstance(value, bool):
        raise InvalidArgument(f"{key} must be true or false", field=key)
    return value


def integer(data: Mapping[str, Any], key: str) -> int:
    """A required JSON integer."""
    value = require(data, key)
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidArgument(f"{key} must be an integer", field=key)
    return value


def number(value: object, field: str) -> float | int:
    """A JSON number (not a boolean) small enough for a float."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidArgument(f"{field} must be a number", field=field)
    check_range(value, field)
    return value


def array(data: Mapping[str, Any], key: str, *, required: bool = True) -> list[Any]:
    """A JSON array (empty when absent and not ``required``)."""
    value = data.get(key)
    if value is None and not required:
        return []
    if not isinstance(value, list):
        raise InvalidArgument(f"{key} must be a JSON array", field=key)
    return value


def check_range(value: object, field: str) -> None:
    """Integers too large for a float are refused here rather than overflowing later."""
    if isinstance(value, int) and not isinstance(value, bool):
        try:
            float(value)
        except OverflowError:
            raise InvalidArgument(f"{field} is out of range", field=field) from None


def parse_time(value: object, field: str, zone: tzinfo | None = None) -> datetime:
    """An instant from ISO 8601 text with an offset. When ``zone`` gives the same offset
    at that instant, the result is expressed in ``zone`` (so it prints and compares like
    the datetime that was written)."""
    if not isinstance(value, str) or not value:
        raise InvalidArgument(f"{field} must be ISO 8601 text with an offset", field=field)
    parsed = parse_instant(value, field)
    if zone is not None:
        zoned = parsed.astimezone(zone)
        if zoned.utcoffset() == parsed.utcoffset():
            return zoned
    return parsed


def instant(data: Mapping[str, Any], key: str, zone: tzinfo | None = None) -> datetime:
    """The required instant under ``key`` (see :func:`parse_time`)."""
    return parse_time(require(data, key), key, zone)


def optional_instant(
    data: Mapping[str, Any], key: str, zone: tzinfo | None = None
) -> datetime | None:
    """The instant under ``key``, or None when absent or null."""
    value = data.get(key)
    return None if value is None else parse_time(value, key, zone)


def quantity_from_json(value: object) -> Quantity:
    """A quantity from ``{"value": number, "unit": text}``."""
    data = json_object(value, ("value", "unit"), "a quantity")
    amount = number(require(data, "value"), "value")
    unit = parse_unit(text(data, "unit", required=True) or "")
    return Quantity(amount, unit)


def optional_quantity(data: Mapping[str, Any], key: str) -> Quantity | None:
    """The quantity under ``key``, or None when absent or null."""
    value = data.get(key)
    if value is None:
        return None
    with at(key):
        return quantity_from_json(value)


def metadata_from_json(value: object) -> dict[str, Any] | None:
    """Metadata in its plain JSON form: objects must be quantities ``{value, unit}``; other
    values pass through (dates stay ISO text). Errors name ``['key']``."""
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise InvalidArgument("metadata must be a JSON object")
    if not value:
        return None
    out: dict[str, Any] = {}
    for key, item in value.items():
        where = f"[{key!r}]"
        if isinstance(item, Mapping):
            if set(item) != {"value", "unit"}:
                raise InvalidArgument(
                    f"{where}: objects must be quantities {{value, unit}}", field=where
                )
            with as_field(where):
                item = quantity_from_json(item)
        out[key] = item
    return out
