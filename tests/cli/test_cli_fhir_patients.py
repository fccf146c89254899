"""``healthstore import fhir`` with several files, standard input and several patients,
on the Synthea bundles of the shared data (one patient per bundle)."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner, Result

from healthstore import HealthStore, catalogue
from healthstore.catalogue import Kind
from healthstore.cli import app
from tests.conftest import shared_path


def bundles() -> list[Path]:
    return sorted(shared_path("data", "fhir").glob("*synthea*.json"))


def fresh(tmp_path: Path, name: str) -> Path:
    path = tmp_path / name
    HealthStore.create(path).close()
    return path


def records(store: Path) -> set[tuple[str, str]]:
    """Every clinical record as (type, FHIR resource type/id)."""
    types = [t for t in catalogue.all_types() if t.kind is Kind.clinical]
    with HealthStore.open(store) as hs:
        return {(r.type.short_name, str(r.sync_identifier)) for r in hs.samples(types)}


def import_fhir(runner: CliRunner, store: Path, *args: str, stdin: str | None = None) -> Result:
    return runner.invoke(
        app, ["import", "fhir", *args, "--source", "Synthea", "--store", str(store)], input=stdin
    )


def patient_id(bundle: Path) -> str:
    data = json.loads(bundle.read_text("utf-8"))
    return next(
        e["resource"]["id"] for e in data["entry"] if e["resource"]["resourceType"] == "Patient"
    )


def test_several_patients_warn_and_name_them(runner: CliRunner, tmp_path: Path) -> None:
    files = bundles()
    assert len(files) >= 2
    result = import_fhir(runner, fresh(tmp_path, "s"), *map(str, files), "--json")
    assert result.exit_code == 0, result.stderr
    found = json.loads(result.stdout)["patients"]
    assert sorted(x["id"] for x in found) == sorted(map(patient_id, files))
    warning = result.stderr
    assert f"about {len(files)} patients" in warning and "--patient" in warning
    for x in found:
        assert x["id"] in warning and x["name"] and x["name"] in warning


def test_patient_picks_exactly_that_bundle(runner: CliRunner, tmp_path: Path) -> None:
    """Differential: ``--patient ID`` over every bundle stores exactly the records of
    importing that patient's bundle alone, for each patient."""
    files = bundles()
    for i, bundle in enumerate(files):
        alone = fresh(tmp_path, f"alone{i}")
        assert import_fhir(runner, alone, str(bundle)).exit_code == 0
        picked = fresh(tmp_path, f"picked{i}")
        result = import_fhir(runner, picked, *map(str, files), "--patient", patient_id(bundle))
        assert result.exit_code == 0, result.stderr
        assert "warning" not in result.stderr
        assert records(picked) == records(alone) != set()


def test_unknown_patient_imports_nothing(runner: CliRunner, tmp_path: Path) -> None:
    store = fresh(tmp_path, "s")
    result = import_fhir(runner, store, *map(str, bundles()), "--patient", "nobody")
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1 and "nobody" in result.stderr
    assert patient_id(bundles()[0]) in result.stderr
    assert records(store) == set()


def test_standard_input_and_several_paths(runner: CliRunner, tmp_path: Path) -> None:
    first, second = bundles()[:2]
    both = fresh(tmp_path, "both")
    piped = import_fhir(runner, both, "-", str(second), stdin=first.read_text("utf-8"))
    assert piped.exit_code == 0, piped.stderr
    one_by_one = fresh(tmp_path, "one")
    for bundle in (first, second):
        assert import_fhir(runner, one_by_one, str(bundle)).exit_code == 0
    assert records(both) == records(one_by_one)


def test_nothing_imported_exits_1(runner: CliRunner, tmp_path: Path) -> None:
    not_json = tmp_path / "notes.json"
    not_json.write_text("these are not FHIR resources", "utf-8")
    result = import_fhir(runner, fresh(tmp_path, "s"), str(not_json))
    assert result.exit_code == 1
    assert "notes.json" in result.stdout and "nothing could be imported" in result.stderr
    piped = import_fhir(runner, fresh(tmp_path, "t"), "-", stdin="{}")
    assert piped.exit_code == 1 and "stdin.json" in piped.stdout
