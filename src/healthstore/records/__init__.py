"""The sample kinds beyond quantities, categories, workouts and correlations.

Each is a :class:`~healthstore.model.Sample` whose kind-specific content is a *payload*: plain
data validated at construction and stored as JSON beside the sample row
(:mod:`~healthstore.records.payload`). One module a subject: workout routes
(:mod:`~healthstore.records.routes`), heartbeat series and electrocardiograms
(:mod:`~healthstore.records.heart`), audiograms (:mod:`~healthstore.records.hearing`), vision
prescriptions (:mod:`~healthstore.records.vision`), states of mind and scored assessments
(:mod:`~healthstore.records.mind`), clinical records, health cards and CDA documents
(:mod:`~healthstore.records.clinical`). The package sits beside :mod:`healthstore.model`, one
layer above it: records import the model, never the reverse.
"""

from healthstore.records.clinical import (
    FHIR_RELEASES,
    CDADocument,
    ClinicalRecord,
    VerifiableClinicalRecord,
)
from healthstore.records.hearing import Audiogram, AudiogramPoint
from healthstore.records.heart import (
    ECG_CLASSIFICATIONS,
    ECG_SYMPTOMS,
    Electrocardiogram,
    Heartbeat,
    HeartbeatSeries,
)
from healthstore.records.kinds import PAYLOAD_CLASSES, restore
from healthstore.records.mind import ScoredAssessment, StateOfMind
from healthstore.records.payload import PayloadSample
from healthstore.records.routes import Location, WorkoutRoute
from healthstore.records.vision import EYE_FIELDS, VisionPrescription

__all__ = [
    "ECG_CLASSIFICATIONS",
    "ECG_SYMPTOMS",
    "EYE_FIELDS",
    "FHIR_RELEASES",
    "PAYLOAD_CLASSES",
    "Audiogram",
    "AudiogramPoint",
    "CDADocument",
    "ClinicalRecord",
    "Electrocardiogram",
    "Heartbeat",
    "HeartbeatSeries",
    "Location",
    "PayloadSample",
    "ScoredAssessment",
    "StateOfMind",
    "VerifiableClinicalRecord",
    "VisionPrescription",
    "WorkoutRoute",
    "restore",
]
