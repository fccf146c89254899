"""Records of types the catalogue does not know, kept as opaque records.

Apple adds types with each iOS. A Record whose ``type`` is an identifier the catalogue
lacks becomes an :class:`~healthstore.opaque.OpaqueRecord`: its attributes and metadata
entries as written, its uuid derived from that content like any other Record's (so a second
import finds it there). Everything else about Records is
:func:`~healthstore.interop.apple.elements.record`'s.
"""

from __future__ import annotations

import re
from typing import Final
from uuid import UUID

from healthstore import catalogue
from healthstore.errors import HealthStoreError
from healthstore.interop.apple.conversion import Context, Converted
from healthstore.interop.apple.element_fields import NOT_IDENTITY, metadata_entries
from healthstore.interop.apple.elements import record
from healthstore.interop.apple.tree import Element
from healthstore.interop.apple.values import parse_date
from healthstore.opaque import OpaqueRecord
from healthstore.times import to_micros

IDENTIFIER: Final = re.compile(r"[A-Za-z][A-Za-z0-9_.]{0,199}")
"""What a type identifier a future iOS may write looks like (Apple's start with HK)."""


def record_or_opaque(element: Element, ctx: Context) -> Converted:
    """A top-level Record: a sample when its type is known, else kept opaque."""
    name = element.get("type") or ""
    if not name or not IDENTIFIER.fullmatch(name):
        return record(element, ctx)
    try:
        catalogue.object_type(name)
    except HealthStoreError:
        return Converted(opaque=opaque_record(element, ctx))
    return record(element, ctx)


def opaque_record(element: Element, ctx: Context) -> OpaqueRecord:
    """A Record of an unknown type, as written."""
    attributes = tuple((str(k), str(v)) for k, v in element.attrib.items())
    entries = tuple((str(key or ""), str(value or "")) for key, value in metadata_entries(element))
    if any(child.tag != "MetadataEntry" for child in element):
        ctx.repairs.append("children other than metadata entries left out")
    try:
        start_us: int | None = to_micros(parse_date(element.get("startDate") or ""))
    except HealthStoreError:
        start_us = None
    ctx.revision(element)  # (a Record without a source is rejected like any other)
    parts = sorted(f"{k}={v}" for k, v in attributes if k not in NOT_IDENTITY)
    parts.extend(sorted(f"{k}:{v}" for k, v in entries))
    identity = "\x1f".join(("opaque", *parts))
    uuid = ctx.uuids.record(start_us or 0, identity, element.get("creationDate"))
    return OpaqueRecord(UUID(bytes=uuid), str(element.get("type")), start_us, attributes, entries)


__all__ = ["IDENTIFIER", "opaque_record", "record_or_opaque"]
