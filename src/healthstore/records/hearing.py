"""Audiograms: hearing sensitivity by frequency, per ear."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from healthstore.catalogue import Kind
from healthstore.errors import InvalidArgument
from healthstore.model import Device, Source, SourceRevision, UUIDLike
from healthstore.records.fields import finite_number, optional_number
from healthstore.records.payload import PayloadSample


@dataclass(frozen=True, slots=True)
class AudiogramPoint:
    """Hearing sensitivity at one frequency (Hz), per ear (dBHL); None where not tested."""

    frequency: float
    left: float | None = None
    right: float | None = None

    def __post_init__(self) -> None:
        finite_number(self.frequency, "points.frequency", 0)
        optional_number(self.left, "points.left")
        optional_number(self.right, "points.right")


class Audiogram(PayloadSample):
    """A hearing test: sensitivity points by frequency."""

    __slots__ = ("points",)
    kind = Kind.audiogram
    points: tuple[AudiogramPoint, ...]

    def __init__(
        self,
        start: datetime,
        end: datetime,
        points: Sequence[AudiogramPoint],
        *,
        source: Source | SourceRevision | None = None,
        device: Device | None = None,
        metadata: Mapping[str, Any] | None = None,
        uuid: UUIDLike | None = None,
    ) -> None:
        if not points:
            raise InvalidArgument("an audiogram needs at least one point", field="points")
        self._init_common("audiogram", start, end, source, device, metadata, uuid)
        object.__setattr__(self, "points", tuple(sorted(points, key=lambda p: p.frequency)))

    def payload(self) -> dict[str, Any]:
        return {"points": [[p.frequency, p.left, p.right] for p in self.points]}

    @classmethod
    def payload_fields(cls, payload: Mapping[str, Any]) -> dict[str, Any]:
        return {"points": tuple(AudiogramPoint(f, lt, rt) for f, lt, rt in payload["points"])}
