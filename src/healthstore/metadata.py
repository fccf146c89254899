"""Sample metadata: validation, key normalization and the JSON form it is stored in.

Keys are strings. HealthKit's keys may be given by constant (``HKMetadataKeyTimeZone``) or
raw key (``HKTimeZone``) and are kept under the raw key, the form Apple's exports use, so
that a predicate on either form finds both. Values are str, int, float, bool, aware datetimes
or :class:`~healthstore.units.Quantity`; HealthKit's own keys are checked against the kind
of value they hold (enum members, booleans, quantities, strings, numbers). Sizes are bounded
(:mod:`healthstore.limits`): keys, strings, the number of keys and the stored JSON.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from healthstore import catalogue, limits
from healthstore.errors import InvalidArgument
from healthstore.times import require_aware
from healthstore.units import Quantity

SYNC_IDENTIFIER = "HKMetadataKeySyncIdentifier"
SYNC_VERSION = "HKMetadataKeySyncVersion"
TIME_ZONE = "HKTimeZone"
WAS_USER_ENTERED = "HKWasUserEntered"
EXTERNAL_UUID = "HKExternalUUID"

MetadataValue = str | int | float | bool | datetime | Quantity
Metadata = Mapping[str, MetadataValue]


def canonical_key(key: str) -> str:
    """The stored form of a metadata key."""
    known = catalogue.metadata_key(key)
    return known.raw_key if known is not None else key


def normalize(metadata: Mapping[str, Any] | None, field: str = "metadata") -> dict[str, Any]:
    """A validated copy of ``metadata`` with canonical keys; errors name the key."""
    if not metadata:
        return {}
    if not isinstance(metadata, Mapping):
        raise InvalidArgument(f"{field} must be a mapping of str keys", field=field)
    limits.check_key_count(len(metadata), field)
    out: dict[str, Any] = {}
    for key, value in metadata.items():
        if not isinstance(key, str) or not key:
            raise InvalidArgument(f"{field} keys must be non-empty strings: {key!r}", field=field)
        limits.check_key(key, field)
        where = f"{field}[{key!r}]"
        _check_value(value, where)
        known = catalogue.metadata_key(key)
        if known is not None:
            value = _check_known(known, value, where)
            key = known.raw_key
        if key in out:
            raise InvalidArgument(f"{field} repeats key {key!r} under two names", field=field)
        out[key] = value
    has_id, has_version = SYNC_IDENTIFIER in out, SYNC_VERSION in out
    if has_id != has_version:
        raise InvalidArgument(
            f"{field}: {SYNC_IDENTIFIER} and {SYNC_VERSION} must be set together", field=field
        )
    if _size_bound(out) > limits.MAX_METADATA_BYTES:
        _check_size(out, field)
    return out


def _check_value(value: object, where: str) -> None:
    if isinstance(value, str):
        limits.check_text(value, where)
        return
    if isinstance(value, bool | Quantity):
        return
    if isinstance(value, int):
        try:
            float(value)
        except OverflowError:
            raise InvalidArgument(f"{where} is out of range", field=where) from None
        return
    if isinstance(value, float):
        if not math.isfinite(value):
            raise InvalidArgument(f"{where} must be a finite number", field=where)
        return
    if isinstance(value, datetime):
        require_aware(value, where)
        return
    raise InvalidArgument(
        f"{where} has a value of type {type(value).__name__}; "
        "allowed: str, int, float, bool, datetime, Quantity",
        field=where,
    )


def _check_known(key: catalogue.MetadataKey, value: Any, where: str) -> Any:
    kind = key.value_kind
    if kind == "boolean":
        if isinstance(value, bool):
            return value
        if isinstance(value, int) and value in (0, 1):
            return bool(value)
        raise InvalidArgument(f"{where} must be a boolean", field=where)
    if kind == "enum" and key.enum is not None:
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise InvalidArgument(f"{where} must be a member of {key.enum.name}", field=where)
        return key.enum.parse(value)
    if kind == "quantity" and not isinstance(value, Quantity):
        raise InvalidArgument(f"{where} must be a Quantity", field=where)
    if kind == "string" and not isinstance(value, str):
        raise InvalidArgument(f"{where} must be a string", field=where)
    if kind == "number" and (isinstance(value, bool) or not isinstance(value, int | float)):
        raise InvalidArgument(f"{where} must be a number", field=where)
    return value


def _size_bound(metadata: Mapping[str, Any]) -> int:
    """An upper bound of the stored JSON's size in bytes, cheap to work out (JSON spells a
    character in at most six bytes)."""
    total = 2
    for key, value in metadata.items():
        total += 6 * len(key) + 4
        if isinstance(value, str):
            total += 6 * len(value) + 2
        elif isinstance(value, Quantity):
            total += 48 + 6 * len(value.unit.text)
        elif isinstance(value, int) and not isinstance(value, bool):
            total += value.bit_length() // 3 + 2
        else:  # a float, a boolean or a date
            total += 80
    return total


def _check_size(metadata: Mapping[str, Any], field: str) -> None:
    size = len((to_json(metadata) or "").encode("utf-8", "surrogatepass"))
    if size > limits.MAX_METADATA_BYTES:
        largest = max(metadata, key=lambda k: len(to_json({k: metadata[k]}) or ""))
        raise InvalidArgument(
            f"{field} takes {size:,} bytes as stored JSON; at most "
            f"{limits.MAX_METADATA_BYTES:,} are allowed (the largest entry is "
            f"{limits.shown_key(largest)})",
            field=field,
        )


def sync_identity(metadata: Mapping[str, Any]) -> tuple[str, int | float] | None:
    """(sync identifier, sync version) when both are set."""
    if SYNC_IDENTIFIER not in metadata:
        return None
    ident, version = metadata[SYNC_IDENTIFIER], metadata[SYNC_VERSION]
    return str(ident), version


def to_json(metadata: Mapping[str, Any]) -> str | None:
    """The stored JSON text (None for empty metadata). Dates and quantities are tagged."""
    if not metadata:
        return None
    return json.dumps(
        {k: _encode(v) for k, v in metadata.items()},
        separators=(",", ":"),
        sort_keys=True,
        ensure_ascii=False,
    )


def _encode(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"$date": value.isoformat()}
    if isinstance(value, Quantity):
        return {"$quantity": [value.value, value.unit.text]}
    return value


def from_json(text: str | None) -> dict[str, Any]:
    """Metadata back from its stored JSON text."""
    if not text:
        return {}
    return {k: _decode(v) for k, v in json.loads(text).items()}


def _decode(value: Any) -> Any:
    if isinstance(value, dict):
        if "$date" in value:
            return datetime.fromisoformat(value["$date"])
        if "$quantity" in value:
            number, unit = value["$quantity"]
            return Quantity(number, unit)
    return value


def to_plain(metadata: Mapping[str, Any]) -> dict[str, Any]:
    """JSON-ready metadata for the CLI and API (dates as ISO text, quantities as
    ``{"value", "unit"}``)."""
    out: dict[str, Any] = {}
    for key, value in metadata.items():
        if isinstance(value, datetime):
            out[key] = value.isoformat()
        elif isinstance(value, Quantity):
            out[key] = {"value": value.value, "unit": value.unit.text}
        else:
            out[key] = value
    return out
