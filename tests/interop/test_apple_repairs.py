"""A bad field costs that field, not its element, and the summary accounts for every element.

One export holds every defect real exports brought (a device that is a bare name, a metadata
unit spelled with a dash, a metadata value that does not read, a workout event outside its
workout, a type the catalogue lacked, a type no version knows yet, two Records that differ
only in their creation date) beside the defects the importer always reported (no source, a
date that does not read, an element the format does not have). The summary's categories
must add up to the elements of ``export.xml`` counted here with ``xml.etree``, and every
element left out or repaired must be named with its line.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from healthstore import HealthStore
from healthstore.exports.apple import write_export
from healthstore.imports.apple import OPAQUE, ImportSummary, import_apple_health
from healthstore.interop.apple.values import normalize_unit
from healthstore.model import Device, Workout
from healthstore.units import Quantity
from tests.conftest import quantity_of

WATCH = (
    "&lt;&lt;HKDevice: 0x1&gt;, name:Apple Watch, manufacturer:Apple Inc., "
    "model:Watch, hardware:Watch6,2, software:10.4&gt;"
)
STEPS = 'type="HKQuantityTypeIdentifierStepCount" sourceName="Watch" unit="count"'


def times(created: str | None, start: str, end: str, day: str = "2024-05-01") -> str:
    """creationDate, startDate and endDate attributes (clock times given as HH:MM)."""
    text = f'startDate="{day} {start}:00 +0200" endDate="{day} {end}:00 +0200"'
    return text if created is None else f'creationDate="{day} {created}:00 +0200" {text}'


WORKOUT_TIMES = times("09:00", "08:00", "08:45")
EXPORT = f"""<?xml version="1.0" encoding="UTF-8"?>
<HealthData locale="en_US">
 <ExportDate value="2024-06-01 12:00:00 +0200"/>
 <Me HKCharacteristicTypeIdentifierDateOfBirth="1980-01-02"/>
 <Record {STEPS} device="{WATCH}" {times("07:10", "07:00", "07:05")} value="100"/>
 <Record {STEPS} device="Dummy device" {times("07:20", "07:10", "07:15")} value="110"/>
 <Record {STEPS} {times("07:40", "07:30", "07:35")} value="120"/>
 <Record {STEPS} {times("07:41", "07:30", "07:35")} value="120"/>
 <Record type="HKDataTypeSleepDurationGoal" sourceName="Health" unit="hr"
  {times("07:00", "07:00", "07:00")} value="8"/>
 <Record type="HKQuantityTypeIdentifierNewInIOS30" sourceName="Phone" unit="zz"
  {times("07:00", "07:00", "07:00", "2024-05-02")} value="3">
  <MetadataEntry key="HKNewKey" value="a &amp; b"/>
 </Record>
 <Record {STEPS} sourceName2="x" {times("07:50", "07:50", "07:55")} value="5" />
 <Record {STEPS} {times("08:50", "08:50", "08:55")} value="7">
  <MetadataEntry key="HKWasUserEntered" value="maybe"/>
 </Record>
 <Record type="HKQuantityTypeIdentifierStepCount" sourceName="  " unit="count"
  {times(None, "07:00", "07:05")} value="1"/>
 <Record {STEPS} startDate="yesterday" endDate="2024-05-01 07:05:00 +0200" value="1"/>
 <Workout workoutActivityType="HKWorkoutActivityTypeRunning" duration="45" durationUnit="min"
  sourceName="Watch" device="{WATCH}" {WORKOUT_TIMES}>
  <MetadataEntry key="HKAverageMETs" value="5.1 kcal/hr-kg"/>
  <MetadataEntry key="HKElevationAscended" value="a lot"/>
  <WorkoutEvent type="HKWorkoutEventTypePause" date="2024-05-01 08:10:00 +0200"/>
  <WorkoutEvent type="HKWorkoutEventTypeResume" date="2024-05-01 09:30:00 +0200"/>
  <WorkoutRoute sourceName="Watch" {WORKOUT_TIMES}>
   <Location date="2024-05-01 08:00:00 +0200" latitude="46.5" longitude="6.6"/>
   <Location date="2024-05-01 08:01:00 +0200" latitude="46.51" longitude="6.61"/>
  </WorkoutRoute>
 </Workout>
 <ActivitySummary dateComponents="2024-05-01" activeEnergyBurned="300"
  activeEnergyBurnedGoal="500" activeEnergyBurnedUnit="kcal"/>
 <Nonsense value="1"/>
</HealthData>
"""


def line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


@pytest.fixture
def opened() -> Iterator[list[HealthStore]]:
    """Stores to close at the end of the test."""
    stores: list[HealthStore] = []
    yield stores
    for store in stores:
        store.close()


def import_twice(
    opened: list[HealthStore], tmp_path: Path, plain: bool, background: bool = False
) -> tuple[HealthStore, ImportSummary, ImportSummary]:
    path = tmp_path / "export.xml"
    path.write_text(EXPORT, "utf-8")
    store = HealthStore.create(tmp_path / f"store-{plain}")
    opened.append(store)
    key = bytes(range(32))
    first = import_apple_health(store, path, plain=plain, background=background, uuid_key=key)
    again = import_apple_health(store, path, plain=plain, background=background, uuid_key=key)
    return store, first, again


@pytest.mark.parametrize(
    ("plain", "background"),
    [(True, False), (False, False), (True, True)],
    ids=["fast-lane", "objects", "reader-process"],
)
def test_every_element_is_accounted_for_and_each_defect_costs_only_its_field(
    opened: list[HealthStore], tmp_path: Path, plain: bool, background: bool
) -> None:
    store, first, again = import_twice(opened, tmp_path, plain, background)
    elements = len(ET.fromstring(EXPORT.encode()))
    assert elements == 15
    for summary in (first, again):
        assert summary.elements == elements
        assert summary.accounted() == elements

    # left out: the Record without a source, the one with no start, the unknown element
    left_out = sorted((s.kind, s.line) for s in first.left_out)
    assert left_out == sorted(
        [
            # (an element's line is the one its start tag ends on)
            ("Record", line_of(EXPORT, 'sourceName="  "') + 1),
            ("Record", line_of(EXPORT, 'startDate="yesterday"')),
            ("Nonsense", line_of(EXPORT, "<Nonsense")),
        ]
    )
    assert all(s.reason for s in first.left_out)

    # repaired, each with its line: the device, and the workout's metadata value and event
    repairs = sorted((s.kind, s.line, s.reason) for s in first.repairs)
    workout_line = line_of(EXPORT, "<Workout ") + 1
    assert [(kind, line) for kind, line, _ in repairs] == [
        ("Record", line_of(EXPORT, 'device="Dummy device"')),
        ("Record", line_of(EXPORT, 'key="HKWasUserEntered"') - 1),
        ("Workout", workout_line),
        ("Workout", workout_line),
    ]
    assert "'Dummy device'" in repairs[0][2]
    assert "'HKWasUserEntered'" in repairs[1][2] and "maybe" not in repairs[1][2]
    reasons = " | ".join(reason for _, _, reason in repairs[2:])
    assert "'HKElevationAscended'" in reasons and "a lot" not in reasons  # no values told
    assert f"workout event at line {line_of(EXPORT, '09:30:00')} left out" in reasons

    counts = first.counts
    # one plain + the odd device + 2 twins + the sleep goal + one with an extra attribute
    # + one with a metadata value that does not read
    assert (counts["Record"].added, counts["Record"].skipped) == (7, 2)
    assert counts["Record"].repaired == 2
    assert (counts[OPAQUE].added, counts["Workout"].added, counts["Workout"].repaired) == (1, 1, 1)
    assert counts["Nonsense"].skipped == 1
    assert again.samples_added == 0
    assert sum(c.added for c in again.counts.values()) == 0

    # what was kept, and how
    steps = store.samples("stepCount")
    assert len(steps) == 6  # the twins that differ only in their creation date stay two
    assert Device(name="Dummy device") in {s.device for s in steps}
    kept = [s.metadata for s in steps if "HKWasUserEntered (as written)" in s.metadata]
    assert kept == [{"HKWasUserEntered (as written)": "maybe"}]
    assert [quantity_of(s).value for s in store.samples("sleepDurationGoal")] == [8.0]
    [workout] = store.samples("workout")
    assert isinstance(workout, Workout)
    assert len(workout.events) == 1  # the pause; the resume after the end is left out
    assert workout.metadata["HKAverageMETs"] == Quantity(5.1, "kcal/(hr*kg)")
    assert workout.metadata["HKElevationAscended (as written)"] == "a lot"
    assert len(store.workout_samples(workout, "workoutRoute")) == 1
    [opaque] = store.opaque_records()
    assert opaque.type == "HKQuantityTypeIdentifierNewInIOS30"
    assert opaque.metadata == (("HKNewKey", "a & b"),)


def test_an_export_written_back_holds_the_opaque_record_and_the_value_kept_as_text(
    opened: list[HealthStore], tmp_path: Path
) -> None:
    store, _, _ = import_twice(opened, tmp_path, True)
    out = write_export(store, tmp_path / "back.zip")
    with zipfile.ZipFile(out.path) as archive:
        xml = archive.read("apple_health_export/export.xml")
    root = ET.fromstring(xml.split(b"]>", 1)[-1] if b"<!DOCTYPE" in xml else xml)
    [unknown] = [r for r in root.iter("Record") if "NewInIOS30" in (r.get("type") or "")]
    written = ET.fromstring(EXPORT.encode())
    [original] = [r for r in written.iter("Record") if "NewInIOS30" in (r.get("type") or "")]
    assert unknown.attrib == original.attrib
    assert [(m.get("key"), m.get("value")) for m in unknown] == [("HKNewKey", "a & b")]
    [workout] = root.iter("Workout")
    entries = {m.get("key"): m.get("value") for m in workout.iter("MetadataEntry")}
    assert entries["HKElevationAscended"] == "a lot"


@pytest.mark.parametrize(
    ("written", "read"),
    [("kcal/hr·kg", "kcal/(hr*kg)"), ("kcal/hr-kg", "kcal/(hr*kg)"), ("mL/kg-min", "mL/(kg*min)")],
)
def test_the_unit_spellings_apple_writes_read_as_one_unit(written: str, read: str) -> None:
    assert normalize_unit(written) == read
