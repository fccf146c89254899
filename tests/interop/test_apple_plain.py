"""The import's fast lane against its object path.

:mod:`healthstore.interop.apple.plain_records` turns ordinary Records into plain samples
without building objects; :func:`healthstore.interop.apple.elements.record` builds and
validates the sample object. Wherever the lane gives a plain sample, the object path must
build the very same sample (uuid, times, zone, value, unit, source, device, metadata); and
wherever the object path refuses a Record, the lane must give nothing. Then whole imports
through either path must leave identical rows, counts and skips.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from healthstore import HealthStore
from healthstore.demo.apple_export import write_synthetic_export
from healthstore.imports.apple import import_apple_health
from healthstore.interop.apple.elements import Context, Rejected, record
from healthstore.interop.apple.plain_records import PlainRecords
from healthstore.interop.apple.uuids import ContentUuids
from healthstore.model import QuantitySample
from healthstore.plain import to_sample
from healthstore.units import Quantity
from tests.conftest import quantity_of, shared_path
from tests.interop.test_apple_repairs import EXPORT as DEFECTS

V8 = "rgosdin-docs_export_v8_2019.xml"
V14 = "grll-apple-health-mcp_export_v14.xml"


KEY = bytes(range(32))


def _context(key: bytes = b"") -> Context:
    return Context(lambda name: None, ContentUuids(key))


def _lane_and_objects(element: Any, lane: PlainRecords, ctx: Context) -> tuple[Any, Any]:
    """(plain sample or None, sample object or the Rejected) for one Record element."""
    entries = []
    plain_possible = True
    for child in element:
        if child.tag != "MetadataEntry":
            plain_possible = False
        else:
            entries.append((child.get("key"), child.get("value")))
    plain = lane.convert(dict(element.attrib), entries) if plain_possible else None
    try:
        built: Any = record(element, ctx).samples[0]
    except Rejected as exc:
        built = exc
    return plain, built


def _records(xml: bytes) -> Iterator[Any]:
    root = etree.fromstring(xml, etree.XMLParser(load_dtd=False, resolve_entities=False))
    return (child for child in root if child.tag == "Record")


@pytest.mark.parametrize("name", [V8, V14])
def test_the_lane_and_the_object_path_agree_on_every_record_of_the_shared_exports(
    name: str,
) -> None:
    xml = shared_path("data", "apple", name).read_bytes()
    lane, ctx = PlainRecords(_context()), _context()
    taken = total = 0
    for element in _records(xml):
        plain, built = _lane_and_objects(element, lane, ctx)
        total += 1
        if plain is None:
            continue
        taken += 1
        assert not isinstance(built, Rejected), built
        assert to_sample(plain) == built
    assert total and taken >= 0.9 * total  # the lane carries nearly all of a real export


# --- generated Records ------------------------------------------------------------------------

_TYPES = st.sampled_from(
    [
        ("HKQuantityTypeIdentifierStepCount", ["count", "", "km", "count/min"]),
        ("HKQuantityTypeIdentifierHeartRate", ["count/min", "count/s", "Hz", "kg"]),
        ("HKQuantityTypeIdentifierBodyMass", ["kg", "lb", "g", "m"]),
        ("HKQuantityTypeIdentifierBodyTemperature", ["degC", "degF", "K"]),
        ("HKQuantityTypeIdentifierBloodGlucose", ["mg/dL", "mmol<180.1558800000541>/L"]),
        ("HKQuantityTypeIdentifierActiveEnergyBurned", ["Cal", "kcal", "kJ"]),
        ("HKQuantityTypeIdentifierVO2Max", ["mL/min·kg", "mL/kg·min"]),
        ("HKCategoryTypeIdentifierSleepAnalysis", [""]),
        ("HKCategoryTypeIdentifierMindfulSession", [""]),
        ("HKCategoryTypeIdentifierAppleStandHour", [""]),
        ("HKCategoryTypeIdentifierHeadache", [""]),
        ("HKDataTypeSleepDurationGoal", ["hr"]),
        ("HKQuantityTypeIdentifierNoSuchThing", ["count"]),
    ]
)
_DAYS = st.sampled_from(["2024-03-31", "2023-10-29", "2019-02-29", "2020-02-29", "2024-13-01"])
_CLOCKS = st.sampled_from(["00:00:00", "01:59:59", "02:30:00", "23:59:59", "24:00:00", "7:05:00"])
_OFFSETS = st.sampled_from(["+0100", "+0200", "-0800", "+0000", "-0000", "+0530", "+2500", "Z"])
_DATES = st.one_of(
    st.builds(lambda d, c, o: f"{d} {c} {o}", _DAYS, _CLOCKS, _OFFSETS),
    st.sampled_from(["20201206202428-0800", "2024-03-31T01:00:00 +0100", "", "yesterday"]),
)
_VALUES = st.one_of(
    st.sampled_from(
        [
            "HKCategoryValueSleepAnalysisAsleepCore",
            "HKCategoryValueSleepAnalysisInBed",
            "HKCategoryValueNotApplicable",
            "HKCategoryValueSeverityModerate",
            "HKCategoryValueAppleStandHourStood",
            "0",
            "1",
            "-1",
            "12",
            "nan",
            "inf",
            "1e3",
            " 7",
            "",
        ]
    ),
    st.floats(allow_nan=False, allow_infinity=False, width=32).map(repr),
    st.integers(-5, 100_000).map(str),
)
_ENTRIES = st.lists(
    st.sampled_from(
        [
            ("HKTimeZone", "Europe/Paris"),
            ("HKTimeZone", "America/Los_Angeles"),
            ("HKTimeZone", "Mars/Olympus"),
            ("HKWasUserEntered", "1"),
            ("HKWasUserEntered", "maybe"),
            ("HKMetadataKeyHeartRateMotionContext", "1"),
            ("HKMetadataKeySyncIdentifier", "abc"),
            ("HKMetadataKeySyncVersion", "2"),
            ("HKWeatherTemperature", "47.6 degF"),
            ("My & key", "a <value>"),
            ("HKExternalUUID", "E1"),
        ]
    ),
    max_size=4,
)
_SOURCES = st.sampled_from(["Anna’s Apple Watch", "Anna's Apple Watch", "Health", "  ", ""])
_DEVICES = st.sampled_from(
    [
        None,
        "<<HKDevice: 0x2816d0a50>, name:Apple Watch, manufacturer:Apple Inc., model:Watch, "
        "hardware:Watch6,2, software:10.4>",
        "<<HKDevice: 0x1>, name:iPhone, manufacturer:Apple Inc., model:iPhone, "
        "hardware:iPhone10,4, software:12.3>",
        # what other apps write: kept as a name by the object path, left to it by the lane
        "Dummy device",
        "  Dummy device 0x1 ",
        "<HKDevice name:Watch>",
        "x" * 300,
        "<<HKDevice: 0x1>>",
        " ",
    ]
)


@st.composite
def _record_elements(draw: st.DrawFn) -> Any:
    type_name, units = draw(_TYPES)
    element = etree.Element("Record")
    element.set("type", type_name)
    element.set("sourceName", draw(_SOURCES))
    if draw(st.booleans()):
        element.set("sourceVersion", draw(st.sampled_from(["10.4", "17.1", ""])))
    device = draw(_DEVICES)
    if device is not None:
        element.set("device", device)
    unit = draw(st.sampled_from(units))
    if unit:
        element.set("unit", unit)
    element.set("creationDate", draw(_DATES))
    start = draw(_DATES)
    element.set("startDate", start)
    element.set("endDate", start if draw(st.booleans()) else draw(_DATES))
    if draw(st.integers(0, 9)):
        element.set("value", draw(_VALUES))
    for key, value in draw(_ENTRIES):
        etree.SubElement(element, "MetadataEntry", key=key, value=value)
    return element


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_record_elements(), min_size=1, max_size=4), st.sampled_from([b"", KEY]))
def test_the_lane_never_takes_a_record_the_object_path_refuses_and_agrees_on_the_rest(
    elements: list[Any], key: bytes
) -> None:
    # both derivations: the legacy one (no key) and a store's keyed one
    lane, ctx = PlainRecords(_context(key)), _context(key)
    for element in elements:  # several per lane, so its caches are exercised too
        plain, built = _lane_and_objects(element, lane, ctx)
        if isinstance(built, Rejected):
            assert plain is None, built
        elif plain is not None:
            assert to_sample(plain) == built


# --- whole imports ----------------------------------------------------------------------------


def _rows(store_dir: Path) -> list[tuple[Any, ...]]:
    """Every stored sample as its content (anchors left out), sorted by uuid."""
    with sqlite3.connect(store_dir / "healthstore.db") as db:
        return sorted(
            db.execute(
                "SELECT s.uuid, t.identifier, s.start_us, s.end_us, s.tz, s.value, s.unit, "
                "s.unit_value, s.count, src.bundle_id, r.version, d.identity, s.sync_id, "
                "s.metadata, s.detail FROM samples s JOIN object_types t ON t.id = s.type_id "
                "JOIN sources src ON src.id = s.source_id "
                "JOIN source_revisions r ON r.id = s.revision_id "
                "LEFT JOIN devices d ON d.id = s.device_id"
            )
        )


def _both_ways(tmp_path: Path, export: Path, name: str) -> tuple[Any, Any, list[Any]]:
    summaries, rows = [], []
    for plain in (True, False):
        directory = tmp_path / f"{name}-{plain}"
        with HealthStore.create(directory) as store:
            summaries.append(import_apple_health(store, export, batch_size=300, plain=plain))
            again = import_apple_health(store, export, batch_size=300, plain=plain)
            assert again.samples_added == 0
        rows.append(_rows(directory))
    assert rows[0] == rows[1]
    return summaries[0], summaries[1], rows[0]


def test_a_synthetic_export_imports_to_the_same_rows_counts_and_skips_either_way(
    tmp_path: Path,
) -> None:
    export = tmp_path / "export.zip"
    write_synthetic_export(export, records=4000, seed=11)
    fast, objects, rows = _both_ways(tmp_path, export, "synthetic")
    assert len(rows) > 4000
    assert fast.to_json() == objects.to_json()


@pytest.mark.parametrize("name", [V8, V14])
def test_the_shared_exports_import_to_the_same_rows_counts_and_skips_either_way(
    tmp_path: Path, name: str
) -> None:
    source = shared_path("data", "apple", name)
    export = tmp_path / "export.xml"
    export.write_bytes(source.read_bytes())
    fast, objects, rows = _both_ways(tmp_path, export, name)
    assert rows
    assert fast.to_json() == objects.to_json()


def test_an_export_with_every_repaired_defect_imports_to_the_same_rows_either_way(
    tmp_path: Path,
) -> None:
    export = tmp_path / "export.xml"
    export.write_text(DEFECTS, "utf-8")
    fast, objects, rows = _both_ways(tmp_path, export, "defects")
    assert len(rows) >= 8
    assert fast.to_json() == objects.to_json()
    assert fast.repairs and fast.left_out


def test_a_plain_record_whose_uuid_holds_other_content_is_skipped_alone(tmp_path: Path) -> None:
    """The fast lane's save keeps the store's rule (a uuid its source saved with different
    content is an error) and the import's promise (the culprit is skipped with its line, the
    rest of its batch lands)."""
    xml = shared_path("data", "apple", V14).read_bytes()
    export = tmp_path / "export.xml"
    export.write_bytes(xml)
    with HealthStore.create(tmp_path / "first") as first:
        clean = import_apple_health(first, export)
        height = first.samples("HKQuantityTypeIdentifierHeight")[0]
    taken = QuantitySample(
        "HKQuantityTypeIdentifierHeight",
        Quantity(2.5, "m"),
        height.start,
        height.end,
        source=height.source_revision,  # a uuid identifies a sample within its source
        uuid=height.uuid,
    )
    with HealthStore.create(tmp_path / "second") as second:
        second.save(taken)
        summary = import_apple_health(second, export)
        [kept] = second.samples("HKQuantityTypeIdentifierHeight")
        assert (kept.uuid, quantity_of(kept)) == (taken.uuid, quantity_of(taken))
        assert sum(1 for _ in _records(xml)) == clean.counts["Record"].added
        records = summary.counts["Record"]
        assert (records.added, records.present, records.skipped) == (
            clean.counts["Record"].added - 1,
            0,
            1,
        )
    [skip] = [s for s in summary.skips if s.kind == "Record"]
    assert skip.line == xml[: xml.index(b"HKQuantityTypeIdentifierHeight")].count(b"\n") + 1
    assert "already saved with different content" in skip.reason


@pytest.mark.parametrize("plain", [True, False])
def test_a_deleted_record_stays_deleted_when_its_export_is_imported_again(
    tmp_path: Path, plain: bool
) -> None:
    """HealthKit keeps a deleted object deleted: importing the file it came from again finds
    it among the deleted and adds nothing, through either path."""
    xml = shared_path("data", "apple", V14).read_bytes()
    export = tmp_path / "export.xml"
    export.write_bytes(xml)
    with HealthStore.create(tmp_path / "store") as store:
        first = import_apple_health(store, export, plain=plain)
        [height] = store.samples("HKQuantityTypeIdentifierHeight")
        store.delete([height])
        again = import_apple_health(store, export, plain=plain)
        assert again.samples_added == 0
        assert store.samples("HKQuantityTypeIdentifierHeight") == []
        records = again.counts["Record"]
        assert (records.added, records.present, records.skipped) == (
            0,
            first.counts["Record"].added,
            0,
        )
