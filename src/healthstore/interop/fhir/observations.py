"""The person's common measurements as FHIR R4 Observations (LOINC codes, UCUM units), and
the person as a Patient.

Each Observation takes the sample's uuid as its id, its time (``effectiveDateTime`` for an
instant, ``effectivePeriod`` for an interval) and its value converted to the UCUM unit FHIR
expects. Blood pressure becomes the LOINC panel with systolic and diastolic components.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from healthstore.model import Correlation, QuantitySample, Sample

LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
PATIENT_ID = "person"
_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"


@dataclass(frozen=True)
class Measure:
    """How one HealthKit type is written: LOINC code and name, our unit, the UCUM unit, a
    factor from ours to it, and the Observation category."""

    loinc: str
    name: str
    unit: str
    ucum: str
    factor: float = 1.0
    category: str = "vital-signs"


MEASURES: Mapping[str, Measure] = {
    "heartRate": Measure("8867-4", "Heart rate", "count/min", "/min"),
    "respiratoryRate": Measure("9279-1", "Respiratory rate", "count/min", "/min"),
    "bodyMass": Measure("29463-7", "Body weight", "kg", "kg"),
    "bodyTemperature": Measure("8310-5", "Body temperature", "degC", "Cel"),
    "oxygenSaturation": Measure(
        "59408-5", "Oxygen saturation in Arterial blood by Pulse oximetry", "%", "%", 100.0
    ),
    "bloodGlucose": Measure(
        "2339-0", "Glucose [Mass/volume] in Blood", "mg/dL", "mg/dL", category="laboratory"
    ),
    "stepCount": Measure("55423-8", "Number of steps", "count", "{steps}", category="activity"),
}
_PRESSURE = {
    "bloodPressureSystolic": Measure("8480-6", "Systolic blood pressure", "mmHg", "mm[Hg]"),
    "bloodPressureDiastolic": Measure("8462-4", "Diastolic blood pressure", "mmHg", "mm[Hg]"),
}
EXPORTED_TYPES = (*MEASURES, "bloodPressure")


def _concept(code: str, name: str) -> dict[str, Any]:
    return {"coding": [{"system": LOINC, "code": code, "display": name}], "text": name}


def _value(sample: QuantitySample, measure: Measure) -> dict[str, Any]:
    value = sample.quantity.value_in(measure.unit) * measure.factor
    return {"value": round(value, 6), "unit": measure.ucum, "system": UCUM, "code": measure.ucum}


def _timing(sample: Sample) -> dict[str, Any]:
    if sample.start == sample.end:
        return {"effectiveDateTime": sample.start.isoformat()}
    return {"effectivePeriod": {"start": sample.start.isoformat(), "end": sample.end.isoformat()}}


def _base(sample: Sample, code: dict[str, Any], category: str) -> dict[str, Any]:
    return {
        "resourceType": "Observation",
        "id": str(sample.uuid),
        "status": "final",
        "category": [{"coding": [{"system": _CATEGORY, "code": category}]}],
        "code": code,
        "subject": {"reference": f"Patient/{PATIENT_ID}"},
        **_timing(sample),
    }


def observation(sample: Sample) -> dict[str, Any] | None:
    """The Observation of a measurement (None for types not exported this way)."""
    if isinstance(sample, Correlation) and sample.type.short_name == "bloodPressure":
        components = []
        for member in sample.objects:
            measure = _PRESSURE.get(member.type.short_name)
            if measure is not None and isinstance(member, QuantitySample):
                components.append(
                    {
                        "code": _concept(measure.loinc, measure.name),
                        "valueQuantity": _value(member, measure),
                    }
                )
        panel = _concept("85354-9", "Blood pressure panel with all children optional")
        return {**_base(sample, panel, "vital-signs"), "component": components}
    measure = MEASURES.get(sample.type.short_name)
    if measure is None or not isinstance(sample, QuantitySample):
        return None
    return {
        **_base(sample, _concept(measure.loinc, measure.name), measure.category),
        "valueQuantity": _value(sample, measure),
    }


_GENDERS = {1: "female", 2: "male", 3: "other"}


def patient(biological_sex: int, birth_date: date | None) -> dict[str, Any]:
    """The person, as far as their characteristics tell."""
    out: dict[str, Any] = {"resourceType": "Patient", "id": PATIENT_ID}
    gender = _GENDERS.get(biological_sex)
    if gender:
        out["gender"] = gender
    if birth_date is not None:
        out["birthDate"] = birth_date.isoformat()
    return out
