"""Importing Apple Health exports into real stores.

Counts are checked against the XML itself (read here with ``xml.etree.ElementTree``, not with
the importer's parser), on the real v8 export of 2019 and the v14 fixture, the latter extended
with what real exports also hold (top-level copies of correlation members, a route file,
clinical records, an audiogram, an ECG, several CDA documents). Then idempotency, the defects
of real exports, broken inputs, and an import killed mid-way.
"""

from __future__ import annotations

import hashlib
import json
import re
import signal
import sqlite3
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
import zipfile
from collections import Counter
from collections.abc import Iterator
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Protocol
from zoneinfo import ZoneInfo

import pytest

from healthstore import HealthStore, catalogue
from healthstore.errors import InvalidArgument
from healthstore.imports.apple import Counts, ImportSummary
from healthstore.interop.apple.parser import Progress
from healthstore.model import CategorySample, Correlation, Device, QuantitySample, Workout
from healthstore.records import (
    Audiogram,
    CDADocument,
    ClinicalRecord,
    Electrocardiogram,
    HeartbeatSeries,
    VisionPrescription,
    WorkoutRoute,
)
from tests.conftest import shared_path
from tests.legacy_stores import legacy_store

V8 = "rgosdin-docs_export_v8_2019.xml"
V8_CDA = "rgosdin-docs_export_cda_v8_2019.xml"
V14 = "grll-apple-health-mcp_export_v14.xml"
GPX = "healthkit-to-sqlite_route_2019-06-11_3.00pm.gpx"
CDA_FRAGMENT = "export_cda_fragment.xml"
ROUTE = "workout-routes/route_2024-12-13_11.59am.gpx"
TOP = "apple_health_export/"
EXPORT_PREFIX = "com.apple.health.export."

Files = dict[str, bytes]


class Factory(Protocol):
    """Makes a fresh store in the test's temporary directory."""

    def __call__(self, name: str = "store") -> HealthStore: ...


# --- helpers --------------------------------------------------------------------------------------


def apple(name: str) -> bytes:
    return shared_path("data", "apple", name).read_bytes()


@pytest.fixture
def new_store(tmp_path: Path) -> Iterator[Factory]:
    """Fresh stores on disk, closed at the end."""
    opened: list[HealthStore] = []

    def make(name: str = "store") -> HealthStore:
        opened.append(HealthStore.create(tmp_path / name))
        return opened[-1]

    yield make
    for store in opened:
        store.close()


def make_zip(path: Path, files: Files, top: str = TOP) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(top + name, data)
    return path


def make_folder(root: Path, files: Files) -> Path:
    for name, data in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)
    return root


def bare(tmp_path: Path, xml: bytes, name: str = "bare") -> Path:
    """``xml`` as an ``export.xml`` alone in its folder."""
    return make_folder(tmp_path / name, {"export.xml": xml}) / "export.xml"


def line_of(data: bytes, needle: bytes, start: int = 0) -> int:
    """The line (1-based) where ``needle`` first occurs after ``start``."""
    at = data.index(needle, start)
    return data.count(b"\n", 0, at) + 1


def top_level_records(xml: bytes) -> list[ET.Element]:
    return [child for child in ET.fromstring(xml) if child.tag == "Record"]


def xml_type_counts(xml: bytes) -> Counter[str]:
    """Top-level Records per type short name, counted from the XML itself."""
    return Counter(
        catalogue.object_type(str(record.get("type"))).short_name
        for record in top_level_records(xml)
    )


def store_counts(store: HealthStore) -> dict[str, int]:
    """Samples per type short name in the store."""
    return {str(row["type"]): int(row["count"]) for row in store.summary()}


def counts(summary: ImportSummary) -> dict[str, tuple[int, int, int]]:
    return {k: (c.added, c.present, c.skipped) for k, c in summary.counts.items()}


def last_anchor(store: HealthStore) -> int:
    return store.changes().anchor


def device_rows(store: HealthStore) -> list[tuple[object, ...]]:
    """The store's devices table, read directly from the SQLite file."""
    assert store.directory is not None
    uri = f"file:{store.directory / 'healthstore.db'}?mode=ro"
    with sqlite3.connect(uri, uri=True) as db:
        return db.execute(
            "SELECT name, manufacturer, model, hardware_version, software_version FROM devices"
        ).fetchall()


# --- the real v8 export ---------------------------------------------------------------------------

V8_TYPES = {
    "stepCount": 1588,
    "distanceWalkingRunning": 1587,
    "flightsClimbed": 170,
    "sleepAnalysis": 4,
    "mindfulSession": 1,
    "numberOfTimesFallen": 1,
    "uvExposure": 1,
}


@pytest.fixture(scope="module")
def v8() -> bytes:
    return apple(V8)


@pytest.mark.parametrize("form", ["bare", "zip"])
def test_the_real_v8_export_lands_whole(
    form: str, v8: bytes, tmp_path: Path, new_store: Factory
) -> None:
    expected = xml_type_counts(v8)
    assert expected == V8_TYPES and sum(expected.values()) == 3352
    if form == "bare":
        path = bare(tmp_path, v8)
    else:
        files = {"export.xml": v8, "export_cda.xml": apple(V8_CDA)}
        path = make_zip(tmp_path / "export.zip", files)
    store = new_store()
    summary = store.import_apple_health(path)

    cda = 1 if form == "zip" else 0
    assert counts(summary) == {"Me": (1, 0, 0), "Record": (3352, 0, 0)} | (
        {"CDADocument": (1, 0, 0)} if cda else {}
    )
    assert summary.skipped_total == 0 and summary.skips == []
    assert summary.samples_added == 3352 + cda
    assert summary.export_date == "2019-06-17T21:07:11-04:00"
    assert store_counts(store) == dict(expected) | ({"cda": 1} if cda else {})
    if cda:
        (document,) = store.samples("cda")
        assert isinstance(document, CDADocument)
        assert document.title == "Health Data Export"

    # Me
    assert store.characteristic("dateOfBirth") == date(1984, 6, 16)
    assert store.characteristic("biologicalSex") == 3  # HKBiologicalSexOther
    assert store.characteristic("bloodType") == 8  # HKBloodTypeONegative
    assert store.characteristic("fitzpatrickSkinType") == 6  # HKFitzpatrickSkinTypeVI


# The sha256 of the sorted uuids each shared export gets. A uuid derives from a record's
# content; if the derivation changes, everyone's next import of their export adds every
# record a second time. Change these only with a migration that re-derives stored uuids.
PINNED_UUIDS = {
    V14: (32, "a7f99fea6f291675d8204aff303df56264a76d2a15f54221204f62409bc724e6"),
    V8: (3352, "5aa4624435485cc6ec4568da6268212422d50b6384ba2838be155e315816607b"),
}


@pytest.mark.parametrize("name", sorted(PINNED_UUIDS))
def test_imported_uuids_stay_the_same_from_version_to_version(
    name: str, tmp_path: Path, new_store: Factory
) -> None:
    # A store made before keyed uuids (migration 0008) keeps deriving them the same way;
    # a new store keys them with its own secret (tests/interop/test_apple_uuids.py).
    store = legacy_store(tmp_path / "legacy")
    try:
        store.import_apple_health(bare(tmp_path, apple(name)))
        uuids = sorted(str(sample.uuid) for sample in store.changes(None).added)
    finally:
        store.close()
    digest = hashlib.sha256("\n".join(uuids).encode()).hexdigest()
    assert (len(uuids), digest) == PINNED_UUIDS[name]


def test_v8_sources_revisions_and_one_device_whatever_its_address(
    v8: bytes, tmp_path: Path, new_store: Factory
) -> None:
    store = new_store()
    store.import_apple_health(bare(tmp_path, v8))
    records = top_level_records(v8)
    names = Counter(str(r.get("sourceName")) for r in records)
    assert names == {"Ryan Phone": 3345, "Health": 4, "Clock": 3}

    def bundle(name: str) -> str:
        return EXPORT_PREFIX + hashlib.sha256(name.encode()).hexdigest()[:12]

    found = store.sources(list(V8_TYPES))
    assert {(s.bundle_id, s.name) for s in found} == {(bundle(n), n) for n in names}

    samples = store.samples(list(V8_TYPES))
    assert len(samples) == 3352
    by_source = Counter((s.source.name if s.source else None) for s in samples)
    assert by_source == names
    versions = {
        (s.source_revision.source.name, s.source_revision.version)
        for s in samples
        if s.source_revision is not None
    }
    assert versions == {("Ryan Phone", "12.3"), ("Health", "12.3"), ("Clock", None)}

    # Every device string names one iPhone; only the memory address differs.
    devices = [str(r.get("device")) for r in records if r.get("device")]
    addresses = {re.sub(r"0x[0-9a-f]+", "0x", d) for d in devices}
    assert len(devices) == 3348 and len(set(devices)) > 1000 and len(addresses) == 1
    iphone = Device(
        name="iPhone",
        manufacturer="Apple Inc.",
        model="iPhone",
        hardware_version="iPhone10,4",
        software_version="12.3",
    )
    assert Counter(s.device for s in samples) == {iphone: 3348, None: 4}
    assert device_rows(store) == [("iPhone", "Apple Inc.", "iPhone", "iPhone10,4", "12.3")]


def test_progress_is_reported_after_each_batch_up_to_the_whole_file(
    v8: bytes, tmp_path: Path, new_store: Factory
) -> None:
    path = bare(tmp_path, v8)
    seen: list[Progress] = []
    store = new_store()
    store.import_apple_health(
        path,
        lambda p: seen.append(Progress(p.bytes_read, p.bytes_total, p.elements)),
        batch_size=500,
    )
    assert len(seen) >= 3352 // 500
    assert all(p.bytes_total == len(v8) for p in seen)
    assert [p.bytes_read for p in seen] == sorted(p.bytes_read for p in seen)
    assert [p.elements for p in seen] == sorted(p.elements for p in seen)
    assert 0 < seen[0].bytes_read < len(v8)
    assert seen[-1].bytes_read == len(v8)
    assert seen[-1].elements == 3352 + 2  # the Records, ExportDate and Me


# --- the v14 fixture, with everything a real export holds -----------------------------------------

V14_LINE_COUNT = 26  # top-level Records in the fixture
PRESSURE_MEMBERS = re.compile(
    rb"  <Record type=\"HKQuantityTypeIdentifierBloodPressureSystolic\".*?</Record>\n"
    rb"  <Record type=\"HKQuantityTypeIdentifierBloodPressureDiastolic\".*?</Record>\n",
    re.S,
)
CORRELATION_START = b" <!-- Blood Pressure Correlation -->"
ECG_TEXT = (
    b'Name,Anon\nDate of Birth,"Jan 15, 1995"\nRecorded Date,2020-01-01 10:00:00 +0100\n'
    b"Classification,Sinus Rhythm\nSymptoms,\nSoftware Version,1.90\n"
    b'Device,"Watch4,4"\nSample Rate,512 hertz\nLead,Lead I\nUnit,\xc2\xb5V\n\n'
    b"-12.5\n-11.0\n-10.25\n"
)
OTHER_ELEMENTS = b"""\
 <ClinicalRecord type="HKClinicalTypeIdentifierLabResultRecord" identifier="1" \
sourceName="Example Hospital" sourceURL="https://fhir.example.org/api/FHIR/R4/" \
fhirVersion="4.0.1" receivedDate="2023-04-01 10:00:00 +0200" \
resourceFilePath="/clinical-records/Observation-1.json"/>
 <ClinicalRecord type="HKClinicalTypeIdentifierMedicationRecord" identifier="ABCD" \
sourceName="Example Hospital" sourceURL="https://fhir.example.org/api/FHIR/R4/" \
fhirVersion="4.0.1" receivedDate="2023-04-01 10:00:00 +0200" \
resourceFilePath="/clinical-records/MedicationRequest-ABCD.json"/>
 <Audiogram type="HKDataTypeIdentifierAudiogram" sourceName="Mimi" sourceVersion="5.0" \
creationDate="2023-03-01 10:10:00 +0100" startDate="2023-03-01 10:00:00 +0100" \
endDate="2023-03-01 10:08:00 +0100">
  <SensitivityPoint frequencyValue="1000" frequencyUnit="Hz" leftEarValue="10" \
leftEarUnit="dBHL" rightEarValue="15" rightEarUnit="dBHL"/>
  <SensitivityPoint frequencyValue="4000" frequencyUnit="Hz" leftEarValue="25" \
leftEarUnit="dBHL" rightEarValue="30" rightEarUnit="dBHL"/>
 </Audiogram>
"""
VISION_PRESCRIPTION = b"""\
 <VisionPrescription type="HKVisionPrescriptionTypeGlasses" \
dateIssued="2023-05-01 09:00:00 +0200" expirationDate="2025-05-01 09:00:00 +0200">
  <RightEye sphere="-1.25" sphereUnit="D" cylinder="-0.5" cylinderUnit="D" axis="90" \
axisUnit="deg"/>
  <LeftEye sphere="-1.5" sphereUnit="D"/>
 </VisionPrescription>
"""


def with_pressure_records(xml: bytes, *, after: bool = False) -> bytes:
    """The v14 fixture with top-level copies of the correlation's members, as real exports
    write them (before the correlation; ``after`` puts them after it)."""
    match = PRESSURE_MEMBERS.search(xml)
    assert match is not None
    copies = re.sub(rb"(?m)^  ", b" ", match[0])
    if after:
        return xml.replace(b"</HealthData>", copies + b"</HealthData>")
    return xml.replace(CORRELATION_START, copies + CORRELATION_START)


def with_elements(xml: bytes, elements: bytes) -> bytes:
    return xml.replace(b"</HealthData>", elements + b"</HealthData>")


def observation() -> bytes:
    """The shared lab Observation (its file lacks the resourceType a FHIR resource has)."""
    resource = json.loads(apple("clinical-records_Observation-lab-epic.json"))
    return json.dumps({"resourceType": "Observation", **resource}).encode()


def everything(extra: bytes = OTHER_ELEMENTS) -> Files:
    """The files of a v14 export holding every kind of element and file."""
    xml = with_elements(with_pressure_records(apple(V14)), extra)
    v8_cda = apple(V8_CDA)
    return {
        "export.xml": xml,
        "export_cda.xml": v8_cda + b"\n" + apple(CDA_FRAGMENT),
        ROUTE: apple(GPX),
        "clinical-records/Observation-1.json": observation(),
        "clinical-records/MedicationRequest-ABCD.json": apple(
            "clinical-records_MedicationRequest.json"
        ),
        "electrocardiograms/ecg_2020-01-01.csv": ECG_TEXT,
    }


def test_every_element_kind_of_a_v14_export_lands(tmp_path: Path, new_store: Factory) -> None:
    files = everything()
    xml = files["export.xml"]
    store = new_store()
    summary = store.import_apple_health(make_zip(tmp_path / "export.zip", files))

    assert counts(summary) == {
        "Record": (V14_LINE_COUNT + 2, 0, 0),
        "Correlation": (1, 0, 0),
        "Workout": (2, 0, 0),
        "ActivitySummary": (3, 0, 0),
        "Me": (1, 0, 0),
        "ClinicalRecord": (2, 0, 0),
        "Audiogram": (1, 0, 0),
        "ElectrocardiogramFile": (1, 0, 0),
        "CDADocument": (2, 0, 0),
    }
    # Nothing is left out (CardioFitnessMedicationsUse="None" says there is nothing to keep).
    assert summary.skips == []

    expected = dict(xml_type_counts(xml))
    assert expected["bloodPressureSystolic"] == expected["bloodPressureDiastolic"] == 1
    assert store_counts(store) == expected | {
        "bloodPressure": 1,
        "heartbeatSeries": 1,
        "workout": 2,
        "workoutRoute": 1,  # the fixture names the same route twice
        "labResultRecord": 1,
        "medicationRecord": 1,
        "audiogram": 1,
        "electrocardiogram": 1,
        "cda": 2,
    }
    assert summary.samples_added == sum(store_counts(store).values())


@pytest.mark.parametrize("after", [False, True], ids=["members-first", "correlation-first"])
def test_correlation_members_are_stored_once_and_linked(
    after: bool, tmp_path: Path, new_store: Factory
) -> None:
    xml = with_pressure_records(apple(V14), after=after)
    store = new_store()
    summary = store.import_apple_health(bare(tmp_path, xml))
    assert summary.counts["Record"].added + summary.counts["Record"].present == 28
    (systolic,) = store.samples("bloodPressureSystolic")
    (diastolic,) = store.samples("bloodPressureDiastolic")
    (pressure,) = store.samples("bloodPressure")
    assert isinstance(pressure, Correlation)
    assert {m.uuid for m in pressure.objects} == {systolic.uuid, diastolic.uuid}
    assert sorted(pressure.objects, key=lambda s: s.type.short_name) == [diastolic, systolic]
    assert isinstance(systolic, QuantitySample) and isinstance(diastolic, QuantitySample)
    assert (systolic.quantity.value_in("mmHg"), diastolic.quantity.value_in("mmHg")) == (136, 69)
    assert pressure.metadata == {"HKWasUserEntered": True}


def v14_store(tmp_path: Path, new_store: Factory) -> HealthStore:
    store = new_store()
    store.import_apple_health(make_zip(tmp_path / "export.zip", everything()))
    return store


def test_v14_quantities_in_the_exports_units(tmp_path: Path, new_store: Factory) -> None:
    store = v14_store(tmp_path, new_store)
    glucose = store.samples("bloodGlucose", sort="start")
    assert all(isinstance(s, QuantitySample) for s in glucose)
    molar = 180.1558800000541 / 10  # mmol/L to mg/dL for glucose
    assert [s.quantity.value_in("mg/dL") for s in glucose if isinstance(s, QuantitySample)] == (
        pytest.approx([4.59 * molar, 5.23 * molar])
    )
    assert [s.metadata["HKBloodGlucoseMealTime"] for s in glucose] == [1, 2]

    def value(type_name: str, unit: str) -> float:
        (sample,) = store.samples(type_name)
        assert isinstance(sample, QuantitySample)
        return sample.quantity.value_in(unit)

    assert value("activeEnergyBurned", "kcal") == pytest.approx(45.3)  # "Cal"
    assert value("basalEnergyBurned", "kJ") == pytest.approx(85.7 * 4.184)
    assert value("vo2Max", "mL/(kg*min)") == pytest.approx(45.2)  # "mL/kg·min"
    assert value("bodyFatPercentage", "%") == pytest.approx(18.5)
    assert value("height", "m") == pytest.approx(1.8)
    assert value("appleSleepingWristTemperature", "degC") == pytest.approx(0.23)

    stood = store.samples("appleStandHour")[0]
    assert isinstance(stood, CategorySample) and stood.label == "Stood"


def test_v14_time_zone_metadata_gives_the_sample_its_zone(
    tmp_path: Path, new_store: Factory
) -> None:
    store = v14_store(tmp_path, new_store)
    zoned, plain = store.samples("sleepAnalysis", sort="start")
    assert zoned.metadata == {"HKTimeZone": "Europe/Zurich"}
    assert zoned.start.tzinfo == ZoneInfo("Europe/Zurich")
    assert zoned.start == datetime(2020, 7, 8, 1, 5, 6, tzinfo=timezone(timedelta(hours=1)))
    assert zoned.start.utcoffset() == timedelta(hours=2)  # summer time in Zurich
    assert plain.start.utcoffset() == timedelta(hours=1)  # the offset the export wrote
    assert plain.start.tzinfo != ZoneInfo("Europe/Zurich")


def test_v14_workouts_with_events_statistics_and_route(tmp_path: Path, new_store: Factory) -> None:
    store = v14_store(tmp_path, new_store)
    walking, cycling = store.samples("workout", sort="start")
    assert isinstance(walking, Workout) and isinstance(cycling, Workout)
    assert (walking.activity_name, cycling.activity_name) == ("walking", "cycling")
    assert walking.total_energy_burned is not None and walking.total_distance is not None
    assert walking.total_energy_burned.value_in("kcal") == pytest.approx(342.5)
    assert walking.total_distance.value_in("m") == pytest.approx(5234)
    paris = timezone(timedelta(hours=1))
    assert [(e.name, e.start) for e in walking.events] == [
        ("Pause", datetime(2020, 5, 27, 17, 45, tzinfo=paris)),
        ("Resume", datetime(2020, 5, 27, 17, 47, 30, tzinfo=paris)),
    ]
    heart = walking.statistics["HKQuantityTypeIdentifierHeartRate"]
    energy = walking.statistics["HKQuantityTypeIdentifierActiveEnergyBurned"]
    assert heart.average is not None and heart.minimum is not None and heart.maximum is not None
    assert [q.value_in("count/min") for q in (heart.average, heart.minimum, heart.maximum)] == [
        92.5,
        65,
        125,
    ]
    assert energy.sum is not None and energy.sum.value_in("kcal") == pytest.approx(342.5)
    mets = walking.metadata["HKAverageMETs"]
    assert mets.value_in("kcal/(kg*hr)") == pytest.approx(5.4321)
    assert walking.metadata["HKIndoorWorkout"] is False

    (route,) = store.workout_samples(walking, "workoutRoute")
    assert isinstance(route, WorkoutRoute)
    assert route.metadata["HKMetadataKeySyncIdentifier"] == "48F229FA-1BC6-47E6-91BE-BBA6796D5E8C"
    assert [(p.latitude, p.longitude) for p in route.locations] == [
        (37.781672, -122.396397),
        (37.781670, -122.396396),
        (37.781670, -122.396394),
    ]
    first = route.locations[0]
    assert [first.speed, first.course, first.horizontal_accuracy, first.altitude] == pytest.approx(
        [0.180883, 206.252884, 8.063116, 4.076904]
    )
    assert store.workout_samples(cycling, "workoutRoute") == []
    assert [r.uuid for r in store.samples("workoutRoute")] == [route.uuid]


def test_v14_summaries_beats_characteristics_and_other_records(
    tmp_path: Path, new_store: Factory
) -> None:
    store = v14_store(tmp_path, new_store)
    summaries = store.activity_summaries(date(2020, 5, 1), date(2020, 6, 30))
    assert [s.day for s in summaries] == [date(2020, 5, 27), date(2020, 5, 28), date(2020, 5, 29)]
    first = summaries[0]
    assert first.active_energy_burned is not None and first.exercise_time is not None
    assert first.active_energy_burned.value_in("kcal") == pytest.approx(547.163)
    assert first.exercise_time.value_in("min") == 44
    assert first.stand_hours is not None and first.stand_hours.value_in("count") == 10

    (series,) = store.samples("heartbeatSeries")
    assert isinstance(series, HeartbeatSeries)
    assert len(series.beats) == 2
    gap = series.beats[1].time_since_start - series.beats[0].time_since_start
    assert gap == pytest.approx(53.78 - 41.86)  # 7:47:41.86 PM and 7:47:53.78 PM
    (hrv,) = store.samples("heartRateVariabilitySDNN")
    assert series.source == hrv.source and series.device == hrv.device

    assert store.characteristic("dateOfBirth") == date(1995, 1, 15)
    assert store.characteristic("biologicalSex") == 2  # HKBiologicalSexMale
    assert store.characteristic("bloodType") == 0  # HKBloodTypeNotSet

    lab, medication = store.samples("labResultRecord") + store.samples("medicationRecord")
    assert isinstance(lab, ClinicalRecord) and isinstance(medication, ClinicalRecord)
    assert (lab.resource_type, lab.fhir_release) == ("Observation", "R4")
    assert medication.resource_type == "MedicationRequest"
    assert medication.source_name == "Example Hospital"
    (audiogram,) = store.samples("audiogram")
    assert isinstance(audiogram, Audiogram)
    assert [(p.frequency, p.left, p.right) for p in audiogram.points] == [
        (1000, 10, 15),
        (4000, 25, 30),
    ]
    (ecg,) = store.samples("electrocardiogram")
    assert isinstance(ecg, Electrocardiogram)
    assert list(ecg.voltages) == [-12.5, -11.0, -10.25]
    assert ecg.classification == "sinusRhythm"


def test_a_vision_prescription_as_the_dtd_describes_it_lands(
    tmp_path: Path, new_store: Factory
) -> None:
    xml = with_elements(apple(V14), VISION_PRESCRIPTION)
    store = new_store()
    summary = store.import_apple_health(bare(tmp_path, xml))
    assert summary.counts["VisionPrescription"].added == 1, summary.to_json()["skipped"]
    (prescription,) = store.samples("visionPrescription")
    assert isinstance(prescription, VisionPrescription)


def test_samples_added_counts_every_sample_the_store_gained(
    tmp_path: Path, new_store: Factory
) -> None:
    store = new_store()
    summary = store.import_apple_health(bare(tmp_path, apple(V14)))
    assert summary.samples_added == sum(store_counts(store).values())


# --- idempotency ----------------------------------------------------------------------------------


@pytest.mark.parametrize("which", ["v8", "v14"])
def test_importing_the_same_export_twice_adds_nothing(
    which: str, v8: bytes, tmp_path: Path, new_store: Factory
) -> None:
    zipped = which == "v14"
    path = make_zip(tmp_path / "export.zip", everything()) if zipped else bare(tmp_path, v8)
    store = new_store()
    first = store.import_apple_health(path)
    before, contents = last_anchor(store), store_counts(store)
    summaries = store.activity_summaries(date(2000, 1, 1), date(2030, 1, 1))

    again = store.import_apple_health(path)
    assert again.samples_added == 0
    assert {kind: c.added for kind, c in again.counts.items()} == dict.fromkeys(first.counts, 0)
    assert {kind: c.present for kind, c in again.counts.items()} == {
        kind: c.added for kind, c in first.counts.items()
    }
    assert last_anchor(store) == before
    assert store_counts(store) == contents
    assert store.activity_summaries(date(2000, 1, 1), date(2030, 1, 1)) == summaries


EXTRA_RECORDS = b"".join(
    b' <Record type="HKQuantityTypeIdentifierStepCount" sourceName="Ryan Phone" '
    b'sourceVersion="12.4" unit="count" creationDate="2019-06-18 10:0%d:00 -0400" '
    b'startDate="2019-06-18 09:0%d:00 -0400" endDate="2019-06-18 09:0%d:59 -0400" '
    b'value="%d"/>\n' % (i, i, i, 100 + i)
    for i in range(5)
)


def test_a_newer_export_adds_only_what_is_new(
    v8: bytes, tmp_path: Path, new_store: Factory
) -> None:
    store = new_store()
    store.import_apple_health(bare(tmp_path, v8, "old"))
    before = last_anchor(store)
    newer = v8.replace(b"2019-06-17 21:07:11 -0400", b"2019-06-18 21:00:00 -0400", 1)
    assert newer != v8
    newer = with_elements(newer, EXTRA_RECORDS)
    summary = store.import_apple_health(bare(tmp_path, newer, "new"))
    assert counts(summary) == {"Me": (0, 1, 0), "Record": (5, 3352, 0)}
    assert summary.samples_added == 5
    assert summary.export_date == "2019-06-18T21:00:00-04:00"
    added = store.changes(anchor=before).added
    assert sorted(s.quantity.value for s in added if isinstance(s, QuantitySample)) == [
        100,
        101,
        102,
        103,
        104,
    ]
    assert len(added) == 5
    assert store_counts(store)["stepCount"] == 1588 + 5


# --- what real exports get wrong ------------------------------------------------------------------

ATTLIST_END = b"  brand            CDATA #IMPLIED\n>\n<!ELEMENT RightEye"


def test_the_ios16_dtd_defect_does_not_stop_the_import(tmp_path: Path, new_store: Factory) -> None:
    good = with_pressure_records(apple(V14))
    assert ATTLIST_END in good
    broken = good.replace(ATTLIST_END, ATTLIST_END.replace(b"\n>\n", b"\n\n"))
    with pytest.raises(ET.ParseError):  # what every conforming parser says about it
        ET.fromstring(broken)
    clean, damaged = new_store("clean"), new_store("damaged")
    expected = clean.import_apple_health(bare(tmp_path, good, "good"))
    summary = damaged.import_apple_health(bare(tmp_path, broken, "broken"))
    assert counts(summary) == counts(expected)
    assert [(s.kind, s.line) for s in summary.skips] == [(s.kind, s.line) for s in expected.skips]
    assert (
        store_counts(damaged)
        == store_counts(clean)
        == dict(xml_type_counts(good))
        | {
            "bloodPressure": 1,
            "heartbeatSeries": 1,
            "workout": 2,
        }
    )


def test_control_characters_in_attribute_values_are_removed_and_reported(
    tmp_path: Path, new_store: Factory
) -> None:
    good = apple(V14)
    dirty = good.replace(b'sourceName="Zepp Life"', b'sourceName="Zepp\x0b Life"')
    dirty = dirty.replace(b'value="45.2"', b'value="45\x0b.2"')
    removed = dirty.count(b"\x0b")
    assert removed == good.count(b'sourceName="Zepp Life"') + 1 == 5
    store = new_store()
    summary = store.import_apple_health(bare(tmp_path, dirty))
    assert summary.counts["Record"].added == V14_LINE_COUNT
    notes = [s for s in summary.skips if s.kind == "ControlCharacter"]
    assert len(notes) == 1 and f"{removed} control characters" in notes[0].reason
    assert {s.name for s in store.sources(["bodyMass", "bodyMassIndex"])} == {"Zepp Life"}
    (vo2,) = store.samples("vo2Max")
    assert isinstance(vo2, QuantitySample) and vo2.quantity.value == pytest.approx(45.2)


def test_duplicated_attributes_are_repaired_and_reported_with_their_line(
    tmp_path: Path, new_store: Factory
) -> None:
    good = apple(V14)
    dup = good.replace(b'value="56"', b'value="56" value="57"')
    store = new_store()
    summary = store.import_apple_health(bare(tmp_path, dup))
    assert summary.counts["Record"] == Counts(V14_LINE_COUNT, 0, 0)
    (repair,) = [s for s in summary.skips if s.kind == "XML"]
    assert repair.line == line_of(dup, b'value="56" value="57"')
    assert "redefined" in repair.reason and repair.partial
    beats = store.samples("heartRate", sort="start")
    # The parser hands on the attributes as a dict: the last of the repeated ones counts.
    assert [s.quantity.value for s in beats if isinstance(s, QuantitySample)] == [57, 96, 150]


def test_an_export_cda_with_several_documents_gives_several(
    tmp_path: Path, new_store: Factory
) -> None:
    cda = apple(V8_CDA)
    several = b"\n".join(
        [cda, apple(CDA_FRAGMENT), cda.replace(b"Health Data Export", b"Second Export")]
    )
    files = {"export.xml": apple(V14), "export_cda.xml": several}
    store = new_store()
    summary = store.import_apple_health(make_folder(tmp_path / "export", files))
    assert summary.counts["CDADocument"].added == 3
    titles = Counter(d.title for d in store.samples("cda") if isinstance(d, CDADocument))
    assert titles == {"Health Data Export": 1, None: 1, "Second Export": 1}  # the fragment: none


def test_unknown_types_are_kept_opaque_and_unfit_units_skipped_with_line_and_reason(
    tmp_path: Path, new_store: Factory
) -> None:
    # (Step 8, item 15: a type the catalogue lacks used to be skipped.)
    good = apple(V14)
    unknown_at = good.index(b"HKQuantityTypeIdentifierBodyMassIndex")
    bad = good[:unknown_at] + good[unknown_at:].replace(
        b"HKQuantityTypeIdentifierBodyMassIndex", b"HKQuantityTypeIdentifierNewInIOS19", 1
    )
    unit_at = bad.index(b'unit="kg"')
    bad = bad[:unit_at] + bad[unit_at:].replace(b'unit="kg"', b'unit="mmHg"', 1)
    store = new_store()
    summary = store.import_apple_health(bare(tmp_path, bad))

    assert summary.counts["Record"] == Counts(V14_LINE_COUNT - 2, 0, 1)
    assert summary.counts["Record (unknown type)"] == Counts(1, 0, 0)
    skipped = [(s.kind, s.line, s.reason) for s in summary.skips if s.kind == "Record"]
    assert skipped == [
        (
            "Record",
            line_of(bad, b'unit="mmHg"'),
            "unit 'mmHg' does not fit bodyMass (expects a unit compatible with 'kg')",
        ),
    ]
    [kept] = store.opaque_records()
    written = next(r for r in top_level_records(bad) if "NewInIOS19" in str(r.get("type")))
    assert dict(kept.attributes) == dict(written.attrib)
    expected = xml_type_counts(good)
    expected["bodyMass"] -= 1
    expected["bodyMassIndex"] -= 1
    found = store_counts(store)
    assert {t: found.get(t, 0) for t in expected} == dict(expected)


def test_a_record_with_an_empty_source_is_skipped_alone_one_with_an_odd_device_kept(
    tmp_path: Path, new_store: Factory
) -> None:
    # (Step 8, item 11: a device that is not Apple's description used to cost the Record.)
    good = apple(V14)
    first = good.index(b"<Record ")
    source_at = good.index(b'sourceName="', first)
    bad = good[:source_at] + good[source_at:].replace(
        good[source_at : good.index(b'"', source_at + 12) + 1], b'sourceName="  "', 1
    )
    device_at = bad.index(b'device="')
    bad = bad[:device_at] + bad[device_at:].replace(
        bad[device_at : bad.index(b'"', device_at + 8) + 1], b'device=" not a device "', 1
    )
    store = new_store()
    summary = store.import_apple_health(bare(tmp_path, bad))
    found = [(s.line, s.reason, s.partial) for s in summary.skips if s.kind == "Record"]
    assert [(line, partial) for line, _, partial in found] == [
        (line_of(bad, b'sourceName="  "'), False),
        (line_of(bad, b'device=" not a device "'), True),
    ]
    assert found[0][1] == "sourceName is empty"
    assert "'not a device'" in found[1][1] and "kept as its name" in found[1][1]
    assert summary.counts["Record"] == Counts(V14_LINE_COUNT - 1, 0, 1, repaired=1)
    devices = [s.device for s in store.changes(None).added if s.device is not None]
    assert Device(name="not a device") in devices


def test_an_export_xml_cut_short_keeps_what_came_before_and_says_where(
    v8: bytes, tmp_path: Path, new_store: Factory
) -> None:
    middle = v8.index(b"<Record ", len(v8) // 2)
    cut = v8.index(b'type="', middle) + 20  # inside the type of a Record
    complete = v8[:middle].count(b"<Record ")
    store = new_store()
    summary = store.import_apple_health(bare(tmp_path, v8[:cut]))
    assert summary.counts["Record"].added == complete
    assert sum(store_counts(store).values()) == complete
    repairs = [s for s in summary.skips if s.kind == "XML"]
    assert repairs and {s.line for s in repairs} == {line_of(v8, b"<Record ", middle)}


@pytest.mark.parametrize("batch_size", [1, 5000], ids=str)
def test_a_record_repeated_in_the_export_is_added_once_then_present(
    batch_size: int, tmp_path: Path, new_store: Factory
) -> None:
    good = apple(V14)
    start = good.index(b' <Record type="HKQuantityTypeIdentifierBodyMassIndex"')
    record = good[start : good.index(b"\n", start) + 1]
    twice = good.replace(record, record + record, 1)
    store = new_store()
    summary = store.import_apple_health(bare(tmp_path, twice), batch_size=batch_size)
    assert store_counts(store)["bodyMassIndex"] == 2  # as in the fixture: the copy adds none
    assert summary.counts["Record"] == Counts(V14_LINE_COUNT, 1, 0)
    assert summary.samples_added == sum(store_counts(store).values())  # the copy adds none


@pytest.mark.parametrize("background", [False, True])
def test_lines_past_65535_are_reported_exactly(
    tmp_path: Path, new_store: Factory, background: bool
) -> None:
    """libxml2 keeps an element's line in 16 bits and lxml's ``sourceline`` is one too high
    past line 65,535; the reader counts lines itself, in this process or the child."""
    good = apple(V14)
    end = good.index(b"</HealthData>")
    late = (
        b'<Record type="HKQuantityTypeIdentifierBodyMass" sourceName="Late Phone" unit="mmHg" '
        b'startDate="2024-01-01 08:00:00 +0100" endDate="2024-01-01 08:00:00 +0100" '
        b'value="1"/>\n'
    )
    xml = good[:end] + b"\n" * 70_000 + late + good[end:]
    summary = new_store().import_apple_health(bare(tmp_path, xml), background=background)
    [skip] = [s for s in summary.skips if s.kind == "Record"]
    assert skip.line == line_of(xml, b"Late Phone") > 70_000


def test_a_clinical_record_whose_file_is_not_a_resource_is_skipped_with_its_line(
    tmp_path: Path, new_store: Factory
) -> None:
    files = everything()
    files["clinical-records/Observation-1.json"] = apple(
        "clinical-records_Observation-lab-epic.json"
    )
    store = new_store()
    summary = store.import_apple_health(make_folder(tmp_path / "export", files))
    assert summary.counts["ClinicalRecord"] == Counts(1, 0, 1)
    (skip,) = [s for s in summary.skips if s.kind == "ClinicalRecord"]
    assert skip.line == line_of(files["export.xml"], b"<ClinicalRecord ")
    assert "resourceType" in skip.reason
    assert store.samples("labResultRecord") == []


# --- inputs that are not exports ------------------------------------------------------------------


def broken_inputs(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    """Inputs the importer must refuse, with a word its message must hold."""
    whole = make_zip(tmp_path / "whole.zip", everything()).read_bytes()
    truncated = tmp_path / "truncated.zip"
    truncated.write_bytes(whole[: len(whole) * 2 // 3])
    no_export = make_zip(tmp_path / "no_export.zip", {"export_cda.xml": apple(V8_CDA)})
    not_xml = make_zip(tmp_path / "not_xml.zip", {"export.xml": b"PK? no: just some text\n"})
    text = tmp_path / "notes.txt"
    text.write_text("not an export at all\n")
    garbage = bare(tmp_path, b"\x00\x01 binary garbage \xff\xfe", "garbage")
    wrong_root = bare(tmp_path, b'<?xml version="1.0"?>\n<gpx><trk/></gpx>\n', "wrong_root")
    return {
        "truncated zip": (truncated, "truncated.zip"),
        "zip without export.xml": (no_export, "no export.xml"),
        "non-XML export.xml in a zip": (not_xml, "not XML"),
        "text file": (text, "notes.txt"),
        "non-XML export.xml": (garbage, "export.xml"),
        "XML that is not HealthData": (wrong_root, "HealthData"),
        "missing path": (tmp_path / "missing.zip", "does not exist"),
    }


BROKEN = [
    "truncated zip",
    "zip without export.xml",
    "non-XML export.xml in a zip",
    "text file",
    "non-XML export.xml",
    "XML that is not HealthData",
    "missing path",
]


@pytest.mark.parametrize("case", BROKEN)
def test_inputs_that_are_not_exports_are_refused_and_nothing_is_written(
    case: str, tmp_path: Path, new_store: Factory
) -> None:
    path, word = broken_inputs(tmp_path)[case]
    store = new_store()
    with pytest.raises(InvalidArgument) as info:
        store.import_apple_health(path)
    assert word in info.value.message
    assert info.value.field == "path"
    assert last_anchor(store) == 0
    assert store_counts(store) == {}
    assert store.activity_summaries(date(2000, 1, 1), date(2030, 1, 1)) == []


# --- an import killed mid-way ---------------------------------------------------------------------

SYNTHETIC_TYPES = (
    ("HKQuantityTypeIdentifierStepCount", "count"),
    ("HKQuantityTypeIdentifierHeartRate", "count/min"),
    ("HKQuantityTypeIdentifierDistanceWalkingRunning", "km"),
)


def synthetic_export(records: int) -> bytes:
    """An export of ``records`` Records of three types, one a minute."""
    start = datetime(2021, 1, 1, tzinfo=timezone(timedelta(hours=1)))
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>\n<HealthData locale="en_US">\n',
        ' <ExportDate value="2021-06-01 12:00:00 +0100"/>\n',
        ' <Me HKCharacteristicTypeIdentifierDateOfBirth="1990-01-01"/>\n',
    ]
    for i in range(records):
        identifier, unit = SYNTHETIC_TYPES[i % len(SYNTHETIC_TYPES)]
        when = (start + timedelta(minutes=i)).strftime("%Y-%m-%d %H:%M:%S %z")
        parts.append(
            f' <Record type="{identifier}" sourceName="Phone" sourceVersion="1" unit="{unit}" '
            f'creationDate="{when}" startDate="{when}" endDate="{when}" value="{i % 97 + 1}"/>\n'
        )
    parts.append("</HealthData>\n")
    return "".join(parts).encode()


KILLED_RECORDS = 12_000
KILL_BATCH = 50


def test_an_import_killed_mid_way_keeps_whole_batches_and_a_second_run_finishes(
    tmp_path: Path, new_store: Factory
) -> None:
    xml = synthetic_export(KILLED_RECORDS)
    path = bare(tmp_path, xml)
    expected = dict(xml_type_counts(xml))
    directory = tmp_path / "killed"
    HealthStore.create(directory).close()
    code = (
        "from healthstore import HealthStore\n"
        f"HealthStore.open({str(directory)!r}).import_apple_health("
        f"{str(path)!r}, batch_size={KILL_BATCH})\n"
    )
    process = subprocess.Popen([sys.executable, "-c", code])
    try:
        with HealthStore.open(directory) as watcher:
            deadline = time.monotonic() + 60
            while not store_counts(watcher):  # until the first batch has committed
                assert process.poll() is None, "the import ended before it could be killed"
                assert time.monotonic() < deadline, "no batch committed within 60 s"
                time.sleep(0.002)
        process.send_signal(signal.SIGKILL)
    finally:
        process.kill()
        process.wait(30)
    assert process.returncode == -signal.SIGKILL

    with HealthStore.open(directory) as killed:
        partial = store_counts(killed)
        kept = sum(partial.values())
        assert 0 < kept < KILLED_RECORDS, "the kill should have come mid-import"
        assert all(expected[t] >= n for t, n in partial.items())

        summary = killed.import_apple_health(path)
        record = summary.counts["Record"]
        assert (record.added, record.present, record.skipped) == (
            KILLED_RECORDS - kept,
            kept,
            0,
        )
        assert summary.samples_added == KILLED_RECORDS - kept
        finished = store_counts(killed)

    clean = new_store("clean")
    clean.import_apple_health(path)
    assert finished == store_counts(clean) == expected
