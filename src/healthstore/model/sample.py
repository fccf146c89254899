"""What every sample has: type, start, end, uuid, source revision, device, metadata.

Every constructor checks what HealthKit checks on save and raises
:class:`~healthstore.errors.InvalidArgument` naming the field at fault. Objects read back from
storage are rebuilt without re-validation (:meth:`Sample._restore`).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any, ClassVar, Self
from uuid import UUID

from healthstore import catalogue
from healthstore import metadata as md
from healthstore.catalogue import Kind, ObjectType
from healthstore.errors import InvalidArgument
from healthstore.model.identity import UUIDLike, as_uuid
from healthstore.model.sources import Device, Source, SourceRevision, revision_of
from healthstore.times import require_aware, to_micros, zone_name


def _span(start: datetime, end: datetime) -> timedelta:
    """Real elapsed time (Python subtracts datetimes of one zone by wall clock, which is
    wrong across a DST change)."""
    return timedelta(microseconds=to_micros(end) - to_micros(start))


def type_of_kind(name: str | ObjectType, *kinds: Kind) -> ObjectType:
    """The catalogue's type ``name``, which must be of one of ``kinds``."""
    t = catalogue.object_type(name)
    if t.kind not in kinds:
        wanted = " or ".join(k.value for k in kinds)
        raise InvalidArgument(f"type {t.short_name} is a {t.kind} type, not {wanted}", field="type")
    return t


class Sample:
    """What every sample has: type, start, end, uuid, source revision, device, metadata."""

    __slots__ = ("device", "end", "metadata", "source_revision", "start", "type", "uuid")
    kind: ClassVar[Kind]
    type: ObjectType
    start: datetime
    end: datetime
    uuid: UUID
    source_revision: SourceRevision | None
    device: Device | None
    metadata: Mapping[str, Any]

    def _init_common(
        self,
        type_: str | ObjectType,
        start: datetime,
        end: datetime,
        source: Source | SourceRevision | None,
        device: Device | None,
        metadata: Mapping[str, Any] | None,
        uuid: UUIDLike | None,
    ) -> None:
        """Check and set the common fields; ``type_`` must be of the class's kind."""
        if not (isinstance(type_, ObjectType) and type_.kind is self.kind):
            type_ = type_of_kind(type_, self.kind)
        start = require_aware(start, "start")
        end = require_aware(end, "end")
        start_us, end_us = to_micros(start), to_micros(end)
        if start_us > end_us:
            raise InvalidArgument(
                f"start ({start.isoformat()}) is after end ({end.isoformat()})", field="start"
            )
        if type_.min_duration is not None or type_.max_duration is not None:
            duration = timedelta(microseconds=end_us - start_us)
            if type_.min_duration is not None and duration < type_.min_duration:
                raise InvalidArgument(
                    f"{type_.short_name} samples last at least {type_.min_duration}", field="end"
                )
            if type_.max_duration is not None and duration > type_.max_duration:
                limit = "start equal to end" if not type_.max_duration else type_.max_duration
                raise InvalidArgument(
                    f"{type_.short_name} samples must have {limit} (got {duration})", field="end"
                )
        if device is not None and not isinstance(device, Device):
            raise InvalidArgument("device must be a Device", field="device")
        meta = md.normalize(metadata)
        for key in type_.required_metadata:
            if key not in meta:
                raise InvalidArgument(
                    f"{type_.short_name} samples require metadata {key!r}", field="metadata"
                )
        set_ = object.__setattr__
        set_(self, "type", type_)
        set_(self, "start", start)
        set_(self, "end", end)
        set_(self, "uuid", as_uuid(uuid))
        set_(self, "source_revision", revision_of(source))
        set_(self, "device", device)
        set_(self, "metadata", meta)

    @classmethod
    def _restore(cls, **fields: Any) -> Self:
        """Rebuild a stored object without validation (its fields were checked on save)."""
        obj = object.__new__(cls)
        for key, value in fields.items():
            object.__setattr__(obj, key, value)
        return obj

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable")

    @property
    def source(self) -> Source | None:
        """The source (app or device) that wrote the sample."""
        return self.source_revision.source if self.source_revision else None

    @property
    def duration(self) -> timedelta:
        return _span(self.start, self.end)

    @property
    def sync_identifier(self) -> str | None:
        value = self.metadata.get(md.SYNC_IDENTIFIER)
        return None if value is None else str(value)

    @property
    def sync_version(self) -> int | float | None:
        value = self.metadata.get(md.SYNC_VERSION)
        return value if isinstance(value, int | float) else None

    def _content(self) -> tuple[Any, ...]:
        return (
            self.type.identifier,
            to_micros(self.start),
            to_micros(self.end),
            zone_name(self.start),
            self.source_revision,
            self.device,
            dict(self.metadata),
        )

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        assert isinstance(other, Sample)
        return self.uuid == other.uuid and self._content() == other._content()

    def __hash__(self) -> int:
        return hash(self.uuid)

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}({self.type.short_name}, {self._value_repr()}"
            f"{self.start.isoformat()} – {self.end.isoformat()}, uuid={self.uuid})"
        )

    def _value_repr(self) -> str:
        return ""
