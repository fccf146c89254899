"""Stores as an older healthstore left them, made through the real migration path."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from healthstore import HealthStore, catalogue
from healthstore.model import QuantitySample
from healthstore.storage.migrate import shipped
from healthstore.store import DATABASE_FILE
from healthstore.units import Quantity
from tests.conftest import at

KEYED_UUIDS_MIGRATION = next(m.sql for m in shipped("sqlite") if "import_uuid_key" in m.name)


def legacy_store(directory: Path) -> HealthStore:
    """A store made before keyed import uuids: one that had a sample (deleted since, so it
    holds none), taken back to the state before migration 0008, which then runs on it as on
    any older store (only that one: the migrations after it have nothing to undo)."""
    store = HealthStore.create(directory)
    heart = catalogue.object_type("heartRate")
    [saved] = store.save([QuantitySample(heart, Quantity(60.0, "count/min"), at(0), at(0))])
    store.delete([saved.uuid])
    store.close()
    with sqlite3.connect(directory / DATABASE_FILE) as db:
        db.execute("DELETE FROM secrets WHERE name = 'apple-import-uuids'")
        db.executescript(KEYED_UUIDS_MIGRATION)
    db.close()
    return HealthStore.open(directory)
