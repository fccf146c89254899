"""``HealthStore``: the person's own view of their store, and the keys to everyone else's.

A store is a directory::

    DIR/store.json      format marker: {"format": "healthstore", "version": 1, "backend": "sqlite"}
    DIR/healthstore.db  the SQLite database

``HealthStore.create(DIR)`` makes one, ``HealthStore.open(DIR)`` opens it. The person reads
and writes everything, sets characteristics, registers apps and answers their requests;
``store.app(bundle_id)`` gives the :class:`~healthstore.app_store.AppStore` an app works with.
"""

from __future__ import annotations

import hmac
import json
import os
import secrets
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import Any

from healthstore import (
    catalogue,
    cda_import,
    fhir_export,
    fhir_import,
    fhir_patients,
    importing,
    plain,
    shc_import,
)
from healthstore.access import owner as owner_secret
from healthstore.access.anchors import AnchorCipher, app_key
from healthstore.access.apps import App, AppRegistry, token_digest
from healthstore.access.audit import PERSON, AuditEntry, AuditLog
from healthstore.access.consent import Consent, check_consent
from healthstore.access.grants import Decision, Grants, Mode, PendingRequest, object_types
from healthstore.access.manifest import AppManifest
from healthstore.app_store import AppStore
from healthstore.background import Background
from healthstore.cda_import import DocumentResult
from healthstore.delivery.observers import Observer
from healthstore.delivery.outbox import Delivery
from healthstore.delivery.worker import DeliveryWorker
from healthstore.errors import AuthorizationDenied, DatabaseInaccessible, InvalidArgument
from healthstore.fhir_export import FhirExportCounts
from healthstore.fhir_import import FhirImportSummary
from healthstore.importing import ImportSummary
from healthstore.interop.apple.parser import Progress
from healthstore.interop.fhir.server import FhirServer
from healthstore.interop.shc.issuers import TrustedIssuers
from healthstore.locked_writes import JournalEntry, LockedWrites
from healthstore.model import ActivitySummary, Sample, SaveStatus, Source
from healthstore.opaque import OpaqueRecord
from healthstore.plain import PlainSample, to_sample
from healthstore.query import predicates as p
from healthstore.query import stats_reader
from healthstore.query.live import ChangeHub
from healthstore.shc_import import CardResult
from healthstore.storage import me_attributes as kept_me
from healthstore.storage import summaries
from healthstore.storage.app_history import HistoryAccess
from healthstore.storage.backend import Backend
from healthstore.storage.dimensions import Dimensions
from healthstore.storage.lockable import LockableBackend
from healthstore.storage.opaque import opaque_records, save_opaque
from healthstore.storage.sqlite import CIPHER_PAGE_SIZE, SQLiteBackend
from healthstore.times import from_micros
from healthstore.vault.file_modes import private_directory, tighten, touch_private, write_private
from healthstore.vault.keys import KdfParams, derive_key, key_check
from healthstore.vault.sealing import new_keypair, open_box
from healthstore.views import (
    OWNER_REVISION,
    OWNER_SOURCE,
    SampleView,
    TypeLike,
    characteristic_type,
    now_us,
    sample_type,
    sample_types,
    serialized,
)

FORMAT_FILE = "store.json"
DATABASE_FILE = "healthstore.db"
FORMAT_VERSION = 1

__all__ = ["OWNER_REVISION", "OWNER_SOURCE", "AppReport", "HealthStore"]


@dataclass(frozen=True)
class AppReport:
    """What an app asked for against what it used (the App Review over-request check)."""

    bundle_id: str
    days: int
    requested: tuple[str, ...]
    used: tuple[str, ...]
    unused: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "bundle_id": self.bundle_id,
            "days": self.days,
            "requested": list(self.requested),
            "used": list(self.used),
            "unused": list(self.unused),
        }


class HealthStore(SampleView):
    """The person's store: reads and writes everything; manages apps and characteristics."""

    def __init__(
        self,
        backend: Backend,
        directory: Path | None = None,
        user_id: int = 1,
        *,
        journal_key: bytes | None = None,
    ) -> None:
        if isinstance(backend, SQLiteBackend):
            backend = LockableBackend(backend)
        dims = Dimensions(backend, user_id)
        self._apps = AppRegistry(backend, user_id)
        self._grants = Grants(backend, dims, user_id)
        self._deliveries = Background(
            backend, dims, user_id, self._apps, self._grants, lambda: self._secret("webhooks")
        )
        lockable = backend if isinstance(backend, LockableBackend) else None
        self._lockable = lockable
        self._locked = (
            LockedWrites(lockable, directory, journal_key) if lockable is not None else None
        )
        super().__init__(backend, dims, user_id, ChangeHub(), self._deliveries, self._locked)
        self.directory = directory
        self._audit = AuditLog(backend, user_id)
        self._secrets_kept: dict[str, bytes] = {}
        self._apps_kept: dict[str, App] = {}

    # --- lifecycle ----------------------------------------------------------------------
    @classmethod
    def create(
        cls,
        directory: str | Path,
        *,
        exist_ok: bool = False,
        passphrase: str | None = None,
    ) -> HealthStore:
        """Create a store in ``directory`` (made if missing). With ``passphrase`` the
        database is encrypted (SQLCipher; the key derived with scrypt from the passphrase and
        a random salt kept in ``store.json``); without one it is a plain SQLite file. With
        ``exist_ok``, an existing store there is opened instead of refused."""
        path = Path(directory)
        if (path / FORMAT_FILE).exists():
            if exist_ok:
                return cls.open(path, passphrase=passphrase)
            raise InvalidArgument(f"a store already exists at {path}", field="directory")
        if path.exists() and any(path.iterdir()):
            raise InvalidArgument(
                f"{path} is not empty and holds no store; choose an empty directory",
                field="directory",
            )
        key, encryption = None, None
        if passphrase is not None:
            params = KdfParams.new()
            key = derive_key(passphrase, params)
            encryption = _encryption_entry(params, key)
        private_directory(path)
        backend = SQLiteBackend(path / DATABASE_FILE, create=True, key=key)
        public = _journal_keys(backend) if key is not None else None
        marker = {
            "format": "healthstore",
            "version": FORMAT_VERSION,
            "backend": "sqlite",
            "encryption": encryption,
            "journal_public_key": None if public is None else public.hex(),
        }
        _write_json(path / FORMAT_FILE, marker)
        return cls(backend, path, journal_key=public)

    @staticmethod
    def _marker(path: Path) -> dict[str, Any]:
        try:
            marker = json.loads((path / FORMAT_FILE).read_text("utf-8"))
        except FileNotFoundError:
            raise DatabaseInaccessible(
                f"no healthstore at {path} (create one with `healthstore init {path}`)",
                field="directory",
            ) from None
        except (OSError, ValueError) as exc:
            raise DatabaseInaccessible(f"cannot read {path / FORMAT_FILE}: {exc}") from None
        if (
            not isinstance(marker, dict)
            or marker.get("format") != "healthstore"
            or marker.get("version") != FORMAT_VERSION
        ):
            raise DatabaseInaccessible(
                f"{path / FORMAT_FILE} does not describe a healthstore of format {FORMAT_VERSION}",
                field="directory",
            )
        return marker

    @classmethod
    def is_encrypted(cls, directory: str | Path) -> bool:
        """Whether the store in ``directory`` needs a passphrase to open."""
        return bool(cls._marker(Path(directory)).get("encryption"))

    @classmethod
    def open(cls, directory: str | Path, *, passphrase: str | None = None) -> HealthStore:
        """Open the store in ``directory`` (an encrypted one with its ``passphrase``; a
        wrong one is databaseInaccessible and changes nothing)."""
        path = Path(directory)
        marker = cls._marker(path)
        tighten(path)  # a store made before files were private, or restored by hand
        encryption = marker.get("encryption")
        if not encryption:
            if passphrase is not None:
                raise InvalidArgument(
                    f"the store at {path} is not encrypted; open it without a passphrase",
                    field="passphrase",
                )
            return cls(SQLiteBackend(path / DATABASE_FILE), path)
        if passphrase is None:
            raise DatabaseInaccessible(
                f"the store at {path} is encrypted: give its passphrase", field="passphrase"
            )
        key = _matching_key(path, passphrase, encryption)
        backend = SQLiteBackend(path / DATABASE_FILE, key=key)
        public = _journal_keys(backend)
        if marker.get("journal_public_key") != public.hex():
            _write_json(
                path / FORMAT_FILE, {**cls._marker(path), "journal_public_key": public.hex()}
            )
        store = cls(backend, path, journal_key=public)
        store._merge_journal()
        return store

    def backup(self, out: str | Path) -> Path:
        """Write a backup of the whole store to ``out`` (a new ``.zip`` holding
        ``store.json`` and a consistent copy of the database). An encrypted store's backup
        is encrypted with the same key: restoring it needs the same passphrase."""
        path = Path(out)
        if path.exists():
            raise InvalidArgument(f"{path} already exists; choose another name", field="out")
        if self.directory is None:
            raise InvalidArgument("this store has no directory to back up", field="store")
        with tempfile.TemporaryDirectory(dir=path.parent) as scratch:
            copy = Path(scratch) / DATABASE_FILE
            self._backend.backup_to(copy)
            partial = path.with_name(path.name + ".partial")
            touch_private(partial)  # the backup is as private as the store
            with zipfile.ZipFile(partial, "w", zipfile.ZIP_STORED) as archive:
                archive.write(self.directory / FORMAT_FILE, FORMAT_FILE)
                archive.write(copy, DATABASE_FILE)
            os.replace(partial, path)
        self._audit.append(PERSON, "backup", (), 0, now_us())
        return path

    @classmethod
    def restore(
        cls, backup: str | Path, directory: str | Path, *, passphrase: str | None = None
    ) -> HealthStore:
        """Restore a :meth:`backup` into ``directory`` (new or empty) and open it; when it
        does not open (a wrong passphrase, a damaged file) nothing is left behind."""
        source, path = Path(backup), Path(directory)
        if path.exists() and any(path.iterdir()):
            raise InvalidArgument(
                f"{path} is not empty; restore into a new directory", field="directory"
            )
        try:
            with zipfile.ZipFile(source) as archive:
                names = set(archive.namelist())
                if names != {FORMAT_FILE, DATABASE_FILE}:
                    raise InvalidArgument(f"{source} is not a healthstore backup", field="backup")
                created = not path.exists()
                private_directory(path)
                archive.extractall(path)
        except (OSError, zipfile.BadZipFile) as exc:
            raise InvalidArgument(
                f"cannot read the backup {source}: {exc}", field="backup"
            ) from None
        try:
            return cls.open(path, passphrase=passphrase)
        except BaseException:
            for name in (FORMAT_FILE, DATABASE_FILE):
                (path / name).unlink(missing_ok=True)
            if created:
                path.rmdir()
            raise

    # --- the locked store (spec §8) -------------------------------------------------------
    @classmethod
    def verify_passphrase(cls, directory: str | Path, passphrase: str) -> None:
        """Raise databaseInaccessible unless ``passphrase`` opens the store in
        ``directory``."""
        path = Path(directory)
        encryption = cls._marker(path).get("encryption")
        if not encryption:
            raise DatabaseInaccessible(f"the store at {path} is not encrypted", field="store")
        _matching_key(path, passphrase, encryption)

    @property
    def locked(self) -> bool:
        return self._locked is not None and self._locked.active

    def lock(self) -> None:
        """Lock the store: the key leaves memory and every read fails with
        databaseInaccessible; writes are still accepted, sealed into the journal with the
        store's public key, and merged at :meth:`unlock`."""
        lockable = self._lockable
        if not self.encrypted or lockable is None or self._locked is None:
            raise InvalidArgument("only an encrypted store can be locked", field="store")
        if self._locked.public_key is None:
            raise InvalidArgument("only an encrypted store can be locked", field="store")
        if self.locked:
            return
        self._audit.append(PERSON, "lock", (), 0, now_us())
        self._audit.flush()  # entries waiting for a busy writer go in before the key leaves
        self._apps_kept = self._apps.by_token_digest()
        self._secrets_kept = {n: self._secret(n) for n in ("anchors", IMPORT_UUIDS)}
        self._deliveries.pause()
        lockable.lock()
        self._dims.reset()

    def unlock(self, passphrase: str) -> int:
        """Unlock with the passphrase: merge, in order, what was written while locked (each
        write checked against the person's decisions as if made now; a sample already
        merged is a duplicate, never a second copy). Returns how many samples went in."""
        if not self.locked or self.directory is None or self._lockable is None:
            return 0
        encryption = self._marker(self.directory).get("encryption") or {}
        key = _matching_key(self.directory, passphrase, encryption)
        self._lockable.unlock(SQLiteBackend(self.directory / DATABASE_FILE, key=key))
        self._dims.reset()
        self._apps_kept, self._secrets_kept = {}, {}
        merged = self._merge_journal()
        self._audit.append(PERSON, "unlock", (), merged, now_us())
        self._deliveries.resume()
        return merged

    def _merge_journal(self) -> int:
        """Merge the journal's writes; an app removed meanwhile loses its queued writes
        (noted in the audit log). Returns how many samples went in."""
        if self._locked is None or self._locked.journal is None:
            return 0
        boxes = self._locked.journal.boxes()
        if not boxes:
            return 0
        private = self._secret_bytes(JOURNAL_PRIVATE)
        inserted = 0
        for box in boxes:
            entry = JournalEntry.from_bytes(open_box(private, box))
            samples = entry.sample_objects()
            if entry.actor == PERSON:
                inserted += self.save_each(samples).inserted
                continue
            try:
                app = self.app(entry.actor)
            except InvalidArgument:
                self._audit.append(
                    PERSON, "journal.dropped", (), len(samples), now_us(), {"app": entry.actor}
                )
                continue
            inserted += app.save_each(samples).inserted
        self._locked.journal.clear()
        return inserted

    def _secret_bytes(self, name: str) -> bytes:
        rows = self._backend.query("SELECT value FROM secrets WHERE name = ?", (name,))
        if not rows:
            raise DatabaseInaccessible(f"the store has no {name} key", field="store")
        return bytes(rows[0][0])

    def set_owner_password(self, password: str) -> None:
        """Set the password the person signs in to the web app with (plain stores)."""
        owner_secret.set_password(self._backend, password)

    def has_owner_password(self) -> bool:
        return owner_secret.has_password(self._backend)

    def owner_preferences(self) -> dict[str, Any]:
        """The person's Health app preferences: ``pinned`` types, preferred ``units``."""
        return owner_secret.preferences(self._backend)

    def set_owner_preferences(self, values: dict[str, Any]) -> None:
        owner_secret.set_preferences(self._backend, values)

    def check_owner_password(self, password: str) -> bool:
        """True when ``password`` is the owner password (a slow key derivation)."""
        return owner_secret.check_password(self._backend, password)

    def change_passphrase(self, old: str, new: str) -> None:
        """Re-encrypt the store under ``new`` (a new salt and key; giving the same
        passphrase twice rotates the key). Crash-safe: the new key's description is written
        beside ``store.json`` before the database is re-encrypted, and :meth:`open` finishes
        a change that was interrupted."""
        if self.directory is None or not self.encrypted:
            raise InvalidArgument("only an encrypted store has a passphrase", field="store")
        marker = self._marker(self.directory)
        _matching_key(self.directory, old, marker["encryption"])
        params = KdfParams.new()
        key = derive_key(new, params)
        pending = {
            **marker,
            "encryption": _encryption_entry(params, key),
        }
        _write_json(self.directory / PENDING_FILE, pending)
        self._backend.rekey(key)
        os.replace(self.directory / PENDING_FILE, self.directory / FORMAT_FILE)
        self._audit.append(PERSON, "change_passphrase", (), 0, now_us())

    @property
    def encrypted(self) -> bool:
        """Whether the database is encrypted at rest."""
        return bool(getattr(self._backend, "encrypted", False))

    def close(self) -> None:
        self._deliveries.stop_worker()
        try:
            if not self.locked:
                self._audit.flush()
        finally:
            self._backend.close()

    # --- background delivery --------------------------------------------------------------
    def start_deliveries(self, **options: Any) -> DeliveryWorker:
        """Start sending webhook notifications in a background thread (the server does);
        ``options`` tune the :class:`~healthstore.delivery.worker.DeliveryWorker`."""
        return self._deliveries.start_worker(**options)

    def stop_deliveries(self) -> None:
        self._deliveries.stop_worker()

    def delivery_worker(self, **options: Any) -> DeliveryWorker:
        """A worker that is not started: call ``run_once()`` to send what is due."""
        return self._deliveries.worker(**options)

    def observers(self, bundle_id: str | None = None) -> list[Observer]:
        """Every app's observers (or one app's)."""
        app_id = None if bundle_id is None else self._apps.get(bundle_id).id
        return self._deliveries.observers.all(app_id)

    def deliveries(self, limit: int = 100) -> list[Delivery]:
        """The newest webhook notifications and their state, newest first."""
        return self._deliveries.outbox.history(limit=limit)

    def __enter__(self) -> HealthStore:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # --- characteristics ----------------------------------------------------------------
    def set_characteristic(self, type: TypeLike, value: int | str | date | None) -> None:
        """Set (or with None, clear) a characteristic. Only the person can."""
        t = characteristic_type(type)
        if value is None:
            stored = None
        elif t.value_enum is None:
            if not isinstance(value, date) or isinstance(value, datetime):
                raise InvalidArgument(f"{t.short_name} takes a date", field="value")
            stored = json.dumps(value.isoformat())
        else:
            if isinstance(value, date):
                raise InvalidArgument(f"{t.short_name} takes a {t.value_enum.name}", field="value")
            stored = json.dumps(t.value_enum.parse(value))
        with self._backend.transaction():
            type_id = self._dims.type_id(t)
            self._backend.execute(
                "DELETE FROM characteristics WHERE user_id = ? AND type_id = ?",
                (self.user_id, type_id),
            )
            if stored is not None:
                self._backend.execute(
                    "INSERT INTO characteristics (user_id, type_id, value) VALUES (?, ?, ?)",
                    (self.user_id, type_id, stored),
                )
            kept_me.forget(self._backend, self.user_id, [t.identifier])  # now modelled

    def me_attributes(self) -> dict[str, str]:
        """The attributes of an imported Apple ``Me`` element that no characteristic holds
        (name → text as written); an Apple export writes them back. Never shown to apps."""
        return kept_me.read(self._backend, self.user_id)

    def keep_me_attributes(self, values: Mapping[str, str]) -> None:
        """Keep ``Me`` attributes verbatim (replacing those of the same names)."""
        with self._backend.transaction():
            kept_me.keep(self._backend, self.user_id, values)

    # --- statistics ---------------------------------------------------------------------
    def set_source_priority(self, type: TypeLike, sources: Iterable[str | Source]) -> None:
        """The person's order of sources for ``type`` (first counts first when statistics
        merge); sources not named follow in the default order."""
        stats_reader.set_priority(self._reader, sample_type(type), list(sources))
        self._hub.notify([sample_type(type)])  # merged sums may change anywhere
        self._audit.append(PERSON, "sources.priority", [sample_type(type).short_name], 0, now_us())

    # --- imports --------------------------------------------------------------------------
    def transaction(self) -> AbstractContextManager[None]:
        """Group several writes into one all-or-nothing transaction."""
        return self._backend.transaction()

    def import_apple_health(
        self,
        path: str | Path,
        progress: Callable[[Progress], None] | None = None,
        *,
        batch_size: int = 5000,
        background: bool | None = None,
    ) -> ImportSummary:
        """Import an Apple Health ``export.zip`` (or its folder, or ``export.xml``):
        everything in it, streamed, in batches. Importing the same export again adds
        nothing; a newer export adds only what is new. Returns counts per element kind and
        the skipped elements with their line and reason. A large ``export.xml`` is read in
        a second process while this one saves (``background``: None decides by size, True
        or False forces it)."""
        key = self._secret(IMPORT_UUIDS)
        with self._backend.streaming():
            summary = importing.import_apple_health(
                self, path, progress, batch_size, background=background, uuid_key=key
            )
        self._audit.append(PERSON, "import.apple_health", (), summary.samples_added, now_us())
        return summary

    def keep_opaque_records(self, records: Sequence[OpaqueRecord]) -> list[bool]:
        """Keep Records of types this version does not know, as written (for importers);
        per record, whether it was new."""
        with self._backend.transaction():
            return save_opaque(self._backend, self.user_id, records, now_us())

    def opaque_records(self) -> list[OpaqueRecord]:
        """The Records of unknown types an import kept (:mod:`healthstore.opaque`): the
        person's alone; no app reads them."""
        return list(opaque_records(self._backend, self.user_id))

    @serialized
    def save_plain(self, samples: Sequence[PlainSample]) -> list[SaveStatus]:
        """Save plain samples (:mod:`healthstore.plain`, for bulk importers) all-or-nothing,
        by the rules of :meth:`save`. Returns a status per sample, in order."""
        if self._locked_writes is not None and self._locked_writes.active:
            return [r.status for r in self.save_batch([to_sample(s) for s in samples]).results]
        now = now_us()
        with self._writing():
            statuses = self._writer.save_plain(samples, now)
            queued = self._announce(now)
        if queued:
            self._wake_deliveries()
        if self._hub.active and samples:
            self._hub.notify(
                {s[plain.TYPE] for s in samples},
                min(s[plain.START] for s in samples),
                max(s[plain.END] for s in samples),
            )
        return statuses

    def import_fhir(
        self,
        path: str | Path | Sequence[str | Path],
        *,
        source: str,
        source_url: str | None = None,
        release: str | None = None,
        patient: str | None = None,
    ) -> FhirImportSummary:
        """Import FHIR resources (Bundles of any type, single resources, or folders of
        ``.json`` files; one path or several) as clinical records of the institution
        ``source``. ``release`` (DSTU2 or R4) is recognised per file when not given.
        Importing again updates changed records and never duplicates; invalid resources are
        skipped with their FHIR path. The summary lists the Patients found; ``patient`` (a
        Patient id) imports only that patient's resources."""
        paths = [path] if isinstance(path, str | Path) else list(path)
        items, patients = fhir_patients.read_files(paths, patient)
        summary = fhir_import.import_resources(
            self, items, source_name=source, source_url=source_url, release=release
        )
        summary.patients = [x.to_json() for x in patients]
        self._audit.append(PERSON, "import.fhir", (), sum(summary.added.values()), now_us())
        return summary

    def export_fhir(
        self, out: str | Path, *, start: datetime | None = None, end: datetime | None = None
    ) -> FhirExportCounts:
        """Write a FHIR R4 Bundle: the clinical records verbatim (DSTU2 ones are left out
        and counted), the person as a Patient, and heart rate, steps, body mass, blood
        pressure, glucose, oxygen saturation, body temperature and respiratory rate as
        Observations with LOINC codes and UCUM units; within [start, end) when given."""
        counts = fhir_export.export_fhir(self, out, start=start, end=end)
        self._audit.append(PERSON, "export.fhir", (), sum(counts.resources.values()), now_us())
        return counts

    def import_smart_health_cards(
        self,
        inputs: Iterable[str | Path],
        *,
        trusted_issuers: str | Path | TrustedIssuers,
        now: datetime | None = None,
    ) -> list[CardResult]:
        """Verify and store SMART Health Cards. Each input is a ``.smart-health-card`` file,
        a file holding a JWS or ``shc:/`` QR text, or such text itself. ``trusted_issuers``
        is a JWKS file, a folder with ``jwks.json`` and ``crl-*.json``, an issuer URL, or
        loaded :class:`~healthstore.interop.shc.issuers.TrustedIssuers`. A tampered, unknown,
        expired or revoked card is refused with the check that failed; the others are kept."""
        issuers = (
            trusted_issuers
            if isinstance(trusted_issuers, TrustedIssuers)
            else TrustedIssuers.load(trusted_issuers)
        )
        texts = [_card_input(item) for item in inputs]
        results = shc_import.import_cards(self, texts, issuers, now)
        added = sum(1 for r in results if r.status == "added")
        self._audit.append(PERSON, "import.shc", ["verifiableClinicalRecord"], added, now_us())
        return results

    def import_cda(self, paths: Iterable[str | Path], *, source: str) -> list[DocumentResult]:
        """Import HL7 C-CDA documents (one a file) as the institution ``source``'s, with
        their title, patient, author and custodian names read from the header. Importing a
        file again finds it present; a file that is not a CDA document is skipped."""
        results = cda_import.import_documents(self, paths, source_name=source)
        added = sum(1 for r in results if r.status == "added")
        self._audit.append(PERSON, "import.cda", ["cda"], added, now_us())
        return results

    def connect_fhir(
        self,
        base_url: str,
        *,
        source: str,
        patient: str | None = None,
        token: str | None = None,
        release: str | None = None,
    ) -> FhirImportSummary:
        """Download the patient's records from a provider's FHIR server: every resource of
        a clinical type, following search paging, imported as :meth:`import_fhir` does (the
        server's address becomes the records' source URL). ``token`` is a bearer token for
        the server; it is used for this download only and never stored."""
        with FhirServer(base_url, patient=patient, token=token) as server:
            chosen = release or server.release()
            summary = fhir_import.import_resources(
                self,
                server.resources(chosen),
                source_name=source,
                source_url=server.base_url,
                release=chosen,
            )
        self._audit.append(PERSON, "connect.fhir", (), sum(summary.added.values()), now_us())
        return summary

    # --- activity summaries ---------------------------------------------------------------
    def save_activity_summaries(
        self, items: ActivitySummary | Iterable[ActivitySummary]
    ) -> list[SaveStatus]:
        """Save daily activity rings (the person's devices write them; apps cannot)."""
        batch = [items] if isinstance(items, ActivitySummary) else list(items)
        for i, item in enumerate(batch):
            if not isinstance(item, ActivitySummary):
                raise InvalidArgument(f"items[{i}] is not an ActivitySummary", field=f"items[{i}]")
        return summaries.save(self._backend, self.user_id, batch)

    # --- summary ------------------------------------------------------------------------
    def summary(self) -> list[dict[str, Any]]:
        """Per type: how many samples, from when to when, from how many sources."""
        rows = self._backend.query(
            "SELECT type_id, COUNT(*), MIN(start_us), MAX(end_us), COUNT(DISTINCT source_id) "
            "FROM samples WHERE user_id = ? GROUP BY type_id",
            (self.user_id,),
        )
        out = [
            {
                "type": self._dims.object_type(type_id).short_name,
                "count": count,
                "first": from_micros(first),
                "last": from_micros(last),
                "sources": sources,
            }
            for type_id, count, first, last, sources in rows
        ]
        return sorted(out, key=lambda r: str(r["type"]))

    # --- apps ---------------------------------------------------------------------------
    def register_app(self, manifest: AppManifest | Mapping[str, Any] | str) -> str:
        """Register an app from its manifest; returns its secret token, which is shown this
        once and kept only as a hash."""
        app, token = self._apps.register(manifest, now_us())
        self._audit.append(PERSON, "apps.register", (), 0, now_us(), {"app": app.bundle_id})
        return token

    def renew_app_token(self, bundle_id: str) -> str:
        """A new token for an app (the old one stops working)."""
        token = self._apps.renew_token(bundle_id)
        self._audit.append(PERSON, "apps.renew_token", (), 0, now_us(), {"app": bundle_id})
        return token

    def apps(self) -> list[App]:
        return self._apps.all()

    def app_info(self, bundle_id: str) -> App:
        return self._apps.get(bundle_id)

    def remove_app(self, bundle_id: str, *, delete_data: bool = False) -> int:
        """Unregister an app. Its samples stay unless ``delete_data``; returns how many
        samples were deleted."""
        app = self._apps.get(bundle_id)
        deleted = 0
        if delete_data:
            deleted = self.delete(type=sample_types(None), predicate=p.from_sources(app.source))
        self._deliveries.observers.remove_app(app.id)
        self._apps.remove(bundle_id)
        self._audit.append(
            PERSON, "apps.remove", (), deleted, now_us(), {"app": bundle_id, "deleted": deleted}
        )
        return deleted

    def app(self, bundle_id: str) -> AppStore:
        """The view of a registered app (in-process apps; servers use :meth:`app_for_token`)."""
        return self._app_store(self._apps.get(bundle_id))

    def app_for_token(self, token: str) -> AppStore:
        """The view of the app a token belongs to; a bad or revoked token is
        authorizationDenied. While the store is locked, apps are recognised from what was
        known when it was locked (so they can still write)."""
        if self.locked:
            app = self._apps_kept.get(token_digest(token)) if isinstance(token, str) else None
            if app is None:
                raise AuthorizationDenied("the app token is not valid", field="token")
            return self._app_store(app)
        return self._app_store(self._apps.by_token(token))

    def _app_store(self, app: App) -> AppStore:
        cipher = AnchorCipher(app_key(self._secret("anchors"), app.bundle_id))
        return AppStore(
            self._backend,
            self._dims,
            self.user_id,
            app,
            self._grants,
            self._audit,
            cipher,
            self._hub,
            self._deliveries,
            self._locked,
        )

    def _secret(self, name: str) -> bytes:
        if name in self._secrets_kept:
            return self._secrets_kept[name]
        rows = self._backend.query("SELECT value FROM secrets WHERE name = ?", (name,))
        if rows:
            return bytes(rows[0][0])
        with self._backend.transaction():
            self._backend.execute(
                "INSERT INTO secrets (name, value) VALUES (?, ?) ON CONFLICT DO NOTHING",
                (name, secrets.token_bytes(32)),
            )
        return bytes(self._backend.query("SELECT value FROM secrets WHERE name = ?", (name,))[0][0])

    # --- the person's answers -----------------------------------------------------------
    def pending_requests(self) -> list[PendingRequest]:
        """What apps asked for that the person has not answered yet."""
        return self._grants.pending(self._apps.all())

    def grant(
        self,
        bundle_id: str,
        *,
        read: Iterable[TypeLike] = (),
        share: Iterable[TypeLike] = (),
        history: bool = False,
    ) -> dict[str, list[str]]:
        """Allow an app to read and write the given types (which it must have asked for),
        and with ``history`` to read data older than the history limit. Returns the types
        changed, per mode (and ``history: ["history"]`` when that changed)."""
        return self._decide(bundle_id, read, share, Decision.authorized, "grant", _ANY, history)

    def deny(
        self, bundle_id: str, *, read: Iterable[TypeLike] = (), share: Iterable[TypeLike] = ()
    ) -> dict[str, list[str]]:
        """Refuse an app the given types. Returns the types changed, per mode."""
        return self._decide(bundle_id, read, share, Decision.denied, "deny", _ANY)

    def revoke(
        self,
        bundle_id: str,
        *,
        read: Iterable[TypeLike] = (),
        share: Iterable[TypeLike] = (),
        history: bool = False,
    ) -> dict[str, list[str]]:
        """Withdraw permissions granted before (they become denied), and with ``history``
        the reading of older data. Returns the types changed, per mode."""
        return self._decide(
            bundle_id, read, share, Decision.denied, "revoke", (Decision.authorized,), history
        )

    def history_access(self, bundle_id: str) -> HistoryAccess:
        """When an app was first let read, and whether it may read data older than the
        history limit (30 days before that)."""
        return self._grants.history(self._apps.get(bundle_id))

    def _decide(
        self,
        bundle_id: str,
        read: Iterable[TypeLike],
        share: Iterable[TypeLike],
        decision: Decision,
        operation: str,
        only: tuple[Decision, ...],
        history: bool = False,
    ) -> dict[str, list[str]]:
        app = self._apps.get(bundle_id)
        read_types, share_types = object_types(read, "read"), object_types(share, "share")
        if not read_types and not share_types and not history:
            raise InvalidArgument(f"{operation}: name types to read or share", field="types")
        changed = {
            mode: self._grants.decide(app, types, mode, decision, now_us(), only=only)
            for mode, types in ((Mode.read, read_types), (Mode.share, share_types))
        }
        names = {m.value: sorted(t.short_name for t in ts) for m, ts in changed.items()}
        if history:
            granted = decision is Decision.authorized
            names["history"] = ["history"] if self._grants.set_history(app, granted) else []
        self._audit.append(
            PERSON,
            f"apps.{operation}",
            [*names["read"], *names["share"]],
            0,
            now_us(),
            {"app": bundle_id, **names},
        )
        return names

    def authorizations(self, bundle_id: str) -> dict[str, dict[str, str]]:
        """An app's requests and the person's decisions: type short name → {"read": …,
        "share": …} with values ``requested``, ``authorized`` or ``denied``."""
        app = self._apps.get(bundle_id)
        out: dict[str, dict[str, str]] = {}
        for (identifier, mode), decision in sorted(self._grants.decisions(app).items()):
            name = catalogue.object_type(identifier).short_name
            out.setdefault(name, {})[mode.value] = decision.value
        return dict(sorted(out.items()))

    # --- audit and reports --------------------------------------------------------------
    def audit(
        self,
        app: str | None = None,
        since: datetime | None = None,
        limit: int = 0,
        *,
        newest_first: bool = False,
    ) -> list[AuditEntry]:
        """The audit log (oldest first unless ``newest_first``): every app read and write,
        every decision of the person."""
        return self._audit.entries(app, since, limit, newest_first=newest_first)

    def app_report(self, bundle_id: str, days: int = 30) -> AppReport:
        """The types an app asked for, those it used in the last ``days`` days, and those it
        asked for but did not use."""
        app = self._apps.get(bundle_id)
        requested = {
            catalogue.object_type(identifier).short_name
            for identifier, _ in self._grants.decisions(app)
        }
        since = from_micros(now_us()) - timedelta(days=days)
        used = {
            name
            for entry in self._audit.entries(app.bundle_id, since)
            if entry.operation != "request_authorization"
            for name in entry.types
        }
        return AppReport(
            bundle_id,
            days,
            tuple(sorted(requested)),
            tuple(sorted(used)),
            tuple(sorted(requested - used)),
        )

    # --- sharing with a third party -----------------------------------------------------
    def export_for(
        self,
        recipient: str,
        types: Iterable[TypeLike],
        purpose: str,
        consent: Consent | None = None,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
    ) -> dict[str, list[Sample]]:
        """The samples of ``types`` to hand to ``recipient``, given the person's consent
        record for that recipient, purpose and types. Advertising, marketing and data
        brokerage are refused whatever the consent says. Recorded in the audit log."""
        wanted = sample_types(types)
        check_consent(recipient, wanted, purpose, consent)
        assert consent is not None
        with self._backend.transaction():
            self._backend.execute(
                "INSERT INTO consents (user_id, recipient, purpose, types, granted_us, statement) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (
                    self.user_id,
                    recipient,
                    purpose,
                    json.dumps(sorted(t.short_name for t in wanted)),
                    now_us(),
                    consent.statement,
                ),
            )
        out = {t.short_name: self.samples(t, start=start, end=end) for t in wanted}
        self._audit.append(
            PERSON,
            "export_for",
            out,
            sum(len(v) for v in out.values()),
            now_us(),
            {"recipient": recipient, "purpose": purpose},
        )
        return out


PENDING_FILE = "store.json.next"
IMPORT_UUIDS = "apple-import-uuids"
"""The key of the uuids an Apple import derives (empty: a store older than keyed uuids,
which keeps the unkeyed derivation; migration 0008)."""
JOURNAL_PRIVATE = "journal-private"
JOURNAL_PUBLIC = "journal-public"


def _journal_keys(backend: SQLiteBackend) -> bytes:
    """The store's journal key pair, made on first use: the private half stays inside the
    encrypted database; the public half is returned (and kept in store.json)."""
    rows = backend.query("SELECT value FROM secrets WHERE name = ?", (JOURNAL_PUBLIC,))
    if rows:
        return bytes(rows[0][0])
    private, public = new_keypair()
    with backend.transaction():
        backend.execute(
            "INSERT INTO secrets (name, value) VALUES (?, ?)", (JOURNAL_PRIVATE, private)
        )
        backend.execute("INSERT INTO secrets (name, value) VALUES (?, ?)", (JOURNAL_PUBLIC, public))
    return public


def _encryption_entry(params: KdfParams, key: bytes) -> dict[str, Any]:
    """What ``store.json`` says of an encrypted store: how its key is derived, the cipher,
    and a check value for the key (never the key or the passphrase)."""
    return {
        **params.to_json(),
        "cipher": "sqlcipher4",
        "page_size": CIPHER_PAGE_SIZE,
        "check": key_check(key),
    }


def _write_json(path: Path, data: dict[str, Any]) -> None:
    partial = path.with_name(path.name + ".partial")
    write_private(partial, (json.dumps(data, indent=2) + "\n").encode("utf-8"))
    os.replace(partial, path)


def _matching_key(path: Path, passphrase: str, encryption: dict[str, Any]) -> bytes:
    """The key ``passphrase`` gives for the store at ``path``: under ``store.json``'s
    description, or under that of a passphrase change that was interrupted (which is then
    completed)."""
    key = derive_key(passphrase, KdfParams.from_json(encryption))
    if hmac.compare_digest(key_check(key), str(encryption.get("check", ""))):
        return key
    pending = path / PENDING_FILE
    if pending.exists():
        try:
            upcoming = json.loads(pending.read_text("utf-8"))["encryption"]
        except (OSError, ValueError, KeyError, TypeError):
            upcoming = None
        if upcoming:
            key = derive_key(passphrase, KdfParams.from_json(upcoming))
            if hmac.compare_digest(key_check(key), str(upcoming.get("check", ""))):
                try:  # the database took the new key before the crash: finish the change
                    SQLiteBackend(path / DATABASE_FILE, key=key).close()
                except DatabaseInaccessible:
                    pass
                else:
                    os.replace(pending, path / FORMAT_FILE)
                    return key
    raise DatabaseInaccessible(f"wrong passphrase for the store at {path}", field="passphrase")


def _is_file(text: str) -> bool:
    try:
        return Path(text).is_file()
    except (OSError, ValueError):  # a name too long, or holding NUL: text, not a path
        return False


def _card_input(item: str | Path) -> tuple[str, str]:
    """(name, text) of one card input: a path that exists is read, anything else is the
    card's text itself."""
    if isinstance(item, Path) or _is_file(str(item)):
        path = Path(item)
        try:
            return path.name, path.read_text("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise InvalidArgument(f"cannot read {path}: {exc}", field="inputs") from None
    text = str(item)
    return (text[:24] + "…" if len(text) > 24 else text), text


_ANY = (Decision.requested, Decision.authorized, Decision.denied)
