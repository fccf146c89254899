"""The elements of ``export.xml`` that are medical records rather than measurements:
audiograms, vision prescriptions and clinical records (FHIR resources in files beside
``export.xml``). Converters like those of :mod:`~healthstore.interop.apple.elements`, whose
helpers they share.
"""

from __future__ import annotations

import json

from healthstore.catalogue import Kind
from healthstore.interop.apple.conversion import Context, Converted, Rejected
from healthstore.interop.apple.element_fields import (
    build,
    date_attribute,
    element_times,
    element_uuid,
    finite,
    identity_text,
    metadata_or_repair,
    quantity_of,
    required,
    sample_type,
)
from healthstore.interop.apple.tree import Element
from healthstore.interop.apple.values import normalize_source_name, parse_date
from healthstore.model import stable_uuid
from healthstore.records import Audiogram, AudiogramPoint, VisionPrescription


def audiogram(element: Element, ctx: Context) -> Converted:
    """An Audiogram with its sensitivity points."""
    revision, device = ctx.revision(element), ctx.device(element)
    meta = metadata_or_repair(element, ctx)
    start, end = element_times(element, meta)
    points = []
    for point in element.iterfind("SensitivityPoint"):
        frequency = quantity_of(
            point.get("frequencyValue"), point.get("frequencyUnit") or "Hz", "frequencyValue"
        )
        if frequency is None:
            continue
        left = quantity_of(point.get("leftEarValue"), point.get("leftEarUnit") or "dBHL", "left")
        right = quantity_of(
            point.get("rightEarValue"), point.get("rightEarUnit") or "dBHL", "right"
        )
        points.append(
            AudiogramPoint(
                frequency.value_in("Hz"),
                None if left is None else left.value,
                None if right is None else right.value,
            )
        )
    uuid = element_uuid(element, start, revision, ctx)
    sample = build(
        lambda: Audiogram(
            start, end, points, source=revision, device=device, metadata=meta, uuid=uuid
        )
    )
    return Converted([sample])


_EYE_ATTRIBUTES = {
    "sphere": "sphere",
    "cylinder": "cylinder",
    "axis": "axis",
    "add": "add",
    "vertex": "vertex",
    "prismAmount": "prism_amount",
    "prismAngle": "prism_angle",
    "farPD": "far_pupillary_distance",
    "nearPD": "near_pupillary_distance",
    "baseCurve": "base_curve",
    "diameter": "diameter",
}


def vision_prescription(element: Element, ctx: Context) -> Converted:
    """A VisionPrescription (glasses or contacts) with its eyes."""
    revision, device = ctx.revision(element), ctx.device(element)
    meta = metadata_or_repair(element, ctx)
    issued = date_attribute(element, "dateIssued")
    expires = element.get("expirationDate")
    kind = (element.get("prescriptionType") or element.get("type") or "glasses").lower()
    kind = "contacts" if "contact" in kind else "glasses"
    eyes: dict[str, dict[str, float]] = {"right": {}, "left": {}}
    for tag, side in (("RightEye", "right"), ("LeftEye", "left")):
        eye = element.find(tag)
        if eye is None:
            continue
        for attribute, name in _EYE_ATTRIBUTES.items():
            text = eye.get(attribute)
            if text:
                eyes[side][name] = finite(text.split()[0], attribute)
    uuid = element_uuid(element, issued, revision, ctx)
    sample = build(
        lambda: VisionPrescription(
            issued,
            prescription_type=kind,
            right_eye=eyes["right"],
            left_eye=eyes["left"],
            expiration=parse_date(expires) if expires else None,
            source=revision,
            device=device,
            metadata=meta,
            uuid=uuid,
        )
    )
    return Converted([sample])


def clinical_record(element: Element, ctx: Context) -> Converted:
    """A ClinicalRecord: the FHIR resource its file holds, kept verbatim, as the named
    institution's record (the same identity as a FHIR import or download of it)."""
    from healthstore.clinical.fhir import release_from_version
    from healthstore.clinical.records import clinical_record as make_record

    t = sample_type(element)
    if t.kind is not Kind.clinical:
        raise Rejected(f"{t.short_name} is not a clinical type")
    path = required(element, "resourceFilePath").lstrip("/")
    data = ctx.read_file(path)
    if data is None:
        raise Rejected(f"its resource file {path} is not in the export")
    try:
        resource = json.loads(data)
    except ValueError as exc:
        raise Rejected(f"its resource file {path} is not JSON: {exc}") from None
    release = release_from_version(element.get("fhirVersion")) or "DSTU2"
    received = date_attribute(element, "receivedDate")
    source_name = normalize_source_name(required(element, "sourceName"))
    uuid = stable_uuid(
        received,
        identity_text("clinical", source_name, resource.get("resourceType"), resource.get("id")),
    )
    sample = build(
        lambda: make_record(
            resource,
            release=release,
            source_name=source_name,
            source_url=element.get("sourceURL") or None,
            received=received,
            type=t,
            uuid=uuid,
        )
    )
    return Converted([sample])
