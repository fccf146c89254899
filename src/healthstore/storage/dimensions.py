"""Small lookup tables shared by every sample row: types, sources, revisions, devices.

Rows refer to them by integer id. This registry keeps both directions in memory, creates
missing rows inside the caller's transaction, and is reset when a transaction rolls back.
Reads of other threads use it while a write runs: loading and resetting take turns.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from healthstore import catalogue
from healthstore.catalogue import ObjectType
from healthstore.model import Device, Source, SourceRevision
from healthstore.storage.backend import Backend

K = TypeVar("K")
V = TypeVar("V")

_DEVICE_FIELDS = (
    "name",
    "manufacturer",
    "model",
    "hardware_version",
    "firmware_version",
    "software_version",
    "local_identifier",
    "udi_device_identifier",
)


def _identity(values: tuple[Any, ...]) -> str:
    return json.dumps(values, separators=(",", ":"))


class Dimensions:
    """Two-way maps between dimension objects and their row ids for one user."""

    def __init__(self, backend: Backend, user_id: int) -> None:
        self._db = backend
        self._user = user_id
        self._turns = threading.RLock()
        self.reset()

    def reset(self) -> None:
        """Forget everything (after a rollback, or when another process may have written)."""
        with self._turns:
            self._forget()

    def _forget(self) -> None:
        self._type_ids: dict[str, int] = {}
        self._types: dict[int, ObjectType] = {}
        self._source_ids: dict[str, int] = {}
        self._sources: dict[int, Source] = {}
        self._revision_ids: dict[SourceRevision, int] = {}
        self._revisions: dict[int, tuple[int, SourceRevision]] = {}
        self._device_ids: dict[Device, int] = {}
        self._devices: dict[int, Device] = {}
        self._loaded = False

    def _load(self) -> None:
        if self._loaded:
            return
        with self._turns:
            if not self._loaded:
                self._load_all()

    def _load_all(self) -> None:
        for tid, identifier in self._db.query("SELECT id, identifier FROM object_types"):
            self._type_ids[identifier] = tid
            self._types[tid] = catalogue.object_type(identifier)
        for sid, bundle, name in self._db.query(
            "SELECT id, bundle_id, name FROM sources WHERE user_id = ?", (self._user,)
        ):
            self._source_ids[bundle] = sid
            self._sources[sid] = Source(bundle, name)
        for rid, sid, version, product, os_version in self._db.query(
            "SELECT id, source_id, version, product_type, os_version FROM source_revisions "
            "WHERE user_id = ?",
            (self._user,),
        ):
            revision = SourceRevision(self._sources[sid], version, product, os_version)
            self._revision_ids[revision] = rid
            self._revisions[rid] = (sid, revision)
        fields = ", ".join(_DEVICE_FIELDS)
        for row in self._db.query(
            f"SELECT id, {fields} FROM devices WHERE user_id = ?", (self._user,)
        ):
            device = Device(*row[1:])
            self._device_ids[device] = row[0]
            self._devices[row[0]] = device
        self._loaded = True

    def _known(self, cache: dict[int, V], key: int) -> V:
        """``cache[key]``, read again from the store first when it is not there yet (another
        connection may have added it)."""
        if key not in cache:
            self._loaded = False
            self._load()
        return cache[key]

    def _lookup(self, cache: dict[K, int], key: K, create: Callable[[], int]) -> int:
        found = cache.get(key)
        if found is None:
            self._load()
            found = cache.get(key)
        if found is None:
            found = create()
            self._loaded = False
            self._load()
        return found

    # --- object types -------------------------------------------------------------------
    def type_id(self, t: ObjectType) -> int:
        def create() -> int:
            self._db.execute(
                "INSERT INTO object_types (identifier) VALUES (?) ON CONFLICT DO NOTHING",
                (t.identifier,),
            )
            return int(
                self._db.query("SELECT id FROM object_types WHERE identifier = ?", (t.identifier,))[
                    0
                ][0]
            )

        return self._lookup(self._type_ids, t.identifier, create)

    def known_type_ids(self, types: list[ObjectType]) -> list[int]:
        """The ids of those of ``types`` that have rows (never creates; one look at the
        database at most)."""
        self._load()
        if any(t.identifier not in self._type_ids for t in types):
            for tid, identifier in self._db.query("SELECT id, identifier FROM object_types"):
                self._type_ids[identifier] = tid
                self._types[tid] = catalogue.object_type(identifier)
        return [i for t in types if (i := self._type_ids.get(t.identifier)) is not None]

    def known_type_id(self, t: ObjectType) -> int | None:
        """The id of a type that has rows, or None (never creates)."""
        self._load()
        found = self._type_ids.get(t.identifier)
        if found is None:
            self._loaded = False
            self._load()
            found = self._type_ids.get(t.identifier)
        return found

    def object_type(self, type_id: int) -> ObjectType:
        if type_id not in self._types:
            self._loaded = False
            self._load()
        return self._types[type_id]

    # --- sources ------------------------------------------------------------------------
    def source_id(self, source: Source) -> int:
        def create() -> int:
            self._db.execute(
                "INSERT INTO sources (user_id, bundle_id, name) VALUES (?, ?, ?) "
                "ON CONFLICT DO NOTHING",
                (self._user, source.bundle_id, source.name),
            )
            return int(
                self._db.query(
                    "SELECT id FROM sources WHERE user_id = ? AND bundle_id = ?",
                    (self._user, source.bundle_id),
                )[0][0]
            )

        return self._lookup(self._source_ids, source.bundle_id, create)

    def known_source_id(self, bundle_id: str) -> int | None:
        self._load()
        return self._source_ids.get(bundle_id)

    def source(self, source_id: int) -> Source:
        return self._known(self._sources, source_id)

    def sources(self) -> dict[int, Source]:
        self._load()
        return dict(self._sources)

    # --- source revisions ---------------------------------------------------------------
    def revision_id(self, revision: SourceRevision) -> tuple[int, int]:
        """(source id, revision id), creating both when new."""
        source_id = self.source_id(revision.source)

        def create() -> int:
            values = (source_id, revision.version, revision.product_type, revision.os_version)
            identity = _identity(values)
            self._db.execute(
                "INSERT INTO source_revisions (user_id, source_id, version, product_type, "
                "os_version, identity) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                (self._user, *values, identity),
            )
            return int(
                self._db.query(
                    "SELECT id FROM source_revisions WHERE user_id = ? AND identity = ?",
                    (self._user, identity),
                )[0][0]
            )

        return source_id, self._lookup(self._revision_ids, revision, create)

    def revision(self, revision_id: int) -> SourceRevision:
        return self._known(self._revisions, revision_id)[1]

    # --- devices ------------------------------------------------------------------------
    def device_id(self, device: Device) -> int:
        def create() -> int:
            values = tuple(getattr(device, f) for f in _DEVICE_FIELDS)
            identity = _identity(values)
            self._db.execute(
                f"INSERT INTO devices (user_id, {', '.join(_DEVICE_FIELDS)}, identity) "
                f"VALUES (?, {', '.join('?' for _ in _DEVICE_FIELDS)}, ?) ON CONFLICT DO NOTHING",
                (self._user, *values, identity),
            )
            return int(
                self._db.query(
                    "SELECT id FROM devices WHERE user_id = ? AND identity = ?",
                    (self._user, identity),
                )[0][0]
            )

        return self._lookup(self._device_ids, device, create)

    def device(self, device_id: int) -> Device:
        return self._known(self._devices, device_id)

    def devices(self) -> dict[int, Device]:
        self._load()
        return dict(self._devices)
