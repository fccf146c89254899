"""The synthetic Apple Health export: every element kind, imported without a skip, twice."""

from __future__ import annotations

import zipfile
from collections import Counter
from collections.abc import Hashable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from healthstore import HealthStore
from healthstore.demo.apple_export import RECORDS_PER_DAY, write_synthetic_export
from healthstore.errors import InvalidArgument
from healthstore.exports.apple import ROOT, ExportCounts, write_export
from healthstore.imports.apple import ImportSummary
from healthstore.interop.apple.parser import KINDS
from tests.apple_content import everything, routes_by_workout

RECORDS = 5000
NOT_ELEMENTS = ("WorkoutRoute", "HeartbeatSeries")  # inside workouts and records


@pytest.fixture(scope="module")
def imported(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[ExportCounts, ImportSummary, ImportSummary, HealthStore]]:
    base = tmp_path_factory.mktemp("synthetic")
    counts = write_synthetic_export(base / "export.zip", records=RECORDS, seed=11)
    with HealthStore.create(base / "store") as store:
        first = store.import_apple_health(base / "export.zip")
        second = store.import_apple_health(base / "export.zip")
        yield counts, first, second, store


def test_every_element_kind_imports_without_a_skip(imported: Any) -> None:
    counts, first, _, store = imported
    assert first.skipped_total == 0, first.skips
    written = {kind: n for kind, n in counts.counts.items() if kind not in NOT_ELEMENTS}
    assert set(written) == set(KINDS)
    assert {kind: c.added for kind, c in first.counts.items()} == written
    assert RECORDS <= written["Record"] < RECORDS + 2 * RECORDS_PER_DAY
    in_store = {row["type"]: row["count"] for row in store.summary()}
    assert in_store["workoutRoute"] == counts.counts["WorkoutRoute"]
    assert in_store["heartbeatSeries"] == counts.counts["HeartbeatSeries"]


def test_a_second_import_adds_nothing(imported: Any) -> None:
    _, first, second, _ = imported
    assert second.samples_added == 0
    assert second.skipped_total == 0
    assert {k: c.added for k, c in second.counts.items()} == dict.fromkeys(first.counts, 0)
    assert {k: c.present for k, c in second.counts.items()} == {
        k: c.added for k, c in first.counts.items()
    }


def test_watch_and_phone_count_the_same_walks(imported: Any) -> None:
    _, _, _, store = imported
    names = sorted(source.name for source in store.sources("stepCount"))
    assert names == ["Sam's Apple Watch", "Sam's iPhone"]  # Apple's ’ read as '
    span = {"start": datetime(2025, 1, 1, tzinfo=UTC), "end": datetime(2026, 1, 1, tzinfo=UTC)}
    merged = store.statistics("stepCount", options="cumulativeSum", **span)
    apart = store.statistics("stepCount", options=["cumulativeSum", "separateBySource"], **span)
    each = [one.sum.value for one in apart.by_source.values() if one.sum is not None]
    assert merged.sum is not None
    assert len(each) == 2
    assert max(each) <= merged.sum.value < sum(each)  # the overlap is counted once


def test_the_text_holds_what_real_exports_hold(imported: Any) -> None:
    counts, _, _, _ = imported
    with zipfile.ZipFile(counts.path) as archive:
        xml = archive.read(ROOT + "export.xml")
    text = xml.decode()
    for piece in (
        "+0100",
        "+0200",
        'unit="Cal"',
        'unit="mmol&lt;180.1558800000541&gt;/L"',
        'unit="mL/kg·min"',
        'value="Fish &amp; Chips"',
        'sourceName="Withings &amp; Co"',
        "<HeartRateVariabilityMetadataList>",
        "<WorkoutActivity ",
        "<FileReference ",
    ):
        assert piece in text, piece
    parser = etree.XMLParser(dtd_validation=True, no_network=True, huge_tree=True)
    assert etree.fromstring(xml, parser).tag == "HealthData"


def test_a_seed_and_a_size_give_the_same_bytes(tmp_path: Path) -> None:
    first = write_synthetic_export(tmp_path / "a.zip", records=800, seed=5)
    second = write_synthetic_export(tmp_path / "b.zip", records=800, seed=5)
    other = write_synthetic_export(tmp_path / "c.zip", records=800, seed=6)
    assert first.path.read_bytes() == second.path.read_bytes()
    assert first.path.read_bytes() != other.path.read_bytes()


def test_at_least_one_record_is_asked_for(tmp_path: Path) -> None:
    with pytest.raises(InvalidArgument) as caught:
        write_synthetic_export(tmp_path / "none.zip", records=0)
    assert caught.value.field == "records"
    assert not (tmp_path / "none.zip").exists()


def test_a_store_made_from_it_writes_the_same_export_again(imported: Any, tmp_path: Path) -> None:
    _, _, _, store = imported
    write_export(store, tmp_path / "again.zip")
    with HealthStore.create(tmp_path / "copy") as copy:
        summary = copy.import_apple_health(tmp_path / "again.zip")
        assert summary.skipped_total == 0, summary.skips
        before, after = everything(store), everything(copy)
        assert routes_by_workout(copy) == routes_by_workout(store)
    cda = "HKDocumentTypeIdentifierCDA"  # takes the date of the export it comes from
    assert without(before, cda) == without(after, cda)
    assert sum(before.values()) == sum(after.values())


def without(found: Counter[Hashable], type_id: str) -> Counter[Hashable]:
    return Counter({k: n for k, n in found.items() if k[0] != type_id})  # type: ignore[index]
