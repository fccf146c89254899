"""Encryption at rest: an encrypted store's files hold none of its health values, names,
FHIR text or tokens (a plain store's do: the search can fail); a wrong or missing passphrase
is a clear error that changes nothing; the command line asks for or reads the passphrase."""

from __future__ import annotations

import hashlib
import json
import struct
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from healthstore import ClinicalRecord, HealthStore, Quantity, QuantitySample, Source
from healthstore.cli import app as cli_app
from healthstore.errors import DatabaseInaccessible, InvalidArgument
from healthstore.storage.backend import rekeyable
from tests.conftest import T0, at

PASSPHRASE = "correct horse battery staple"
HEART = 173.2519
WATCH = Source("org.example.zyxwv", "Zyxwv Quartz Watch")
NOTE = "Zyxwvutsr peanut allergy"
MANIFEST = {
    "bundle_id": "org.example.qwertz",
    "name": "Qwertz",
    "usage_descriptions": {"NSHealthShareUsageDescription": "Reads steps."},
    "privacy_policy_url": "https://example.com/privacy",
    "entitlements": ["healthkit"],
    "purposes": ["fitness"],
}


def fill(store: HealthStore) -> list[bytes]:
    """Write recognisable data; the byte strings that must not appear in plaintext."""
    store.save(
        [
            QuantitySample("heartRate", Quantity(HEART, "count/min"), T0, T0, source=WATCH),
            QuantitySample(
                "bodyMass", Quantity(71.5, "kg"), at(5), at(5), metadata={"Zyxwv-note": "Bergkäse"}
            ),
            ClinicalRecord(
                "allergyRecord",
                T0,
                {"resourceType": "AllergyIntolerance", "id": "a1", "code": {"text": NOTE}},
                fhir_release="R4",
                display_name=NOTE,
                source_name="Zyxwv General Hospital",
            ),
        ]
    )
    token = store.register_app(MANIFEST)
    return [
        WATCH.name.encode(),
        b"Zyxwv General Hospital",
        NOTE.encode(),
        "Bergkäse".encode(),
        b"Qwertz",
        token.encode(),
        struct.pack(">d", HEART / 60),  # stored as a REAL in count/s
    ]


def all_bytes(directory: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file())


def test_an_encrypted_store_holds_no_plaintext_and_a_plain_one_does(tmp_path: Path) -> None:
    with HealthStore.create(tmp_path / "plain") as plain:
        secrets_plain = fill(plain)
    with HealthStore.create(tmp_path / "locked", passphrase=PASSPHRASE) as locked:
        secrets_locked = fill(locked)
        assert locked.encrypted
    found = [s for s in secrets_plain[:-1] if s in all_bytes(tmp_path / "plain")]
    assert found  # the search works: a plain store shows names and texts
    haystack = all_bytes(tmp_path / "locked")
    assert [s for s in secrets_locked if s in haystack] == []
    with HealthStore.open(tmp_path / "locked", passphrase=PASSPHRASE) as again:
        (heart,) = again.samples("heartRate")
        assert heart.quantity.value_in("count/min") == pytest.approx(HEART)  # type: ignore[attr-defined]


def test_a_wrong_or_missing_passphrase_changes_nothing(tmp_path: Path) -> None:
    directory = tmp_path / "s"
    with HealthStore.create(directory, passphrase=PASSPHRASE) as store:
        fill(store)
    before = hashlib.sha256(all_bytes(directory)).hexdigest()
    with pytest.raises(DatabaseInaccessible) as wrong:
        HealthStore.open(directory, passphrase="Correct horse battery staple")
    assert wrong.value.field == "passphrase" and "wrong passphrase" in wrong.value.message
    with pytest.raises(DatabaseInaccessible, match="encrypted"):
        HealthStore.open(directory)
    assert hashlib.sha256(all_bytes(directory)).hexdigest() == before
    with HealthStore.create(tmp_path / "plain") as plain:
        plain.close()
    with pytest.raises(InvalidArgument, match="not encrypted"):
        HealthStore.open(tmp_path / "plain", passphrase=PASSPHRASE)
    marker = json.loads((directory / "store.json").read_text())
    assert marker["encryption"]["kdf"] == "scrypt" and PASSPHRASE not in json.dumps(marker)


def test_the_database_file_is_not_readable_as_sqlite(tmp_path: Path) -> None:
    import sqlite3

    with HealthStore.create(tmp_path / "s", passphrase=PASSPHRASE) as store:
        fill(store)
    conn = sqlite3.connect(tmp_path / "s" / "healthstore.db")
    with pytest.raises(sqlite3.DatabaseError):
        conn.execute("SELECT count(*) FROM samples").fetchall()
    conn.close()


def test_the_command_line_reads_or_refuses_passphrases(tmp_path: Path) -> None:
    runner = CliRunner()
    secret = tmp_path / "passphrase.txt"
    secret.write_text(PASSPHRASE + "\n")
    directory = tmp_path / "store"
    refused = runner.invoke(cli_app, ["init", str(directory)])
    assert refused.exit_code == 1 and "--no-encryption" in refused.output
    created = runner.invoke(
        cli_app, ["init", str(directory), "--passphrase-file", str(secret), "--json"]
    )
    assert created.exit_code == 0, created.output
    assert json.loads(created.output)["encrypted"] is True
    add = [
        "add",
        "bodyMass",
        "72",
        "kg",
        "--start",
        "2024-05-01T07:30+02:00",
        "--store",
        str(directory),
    ]
    no_key = runner.invoke(cli_app, add)
    assert no_key.exit_code == 1 and "passphrase" in no_key.output
    added = runner.invoke(cli_app, ["--passphrase-file", str(secret), *add])
    assert added.exit_code == 0, added.output
    wrong = tmp_path / "wrong.txt"
    wrong.write_text("nope\n")
    listed = runner.invoke(
        cli_app, ["--passphrase-file", str(wrong), "samples", "bodyMass", "--store", str(directory)]
    )
    assert listed.exit_code == 1 and "wrong passphrase" in listed.output
    env = {"HEALTHSTORE_PASSPHRASE_FILE": str(secret)}
    shown = runner.invoke(
        cli_app, ["samples", "bodyMass", "--store", str(directory), "--json"], env=env
    )
    assert shown.exit_code == 0 and json.loads(shown.output)["samples"][0]["value"] == 72


def test_a_backup_restores_every_sample_and_stays_encrypted(tmp_path: Path) -> None:
    from healthstore.wire import sample_to_json
    from tests.model.test_records import examples

    with HealthStore.create(tmp_path / "s", passphrase=PASSPHRASE) as store:
        secrets = fill(store)
        store.save(examples())
        everything = sorted(
            json.dumps(sample_to_json(s), sort_keys=True)
            for t in {s.type for s in store.samples([x.short_name for x in _sample_types()])}
            for s in store.samples(t)
        )
        backup = store.backup(tmp_path / "backup.zip")
    data = backup.read_bytes()
    assert [s for s in secrets if s in data] == []
    with pytest.raises(DatabaseInaccessible, match="wrong passphrase"):
        HealthStore.restore(backup, tmp_path / "wrong", passphrase="not it")
    assert not (tmp_path / "wrong").exists()  # nothing left behind
    with HealthStore.restore(backup, tmp_path / "copy", passphrase=PASSPHRASE) as copy:
        restored = sorted(
            json.dumps(sample_to_json(s), sort_keys=True)
            for t in {s.type for s in copy.samples([x.short_name for x in _sample_types()])}
            for s in copy.samples(t)
        )
        assert restored == everything and len(restored) > 10
        assert copy.encrypted and copy.apps()[0].bundle_id == "org.example.qwertz"
    with pytest.raises(InvalidArgument, match="already exists"):
        HealthStore.open(tmp_path / "copy", passphrase=PASSPHRASE).backup(backup)


def _sample_types() -> list[Any]:
    from healthstore import catalogue

    return [t for t in catalogue.all_types() if t.kind.is_sample]


def test_backup_and_restore_on_the_command_line(tmp_path: Path) -> None:
    runner = CliRunner()
    secret = tmp_path / "passphrase.txt"
    secret.write_text(PASSPHRASE + "\n")
    with HealthStore.create(tmp_path / "s", passphrase=PASSPHRASE) as store:
        fill(store)
    key = ["--passphrase-file", str(secret)]
    made = runner.invoke(
        cli_app, [*key, "backup", str(tmp_path / "b.zip"), "--store", str(tmp_path / "s")]
    )
    assert made.exit_code == 0 and "encrypted" in made.output, made.output
    back = runner.invoke(
        cli_app, [*key, "restore", str(tmp_path / "b.zip"), str(tmp_path / "r"), "--json"]
    )
    assert back.exit_code == 0, back.output
    assert json.loads(back.output)["samples"] == 3
    junk = tmp_path / "junk.zip"
    junk.write_text("not a zip")
    bad = runner.invoke(cli_app, ["restore", str(junk), str(tmp_path / "r2")])
    assert bad.exit_code == 1 and "not a healthstore backup" in bad.output


def test_changing_the_passphrase_keeps_everything_and_survives_a_crash(tmp_path: Path) -> None:
    directory = tmp_path / "s"
    with HealthStore.create(directory, passphrase=PASSPHRASE) as store:
        secrets = fill(store)
        store.change_passphrase(PASSPHRASE, "a new one")
        with pytest.raises(DatabaseInaccessible):
            store.change_passphrase("not the old one", "x")
    with pytest.raises(DatabaseInaccessible, match="wrong passphrase"):
        HealthStore.open(directory, passphrase=PASSPHRASE)
    with HealthStore.open(directory, passphrase="a new one") as store:
        assert len(store.samples("heartRate")) == 1
        store.change_passphrase("a new one", "a new one")  # the same passphrase: a new key
    assert [s for s in secrets if s in all_bytes(directory)] == []
    # a crash after the database took the new key, before store.json was replaced
    from healthstore.store.files import PENDING_FILE
    from healthstore.vault.keys import KdfParams, derive_key, key_check

    with HealthStore.open(directory, passphrase="a new one") as store:
        marker = json.loads((directory / "store.json").read_text())
        params = KdfParams.new()
        key = derive_key("third", params)
        marker["encryption"] = {**params.to_json(), "cipher": "sqlcipher4", "check": key_check(key)}
        (directory / PENDING_FILE).write_text(json.dumps(marker))
        rekeyable(store._backend).rekey(key)
    with HealthStore.open(directory, passphrase="third") as store:  # finishes the change
        assert len(store.samples("heartRate")) == 1
    assert not (directory / PENDING_FILE).exists()
    with pytest.raises(DatabaseInaccessible):
        HealthStore.open(directory, passphrase="a new one")


def test_change_passphrase_on_the_command_line(tmp_path: Path) -> None:
    runner = CliRunner()
    old, new = tmp_path / "old.txt", tmp_path / "new.txt"
    old.write_text(PASSPHRASE + "\n")
    new.write_text("brand new\n")
    with HealthStore.create(tmp_path / "s", passphrase=PASSPHRASE) as store:
        fill(store)
    args = ["--passphrase-file", str(old), "change-passphrase", "--store", str(tmp_path / "s")]
    done = runner.invoke(cli_app, [*args, "--new-passphrase-file", str(new)])
    assert done.exit_code == 0, done.output
    HealthStore.open(tmp_path / "s", passphrase="brand new").close()
