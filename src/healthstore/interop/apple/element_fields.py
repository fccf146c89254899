"""Reading an element's fields for a converter: required attributes, dates, numbers and
quantities, metadata, its times in the writer's zone, its type, and the content identity its
uuid is derived from. A field that does not read raises
:class:`~healthstore.interop.apple.conversion.Rejected` naming it."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from healthstore import catalogue
from healthstore.catalogue import ObjectType
from healthstore.errors import HealthStoreError
from healthstore.interop.apple.conversion import ADDRESS, Context, Rejected
from healthstore.interop.apple.repairs import repaired_metadata
from healthstore.interop.apple.tree import Element, Tagged
from healthstore.interop.apple.values import normalize_unit, parse_date
from healthstore.model import Sample, SourceRevision
from healthstore.units import Quantity


def required(element: Tagged, name: str) -> str:
    value = element.get(name)
    if value is None or value == "":
        raise Rejected(f"{element.tag} has no {name}")
    return str(value)


def date_attribute(element: Tagged, name: str) -> datetime:
    try:
        return parse_date(required(element, name))
    except HealthStoreError as exc:
        raise Rejected(f"{name}: {exc.message}") from None


def finite(text: str, what: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise Rejected(f"{what} {text!r} is not a number") from None
    if not math.isfinite(value):
        raise Rejected(f"{what} is not a finite number")
    return value


def quantity_of(value: str | None, unit: str | None, what: str) -> Quantity | None:
    if value is None or value == "":
        return None
    try:
        return Quantity(finite(value, what), normalize_unit(unit or "count"))
    except HealthStoreError as exc:
        raise Rejected(f"{what}: {exc.message}") from None


Entries = list[tuple[str | None, str | None]]  # MetadataEntry (key, value), in file order


def metadata_entries(element: Element) -> Entries:
    """The (key, value) of each ``MetadataEntry`` child, as written. A loop over the
    children: lxml's ``iterfind`` compiles its path every call, which costs more here."""
    return [(e.get("key"), e.get("value")) for e in element if e.tag == "MetadataEntry"]


def metadata_from(entries: Entries, repairs: list[str] | None = None) -> dict[str, Any]:
    """Metadata from entries: values parsed (numbers, quantities, dates), keyless ones
    dropped. A value that does not read is an error, or with ``repairs`` kept as text
    (:func:`~healthstore.interop.apple.repairs.repaired_metadata`) and noted there."""
    return repaired_metadata(entries, repairs)


def metadata(element: Element) -> dict[str, Any]:
    return metadata_from(metadata_entries(element))


def category_value(text: str | None) -> int | str:
    """What a category Record's value text stands for: a number, or a member name (a
    Record without a value is 0)."""
    raw = text if text is not None else "0"
    return int(raw) if raw.lstrip("-").isdigit() else raw


def metadata_zone(meta: Mapping[str, Any]) -> ZoneInfo | None:
    """The zone ``HKTimeZone`` names, when it names one."""
    name = meta.get("HKTimeZone")
    if isinstance(name, str):
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            return None
    return None


def element_times(element: Tagged, meta: Mapping[str, Any]) -> tuple[datetime, datetime]:
    start, end = date_attribute(element, "startDate"), date_attribute(element, "endDate")
    zone = metadata_zone(meta)
    if zone is not None:  # keep the writer's own zone, for calendar statistics
        start, end = start.astimezone(zone), end.astimezone(zone)
    return start, end


def identity_text(*parts: object) -> str:
    return "\x1f".join("" if p is None else str(p) for p in parts)


NOT_IDENTITY = ("device", "creationDate", "sourceName")


class Attributes(dict[str, str]):
    """An element's attributes read once into a dict (each lxml ``get`` decodes the text
    anew), with its tag for error messages."""

    __slots__ = ("tag",)

    def __init__(self, element: Element) -> None:
        super().__init__(element.attrib)
        self.tag: str = element.tag


def _element_identity(element: Element, revision: SourceRevision) -> str:
    return identity_of(Attributes(element), metadata_entries(element), revision)


def identity_of(attrs: Attributes, entries: Entries, revision: SourceRevision) -> str:
    """The text a content-derived uuid hashes: the element's attributes (sorted, so their
    order does not matter), its metadata, its source, and its device without the memory
    address Apple prints (which changes between exports of the same record). Changing it
    changes every imported uuid, so a re-import after an upgrade would add everything
    again: ``tests/interop/test_apple_import.py`` pins the uuids of the shared exports."""
    parts = sorted(f"{k}={v}" for k, v in attrs.items() if k not in NOT_IDENTITY)
    parts.extend(sorted(f"{key}:{value}" for key, value in entries))
    device_text = ADDRESS.sub("", attrs.get("device") or "")
    return identity_text(attrs.tag, revision.source.name, device_text, *parts)


def build(make: Callable[[], Sample]) -> Sample:
    try:
        return make()
    except HealthStoreError as exc:
        raise Rejected(exc.message) from None


def metadata_or_repair(element: Element, ctx: Context) -> dict[str, Any]:
    return metadata_from(metadata_entries(element), ctx.repairs)


def element_uuid(element: Element, start: datetime, revision: SourceRevision, ctx: Context) -> UUID:
    """The content-derived uuid of an element other than a Record."""
    identity = _element_identity(element, revision)
    return ctx.uuids.uuid(start, identity, element.get("creationDate"))


def sample_type(element: Tagged) -> ObjectType:
    name = required(element, "type")
    try:
        return catalogue.object_type(name)
    except HealthStoreError:
        raise Rejected(f"unknown type {name!r}") from None
