"""Whose records a set of FHIR files holds, and picking one person's.

Bundles exported for several patients (Synthea writes one per patient) must not be merged
into one person silently: :func:`read_files` reads every file, lists the Patient resources
found (id and name), and with ``patient`` keeps only what belongs to that one. A resource
belongs to a patient when it is that Patient or refers to it (``Patient/ID``,
``urn:uuid:ID`` or the entry's ``fullUrl``); one that refers to no patient at all belongs
to the patients of its own file.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from healthstore.errors import InvalidArgument
from healthstore.interop.fhir.files import Found, Unreadable, read_path


@dataclass(frozen=True)
class FhirPatient:
    """A Patient resource found in the input: its id and a display name."""

    id: str
    name: str

    def to_json(self) -> dict[str, str]:
        return {"id": self.id, "name": self.name}

    def __str__(self) -> str:
        return f"{self.name} ({self.id})" if self.name else self.id


def read_files(
    paths: Sequence[str | Path], patient: str | None = None
) -> tuple[list[Found | Unreadable], list[FhirPatient]]:
    """Every resource of ``paths`` (files or folders, see
    :func:`~healthstore.interop.fhir.files.read_path`), only ``patient``'s when given, and
    the patients found in all of them. An unknown ``patient`` is an invalidArgument naming
    those there are."""
    items = [item for path in paths for item in read_path(path)]
    found = patients_in(items)
    if patient is None:
        return items, found
    if patient not in {p.id for p in found}:
        there = ", ".join(map(str, found)) or "none"
        raise InvalidArgument(
            f"no Patient {patient!r} in the input (patients: {there})", field="patient"
        )
    return list(_belonging(items, patient)), [p for p in found if p.id == patient]


def patients_in(items: Iterable[Found | Unreadable]) -> list[FhirPatient]:
    """The distinct Patient resources, in the order first seen."""
    out: dict[str, FhirPatient] = {}
    for item in items:
        if isinstance(item, Found) and _is_patient(item):
            pid = _patient_id(item)
            if pid and pid not in out:
                out[pid] = FhirPatient(pid, _name(item.resource.get("name")))
    return list(out.values())


def _patient_id(item: Found) -> str:
    rid = item.resource.get("id")
    if isinstance(rid, str) and rid:
        return rid
    url = item.full_url or ""
    return url.removeprefix("urn:uuid:").rsplit("/", 1)[-1]


def _name(names: Any) -> str:
    """``given family`` of the first HumanName (DSTU2's list-valued family too)."""
    if not isinstance(names, list) or not names or not isinstance(names[0], Mapping):
        return ""
    first = names[0]
    if isinstance(first.get("text"), str):
        return str(first["text"])
    parts: list[str] = []
    for key in ("given", "family"):
        value = first.get(key)
        values = value if isinstance(value, list) else [value]
        parts += [v for v in values if isinstance(v, str)]
    return " ".join(parts)


def _belonging(items: list[Found | Unreadable], patient: str) -> Iterator[Found | Unreadable]:
    patients = [i for i in items if isinstance(i, Found) and _is_patient(i)]
    owner: dict[str, str] = {}  # a reference to a patient -> the patient's id
    for person in patients:
        pid = _patient_id(person)
        owner[f"Patient/{pid}"] = owner[f"urn:uuid:{pid}"] = pid
        if person.full_url:
            owner[person.full_url] = pid
    groups_of_patient = {i.group for i in patients if _patient_id(i) == patient}
    for item in items:
        if isinstance(item, Unreadable):
            yield item
        elif _is_patient(item):
            if _patient_id(item) == patient:
                yield item
        else:
            named = {owner[r] for r in _references(item.resource) if r in owner}
            named |= {r.rsplit("/", 1)[-1] for r in _references(item.resource) if "/Patient/" in r}
            if patient in named or (not named and item.group in groups_of_patient):
                yield item


def _is_patient(item: Found) -> bool:
    return item.resource.get("resourceType") == "Patient"


def _references(value: Any) -> Iterator[str]:
    """The ``reference`` strings of a resource, at any depth."""
    if isinstance(value, Mapping):
        for key, child in value.items():
            if key == "reference" and isinstance(child, str):
                yield child
            else:
                yield from _references(child)
    elif isinstance(value, list):
        for child in value:
            yield from _references(child)
