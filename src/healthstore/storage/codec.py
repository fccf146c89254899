"""Samples to rows and back.

The write side turns a validated sample into the tuple inserted into ``samples``; the read
side rebuilds samples from rows without re-validating them. Quantities are stored in the
type's canonical unit (so SQL can aggregate), with the writer's unit and value kept beside
them for display when they differ. Both sides are on the hot path of bulk saves and reads,
so they memoize per batch and build objects without going through their constructors.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from itertools import chain
from operator import itemgetter
from typing import Any
from uuid import UUID, SafeUUID
from zoneinfo import ZoneInfo

from healthstore import catalogue, records
from healthstore import metadata as md
from healthstore.catalogue import Kind, ObjectType
from healthstore.model import (
    CategorySample,
    Correlation,
    Device,
    QuantitySample,
    Sample,
    SourceRevision,
    Workout,
    WorkoutActivity,
    WorkoutEvent,
    WorkoutStatistics,
)
from healthstore.plain import PlainSample
from healthstore.records import PayloadSample
from healthstore.storage.backend import Row
from healthstore.storage.dimensions import Dimensions
from healthstore.times import EPOCH, MICROSECOND, to_micros, zone, zone_name
from healthstore.units import Quantity, Unit

COLUMNS = (
    "anchor",
    "user_id",
    "uuid",
    "type_id",
    "start_us",
    "end_us",
    "tz",
    "value",
    "unit",
    "unit_value",
    "count",
    "source_id",
    "revision_id",
    "device_id",
    "sync_id",
    "sync_version",
    "metadata",
    "detail",
)
SELECT_COLUMNS = (
    "s.anchor, s.uuid, s.type_id, s.start_us, s.end_us, s.tz, s.value, s.unit, s.unit_value, "
    "s.count, s.source_id, s.revision_id, s.device_id, s.metadata, s.detail"
)
# Positions in an encoded row (COLUMNS order) that define a sample's content.
CONTENT = slice(3, 18)
_ALWAYS = frozenset({0, 2, 3, 4, 5, 11, 12})  # anchor, uuid, type, start, end, source, revision
_ROWS_PER_STATEMENT = 50
_MICRO = MICROSECOND


def insert_statements(
    rows: list[list[Any]], *, skip_existing: bool = False
) -> list[tuple[str, list[tuple[Any, ...]]]]:
    """INSERT statements with their parameter sets for ``rows`` (COLUMNS order, same
    user). Columns that are NULL in every row are left out and rows go in groups of
    several per statement: both halve the cost of a bulk insert. With ``skip_existing``,
    rows whose uuid their source already stored are skipped instead of failing."""
    if not rows:
        return []
    columns = list(zip(*rows, strict=True))
    used = [
        i
        for i in range(len(COLUMNS))
        if i != 1 and (i in _ALWAYS or columns[i].count(None) != len(rows))
    ]
    user = int(rows[0][1])
    names = ", ".join(COLUMNS[i] for i in (1, *used))
    one = "(" + ", ".join([str(user), *("?" * len(used))]) + ")"
    tail = " ON CONFLICT (user_id, uuid, source_id) DO NOTHING" if skip_existing else ""
    pick = itemgetter(*used)
    picked = list(map(pick, rows))
    per = _ROWS_PER_STATEMENT
    out: list[tuple[str, list[tuple[Any, ...]]]] = []
    full = len(rows) - len(rows) % per
    if full:
        groups = [tuple(chain.from_iterable(picked[k : k + per])) for k in range(0, full, per)]
        out.append((f"INSERT INTO samples ({names}) VALUES {', '.join([one] * per)}{tail}", groups))
    if full < len(rows):
        rest = len(rows) - full
        out.append(
            (
                f"INSERT INTO samples ({names}) VALUES {', '.join([one] * rest)}{tail}",
                [tuple(chain.from_iterable(picked[full:]))],
            )
        )
    return out


class Encoder:
    """Encodes the samples of one batch for one user, memoizing ids and unit converters."""

    def __init__(self, dims: Dimensions, user_id: int) -> None:
        self._dims = dims
        self._user = user_id
        self._revisions: dict[int, tuple[SourceRevision, tuple[int, int]]] = {}
        self._types: dict[str, int] = {}
        self._converters: dict[tuple[str, str], Callable[[float], float]] = {}
        self._zones: dict[int, str] = {}
        self._keep: list[object] = []  # the zones whose ids key _zones stay alive

    def encode(self, sample: Sample, revision: SourceRevision) -> list[Any]:
        """The insert row of a sample, written as ``revision`` (anchor left as None)."""
        t = sample.type
        type_id = self._types.get(t.identifier)
        if type_id is None:
            type_id = self._types[t.identifier] = self._dims.type_id(t)
        value: float | None = None
        unit: str | None = None
        unit_value: float | None = None
        count: int | None = None
        detail: str | None = None
        if type(sample) is QuantitySample:
            q = sample.quantity
            canonical = t.canonical_unit
            text = q.unit.text
            if text == canonical:
                value = q.value
            else:
                assert canonical is not None
                key = (text, canonical)
                convert = self._converters.get(key)
                if convert is None:
                    convert = self._converters[key] = q.unit.converter(canonical)
                value = convert(q.value)
                unit, unit_value = text, q.value
            if sample.count != 1:
                count = sample.count
        elif isinstance(sample, CategorySample):
            value = sample.value
        elif isinstance(sample, Workout):
            value = sample.activity_type
            detail = _workout_detail(sample)
        elif isinstance(sample, PayloadSample):
            detail = json.dumps(sample.payload(), separators=(",", ":"), sort_keys=True)
        hit = self._revisions.get(id(revision))
        if hit is None or hit[0] is not revision:
            hit = self._revisions[id(revision)] = (revision, self._dims.revision_id(revision))
        source_id, revision_id = hit[1]
        start = sample.start
        tz = start.tzinfo
        zone_text = self._zones.get(id(tz))
        if zone_text is None:
            zone_text = zone_name(start)
            if isinstance(tz, ZoneInfo | timezone):  # fixed for the zone, whatever the date
                self._zones[id(tz)] = zone_text
                self._keep.append(tz)
        row = [
            None,
            self._user,
            sample.uuid.bytes,
            type_id,
            (start - EPOCH) // _MICRO,
            (sample.end - EPOCH) // _MICRO,
            zone_text,
            value,
            unit,
            unit_value,
            count,
            source_id,
            revision_id,
            None,
            None,
            None,
            None,
            detail,
        ]
        if sample.device is not None:
            row[13] = self._dims.device_id(sample.device)
        meta = sample.metadata
        if meta:
            sync = md.sync_identity(meta)
            if sync is not None:
                row[14], row[15] = sync
            row[16] = md.to_json(meta)
        return row

    def encode_plain(self, samples: Iterable[PlainSample]) -> list[list[Any]]:
        """The insert rows of plain samples (anchors left as None). Revisions, devices and
        metadata are encoded once per distinct object of the batch."""
        rows = []
        user = self._user
        types = self._types
        revisions: dict[int, tuple[int, int]] = {}
        devices: dict[int, int | None] = {}
        metadata: dict[int, str | None] = {}
        keep: list[object] = []  # objects whose ids key the caches above, kept alive
        for t, uuid, start, end, zone_text, value, unit, unit_value, rev, dev, meta in samples:
            type_id = types.get(t.identifier)
            if type_id is None:
                type_id = types[t.identifier] = self._dims.type_id(t)
            ids = revisions.get(id(rev))
            if ids is None:
                ids = revisions[id(rev)] = self._dims.revision_id(rev)
                keep.append(rev)
            device_id = devices.get(id(dev), 0)
            if device_id == 0:
                device_id = devices[id(dev)] = None if dev is None else self._dims.device_id(dev)
                keep.append(dev)
            meta_json = metadata.get(id(meta), "")
            if meta_json == "":
                meta_json = metadata[id(meta)] = md.to_json(meta)
                keep.append(meta)
            rows.append(
                [
                    None,
                    user,
                    uuid,
                    type_id,
                    start,
                    end,
                    zone_text,
                    value,
                    unit,
                    unit_value,
                    None,
                    ids[0],
                    ids[1],
                    device_id,
                    None,
                    None,
                    meta_json,
                    None,
                ]
            )
        return rows


# The unit each workout total is kept in for queries (its "canonical" field).
TOTAL_UNITS = {
    "total_energy_burned": "kcal",
    "total_distance": "m",
    "total_swimming_stroke_count": "count",
    "total_flights_climbed": "count",
}


def _q(q: Quantity | None, canonical: str | None = None) -> dict[str, Any] | None:
    if q is None:
        return None
    out: dict[str, Any] = {"value": q.value, "unit": q.unit.text}
    if canonical is not None:
        out["canonical"] = q.unit.converter(canonical)(q.value)
    return out


def _workout_detail(w: Workout) -> str:
    detail = {
        "totals": {
            name: _q(getattr(w, name), unit)
            for name, unit in TOTAL_UNITS.items()
            if getattr(w, name) is not None
        },
        "events": _events_json(w.events),
        "activities": [
            {
                "uuid": str(a.uuid),
                "activity_type": a.activity_type,
                "start_us": to_micros(a.start),
                "end_us": to_micros(a.end),
                "metadata": md.to_json(a.metadata),
                "events": _events_json(a.events),
                "statistics": _statistics_json(a.statistics),
            }
            for a in w.activities
        ],
        "statistics": _statistics_json(w.statistics),
    }
    return json.dumps(detail, separators=(",", ":"), sort_keys=True)


def _events_json(events: Iterable[WorkoutEvent]) -> list[dict[str, Any]]:
    return [
        {
            "type": e.type,
            "start_us": to_micros(e.start),
            "end_us": to_micros(e.end),
            "metadata": md.to_json(e.metadata),
        }
        for e in events
    ]


def _statistics_json(statistics: Mapping[str, WorkoutStatistics]) -> dict[str, Any]:
    return {
        identifier: {
            name: _q(getattr(s, name))
            for name in ("sum", "average", "minimum", "maximum")
            if getattr(s, name) is not None
        }
        for identifier, s in statistics.items()
    }


# --- reading ---------------------------------------------------------------------------

_new = object.__new__


# Decoding builds immutable objects through mutable twins of their classes (same layout,
# plain attribute assignment), then switches them to the real class: several times faster
# than object.__setattr__ for every field, and the result is an ordinary immutable object.
class _QuantitySampleBuilder(QuantitySample):
    __slots__ = ()
    __setattr__ = object.__setattr__  # type: ignore[assignment]


class _CategorySampleBuilder(CategorySample):
    __slots__ = ()
    __setattr__ = object.__setattr__  # type: ignore[assignment]


class _WorkoutBuilder(Workout):
    __slots__ = ()
    __setattr__ = object.__setattr__  # type: ignore[assignment]


class _CorrelationBuilder(Correlation):
    __slots__ = ()
    __setattr__ = object.__setattr__  # type: ignore[assignment]


class _QuantityBuilder(Quantity):  # type: ignore[misc]
    __slots__ = ()
    __setattr__ = object.__setattr__  # type: ignore[assignment]


class _UUIDBuilder(UUID):
    __slots__ = ()
    __setattr__ = object.__setattr__  # type: ignore[assignment]


_UNKNOWN = SafeUUID.unknown
_UTC = UTC
_EPOCH = EPOCH


def _instant(micros: int, tz: tzinfo) -> datetime:
    value = EPOCH + timedelta(microseconds=micros)
    return value if tz is _UTC else value.astimezone(tz)


class Decoder:
    """Rebuilds samples from rows selected with :data:`SELECT_COLUMNS`.

    One decoder serves one query: it memoizes types, zones, units, sources and devices by
    id, and builds objects slot by slot (the hot loop of every read).
    """

    def __init__(self, dims: Dimensions) -> None:
        self._dims = dims
        self._types: dict[int, ObjectType] = {}
        self._zones: dict[str | None, tzinfo] = {}
        self._units: dict[str, Unit] = {}
        self._revisions: dict[int, SourceRevision] = {}
        self._devices: dict[int, Device] = {}

    def decode_all(self, rows: Iterable[Row]) -> list[Sample]:
        """Samples from rows, in order (correlation members are attached by the caller)."""
        return [self.decode(row) for row in rows]

    def decode(self, row: Row) -> Sample:
        """A sample from one row."""
        (
            _,
            raw_uuid,
            type_id,
            start_us,
            end_us,
            tz_name,
            value,
            unit,
            unit_value,
            count,
            _,
            revision_id,
            device_id,
            meta,
            detail,
        ) = row
        t = self._types.get(type_id)
        if t is None:
            t = self._types[type_id] = self._dims.object_type(type_id)
        tz = self._zones.get(tz_name)
        if tz is None:
            tz = self._zones[tz_name] = zone(tz_name)
        kind = t.kind
        obj: Any
        if kind is Kind.quantity:
            text = t.canonical_unit if unit is None else unit
            assert text is not None
            u = self._units.get(text)
            if u is None:
                u = self._units[text] = Unit(text)
            q: Any = _new(_QuantityBuilder)
            q.value = value if unit is None else unit_value
            q.unit = u
            q.__class__ = Quantity
            obj = _new(_QuantitySampleBuilder)
            obj.quantity = q
            obj.count = count or 1
            final: type[Sample] = QuantitySample
        elif kind is Kind.category:
            obj = _new(_CategorySampleBuilder)
            obj.value = int(value)
            final = CategorySample
        elif kind is Kind.workout:
            obj = _new(_WorkoutBuilder)
            obj.activity_type = int(value)
            for key, field_value in _workout_fields(detail, tz).items():
                setattr(obj, key, field_value)
            final = Workout
        elif kind is Kind.correlation:
            obj = _new(_CorrelationBuilder)
            obj.objects = ()
            final = Correlation
        else:
            return self._decode_payload(t, tz, row)
        start = _EPOCH + timedelta(microseconds=start_us)
        if tz is not _UTC:
            start = start.astimezone(tz)
        if end_us == start_us:
            end = start
        else:
            end = _EPOCH + timedelta(microseconds=end_us)
            if tz is not _UTC:
                end = end.astimezone(tz)
        revision = self._revisions.get(revision_id)
        if revision is None:
            revision = self._revisions[revision_id] = self._dims.revision(revision_id)
        device = None
        if device_id is not None:
            device = self._devices.get(device_id)
            if device is None:
                device = self._devices[device_id] = self._dims.device(device_id)
        uuid: Any = _new(_UUIDBuilder)
        uuid.int = int.from_bytes(raw_uuid, "big")
        uuid.is_safe = _UNKNOWN
        uuid.__class__ = UUID
        obj.type = t
        obj.start = start
        obj.end = end
        obj.uuid = uuid
        obj.source_revision = revision
        obj.device = device
        obj.metadata = md.from_json(meta) if meta else {}
        obj.__class__ = final
        return obj  # type: ignore[no-any-return]

    def _decode_payload(self, t: ObjectType, tz: tzinfo, row: Row) -> Sample:
        (
            _,
            raw_uuid,
            _,
            start_us,
            end_us,
            _,
            _,
            _,
            _,
            _,
            _,
            revision_id,
            device_id,
            meta,
            detail,
        ) = row
        fields = {
            "type": t,
            "start": _instant(start_us, tz),
            "end": _instant(end_us, tz),
            "uuid": UUID(bytes=raw_uuid),
            "source_revision": self._dims.revision(revision_id),
            "device": None if device_id is None else self._dims.device(device_id),
            "metadata": md.from_json(meta) if meta else {},
        }
        return records.restore(t.kind, fields, json.loads(detail))


def _quantity(d: Mapping[str, Any] | None) -> Quantity | None:
    return None if d is None else Quantity(d["value"], d["unit"])


def _workout_fields(detail: str | None, tz: tzinfo) -> dict[str, Any]:
    d = json.loads(detail or "{}")
    totals = d.get("totals", {})
    return {
        **{name: _quantity(totals.get(name)) for name in TOTAL_UNITS},
        "events": _events_from(d.get("events", ()), tz),
        "activities": tuple(
            WorkoutActivity(
                a["activity_type"],
                _instant(a["start_us"], tz),
                _instant(a["end_us"], tz),
                md.from_json(a["metadata"]),
                UUID(a["uuid"]),
                _events_from(a.get("events", ()), tz),  # absent before activities kept them
                _statistics_from(a.get("statistics", {})),
            )
            for a in d.get("activities", ())
        ),
        "statistics": _statistics_from(d.get("statistics", {})),
    }


def _events_from(events: Iterable[Mapping[str, Any]], tz: tzinfo) -> tuple[WorkoutEvent, ...]:
    return tuple(
        WorkoutEvent(
            e["type"],
            _instant(e["start_us"], tz),
            _instant(e["end_us"], tz),
            md.from_json(e["metadata"]),
        )
        for e in events
    )


def _statistics_from(statistics: Mapping[str, Any]) -> dict[str, WorkoutStatistics]:
    return {
        identifier: WorkoutStatistics(
            catalogue.object_type(identifier), **{k: _quantity(v) for k, v in stats.items()}
        )
        for identifier, stats in statistics.items()
    }
