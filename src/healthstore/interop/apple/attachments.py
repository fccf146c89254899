"""The files an export keeps beside ``export.xml``, written in Apple's layouts: workout
routes as GPX, clinical records as FHIR JSON, electrocardiograms as CSV. The inverse of
:mod:`healthstore.interop.apple.files` and of the GPX reading in
:mod:`healthstore.interop.apple.elements`.

Paths are relative to the export's root (``workout-routes/route_….gpx``); :class:`Names`
keeps them unique within one export.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Final
from xml.sax.saxutils import escape

from healthstore.interop.apple.spelling import date_text, number
from healthstore.records import ClinicalRecord, Electrocardiogram, Location

__all__ = ["Names", "clinical_json", "clinical_path", "ecg_csv", "ecg_path", "gpx", "route_path"]


class Names:
    """File paths handed out so far: a taken path gets ``_1``, ``_2``… before its suffix."""

    def __init__(self) -> None:
        self._taken: set[str] = set()

    def claim(self, folder: str, stem: str, suffix: str, *, first: int = 1) -> str:
        path = f"{folder}/{stem}{suffix}"
        counter = first
        while path in self._taken:
            path = f"{folder}/{stem}_{counter}{suffix}"
            counter += 1
        self._taken.add(path)
        return path


# -- workout routes --------------------------------------------------------------------------


def _clock(value: datetime) -> str:
    """``3.00pm``: how route file names give the time of day."""
    hour = value.hour % 12 or 12
    return f"{hour}.{value.minute:02d}{'pm' if value.hour >= 12 else 'am'}"


def route_path(start: datetime, names: Names) -> str:
    """``workout-routes/route_2019-06-11_3.00pm.gpx`` for a route starting then (local time)."""
    return names.claim("workout-routes", f"route_{start:%Y-%m-%d}_{_clock(start)}", ".gpx", first=2)


def utc_text(value: datetime) -> str:
    """``2019-06-11T22:00:42Z`` (with a fraction when the instant has one)."""
    text = value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")
    if value.microsecond:
        text += f".{value.microsecond:06d}".rstrip("0")
    return text + "Z"


_GPX_HEAD: Final = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<gpx version="1.1" creator="Apple Health Export" xmlns="http://www.topografix.com/GPX/1/1" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
    'xsi:schemaLocation="http://www.topografix.com/GPX/1/1 '
    'http://www.topografix.com/GPX/1/1/gpx.xsd">\n'
)
_EXTENSIONS: Final = (
    ("speed", "speed"),
    ("course", "course"),
    ("hAcc", "horizontal_accuracy"),
    ("vAcc", "vertical_accuracy"),
)


def _point(location: Location) -> str:
    ele = "" if location.altitude is None else f"<ele>{location.altitude!r}</ele>"
    extras = "".join(
        f"<{tag}>{value!r}</{tag}>"
        for tag, field in _EXTENSIONS
        if (value := getattr(location, field)) is not None
    )
    extensions = f"<extensions>{extras}</extensions>" if extras else ""
    return (
        f'      <trkpt lon="{location.longitude!r}" lat="{location.latitude!r}">{ele}'
        f"<time>{utc_text(location.timestamp)}</time>{extensions}</trkpt>\n"
    )


def gpx(start: datetime, locations: Iterable[Location], exported: datetime) -> bytes:
    """A route's GPX file as Apple lays it out: one track, one segment, a point per location
    with elevation, time, and speed, course and accuracies as extensions. Numbers keep every
    digit, so reading the file gives back the same floats."""
    name = f"Route {start:%Y-%m-%d} {_clock(start).replace('.', ':')}"
    parts = [
        _GPX_HEAD,
        f"  <metadata>\n    <time>{utc_text(exported.replace(microsecond=0))}</time>\n",
        f"  </metadata>\n  <trk>\n    <name>{escape(name)}</name>\n    <trkseg>\n",
        *(_point(location) for location in locations),
        "    </trkseg>\n  </trk>\n</gpx>\n",
    ]
    return "".join(parts).encode("utf-8")


# -- clinical records ------------------------------------------------------------------------

_UNSAFE: Final = re.compile(r"[^A-Za-z0-9._-]+")


def clinical_path(record: ClinicalRecord, names: Names) -> str:
    """``clinical-records/Observation-<id>.json``: the resource's type and id."""
    ident = _UNSAFE.sub("_", record.fhir_id or str(record.uuid)).strip("._") or "resource"
    stem = _UNSAFE.sub("_", record.resource_type) + "-" + ident
    return names.claim("clinical-records", stem, ".json")


def clinical_json(record: ClinicalRecord) -> bytes:
    """The FHIR resource exactly as stored, as JSON."""
    return json.dumps(record.resource, indent=2, ensure_ascii=False).encode("utf-8")


# -- electrocardiograms ------------------------------------------------------------------------

CLASSIFICATION_LABELS: Final = {
    "sinusRhythm": "Sinus Rhythm",
    "atrialFibrillation": "Atrial Fibrillation",
    "inconclusiveHighHeartRate": "Heart Rate Over 150",
    "inconclusiveLowHeartRate": "Heart Rate Under 50",
    "inconclusivePoorReading": "Poor Recording",
    "inconclusiveOther": "Inconclusive",
    "unrecognized": "Unrecognized",
}


def ecg_path(ecg: Electrocardiogram, names: Names) -> str:
    """``electrocardiograms/ecg_2020-12-06.csv`` (the local date it was recorded)."""
    return names.claim("electrocardiograms", f"ecg_{ecg.start:%Y-%m-%d}", ".csv")


def _csv_field(text: str) -> str:
    return f'"{text.replace(chr(34), chr(34) * 2)}"' if any(c in text for c in ',"\n') else text


def ecg_csv(ecg: Electrocardiogram) -> bytes:
    """An ECG in the layout of the Health app's CSV: ``key,value`` header lines, the lead
    and unit, then one voltage (µV) a line."""
    header = [("Recorded Date", date_text(ecg.start))]
    header.append(("Classification", CLASSIFICATION_LABELS.get(ecg.classification, "")))
    if ecg.symptoms_status != "notSet":  # an empty line means the person noted none
        header.append(("Symptoms", "Present" if ecg.symptoms_status == "present" else ""))
    version = ecg.metadata.get("HKAppleECGAlgorithmVersion")
    if isinstance(version, int):
        header.append(("Software Version", f"{version}.0"))
    device = ecg.device
    if device is not None and device.hardware_version:
        header.append(("Device", device.hardware_version))
    if ecg.sampling_frequency is not None:
        header.append(("Sample Rate", f"{number(ecg.sampling_frequency.value_in('Hz'))} hertz"))
    lines = [f"{key},{_csv_field(value)}" for key, value in header]
    lines += ["", "Lead,Lead I", "Unit,µV", ""]
    lines += [repr(v) for v in ecg.voltages]
    return ("\n".join(lines) + "\n").encode("utf-8")
