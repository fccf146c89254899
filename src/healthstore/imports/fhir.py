"""Importing FHIR resources into a store as clinical records.

Whatever brings the resources (files, a provider's server), the rules are the same: each
resource of a mapped type becomes a clinical record of the named institution; an R4 resource
that fhir.resources refuses is skipped with its FHIR path, the others are kept; resource types
HealthKit keeps no record of (Patient, Encounter, Claim…) are counted and left. A resource
already stored under the same identity (institution, type, id) is left alone when unchanged
and replaced when it changed, so downloading again never duplicates.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from healthstore import catalogue
from healthstore.catalogue import Kind
from healthstore.clinical.fhir import r4_problems, release_of
from healthstore.clinical.mapping import clinical_type
from healthstore.clinical.records import clinical_record, institution
from healthstore.errors import HealthStoreError, InvalidArgument
from healthstore.imports.fhir_patients import read_files
from healthstore.interop.fhir.files import Found, Unreadable
from healthstore.interop.fhir.server import FhirServer
from healthstore.model import SaveStatus
from healthstore.query import predicates as p
from healthstore.records import ClinicalRecord

if TYPE_CHECKING:
    from healthstore.store import HealthStore

SKIPS_KEPT = 200


@dataclass(frozen=True)
class Skipped:
    where: str
    reason: str

    def to_json(self) -> dict[str, str]:
        return {"where": self.where, "reason": self.reason}


@dataclass
class FhirImportSummary:
    """What a FHIR import did, per clinical type, and what it left out and why."""

    source: str
    added: Counter[str] = field(default_factory=Counter)
    updated: Counter[str] = field(default_factory=Counter)
    unchanged: Counter[str] = field(default_factory=Counter)
    not_kept: Counter[str] = field(default_factory=Counter)
    skips: list[Skipped] = field(default_factory=list)
    skipped_total: int = 0
    releases: dict[str, str] = field(default_factory=dict)
    patients: list[dict[str, str]] = field(default_factory=list)  # Patient id and name found

    def skip(self, where: str, reason: str) -> None:
        self.skipped_total += 1
        if len(self.skips) < SKIPS_KEPT:
            self.skips.append(Skipped(where, reason))

    def to_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "added": dict(sorted(self.added.items())),
            "updated": dict(sorted(self.updated.items())),
            "unchanged": dict(sorted(self.unchanged.items())),
            "not_kept": dict(sorted(self.not_kept.items())),
            "releases": self.releases,
            "patients": self.patients,
            "skipped": self.skipped_total,
            "skips": [s.to_json() for s in self.skips],
        }


def _stored(store: HealthStore, source_name: str) -> dict[str, ClinicalRecord]:
    """The institution's records already in the store, by identity."""
    types = [t for t in catalogue.all_types() if t.kind is Kind.clinical]
    found = store.samples(types, p.from_sources(institution(source_name)))
    return {
        str(r.sync_identifier): r
        for r in found
        if isinstance(r, ClinicalRecord) and r.sync_identifier is not None
    }


def import_resources(
    store: HealthStore,
    items: Iterable[Found | Unreadable],
    *,
    source_name: str,
    source_url: str | None = None,
    release: str | None = None,
    received: datetime | None = None,
) -> FhirImportSummary:
    """Import what a reader found (see module docs); ``release`` forces DSTU2 or R4,
    otherwise each group (file, server) is recognised by its resources."""
    if release is not None and release not in ("DSTU2", "R4"):
        raise InvalidArgument("release must be DSTU2 or R4", field="release")
    summary = FhirImportSummary(institution(source_name).name)
    received = received or datetime.now(UTC)
    groups: dict[str, list[Found]] = defaultdict(list)
    for item in items:
        if isinstance(item, Unreadable):
            summary.skip(item.where, item.reason)
        else:
            groups[item.group].append(item)
    stored = _stored(store, source_name)
    records: list[tuple[Found, ClinicalRecord]] = []
    seen: set[str] = set()
    for group, found in groups.items():
        group_release = release or release_of(f.resource for f in found)
        summary.releases[group] = group_release
        for item in found:
            record = _record(item, group_release, source_name, source_url, received, summary)
            if record is None:
                continue
            key = str(record.sync_identifier)
            if key in seen:
                summary.skip(item.where, f"{key} appears twice; the first was kept")
                continue
            seen.add(key)
            old = stored.get(key)
            if old is not None and old.resource == record.resource:
                summary.unchanged[record.type.short_name] += 1
                continue
            records.append((item, record))
    saved = store.save_each([record for _, record in records])
    for (item, record), outcome in zip(records, saved.results, strict=True):
        name = record.type.short_name
        if isinstance(outcome, HealthStoreError):
            summary.skip(item.where, outcome.message)
        elif outcome.status is SaveStatus.replaced:
            summary.updated[name] += 1
        elif outcome.status is SaveStatus.created:
            summary.added[name] += 1
        elif outcome.status is SaveStatus.ignored_older_version:
            summary.skip(item.where, f"a newer {record.sync_identifier} is already stored")
        else:
            summary.unchanged[name] += 1
    return summary


def _record(
    item: Found,
    release: str,
    source_name: str,
    source_url: str | None,
    received: datetime,
    summary: FhirImportSummary,
) -> ClinicalRecord | None:
    resource = item.resource
    kind = str(resource.get("resourceType"))
    if clinical_type(resource) is None:
        summary.not_kept[kind] += 1
        return None
    if release == "R4":
        problems = r4_problems(resource)
        if problems:
            more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
            summary.skip(item.where, f"invalid R4 {kind}: {problems[0]}{more}")
            return None
    try:
        return clinical_record(
            resource,
            release=release,
            source_name=source_name,
            source_url=source_url,
            received=received,
            full_url=item.full_url,
        )
    except HealthStoreError as exc:
        summary.skip(item.where, exc.message)
        return None


def import_paths(
    store: HealthStore,
    paths: Sequence[str | Path],
    *,
    source_name: str,
    source_url: str | None = None,
    release: str | None = None,
    patient: str | None = None,
) -> FhirImportSummary:
    """Import the FHIR files and folders at ``paths`` (``patient``: only that Patient's
    resources); the summary lists the Patients found."""
    items, patients = read_files(paths, patient)
    summary = import_resources(
        store, items, source_name=source_name, source_url=source_url, release=release
    )
    summary.patients = [x.to_json() for x in patients]
    return summary


def download(
    store: HealthStore,
    base_url: str,
    *,
    source_name: str,
    patient: str | None = None,
    token: str | None = None,
    release: str | None = None,
) -> FhirImportSummary:
    """Import every clinical resource of a provider's FHIR server (its address becomes the
    records' source URL)."""
    with FhirServer(base_url, patient=patient, token=token) as server:
        chosen = release or server.release()
        return import_resources(
            store,
            server.resources(chosen),
            source_name=source_name,
            source_url=server.base_url,
            release=chosen,
        )
