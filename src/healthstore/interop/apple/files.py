"""The export's other files: electrocardiogram CSVs and ``export_cda.xml``."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any

from healthstore.clinical.cda import cda_document
from healthstore.errors import HealthStoreError
from healthstore.interop.apple.cleaning import split_roots
from healthstore.interop.apple.conversion import Rejected
from healthstore.interop.apple.uuids import ContentUuids
from healthstore.interop.apple.values import parse_date
from healthstore.model import Device, Source, SourceRevision
from healthstore.records import CDADocument, Electrocardiogram
from healthstore.units import Quantity

_CLASSIFICATIONS = {
    "sinus rhythm": "sinusRhythm",
    "atrial fibrillation": "atrialFibrillation",
    "heart rate over 120": "inconclusiveHighHeartRate",
    "heart rate over 150": "inconclusiveHighHeartRate",
    "heart rate under 50": "inconclusiveLowHeartRate",
    "poor recording": "inconclusivePoorReading",
    "inconclusive": "inconclusiveOther",
    "unrecognized": "unrecognized",
}
ECG_SOURCE = SourceRevision(Source("com.apple.NanoHeartRhythm", "ECG"))


def electrocardiogram(
    name: str, data: bytes, uuids: ContentUuids | None = None
) -> Electrocardiogram:
    """An ECG from one ``electrocardiograms/*.csv`` file: a header of "key,value" lines,
    then one voltage (µV) a line; its uuid derived by ``uuids`` (the legacy way without)."""
    text = data.decode("utf-8-sig", errors="replace")
    header: dict[str, str] = {}
    voltages: list[float] = []
    for row in csv.reader(io.StringIO(text)):
        if not row or not row[0].strip():
            continue
        try:
            voltages.append(float(row[0]))
            continue
        except ValueError:
            pass
        if voltages:
            raise Rejected(f"{name}: text among the voltages")
        header[row[0].strip().lower()] = ",".join(row[1:]).strip()
    recorded = header.get("recorded date")
    if not recorded:
        raise Rejected(f"{name}: no Recorded Date")
    try:
        start = parse_date(recorded)
    except HealthStoreError as exc:
        raise Rejected(f"{name}: {exc.message}") from None
    rate_text = (header.get("sample rate") or "").split()
    rate = float(rate_text[0]) if rate_text and _number(rate_text[0]) else None
    seconds = len(voltages) / rate if rate else 0.0
    label = header.get("classification", "").lower()
    classification = next(
        (v for k, v in _CLASSIFICATIONS.items() if label.startswith(k)),
        "notSet" if not label else "unrecognized",
    )
    symptoms = header.get("symptoms")
    status = "notSet" if symptoms is None else "present" if symptoms else "none"
    hardware = header.get("device")
    device = (
        Device(
            name="Apple Watch", manufacturer="Apple Inc.", model="Watch", hardware_version=hardware
        )
        if hardware
        else None
    )
    try:
        return Electrocardiogram(
            start,
            start + timedelta(seconds=seconds),
            classification=classification,
            sampling_frequency=Quantity(rate, "Hz") if rate else None,
            symptoms_status=status,
            device=device,
            voltages=voltages,
            source=ECG_SOURCE,
            metadata={"HKAppleECGAlgorithmVersion": 1}
            if "1." in header.get("software version", "")
            else None,
            uuid=(uuids or ContentUuids()).uuid(start, f"ecg\x1f{name}\x1f{len(voltages)}"),
        )
    except HealthStoreError as exc:
        raise Rejected(f"{name}: {exc.message}") from None


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


CDA_SOURCE = SourceRevision(Source("org.healthstore.apple-export", "Apple Health export"))


def cda_documents(data: bytes, exported: Any) -> list[CDADocument]:
    """The CDA documents in ``export_cda.xml`` (some exports hold several roots)."""
    out = []
    for index, part in enumerate(split_roots(data)):
        try:
            out.append(cda_document(part, source=CDA_SOURCE, fallback=exported))
        except HealthStoreError as exc:
            raise Rejected(f"export_cda.xml document {index + 1}: {exc.message}") from None
    return out
