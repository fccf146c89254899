"""A store's files are the person's alone: the directory 0700, every file in it 0600 —
database, WAL, shared memory, store.json, the sealed journal, backups — whatever the umask,
and a store with looser modes is tightened when opened."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from healthstore import HealthStore, Quantity, QuantitySample
from tests.conftest import at
from tests.server.test_app_api import BUNDLE, MANIFEST

PASSPHRASE = "private by default"


@pytest.fixture(params=[0o000, 0o022], ids=["umask000", "umask022"])
def loose_umask(request: pytest.FixtureRequest) -> Iterator[int]:
    before = os.umask(request.param)
    try:
        yield request.param
    finally:
        os.umask(before)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


def modes(directory: Path) -> dict[str, int]:
    """Mode of the directory ('.') and of everything under it."""
    out = {".": mode(directory)}
    for root, folders, files in os.walk(directory):
        for name in (*folders, *files):
            path = Path(root, name)
            out[str(path.relative_to(directory))] = mode(path)
    return out


def assert_private(directory: Path) -> None:
    found = modes(directory)
    loose = {
        name: oct(m)
        for name, m in found.items()
        if m != (0o700 if (directory / name).is_dir() else 0o600)
    }
    assert not loose, loose


def steps(n: float, minute: float = 0) -> QuantitySample:
    return QuantitySample("stepCount", Quantity(n, "count"), at(minute), at(minute + 5))


@pytest.mark.parametrize("passphrase", [PASSPHRASE, None], ids=["encrypted", "plain"])
def test_every_file_of_a_store_is_private_through_a_workload(
    tmp_path: Path, loose_umask: int, passphrase: str | None
) -> None:
    directory = tmp_path / "store"
    backup = tmp_path / "backup.zip"
    with HealthStore.create(directory, passphrase=passphrase) as store:
        store.register_app(MANIFEST)
        app = store.app(BUNDLE)
        app.request_authorization(share=["stepCount"], read=["stepCount"])
        store.grant(BUNDLE, share=["stepCount"], read=["stepCount"], history=True)
        app.save([steps(i, i) for i in range(50)])
        assert {"healthstore.db-wal", "healthstore.db-shm"} <= set(modes(directory))
        assert_private(directory)  # while open: the WAL and shared memory too
        if passphrase is not None:
            store.lock()
            app.save(steps(7, 100))  # sealed into the journal
            assert (directory / "journal.sealed").stat().st_size > 0
            assert_private(directory)
            store.unlock(passphrase)
            store.change_passphrase(passphrase, passphrase + "!")
            passphrase += "!"
        store.backup(backup)
        assert_private(directory)
    assert_private(directory)
    assert mode(backup) == 0o600
    restored = tmp_path / "restored"
    with HealthStore.restore(backup, restored, passphrase=passphrase) as copy:
        assert len(copy.samples("stepCount")) == (51 if passphrase else 50)
        assert_private(restored)


def test_a_store_with_loose_modes_is_tightened_on_open(tmp_path: Path) -> None:
    directory = tmp_path / "store"
    with HealthStore.create(directory) as store:
        store.save(steps(1))
    os.chmod(directory, 0o755)
    for name in os.listdir(directory):
        os.chmod(directory / name, 0o644)
    (directory / "notes").mkdir(mode=0o755)
    (directory / "notes" / "left.txt").write_text("by hand")
    os.chmod(directory / "notes" / "left.txt", 0o666)
    assert modes(directory)["."] == 0o755
    with HealthStore.open(directory) as store:
        assert_private(directory)
        assert len(store.samples("stepCount")) == 1
