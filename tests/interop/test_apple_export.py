"""Writing Apple Health exports: a store written out and imported into a new store comes
back the same; the synthetic export imports without a skip; the CLI commands."""

from __future__ import annotations

import json
import math
import re
import zipfile
from collections import Counter
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from lxml import etree
from typer.testing import CliRunner

from healthstore import (
    ActivitySummary,
    Audiogram,
    AudiogramPoint,
    CategorySample,
    CDADocument,
    Correlation,
    Electrocardiogram,
    HealthStore,
    Heartbeat,
    HeartbeatSeries,
    Location,
    Quantity,
    QuantitySample,
    Source,
    SourceRevision,
    StateOfMind,
    VisionPrescription,
    Workout,
    WorkoutActivity,
    WorkoutEvent,
    WorkoutRoute,
    WorkoutStatistics,
    catalogue,
    demo,
)
from healthstore.cli import app
from healthstore.clinical.records import clinical_record
from healthstore.exports.apple import ROOT, ExportCounts, pages, write_export
from healthstore.interop.apple.files import CDA_SOURCE, ECG_SOURCE
from healthstore.times import to_micros
from tests.apple_content import characteristics, everything, routes_by_workout
from tests.conftest import PARIS, shared_path

END = datetime(2024, 4, 10, tzinfo=PARIS)  # 20 days before it cross the change to summer time
EXPORTED = datetime(2024, 4, 12, 9, 30, tzinfo=PARIS)
WATCH = demo.WATCH
WATCH_DEVICE = demo.DEVICES[WATCH]
HOSPITAL = "Hôpital Saint-Louis"
OPTICIAN = Source("com.example.optician", "Lunettes & Co")
LAB = Source("com.example.lab", "Lab <Central>")


def t(day: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    """A Paris wall-clock time in April 2024 (March for day <= 0)."""
    return datetime(2024, 4, 1, hour, minute, second, tzinfo=PARIS) + timedelta(days=day - 1)


# -- one of every other kind ---------------------------------------------------------------------


def route_locations(start: datetime) -> list[Location]:
    out = []
    for i in range(60):
        out.append(
            Location(
                start + timedelta(minutes=i, microseconds=250_000 if i == 7 else 0),
                48.8566 + i * 0.000123456789,
                2.3522 - i * 0.0000987654321,
                altitude=35.5 + i / 3,
                horizontal_accuracy=4.25,
                vertical_accuracy=3.1234567,
                course=(i * 7.5) % 360,
                speed=5.55 + i / 100,
            )
        )
    return out


def a_workout() -> Workout:
    start, end = t(6, 10), t(6, 11)
    return Workout(
        "cycling",
        start,
        end,
        events=[
            WorkoutEvent.create("pause", t(6, 10, 20)),
            WorkoutEvent.create("resume", t(6, 10, 22, 30)),
            WorkoutEvent.create("segment", start, t(6, 10, 30), {"Lap & Split": "first <half>"}),
            WorkoutEvent.create("marker", t(6, 10, 45, 13)),
        ],
        activities=[
            WorkoutActivity.create(
                "cycling",
                start,
                end,
                {"HKIndoorWorkout": False},
                UUID("936b9e1d-52b9-41ca-bca9-9654d43f004e"),
                events=[
                    WorkoutEvent.create("segment", start, t(6, 10, 30)),
                    WorkoutEvent.create("lap", t(6, 10, 40), metadata={"Lap": "<2>"}),
                ],
                statistics=[
                    WorkoutStatistics.create("heartRate", average=Quantity(131.5, "count/min")),
                    WorkoutStatistics.create("distanceCycling", sum=Quantity(24.375, "km")),
                ],
            )
        ],
        statistics=[
            WorkoutStatistics.create(
                "heartRate",
                average=Quantity(131.5, "count/min"),
                minimum=Quantity(88, "count/min"),
                maximum=Quantity(171, "count/min"),
            ),
            WorkoutStatistics.create("activeEnergyBurned", sum=Quantity(612.25, "Cal")),
            WorkoutStatistics.create("distanceCycling", sum=Quantity(24.375, "km")),
        ],
        total_energy_burned=Quantity(612.25, "kcal"),
        total_distance=Quantity(24.375, "km"),
        source=SourceRevision(WATCH, "10.4"),
        device=WATCH_DEVICE,
        metadata={
            "HKTimeZone": "Europe/Paris",
            "HKIndoorWorkout": False,
            "HKAverageMETs": Quantity(6.5, "kcal/(hr*kg)"),
            "HKWeatherTemperature": Quantity(54.5, "degF"),
            "HKWeatherHumidity": Quantity(69, "%"),
            "Route & Notes": 'Loop <north> "fast"\tthen home',
        },
    )


def add_every_other_kind(store: HealthStore) -> None:
    store.set_characteristic("wheelchairUse", "No")
    workout = a_workout()
    route = WorkoutRoute(
        workout.start,
        workout.end,
        route_locations(workout.start),
        source=SourceRevision(WATCH, "10.4"),
        device=WATCH_DEVICE,
        metadata={"HKMetadataKeySyncIdentifier": "route-1", "HKMetadataKeySyncVersion": 2},
    )
    hrv = QuantitySample(
        "heartRateVariabilitySDNN",
        Quantity(52.3, "ms"),
        t(3, 3, 12),
        t(3, 3, 13),
        source=WATCH,
        device=WATCH_DEVICE,
    )
    beats = [Heartbeat(round(i * 0.87 + (i % 3) * 0.013, 3)) for i in range(68)]
    series = HeartbeatSeries(hrv.start, hrv.end, beats, source=WATCH, device=WATCH_DEVICE)
    voltages = [round(300 * math.sin(i / 9) + (i % 7) * 1.25, 3) for i in range(1024)]
    ecg = Electrocardiogram(
        t(2, 9, 15, 7),
        t(2, 9, 15, 9),
        classification="sinusRhythm",
        sampling_frequency=Quantity(512, "Hz"),
        voltages=voltages,
        source=ECG_SOURCE,
        metadata={"HKAppleECGAlgorithmVersion": 1},
    )
    resource = {
        "resourceType": "Observation",
        "id": "obs-42",
        "status": "final",
        "code": {"text": "Hemoglobin A1c", "coding": [{"code": "4548-4", "display": "HbA1c"}]},
        "valueQuantity": {"value": 5.4, "unit": "%"},
    }
    clinical = clinical_record(  # as every importer makes them
        resource,
        release="R4",
        source_name=HOSPITAL,
        source_url="https://fhir.example.org/r4",
        received=t(-5, 10),
        type=catalogue.object_type("labResultRecord"),
    )
    cda_xml = (
        '<?xml version="1.0"?>\n<ClinicalDocument xmlns="urn:hl7-org:v3">'
        "<title>Health Data Export</title><recordTarget><patientRole><patient><name>"
        "<given>Alex</given> <family>Martin</family></name></patient></patientRole>"
        "</recordTarget><author><assignedAuthor><assignedPerson><name>Dr Ada Lovelace</name>"
        "</assignedPerson></assignedAuthor></author><custodian><name>Clinique &amp; Co</name>"
        "</custodian></ClinicalDocument>"
    )
    cda = CDADocument(
        EXPORTED,
        EXPORTED,
        cda_xml,
        title="Health Data Export",
        patient_name="Alex Martin",
        author_name="Dr Ada Lovelace",
        custodian_name="Clinique & Co",
        source=CDA_SOURCE,
    )
    audiogram = Audiogram(
        t(-3, 16, 40),
        t(-3, 16, 52),
        [
            AudiogramPoint(f, 10 + f / 1000, None if f == 8000 else 5 + f / 2000)
            for f in (250, 500, 1000, 2000, 4000, 8000)
        ],
        source=Source("com.example.hearing", "Mimi Hearing Test"),
        metadata={"HKWasUserEntered": False},
    )
    vision = VisionPrescription(
        t(-8, 11),
        prescription_type="contacts",
        right_eye={"sphere": -1.25, "cylinder": -0.5, "axis": 90, "base_curve": 8.6},
        left_eye={"sphere": -1.5, "diameter": 14.2},
        expiration=t(-8, 11) + timedelta(days=365),
        source=OPTICIAN,
        metadata={"Optician": "Lunettes & Co <Lyon>"},
    )
    odd_units = [
        QuantitySample(
            "bloodGlucose",
            Quantity(5.23, "mmol<180.1558800000541>/L"),
            t(4, 12, 30),
            source=LAB,
            metadata={"HKBloodGlucoseMealTime": 2, "HKWasUserEntered": True},
        ),
        QuantitySample(
            "vo2Max",
            Quantity(45.2, "mL/(kg*min)"),
            t(6, 11),
            source=WATCH,
            device=WATCH_DEVICE,
            metadata={"HKVO2MaxTestType": 2},
        ),
        QuantitySample("dietaryEnergyConsumed", Quantity(512, "Cal"), t(5, 13), source=LAB),
        CategorySample("mindfulSession", "NotApplicable", t(5, 7), t(5, 7, 10), source=WATCH),
    ]
    meal = Correlation(
        "food",
        t(5, 13),
        t(5, 13),
        [odd_units[2]],
        source=LAB,
        metadata={"HKFoodType": "Fish & Chips", "portion": 1.5, "tiny": 1e-05},
    )
    store.save([workout, route, hrv, series, ecg, clinical, cda, audiogram, vision, *odd_units])
    store.save(meal)
    store.add_to_workout(workout, [route])
    store.save_activity_summaries(
        [
            ActivitySummary(
                date(2024, 4, day),
                active_energy_burned=Quantity(450.5 + day, "kcal"),
                active_energy_burned_goal=Quantity(500, "kcal"),
                exercise_time=Quantity(30 + day, "min"),
                exercise_time_goal=Quantity(30, "min"),
                stand_hours=Quantity(10 + day % 3, "count"),
                stand_hours_goal=Quantity(12, "count"),
            )
            for day in (3, 4, 5)
        ]
        + [ActivitySummary(date(2024, 4, 6), move_time=Quantity(35, "min"))]
    )


@pytest.fixture(scope="module")
def round_trip(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[HealthStore, HealthStore, ExportCounts, Any]]:
    base = tmp_path_factory.mktemp("round-trip")
    with (
        HealthStore.create(base / "original") as original,
        HealthStore.create(base / "copy") as copy,
    ):
        demo.populate(original, days=20, end=END)
        add_every_other_kind(original)
        counts = write_export(original, base / "export.zip", exported=EXPORTED)
        summary = copy.import_apple_health(base / "export.zip")
        yield original, copy, counts, summary


def test_a_written_export_imports_into_a_new_store_unchanged(round_trip: Any) -> None:
    original, copy, _, summary = round_trip
    assert summary.skipped_total == 0, summary.skips
    before, after = everything(original), everything(copy)
    assert sum(before.values()) > 8000
    assert before - after == Counter(), "lost in the round trip"
    assert after - before == Counter(), "made up by the round trip"


def test_characteristics_summaries_and_routes_come_back(round_trip: Any) -> None:
    original, copy, _, _ = round_trip
    assert characteristics(copy) == characteristics(original)
    every_day = (date(2000, 1, 1), date(2100, 1, 1))
    assert copy.activity_summaries(*every_day) == original.activity_summaries(*every_day)
    routes = routes_by_workout(original)
    assert sum(len(r) for r in routes.values()) == 1
    assert routes_by_workout(copy) == routes


def test_counts_say_what_was_written(round_trip: Any) -> None:
    _, _, counts, summary = round_trip
    for kind, n in counts.counts.items():
        if kind in ("WorkoutRoute", "HeartbeatSeries"):
            continue
        assert summary.counts[kind].added == n, kind
    assert counts.counts["HeartbeatSeries"] == 1
    assert counts.counts["WorkoutRoute"] == 1
    assert counts.counts["ElectrocardiogramFile"] == 1
    assert counts.counts["CDADocument"] == 1
    assert counts.left_out == {}


def test_the_written_export_is_valid_against_its_own_dtd(round_trip: Any) -> None:
    _, _, counts, _ = round_trip
    with zipfile.ZipFile(counts.path) as archive:
        data = archive.read(ROOT + "export.xml")
        names = set(archive.namelist())
    parser = etree.XMLParser(dtd_validation=True, no_network=True, huge_tree=True)
    root = etree.fromstring(data, parser)
    assert root.tag == "HealthData"
    assert {
        ROOT + "export_cda.xml",
        ROOT + "workout-routes/route_2024-04-06_10.00am.gpx",
        ROOT + "clinical-records/Observation-obs-42.json",
        ROOT + "electrocardiograms/ecg_2024-04-02.csv",
    } <= names


def test_routes_are_gpx_laid_out_like_apples(round_trip: Any) -> None:
    _, _, counts, _ = round_trip
    apple = shared_path("data", "apple", "healthkit-to-sqlite_route_2019-06-11_3.00pm.gpx")
    with zipfile.ZipFile(counts.path) as archive:
        ours = archive.read(ROOT + "workout-routes/route_2024-04-06_10.00am.gpx")

    def shape(data: bytes) -> tuple[dict[str, str], set[str]]:
        root = etree.fromstring(data)
        tree = root.getroottree()
        paths = {re.sub(r"\{[^}]*\}|\[\d+\]", "", tree.getpath(e)) for e in root.iter()}
        return {str(k): str(v) for k, v in root.attrib.items()}, paths

    assert shape(ours) == shape(apple.read_bytes())


def test_pages_give_every_sample_once_even_when_many_share_a_start(store: HealthStore) -> None:
    source = Source("com.example.pedometer", "Pedometer")
    same = [
        QuantitySample("stepCount", Quantity(i, "count"), t(1, 8), t(1, 8, i + 1), source=source)
        for i in range(7)
    ]
    other = [
        QuantitySample("stepCount", Quantity(i, "count"), t(1, 9 + i), source=source)
        for i in range(5)
    ]
    store.save([*other, *same])
    seen = [s.uuid for page in pages(store, "stepCount", page=3) for s in page]
    assert sorted(seen) == sorted(s.uuid for s in [*same, *other])
    starts = [to_micros(s.start) for page in pages(store, "stepCount", page=3) for s in page]
    assert starts == sorted(starts)


def test_what_the_format_cannot_hold_is_counted(store: HealthStore, tmp_path: Path) -> None:
    route = WorkoutRoute(t(1, 8), t(1, 9), route_locations(t(1, 8)), source=WATCH)
    beats = HeartbeatSeries(t(1, 3), t(1, 3, 1), [Heartbeat(0.5)], source=WATCH)
    mood = StateOfMind(t(1, 20), what="dailyMood", valence=0.4, labels=["happy"])
    store.save([route, beats, mood])
    counts = write_export(store, tmp_path / "export.zip")
    assert counts.left_out == {"workoutRoute": 1, "heartbeatSeries": 1, "stateOfMind": 1}
    assert counts.to_json()["counts"] == {"Me": 1}


def test_the_same_store_writes_the_same_files(round_trip: Any, tmp_path: Path) -> None:
    original, _, counts, _ = round_trip
    again = write_export(original, tmp_path / "again.zip", exported=EXPORTED)
    with zipfile.ZipFile(counts.path) as first, zipfile.ZipFile(again.path) as second:
        for name in first.namelist():
            assert first.read(name) == second.read(name), name


# -- the command line ----------------------------------------------------------------------------


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.delenv("HEALTHSTORE_DIR", raising=False)
    return CliRunner()


def test_cli_export_apple_health(runner: CliRunner, tmp_path: Path) -> None:
    with HealthStore.create(tmp_path / "store") as store:
        store.set_characteristic("bloodType", "ONegative")
        store.save(QuantitySample("bodyMass", Quantity(70.5, "kg"), t(1, 7), source=LAB))
    out = tmp_path / "export.zip"
    args = ["export", "apple-health", str(out), "--store", str(tmp_path / "store")]
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, (result.stdout, result.stderr)
    assert json.loads(result.stdout) == {
        "path": str(out),
        "counts": {"Me": 1, "Record": 1},
        "left_out": {},
    }
    again = runner.invoke(app, args)
    assert again.exit_code == 1
    assert "already exists" in again.stderr
    text = runner.invoke(app, ["export", "apple-health", str(tmp_path / "b.zip"), *args[3:]])
    assert text.exit_code == 0
    assert "Record" in text.stdout
    assert "wrote" in text.stdout


def test_cli_demo_export(runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "synthetic.zip"
    args = ["demo", "export", "--records", "700", str(out), "--seed", "3", "--json"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, (result.stdout, result.stderr)
    data = json.loads(result.stdout)
    assert data["path"] == str(out)
    assert data["counts"]["Record"] >= 700
    assert "records/s" in result.stderr
    assert zipfile.ZipFile(out).testzip() is None
