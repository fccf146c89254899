"""FHIR import: Synthea bundles (DSTU2 and R4) as clinical records, identity on re-import,
updates, invalid resources skipped with their FHIR path, and the command line."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from healthstore import HealthStore, catalogue
from healthstore.catalogue import Kind
from healthstore.cli import app as cli_app
from healthstore.clinical.fhir import r4_problems, release_of
from healthstore.clinical.mapping import clinical_type, display_name
from healthstore.errors import AuthorizationDenied
from healthstore.exports.apple import write_export
from healthstore.records import ClinicalRecord
from tests.conftest import shared_path
from tests.fhir_server import fhir_app
from tests.server_support import serve_app

HOSPITAL = "St. Mary’s Hospital"


def bundles() -> list[Path]:
    return sorted(shared_path("data", "fhir").glob("*.json"))


def expected_type(resource: dict[str, Any]) -> str | None:
    """The clinical type, worked out independently of the library's table."""
    kind = resource["resourceType"]
    if kind == "Observation":
        raw = resource.get("category")
        text = json.dumps(raw)
        if '"laboratory"' in text:
            return "labResultRecord"
        if '"vital-signs"' in text:
            return "vitalSignRecord"
        return None
    if kind.startswith("Medication") and kind != "Medication":
        return "medicationRecord"
    return {
        "AllergyIntolerance": "allergyRecord",
        "Condition": "conditionRecord",
        "Immunization": "immunizationRecord",
        "Procedure": "procedureRecord",
        "Coverage": "coverageRecord",
        "DocumentReference": "clinicalNoteRecord",
    }.get(kind)


def entries(path: Path) -> list[dict[str, Any]]:
    return [e["resource"] for e in json.loads(path.read_text())["entry"]]


def stored_counts(store: HealthStore) -> Counter[str]:
    clinical = [t for t in catalogue.all_types() if t.kind is Kind.clinical]
    return Counter(s.type.short_name for s in store.samples(clinical))


SYNTHEA = [
    "dstu2-synthea-Collins",
    "dstu2-synthea-Steuber",
    "r4-synthea-Judson",
    "r4-synthea-Kermit",
    "r4-synthea-Louis",
]


@pytest.mark.parametrize("name", SYNTHEA)
def test_each_synthea_bundle_gives_exact_counts(store: HealthStore, name: str) -> None:
    (path,) = [p for p in bundles() if p.name.startswith(name)]
    resources = entries(path)
    expected = Counter(t for r in resources if (t := expected_type(r)) is not None)
    summary = store.import_fhir(path, source=HOSPITAL)
    assert summary.added == expected
    assert summary.skipped_total == 0
    assert summary.releases[path.name] == ("DSTU2" if name.startswith("dstu2") else "R4")
    assert stored_counts(store) == expected
    not_kept = Counter(r["resourceType"] for r in resources if expected_type(r) is None)
    assert summary.not_kept == not_kept


def test_records_keep_the_resource_verbatim_with_their_provenance(store: HealthStore) -> None:
    (path,) = [p for p in bundles() if p.name.startswith("r4-synthea-Kermit")]
    store.import_fhir(path, source=HOSPITAL, source_url="https://fhir.example.org/r4")
    by_id = {r["id"]: r for r in entries(path) if "id" in r}
    for record in store.samples(["conditionRecord", "labResultRecord", "medicationRecord"]):
        assert isinstance(record, ClinicalRecord)
        assert record.resource == by_id[record.fhir_id]
        assert record.fhir_release == "R4"
        assert record.source_name == "St. Mary's Hospital"  # one spelling of the apostrophe
        assert record.source_url == "https://fhir.example.org/r4"
        assert record.display_name == display_name(record.resource) != record.resource_type


def test_importing_again_never_duplicates_and_updates_what_changed(
    store: HealthStore, tmp_path: Path
) -> None:
    folder = shared_path("data", "fhir")
    first = store.import_fhir(folder, source=HOSPITAL)
    total = sum(first.added.values())
    again = store.import_fhir(folder, source=HOSPITAL)
    assert sum(again.added.values()) == 0 and sum(again.unchanged.values()) == total
    (path,) = [p for p in bundles() if p.name.startswith("r4-synthea-Louis")]
    bundle = json.loads(path.read_text())
    changed = next(
        e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Condition"
    )
    changed["note"] = [{"text": "reviewed at the follow-up visit"}]
    (tmp_path / "louis.json").write_text(json.dumps(bundle))
    anchor = store.changes("conditionRecord").anchor
    later = store.import_fhir(tmp_path / "louis.json", source=HOSPITAL)
    assert later.updated == Counter({"conditionRecord": 1})
    assert sum(later.added.values()) == 0
    assert sum(stored_counts(store).values()) == total
    feed = store.changes("conditionRecord", anchor=anchor)
    records = [r for r in feed.added if isinstance(r, ClinicalRecord)]
    assert len(records) == len(feed.added)
    assert [r.resource.get("note") for r in records] == [changed["note"]]
    assert len(feed.deleted) == 1
    other = store.import_fhir(tmp_path / "louis.json", source="Another Clinic")
    assert sum(other.added.values()) > 0  # identity includes the institution


def test_an_invalid_r4_resource_is_skipped_with_its_path(
    store: HealthStore, tmp_path: Path
) -> None:
    (path,) = [p for p in bundles() if p.name.startswith("r4-synthea-Judson")]
    bundle = json.loads(path.read_text())
    index, bad = next(
        (i, e["resource"]) for i, e in enumerate(bundle["entry"])
        if e["resource"]["resourceType"] == "Observation"
    )  # fmt: skip
    bad["status"] = 42
    bad["valueQuantity"] = {"value": "lots"}
    (tmp_path / "judson.json").write_text(json.dumps(bundle))
    summary = store.import_fhir(tmp_path / "judson.json", source=HOSPITAL)
    (skip,) = summary.skips
    assert skip.where == f"judson.json entry[{index}]"
    assert "Observation.status" in skip.reason and "more" in skip.reason
    expected = Counter(t for r in entries(path) if (t := expected_type(r)) is not None)
    assert sum(summary.added.values()) == sum(expected.values()) - 1


def test_r4_validation_names_fhir_paths() -> None:
    assert r4_problems({"resourceType": "Condition", "subject": {"reference": "Patient/1"}}) == []
    problems = r4_problems({"resourceType": "Condition", "subject": {"reference": 7}})
    assert problems and problems[0].startswith("Condition.subject.reference")
    assert r4_problems({"resourceType": "NotAThing"})[0].startswith("resourceType")


def test_single_resources_folders_and_unreadable_files(store: HealthStore, tmp_path: Path) -> None:
    (path,) = [p for p in bundles() if p.name.startswith("r4-synthea-Kermit")]
    condition = next(r for r in entries(path) if r["resourceType"] == "Condition")
    (tmp_path / "one.json").write_text(json.dumps(condition))
    (tmp_path / "notes.json").write_text("{not json")
    (tmp_path / "readme.txt").write_text("ignored: not .json")
    summary = store.import_fhir(tmp_path, source=HOSPITAL)
    assert summary.added == Counter({"conditionRecord": 1})
    assert [s.where for s in summary.skips] == ["notes.json"]
    single = store.import_fhir(tmp_path / "one.json", source=HOSPITAL)
    assert single.unchanged == Counter({"conditionRecord": 1})


def test_mapping_reads_both_observation_shapes() -> None:
    vital = {"coding": [{"code": "vital-signs"}]}
    lab = {"coding": [{"code": "laboratory"}]}
    vital_type = clinical_type({"resourceType": "Observation", "category": vital})
    assert vital_type is not None and vital_type.short_name == "vitalSignRecord"
    lab_type = clinical_type({"resourceType": "Observation", "category": [lab]})
    assert lab_type is not None and lab_type.short_name == "labResultRecord"
    assert clinical_type({"resourceType": "Observation", "category": [{"coding": []}]}) is None
    assert clinical_type({"resourceType": "Patient"}) is None
    assert release_of([{"resourceType": "Observation", "category": vital}]) == "DSTU2"
    assert release_of([{"resourceType": "MedicationRequest"}]) == "R4"
    assert (
        display_name(
            {
                "resourceType": "MedicationStatement",
                "medicationCodeableConcept": {"coding": [{"display": "Aspirin"}]},
            }
        )
        == "Aspirin"
    )


def test_the_command_line(tmp_path: Path) -> None:
    runner = CliRunner()
    directory = tmp_path / "store"
    assert runner.invoke(cli_app, ["init", str(directory), "--no-encryption"]).exit_code == 0
    args = [
        "import",
        "fhir",
        str(shared_path("data", "fhir")),
        "--source",
        HOSPITAL,
        "--store",
        str(directory),
    ]
    first = runner.invoke(cli_app, [*args, "--json"])
    assert first.exit_code == 0, first.output
    data = json.loads(first.stdout)  # stderr warns: five patients
    assert sum(data["added"].values()) > 200 and data["skipped"] == 0
    text = runner.invoke(cli_app, args)
    assert text.exit_code == 0 and "unchanged" in text.output and "nothing skipped" in text.output
    missing = runner.invoke(
        cli_app,
        ["import", "fhir", str(tmp_path / "nope"), "--source", "X", "--store", str(directory)],
    )
    assert missing.exit_code == 1 and "does not exist" in missing.output


# --- downloading from a provider's FHIR server ---------------------------------------------


def _patient_id(path: Path) -> str:
    return next(r["id"] for r in entries(path) if r["resourceType"] == "Patient")


def test_download_from_a_fhir_server_follows_paging(store: HealthStore) -> None:
    r4 = [p for p in bundles() if p.name.startswith("r4-")]
    kermit = next(p for p in r4 if "Kermit" in p.name)
    server = fhir_app(r4, token="s3cret")
    with serve_app(server) as url:
        summary = store.connect_fhir(
            url, source=HOSPITAL, patient=_patient_id(kermit), token="s3cret"
        )
    expected = Counter(t for r in entries(kermit) if (t := expected_type(r)) is not None)
    assert summary.added == expected and summary.skipped_total == 0
    assert summary.releases == {url: "R4"}
    pages = [u for u in server.state.requests if "_offset=" in u]
    assert len(pages) >= 5  # pages of at most 5 were followed through their next links
    records = store.samples(["labResultRecord"])
    assert all(isinstance(r, ClinicalRecord) and r.source_url == url for r in records)


def test_download_again_updates_nothing_and_a_bad_token_is_refused(store: HealthStore) -> None:
    r4 = [p for p in bundles() if p.name.startswith("r4-")]
    louis = next(p for p in r4 if "Louis" in p.name)
    with serve_app(fhir_app(r4, token="s3cret", unsupported=frozenset({"Coverage"}))) as url:
        first = store.connect_fhir(url, source=HOSPITAL, patient=_patient_id(louis), token="s3cret")
        again = store.connect_fhir(url, source=HOSPITAL, patient=_patient_id(louis), token="s3cret")
        with pytest.raises(AuthorizationDenied) as refused:
            store.connect_fhir(url, source=HOSPITAL, token="wrong")
    assert sum(first.added.values()) > 0 and sum(again.added.values()) == 0
    assert sum(again.unchanged.values()) == sum(first.added.values())
    assert [s.where for s in first.skips] == ["Coverage search page 1"]
    assert "HTTP 401" in refused.value.message and "s3cret" not in refused.value.message


def test_dstu2_servers_are_read_as_dstu2(store: HealthStore) -> None:
    dstu2 = [p for p in bundles() if p.name.startswith("dstu2-")]
    with serve_app(fhir_app(dstu2, version="1.0.2")) as url:
        summary = store.connect_fhir(url, source=HOSPITAL)
    expected = Counter(t for p in dstu2 for r in entries(p) if (t := expected_type(r)) is not None)
    assert summary.added == expected
    assert summary.releases == {url: "DSTU2"}


def test_connect_on_the_command_line(tmp_path: Path) -> None:
    runner = CliRunner()
    directory = tmp_path / "store"
    runner.invoke(cli_app, ["init", str(directory), "--no-encryption"])
    r4 = [p for p in bundles() if p.name.startswith("r4-")]
    with serve_app(fhir_app(r4)) as url:
        result = runner.invoke(
            cli_app,
            ["connect", "fhir", url, "--source", HOSPITAL, "--store", str(directory), "--json"],
        )
    assert result.exit_code == 0, result.output
    assert sum(json.loads(result.output)["added"].values()) == sum(
        1 for p in r4 for r in entries(p) if expected_type(r) is not None
    )


def test_records_are_found_by_fhir_resource_type(store: HealthStore) -> None:
    from healthstore.query import predicates as p

    (path,) = [p_ for p_ in bundles() if p_.name.startswith("r4-synthea-Kermit")]
    store.import_fhir(path, source=HOSPITAL)
    clinical = [t for t in catalogue.all_types() if t.kind is Kind.clinical]
    found = store.samples(clinical, p.fhir_resource_type("MedicationRequest", "Immunization"))
    expected = Counter(
        r["resourceType"]
        for r in entries(path)
        if r["resourceType"] in ("MedicationRequest", "Immunization")
    )
    assert Counter(r.resource_type for r in found if isinstance(r, ClinicalRecord)) == expected
    assert store.samples("stepCount", p.fhir_resource_type("Observation")) == []


RECORDS_APP: dict[str, Any] = {
    "bundle_id": "com.example.records",
    "name": "Records",
    "usage_descriptions": {
        "NSHealthShareUsageDescription": "Shows your health.",
        "NSHealthClinicalHealthRecordsShareUsageDescription": "Shows your lab results.",
    },
    "privacy_policy_url": "https://example.com/privacy",
    "entitlements": ["healthkit", "health-records"],
    "purposes": ["personal"],
}


def test_apps_read_records_per_type_and_never_write_them(store: HealthStore) -> None:
    from healthstore.query import predicates as p

    (path,) = [p_ for p_ in bundles() if p_.name.startswith("r4-synthea-Kermit")]
    store.import_fhir(path, source=HOSPITAL)
    store.register_app(RECORDS_APP)
    app = store.app("com.example.records")
    assert app.samples("labResultRecord") == []  # not asked, not granted: nothing shows
    app.request_authorization(read=["labResultRecord", "conditionRecord"])
    store.grant("com.example.records", read=["labResultRecord"], history=True)
    labs = app.samples("labResultRecord")
    assert len(labs) == sum(1 for r in entries(path) if expected_type(r) == "labResultRecord")
    assert app.samples("conditionRecord") == []  # denied looks like empty
    observations = app.samples(
        ["labResultRecord", "conditionRecord"], p.fhir_resource_type("Observation")
    )
    assert {s.uuid for s in observations} == {s.uuid for s in labs}
    with pytest.raises(AuthorizationDenied):
        app.save(labs[0])
    assert [e.operation for e in store.audit(app="com.example.records")][-1] == "read.samples"


def test_an_apple_export_and_a_fhir_import_share_record_identity(tmp_path: Path) -> None:
    """Records that reached the store through an Apple Health export are the same records
    as those a FHIR import of the same institution brings: nothing is doubled."""
    (path,) = [p_ for p_ in bundles() if p_.name.startswith("r4-synthea-Judson")]
    with HealthStore.create(tmp_path / "phone") as phone:
        first = phone.import_fhir(path, source=HOSPITAL)
        write_export(phone, tmp_path / "export.zip")
    with HealthStore.create(tmp_path / "mine") as mine:
        mine.import_apple_health(tmp_path / "export.zip")
        again = mine.import_fhir(path, source=HOSPITAL)
        assert sum(again.added.values()) == 0
        assert again.unchanged == first.added
