"""The checks payload kinds make of their values, each naming the field at fault, and the
JSON form of an optional quantity."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from healthstore import limits
from healthstore.errors import InvalidArgument
from healthstore.units import Quantity


def finite_number(
    value: object, field: str, low: float | None = None, high: float | None = None
) -> float:
    """A finite number (not a bool), within ``[low, high]`` where given, as a float."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InvalidArgument(f"{field} must be a finite number", field=field)
    if (low is not None and value < low) or (high is not None and value > high):
        raise InvalidArgument(f"{field} must lie in [{low}, {high}]", field=field)
    return float(value)


def optional_number(
    value: object, field: str, low: float | None = None, high: float | None = None
) -> float | None:
    """:func:`finite_number`, or None."""
    return None if value is None else finite_number(value, field, low, high)


def choice(value: object, allowed: Sequence[str], field: str) -> str:
    """``value``, which must be one of ``allowed``."""
    if value not in allowed:
        raise InvalidArgument(f"{field} must be one of {', '.join(allowed)}", field=field)
    assert isinstance(value, str)
    return value


def text_list(values: Sequence[object], field: str) -> tuple[str, ...]:
    """A list of non-empty strings within the text limits, as a tuple."""
    if isinstance(values, str) or not all(isinstance(v, str) and v for v in values):
        raise InvalidArgument(f"{field} must be a list of non-empty strings", field=field)
    limits.check_texts({f"{field}[{i}]": v for i, v in enumerate(values)})
    return tuple(str(v) for v in values)


def optional_quantity(value: object, unit: str, field: str) -> Quantity | None:
    """A non-negative quantity in a unit compatible with ``unit``, or None."""
    if value is None:
        return None
    if not isinstance(value, Quantity) or not value.is_compatible(unit):
        raise InvalidArgument(f"{field} must be a Quantity compatible with {unit!r}", field=field)
    if value.value < 0:
        raise InvalidArgument(f"{field} cannot be negative", field=field)
    return value


def quantity_json(q: Quantity | None) -> list[Any] | None:
    """An optional quantity as ``[value, unit]``."""
    return None if q is None else [q.value, q.unit.text]


def quantity_from_json(value: list[Any] | None) -> Quantity | None:
    """An optional quantity from ``[value, unit]``."""
    return None if value is None else Quantity(value[0], value[1])
