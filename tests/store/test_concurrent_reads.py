"""Reads never wait behind writes: they run on connections of their own (SQLite WAL
readers), so a read answers while a write waits for a lock another process holds, sees only
committed writes, and a thread inside its own transaction still reads its own writes."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlcipher3 import dbapi2 as sqlcipher  # type: ignore[import-untyped]

from healthstore import HealthStore, Quantity, QuantitySample
from healthstore.errors import DatabaseInaccessible
from healthstore.server import ServerSettings
from healthstore.storage.sqlite import CIPHER_PAGE_SIZE, SQLiteBackend
from healthstore.vault.keys import sqlcipher_key
from tests.conftest import at
from tests.server.test_app_api import BUNDLE, MANIFEST
from tests.server_support import serve

PASSPHRASE = "read while they write"
PATIENCE = 60  # seconds a failing test waits before it fails instead of hanging


def steps(n: float, minute: float = 0) -> QuantitySample:
    return QuantitySample("stepCount", Quantity(n, "count"), at(minute), at(minute + 5))


@pytest.fixture(params=["plain", "encrypted"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[HealthStore]:
    passphrase = PASSPHRASE if request.param == "encrypted" else None
    with HealthStore.create(tmp_path / "store", passphrase=passphrase) as s:
        s.register_app(MANIFEST)
        s.app(BUNDLE).request_authorization(share=["stepCount"], read=["stepCount"])
        s.grant(BUNDLE, share=["stepCount"], read=["stepCount"], history=True)
        s.app(BUNDLE).save([steps(1, 0), steps(2, 10)])
        yield s


def inner(store: HealthStore) -> SQLiteBackend:
    backend: Any = store._backend
    sqlite: SQLiteBackend = backend._inner
    return sqlite


def other_process_connection(store: HealthStore) -> Any:
    """A connection of its own to the store's database (keyed as the store is): what
    another process holding the store looks like to this one."""
    backend = inner(store)
    if backend._key is None:
        return sqlite3.connect(backend.path, isolation_level=None)
    conn = sqlcipher.connect(str(backend.path), isolation_level=None)
    conn.execute(f"PRAGMA key = {sqlcipher_key(backend._key)}")
    conn.execute(f"PRAGMA cipher_page_size = {CIPHER_PAGE_SIZE}")
    return conn


def announce_waits(store: HealthStore, monkeypatch: pytest.MonkeyPatch) -> threading.Event:
    """An event set when the store's writer starts waiting for the database's lock."""
    backend = inner(store)
    waiting = threading.Event()
    run = backend._run

    def watched(sql: str, *args: Any) -> Any:
        if sql == "BEGIN IMMEDIATE":
            waiting.set()
        return run(sql, *args)

    monkeypatch.setattr(backend, "_run", watched)
    backend.execute(f"PRAGMA busy_timeout = {PATIENCE * 1000}")
    return waiting


def test_a_read_answers_while_an_upload_waits_for_another_process(
    store: HealthStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = store.renew_app_token(BUNDLE)
    waiting = announce_waits(store, monkeypatch)
    holder = other_process_connection(store)
    uploaded: list[httpx.Response] = []
    item = {"type": "stepCount", "start": at(30).isoformat(), "end": at(35).isoformat(),
            "value": 3, "unit": "count"}  # fmt: skip
    with (
        serve(store, ServerSettings(deliveries=False)) as url,
        httpx.Client(
            base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=PATIENCE
        ) as http,
    ):

        def upload() -> None:
            uploaded.append(http.post("/v1/samples", json={"samples": [item]}))

        holder.execute("BEGIN IMMEDIATE")
        uploader = threading.Thread(target=upload)
        try:
            uploader.start()
            assert waiting.wait(PATIENCE), "the upload never reached the store"
            read = http.get("/v1/samples", params={"type": "stepCount"})
            assert read.status_code == 200
            assert [s["value"] for s in read.json()["samples"]] == [1, 2]
            assert uploader.is_alive() and not uploaded  # the upload is still waiting
        finally:
            holder.execute("ROLLBACK")
            holder.close()
            uploader.join(PATIENCE)
        assert uploaded[0].status_code == 200 and uploaded[0].json()["created"] == 1
        after = http.get("/v1/samples", params={"type": "stepCount"}).json()["samples"]
        assert [s["value"] for s in after] == [1, 2, 3]  # readers see the committed write
    reads = [e for e in store.audit(app=BUNDLE) if e.operation == "read.samples"]
    assert len(reads) == 2  # the read that met a busy writer is in the audit log too


def test_a_thread_reads_its_own_transaction_and_others_do_not_wait_for_it(
    store: HealthStore,
) -> None:
    saved, seen = threading.Event(), threading.Event()
    during: list[list[float]] = []

    def values() -> list[float]:
        return [s.quantity.value for s in store.samples("stepCount")]  # type: ignore[attr-defined]

    def other_thread() -> None:
        assert saved.wait(PATIENCE)
        during.append(values())
        seen.set()

    reader = threading.Thread(target=other_thread)
    reader.start()
    with store.transaction():
        store.save(steps(3, 30))
        assert values() == [1, 2, 3]  # read-your-writes inside the transaction
        saved.set()
        assert seen.wait(PATIENCE), "a read waited for an open transaction"
    reader.join(PATIENCE)
    assert during == [[1, 2]]  # the other thread saw only what was committed
    assert values() == [1, 2, 3]


def test_live_statistics_hear_of_writes_from_other_threads(store: HealthStore) -> None:
    updates: list[float] = []
    changed = threading.Event()

    def handler(buckets: list[Any]) -> None:
        updates.extend(b.sum.value for b in buckets if b.sum is not None)
        changed.set()

    live = store.live_statistics_collection(
        "stepCount", handler, anchor=at(0), interval="1h", start=at(0), end=at(60), options="sum"
    )
    writer = threading.Thread(target=lambda: store.save(steps(4, 40)))
    writer.start()
    writer.join(PATIENCE)
    assert changed.wait(PATIENCE)
    total = live.results[0].sum
    assert updates == [7] and total is not None and total.value == 7
    live.stop()


def test_locking_closes_the_read_connections(tmp_path: Path) -> None:
    with HealthStore.create(tmp_path / "s", passphrase=PASSPHRASE) as store:
        store.save(steps(1))
        assert len(store.samples("stepCount")) == 1
        pool = inner(store)._readers
        assert pool._idle  # a read connection is kept for the next read
        lent = pool.lend()
        store.lock()
        assert not pool._idle
        with pytest.raises(DatabaseInaccessible):
            pool.lend()
        pool.give_back(*lent)  # one lent out is closed when it comes back
        with pytest.raises(Exception, match="closed"):
            lent[1].execute("SELECT 1")
        with pytest.raises(DatabaseInaccessible):
            store.samples("stepCount")
        store.unlock(PASSPHRASE)
        assert len(store.samples("stepCount")) == 1


def test_reads_follow_a_new_key(tmp_path: Path) -> None:
    directory = tmp_path / "s"
    with HealthStore.create(directory, passphrase=PASSPHRASE) as store:
        store.save(steps(1))
        assert len(store.samples("stepCount")) == 1  # a read connection under the old key
        store.change_passphrase(PASSPHRASE, "a new one")
        store.save(steps(2, 10))
        assert len(store.samples("stepCount")) == 2
    with HealthStore.open(directory, passphrase="a new one") as again:
        assert len(again.samples("stepCount")) == 2
