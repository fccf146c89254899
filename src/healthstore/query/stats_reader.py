"""Statistics read from storage: the columns of the samples in range, the source order,
the engine of :mod:`healthstore.query.statistics`, and results as objects."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo

import numpy as np

from healthstore.catalogue import ObjectType
from healthstore.errors import InvalidArgument
from healthstore.query import predicates as p
from healthstore.query.calendar import Calendar, Interval
from healthstore.query.reader import Reader, Scope
from healthstore.query.statistics import (
    BucketValues,
    Columns,
    OptionsLike,
    Statistics,
    StatisticsOptions,
    compute,
    distinct,
    parse_options,
    statistics_unit,
)
from healthstore.storage import priorities
from healthstore.times import from_micros, require_aware, to_micros
from healthstore.units import Quantity, Unit

OWNER_BUNDLE = "org.healthstore.health"
_ROW = np.dtype(
    [("start", np.int64), ("end", np.int64), ("value", np.float64), ("source", np.int64)]
)


@dataclass(frozen=True)
class Request:
    """One statistics question: a type, bucket edges (µs), options, predicate and scope."""

    type: ObjectType
    edges: tuple[int, ...]
    options: StatisticsOptions
    predicate: p.Predicate | None
    tz: tzinfo
    unit: Unit | None = None

    @property
    def start(self) -> int:
        return self.edges[0]

    @property
    def end(self) -> int:
        return self.edges[-1]


def single(
    t: ObjectType,
    start: datetime,
    end: datetime,
    options: OptionsLike,
    predicate: p.Predicate | None,
    unit: str | Unit | None = None,
) -> Request:
    """The request for one range (values in ``unit``, by default the display unit)."""
    start, end = require_aware(start, "start"), require_aware(end, "end")
    if to_micros(end) <= to_micros(start):
        raise InvalidArgument("end must be after start", field="end")
    return Request(
        t,
        (to_micros(start), to_micros(end)),
        parse_options(options, t),
        predicate,
        start.tzinfo or UTC,
        statistics_unit(t, unit),
    )


def collection(
    t: ObjectType,
    anchor: datetime,
    interval: str | Interval | timedelta,
    start: datetime,
    end: datetime,
    options: OptionsLike,
    tz: tzinfo | None,
    predicate: p.Predicate | None,
    unit: str | Unit | None = None,
) -> Request:
    """The request for the calendar buckets covering [start, end)."""
    require_aware(anchor, "anchor")
    zone = tz or anchor.tzinfo
    assert zone is not None
    calendar = Calendar(anchor, Interval.parse(interval), zone)
    edges = calendar.buckets(require_aware(start, "start"), require_aware(end, "end"))
    return Request(
        t,
        tuple(to_micros(e) for e in edges),
        parse_options(options, t),
        predicate,
        zone,
        statistics_unit(t, unit),
    )


def _no_columns() -> Columns:
    empty = np.zeros(0, dtype=np.int64)
    return Columns(empty, empty, np.zeros(0), empty)


class StatisticsReader:
    """Answers statistics requests over one user's samples."""

    def __init__(self, reader: Reader) -> None:
        self._reader = reader

    def priority(self, t: ObjectType) -> list[int]:
        """Source ids in merge order: the person's order when set, else the default order
        (entered by the person, then watches, then phones, then apps by bundle id: an order
        no sample decides, so data an app may not see cannot reorder what it may)."""
        db, dims = self._reader.backend, self._reader.dims
        type_id = dims.known_type_id(t)
        chosen: list[int] = []
        if type_id is not None:
            order = priorities.read(db, self._reader.user_id, type_id)
            if order is not None:
                ids = (dims.known_source_id(b) for b in order)
                chosen = [i for i in ids if i is not None]
        kinds: dict[int, int] = {}
        bundles: dict[int, str] = {}
        for sid, bundle, name, product in db.query(
            "SELECT s.id, s.bundle_id, s.name, r.product_type FROM sources s "
            "LEFT JOIN source_revisions r ON r.source_id = s.id WHERE s.user_id = ? ORDER BY s.id",
            (self._reader.user_id,),
        ):
            text = f"{name} {product or ''}".lower()
            kind = (
                0
                if bundle == OWNER_BUNDLE
                else 1
                if "watch" in text
                else 2
                if "phone" in text
                else 3
            )
            kinds[sid] = min(kind, kinds.get(sid, 3))
            bundles[sid] = bundle
        default = sorted(kinds, key=lambda sid: (kinds[sid], bundles[sid], sid))
        return list(dict.fromkeys([*chosen, *default]))

    def columns(self, request: Request, scope: Scope) -> tuple[Columns, list[int]]:
        """The samples in range as arrays, and the source id of each rank."""
        lo, hi = from_micros(request.start), from_micros(request.end)
        window = p.time_window(lo, hi)
        predicate = window if request.predicate is None else p.And((window, request.predicate))
        where = self._reader.where([request.type], predicate, scope)
        if where is None:
            return _no_columns(), []
        sql, params = where
        # Rows stream from the cursor straight into a record array, in one C-level pass
        # (np.array on a fetched list is three times slower: it first works out a shape).
        table = np.fromiter(
            self._reader.backend.iterate(
                f"SELECT s.start_us, s.end_us, s.value, s.source_id FROM samples s WHERE {sql}",
                params,
            ),
            dtype=_ROW,
        )
        if not len(table):
            return _no_columns(), []
        source_ids = np.ascontiguousarray(table["source"])
        order = self.priority(request.type)
        order += sorted(set(distinct(source_ids).tolist()) - set(order))
        rank_of = np.zeros(int(max(order)) + 1, dtype=np.int64)
        rank_of[order] = np.arange(len(order))
        cols = Columns(
            np.ascontiguousarray(table["start"]),
            np.ascontiguousarray(table["end"]),
            np.ascontiguousarray(table["value"]),
            rank_of[source_ids],
        )
        return cols, order

    def answer(self, request: Request, scope: Scope) -> list[Statistics]:
        """One Statistics per bucket (one for a single range), empty buckets included."""
        cols, order = self.columns(request, scope)
        edges = np.array(request.edges, dtype=np.int64)
        agg = request.type.aggregation
        assert agg is not None
        merged = compute(cols, edges, agg, request.options)
        results = self._objects(request, merged, order, cols)
        if request.options & StatisticsOptions.separateBySource and len(cols):
            for rank, source_id in enumerate(order):
                mask = cols.rank == rank
                if not mask.any():
                    continue
                alone = cols.subset(mask)
                alone.rank = np.zeros(len(alone), dtype=np.int64)
                values = compute(alone, edges, agg, request.options)
                per = self._objects(request, values, [source_id], alone)
                source = self._reader.dims.source(source_id)
                for result, own in zip(results, per, strict=True):
                    if own.has_data:
                        result.by_source[source] = own
        return results

    def _objects(
        self, request: Request, v: BucketValues, order: Sequence[int], cols: Columns
    ) -> list[Statistics]:
        t = request.type
        canonical = Unit(t.canonical_unit or "count")
        unit = request.unit or statistics_unit(t)
        tz = request.tz
        bounds = [from_micros(edge, tz) for edge in request.edges]
        sources = [self._reader.dims.source(source_id) for source_id in order]
        columns = [
            (name, values.tolist())
            for name in ("sum", "average", "minimum", "maximum", "most_recent")
            if (values := getattr(v, name)) is not None
        ]
        has_data = v.has_data.tolist()
        out = []
        for k in range(len(request.edges) - 1):
            stats = Statistics(t, bounds[k], bounds[k + 1], unit=unit.text)
            if has_data[k]:
                stats.sources = [sources[r] for r in sorted(v.ranks[k])]
                for name, values in columns:
                    value = values[k]
                    if not math.isnan(value):
                        q = Quantity(value, canonical)
                        setattr(stats, name, q if unit == canonical else q.to(unit))
                if v.most_recent_index is not None and v.most_recent_index[k] >= 0:
                    i = int(v.most_recent_index[k])
                    stats.most_recent_start = from_micros(int(cols.start[i]), tz)
                    stats.most_recent_end = from_micros(int(cols.end[i]), tz)
                if v.duration is not None:
                    stats.duration = timedelta(microseconds=int(v.duration[k]))
            out.append(stats)
        return out
