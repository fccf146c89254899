"""The store as a FHIR R4 Bundle: clinical records verbatim, the person as a Patient, and
their common measurements as Observations (see :mod:`healthstore.interop.fhir.observations`).

DSTU2 records cannot sit in an R4 Bundle: they are counted and left out. The first resource
of each generated kind is validated with fhir.resources before anything is written (the rest
are built the same way); the file is written whole or not at all.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from healthstore import catalogue
from healthstore.catalogue import Kind
from healthstore.clinical.fhir import r4_problems
from healthstore.errors import HealthStoreError, NoData
from healthstore.interop.fhir.observations import EXPORTED_TYPES, observation, patient
from healthstore.records import ClinicalRecord

if TYPE_CHECKING:
    from healthstore.store import HealthStore


@dataclass
class FhirExportCounts:
    """What the Bundle holds, by resource kind, and what was left out."""

    path: Path
    resources: Counter[str] = field(default_factory=Counter)
    left_out: Counter[str] = field(default_factory=Counter)

    def to_json(self) -> dict[str, Any]:
        return {
            "path": str(self.path),
            "resources": dict(sorted(self.resources.items())),
            "left_out": dict(sorted(self.left_out.items())),
        }


def _person(store: HealthStore) -> dict[str, Any]:
    sex = store.characteristic("biologicalSex")
    try:
        born = store.characteristic("dateOfBirth")
    except NoData:
        born = None
    return patient(
        int(sex) if isinstance(sex, int) else 0, born if isinstance(born, date) else None
    )


def build_bundle(
    store: HealthStore, *, start: datetime | None = None, end: datetime | None = None
) -> tuple[dict[str, Any], Counter[str], Counter[str]]:
    """The Bundle, its resources by kind, and what was left out."""
    entries: list[dict[str, Any]] = []
    kinds: Counter[str] = Counter()
    left_out: Counter[str] = Counter()
    checked: set[str] = set()

    def add(resource: dict[str, Any], full_url: str, kind: str, check: bool) -> None:
        if check and kind not in checked:
            problems = r4_problems(resource)
            if problems:
                raise HealthStoreError(f"the exported {kind} is not valid R4: {problems[0]}")
            checked.add(kind)
        entries.append({"fullUrl": full_url, "resource": resource})
        kinds[kind] += 1

    add(_person(store), "urn:uuid:person", "Patient", True)
    clinical = [t for t in catalogue.all_types() if t.kind is Kind.clinical]
    for record in store.samples(clinical, start=start, end=end, sort="start"):
        if not isinstance(record, ClinicalRecord):
            continue
        if record.fhir_release != "R4":
            left_out[f"{record.fhir_release} {record.resource_type}"] += 1
            continue
        add(dict(record.resource), f"urn:uuid:{record.uuid}", record.resource_type, False)
    for name in EXPORTED_TYPES:
        for sample in store.samples(name, start=start, end=end, sort="start"):
            resource = observation(sample)
            if resource is not None:
                add(resource, f"urn:uuid:{sample.uuid}", f"Observation ({name})", True)
    bundle = {"resourceType": "Bundle", "type": "collection", "entry": entries}
    return bundle, kinds, left_out


def export_fhir(
    store: HealthStore,
    out: str | Path,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
) -> FhirExportCounts:
    """Write the Bundle to ``out`` (a new file, written under a temporary name first)."""
    path = Path(out)
    bundle, kinds, left_out = build_bundle(store, start=start, end=end)
    tmp = path.with_name(path.name + ".partial")
    with tmp.open("w", encoding="utf-8") as f:
        json.dump(bundle, f, ensure_ascii=False, separators=(",", ":"))
    os.replace(tmp, path)
    return FhirExportCounts(path, kinds, left_out)
