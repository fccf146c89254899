"""Correlations: samples that belong together (a blood-pressure reading, a meal)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from healthstore.catalogue import Kind, ObjectType
from healthstore.errors import InvalidArgument
from healthstore.model.identity import UUIDLike
from healthstore.model.measures import CategorySample, QuantitySample
from healthstore.model.sample import Sample, type_of_kind
from healthstore.model.sources import Device, Source, SourceRevision

_CORRELATION_MEMBERS = {
    "HKCorrelationTypeIdentifierBloodPressure": frozenset(
        {
            "HKQuantityTypeIdentifierBloodPressureSystolic",
            "HKQuantityTypeIdentifierBloodPressureDiastolic",
        }
    ),
}


class Correlation(Sample):
    """Samples that belong together: a blood-pressure reading, a meal."""

    __slots__ = ("objects",)
    kind = Kind.correlation
    objects: tuple[Sample, ...]

    def __init__(
        self,
        type: str | ObjectType,
        start: datetime,
        end: datetime,
        objects: Sequence[Sample],
        *,
        source: Source | SourceRevision | None = None,
        device: Device | None = None,
        metadata: Mapping[str, Any] | None = None,
        uuid: UUIDLike | None = None,
    ) -> None:
        t = type_of_kind(type, Kind.correlation)
        members = tuple(objects)
        if not members:
            raise InvalidArgument(f"a {t.short_name} correlation needs members", field="objects")
        for i, member in enumerate(members):
            if not isinstance(member, QuantitySample | CategorySample):
                raise InvalidArgument(
                    f"objects[{i}] must be a quantity or category sample", field="objects"
                )
            if not _fits_correlation(t, member.type):
                raise InvalidArgument(
                    f"objects[{i}] ({member.type.short_name}) cannot belong to a "
                    f"{t.short_name} correlation",
                    field=f"objects[{i}]",
                )
        self._init_common(t, start, end, source, device, metadata, uuid)
        object.__setattr__(self, "objects", members)

    def _content(self) -> tuple[Any, ...]:
        return (*super()._content(), tuple(sorted(str(m.uuid) for m in self.objects)))

    def _value_repr(self) -> str:
        return f"{len(self.objects)} objects, "


def _fits_correlation(correlation: ObjectType, member: ObjectType) -> bool:
    allowed = _CORRELATION_MEMBERS.get(correlation.identifier)
    if allowed is not None:
        return member.identifier in allowed
    return member.short_name.startswith("dietary")
