"""Quantity and category samples: a measured amount, or a value from a type's enumeration."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from healthstore import limits
from healthstore.catalogue import Kind, ObjectType
from healthstore.errors import InvalidArgument
from healthstore.model.identity import UUIDLike
from healthstore.model.sample import Sample, type_of_kind
from healthstore.model.sources import Device, Source, SourceRevision
from healthstore.units import Quantity, Unit, parse_unit


def fitting_unit(t: ObjectType, unit: Unit | str, field: str) -> Unit:
    """``unit`` parsed, which must fit quantity type ``t``; else InvalidArgument naming
    ``field`` and the unit the type expects."""
    target = unit if isinstance(unit, Unit) else parse_unit(unit)
    assert t.canonical_unit is not None
    if not target.is_compatible(t.canonical_unit):
        shown = unit.text if isinstance(unit, Unit) else unit
        raise InvalidArgument(
            f"unit {shown!r} does not fit {t.short_name} "
            f"(expects a unit compatible with {t.canonical_unit!r})",
            field=field,
        )
    return target


class QuantitySample(Sample):
    """A measured amount: steps, heart rate, body mass…"""

    __slots__ = ("count", "quantity")
    kind = Kind.quantity
    quantity: Quantity
    count: int

    def __init__(
        self,
        type: str | ObjectType,
        quantity: Quantity,
        start: datetime,
        end: datetime | None = None,
        *,
        source: Source | SourceRevision | None = None,
        device: Device | None = None,
        metadata: Mapping[str, Any] | None = None,
        uuid: UUIDLike | None = None,
        count: int = 1,
    ) -> None:
        t = type_of_kind(type, Kind.quantity)
        if not isinstance(quantity, Quantity):
            raise InvalidArgument("quantity must be a Quantity", field="quantity")
        fitting_unit(t, quantity.unit, "quantity")
        limits.check_quantity(t, quantity, "quantity")
        if isinstance(count, bool) or not isinstance(count, int) or count < 1:
            raise InvalidArgument("count must be an integer >= 1", field="count")
        self._init_common(t, start, start if end is None else end, source, device, metadata, uuid)
        object.__setattr__(self, "quantity", quantity)
        object.__setattr__(self, "count", count)

    def _content(self) -> tuple[Any, ...]:
        return (*super()._content(), self.quantity, self.count)

    def _value_repr(self) -> str:
        return f"{self.quantity}, "


class CategorySample(Sample):
    """A value from a type's enumeration: a sleep stage, a symptom's severity…"""

    __slots__ = ("value",)
    kind = Kind.category
    value: int

    def __init__(
        self,
        type: str | ObjectType,
        value: int | str,
        start: datetime,
        end: datetime | None = None,
        *,
        source: Source | SourceRevision | None = None,
        device: Device | None = None,
        metadata: Mapping[str, Any] | None = None,
        uuid: UUIDLike | None = None,
    ) -> None:
        t = type_of_kind(type, Kind.category)
        assert t.value_enum is not None
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise InvalidArgument("value must be an int or a member name", field="value")
        raw = t.value_enum.parse(value)
        self._init_common(t, start, start if end is None else end, source, device, metadata, uuid)
        object.__setattr__(self, "value", raw)

    @property
    def label(self) -> str:
        """The enum member's name, e.g. ``AsleepREM``."""
        assert self.type.value_enum is not None
        return self.type.value_enum.label(self.value)

    def _content(self) -> tuple[Any, ...]:
        return (*super()._content(), self.value)

    def _value_repr(self) -> str:
        return f"{self.label}, "
