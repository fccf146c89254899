"""Every payload kind by its catalogue kind, and a stored one rebuilt."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from healthstore.catalogue import Kind
from healthstore.records.clinical import CDADocument, ClinicalRecord, VerifiableClinicalRecord
from healthstore.records.hearing import Audiogram
from healthstore.records.heart import Electrocardiogram, HeartbeatSeries
from healthstore.records.mind import ScoredAssessment, StateOfMind
from healthstore.records.payload import PayloadSample
from healthstore.records.routes import WorkoutRoute
from healthstore.records.vision import VisionPrescription

PAYLOAD_CLASSES: dict[Kind, type[PayloadSample]] = {
    cls.kind: cls
    for cls in (
        WorkoutRoute,
        HeartbeatSeries,
        Electrocardiogram,
        Audiogram,
        VisionPrescription,
        StateOfMind,
        ScoredAssessment,
        ClinicalRecord,
        VerifiableClinicalRecord,
        CDADocument,
    )
}


def restore(kind: Kind, fields: dict[str, Any], payload: Mapping[str, Any]) -> PayloadSample:
    """A stored payload sample rebuilt without validation."""
    cls = PAYLOAD_CLASSES[kind]
    return cls._restore(**fields, **cls.payload_fields(payload))
