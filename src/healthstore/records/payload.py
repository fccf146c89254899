"""The base of every payload kind: a sample whose kind-specific content is plain data,
validated at construction and stored as JSON beside the sample row."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, ClassVar

from healthstore.catalogue import Kind, ObjectType
from healthstore.model import Device, Sample, Source, SourceRevision, UUIDLike
from healthstore.model.sample import type_of_kind


class PayloadSample(Sample):
    """A sample whose kind-specific content travels as a JSON payload."""

    __slots__ = ()
    kinds: ClassVar[tuple[Kind, ...]]

    def _init_sample(
        self,
        type: str | ObjectType,
        start: datetime,
        end: datetime,
        source: Source | SourceRevision | None,
        device: Device | None,
        metadata: Mapping[str, Any] | None,
        uuid: UUIDLike | None,
    ) -> None:
        t = type_of_kind(type, *self.kinds)
        self._init_common(t, start, end, source, device, metadata, uuid)

    def payload(self) -> dict[str, Any]:
        """The kind-specific content as JSON-ready data."""
        raise NotImplementedError

    @classmethod
    def payload_fields(cls, payload: Mapping[str, Any]) -> dict[str, Any]:
        """Slot values rebuilt from a stored payload."""
        raise NotImplementedError

    def _content(self) -> tuple[Any, ...]:
        return (*super()._content(), self.payload())
