"""Saving and deleting batches: one transaction, idempotent by uuid, sync-identifier rules.

Rules (spec §3 and our decisions):
- a uuid identifies a sample within its source (the writer's idempotency key): every
  decision below looks only at the rows of the writer's own source, so what other sources
  hold never changes a save's answer, and no source can block another's save;
- a uuid its source already stored with the same content is a duplicate; with other
  content, an error; a uuid its source deleted is a duplicate too (a retried upload never
  resurrects it);
- a sync identifier is scoped to its source: a greater version replaces the stored sample
  (tombstone + insert, memberships move to the new one), a lower one is ignored, an equal
  one is a duplicate when the content is identical and a replacement otherwise;
- saving a correlation saves its members; deleting one deletes its members.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from healthstore.errors import HealthStoreError, InvalidArgument, ItemsRejected
from healthstore.model import Correlation, Sample, SaveResult, SaveStatus, Source, SourceRevision
from healthstore.plain import PlainSample
from healthstore.storage import codec
from healthstore.storage.backend import Backend
from healthstore.storage.dimensions import Dimensions
from healthstore.storage.touched import of_rows, touched_by, untouched

_CHUNK = 2000
# Positions in an encoded row (codec.INSERT_COLUMNS order).
_UUID, _TYPE, _START, _END, _SOURCE, _SYNC_ID, _SYNC_VERSION = 2, 3, 4, 5, 11, 14, 15
_KEYS = (_TYPE, _SOURCE, _START)  # what a write touched: see storage/touched.py
_LINKS = (
    ("correlation_members", "correlation_anchor"),
    ("correlation_members", "member_anchor"),
    ("workout_samples", "workout_anchor"),
    ("workout_samples", "sample_anchor"),
)
_CONTENT_COLUMNS = (  # codec.CONTENT, as stored
    "type_id, start_us, end_us, tz, value, unit, unit_value, count, "
    "source_id, revision_id, device_id, sync_id, sync_version, metadata, detail"
)
_STORED_COLUMNS = "anchor, uuid, type_id, source_id, sync_id, sync_version, " + _CONTENT_COLUMNS
_TYPE_KEY = ("user_id", "type_id")
_SOURCE_KEY = ("user_id", "type_id", "source_id")
_LONGEST = "max_duration_us"


@dataclass(slots=True)
class _Stored:
    """A live sample already in the store, as far as the decisions need it."""

    anchor: int
    uuid: bytes
    type_id: int
    source_id: int
    sync_id: str | None
    sync_version: float | None
    content: tuple[Any, ...]


@dataclass(eq=False, slots=True)
class _Item:
    """One object of the batch and what the save does with it."""

    sample: Sample
    index: int
    row: list[Any]
    members: list[_Item] | None = None
    status: SaveStatus | None = None
    anchor: int | None = None
    replaces: _Stored | _Item | None = None
    superseded_by: _Item | None = None

    @property
    def uuid(self) -> UUID:
        return UUID(bytes=self.row[_UUID])

    @property
    def content(self) -> tuple[Any, ...]:
        return tuple(self.row[codec.CONTENT])

    @property
    def sync_version(self) -> float | None:
        value = self.row[_SYNC_VERSION]
        return None if value is None else float(value)

    def identity(self) -> tuple[bytes, int, int, str | None, float | None]:
        r = self.row
        return r[_UUID], r[_TYPE], r[_SOURCE], r[_SYNC_ID], r[_SYNC_VERSION]


Key = tuple[int, bytes]  # (source id, uuid): what identifies a sample


def _key(row: Sequence[Any]) -> Key:
    """The identity of an encoded row."""
    return row[_SOURCE], row[_UUID]


def _stored(row: tuple[Any, ...]) -> _Stored:
    return _Stored(row[0], row[1], row[2], row[3], row[4], row[5], tuple(row[6:]))


def _in_chunks(values: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for i in range(0, len(values), _CHUNK):
        yield values[i : i + _CHUNK]


def _marks(n: int) -> str:
    return ", ".join("?" * n)


class Writer:
    """Writes batches for one user of one backend."""

    def __init__(self, backend: Backend, dims: Dimensions, user_id: int) -> None:
        self._db = backend
        self._dims = dims
        self._user = user_id
        self.inserted = 0  # samples stored by the last save
        self._plain_expected_new = True  # whether the next plain save is likely all new
        # (type id, source id) of every sample the last save or delete stored or removed,
        # with the latest start among them (what an observer may be told depends on it)
        self.touched: dict[tuple[int, int], int] = {}

    # --- save ---------------------------------------------------------------------------
    def save(
        self,
        objects: Sequence[Sample],
        now_us: int,
        *,
        default_source: SourceRevision,
        forced_source: Source | None = None,
    ) -> list[SaveResult]:
        """Save ``objects`` all-or-nothing. Each is written as its own source revision, else
        as ``default_source``; ``forced_source`` replaces the source of every object (an
        app writes as itself, whatever its samples say). Returns one result per object, in
        order."""
        try:
            with self._db.transaction():
                rows, members = self._encode(objects, default_source, forced_source)
                self.inserted = 0
                self.touched = {}
                if not members and self._insert_optimistically(rows):
                    self.inserted = len(rows)
                    self.touched = of_rows(rows, _KEYS)
                    created = SaveStatus.created
                    return [SaveResult(obj.uuid, created) for obj in objects]
                items = [
                    _Item(obj, i, row, members.get(i))
                    for i, (obj, row) in enumerate(zip(objects, rows, strict=True))
                ]
                flat = [m for item in items for m in (*(item.members or ()), item)]
                self._decide(flat)
                self._apply(items, flat, now_us)
        except BaseException:
            self._dims.reset()
            raise
        return [SaveResult(item.uuid, item.status or SaveStatus.duplicate) for item in items]

    def save_plain(self, samples: Sequence[PlainSample], now_us: int) -> list[SaveStatus]:
        """Save plain samples (see :mod:`healthstore.plain`) all-or-nothing, by the rules of
        :meth:`save`. Returns a status per sample, in order."""
        try:
            with self._db.transaction():
                rows = codec.Encoder(self._dims, self._user).encode_plain(samples)
                self.inserted = 0
                self.touched = {}
                if self._plain_expected_new and self._insert_optimistically(rows):
                    self.inserted = len(rows)
                    self.touched = of_rows(rows, _KEYS)
                    return [SaveStatus.created] * len(rows)
                statuses = self._decide_plain(rows)
                # A batch that was mostly stored already (a second import of a file) is
                # usually followed by more of them: skip the insert attempt for the next one.
                self._plain_expected_new = 2 * self.inserted > len(rows)
        except BaseException:
            self._dims.reset()
            raise
        return statuses

    def _decide_plain(self, rows: list[list[Any]]) -> list[SaveStatus]:
        """:meth:`_decide` and :meth:`_apply` for plain rows, which have neither sync
        identifiers nor members, so each is new (inserted), a duplicate of a sample with
        its uuid and content, or a conflict; rows of a re-imported file are mostly
        duplicates, decided here without an object per row."""
        keys = [_key(row) for row in rows]
        stored = self._stored_contents(keys)
        deleted = self._deleted_keys(keys)
        seen: dict[Key, tuple[Any, ...]] = {}
        statuses: list[SaveStatus] = []
        fresh: list[list[Any]] = []
        conflicts: dict[int, HealthStoreError] = {}
        content_of = codec.CONTENT
        for index, (row, key) in enumerate(zip(rows, keys, strict=True)):
            uuid, content = row[_UUID], tuple(row[content_of])
            known = seen.get(key) or stored.get(key)
            if known is not None:
                if known != content:
                    where = f"objects[{index}]"
                    conflicts[index] = InvalidArgument(
                        f"{where}: uuid {UUID(bytes=uuid)} is already saved with different content",
                        field=f"{where}.uuid",
                    )
                statuses.append(SaveStatus.duplicate)
                continue
            seen[key] = content
            if key in deleted:
                statuses.append(SaveStatus.duplicate)
                continue
            statuses.append(SaveStatus.created)
            fresh.append(row)
        if conflicts:
            raise ItemsRejected(conflicts)
        self.touched = of_rows(fresh, _KEYS)
        self.inserted = len(fresh)
        if fresh:
            first = self._db.reserve_anchors(len(fresh))
            for anchor, row in enumerate(fresh, first):
                row[0] = anchor
            for sql, params in codec.insert_statements(fresh):
                self._db.executemany(sql, params)
            self._widen_extents(fresh)
        return statuses

    def _insert_optimistically(self, rows: list[list[Any]]) -> bool:
        """The common case: plain new samples, none seen before. Insert them all, letting
        the (uuid, source) index skip any that are already stored; when every row went in,
        that is the whole save. Otherwise undo and let the full rules decide."""
        keys = [_key(row) for row in rows]
        if any(row[_SYNC_ID] is not None for row in rows):
            return False
        if len(set(keys)) != len(rows) or self._deleted_keys(keys):
            return False
        with self._db.savepoint() as attempt:
            first = self._db.reserve_anchors(len(rows))
            for anchor, row in enumerate(rows, first):
                row[0] = anchor
            inserted = sum(
                self._db.executemany(sql, params)
                for sql, params in codec.insert_statements(rows, skip_existing=True)
            )
            if inserted != len(rows):
                attempt.rollback()
                for row in rows:
                    row[0] = None
                return False
            self._widen_extents(rows)
        return True

    def _encode(
        self,
        objects: Sequence[Sample],
        default_source: SourceRevision,
        forced_source: Source | None,
    ) -> tuple[list[list[Any]], dict[int, list[_Item]]]:
        """The rows of ``objects`` and, by index, the member items of correlations."""
        rows = []
        members: dict[int, list[_Item]] = {}
        encode = codec.Encoder(self._dims, self._user).encode
        forced: dict[int, SourceRevision] = {}
        if forced_source is not None:
            default_source = SourceRevision(forced_source)
        for i, obj in enumerate(objects):
            if not isinstance(obj, Sample):
                raise InvalidArgument(
                    f"objects[{i}] is a {type(obj).__name__}, not a sample", field=f"objects[{i}]"
                )
            revision = obj.source_revision or default_source
            if forced_source is not None and revision.source != forced_source:
                own = forced.get(id(revision))
                if own is None:
                    own = forced[id(revision)] = SourceRevision(
                        forced_source, revision.version, revision.product_type, revision.os_version
                    )
                revision = own
            rows.append(encode(obj, revision))
            if isinstance(obj, Correlation):
                members[i] = [_Item(m, i, encode(m, revision)) for m in obj.objects]
        return rows, members

    def _decide(self, flat: list[_Item]) -> None:
        keys = [_key(it.row) for it in flat]
        by_key = self._stored_by_key(keys)
        deleted = self._deleted_keys(keys)
        by_sync: dict[tuple[int, str], _Stored | _Item] = dict(
            self._stored_by_sync(
                {(it.row[_SOURCE], it.row[_SYNC_ID]) for it in flat if it.row[_SYNC_ID]}
            )
        )
        seen: dict[Key, _Item] = {}
        conflicts: dict[int, HealthStoreError] = {}
        for it, key in zip(flat, keys, strict=True):
            uuid, content, where = it.row[_UUID], it.content, f"objects[{it.index}]"
            earlier = seen.get(key)
            stored = by_key.get(key)
            if earlier is not None or stored is not None:
                if (earlier.content if earlier else stored.content) != content:  # type: ignore[union-attr]
                    conflicts.setdefault(
                        it.index,
                        InvalidArgument(
                            f"{where}: uuid {UUID(bytes=uuid)} is already saved with different "
                            "content",
                            field=f"{where}.uuid",
                        ),
                    )
                    continue
                it.status = SaveStatus.duplicate
                it.replaces = earlier or stored
                continue
            seen[key] = it
            if key in deleted:
                it.status = SaveStatus.duplicate
                continue
            if not it.row[_SYNC_ID]:
                it.status = SaveStatus.created
                continue
            sync_key = (it.row[_SOURCE], it.row[_SYNC_ID])
            current = by_sync.get(sync_key)
            if current is None:
                it.status = SaveStatus.created
            else:
                version, stored_version = it.sync_version or 0.0, current.sync_version or 0.0
                if version < stored_version:
                    it.status, it.replaces = SaveStatus.ignored_older_version, current
                    continue
                if version == stored_version and current.content == content:
                    it.status, it.replaces = SaveStatus.duplicate, current
                    continue
                it.status, it.replaces = SaveStatus.replaced, current
            by_sync[sync_key] = it
        if conflicts:
            raise ItemsRejected(conflicts)

    def _apply(self, items: list[_Item], flat: list[_Item], now_us: int) -> None:
        fresh = [it for it in flat if it.status in (SaveStatus.created, SaveStatus.replaced)]
        replaced = [it for it in fresh if it.status is SaveStatus.replaced]
        self.touched = of_rows([it.row for it in fresh], _KEYS)
        successors: dict[int, _Item] = {}
        if fresh:
            next_anchor = self._db.reserve_anchors(len(fresh) + len(replaced))
            tombstones: list[tuple[int, int | None, tuple[Any, ...]]] = []
            for it in fresh:
                old = it.replaces
                if it.status is SaveStatus.replaced and old is not None:
                    if isinstance(old, _Item):
                        old.superseded_by = it
                        tombstones.append((next_anchor, None, (*old.identity(), old.row[_START])))
                    else:
                        successors[old.anchor] = it
                        identity = (
                            old.uuid,
                            old.type_id,
                            old.source_id,
                            old.sync_id,
                            old.sync_version,
                            old.content[1],  # start_us
                        )
                        tombstones.append((next_anchor, old.anchor, identity))
                    next_anchor += 1
                it.anchor = it.row[0] = next_anchor
                next_anchor += 1
            self._tombstone(tombstones, now_us)
            replaced_rows = [(i[1], i[2], i[5]) for _, _, i in tombstones]
            self.touched = touched_by([*untouched(self.touched), *replaced_rows])
            kept = [it.row for it in fresh if it.superseded_by is None]
            self.inserted = len(kept)
            for sql, params in codec.insert_statements(kept):
                self._db.executemany(sql, params)
            for old_anchor, it in successors.items():
                self._move_links(old_anchor, _resolve(it, successors))
            self._widen_extents([it.row for it in fresh])
        self._link_correlations(items, successors)

    def _link_correlations(self, items: list[_Item], successors: dict[int, _Item]) -> None:
        links = []
        for item in items:
            if not item.members or item.status not in (SaveStatus.created, SaveStatus.replaced):
                continue
            if item.superseded_by is not None:
                continue
            for member in item.members:
                links.append((self._user, item.anchor, _member_anchor(member, successors)))
        if links:
            self._db.executemany(
                self._db.dialect.upsert(
                    "correlation_members", ("user_id", "correlation_anchor", "member_anchor")
                ),
                links,
            )

    def _move_links(self, old: int, new: int) -> None:
        u = self._user
        for table, column in (
            ("correlation_members", "member_anchor"),
            ("workout_samples", "sample_anchor"),
            ("workout_samples", "workout_anchor"),
        ):
            self._db.execute(
                f"UPDATE {table} SET {column} = ? WHERE user_id = ? AND {column} = ?",
                (new, u, old),
            )
        self._db.execute(
            "DELETE FROM correlation_members WHERE user_id = ? AND correlation_anchor = ?",
            (u, old),
        )

    def _widen_extents(self, rows: list[list[Any]]) -> None:
        """Keep the longest duration per type, and per type and source (for the reads of
        an app that sees only its own rows)."""
        longest: dict[tuple[int, int], int] = {}
        for row in rows:
            duration = row[_END] - row[_START]
            key = (row[_TYPE], row[_SOURCE])
            if duration >= longest.get(key, -1):
                longest[key] = duration
        per_type: dict[int, int] = {}
        for (type_id, _), duration in longest.items():
            per_type[type_id] = max(duration, per_type.get(type_id, -1))
        dialect = self._db.dialect
        wider = {_LONGEST: dialect.greatest(_LONGEST, f"excluded.{_LONGEST}")}
        self._db.executemany(
            dialect.upsert("type_extents", (*_TYPE_KEY, _LONGEST), _TYPE_KEY, wider),
            [(self._user, t, d) for t, d in per_type.items()],
        )
        self._db.executemany(
            dialect.upsert("source_extents", (*_SOURCE_KEY, _LONGEST), _SOURCE_KEY, wider),
            [(self._user, t, s, d) for (t, s), d in longest.items()],
        )

    # --- look-ups -----------------------------------------------------------------------
    # Each asks by uuid (the dialect's probe: far faster than a long IN list) and keeps
    # only the rows of the asked-for sources, so a uuid other sources hold is read and
    # discarded here, never decided on.
    def _by_uuid(self, sql: str, keys: Sequence[Key]) -> list[Any]:
        """Rows of ``sql`` (selecting from ``probe`` joined on ``uuid = wanted`` for the
        user, its one parameter) whose (source_id, uuid), their first two columns, is
        one of ``keys``."""
        uuids = list(dict.fromkeys(uuid for _, uuid in keys))
        if not uuids:
            return []
        wanted = set(keys)
        probe, params = self._db.dialect.uuid_probe(uuids)
        rows = self._db.query(f"{probe} {sql}", [*params, self._user])
        return [row for row in rows if (row[0], row[1]) in wanted]

    def _stored_by_key(self, keys: Sequence[Key]) -> dict[Key, _Stored]:
        """The live samples among ``keys`` (source id, uuid), by key."""
        rows = self._by_uuid(
            f"SELECT source_id, uuid, {_STORED_COLUMNS} FROM probe JOIN samples "
            "ON user_id = ? AND uuid = wanted",
            keys,
        )
        return {(row[0], row[1]): _stored(row[2:]) for row in rows}

    def _stored_contents(self, keys: Sequence[Key]) -> dict[Key, tuple[Any, ...]]:
        """The content (codec.CONTENT) of the stored samples among ``keys``, by key."""
        rows = self._by_uuid(
            f"SELECT source_id, uuid, {_CONTENT_COLUMNS} FROM probe JOIN samples "
            "ON user_id = ? AND uuid = wanted",
            keys,
        )
        return {(row[0], row[1]): tuple(row[2:]) for row in rows}

    def _deleted_keys(self, keys: Sequence[Key]) -> set[Key]:
        """Which of ``keys`` (source id, uuid) their source deleted."""
        if not keys or not self._db.query(
            "SELECT 1 FROM deleted_objects WHERE user_id = ? LIMIT 1", (self._user,)
        ):
            return set()
        rows = self._by_uuid(
            "SELECT d.source_id, d.uuid FROM probe JOIN deleted_objects d "
            "ON d.user_id = ? AND d.uuid = wanted",
            keys,
        )
        return {(row[0], row[1]) for row in rows}

    def _stored_by_sync(self, keys: set[tuple[int, str]]) -> dict[tuple[int, str], _Stored]:
        by_source: dict[int, list[str]] = defaultdict(list)
        for source_id, sync_id in keys:
            by_source[source_id].append(sync_id)
        found: dict[tuple[int, str], _Stored] = {}
        for source_id, sync_ids in by_source.items():
            for chunk in _in_chunks(sync_ids):
                for row in self._db.query(
                    f"SELECT {_STORED_COLUMNS} FROM samples WHERE user_id = ? AND source_id = ? "
                    f"AND sync_id IN ({_marks(len(chunk))})",
                    (self._user, source_id, *chunk),
                ):
                    found[(row[3], row[4])] = _stored(row)
        return found

    # --- delete -------------------------------------------------------------------------
    def delete_anchors(self, anchors: Sequence[int], now_us: int) -> int:
        """Delete the samples at ``anchors`` (and the members of correlations among them),
        leaving tombstones. Returns how many samples were deleted."""
        self.touched = {}
        if not anchors:
            return 0
        try:
            with self._db.transaction():
                targets = list(dict.fromkeys(anchors))
                for chunk in _in_chunks(list(targets)):
                    targets.extend(
                        row[0]
                        for row in self._db.query(
                            "SELECT member_anchor FROM correlation_members WHERE user_id = ? "
                            f"AND correlation_anchor IN ({_marks(len(chunk))})",
                            (self._user, *chunk),
                        )
                    )
                targets = list(dict.fromkeys(targets))
                rows = []
                for chunk in _in_chunks(targets):
                    rows.extend(
                        self._db.query(
                            "SELECT anchor, uuid, type_id, source_id, sync_id, sync_version, "
                            "start_us FROM samples "
                            f"WHERE user_id = ? AND anchor IN ({_marks(len(chunk))})",
                            (self._user, *chunk),
                        )
                    )
                if not rows:
                    return 0
                self.touched = touched_by((row[2], row[3], row[6]) for row in rows)
                first = self._db.reserve_anchors(len(rows))
                self._tombstone(
                    [(first + i, row[0], tuple(row[1:])) for i, row in enumerate(rows)], now_us
                )
                for chunk in _in_chunks([row[0] for row in rows]):
                    marks = _marks(len(chunk))
                    for table, column in _LINKS:
                        self._db.execute(
                            f"DELETE FROM {table} WHERE user_id = ? AND {column} IN ({marks})",
                            (self._user, *chunk),
                        )
                return len(rows)
        except BaseException:
            self._dims.reset()
            raise

    def _tombstone(
        self, entries: Sequence[tuple[int, int | None, tuple[Any, ...]]], now_us: int
    ) -> None:
        """Write tombstones (tombstone anchor, live anchor or None, identity) and delete the
        live rows they stand for."""
        if not entries:
            return
        self._db.executemany(
            "INSERT INTO deleted_objects (anchor, user_id, uuid, type_id, source_id, sync_id, "
            "sync_version, start_us, deleted_us) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(tomb, self._user, *identity, now_us) for tomb, _, identity in entries],
        )
        for chunk in _in_chunks([live for _, live, _ in entries if live is not None]):
            self._db.execute(
                f"DELETE FROM samples WHERE user_id = ? AND anchor IN ({_marks(len(chunk))})",
                (self._user, *chunk),
            )

    # --- workouts -----------------------------------------------------------------------
    def associate(self, workout_anchor: int, sample_anchors: Sequence[int]) -> None:
        """Associate samples with a workout (HealthKit's ``add(_:to:)``)."""
        with self._db.transaction():
            self._db.executemany(
                self._db.dialect.upsert(
                    "workout_samples", ("user_id", "workout_anchor", "sample_anchor")
                ),
                [(self._user, workout_anchor, a) for a in sample_anchors],
            )


def _resolve(item: _Item, successors: dict[int, _Item]) -> int:
    """The anchor of the newest sample standing for ``item`` after this batch."""
    while item.superseded_by is not None:
        item = item.superseded_by
    assert item.anchor is not None
    return item.anchor


def _member_anchor(member: _Item, successors: dict[int, _Item]) -> int:
    """The anchor a correlation member links to: itself when saved, else the stored sample
    it duplicates (or that replaced it)."""
    if member.status in (SaveStatus.created, SaveStatus.replaced):
        return _resolve(member, successors)
    target = member.replaces
    if isinstance(target, _Item):
        return _member_anchor(target, successors)
    if target is None:
        raise InvalidArgument(
            f"objects[{member.index}]: correlation member {member.uuid} was deleted",
            field=f"objects[{member.index}].objects",
        )
    successor = successors.get(target.anchor)
    return target.anchor if successor is None else _resolve(successor, successors)
