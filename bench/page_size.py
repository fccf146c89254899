"""Database page size against the two kinds of uuid a store receives.

The same N heart-rate samples are saved in batches of 10,000 into fresh stores, plain and
encrypted, with 4 KiB and 16 KiB pages, once with the library's time-ordered uuids (what
saves and imports make) and once with random uuid4s (what HealthKit apps send). Each figure
is samples per second; the reference column is the same store with 4 KiB pages, so the
ratio says what 16 KiB pages change. No goal: the table is there to choose the page size.

A page size is set on a new database before its first table, so each store is made with the
backend's page-size pragma patched for the duration of its creation.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from uuid import uuid4

from bulk_save import build_samples
from common import PARIS, Result, minutes, rate, stopwatch
from healthstore import HealthStore, QuantitySample
from healthstore.storage import sqlite

FIRST = datetime(2024, 1, 1, tzinfo=PARIS)
PASSPHRASE = "bench passphrase"
SIZES = (4096, 16384)


@contextmanager
def _page_size(size: int, encrypted: bool) -> Iterator[None]:
    saved_cipher, saved_pragmas = sqlite.CIPHER_PAGE_SIZE, sqlite._PRAGMAS
    if encrypted:
        sqlite.CIPHER_PAGE_SIZE = size
    else:
        sqlite._PRAGMAS = (f"PRAGMA page_size = {size}", *saved_pragmas)
    try:
        yield
    finally:
        sqlite.CIPHER_PAGE_SIZE, sqlite._PRAGMAS = saved_cipher, saved_pragmas


def _samples(count: int, random_uuids: bool) -> list[QuantitySample]:
    samples, _ = build_samples(list(minutes(FIRST, count)), uuid4 if random_uuids else _no_uuid)
    return samples


def _no_uuid() -> None:
    return None  # the library chooses a time-ordered one


def _save_rate(scratch: Path, samples: list[QuantitySample], size: int, encrypted: bool) -> float:
    directory = Path(tempfile.mkdtemp(dir=scratch)) / "store"
    try:
        with _page_size(size, encrypted):
            store = HealthStore.create(directory, passphrase=PASSPHRASE if encrypted else None)
            with store, stopwatch() as elapsed:
                for i in range(0, len(samples), 10_000):
                    store.save(samples[i : i + 10_000])
        return len(samples) / elapsed()
    finally:
        shutil.rmtree(directory.parent)


def run(count: int, cache: Path) -> tuple[list[Result], list[str]]:
    """Rates for every (store kind, uuid kind), 16 KiB pages beside 4 KiB ones."""
    cache.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="pages-", dir=cache))
    results = []
    try:
        for random_uuids in (False, True):
            samples = _samples(count, random_uuids)
            for encrypted in (False, True):
                small, large = (_save_rate(scratch, samples, s, encrypted) for s in SIZES)
                what = (
                    f"{'encrypted' if encrypted else 'plain'} save, "
                    f"{'random uuid4' if random_uuids else 'time-ordered uuids'}: 16 vs 4 KiB"
                )
                results.append(
                    Result(what, rate(1, 1 / large), rate(1, 1 / small), f"{large / small:.2f}×")
                )
    finally:
        shutil.rmtree(scratch)
    lines = [
        f"Page size: {count:,} heart-rate samples saved in batches of 10,000 into fresh "
        "stores; ours = 16 KiB pages, reference = 4 KiB pages, same store kind and uuids."
    ]
    return results, lines
