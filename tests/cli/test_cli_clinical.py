"""Clinical records and SMART Health Cards on the command line: tables show names and
clinical dates; a QR code's chunks may come one per file or argument."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner, Result

from healthstore import HealthStore, catalogue
from healthstore.catalogue import Kind
from healthstore.cli import app
from healthstore.cli.clinical import clinical_date
from healthstore.records import ClinicalRecord
from tests.conftest import shared_path


def shc(*parts: str) -> Path:
    return shared_path("data", "shc", *parts)


def fresh(tmp_path: Path) -> Path:
    HealthStore.create(tmp_path / "store").close()
    return tmp_path / "store"


def import_cards(runner: CliRunner, store: Path, *cards: str) -> Result:
    args = ["import", "shc", "--trusted-issuers", str(shc("issuer")), *cards]
    return runner.invoke(app, [*args, "--store", str(store), "--json"], env={"COLUMNS": "200"})


def chunk_files() -> list[Path]:
    return sorted(shc("examples").glob("example-02-f-qr-code-numeric-value-*.txt"))


def test_qr_chunks_as_separate_files_or_arguments(runner: CliRunner, tmp_path: Path) -> None:
    chunks = chunk_files()
    assert len(chunks) == 3
    as_files = import_cards(runner, fresh(tmp_path / "a"), *map(str, reversed(chunks)))
    assert as_files.exit_code == 0, as_files.output
    (card,) = json.loads(as_files.stdout)
    assert card["status"] == "added" and card["input"] == chunks[-1].name
    as_text = import_cards(runner, fresh(tmp_path / "b"), *(c.read_text().strip() for c in chunks))
    assert as_text.exit_code == 0, as_text.output
    assert [c["status"] for c in json.loads(as_text.stdout)] == ["added"]
    # The same card as the one-file form of it.
    whole = import_cards(
        runner, fresh(tmp_path / "c"), str(shc("examples", "example-02-e-file.smart-health-card"))
    )
    assert json.loads(whole.stdout)[0]["items"] == card["items"]


def test_a_missing_chunk_is_one_clear_error(runner: CliRunner, tmp_path: Path) -> None:
    store = fresh(tmp_path)
    result = import_cards(runner, store, *map(str, chunk_files()[:2]))
    assert result.exit_code == 1
    assert json.loads(result.stdout)["error"]["message"].startswith(
        "the QR code's chunks 1, 2 of 3 were given"
    )


def test_card_items_are_named(runner: CliRunner, tmp_path: Path) -> None:
    store = fresh(tmp_path)
    card = str(shc("examples", "example-00-d-jws.txt"))
    args = ["import", "shc", "--trusted-issuers", str(shc("issuer")), card, "--store", str(store)]
    shown = runner.invoke(app, args, env={"COLUMNS": "200"}).stdout
    assert "COVID-19 mRNA vaccine (Moderna) (CVX 207)" in shown
    listed = runner.invoke(
        app, ["samples", "verifiableClinicalRecord", "--store", str(store)], env={"COLUMNS": "200"}
    ).stdout
    assert "COVID-19 mRNA vaccine (Moderna)" in listed and "John B. Anyperson" not in listed


def test_records_show_their_name_and_clinical_date(runner: CliRunner, tmp_path: Path) -> None:
    """Differential: each row of ``samples conditionRecord`` is the record's display name
    and the date written in its FHIR resource (never the import time)."""
    store = fresh(tmp_path)
    bundle = sorted(shared_path("data", "fhir").glob("r4-synthea-*.json"))[0]
    imported = runner.invoke(
        app, ["import", "fhir", str(bundle), "--source", "Synthea", "--store", str(store)]
    )
    assert imported.exit_code == 0
    types = [t for t in catalogue.all_types() if t.kind is Kind.clinical]
    with HealthStore.open(store) as hs:
        records = [r for t in types for r in hs.samples(t) if isinstance(r, ClinicalRecord)]
    assert records
    for t in {r.type.short_name for r in records}:
        listed = runner.invoke(
            app, ["samples", t, "--all", "--store", str(store)], env={"COLUMNS": "300"}
        ).stdout.splitlines()[1:]
        expected = []
        for record in (r for r in records if r.type.short_name == t):
            date = clinical_date(record.resource)
            assert date is not None, record.resource
            name = record.display_name
            expected.append(f"{date.replace('T', ' ')}  {name}  Synthea")
        assert sorted(listed) == sorted(expected)


def test_clinical_dates_come_from_the_resource() -> None:
    assert clinical_date({"resourceType": "Observation", "effectiveDateTime": "2020-01-02"}) == (
        "2020-01-02"
    )
    assert clinical_date({"resourceType": "Condition", "onsetPeriod": {"start": "2019"}}) == "2019"
    assert clinical_date({"resourceType": "Patient"}) is None
