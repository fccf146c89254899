"""The locked store (spec §8): every read door refuses, writes are sealed into the journal
and merged exactly once at unlock — also after the process was killed in between — and a
running server does the same over HTTP."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest

from healthstore import HealthStore, Quantity, QuantitySample, SaveStatus
from healthstore.errors import DatabaseInaccessible
from healthstore.query import predicates as p
from tests.conftest import T0, at
from tests.server.test_app_api import BUNDLE, MANIFEST
from tests.server_support import serve

PASSPHRASE = "open sesame, slowly"


def steps(n: float, minute: float = 0) -> QuantitySample:
    return QuantitySample("stepCount", Quantity(n, "count"), at(minute), at(minute + 5))


@pytest.fixture
def encrypted(tmp_path: Path) -> HealthStore:
    store = HealthStore.create(tmp_path / "s", passphrase=PASSPHRASE)
    store.register_app(MANIFEST)
    store.app(BUNDLE).request_authorization(share=["stepCount"], read=["stepCount"])
    store.grant(BUNDLE, share=["stepCount"], read=["stepCount"], history=True)
    return store


def test_every_read_door_refuses_while_locked(encrypted: HealthStore) -> None:
    store = encrypted
    store.save(steps(1))
    app = store.app(BUNDLE)
    store.lock()
    doors: list[Callable[[], Any]] = [
        lambda: store.samples("stepCount"),
        store.changes,
        lambda: store.sources("stepCount"),
        lambda: store.statistics("stepCount", start=T0, end=at(60), options="sum"),
        lambda: store.statistics_collection(
            "stepCount", anchor=T0, interval="1h", start=T0, end=at(60), options="sum"
        ),
        lambda: store.characteristic("biologicalSex"),
        store.me_attributes,
        lambda: store.activity_summaries(date(2024, 1, 1), date(2024, 2, 1)),
        lambda: store.source_priority("stepCount"),
        store.summary,
        store.audit,
        lambda: store.delete(type="stepCount"),
        lambda: app.samples("stepCount", p.quantity(">", Quantity(0, "count"))),
        lambda: app.changes("stepCount"),
        lambda: app.authorization_status("stepCount"),
    ]
    for door in doors:
        with pytest.raises(DatabaseInaccessible):
            door()
    store.close()


def test_writes_while_locked_are_sealed_then_merged_once(encrypted: HealthStore) -> None:
    store = encrypted
    app = store.app(BUNDLE)
    store.lock()
    mine = steps(4321.5, 10)
    results = store.save(mine)
    assert [r.status for r in results] == [SaveStatus.queued]
    theirs = [steps(1111.25, 20), steps(2222.75, 30)]
    queued = app.save_each(theirs).results  # an app's view made before the lock still writes
    assert {r.status for r in queued if not isinstance(r, Exception)} == {SaveStatus.queued}
    journal = (store.directory / "journal.sealed").read_bytes()  # type: ignore[operator]
    for value in (b"4321.5", b"1111.25", b"stepCount", BUNDLE.encode()):
        assert value not in journal
    with pytest.raises(DatabaseInaccessible, match="wrong passphrase"):
        store.unlock("nope")
    assert store.locked
    assert store.unlock(PASSPHRASE) == 3
    values = sorted(s.quantity.value for s in store.samples("stepCount"))  # type: ignore[attr-defined]
    assert values == [1111.25, 2222.75, 4321.5]
    by_app = [s for s in store.samples("stepCount") if s.source_revision is not None]
    sources = {s.source_revision.source.bundle_id for s in by_app if s.uuid != mine.uuid}  # type: ignore[union-attr]
    assert sources == {BUNDLE}
    assert store.save(mine)[0].status is SaveStatus.duplicate
    store.close()


def test_queued_writes_are_checked_at_unlock(encrypted: HealthStore) -> None:
    store = encrypted
    app = store.app(BUNDLE)
    store.lock()
    denied = QuantitySample("heartRate", Quantity(61, "count/min"), T0, T0)
    app.save_each([steps(5), denied])  # heart rate was never granted: refused at merge
    store.unlock(PASSPHRASE)
    assert len(store.samples("stepCount")) == 1
    assert store.samples("heartRate") == []
    store.close()


_CHILD = """
import os, sys
from healthstore import HealthStore, Quantity, QuantitySample
from datetime import datetime, timezone
store = HealthStore.open(sys.argv[1], passphrase=sys.argv[2])
store.lock()
t = datetime(2024, 3, 30, 8, 0, tzinfo=timezone.utc)
sample = QuantitySample("stepCount", Quantity(777, "count"), t, t)
store.save(sample)
print(sample.uuid, flush=True)
os._exit(9)  # killed between the journal append and the merge
"""


def test_a_write_survives_a_kill_between_journal_and_merge(encrypted: HealthStore) -> None:
    directory = encrypted.directory
    assert directory is not None
    encrypted.close()
    child = subprocess.run(
        [sys.executable, "-c", _CHILD, str(directory), PASSPHRASE],
        capture_output=True,
        text=True,
        check=False,
    )
    assert child.returncode == 9, child.stderr
    uuid = child.stdout.strip()
    for _ in range(2):  # opening merges; opening again finds nothing left to merge
        with HealthStore.open(directory, passphrase=PASSPHRASE) as store:
            assert [str(s.uuid) for s in store.samples("stepCount")] == [uuid]
    assert (directory / "journal.sealed").read_bytes() == b""


def test_a_running_server_locks_and_unlocks(encrypted: HealthStore) -> None:
    store = encrypted
    token = store.renew_app_token(BUNDLE)
    with (
        serve(store) as url,
        httpx.Client(
            base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=30
        ) as http,
    ):
        refused = http.post("/v1/store/lock", json={"passphrase": "wrong"})
        assert refused.status_code == 403
        assert http.post("/v1/store/lock", json={"passphrase": PASSPHRASE}).json() == {
            "locked": True
        }
        read = http.get("/v1/samples", params={"type": "stepCount"})
        assert read.status_code == 423 and read.json()["name"] == "databaseInaccessible"
        item = {"type": "stepCount", "start": at(0).isoformat(), "end": at(5).isoformat(),
                "value": 12, "unit": "count"}  # fmt: skip
        upload = http.post("/v1/samples", json={"samples": [item]}).json()
        assert [r["status"] for r in upload["results"]] == ["queued"]
        assert http.get("/v1/store/status").json() == {"locked": True, "encrypted": True}
        unlocked = http.post("/v1/store/unlock", json={"passphrase": PASSPHRASE}).json()
        assert unlocked == {"locked": False, "merged": 1}
        after = http.get("/v1/samples", params={"type": "stepCount"}).json()["samples"]
        assert [s["value"] for s in after] == [12]
        again = http.post("/v1/samples", json={"samples": [item]}).json()
        assert again["duplicate"] == 1  # the queued upload kept its uuid
    store.close()


def test_only_encrypted_stores_lock(tmp_path: Path) -> None:
    from healthstore.errors import InvalidArgument

    with HealthStore.create(tmp_path / "plain") as plain, pytest.raises(InvalidArgument):
        plain.lock()
    assert json.loads((tmp_path / "plain" / "store.json").read_text())["encryption"] is None


def test_lock_and_unlock_on_the_command_line(encrypted: HealthStore, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from healthstore.cli import app as cli_app

    secret = tmp_path / "p.txt"
    secret.write_text(PASSPHRASE + "\n")
    runner = CliRunner()
    with serve(encrypted) as url:
        locked = runner.invoke(cli_app, ["--passphrase-file", str(secret), "lock", "--url", url])
        assert locked.exit_code == 0 and encrypted.locked, locked.output
        unlocked = runner.invoke(
            cli_app, ["--passphrase-file", str(secret), "unlock", "--url", url, "--json"]
        )
        assert unlocked.exit_code == 0 and json.loads(unlocked.output)["locked"] is False
        assert not encrypted.locked
    encrypted.close()


def test_observers_hear_of_locked_writes_after_unlock(encrypted: HealthStore) -> None:
    from tests.server.test_webhooks import MANIFEST as OBSERVING_APP
    from tests.server_support import WebhookReceiver

    store = encrypted
    observing = {**OBSERVING_APP, "bundle_id": "com.example.watcher"}
    store.register_app(observing)
    watcher = store.app("com.example.watcher")
    watcher.request_authorization(read=["stepCount"])
    store.grant("com.example.watcher", read=["stepCount"], history=True)
    receiver = WebhookReceiver()
    try:
        watcher.add_observer("stepCount", receiver.url)
        store.lock()
        store.save(steps(9))
        store.unlock(PASSPHRASE)
        assert store.delivery_worker().run_once() == 1  # queued while locked, told after
        receiver.wait_for(1)
    finally:
        receiver.close()
        store.close()
