"""Limits on what one object may hold, in one place.

Metadata: at most :data:`MAX_METADATA_KEYS` keys, each key at most :data:`MAX_KEY_BYTES`,
each string value at most :data:`MAX_TEXT_BYTES`, and the whole at most
:data:`MAX_METADATA_BYTES` in its stored JSON form. Text fields (source, device, the names
of clinical records and documents, labels): at most :data:`MAX_TEXT_BYTES` each. Sizes are
UTF-8 bytes (one per ASCII character). Quantities: never below their type's ``min_value``
in the catalogue (``0`` for amounts; a temperature not below absolute zero).

Each check raises :class:`~healthstore.errors.InvalidArgument` naming the field and the
limit, never the value. (The HTTP server's own limits on requests are in
``server/limits.py``.)
"""

from __future__ import annotations

import math
from typing import Final

from healthstore.catalogue import ObjectType
from healthstore.errors import InvalidArgument
from healthstore.units import Quantity

MAX_METADATA_KEYS: Final = 256
MAX_METADATA_BYTES: Final = 64 * 1024
MAX_KEY_BYTES: Final = 256
MAX_TEXT_BYTES: Final = 4 * 1024


def utf8_size(text: str) -> int:
    """The length of ``text`` in UTF-8 bytes."""
    return len(text.encode("utf-8", "surrogatepass"))


def over(text: str, limit: int) -> bool:
    """Whether ``text`` is longer than ``limit`` UTF-8 bytes (without encoding short text:
    a character takes at most four bytes)."""
    return len(text) > limit or (len(text) * 4 > limit and utf8_size(text) > limit)


def check_text(value: str, field: str, limit: int = MAX_TEXT_BYTES) -> None:
    """``value`` is at most ``limit`` UTF-8 bytes long."""
    if over(value, limit):
        raise InvalidArgument(
            f"{field} is {utf8_size(value):,} bytes long; at most {limit:,} are allowed",
            field=field,
        )


def check_texts(field_values: dict[str, object]) -> None:
    """Each string among the values (keyed by field) is within :data:`MAX_TEXT_BYTES`."""
    for field, value in field_values.items():
        if isinstance(value, str):
            check_text(value, field)


def shown_key(key: str) -> str:
    """A metadata key as an error shows it: quoted, cut short when it is too long."""
    return repr(key if len(key) <= 64 else key[:64] + "…")


def check_key(key: str, field: str) -> None:
    """A metadata key is at most :data:`MAX_KEY_BYTES` long."""
    if over(key, MAX_KEY_BYTES):
        where = f"{field}[{shown_key(key)}]"
        raise InvalidArgument(
            f"{where}: the key is {utf8_size(key):,} bytes long; "
            f"keys hold at most {MAX_KEY_BYTES:,}",
            field=where,
        )


def check_key_count(count: int, field: str) -> None:
    """Metadata holds at most :data:`MAX_METADATA_KEYS` keys."""
    if count > MAX_METADATA_KEYS:
        raise InvalidArgument(
            f"{field} has {count:,} keys; at most {MAX_METADATA_KEYS:,} are allowed",
            field=field,
        )


def check_quantity(t: ObjectType, quantity: Quantity, field: str) -> None:
    """``quantity`` is not below the least value type ``t`` allows (its catalogue
    ``min_value``, in the canonical unit). Zero is always allowed."""
    least = t.min_value
    if least is None or least == -math.inf:
        return
    value = quantity.value
    if least == 0:
        # Amounts: every unit of theirs is a pure scale, so the sign does not change.
        if value < 0:
            raise InvalidArgument(f"{field}: {t.short_name} cannot be negative", field=field)
        return
    assert t.canonical_unit is not None
    if quantity.unit.text != t.canonical_unit:
        value = quantity.value_in(t.canonical_unit)
    if value < least:
        raise InvalidArgument(
            f"{field}: {t.short_name} cannot be below {least:g} {t.canonical_unit}",
            field=field,
        )


__all__ = [
    "MAX_KEY_BYTES",
    "MAX_METADATA_BYTES",
    "MAX_METADATA_KEYS",
    "MAX_TEXT_BYTES",
    "check_key",
    "check_key_count",
    "check_quantity",
    "check_text",
    "check_texts",
    "over",
    "shown_key",
    "utf8_size",
]
