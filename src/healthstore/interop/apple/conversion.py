"""What the converters of ``export.xml`` elements share: the reason an element is
rejected, what an element became, and the context of one import (caches of sources and
devices, file access, how uuids are derived, the repairs made to the element at hand)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from healthstore.errors import HealthStoreError
from healthstore.interop.apple.repairs import read_device
from healthstore.interop.apple.tree import Attributed
from healthstore.interop.apple.uuids import ContentUuids
from healthstore.interop.apple.values import normalize_source_name, source_bundle_id
from healthstore.model import ActivitySummary, Device, Sample, Source, SourceRevision
from healthstore.opaque import OpaqueRecord

ReadFile = Callable[[str], bytes | None]


ADDRESS = re.compile(r"0x[0-9a-fA-F]+")  # HKDevice memory addresses: not identity


class Rejected(Exception):
    """An element that cannot be imported; the message says why."""


@dataclass
class Converted:
    """What one element became."""

    samples: list[Sample] = field(default_factory=list)
    links: list[tuple[UUID, UUID]] = field(default_factory=list)  # (workout, sample)
    summary: ActivitySummary | None = None
    characteristics: dict[str, Any] = field(default_factory=dict)
    me_attributes: dict[str, str] = field(default_factory=dict)  # kept verbatim
    notes: list[str] = field(default_factory=list)
    opaque: OpaqueRecord | None = None  # a Record of a type the catalogue lacks


@dataclass
class Context:
    """Shared by the converters of one import: caches of sources and devices, file access,
    how uuids are derived, and the repairs made to the element being converted."""

    read_file: ReadFile
    uuids: ContentUuids = field(default_factory=ContentUuids)
    repairs: list[str] = field(default_factory=list)
    _sources: dict[tuple[str, str | None], SourceRevision] = field(default_factory=dict)
    _devices: dict[str, tuple[Device | None, str | None]] = field(default_factory=dict)

    def take_repairs(self) -> list[str]:
        """The repairs noted since the last call (those of one element), handed over once."""
        out, self.repairs = self.repairs, []
        return out

    def revision(self, element: Attributed) -> SourceRevision:
        """The source of an element; elements Apple writes without one (vision
        prescriptions) belong to the Health app."""
        try:
            name = normalize_source_name(element.get("sourceName") or "Health")
        except HealthStoreError as exc:
            raise Rejected(exc.message) from None
        version = element.get("sourceVersion") or None
        key = (name, version)
        found = self._sources.get(key)
        if found is None:
            found = SourceRevision(Source(source_bundle_id(name), name), version)
            self._sources[key] = found
        return found

    def device(self, element: Attributed) -> Device | None:
        """The device of an element; one that is not Apple's ``<<HKDevice: …>>`` text is
        kept as a device with that name, and noted as a repair."""
        device, repair = self.device_text(element.get("device") or "")
        if repair is not None:
            self.repairs.append(repair)
        return device

    def device_text(self, text: str) -> tuple[Device | None, str | None]:
        """The device a ``device`` attribute stands for, and the repair it needed (None)."""
        # Apple's address changes from record to record; another app's text is kept whole.
        key = ADDRESS.sub("", text) if text.startswith("<<HKDevice") else text
        found = self._devices.get(key)
        if found is None:
            found = self._devices[key] = read_device(text)
        return found
