"""CDA documents: header names from the HL7 examples, their own time, idempotent import,
bad files skipped without stopping the rest, app access by grant, and the command line."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from healthstore import CDADocument, HealthStore
from healthstore.cli import app as cli_app
from healthstore.clinical.cda import hl7_time, parse_header
from healthstore.errors import AuthorizationNotDetermined
from tests.conftest import shared_path

CCD = "HL7-C-CDA-Examples_CCD2_CCD.xml"
OPERATIVE = "HL7-C-CDA-Examples_Operative_Note.xml"


def example(name: str) -> Path:
    return shared_path("data", "cda", name)


def test_header_names_of_the_hl7_examples() -> None:
    ccd = parse_header(example(CCD).read_bytes())
    assert (ccd.title, ccd.patient_name) == ("Summary of Patient Chart", "Isabella Jones")
    assert ccd.author_name == "Patricia Patty Primary M.D."  # the first author only
    assert ccd.custodian_name == "Good Health HIE"
    assert ccd.effective_time == datetime(
        2014, 10, 15, 10, 30, 26, tzinfo=timezone(-timedelta(hours=5))
    )
    note = parse_header(example(OPERATIVE).read_bytes())
    assert note.title == "Community Health and Hospitals: Operative Note"
    assert (note.patient_name, note.author_name) == ("Isabella Isa Jones", "Henry Seven")
    assert note.custodian_name == "Community Health and Hospitals"
    assert note.effective_time == datetime(
        2012, 9, 16, 19, 10, tzinfo=timezone(-timedelta(hours=4))
    )


@given(
    st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2100, 1, 1)),
    st.integers(-12 * 60, 14 * 60),
)
def test_hl7_timestamps_round_trip(moment: datetime, offset_minutes: int) -> None:
    zone = timezone(timedelta(minutes=offset_minutes))
    aware = moment.replace(microsecond=0, tzinfo=zone)
    sign = "-" if offset_minutes < 0 else "+"
    hours, minutes = divmod(abs(offset_minutes), 60)
    text = aware.strftime("%Y%m%d%H%M%S") + f"{sign}{hours:02d}{minutes:02d}"
    assert hl7_time(text) == aware
    assert hl7_time(aware.strftime("%Y%m%d")) == datetime(
        aware.year, aware.month, aware.day, tzinfo=UTC
    )
    assert hl7_time("2014-10-15") is None and hl7_time(None) is None


def test_importing_documents_is_idempotent_and_skips_bad_files(
    store: HealthStore, tmp_path: Path
) -> None:
    (tmp_path / "notes.xml").write_text("<html><body>not a CDA</body></html>")
    (tmp_path / "broken.xml").write_text("<ClinicalDocument")
    files = [
        example(CCD),
        tmp_path / "notes.xml",
        example(OPERATIVE),
        tmp_path / "broken.xml",
        tmp_path / "gone.xml",
    ]
    results = store.import_cda(files, source="Good Health HIE")
    assert [r.status for r in results] == ["added", "skipped", "added", "skipped", "skipped"]
    assert "ClinicalDocument" in (results[1].reason or "")
    assert "well-formed" in (results[3].reason or "")
    again = store.import_cda([example(CCD), example(OPERATIVE)], source="Good Health HIE")
    assert [r.status for r in again] == ["present", "present"]
    documents = store.samples("cda", sort="start")
    assert [d.title for d in documents if isinstance(d, CDADocument)] == [
        "Community Health and Hospitals: Operative Note",
        "Summary of Patient Chart",
    ]
    assert all(
        isinstance(d, CDADocument) and d.xml == example(OPERATIVE if i == 0 else CCD).read_text()
        for i, d in enumerate(documents)
    )


def test_apps_save_and_read_documents_as_granted(store: HealthStore) -> None:
    manifest: dict[str, Any] = {
        "bundle_id": "com.example.docs",
        "name": "Docs",
        "usage_descriptions": {
            "NSHealthShareUsageDescription": "Shows your documents.",
            "NSHealthUpdateUsageDescription": "Saves your documents.",
        },
        "privacy_policy_url": "https://example.com/privacy",
        "entitlements": ["healthkit"],
        "purposes": ["personal"],
    }
    store.register_app(manifest)
    app = store.app("com.example.docs")
    store.import_cda([example(CCD)], source="Good Health HIE")
    day = datetime(2024, 1, 2, tzinfo=UTC)
    document = CDADocument(day, day, example(OPERATIVE).read_text(), title="Operative Note")
    with pytest.raises(AuthorizationNotDetermined):
        app.save(document)
    app.request_authorization(share=["cda"], read=["cda"])
    store.grant("com.example.docs", share=["cda"])
    app.save(document)
    assert [d.uuid for d in app.samples("cda")] == [document.uuid]  # its own only
    store.grant("com.example.docs", read=["cda"], history=True)
    assert len(app.samples("cda")) == 2


def test_the_command_line(tmp_path: Path) -> None:
    runner = CliRunner()
    directory = tmp_path / "store"
    runner.invoke(cli_app, ["init", str(directory), "--no-encryption"])
    args = [
        "import",
        "cda",
        str(example(CCD)),
        str(example(OPERATIVE)),
        "--source",
        "HIE",
        "--store",
        str(directory),
    ]
    first = runner.invoke(cli_app, [*args, "--json"])
    assert first.exit_code == 0, first.output
    assert [r["status"] for r in json.loads(first.output)] == ["added", "added"]
    second = runner.invoke(cli_app, args)
    assert second.exit_code == 0 and second.output.count("present") == 2
