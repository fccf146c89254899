"""The heart's payload kinds: beat-to-beat series and electrocardiograms."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from healthstore.catalogue import Kind
from healthstore.errors import InvalidArgument
from healthstore.model import Device, Source, SourceRevision, UUIDLike
from healthstore.records.fields import (
    choice,
    finite_number,
    optional_quantity,
    quantity_from_json,
    quantity_json,
)
from healthstore.records.payload import PayloadSample
from healthstore.units import Quantity


@dataclass(frozen=True, slots=True)
class Heartbeat:
    """One beat: seconds since the series started, and whether a gap in measurement came
    before it."""

    time_since_start: float
    preceded_by_gap: bool = False


class HeartbeatSeries(PayloadSample):
    """Beat-to-beat timing (the data behind heart-rate variability)."""

    __slots__ = ("beats",)
    kind = Kind.heartbeatSeries
    beats: tuple[Heartbeat, ...]

    def __init__(
        self,
        start: datetime,
        end: datetime,
        beats: Sequence[Heartbeat],
        *,
        source: Source | SourceRevision | None = None,
        device: Device | None = None,
        metadata: Mapping[str, Any] | None = None,
        uuid: UUIDLike | None = None,
    ) -> None:
        self._init_common("heartbeatSeries", start, end, source, device, metadata, uuid)
        span = self.duration.total_seconds()
        previous = -1.0
        for i, beat in enumerate(beats):
            t = finite_number(beat.time_since_start, f"beats[{i}].time_since_start", 0, span)
            if t < previous:
                raise InvalidArgument("beats must be in time order", field=f"beats[{i}]")
            previous = t
        object.__setattr__(self, "beats", tuple(beats))

    def payload(self) -> dict[str, Any]:
        return {"beats": [[b.time_since_start, b.preceded_by_gap] for b in self.beats]}

    @classmethod
    def payload_fields(cls, payload: Mapping[str, Any]) -> dict[str, Any]:
        return {"beats": tuple(Heartbeat(t, bool(gap)) for t, gap in payload["beats"])}


ECG_CLASSIFICATIONS = (
    "notSet",
    "sinusRhythm",
    "atrialFibrillation",
    "inconclusiveLowHeartRate",
    "inconclusiveHighHeartRate",
    "inconclusivePoorReading",
    "inconclusiveOther",
    "unrecognized",
)
ECG_SYMPTOMS = ("notSet", "none", "present")


class Electrocardiogram(PayloadSample):
    """A single-lead ECG: classification, average heart rate, sampling frequency and the
    voltage measurements (microvolts)."""

    __slots__ = (
        "average_heart_rate",
        "classification",
        "sampling_frequency",
        "symptoms_status",
        "voltages",
    )
    kind = Kind.electrocardiogram
    classification: str
    average_heart_rate: Quantity | None
    sampling_frequency: Quantity | None
    symptoms_status: str
    voltages: tuple[float, ...]

    def __init__(
        self,
        start: datetime,
        end: datetime,
        *,
        classification: str = "notSet",
        average_heart_rate: Quantity | None = None,
        sampling_frequency: Quantity | None = None,
        symptoms_status: str = "notSet",
        voltages: Sequence[float] = (),
        source: Source | SourceRevision | None = None,
        device: Device | None = None,
        metadata: Mapping[str, Any] | None = None,
        uuid: UUIDLike | None = None,
    ) -> None:
        self._init_common("electrocardiogram", start, end, source, device, metadata, uuid)
        set_ = object.__setattr__
        set_(self, "classification", choice(classification, ECG_CLASSIFICATIONS, "classification"))
        set_(self, "symptoms_status", choice(symptoms_status, ECG_SYMPTOMS, "symptoms_status"))
        set_(
            self,
            "average_heart_rate",
            optional_quantity(average_heart_rate, "count/min", "average_heart_rate"),
        )
        set_(
            self,
            "sampling_frequency",
            optional_quantity(sampling_frequency, "Hz", "sampling_frequency"),
        )
        set_(
            self,
            "voltages",
            tuple(finite_number(v, f"voltages[{i}]") for i, v in enumerate(voltages)),
        )

    def payload(self) -> dict[str, Any]:
        return {
            "classification": self.classification,
            "symptoms_status": self.symptoms_status,
            "average_heart_rate": quantity_json(self.average_heart_rate),
            "sampling_frequency": quantity_json(self.sampling_frequency),
            "voltages": list(self.voltages),
        }

    @classmethod
    def payload_fields(cls, payload: Mapping[str, Any]) -> dict[str, Any]:
        return {
            "classification": payload["classification"],
            "symptoms_status": payload["symptoms_status"],
            "average_heart_rate": quantity_from_json(payload["average_heart_rate"]),
            "sampling_frequency": quantity_from_json(payload["sampling_frequency"]),
            "voltages": tuple(payload["voltages"]),
        }
