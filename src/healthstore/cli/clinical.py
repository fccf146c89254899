"""How clinical records appear in tables: their display name and their clinical date (when
the thing happened, read from the FHIR resource), not the time they were imported."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from healthstore.cli.shc import item_label
from healthstore.model import Sample
from healthstore.records import ClinicalRecord, VerifiableClinicalRecord

# The resource's own date, by preference: when it happened, else when it was recorded.
_DATE_FIELDS = (
    "effectiveDateTime",
    "effectivePeriod",
    "occurrenceDateTime",
    "performedDateTime",
    "performedPeriod",
    "onsetDateTime",
    "onsetPeriod",
    "authoredOn",
    "dateWritten",  # DSTU2 MedicationOrder
    "dateAsserted",  # MedicationStatement
    "whenHandedOver",
    "date",  # DSTU2 Immunization, DocumentReference
    "recordedDate",
    "dateRecorded",  # DSTU2 Condition
    "issued",
    "period",
)


def clinical_date(resource: Mapping[str, Any]) -> str | None:
    """The date the resource is about, as written in it (``2019-04-02`` or a full
    timestamp), or None when it has none."""
    for key in _DATE_FIELDS:
        value = resource.get(key)
        if isinstance(value, Mapping):
            value = value.get("start") or value.get("end")
        if isinstance(value, str) and value:
            return value
    return None


def record_row(sample: Sample) -> tuple[str, str, str] | None:
    """(date, record, source) for a clinical or verifiable record, else None. The date is the
    clinical one; without one, the import time marked ``received``."""
    if isinstance(sample, ClinicalRecord):
        date = clinical_date(sample.resource)
        shown = date.replace("T", " ") if date else f"received {sample.start.date()}"
        return shown, sample.display_name, sample.source_name
    if isinstance(sample, VerifiableClinicalRecord):
        items = ", ".join(map(item_label, sample.item_names))
        return str((sample.relevant or sample.start).date()), items, sample.issuer
    return None
