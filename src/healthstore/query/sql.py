"""Predicates to SQL: a WHERE fragment and its parameters over the ``samples`` table
(aliased ``s``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from healthstore import catalogue
from healthstore import metadata as md
from healthstore.catalogue import Kind, ObjectType
from healthstore.errors import InvalidArgument
from healthstore.query import predicates as p
from healthstore.query.references import Ref, choose, visible_rows
from healthstore.storage.backend import Backend
from healthstore.storage.codec import TOTAL_UNITS
from healthstore.storage.dialect import Dialect
from healthstore.storage.dimensions import Dimensions
from healthstore.times import to_micros

_SQL_OPS = {"==": "=", "!=": "!=", "<": "<", "<=": "<=", ">": ">", ">=": ">="}

Fragment = tuple[str, list[Any]]


@dataclass
class Compiler:
    """Compiles predicates for queries of one user over ``types`` (empty: any type)."""

    backend: Backend
    dims: Dimensions
    user_id: int
    types: tuple[ObjectType, ...] = ()
    max_duration_us: int | None = None
    visible: Callable[[str], Fragment] = lambda alias: ("1 = 1", [])
    own_source: int | None = None  # the viewer's source, preferred when a uuid is shared
    min_start_us: int | None = None  # the rows read start at or after it (a history bound)

    def compile(self, predicate: p.Predicate | None) -> Fragment:
        if predicate is None:
            return "1 = 1", []
        handler: Callable[[Any], Fragment] | None = getattr(
            self, f"_{type(predicate).__name__}", None
        )
        if handler is None:
            raise InvalidArgument(
                f"unsupported predicate {type(predicate).__name__}", field="predicate"
            )
        return handler(predicate)

    def _And(self, pred: p.And) -> Fragment:
        return self._join(pred.parts, " AND ", "1 = 1")

    def _Or(self, pred: p.Or) -> Fragment:
        return self._join(pred.parts, " OR ", "1 = 0")

    def _join(self, parts: tuple[p.Predicate, ...], glue: str, empty: str) -> Fragment:
        if not parts:
            return empty, []
        sqls, params = [], []
        for part in parts:
            sql, args = self.compile(part)
            sqls.append(f"({sql})")
            params.extend(args)
        return glue.join(sqls), params

    def _Not(self, pred: p.Not) -> Fragment:
        sql, params = self.compile(pred.part)
        return f"NOT COALESCE(({sql}), {self.backend.dialect.false})", params

    def _TimeWindow(self, pred: p.TimeWindow) -> Fragment:
        s = None if pred.start is None else to_micros(pred.start)
        e = None if pred.end is None else to_micros(pred.end)
        clauses: list[str] = []
        params: list[Any] = []
        if pred.strict_start or pred.strict_end:
            for column, strict in (
                ("s.start_us", pred.strict_start),
                ("s.end_us", pred.strict_end),
            ):
                if not strict:
                    continue
                if s is not None:
                    clauses.append(f"{column} >= ?")
                    params.append(s)
                if e is not None:
                    clauses.append(f"{column} < ?")
                    params.append(e)
        else:
            if e is not None:
                clauses.append("s.start_us < ?")
                params.append(e)
            if s is not None:
                clauses.append("(s.end_us > ? OR (s.end_us = s.start_us AND s.start_us >= ?))")
                params.extend([s, s])
        if s is not None and self.max_duration_us is not None:
            clauses.append("s.start_us >= ?")  # one lower bound: the index's range
            lower = s - self.max_duration_us
            params.append(lower if self.min_start_us is None else max(lower, self.min_start_us))
        return (" AND ".join(clauses) or "1 = 1"), params

    def _FromSources(self, pred: p.FromSources) -> Fragment:
        ids = [i for b in pred.bundle_ids if (i := self.dims.known_source_id(b)) is not None]
        return _in("s.source_id", ids)

    def _FromSourceRevisions(self, pred: p.FromSourceRevisions) -> Fragment:
        clauses, params = [], []
        for revision in pred.revisions:
            source_id = self.dims.known_source_id(revision.source.bundle_id)
            if source_id is None:
                continue
            clause = ["source_id = ?"]
            params.append(source_id)
            for column in ("version", "product_type", "os_version"):
                value = getattr(revision, column)
                if value is not None:
                    clause.append(f"{column} = ?")
                    params.append(value)
            clauses.append(" AND ".join(clause))
        if not clauses:
            return "1 = 0", []
        where = " OR ".join(f"({c})" for c in clauses)
        return (
            f"s.revision_id IN (SELECT id FROM source_revisions WHERE user_id = ? AND ({where}))",
            [self.user_id, *params],
        )

    def _FromDevices(self, pred: p.FromDevices) -> Fragment:
        known = self.dims.devices()
        ids = [i for i, device in known.items() if device in pred.devices]
        return _in("s.device_id", ids)

    def _DeviceProperty(self, pred: p.DeviceProperty) -> Fragment:
        known = self.dims.devices()
        ids = [i for i, d in known.items() if getattr(d, pred.property) in pred.values]
        return _in("s.device_id", ids)

    def _MetadataMatch(self, pred: p.MetadataMatch) -> Fragment:
        key = md.canonical_key(pred.key)
        dialect = self.backend.dialect
        field, params = dialect.json_field("s.metadata", key)
        if pred.op is None:
            return f"{field} IS NOT NULL", params
        value: Any = pred.value
        if isinstance(value, str) and _is_enum_key(pred.key):
            value = md.normalize({pred.key: value}, "predicate")[key]
        return f"{field} {_SQL_OPS[pred.op]} ?", [*params, dialect.json_param(value)]

    def _FhirResourceType(self, pred: p.FhirResourceType) -> Fragment:
        dialect = self.backend.dialect
        field, params = dialect.json_field("s.detail", "resource", "resourceType")
        kinds = sorted(pred.resource_types)
        return f"{field} IN ({dialect.marks(len(kinds))})", [*params, *kinds]

    def _UUIDs(self, pred: p.UUIDs) -> Fragment:
        return _in("s.uuid", [u.bytes for u in pred.uuids])

    def _QuantityCompare(self, pred: p.QuantityCompare) -> Fragment:
        t = self._single_type(Kind.quantity, "quantity")
        assert t.canonical_unit is not None
        if not pred.quantity.is_compatible(t.canonical_unit):
            raise InvalidArgument(
                f"unit {pred.quantity.unit.text!r} does not fit {t.short_name}", field="quantity"
            )
        return f"s.value {_SQL_OPS[pred.op]} ?", [pred.quantity.value_in(t.canonical_unit)]

    def _CategoryValue(self, pred: p.CategoryValue) -> Fragment:
        t = self._single_type(Kind.category, "category value")
        assert t.value_enum is not None
        return f"s.value {_SQL_OPS[pred.op]} ?", [t.value_enum.parse(pred.value)]

    def _WorkoutActivityTypeIs(self, pred: p.WorkoutActivityTypeIs) -> Fragment:
        self._single_type(Kind.workout, "workout activity")
        return "s.value = ?", [pred.activity_type]

    def _WorkoutDuration(self, pred: p.WorkoutDuration) -> Fragment:
        self._single_type(Kind.workout, "workout duration")
        micros = pred.duration // _MICROSECOND
        return f"(s.end_us - s.start_us) {_SQL_OPS[pred.op]} ?", [micros]

    def _WorkoutTotal(self, pred: p.WorkoutTotal) -> Fragment:
        self._single_type(Kind.workout, "workout total")
        unit = TOTAL_UNITS[pred.total]
        if not pred.quantity.is_compatible(unit):
            raise InvalidArgument(
                f"{pred.total} compares with units like {unit!r}, not {pred.quantity.unit.text!r}",
                field="quantity",
            )
        field, params = workout_total(self.backend.dialect, pred.total)
        return f"{field} {_SQL_OPS[pred.op]} ?", [*params, pred.quantity.value_in(unit)]

    def _InWorkout(self, pred: p.InWorkout) -> Fragment:
        # The workout is resolved among those the viewer may see (its own first).
        workout_type = self.dims.known_type_id(catalogue.object_type("workout"))
        rows = visible_rows(self.backend, self.user_id, [pred.workout], self.visible("s"))
        found = choose(
            Ref(pred.workout, pred.source),
            [f for f in rows.get(pred.workout, []) if f.type_id == workout_type],
            self.dims,
            self.own_source,
            "predicate.workout",
        )
        if found is None:
            return "1 = 0", []
        return (
            "s.anchor IN (SELECT w.sample_anchor FROM workout_samples w "
            "WHERE w.user_id = ? AND w.workout_anchor = ?)",
            [self.user_id, found.anchor],
        )

    def _single_type(self, kind: Kind, what: str) -> ObjectType:
        if len(self.types) != 1 or self.types[0].kind is not kind:
            raise InvalidArgument(
                f"a {what} predicate needs a query of one {kind} type", field="predicate"
            )
        return self.types[0]


_MICROSECOND = timedelta(microseconds=1)


def workout_total(dialect: Dialect, total: str) -> Fragment:
    """A workout's ``total`` (e.g. ``total_distance``) in its canonical unit, or NULL."""
    return dialect.json_field("s.detail", "totals", total, "canonical")


def _is_enum_key(key: str) -> bool:
    known = catalogue.metadata_key(key)
    return known is not None and known.enum is not None


def _in(column: str, values: list[Any]) -> Fragment:
    if not values:
        return "1 = 0", []
    return f"{column} IN ({', '.join('?' * len(values))})", list(values)
