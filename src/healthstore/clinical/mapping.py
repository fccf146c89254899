"""Which HealthKit clinical type a FHIR resource is (spec §9), and a display name for it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from healthstore import catalogue
from healthstore.catalogue import ObjectType

_BY_RESOURCE = {
    "AllergyIntolerance": "allergyRecord",
    "Condition": "conditionRecord",
    "Immunization": "immunizationRecord",
    "MedicationOrder": "medicationRecord",
    "MedicationStatement": "medicationRecord",
    "MedicationDispense": "medicationRecord",
    "MedicationRequest": "medicationRecord",
    "Procedure": "procedureRecord",
    "Coverage": "coverageRecord",
    "DocumentReference": "clinicalNoteRecord",
}
_OBSERVATION_CATEGORIES = {"laboratory": "labResultRecord", "vital-signs": "vitalSignRecord"}
MAPPED_RESOURCE_TYPES = (*_BY_RESOURCE, "Observation")


def _categories(resource: Mapping[str, Any]) -> list[str]:
    """The category codes of an Observation: DSTU2 has one CodeableConcept, R4 a list."""
    category = resource.get("category")
    concepts = category if isinstance(category, list) else [category]
    codes = []
    for concept in concepts:
        if isinstance(concept, Mapping):
            for coding in concept.get("coding") or ():
                if isinstance(coding, Mapping) and isinstance(coding.get("code"), str):
                    codes.append(coding["code"])
    return codes


def clinical_type(resource: Mapping[str, Any]) -> ObjectType | None:
    """The clinical type of ``resource``, or None when HealthKit keeps no such record (a
    Patient, an Encounter, an Observation that is neither a lab result nor a vital sign)."""
    kind = resource.get("resourceType")
    if kind == "Observation":
        for code in _categories(resource):
            name = _OBSERVATION_CATEGORIES.get(code)
            if name is not None:
                return catalogue.object_type(name)
        return None
    name = _BY_RESOURCE.get(kind) if isinstance(kind, str) else None
    return None if name is None else catalogue.object_type(name)


def display_name(resource: Mapping[str, Any]) -> str:
    """A short name for a resource: its code's text or display, the medication or vaccine
    name, a document's description, else its type."""
    for key in ("code", "medicationCodeableConcept", "vaccineCode", "type"):
        concept = resource.get(key)
        if isinstance(concept, Mapping):
            if concept.get("text"):
                return str(concept["text"])
            for coding in concept.get("coding") or ():
                if isinstance(coding, Mapping) and coding.get("display"):
                    return str(coding["display"])
    reference = resource.get("medicationReference")
    if isinstance(reference, Mapping) and reference.get("display"):
        return str(reference["display"])
    for contained in resource.get("contained") or ():
        if isinstance(contained, Mapping) and contained.get("resourceType") == "Medication":
            return display_name(contained)
    if isinstance(resource.get("description"), str) and resource["description"]:
        return str(resource["description"])
    return str(resource.get("resourceType", "record"))
