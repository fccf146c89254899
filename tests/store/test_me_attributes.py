"""Every attribute of an Apple export's ``Me`` element is kept: the characteristics the
catalogue models (now with ``cardioFitnessMedicationsUse``) as characteristics, the rest
verbatim for the person alone, written back by the export; what is not modelled is said."""

from __future__ import annotations

import re
import zipfile
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from lxml import etree

from healthstore import HealthStore, catalogue
from healthstore.catalogue import Kind
from healthstore.errors import InvalidArgument
from healthstore.exports.apple import write_export
from healthstore.interop.apple import emit
from healthstore.interop.apple.me import MAX_TEXT, read_me
from tests.conftest import PARIS, shared_path
from tests.store.test_access import STEPS_APP

EXPORTED = datetime(2024, 4, 12, 9, 30, tzinfo=PARIS)
CHARACTERISTIC = "HKCharacteristicTypeIdentifier"
CHARACTERISTICS = [t for t in catalogue.all_types(Kind.characteristic) if t.value_enum is not None]

ME = (
    f' <Me {CHARACTERISTIC}DateOfBirth="1990-02-03"'
    f' {CHARACTERISTIC}BiologicalSex="HKBiologicalSexFemale"'
    f' {CHARACTERISTIC}BloodType="HKBloodTypeSomethingNew"'
    f' {CHARACTERISTIC}FitzpatrickSkinType="HKFitzpatrickSkinTypeNotSet"'
    f' {CHARACTERISTIC}CardioFitnessMedicationsUse="HKCardioFitnessMedicationsUseBetaBlocker"'
    f' {CHARACTERISTIC}FutureThing="Value &amp; &lt;more&gt;"'
    ' HKOther=""/>'
)
KEPT = {
    f"{CHARACTERISTIC}BloodType": "HKBloodTypeSomethingNew",
    f"{CHARACTERISTIC}FutureThing": "Value & <more>",
    "HKOther": "",
}


def import_body(tmp_path: Path, body: str, name: str = "store") -> tuple[HealthStore, Any]:
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<HealthData locale="en_US">\n'
        f' <ExportDate value="2024-04-12 09:30:00 +0200"/>\n{body}\n</HealthData>\n'
    )
    path = tmp_path / f"{name}.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("apple_health_export/export.xml", xml)
    store = HealthStore.create(tmp_path / name)
    return store, store.import_apple_health(path)


def written_me(path: Path) -> dict[str, str]:
    with zipfile.ZipFile(path) as archive:
        xml = archive.read("apple_health_export/export.xml")
    parser = etree.XMLParser(dtd_validation=True, no_network=True)
    root = etree.fromstring(xml, parser)  # valid against its own DTD, kept attributes too
    me = root.find("Me")
    assert me is not None
    return dict(me.attrib)


def test_the_v14_exports_cardio_fitness_medications_use_is_a_characteristic(
    tmp_path: Path,
) -> None:
    path = shared_path("data", "apple", "grll-apple-health-mcp_export_v14.xml")
    with zipfile.ZipFile(tmp_path / "export.zip", "w") as archive:
        archive.write(path, "apple_health_export/export.xml")
    with HealthStore.create(tmp_path / "store") as store:
        summary = store.import_apple_health(tmp_path / "export.zip")
        assert [s for s in summary.skips if s.kind == "Me"] == []
        assert store.characteristic("cardioFitnessMedicationsUse") == 0  # "None"
        assert store.me_attributes() == {}
        write_export(store, tmp_path / "out.zip", exported=EXPORTED)
    written = written_me(tmp_path / "out.zip")
    assert written[f"{CHARACTERISTIC}CardioFitnessMedicationsUse"] == "None"  # as Apple writes


def test_every_me_attribute_is_kept_and_written_back(tmp_path: Path) -> None:
    store, summary = import_body(tmp_path, ME)
    with store:
        before = {t.short_name: store.characteristic(t) for t in CHARACTERISTICS}
        assert store.characteristic("dateOfBirth") == date(1990, 2, 3)
        assert store.characteristic("biologicalSex") == 1
        assert store.characteristic("bloodType") == 0  # not understood: not set
        assert store.characteristic("cardioFitnessMedicationsUse") == 2  # BetaBlocker
        assert store.me_attributes() == KEPT
        (note,) = summary.skips
        assert (note.kind, note.line) == ("Me", 4)
        assert "bloodType has a value that is not understood" in note.reason
        write_export(store, tmp_path / "out.zip", exported=EXPORTED)
    written = written_me(tmp_path / "out.zip")
    assert {k: v for k, v in written.items() if k in KEPT} == KEPT
    assert written[f"{CHARACTERISTIC}CardioFitnessMedicationsUse"] == (
        "HKCardioFitnessMedicationsUseBetaBlocker"
    )
    copy = HealthStore.create(tmp_path / "copy")
    copy.import_apple_health(tmp_path / "out.zip")
    assert copy.me_attributes() == KEPT
    assert {t.short_name: copy.characteristic(t) for t in CHARACTERISTICS} == before


def test_a_second_import_of_the_same_me_changes_nothing(tmp_path: Path) -> None:
    store, _ = import_body(tmp_path, ME)
    again = store.import_apple_health(tmp_path / "store.zip")
    assert again.counts["Me"].added == 0
    assert again.counts["Me"].present == 1


def test_setting_a_characteristic_replaces_its_kept_text(tmp_path: Path) -> None:
    store, _ = import_body(tmp_path, ME)
    store.set_characteristic("bloodType", "APositive")
    assert f"{CHARACTERISTIC}BloodType" not in store.me_attributes()
    write_export(store, tmp_path / "out.zip", exported=EXPORTED)
    assert written_me(tmp_path / "out.zip")[f"{CHARACTERISTIC}BloodType"] == "HKBloodTypeAPositive"


def test_what_cannot_be_kept_is_left_out_and_said(tmp_path: Path) -> None:
    long = "x" * (MAX_TEXT + 1)
    body = f' <Me xmlns:x="urn:x" HKSomethingLong="{long}" HKShort="y" x:odd="z"/>'
    store, summary = import_body(tmp_path, body)
    assert store.me_attributes() == {"HKShort": "y"}
    reasons = " | ".join(s.reason for s in summary.skips)
    assert [s.line for s in summary.skips] == [4, 4]
    assert "Me attribute HKSomethingLong left out: over 1024 characters" in reasons
    assert "Me attribute '{urn:x}odd' left out: not a plain XML name" in reasons


def test_apps_never_see_kept_attributes_and_read_characteristics_by_grant(
    tmp_path: Path,
) -> None:
    store, _ = import_body(tmp_path, ME)
    store.register_app(STEPS_APP)
    app = store.app("com.example.steps")
    assert not hasattr(app, "me_attributes")
    assert app.characteristic("cardioFitnessMedicationsUse") == 0  # as if nothing were set
    app.request_authorization(read=["cardioFitnessMedicationsUse"])
    store.grant("com.example.steps", read=["cardioFitnessMedicationsUse"], history=True)
    assert app.characteristic("cardioFitnessMedicationsUse") == 2


def test_kept_attribute_names_must_be_xml_names(tmp_path: Path) -> None:
    with HealthStore.create(tmp_path / "s") as store:
        with pytest.raises(InvalidArgument):
            store.keep_me_attributes({"not a name": "x"})
        store.keep_me_attributes({"HKNew": "1"})
        store.keep_me_attributes({"HKNew": "2"})
        assert store.me_attributes() == {"HKNew": "2"}


# -- the element, both ways ---------------------------------------------------------------------

_TYPES = sorted(catalogue.all_types(Kind.characteristic), key=lambda t: t.identifier)
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*")
_XML_TEXT = st.characters(blacklist_categories=["Cs", "Cc", "Cn"]) | st.sampled_from("\t\n")


@st.composite
def me_contents(draw: st.DrawFn) -> tuple[dict[str, Any], dict[str, str]]:
    """Characteristic values (unset ones absent) and other attributes kept verbatim."""
    values: dict[str, Any] = {}
    for t in _TYPES:
        if t.value_enum is None:
            born = draw(st.none() | st.dates(date(1900, 1, 1), date(2030, 1, 1)))
            if born is not None:
                values[t.short_name] = born
        else:
            raw = draw(st.sampled_from(sorted(t.value_enum.raw_values)))
            if raw != 0:
                values[t.short_name] = raw
    names = (
        st.from_regex(_NAME, fullmatch=True).filter(lambda n: len(n) < 40).map(lambda n: "X" + n)
    )
    kept = draw(st.dictionaries(names, st.text(_XML_TEXT, max_size=30), max_size=4))
    return values, kept


@given(me_contents())
def test_a_written_me_reads_back_the_same(contents: tuple[dict[str, Any], dict[str, str]]) -> None:
    values, kept = contents
    pairs = [(t, values.get(t.short_name, None if t.value_enum is None else 0)) for t in _TYPES]
    pairs = [(t, v) for t, v in pairs if t.value_enum is None or v in t.value_enum.raw_values]
    element = etree.fromstring(emit.me(pairs, kept).encode())
    back = read_me({str(k): str(v) for k, v in element.attrib.items()})
    assert back.characteristics == values
    assert back.kept == kept
    assert back.notes == []
