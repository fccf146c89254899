"""Every quantity type names the unit people read it in, and that unit fits the type."""

from __future__ import annotations

import csv
from importlib import resources

import pytest

from healthstore import catalogue
from healthstore.catalogue import Kind
from healthstore.units import Quantity, parse_unit


def _file_rows() -> dict[str, str]:
    text = (
        resources.files("healthstore.catalogue")
        .joinpath("data", "display_units.csv")
        .read_text("utf-8")
    )
    rows = list(csv.DictReader(text.splitlines()))
    identifiers = [r["identifier"] for r in rows]
    assert len(identifiers) == len(set(identifiers)), "a type is listed twice"
    return {r["identifier"]: r["display_unit"] for r in rows}


def test_every_quantity_type_has_a_display_unit_that_converts_from_the_canonical() -> None:
    listed = _file_rows()
    quantity_types = catalogue.all_types(Kind.quantity)
    assert {t.identifier for t in quantity_types} == set(listed)
    for t in quantity_types:
        assert t.canonical_unit is not None
        assert t.display_unit == listed[t.identifier]
        unit = parse_unit(listed[t.identifier])
        assert unit.is_compatible(t.canonical_unit), t.short_name
        one = Quantity(1.0, t.canonical_unit).to(unit)
        assert one.to(t.canonical_unit).value == pytest.approx(1.0), t.short_name


@pytest.mark.parametrize(
    ("name", "unit"),
    [
        ("heartRate", "count/min"),
        ("respiratoryRate", "count/min"),
        ("bodyMass", "kg"),
        ("distanceWalkingRunning", "km"),
        ("activeEnergyBurned", "kcal"),
        ("bodyTemperature", "degC"),
        ("oxygenSaturation", "%"),
        ("bloodGlucose", "mg/dL"),
        ("bloodPressureSystolic", "mmHg"),
        ("stepCount", "count"),
        ("dietarySodium", "mg"),
        ("dietaryVitaminD", "mcg"),
        ("height", "cm"),
    ],
)
def test_healthkit_preferred_units(name: str, unit: str) -> None:
    assert catalogue.object_type(name).display_unit == unit


def test_types_without_a_unit_have_no_display_unit() -> None:
    assert catalogue.object_type("sleepAnalysis").display_unit is None
    assert catalogue.object_type("workout").display_unit is None
