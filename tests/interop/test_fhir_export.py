"""FHIR export: a valid R4 Bundle with the clinical records verbatim, the person, and the
common measurements as Observations whose LOINC codes and UCUM values match the samples."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from healthstore import Correlation, HealthStore, Quantity, QuantitySample
from healthstore.cli import app as cli_app
from healthstore.records import ClinicalRecord
from tests.conftest import shared_path

T = datetime(2024, 5, 1, 8, 0, tzinfo=UTC)


def measurements() -> list[QuantitySample | Correlation]:
    def q(name: str, value: float, unit: str, minutes: int = 0, length: int = 0) -> QuantitySample:
        start = T + timedelta(minutes=minutes)
        return QuantitySample(name, Quantity(value, unit), start, start + timedelta(minutes=length))

    pressure = Correlation(
        "bloodPressure", T, T,
        [q("bloodPressureSystolic", 121, "mmHg"), q("bloodPressureDiastolic", 79, "mmHg")],
    )  # fmt: skip
    return [
        q("heartRate", 1.2, "count/s"),
        q("respiratoryRate", 15, "count/min"),
        q("bodyMass", 160, "lb"),
        q("bodyTemperature", 98.6, "degF"),
        q("oxygenSaturation", 0.97, "%"),
        q("bloodGlucose", 5.5, "mmol<180.15588000005408>/L"),
        q("stepCount", 420, "count", 10, 5),
        pressure,
    ]


def test_the_bundle_is_valid_r4_and_every_value_matches(store: HealthStore, tmp_path: Path) -> None:
    from fhir.resources.R4B.bundle import Bundle

    store.set_characteristic("biologicalSex", "female")
    store.set_characteristic("dateOfBirth", date(1980, 2, 3))
    store.save(measurements())
    store.import_fhir(shared_path("data", "fhir"), source="General Hospital")
    counts = store.export_fhir(tmp_path / "out.json")
    data = json.loads((tmp_path / "out.json").read_text())
    Bundle.model_validate(data)  # the whole Bundle, every entry
    resources = [e["resource"] for e in data["entry"]]
    (person,) = [r for r in resources if r["resourceType"] == "Patient"]
    assert (person["gender"], person["birthDate"]) == ("female", "1980-02-03")
    ours = [r for r in resources if r.get("subject") == {"reference": "Patient/person"}]
    observations = {r["code"]["coding"][0]["code"]: r for r in ours}
    expected = {
        "8867-4": (72.0, "/min"),
        "9279-1": (15.0, "/min"),
        "29463-7": (72.57472, "kg"),
        "8310-5": (37.0, "Cel"),
        "59408-5": (97.0, "%"),
        "55423-8": (420.0, "{steps}"),
    }
    for code, (value, unit) in expected.items():
        quantity = observations[code]["valueQuantity"]
        assert quantity["value"] == pytest.approx(value) and quantity["code"] == unit
    glucose = observations["2339-0"]["valueQuantity"]
    assert (
        glucose["value"] == pytest.approx(5.5 * 18.015588, rel=1e-6) and glucose["unit"] == "mg/dL"
    )
    panel = observations["85354-9"]
    parts = [
        (c["code"]["coding"][0]["code"], c["valueQuantity"]["value"]) for c in panel["component"]
    ]
    assert parts == [("8480-6", 121.0), ("8462-4", 79.0)]
    assert (
        "effectivePeriod" in observations["55423-8"]
        and "effectiveDateTime" in observations["8867-4"]
    )
    r4 = [
        r
        for r in store.samples("conditionRecord")
        if isinstance(r, ClinicalRecord) and r.fhir_release == "R4"
    ]
    exported = [r for r in resources if r["resourceType"] == "Condition"]
    assert sorted(json.dumps(r, sort_keys=True) for r in exported) == sorted(
        json.dumps(r.resource, sort_keys=True) for r in r4
    )  # verbatim
    assert counts.left_out["DSTU2 Condition"] == 9


def test_the_command_line_refuses_an_existing_file(tmp_path: Path) -> None:
    runner = CliRunner()
    directory = tmp_path / "store"
    runner.invoke(cli_app, ["init", str(directory), "--no-encryption"])
    out = tmp_path / "bundle.json"
    first = runner.invoke(
        cli_app, ["export", "fhir", str(out), "--store", str(directory), "--json"]
    )
    assert first.exit_code == 0, first.output
    assert json.loads(first.output)["resources"] == {"Patient": 1}
    again = runner.invoke(cli_app, ["export", "fhir", str(out), "--store", str(directory)])
    assert again.exit_code == 1 and "already exists" in again.output
