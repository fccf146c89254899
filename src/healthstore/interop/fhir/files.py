"""FHIR resources from files: a Bundle of any type, a single resource, or a folder of both."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from healthstore.errors import InvalidArgument


@dataclass(frozen=True)
class Found:
    """A resource and where it was: ``file.json`` or ``file.json entry[12]``."""

    resource: dict[str, Any]
    where: str
    group: str  # resources of one group share a FHIR release (one file, one server)
    full_url: str | None = None  # Bundle.entry.fullUrl: identifies a resource without an id


@dataclass(frozen=True)
class Unreadable:
    """Something that is not a FHIR resource, and why."""

    where: str
    reason: str


def resources_in(
    data: Any, where: str, group: str, full_url: str | None = None
) -> Iterator[Found | Unreadable]:
    """The resources of a parsed JSON document: a Bundle's entries (nested bundles too) or
    the resource itself."""
    if not isinstance(data, Mapping) or not isinstance(data.get("resourceType"), str):
        yield Unreadable(where, "not a FHIR resource (no resourceType)")
        return
    if data["resourceType"] != "Bundle":
        yield Found(dict(data), where, group, full_url)
        return
    entries = data.get("entry") or []
    if not isinstance(entries, list):
        yield Unreadable(f"{where} entry", "Bundle.entry is not a list")
        return
    for i, entry in enumerate(entries):
        resource = entry.get("resource") if isinstance(entry, Mapping) else None
        if resource is None:
            yield Unreadable(f"{where} entry[{i}]", "Bundle.entry has no resource")
        else:
            url = entry.get("fullUrl")
            url = url if isinstance(url, str) and url else None
            yield from resources_in(resource, f"{where} entry[{i}]", group, url)


def read_path(path: str | Path) -> Iterator[Found | Unreadable]:
    """Every resource in a JSON file or in the ``.json`` files of a folder (sorted by name,
    not descending into sub-folders)."""
    root = Path(path)
    if root.is_dir():
        files = sorted(p for p in root.iterdir() if p.is_file() and p.suffix.lower() == ".json")
        if not files:
            raise InvalidArgument(f"{root} holds no .json files", field="path")
    elif root.is_file():
        files = [root]
    else:
        raise InvalidArgument(f"{root} does not exist", field="path")
    for file in files:
        try:
            data = json.loads(file.read_bytes())
        except (OSError, ValueError) as exc:
            yield Unreadable(file.name, f"not JSON: {exc}")
            continue
        yield from resources_in(data, file.name, file.name)
