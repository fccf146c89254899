"""FHIR releases: telling DSTU2 (1.0.2) from R4 (4.0.1), and checking R4 resources.

R4 resources are validated with fhir.resources (its R4B models read R4 data: R4B changed
no resource kept here in a way that R4 data breaks). DSTU2 is stored as it came and read
leniently: fhir.resources has no DSTU2 models.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import ValidationError

RELEASES = {"DSTU2": "1.0.2", "R4": "4.0.1"}
_DSTU2_ONLY = frozenset(
    {"MedicationOrder", "DiagnosticOrder", "DeviceUseRequest", "ProcedureRequest", "Order"}
)
_R4_ONLY = frozenset({"MedicationRequest", "ServiceRequest", "ExplanationOfBenefit"})


def release_of(resources: Iterable[Mapping[str, Any]]) -> str:
    """``"DSTU2"`` or ``"R4"``, from what the resources look like: resource types that exist
    in one release only, Observation.category as one concept (DSTU2) or a list (R4), the
    version in ``meta``. R4 when nothing tells."""
    for resource in resources:
        kind = resource.get("resourceType")
        if kind in _DSTU2_ONLY:
            return "DSTU2"
        if kind in _R4_ONLY:
            return "R4"
        if kind == "Observation" and "category" in resource:
            return "DSTU2" if isinstance(resource["category"], Mapping) else "R4"
        if kind in ("AllergyIntolerance", "Immunization"):
            # DSTU2 allergies have a string status and "substance"; immunizations "date"
            if "substance" in resource or ("date" in resource and kind == "Immunization"):
                return "DSTU2"
            if "clinicalStatus" in resource or "occurrenceDateTime" in resource:
                return "R4"
    return "R4"


def release_from_version(version: str | None) -> str | None:
    """The release of a ``fhirVersion`` text (``1.0.2``, ``4.0.1``…), or None."""
    if not version:
        return None
    if version.startswith("1.0"):
        return "DSTU2"
    if version.startswith("4."):
        return "R4"
    return None


def r4_problems(resource: Mapping[str, Any]) -> list[str]:
    """What is wrong with an R4 resource, each as ``FHIR.path: message`` (empty: valid)."""
    from fhir.resources.R4B import get_fhir_model_class

    kind = resource.get("resourceType")
    if not isinstance(kind, str):
        return ["resourceType: missing"]
    try:
        model = get_fhir_model_class(kind)
    except (KeyError, ValueError):
        return [f"resourceType: {kind!r} is not an R4 resource type"]
    try:
        model.model_validate(dict(resource))
    except ValidationError as exc:
        return [_problem(kind, error["loc"], error["msg"]) for error in exc.errors()]
    return []


def _problem(kind: str, location: tuple[int | str, ...], message: str) -> str:
    path = ".".join(str(part) for part in location if part != "__root__")
    return f"{kind}.{path}: {message}" if path else f"{kind}: {message}"
