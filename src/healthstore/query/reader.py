"""The read engines over one user's rows: sample, anchored (change feed) and source queries.

Each takes a ``scope``: what the viewer may see, decided by the access layer's visibility
filter and applied here to every row read (samples, tombstones, members, workouts).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any
from uuid import UUID

from healthstore import metadata as md
from healthstore.catalogue import Kind, ObjectType
from healthstore.errors import InvalidArgument
from healthstore.model import Changes, Correlation, DeletedObject, Sample, Source
from healthstore.query import predicates as p
from healthstore.query.references import Found, Ref, choose, visible_rows
from healthstore.query.sql import Compiler, Fragment, workout_total
from healthstore.storage import codec
from healthstore.storage.backend import Backend
from healthstore.storage.dialect import Dialect
from healthstore.storage.dimensions import Dimensions

_SORT_KEYS: dict[str, Callable[[Dialect], Fragment]] = {
    "start": lambda _: ("s.start_us", []),
    "end": lambda _: ("s.end_us", []),
    "duration": lambda _: ("(s.end_us - s.start_us)", []),
    "total_energy_burned": lambda d: workout_total(d, "total_energy_burned"),
    "total_distance": lambda d: workout_total(d, "total_distance"),
}


@dataclass(frozen=True)
class Scope:
    """What a reader may see, as decided by the access layer's
    :class:`~healthstore.access.visibility.Visibility`: every row (``readable`` None), or
    rows of the ``readable`` type ids that start at or after ``since_us`` (None: any time),
    plus every row written by source ``own_source``. Rendered here as SQL over any alias of
    ``samples`` or ``deleted_objects`` (a tombstone of unknown start counts as older than
    any bound)."""

    readable: frozenset[int] | None = None
    own_source: int | None = None
    since_us: int | None = None

    def _others(self, alias: str, ids: Sequence[int], filter: bool = False) -> Fragment:
        """Rows of ``ids`` (readable types) within the history bound. As a ``filter`` of
        rows reached otherwise (by uuid, by anchor), the bound is kept from choosing the
        index (unary ``+``), so the planner keeps the narrower one."""
        sql = f"{alias}.type_id IN ({_marks(ids)})"
        if self.since_us is None:
            return sql, list(ids)
        column = f"+{alias}.start_us" if filter else f"{alias}.start_us"
        return f"{sql} AND {column} >= ?", [*ids, self.since_us]

    def sql(self, alias: str) -> Fragment:
        """The condition over rows of the table aliased ``alias``."""
        if self.readable is None:
            return "1 = 1", []
        clauses: list[str] = []
        params: list[Any] = []
        if self.readable:
            others_sql, others_params = self._others(alias, sorted(self.readable), True)
            clauses.append(f"({others_sql})")
            params.extend(others_params)
        if self.own_source is not None:
            clauses.append(f"{alias}.source_id = ?")
            params.append(self.own_source)
        if not clauses:
            return "1 = 0", []
        return "(" + " OR ".join(clauses) + ")", params

    def parts(self, alias: str, type_ids: Sequence[int]) -> list[Fragment]:
        """Rows of ``type_ids`` in scope, as conditions to read separately (none: no row):
        the readable types within the history bound, then the others of which only the
        viewer's own rows, asked for by source first, then the viewer's own rows of the
        readable types older than the bound. Each reaches its rows through an index (by
        type and start, or leading with the source), so rows the viewer may not see are
        never scanned: a refused read costs the same whatever others stored."""
        if self.readable is None:
            return [(f"{alias}.type_id IN ({_marks(type_ids)})", list(type_ids))]
        readable = [t for t in type_ids if t in self.readable]
        refused = [t for t in type_ids if t not in self.readable]
        out: list[Fragment] = []
        if readable:
            out.append(self._others(alias, readable))
        if self.own_source is None:
            return out
        own = f"{alias}.source_id = ? AND {alias}.type_id IN"
        if refused:
            out.append((f"{own} ({_marks(refused)})", [self.own_source, *refused]))
        if readable and self.since_us is not None:
            out.append(
                (
                    f"{own} ({_marks(readable)}) AND ({alias}.start_us < ? "
                    f"OR {alias}.start_us IS NULL)",
                    [self.own_source, *readable, self.since_us],
                )
            )
        return out

    def bounded(self, type_ids: Sequence[int]) -> bool:
        """Whether the first of :meth:`parts` is bounded by the history limit."""
        if self.since_us is None or self.readable is None:
            return False
        return any(t in self.readable for t in type_ids)

    @property
    def samples(self) -> Fragment:
        return self.sql("s")

    @property
    def deleted(self) -> Fragment:
        return self.sql("d")


EVERYTHING = Scope()


def order_by(sort: str | Sequence[str] | None, dialect: Dialect) -> Fragment:
    """SQL ORDER BY terms for sort keys like ``"start"``, ``"-end"``, ``"duration"``."""
    keys = [sort] if isinstance(sort, str) else list(sort or ["start"])
    terms = []
    params: list[Any] = []
    for key in keys:
        name = key.lstrip("-+")
        term = _SORT_KEYS.get(name)
        if term is None:
            raise InvalidArgument(
                f"unknown sort key {key!r} (use {', '.join(_SORT_KEYS)}, '-' for descending)",
                field="sort",
            )
        column, more = term(dialect)
        terms.append(f"{column} {'DESC' if key.startswith('-') else 'ASC'}")
        params += more
    descending = keys[-1].startswith("-") if keys else False
    terms.append(f"s.anchor {'DESC' if descending else 'ASC'}")
    return ", ".join(terms), params


def _marks(values: Sequence[Any]) -> str:
    return ", ".join("?" * len(values))


@dataclass
class Reader:
    """Reads one user's samples."""

    backend: Backend
    dims: Dimensions
    user_id: int
    _extents: dict[int, int] = field(default_factory=dict)

    def _type_ids(self, types: Sequence[ObjectType]) -> list[int]:
        return self.dims.known_type_ids(list(types))

    def _max_duration(self, type_ids: Sequence[int], scope: Scope) -> int | None:
        """The longest duration of a sample the query can see (None: several types): of
        the viewer's own when it may see only those, so hidden samples never widen it."""
        if len(type_ids) != 1:
            return None
        if scope.readable is None or type_ids[0] in scope.readable:
            rows = self.backend.query(
                "SELECT max_duration_us FROM type_extents WHERE user_id = ? AND type_id = ?",
                (self.user_id, type_ids[0]),
            )
        else:
            rows = self.backend.query(
                "SELECT max_duration_us FROM source_extents "
                "WHERE user_id = ? AND type_id = ? AND source_id = ?",
                (self.user_id, type_ids[0], scope.own_source),
            )
        return int(rows[0][0]) if rows else 0

    def where(
        self,
        types: Sequence[ObjectType],
        predicate: p.Predicate | None,
        scope: Scope,
    ) -> Fragment | None:
        """The WHERE clause selecting samples of ``types`` matching ``predicate`` in
        ``scope``; None when no sample of those types was ever stored."""
        type_ids = self._type_ids(types)
        max_duration = self._max_duration(type_ids, scope) if type_ids else None
        compiler = Compiler(
            self.backend,
            self.dims,
            self.user_id,
            tuple(types),
            max_duration,
            scope.sql,
            scope.own_source if scope.readable is not None else None,
        )
        compiled = compiler.compile(predicate)
        if not type_ids:
            return None
        parts = scope.parts("s", type_ids)
        preds = [compiled] * len(parts)
        if predicate is not None and scope.bounded(type_ids):
            # Its time window starts no earlier than the bound, so that the index range
            # never reaches the older rows, whichever lower bound the planner takes.
            preds[0] = replace(compiler, min_start_us=scope.since_us).compile(predicate)
        if len(parts) <= 1:
            part_sql, part_params = parts[0] if parts else ("1 = 0", [])
            pred_sql, pred_params = preds[0] if preds else compiled
            sql = f"s.user_id = ? AND {part_sql} AND ({pred_sql})"
            return sql, [self.user_id, *part_params, *pred_params]
        # Readable and refused types together: one select per part, each through its own
        # index (an OR would be planned as one scan of every row of the user), and the rows
        # fetched by anchor (a condition on the user here would scan the user's rows).
        selects, params = [], []
        for (part_sql, part_params), (pred_sql, pred_params) in zip(parts, preds, strict=True):
            selects.append(
                f"SELECT s.anchor FROM samples s WHERE s.user_id = ? AND {part_sql} "
                f"AND ({pred_sql})"
            )
            params += [self.user_id, *part_params, *pred_params]
        return f"s.anchor IN ({' UNION ALL '.join(selects)})", params

    def samples(
        self,
        types: Sequence[ObjectType],
        predicate: p.Predicate | None = None,
        *,
        sort: str | Sequence[str] | None = None,
        limit: int = 0,
        scope: Scope = EVERYTHING,
        offset: int = 0,
    ) -> list[Sample]:
        """Samples of ``types`` matching ``predicate``, sorted, at most ``limit`` (0: all),
        after skipping ``offset``."""
        if limit < 0:
            raise InvalidArgument("limit must be >= 0 (0 means no limit)", field="limit")
        if offset < 0:
            raise InvalidArgument("offset must be >= 0", field="offset")
        where = self.where(types, predicate, scope)
        if where is None:
            return []
        sql, params = where
        dialect = self.backend.dialect
        order, order_params = order_by(sort, dialect)
        text = f"SELECT {codec.SELECT_COLUMNS} FROM samples s WHERE {sql} ORDER BY {order}"
        params = [*params, *order_params]
        if limit or offset:
            page, page_params = dialect.limit_offset(limit, offset)
            text += " " + page
            params += page_params
        return self._decode_rows(self.backend.query(text, params), scope)

    def _decode_rows(self, rows: list[Any], scope: Scope) -> list[Sample]:
        decoded = codec.Decoder(self.dims).decode_all(rows)
        correlations = {
            row[0]: i for i, row in enumerate(rows) if decoded[i].type.kind is Kind.correlation
        }
        if correlations:
            members = self._members(list(correlations), scope)
            for anchor, i in correlations.items():
                c = decoded[i]
                decoded[i] = Correlation._restore(
                    **{k: getattr(c, k) for k in Sample.__slots__}, objects=tuple(members[anchor])
                )
        return decoded

    def _members(self, anchors: list[int], scope: Scope) -> dict[int, list[Sample]]:
        scope_sql, scope_params = scope.samples
        out: dict[int, list[Sample]] = defaultdict(list)
        for i in range(0, len(anchors), 500):
            chunk = anchors[i : i + 500]
            rows = self.backend.query(
                f"SELECT m.correlation_anchor, {codec.SELECT_COLUMNS} FROM correlation_members m "
                "JOIN samples s ON s.anchor = m.member_anchor "
                f"WHERE m.user_id = ? AND m.correlation_anchor IN ({_marks(chunk)}) "
                f"AND ({scope_sql}) ORDER BY s.start_us, s.anchor",
                [self.user_id, *chunk, *scope_params],
            )
            decode = codec.Decoder(self.dims).decode
            for row in rows:
                out[row[0]].append(decode(row[1:]))
        return out

    def anchors(
        self,
        types: Sequence[ObjectType],
        predicate: p.Predicate | None = None,
        scope: Scope = EVERYTHING,
    ) -> list[int]:
        """Anchors of the live samples that ``samples()`` would return."""
        where = self.where(types, predicate, scope)
        if where is None:
            return []
        sql, params = where
        return [
            row[0]
            for row in self.backend.query(f"SELECT s.anchor FROM samples s WHERE {sql}", params)
        ]

    def resolve(
        self, refs: Sequence[Ref], scope: Scope = EVERYTHING, field: str = "objects"
    ) -> list[Found | None]:
        """What each reference names among the samples in ``scope`` (None: nothing);
        see :mod:`healthstore.query.references` for the rules."""
        found = visible_rows(self.backend, self.user_id, [r.uuid for r in refs], scope.samples)
        own = scope.own_source if scope.readable is not None else None
        return [
            choose(ref, found.get(ref.uuid, []), self.dims, own, f"{field}[{i}]")
            for i, ref in enumerate(refs)
        ]

    def changes(
        self,
        types: Sequence[ObjectType],
        anchor: int | None = None,
        limit: int = 0,
        predicate: p.Predicate | None = None,
        scope: Scope = EVERYTHING,
    ) -> Changes:
        """Samples added and objects deleted after ``anchor``, in anchor order; the limit
        counts both. The returned anchor resumes after the last change returned."""
        if limit < 0:
            raise InvalidArgument("limit must be >= 0 (0 means no limit)", field="limit")
        since = anchor or 0
        if since < 0:
            raise InvalidArgument("anchor must be >= 0", field="anchor")
        where = self.where(types, predicate, scope)
        type_ids = self._type_ids(types)
        if where is None or not type_ids:
            return Changes([], [], since)
        sql, params = where
        tail = " LIMIT ?" if limit else ""
        with self.backend.snapshot():  # additions and deletions as of one moment
            added_rows = self.backend.query(
                f"SELECT {codec.SELECT_COLUMNS} FROM samples s WHERE s.anchor > ? AND {sql} "
                f"ORDER BY s.anchor{tail}",
                [since, *params, *([limit] if limit else [])],
            )
            deleted_rows = []
            for i, (part_sql, part_params) in enumerate(scope.parts("d", type_ids)):
                # A bounded part is read through its start index (unary + keeps the planner
                # off the anchor's, which would walk the older tombstones too).
                column = "+d.anchor" if i == 0 and scope.bounded(type_ids) else "d.anchor"
                deleted_rows += self.backend.query(
                    "SELECT d.anchor, d.uuid, d.type_id, d.sync_id, d.sync_version "
                    "FROM deleted_objects d "
                    f"WHERE {column} > ? AND d.user_id = ? AND {part_sql} ORDER BY d.anchor{tail}",
                    [since, self.user_id, *part_params, *([limit] if limit else [])],
                )
        merged = sorted(
            [(row[0], "added", row) for row in added_rows]
            + [(row[0], "deleted", row) for row in deleted_rows]
        )
        if limit:
            merged = merged[:limit]
        added = self._decode_rows([row for _, kind, row in merged if kind == "added"], scope)
        deleted = [_deleted(row, self.dims) for _, kind, row in merged if kind == "deleted"]
        last = merged[-1][0] if merged else since
        return Changes(added, deleted, last)

    def sources(
        self,
        types: Sequence[ObjectType],
        predicate: p.Predicate | None = None,
        scope: Scope = EVERYTHING,
    ) -> list[Source]:
        """The sources that have samples of ``types`` matching ``predicate``."""
        where = self.where(types, predicate, scope)
        if where is None:
            return []
        sql, params = where
        ids = [
            row[0]
            for row in self.backend.query(
                f"SELECT DISTINCT s.source_id FROM samples s WHERE {sql}", params
            )
        ]
        found = [self.dims.source(i) for i in ids]
        return sorted(found, key=lambda s: (s.name.lower(), s.bundle_id))


def _deleted(row: Any, dims: Dimensions) -> DeletedObject:
    _, uuid, type_id, sync_id, sync_version = row
    metadata: dict[str, Any] = {}
    if sync_id is not None:
        version = sync_version
        if isinstance(version, float) and version.is_integer():
            version = int(version)
        metadata = {md.SYNC_IDENTIFIER: sync_id, md.SYNC_VERSION: version}
    return DeletedObject(UUID(bytes=uuid), dims.object_type(type_id), metadata)
