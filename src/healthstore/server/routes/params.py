"""Query parameters shared by the routes: times, type lists, predicates, cursors."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from datetime import UTC, date, datetime

import orjson

from healthstore.errors import InvalidArgument
from healthstore.query.predicates import Predicate
from healthstore.server.jsonio import parse_json
from healthstore.times import parse_instant
from healthstore.wire import predicate_from_json


def _in_range(value: datetime, field: str) -> datetime:
    """An instant the store can hold: its UTC form lies within years 1 to 9999."""
    try:
        value.astimezone(UTC)
    except OverflowError:
        raise InvalidArgument(f"{field} is out of range", field=field) from None
    return value


def instant(text: str | None, field: str) -> datetime | None:
    return None if text is None else _in_range(parse_instant(text, field), field)


def required_instant(text: str | None, field: str) -> datetime:
    if text is None:
        raise InvalidArgument(f"{field} is required", field=field)
    return _in_range(parse_instant(text, field), field)


def day(text: str, field: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidArgument(f"{field} {text!r} is not a date (YYYY-MM-DD)", field=field) from None


def names(values: Sequence[str] | None) -> list[str]:
    """Values given repeated (``type=a&type=b``) or comma-separated (``type=a,b``)."""
    return [part.strip() for value in values or () for part in value.split(",") if part.strip()]


def predicate(text: str | None) -> Predicate | None:
    """A predicate given as JSON text (see the API docs for its shapes)."""
    if text is None or not text.strip():
        return None
    return predicate_from_json(parse_json(text.encode("utf-8"), "predicate"), field="predicate")


MAX_OFFSET = 2**31


def offset_value(offset: int) -> int:
    if not 0 <= offset <= MAX_OFFSET:
        raise InvalidArgument(f"offset must be 0..{MAX_OFFSET}", field="offset")
    return offset


def encode_cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(orjson.dumps({"offset": offset})).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int:
    """The offset a cursor stands for (0 without one)."""
    if not cursor:
        return 0
    try:
        data = orjson.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        offset = data["offset"]
    except (binascii.Error, ValueError, KeyError, TypeError):
        raise InvalidArgument("cursor is not one this server gave out", field="cursor") from None
    if not isinstance(offset, int) or not 0 <= offset <= MAX_OFFSET:
        raise InvalidArgument("cursor is not one this server gave out", field="cursor")
    return offset
