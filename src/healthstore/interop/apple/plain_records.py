"""Records to plain samples: the fast lane of the import.

Most of an export is Records that are plainly a quantity or a category: a type, a source, a
device, a unit, three dates, a value and a few metadata entries. Everything about such a
Record except its dates and value repeats from one Record to the next, so this module works
out once, per *shape* (type, source, version, unit, device), what
:func:`~healthstore.interop.apple.elements.record` would build and check, and per Record only
reads the dates, checks the value and hashes the content identity. The result is a
:data:`~healthstore.plain.PlainSample`, equal field for field to what the sample object
would have been stored as (``tests/interop/test_apple_plain.py`` compares the two on every Record of
the shared exports and on generated ones).

Anything out of the ordinary (a heartbeat list, a sync identifier, a date, value or unit
that does not read, a device or metadata value that needs a repair, an unknown type) gets
``None``: the caller then takes the object path, which either builds the sample (noting its
repairs) or rejects the Record with the reason.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from datetime import date, timedelta
from operator import itemgetter
from typing import Any

from healthstore import catalogue
from healthstore import metadata as md
from healthstore.catalogue import Kind, ObjectType
from healthstore.errors import HealthStoreError
from healthstore.interop.apple.conversion import ADDRESS, Context, Rejected
from healthstore.interop.apple.element_fields import (
    NOT_IDENTITY,
    Entries,
    category_value,
    metadata_from,
    metadata_zone,
)
from healthstore.interop.apple.values import normalize_unit, parse_date
from healthstore.model import Device, SourceRevision
from healthstore.plain import PlainSample
from healthstore.times import format_offset
from healthstore.units import Quantity

_CACHE_LIMIT = 4096  # entries per cache; past it a cache starts again (memory stays flat)
_DAYS_LIMIT = 40_000  # a century of days
_DAY = re.compile(r"\d{4}-\d\d-\d\d")
_MINUTES = {f"{h:02d}:{m:02d}": h * 3600 + m * 60 for h in range(24) for m in range(60)}
_SECONDS = {f":{s:02d}": s for s in range(60)}
_EPOCH_DAY = date(1970, 1, 1).toordinal()
_MICROS = 1_000_000
_MICRO_DELTA = timedelta(microseconds=1)


class _Shape:
    """What every Record of one type, source, version, unit and device shares."""

    __slots__ = (
        "bounded",
        "categories",
        "convert",
        "device",
        "head",
        "max_us",
        "min_us",
        "quantity",
        "required",
        "revision",
        "type",
        "type_text",
        "unit",
        "unit_text",
        "version",
    )

    def __init__(
        self,
        t: ObjectType,
        revision: SourceRevision,
        device: Device | None,
        head: str,
        key: tuple[str | None, ...],
    ) -> None:
        type_text, _, version, unit, _ = key
        self.type = t
        self.type_text, self.version, self.unit = type_text, version, unit
        self.revision = revision
        self.device = device
        self.head = head
        self.quantity = t.kind is Kind.quantity
        # A negative value of a type with a lower bound takes the object path, which checks
        # it against the bound (zero for amounts, absolute zero for temperatures).
        self.bounded = t.min_value is not None and t.min_value != -math.inf
        self.required = t.required_metadata
        self.min_us = None if t.min_duration is None else t.min_duration // _MICRO_DELTA
        self.max_us = None if t.max_duration is None else t.max_duration // _MICRO_DELTA
        self.categories: dict[str | None, int | None] = {}
        self.unit_text: str | None = None
        self.convert: Any = None
        if self.quantity:
            canonical = t.canonical_unit
            assert canonical is not None
            parsed = Quantity(1.0, normalize_unit(unit or "count")).unit
            if not parsed.is_compatible(canonical):
                raise ValueError("unit does not fit the type")
            if parsed.text != canonical:
                self.unit_text = parsed.text
                self.convert = parsed.converter(canonical)

    def category(self, text: str | None) -> int | None:
        """The raw value of a category Record's value text, or None when it is not one."""
        if text in self.categories:
            return self.categories[text]
        enum = self.type.value_enum
        assert enum is not None
        try:
            value: int | None = enum.parse(category_value(text))
        except HealthStoreError:
            value = None
        if len(self.categories) < _CACHE_LIMIT:
            self.categories[text] = value
        return value


class _Meta:
    """What one list of metadata entries comes to; ``identity`` is their part of the
    content identity, each entry after a separator."""

    __slots__ = ("identity", "metadata", "zone")

    def __init__(self, metadata: Mapping[str, Any], zone: str | None, identity: str) -> None:
        self.metadata = metadata
        self.zone = zone
        self.identity = identity


_NO_SHAPE = object()
_Template = tuple[str, Callable[[Mapping[str, str]], tuple[str, ...]]]


def _values_of(names: list[str]) -> Callable[[Mapping[str, str]], tuple[str, ...]]:
    """A function giving these attributes' values as a tuple (one C call for most)."""
    if len(names) >= 2:
        return itemgetter(*names)
    if names:
        name = names[0]
        return lambda attrs: (attrs[name],)
    return lambda attrs: ()


class PlainRecords:
    """Turns Records into plain samples, with the caches of one import."""

    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx
        self._uuids = ctx.uuids
        self._shapes: dict[tuple[str | None, ...], _Shape | object] = {}
        self._metas: dict[tuple[tuple[str | None, str | None], ...], _Meta | None] = {}
        self._templates: dict[tuple[_Shape, tuple[str, ...]], _Template] = {}
        self._days: dict[str, int | None] = {}
        self._offsets: dict[str, tuple[int, str] | None] = {}

    def convert(self, attrs: Mapping[str, str], entries: Entries) -> PlainSample | None:
        """The plain sample of a Record with these attributes and metadata entries (and no
        other children), or None when the object path must decide."""
        get = attrs.get
        device = get("device")
        if device is not None:
            device = ADDRESS.sub("", device)  # the address changes from record to record
        key = (get("type"), get("sourceName"), get("sourceVersion"), get("unit"), device)
        shape = self._shapes.get(key)
        if shape is None:
            shape = self._shape(key)
        if shape is _NO_SHAPE:
            return None
        assert isinstance(shape, _Shape)
        meta = self._meta(entries) if entries else _EMPTY
        if meta is None:
            return None
        for name in shape.required:
            if name not in meta.metadata:
                return None
        start_text, end_text = get("startDate"), get("endDate")
        if start_text is None or end_text is None:
            return None
        start = self._instant(start_text)
        end = start if end_text == start_text else self._instant(end_text)
        if start is None or end is None:
            return None
        start_us, zone_text = start
        end_us = end[0]
        duration = end_us - start_us
        if duration < 0:
            return None
        if shape.min_us is not None and duration < shape.min_us:
            return None
        if shape.max_us is not None and duration > shape.max_us:
            return None
        if meta.zone is not None:
            zone_text = meta.zone
        text = get("value")
        unit: str | None = None
        unit_value: float | None = None
        if shape.quantity:
            if not text:
                return None
            try:
                number = float(text)
            except ValueError:
                return None
            if not math.isfinite(number) or (number < 0 and shape.bounded):
                return None
            if shape.convert is None:
                value: float | int = number
            else:
                value = shape.convert(number)
                unit, unit_value = shape.unit_text, number
        else:
            category = shape.category(text)
            if category is None:
                return None
            value = category
        uuid = self._uuids.record(start_us, self._identity(shape, attrs, meta), get("creationDate"))
        return (
            shape.type,
            uuid,
            start_us,
            end_us,
            zone_text,
            value,
            unit,
            unit_value,
            shape.revision,
            shape.device,
            meta.metadata,
        )

    # --- per Record -------------------------------------------------------------------------
    def _identity(self, shape: _Shape, attrs: Mapping[str, str], meta: _Meta) -> str:
        """The content identity of ``element_fields.identity_of``: the shape's head, the
        attributes sorted by "name=value", then the sorted metadata entries."""
        key = (shape, tuple(attrs))
        template = self._templates.get(key)
        if template is None:
            template = self._template(key)
        layout, values = template
        return layout % values(attrs) + meta.identity

    def _instant(self, text: str) -> tuple[int, str] | None:
        """UTC microseconds and the stored zone name of an export date in its common form
        (``2020-12-06 20:24:28 -0800``); None for anything else."""
        if len(text) != 25 or text[10] != " " or text[19] != " ":
            return None
        day = self._days.get(text[:10])
        if day is None:
            day = self._day(text[:10])
            if day is None:
                return None
        minutes = _MINUTES.get(text[11:16])  # the clock as "HH:MM" and ":SS": two small
        seconds = _SECONDS.get(text[16:19])  # tables instead of one of 86,400 entries
        if minutes is None or seconds is None:
            return None
        offset = self._offsets.get(text[20:])
        if offset is None:
            offset = self._offset(text[20:])
            if offset is None:
                return None
        return (day + minutes + seconds - offset[0]) * _MICROS, offset[1]

    # --- cache misses -----------------------------------------------------------------------
    def _shape(self, key: tuple[str | None, ...]) -> _Shape | object:
        type_name, source_name, version, _, device_text = key
        shape: _Shape | object = _NO_SHAPE
        try:
            t = catalogue.object_type(type_name or "")
            if t.kind in (Kind.quantity, Kind.category):
                attrs = {"sourceName": source_name or "", "device": device_text or ""}
                if version is not None:
                    attrs["sourceVersion"] = version
                revision = self._ctx.revision(attrs)
                device, repair = self._ctx.device_text(device_text or "")
                if repair is not None:  # the object path keeps it, noting the repair
                    raise ValueError(repair)
                head = "\x1f".join(("Record", revision.source.name, device_text or ""))
                shape = _Shape(t, revision, device, head, key)
        except (HealthStoreError, Rejected, ValueError):
            shape = _NO_SHAPE
        _remember(self._shapes, key, shape)
        return shape

    def _meta(self, entries: Entries) -> _Meta | None:
        key = tuple(entries)
        if key in self._metas:
            return self._metas[key]
        found: _Meta | None = None
        try:
            raw = metadata_from(entries)
            normal = md.normalize(raw)
        except HealthStoreError:
            normal = None
        if normal is not None and md.SYNC_IDENTIFIER not in normal:
            zone = metadata_zone(raw)
            identity = "".join(f"\x1f{entry}" for entry in sorted(f"{k}:{v}" for k, v in entries))
            found = _Meta(normal, None if zone is None else zone.key, identity)
        _remember(self._metas, key, found)
        return found

    def _template(self, key: tuple[_Shape, tuple[str, ...]]) -> _Template:
        """The identity text of a shape's Records with these attribute names, as a %-layout
        whose gaps are the attributes that vary from Record to Record (the shape fixes
        the type, version and unit) and a getter for those."""
        shape, names = key
        # Sorting "name=value" texts sorts by name: "=" cannot occur in a name, so two
        # texts differ first within the shorter name followed by its "=".
        order = sorted((n for n in names if n not in NOT_IDENTITY), key=lambda n: n + "=")
        fixed = {"type": shape.type_text, "sourceVersion": shape.version, "unit": shape.unit}
        parts = [shape.head.replace("%", "%%")]
        varying = []
        for name in order:
            if name in fixed:
                parts.append(f"{name}={fixed[name]}".replace("%", "%%"))
            else:
                parts.append(f"{name}=%s")
                varying.append(name)
        getter = _values_of(varying)
        template = ("\x1f".join(parts), getter)
        _remember(self._templates, key, template)
        return template

    def _day(self, text: str) -> int | None:
        seconds = None
        if _DAY.fullmatch(text):
            try:
                seconds = (date.fromisoformat(text).toordinal() - _EPOCH_DAY) * 86400
            except ValueError:
                seconds = None
        if seconds is not None:
            _remember(self._days, text, seconds, _DAYS_LIMIT)
        return seconds

    def _offset(self, text: str) -> tuple[int, str] | None:
        try:
            tz = parse_date(f"2000-01-01 00:00:00 {text}").tzinfo
        except HealthStoreError:
            return None
        offset = tz.utcoffset(None) if tz is not None else None
        if offset is None:
            return None
        seconds = int(offset.total_seconds())
        found = (seconds, "UTC" if not seconds else format_offset(offset))
        _remember(self._offsets, text, found)
        return found


_EMPTY = _Meta({}, None, "")


def _remember(cache: dict[Any, Any], key: Any, value: Any, limit: int = _CACHE_LIMIT) -> None:
    if len(cache) >= limit:
        cache.clear()
    cache[key] = value


__all__ = ["PlainRecords"]
