"""Opening an Apple Health export (zip, folder, bare export.xml) and cleaning its XML.

Exports are built in tmp_path from the real files in ../shared/data/apple; the ECG CSV is
written here (the shared data holds none).
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable
from functools import partial
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from lxml import etree

from healthstore.errors import InvalidArgument
from healthstore.interop.apple import cleaning
from healthstore.interop.apple.cleaning import clean_xml_stream, split_roots
from healthstore.interop.apple.source import ExportSource
from tests.conftest import shared_path

ROUTE = "workout-routes/route_2019-06-11_3.00pm.gpx"
ECG = "electrocardiograms/ecg_2020-01-01.csv"
ECG_TEXT = b"Name,Test\nSample Rate,512 hertz\n\n-12.5\n-11.0\n"
TOP = "apple_health_export/"


def apple(name: str) -> bytes:
    return shared_path("data", "apple", name).read_bytes()


@pytest.fixture
def files() -> dict[str, bytes]:
    """The files of a small export, by path relative to its root."""
    return {
        "export.xml": apple("rgosdin-docs_export_v8_2019.xml"),
        "export_cda.xml": apple("rgosdin-docs_export_cda_v8_2019.xml"),
        ROUTE: apple("healthkit-to-sqlite_route_2019-06-11_3.00pm.gpx"),
        "clinical-records/Observation-1.json": apple("clinical-records_Observation-lab-epic.json"),
        "clinical-records/MedicationRequest-2.json": apple(
            "clinical-records_MedicationRequest.json"
        ),
        ECG: ECG_TEXT,
        "electrocardiograms/ecg_2020-01-02.csv": ECG_TEXT,
    }


def make_zip(path: Path, files: dict[str, bytes], top: str = TOP) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(top + name, data)
    return path


def make_folder(root: Path, files: dict[str, bytes]) -> Path:
    for name, data in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)
    return root


def fails(call: Callable[[], object], *words: str) -> InvalidArgument:
    with pytest.raises(InvalidArgument) as info:
        call()
    for word in words:
        assert word in info.value.message, info.value.message
    return info.value


def check_export(source: ExportSource, files: dict[str, bytes]) -> None:
    with source.open_export_xml() as stream:
        assert stream.read(100) + stream.read() == files["export.xml"]
    assert source.export_xml_size() == len(files["export.xml"])
    cda = source.open_cda()
    assert cda is not None
    with cda:
        assert cda.read() == files["export_cda.xml"]
    assert source.read_bytes("/" + ROUTE) == files[ROUTE]  # as a FileReference writes it
    assert source.read_bytes(ROUTE) == files[ROUTE]
    assert source.read_bytes("workout-routes/route_missing.gpx") is None
    assert (
        source.read_bytes("clinical-records/Observation-1.json")
        == files["clinical-records/Observation-1.json"]
    )
    assert source.list("electrocardiograms/") == [ECG, "electrocardiograms/ecg_2020-01-02.csv"]
    assert source.list("clinical-records/Med") == ["clinical-records/MedicationRequest-2.json"]
    assert source.list() == sorted(files)
    assert source.list("nothing/") == []


# -- zip -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("top", [TOP, "", "Export Santé/"])
def test_a_zip_with_one_top_folder_or_none(
    tmp_path: Path, files: dict[str, bytes], top: str
) -> None:
    path = make_zip(tmp_path / "export.zip", files, top)
    with zipfile.ZipFile(path, "a") as archive:  # what macOS adds when it zips a folder
        archive.writestr(f"__MACOSX/{top}._export.xml", b"\x00\x05\x16\x07")
    with ExportSource.open(path) as source:
        assert source.export_xml_name == "export.xml"
        check_export(source, files)
        assert source.location(ROUTE) == f"{path}:{top}{ROUTE}"


def test_the_zip_is_read_in_place(tmp_path: Path, files: dict[str, bytes]) -> None:
    path = make_zip(tmp_path / "export.zip", files)
    with ExportSource.open(path) as source, source.open_export_xml() as stream:
        chunk = stream.read(4096)
        assert len(chunk) == 4096 and stream.tell() == 4096
    assert sorted(p.name for p in tmp_path.iterdir()) == ["export.zip"]


def test_localized_and_renamed_main_files(tmp_path: Path, files: dict[str, bytes]) -> None:
    german = dict(files)
    german["Exportieren.xml"] = german.pop("export.xml")
    with ExportSource.open(make_zip(tmp_path / "de.zip", german)) as source:
        assert source.export_xml_name == "Exportieren.xml"
        assert source.export_xml_size() == len(files["export.xml"])
    other = dict(files)
    other["Health export (2).xml"] = other.pop("export.xml")
    with ExportSource.open(make_zip(tmp_path / "other.zip", other)) as source:
        assert source.export_xml_name == "Health export (2).xml"  # recognized by its content


def test_an_export_without_cda_or_side_files(tmp_path: Path, files: dict[str, bytes]) -> None:
    only = {"export.xml": files["export.xml"]}
    with ExportSource.open(make_zip(tmp_path / "export.zip", only)) as source:
        assert source.open_cda() is None
        assert source.read_bytes(ROUTE) is None
        assert source.list("electrocardiograms/") == []


def test_a_truncated_zip_is_an_error(tmp_path: Path, files: dict[str, bytes]) -> None:
    whole = make_zip(tmp_path / "whole.zip", files).read_bytes()
    cut = tmp_path / "export.zip"
    cut.write_bytes(whole[: len(whole) // 2])
    err = fails(lambda: ExportSource.open(cut), "not a readable zip file", str(cut))
    assert err.field == "path"


def test_a_damaged_member_is_an_error_naming_it(tmp_path: Path, files: dict[str, bytes]) -> None:
    path = make_zip(tmp_path / "export.zip", files)
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo(TOP + ROUTE)
    data = bytearray(path.read_bytes())
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    for at in range(start + 10, start + info.compress_size - 10):
        data[at] ^= 0x55
    path.write_bytes(bytes(data))
    with ExportSource.open(path) as source:
        fails(lambda: source.read_bytes(ROUTE), f"{path}:{TOP}{ROUTE}", "damaged")
        assert source.read_bytes("/" + ECG) == ECG_TEXT  # the other files still read


def test_a_zip_without_export_xml(tmp_path: Path, files: dict[str, bytes]) -> None:
    del files["export.xml"]
    path = make_zip(tmp_path / "export.zip", files)
    fails(lambda: ExportSource.open(path), f"{path} is not an Apple Health export: no export.xml")
    deep = make_zip(tmp_path / "deep.zip", {"export.xml": b"<HealthData/>"}, "a/b/")
    fails(lambda: ExportSource.open(deep), "no export.xml")


def test_a_zip_with_two_exports_is_ambiguous(tmp_path: Path, files: dict[str, bytes]) -> None:
    path = make_zip(tmp_path / "export.zip", files, "one/")
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr("two/export.xml", files["export.xml"])
    fails(lambda: ExportSource.open(path), "several", "one/", "two/")


# -- folders and bare files ----------------------------------------------------------------------


def test_an_unzipped_folder_its_parent_and_a_bare_export_xml(
    tmp_path: Path, files: dict[str, bytes]
) -> None:
    root = make_folder(tmp_path / "apple_health_export", files)
    for path in (root, tmp_path, root / "export.xml"):
        with ExportSource.open(path) as source:
            assert source.path in (root, root / "export.xml")
            check_export(source, files)
            assert source.location(ROUTE) == str(root / ROUTE)


def test_a_bare_export_xml_alone(tmp_path: Path, files: dict[str, bytes]) -> None:
    path = tmp_path / "my health.xml"
    path.write_bytes(files["export.xml"])
    with ExportSource.open(path) as source:
        assert source.open_cda() is None
        with source.open_export_xml() as stream:
            assert stream.read() == files["export.xml"]


def test_paths_that_are_not_exports(tmp_path: Path, files: dict[str, bytes]) -> None:
    missing = tmp_path / "nope.zip"
    err = fails(lambda: ExportSource.open(missing), str(missing), "does not exist")
    assert err.field == "path"
    empty = tmp_path / "empty"
    empty.mkdir()
    fails(lambda: ExportSource.open(empty), f"{empty} is not an Apple Health export")
    notes = tmp_path / "notes.txt"
    notes.write_text("hello")
    fails(lambda: ExportSource.open(notes), "not an Apple Health export")
    fake = tmp_path / "fake.zip"
    fake.write_bytes(b"not a zip at all")
    fails(lambda: ExportSource.open(fake), "not a readable zip file")


def test_relative_paths_stay_inside_the_export(tmp_path: Path, files: dict[str, bytes]) -> None:
    (tmp_path / "secret.txt").write_text("no")
    root = make_folder(tmp_path / "apple_health_export", files)
    with ExportSource.open(root) as source:
        for bad in ("../secret.txt", "workout-routes/../../secret.txt", "", "/"):
            fails(partial(source.read_bytes, bad), "not a path inside the export")


# -- the XML, cleaned ----------------------------------------------------------------------------

V14 = "grll-apple-health-mcp_export_v14.xml"
ATTLIST_END = b"  brand            CDATA #IMPLIED\n>\n<!ELEMENT RightEye"


def ios16(data: bytes) -> bytes:
    """The iOS 16 defect: an ATTLIST without its ">" (the line stays, empty)."""
    assert ATTLIST_END in data
    return data.replace(ATTLIST_END, ATTLIST_END.replace(b"\n>\n", b"\n\n"))


def lines(stream: io.BufferedIOBase | io.BytesIO) -> list[tuple[str, int, str | None]]:
    return [
        (str(element.tag), element.sourceline or 0, element.get("value"))
        for _, element in etree.iterparse(stream, events=("end",))
    ]


def test_the_ios16_dtd_parses_once_cleaned_and_lines_stay_right() -> None:
    good = apple(V14)
    broken = ios16(good)
    with pytest.raises(etree.XMLSyntaxError, match="ATTLIST"):
        lines(io.BytesIO(broken))
    cleaned = clean_xml_stream(io.BytesIO(broken))
    assert lines(cleaned) == lines(io.BytesIO(good))
    assert cleaned.removed_control_characters == 0


def test_forbidden_control_characters_are_removed_and_counted() -> None:
    good = apple(V14)
    dirty = ios16(good).replace(b'value="45.2"', b'value="45\x0b.2\x1f"')
    with pytest.raises(etree.XMLSyntaxError):
        lines(io.BytesIO(dirty))
    cleaned = clean_xml_stream(io.BytesIO(dirty))
    assert lines(cleaned) == lines(io.BytesIO(good))
    assert cleaned.removed_control_characters == 2


def test_a_real_export_streams_through_source_cleaning_and_lxml(
    tmp_path: Path, files: dict[str, bytes]
) -> None:
    source = ExportSource.open(make_zip(tmp_path / "export.zip", files))
    with source, clean_xml_stream(source.open_export_xml()) as stream:
        tags = [element.tag for _, element in etree.iterparse(stream, events=("end",))]
    assert tags.count("Record") == 3352
    assert tags[-1] == "HealthData"


@pytest.mark.parametrize(
    "document",
    [
        b'<?xml version="1.0"?>\n<HealthData>\n<Record value="1"/>\n</HealthData>\n',
        b"<HealthData><Record/></HealthData>",
        b"",
        b"\xef\xbb\xbf<HealthData/>",
    ],
)
def test_a_file_without_doctype_passes_unchanged(document: bytes) -> None:
    assert clean_xml_stream(io.BytesIO(document), chunk_size=3).read() == document


def test_doctype_without_internal_subset_bom_and_comments() -> None:
    document = (
        b'\xef\xbb\xbf<?xml version="1.0"?>\n<!-- a [comment] -->\n'
        b'<!DOCTYPE HealthData SYSTEM "x>[y">\n<HealthData/>\n'
    )
    expected = b'\xef\xbb\xbf<?xml version="1.0"?>\n<!-- a [comment] -->\n\n<HealthData/>\n'
    for size in (1, 2, 5, 1 << 16):
        assert clean_xml_stream(io.BytesIO(document), chunk_size=size).read() == expected


def test_an_unclosed_doctype_is_left_for_the_parser_to_report() -> None:
    document = b"<!DOCTYPE HealthData [\n<!ELEMENT A EMPTY>\n<HealthData/>"
    assert clean_xml_stream(io.BytesIO(document), chunk_size=4).read() == document


def test_a_doctype_past_the_prolog_limit_is_left_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cleaning, "PROLOG_LIMIT", 64)
    document = b"<!DOCTYPE HealthData [\n" + b"<!-- long -->\n" * 10 + b"]>\n<HealthData/>"
    assert clean_xml_stream(io.BytesIO(document), chunk_size=16).read() == document


def test_a_chunk_size_below_one_is_refused() -> None:
    assert fails(lambda: clean_xml_stream(io.BytesIO(b""), chunk_size=0)).field == "chunk_size"


def test_closing_the_cleaned_stream_closes_the_raw_one() -> None:
    raw = io.BytesIO(b"<a/>")
    with clean_xml_stream(raw) as stream:
        assert stream.read() == b"<a/>"
    assert raw.closed


@pytest.mark.parametrize("size", range(1, 8))
def test_tiny_chunks_of_a_real_file_give_the_same_bytes(size: int) -> None:
    broken = ios16(apple(V14)).replace(b"<HealthData", b"\x0b<HealthData")
    whole = clean_xml_stream(io.BytesIO(broken)).read()
    stream = clean_xml_stream(io.BytesIO(broken), chunk_size=size)
    pieces = iter(lambda: stream.read(size), b"")
    assert b"".join(pieces) == whole


_FORBIDDEN = bytes([*range(9), 11, 12, *range(14, 32)])
_DTD_LINES = [
    b"<!ELEMENT HealthData (Record*)>",
    b"<!ATTLIST Record\n  value CDATA #IMPLIED",  # the iOS 16 defect: no ">"
    b"<!ATTLIST Record\n  value CDATA #IMPLIED\n>",
    b"<!-- Note: a comment -->",
    b"",
]
_BODY = [b'<Record value="1"/>', b"\n", b"\r\n", b"\x0b", b"\x00", b"\t", b"caf\xc3\xa9", b" "]
documents = st.builds(
    lambda decl, doctype, body: (
        decl + doctype + b"<HealthData>" + b"".join(body) + b"</HealthData>"
    ),
    st.sampled_from(
        [
            b"",
            b'<?xml version="1.0" encoding="UTF-8"?>\n',
            b"\xef\xbb\xbf<?xml version='1.0'?>\r\n<!-- exported -->\n",
            b"\xef\xbb\xbf",
        ]
    ),
    st.one_of(
        st.just(b""),
        st.just(b"<!DOCTYPE HealthData>\n"),
        st.lists(st.sampled_from(_DTD_LINES), max_size=6).map(
            lambda dtd: b"<!DOCTYPE HealthData [\n" + b"\n".join(dtd) + b"\n]>\n"
        ),
    ),
    st.lists(st.sampled_from(_BODY), max_size=30),
)


def reference(document: bytes) -> bytes:
    """What cleaning should give, computed on the whole document at once."""
    without_dtd = re.sub(
        rb"<!DOCTYPE[^\[>]*(?:\[.*?\]\s*)?>",
        lambda m: b"\n" * m[0].count(b"\n"),
        document,
        count=1,
        flags=re.DOTALL,
    )
    return without_dtd.translate(None, _FORBIDDEN)


@given(documents, st.integers(1, 7), st.integers(1, 7))
def test_any_chunking_gives_the_reference_output(document: bytes, chunk: int, read: int) -> None:
    stream = clean_xml_stream(io.BytesIO(document), chunk_size=chunk)
    output = b"".join(iter(lambda: stream.read(read), b""))
    assert output == reference(document)
    assert stream.removed_control_characters == sum(document.count(bytes([c])) for c in _FORBIDDEN)
    original_lines = [
        document[: m.start()].count(b"\n") + 1 for m in re.finditer(rb"<Record", document)
    ]
    parsed = [line for tag, line, _ in lines(io.BytesIO(output)) if tag == "Record"]
    assert parsed == original_lines


# -- export_cda.xml with several documents -------------------------------------------------------


def test_split_roots() -> None:
    single = apple("rgosdin-docs_export_cda_v8_2019.xml")
    fragment = apple("export_cda_fragment.xml")
    bare = fragment[fragment.index(b"<ClinicalDocument") :]  # no declaration of its own
    for data, count in [
        (single, 1),
        (single + fragment, 2),
        (single + b"\n" + bare, 2),
        (single + fragment + bare + b"\n\n", 3),
        (b"", 0),
        (b" \n", 0),
    ]:
        documents = split_roots(data)
        assert len(documents) == count
        for document in documents:
            root = etree.fromstring(document)
            assert root.tag == "{urn:hl7-org:v3}ClinicalDocument"
    assert split_roots(single) == [single.strip()]
