"""Uuids derived from an export's content: keyed by each store's secret, stable within a
store, never computable from the content alone; stores made before keep theirs; and two
Records that differ only in their creation date stay two samples either way."""

from __future__ import annotations

import hmac
import secrets
import sqlite3
import subprocess
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from healthstore import HealthStore
from healthstore.imports.apple import import_apple_health
from healthstore.interop.apple.parser import Item, PlainRun, read_export
from healthstore.interop.apple.source import ExportSource
from healthstore.interop.apple.uuids import ContentUuids
from healthstore.model import Correlation
from healthstore.store import DATABASE_FILE
from healthstore.store.base import IMPORT_UUIDS
from tests.conftest import shared_path
from tests.legacy_stores import KEYED_UUIDS_MIGRATION, legacy_store

V14 = "grll-apple-health-mcp_export_v14.xml"


def export(tmp_path: Path, xml: bytes | None = None) -> Path:
    path = tmp_path / "export" / "export.xml"
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(xml if xml is not None else shared_path("data", "apple", V14).read_bytes())
    return path


def stored_uuids(store: HealthStore) -> set[UUID]:
    return {sample.uuid for sample in store.changes(None).added}


def store_key(directory: Path) -> bytes | None:
    with sqlite3.connect(directory / DATABASE_FILE) as db:
        rows = db.execute("SELECT value FROM secrets WHERE name = ?", (IMPORT_UUIDS,)).fetchall()
    db.close()
    return bytes(rows[0][0]) if rows else None


def derived_uuids(path: Path, uuids: ContentUuids) -> set[UUID]:
    """The uuids the reading derives with ``uuids``, without any store."""
    out: set[UUID] = set()
    with ExportSource.open(path) as source:
        for entry in read_export(source, plain=True, uuids=uuids):
            if isinstance(entry, PlainRun):
                out.update(UUID(bytes=sample[1]) for sample in entry.samples)
            elif isinstance(entry, Item):
                for sample in entry.converted.samples:
                    out.add(sample.uuid)
                    if isinstance(sample, Correlation):
                        out.update(member.uuid for member in sample.objects)
    return out


def test_two_stores_get_different_uuids_each_stable_across_imports(tmp_path: Path) -> None:
    path = export(tmp_path)
    with HealthStore.create(tmp_path / "a") as a, HealthStore.create(tmp_path / "b") as b:
        a.import_apple_health(path)
        b.import_apple_health(path)
        first, other = stored_uuids(a), stored_uuids(b)
        assert len(first) == len(other) == 32
        assert not first & other
        assert a.import_apple_health(path).samples_added == 0
        assert stored_uuids(a) == first


def test_keyed_uuids_need_the_stores_secret(tmp_path: Path) -> None:
    path = export(tmp_path)
    with HealthStore.create(tmp_path / "new") as store:
        store.import_apple_health(path)
        stored = stored_uuids(store)
    key = store_key(tmp_path / "new")
    assert key is not None and len(key) == 32
    # the content alone (the derivation every store used before) gives none of them …
    assert not stored & derived_uuids(path, ContentUuids())
    # … another key gives none of them; the store's own key gives them all
    assert not stored & derived_uuids(path, ContentUuids(secrets.token_bytes(32)))
    assert stored == derived_uuids(path, ContentUuids(key))


def test_a_store_made_before_keyed_uuids_keeps_its_uuids(tmp_path: Path) -> None:
    path = export(tmp_path)
    store = legacy_store(tmp_path / "legacy")
    try:
        store.import_apple_health(path)
        assert stored_uuids(store) == derived_uuids(path, ContentUuids())
        assert store.import_apple_health(path).samples_added == 0
    finally:
        store.close()
    assert store_key(tmp_path / "legacy") == b""  # the mark of the legacy derivation


def test_a_store_without_data_when_upgraded_gets_keyed_uuids(tmp_path: Path) -> None:
    HealthStore.create(tmp_path / "empty").close()
    with sqlite3.connect(tmp_path / "empty" / DATABASE_FILE) as db:
        db.executescript(KEYED_UUIDS_MIGRATION)  # as if made before, then upgraded
    db.close()
    with HealthStore.open(tmp_path / "empty") as store:
        store.import_apple_health(export(tmp_path))
    key = store_key(tmp_path / "empty")
    assert key is not None and len(key) == 32


def test_the_reader_process_gets_the_key_off_its_command_line_and_derives_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    commands: list[list[str]] = []
    real = subprocess.Popen

    def spy(command: list[str], **options: Any) -> Any:
        commands.append(command)
        return real(command, **options)

    monkeypatch.setattr(subprocess, "Popen", spy)  # the module reader_process starts it with
    path, key = export(tmp_path), secrets.token_bytes(32)
    found = []
    for background in (True, False):
        with HealthStore.create(tmp_path / f"store-{background}") as store:
            import_apple_health(store, path, background=background, uuid_key=key)
            found.append(stored_uuids(store))
    assert len(commands) == 1
    assert key.hex() not in " ".join(commands[0])
    assert found[0] == found[1] == derived_uuids(path, ContentUuids(key))


def heart_rate(created: str, start: str, value: int, *, beats: bool = False) -> bytes:
    """A heart-rate Record on 2024-05-01 (times given as HH:MM:SS); with ``beats``, an
    (empty) beat list that sends it down the object path."""
    day = "2024-05-01 {} +0200"
    text = (
        ' <Record type="HKQuantityTypeIdentifierHeartRate" sourceName="Watch" '
        f'unit="count/min" creationDate="{day.format(created)}" '
        f'startDate="{day.format(start)}" endDate="{day.format(start)}" value="{value}"'
    )
    text += "><HeartRateVariabilityMetadataList/></Record>\n" if beats else "/>\n"
    return text.encode()


TWINS = b"".join(
    [
        b'<?xml version="1.0" encoding="UTF-8"?>\n<HealthData locale="en_US">\n',
        heart_rate("08:00:05", "08:00:00", 71),
        heart_rate("08:00:09", "08:00:00", 71),  # differs from the first in creationDate
        heart_rate("08:00:05", "08:00:00", 71),  # the first again
        heart_rate("08:00:05", "08:05:00", 72, beats=True),
        heart_rate("08:00:07", "08:05:00", 72, beats=True),
        b"</HealthData>\n",
    ]
)


@pytest.mark.parametrize("legacy", [False, True], ids=["keyed", "legacy"])
@pytest.mark.parametrize("plain", [True, False], ids=["fast-lane", "objects"])
def test_records_that_differ_only_in_their_creation_date_stay_two(
    tmp_path: Path, legacy: bool, plain: bool
) -> None:
    path = export(tmp_path, TWINS)
    directory = tmp_path / "store"
    store = legacy_store(directory) if legacy else HealthStore.create(directory)
    key = store_key(directory) or b""
    if not legacy:
        key = secrets.token_bytes(32)
    try:
        first = import_apple_health(store, path, plain=plain, uuid_key=key)
        # two pairs of twins (one pair on each path); the third Record repeats the first
        assert first.samples_added == 4
        assert first.counts["Record"].present == 1
        again = import_apple_health(store, path, plain=plain, uuid_key=key)
        assert again.samples_added == 0 and again.counts["Record"].present == 5
        uuids = stored_uuids(store)
    finally:
        store.close()
    assert len(uuids) == 4
    if legacy:  # the first of each pair keeps the uuid a store made before always gave it
        lines = TWINS.split(b"\n")
        firsts = b"\n".join(lines[:3] + lines[4:6] + lines[7:])
        before = derived_uuids(export(tmp_path, firsts), ContentUuids())
        assert len(before) == 2 and before < uuids


@pytest.mark.parametrize("size", [32, 16, 64, 65, 100])
def test_the_key_derivation_is_hmac_sha256(size: int) -> None:
    key = secrets.token_bytes(size)
    for content in (b"", b"Record\x1fWatch", "é".encode() * 100):
        assert ContentUuids(key).mac(content) == hmac.digest(key, content, "sha256")
