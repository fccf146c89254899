"""What the Health Records pages show of a record: its category, a lab result's value and
reference range from its FHIR Observation, and a CDA document's sections as plain text
(parsed without entities or network)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lxml import etree

RECORD_CATEGORIES = (
    ("conditionRecord", "Conditions"),
    ("labResultRecord", "Lab Results"),
    ("medicationRecord", "Medications"),
    ("immunizationRecord", "Immunizations"),
    ("allergyRecord", "Allergies"),
    ("procedureRecord", "Procedures"),
    ("vitalSignRecord", "Vital Signs"),
    ("clinicalNoteRecord", "Clinical Notes"),
    ("coverageRecord", "Insurance"),
)
HL7 = "{urn:hl7-org:v3}"


def _quantity(q: Any) -> str:
    if not isinstance(q, dict) or "value" not in q:
        return ""
    unit = q.get("unit") or q.get("code") or ""
    return f"{q['value']} {unit}".strip()


def lab_value(resource: Any) -> dict[str, str]:
    """An Observation's value and reference range as text (empty when absent)."""
    if not isinstance(resource, dict):
        return {"value": "", "range": ""}
    value = _quantity(resource.get("valueQuantity"))
    if not value:
        concept = resource.get("valueCodeableConcept") or {}
        value = str(resource.get("valueString") or concept.get("text") or "")
    ranges = resource.get("referenceRange") or []
    text = ""
    if ranges and isinstance(ranges[0], dict):
        first = ranges[0]
        low, high = _quantity(first.get("low")), _quantity(first.get("high"))
        text = first.get("text") or (f"{low} – {high}" if low or high else "")
    return {"value": value, "range": text}


def _text(element: etree._Element) -> str:
    return "".join(str(part) for part in element.itertext())


@dataclass(frozen=True)
class Section:
    title: str
    text: str


def cda_sections(xml: str) -> list[Section]:
    """The titled sections of a C-CDA document with their narrative text."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        root = etree.fromstring(xml.encode(), parser)
    except etree.XMLSyntaxError:
        return []
    out = []
    for section in root.iter(f"{HL7}section"):
        title = section.find(f"{HL7}title")
        text = section.find(f"{HL7}text")
        body = " ".join(_text(text).split()) if text is not None else ""
        heading = _text(title).strip() if title is not None else ""
        if heading or body:
            out.append(Section(heading or "Section", body))
    return out
