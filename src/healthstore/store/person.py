"""``HealthStore``: the person's own view of their store, and the keys to everyone else's.

A store is a directory (:mod:`healthstore.store.files`): ``HealthStore.create(DIR)`` makes
one, ``HealthStore.open(DIR)`` opens it. The person reads and writes everything, sets
characteristics, registers apps and answers their requests; ``store.app(bundle_id)`` gives the
:class:`~healthstore.store.app.AppStore` an app works with. The methods live by idea in the
mixins it is made of: the vault and lifecycle (:mod:`~healthstore.store.vault`,
:mod:`~healthstore.store.lifecycle`, :mod:`~healthstore.store.backup`), apps and grants
(:mod:`~healthstore.store.apps`), deliveries (:mod:`~healthstore.store.deliveries`), while the
person's own data, and the thin doors to importers and exporters (which load them when
called: the store never imports them, so ``import healthstore.store`` loads neither lxml nor
httpx), are here.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from healthstore import plain
from healthstore.access import owner as owner_secret
from healthstore.access.audit import PERSON
from healthstore.errors import InvalidArgument
from healthstore.model import ActivitySummary, SaveStatus, Source
from healthstore.opaque import OpaqueRecord
from healthstore.plain import PlainSample, to_sample
from healthstore.storage import characteristics, priorities, summaries, type_counts
from healthstore.storage import me_attributes as kept_me
from healthstore.storage.backend import maybe_streaming
from healthstore.storage.opaque import opaque_records, save_opaque
from healthstore.store.apps import AppReport, AppsMixin
from healthstore.store.backup import BackupMixin
from healthstore.store.base import IMPORT_UUIDS
from healthstore.store.deliveries import DeliveriesMixin
from healthstore.store.files import DATABASE_FILE, FORMAT_FILE
from healthstore.store.view import (
    OWNER_REVISION,
    OWNER_SOURCE,
    TypeLike,
    characteristic_type,
    now_us,
    sample_type,
    serialized,
)
from healthstore.times import from_micros

if TYPE_CHECKING:
    from healthstore.exports.fhir import FhirExportCounts
    from healthstore.imports.apple import ImportSummary
    from healthstore.imports.cda import DocumentResult
    from healthstore.imports.fhir import FhirImportSummary
    from healthstore.imports.shc import CardResult
    from healthstore.interop.apple.parser import Progress
    from healthstore.interop.shc.issuers import TrustedIssuers

__all__ = [
    "DATABASE_FILE",
    "FORMAT_FILE",
    "OWNER_REVISION",
    "OWNER_SOURCE",
    "AppReport",
    "HealthStore",
]


class HealthStore(BackupMixin, AppsMixin, DeliveriesMixin):
    """The person's store: reads and writes everything; manages apps and characteristics."""

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
            characteristics.write(self._backend, self.user_id, self._dims.type_id(t), stored)
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
        t = sample_type(type)
        bundle_ids = [s.bundle_id if isinstance(s, Source) else str(s) for s in sources]
        if len(set(bundle_ids)) != len(bundle_ids):
            raise InvalidArgument("a source appears twice in the priority order", field="sources")
        with self._backend.transaction():
            priorities.write(self._backend, self.user_id, self._dims.type_id(t), bundle_ids)
        self._hub.notify([sample_type(type)])  # merged sums may change anywhere
        self._audit.append(PERSON, "sources.priority", [sample_type(type).short_name], 0, now_us())

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
        rows = type_counts.per_type(self._backend, self.user_id)
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

    # --- imports and exports (loaded when called: the store never imports them) ------
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
        from healthstore.imports.apple import import_apple_health

        key = self._secret(IMPORT_UUIDS)
        with maybe_streaming(self._backend):
            summary = import_apple_health(
                self, path, progress, batch_size, background=background, uuid_key=key
            )
        self._audit.append(PERSON, "import.apple_health", (), summary.samples_added, now_us())
        return summary

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
        from healthstore.imports.fhir import import_paths

        paths = [path] if isinstance(path, str | Path) else list(path)
        summary = import_paths(
            self,
            paths,
            source_name=source,
            source_url=source_url,
            release=release,
            patient=patient,
        )
        self._audit.append(PERSON, "import.fhir", (), sum(summary.added.values()), now_us())
        return summary

    def export_fhir(
        self, out: str | Path, *, start: datetime | None = None, end: datetime | None = None
    ) -> FhirExportCounts:
        """Write a FHIR R4 Bundle: the clinical records verbatim (DSTU2 ones are left out
        and counted), the person as a Patient, and heart rate, steps, body mass, blood
        pressure, glucose, oxygen saturation, body temperature and respiratory rate as
        Observations with LOINC codes and UCUM units; within [start, end) when given."""
        from healthstore.exports.fhir import export_fhir

        counts = export_fhir(self, out, start=start, end=end)
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
        from healthstore.imports.shc import import_inputs

        results = import_inputs(self, inputs, trusted_issuers, now)
        added = sum(1 for r in results if r.status == "added")
        self._audit.append(PERSON, "import.shc", ["verifiableClinicalRecord"], added, now_us())
        return results

    def import_cda(self, paths: Iterable[str | Path], *, source: str) -> list[DocumentResult]:
        """Import HL7 C-CDA documents (one a file) as the institution ``source``'s, with
        their title, patient, author and custodian names read from the header. Importing a
        file again finds it present; a file that is not a CDA document is skipped."""
        from healthstore.imports.cda import import_documents

        results = import_documents(self, paths, source_name=source)
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
        from healthstore.imports.fhir import download

        summary = download(
            self, base_url, source_name=source, patient=patient, token=token, release=release
        )
        self._audit.append(PERSON, "connect.fhir", (), sum(summary.added.values()), now_us())
        return summary
