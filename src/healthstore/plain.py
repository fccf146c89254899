"""Quantity and category samples as plain tuples, for bulk importers.

An Apple Health export holds millions of Records; building a validated
:class:`~healthstore.model.QuantitySample` for each costs more than storing it. An importer
that has checked a record exactly as the model's constructors would (the type's unit and
value rules, start before end, the type's durations and required metadata, metadata values
normalized) may hand the store a :data:`PlainSample` instead, already in the form a row is
made from. The store trusts it: producing one is a promise that the equivalent sample object
would have been built without error and would have encoded to the same row.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final
from uuid import UUID as _UUID

from healthstore.catalogue import Kind, ObjectType
from healthstore.model import CategorySample, Device, QuantitySample, Sample, SourceRevision
from healthstore.times import from_micros, zone
from healthstore.units import Quantity

PlainSample = tuple[
    ObjectType,  # TYPE: a quantity or category type
    bytes,  # UUID: the 16 bytes of the sample's uuid
    int,  # START: UTC microseconds
    int,  # END: UTC microseconds, >= START
    str,  # ZONE: the stored zone name of the start (times.zone_name)
    float | int,  # VALUE: the quantity in the type's canonical unit, or the category's raw value
    str | None,  # UNIT: the writer's unit text when it is not the canonical unit
    float | None,  # UNIT_VALUE: the value in that unit
    SourceRevision,  # REVISION
    Device | None,  # DEVICE
    Mapping[str, Any],  # METADATA: normalized (metadata.normalize), no sync identifier
]
"""One sample as a tuple; positions below. Tuples of one batch should share their revision,
device and metadata objects where they are equal: the store encodes each shared object
once."""

TYPE: Final = 0
UUID: Final = 1
START: Final = 2
END: Final = 3
ZONE: Final = 4
VALUE: Final = 5
UNIT: Final = 6
UNIT_VALUE: Final = 7
REVISION: Final = 8
DEVICE: Final = 9
METADATA: Final = 10


def to_sample(plain: PlainSample) -> Sample:
    """The sample object a plain sample stands for, built (and so validated) by its
    constructor."""
    t, uuid, start, end, zone_text, value, unit, unit_value, revision, device, meta = plain
    tz = zone(zone_text)
    common: dict[str, Any] = {
        "source": revision,
        "device": device,
        "metadata": meta,
        "uuid": _UUID(bytes=uuid),
    }
    start_at, end_at = from_micros(start, tz), from_micros(end, tz)
    if t.kind is Kind.quantity:
        assert t.canonical_unit is not None
        if unit is None:
            quantity = Quantity(value, t.canonical_unit)
        else:
            assert unit_value is not None
            quantity = Quantity(unit_value, unit)
        return QuantitySample(t, quantity, start_at, end_at, **common)
    assert isinstance(value, int)
    return CategorySample(t, value, start_at, end_at, **common)


__all__ = ["PlainSample", "to_sample"]
