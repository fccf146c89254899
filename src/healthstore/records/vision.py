"""Vision prescriptions: glasses or contact lenses, per eye."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from healthstore.catalogue import Kind
from healthstore.errors import InvalidArgument
from healthstore.model import Device, Source, SourceRevision, UUIDLike
from healthstore.records.fields import choice, finite_number
from healthstore.records.payload import PayloadSample
from healthstore.times import require_aware

EYE_FIELDS = (
    "sphere",
    "cylinder",
    "axis",
    "add",
    "vertex",
    "prism_amount",
    "prism_angle",
    "far_pupillary_distance",
    "near_pupillary_distance",
    "base_curve",
    "diameter",
)


class VisionPrescription(PayloadSample):
    """Glasses or contact lenses: per-eye values (diopters, degrees, millimetres)."""

    __slots__ = ("expiration", "left_eye", "prescription_type", "right_eye")
    kind = Kind.visionPrescription
    prescription_type: str
    expiration: datetime | None
    right_eye: Mapping[str, float]
    left_eye: Mapping[str, float]

    def __init__(
        self,
        issued: datetime,
        *,
        prescription_type: str,
        right_eye: Mapping[str, float],
        left_eye: Mapping[str, float],
        expiration: datetime | None = None,
        source: Source | SourceRevision | None = None,
        device: Device | None = None,
        metadata: Mapping[str, Any] | None = None,
        uuid: UUIDLike | None = None,
    ) -> None:
        self._init_common("visionPrescription", issued, issued, source, device, metadata, uuid)
        set_ = object.__setattr__
        set_(
            self,
            "prescription_type",
            choice(prescription_type, ("glasses", "contacts"), "prescription_type"),
        )
        set_(
            self,
            "expiration",
            None if expiration is None else require_aware(expiration, "expiration"),
        )
        set_(self, "right_eye", _eye(right_eye, "right_eye"))
        set_(self, "left_eye", _eye(left_eye, "left_eye"))

    def payload(self) -> dict[str, Any]:
        return {
            "prescription_type": self.prescription_type,
            "expiration": None if self.expiration is None else self.expiration.isoformat(),
            "right_eye": dict(self.right_eye),
            "left_eye": dict(self.left_eye),
        }

    @classmethod
    def payload_fields(cls, payload: Mapping[str, Any]) -> dict[str, Any]:
        expiration = payload["expiration"]
        return {
            "prescription_type": payload["prescription_type"],
            "expiration": None if expiration is None else datetime.fromisoformat(expiration),
            "right_eye": dict(payload["right_eye"]),
            "left_eye": dict(payload["left_eye"]),
        }


def _eye(values: Mapping[str, float], field: str) -> dict[str, float]:
    if not isinstance(values, Mapping):
        raise InvalidArgument(f"{field} must be a mapping", field=field)
    out = {}
    for key, value in values.items():
        if key not in EYE_FIELDS:
            raise InvalidArgument(
                f"{field}: unknown value {key!r} (allowed: {', '.join(EYE_FIELDS)})", field=field
            )
        out[key] = finite_number(value, f"{field}.{key}")
    return out
