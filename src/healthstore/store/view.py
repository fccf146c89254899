"""What the person's view and an app's view share: saving, deleting and every read door.

:class:`SampleView` does the work; its subclasses say, through four hooks, what the viewer
may see (:meth:`_visibility`), whom its writes belong to (:meth:`_forced_source`), what it may
write (:meth:`_check_write`) and what is recorded about it (:meth:`_record`).
"""

from __future__ import annotations

import functools
import json
import re
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime, timedelta, tzinfo
from typing import Concatenate, ParamSpec, TypeVar
from uuid import UUID

from healthstore import catalogue
from healthstore.access.visibility import EVERYTHING, Visibility
from healthstore.api import SavedBatch, SavedItems, SaveInput, UUIDLike
from healthstore.api import TypeLike as TypeLike  # noqa: PLC0414 (store/ takes it from here)
from healthstore.catalogue import Kind, ObjectType
from healthstore.errors import HealthStoreError, InvalidArgument, ItemsRejected, NoData
from healthstore.model import (
    ActivitySummary,
    Changes,
    Sample,
    SaveResult,
    Source,
    SourceRevision,
    Workout,
)
from healthstore.query import predicates as p
from healthstore.query import stats_reader
from healthstore.query.calendar import Interval
from healthstore.query.live import ChangeHub, LiveQuery
from healthstore.query.reader import Reader, Scope
from healthstore.query.references import Found, Ref, refs_to
from healthstore.query.statistics import OptionsLike, Statistics
from healthstore.query.stats_reader import StatisticsReader
from healthstore.storage import characteristics, summaries
from healthstore.storage.backend import Backend
from healthstore.storage.dimensions import Dimensions
from healthstore.storage.writer import Writer
from healthstore.store.background import Background
from healthstore.store.locked import LockedWrites
from healthstore.times import to_micros, zone

OWNER_SOURCE = Source("org.healthstore.health", "Health")
OWNER_REVISION = SourceRevision(OWNER_SOURCE)


P = ParamSpec("P")
R = TypeVar("R")
V = TypeVar("V", bound="SampleView")


def serialized(method: Callable[Concatenate[V, P], R]) -> Callable[Concatenate[V, P], R]:
    """Run a view method holding the store's writer: threads of one process (a server's
    request handlers, the delivery worker) never interleave inside a write, so its
    queries, id caches and live-query updates stay consistent. Read doors use
    :func:`reading` instead."""

    @functools.wraps(method)
    def run(self: V, /, *args: P.args, **kwargs: P.kwargs) -> R:
        with self._backend.exclusive():
            return method(self, *args, **kwargs)

    return run


def reading(method: Callable[Concatenate[V, P], R]) -> Callable[Concatenate[V, P], R]:
    """Run a read door in one snapshot of the store without holding its writer: every
    query of the door sees one state, and the door answers while a writer waits (SQLite
    reads have connections of their own)."""

    @functools.wraps(method)
    def run(self: V, /, *args: P.args, **kwargs: P.kwargs) -> R:
        with self._backend.snapshot():
            return method(self, *args, **kwargs)

    return run


def now_us() -> int:
    return time.time_ns() // 1000


def sample_type(name: TypeLike) -> ObjectType:
    """A sample type by name; characteristics and activity summaries are refused."""
    t = catalogue.object_type(name)
    if not t.kind.is_sample:
        raise InvalidArgument(f"{t.short_name} is a {t.kind} type, not a sample type", field="type")
    return t


def sample_types(names: TypeLike | Iterable[TypeLike] | None) -> list[ObjectType]:
    """Sample types by name; None means every sample type."""
    if names is None:
        return [t for t in catalogue.all_types() if t.kind.is_sample]
    if isinstance(names, str | ObjectType):
        return [sample_type(names)]
    return [sample_type(n) for n in names]


def characteristic_type(name: TypeLike) -> ObjectType:
    t = catalogue.object_type(name)
    if t.kind is not Kind.characteristic:
        raise InvalidArgument(f"{t.short_name} is not a characteristic", field="type")
    return t


def window(
    predicate: p.Predicate | None, start: datetime | None, end: datetime | None
) -> p.Predicate | None:
    """``predicate`` narrowed to samples overlapping [start, end) when either is given."""
    if start is None and end is None:
        return predicate
    w = p.time_window(start, end)
    return w if predicate is None else p.And((w, predicate))


_ITEM = re.compile(r"^objects\[(\d+)\](?:\.(.*))?$")


def _refused_items(exc: HealthStoreError) -> dict[int, HealthStoreError]:
    """The objects an error refuses, by index in the batch (none: it is not about one)."""
    if isinstance(exc, ItemsRejected):
        return exc.items
    match = _ITEM.match(exc.field or "")
    return {int(match.group(1)): exc} if match else {}


def _relative(exc: HealthStoreError) -> HealthStoreError:
    """``exc`` with its message and field made relative to the object it refuses."""
    match = _ITEM.match(exc.field or "")
    if not match:
        return exc
    prefix = f"objects[{match.group(1)}]: "
    message = exc.message.removeprefix(prefix)
    out = type(exc)(message, field=match.group(2), code=exc.code)
    return out


def _batch(objects: SaveInput) -> list[Sample]:
    return [objects] if isinstance(objects, Sample) else list(objects)


class SampleView:
    """Reads and writes samples as one viewer (the person, or one app)."""

    def __init__(
        self,
        backend: Backend,
        dims: Dimensions,
        user_id: int,
        hub: ChangeHub,
        background: Background | None = None,
        locked_writes: LockedWrites | None = None,
    ) -> None:
        self.user_id = user_id
        self._backend = backend
        self._dims = dims
        self._hub = hub
        self._background = background
        self._locked_writes = locked_writes
        self._reader = Reader(backend, dims, user_id)
        self._writer = Writer(backend, dims, user_id)
        self._stats = StatisticsReader(self._reader)

    # --- hooks --------------------------------------------------------------------------
    def _visibility(self) -> Visibility:
        """What this viewer may see: the one rule every read door asks."""
        return EVERYTHING

    def _scope(self, types: Sequence[ObjectType]) -> Scope:
        """What this viewer may see of ``types``, for the query engines."""
        return self._visibility().scope()

    def _forced_source(self) -> Source | None:
        """The source every write is attributed to (None: the sample's own)."""
        return None

    def _check_write(self, objects: Sequence[Sample]) -> None:
        """Raise when the viewer may not write these objects."""

    def _record(self, operation: str, types: Iterable[ObjectType], count: int) -> None:
        """Note an operation in the audit log (the person's own use is not logged)."""

    def _actor(self) -> str:
        """Who writes: ``person``, or an app's bundle id."""
        return "person"

    def _check_write_offline(self, objects: Sequence[Sample]) -> None:
        """What can be checked of a write while the store is locked (no decisions to read)."""

    def _queue_if_locked(self, batch: list[Sample]) -> list[SaveResult] | None:
        """While the store is locked: seal the batch into the journal (results say
        ``queued``); otherwise None."""
        if self._locked_writes is None or not self._locked_writes.active:
            return None
        for i, obj in enumerate(batch):
            if not isinstance(obj, Sample):
                raise InvalidArgument(
                    f"objects[{i}] is a {type(obj).__name__}, not a sample", field=f"objects[{i}]"
                )
        self._check_write_offline(batch)
        return self._locked_writes.queue(self._actor(), batch)

    def _encode_anchor(self, anchor: int) -> int:
        return anchor

    def _decode_anchor(self, anchor: int | None) -> int | None:
        return anchor

    # --- writing ------------------------------------------------------------------------
    def save(self, objects: SaveInput) -> list[SaveResult]:
        """Save one sample or many, all-or-nothing. Saving a uuid again is a duplicate, not
        an error; sync identifiers replace older versions. Returns a result per object."""
        return self.save_batch(objects).results

    @serialized
    def save_batch(self, objects: SaveInput) -> SavedBatch:
        """:meth:`save`, also saying how many samples went in (correlation members count)."""
        batch = _batch(objects)
        queued = self._queue_if_locked(batch)
        if queued is not None:
            return SavedBatch(queued, 0)
        self._check_write(batch)
        return self._save_checked(batch)

    @serialized
    def save_each(self, objects: Iterable[Sample]) -> SavedItems:
        """Save what can be saved: each object is stored or refused on its own, so one bad
        object never takes the others down. Returns, per object, its result or the error
        that refused it (its field relative to the object), and how many samples went in."""
        batch = list(objects)
        queued = self._queue_if_locked(batch)
        if queued is not None:
            return SavedItems(list(queued), 0)
        outcomes: list[SaveResult | HealthStoreError | None] = [None] * len(batch)
        pending: list[int] = []
        for i, obj in enumerate(batch):
            try:
                self._check_write([obj])
                pending.append(i)
            except HealthStoreError as exc:
                outcomes[i] = _relative(exc)
        inserted = 0
        while pending:
            try:
                saved = self._save_checked([batch[i] for i in pending])
            except HealthStoreError as exc:
                refused = _refused_items(exc)
                if not refused:
                    raise
                for position, error in refused.items():
                    outcomes[pending[position]] = _relative(error)
                pending = [i for k, i in enumerate(pending) if k not in refused]
                continue
            for i, result in zip(pending, saved.results, strict=True):
                outcomes[i] = result
            inserted = saved.inserted
            break
        return SavedItems([o for o in outcomes if o is not None], inserted)

    def _save_checked(self, batch: list[Sample]) -> SavedBatch:
        now = now_us()
        with self._writing():
            results = self._writer.save(
                batch, now, default_source=OWNER_REVISION, forced_source=self._forced_source()
            )
            queued = self._announce(now)
        if queued:
            self._wake_deliveries()
        inserted = self._writer.inserted
        self._record("save", (s.type for s in batch), len(batch))
        if self._hub.active and batch:
            touched = [m for s in batch for m in (*getattr(s, "objects", ()), s)]
            types = {s.type for s in touched}
            if any(s.sync_identifier is not None for s in touched):
                self._hub.notify(types)  # a replaced version may lie anywhere in time
            else:
                self._hub.notify(
                    types,
                    min(to_micros(s.start) for s in touched),
                    max(to_micros(s.end) for s in touched),
                )
        return SavedBatch(results, inserted)

    @serialized
    def delete(
        self,
        objects: Sample | Iterable[UUIDLike] | None = None,
        *,
        type: TypeLike | Iterable[TypeLike] | None = None,
        predicate: p.Predicate | None = None,
        source: str | Source | None = None,
    ) -> int:
        """Delete samples (objects or uuids), or every sample of ``type`` matching
        ``predicate``. Leaves tombstones for the change feed; returns how many were deleted
        (members of deleted correlations included). A uuid names a sample within its
        source: ``source`` says whose when several sources saved that uuid."""
        if objects is not None:
            if type is not None or predicate is not None:
                raise InvalidArgument(
                    "delete takes objects, or a type and predicate, not both", field="objects"
                )
            items = [objects] if isinstance(objects, Sample) else list(objects)
            types = sample_types(None)
            found = self._deletable(self._refs(items, source), types)
            anchors = [f.anchor for f in found if f is not None]
        else:
            if type is None:
                raise InvalidArgument(
                    "delete needs objects, or a type (and predicate)", field="type"
                )
            types = sample_types(type)
            anchors = self._reader.anchors(types, predicate, self._delete_scope(types))
        now = now_us()
        with self._writing():
            deleted = self._writer.delete_anchors(anchors, now)
            queued = self._announce(now)
        if queued:
            self._wake_deliveries()
        if deleted and self._hub.active:
            self._hub.notify(types)
        self._record("delete", types if type is not None else (), deleted)
        return deleted

    @contextmanager
    def _writing(self) -> Iterator[None]:
        """A write transaction; on failure the id caches forget what was rolled back."""
        try:
            with self._backend.transaction():
                yield
        except BaseException:
            self._dims.reset()
            raise

    def _announce(self, now: int) -> bool:
        """Queue webhook notifications for what the last write changed (inside its
        transaction)."""
        if self._background is None or not self._writer.touched:
            return False
        return self._background.announce(self._writer.touched, now)

    def _wake_deliveries(self) -> None:
        if self._background is not None:
            self._background.wake()

    def _delete_scope(self, types: Sequence[ObjectType]) -> Scope:
        """What this viewer may delete of ``types``."""
        return self._scope(types)

    def _deletable(self, refs: Sequence[Ref], types: Sequence[ObjectType]) -> list[Found | None]:
        """The sample each reference names that this viewer may delete (None: none)."""
        return self._reader.resolve(refs, self._delete_scope(types))

    def _refs(self, items: Iterable[UUIDLike], source: str | Source | None) -> list[Ref]:
        """References to samples given as objects or uuids (an app's objects carry no
        source of their own: its writes are always its own)."""
        return refs_to(items, source, objects_name_source=self._forced_source() is None)

    # --- reading ------------------------------------------------------------------------
    @reading
    def samples(
        self,
        type: TypeLike | Iterable[TypeLike],
        predicate: p.Predicate | None = None,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
        sort: str | Sequence[str] | None = None,
        limit: int = 0,
        offset: int = 0,
    ) -> list[Sample]:
        """Samples of a type (or several) matching ``predicate`` and overlapping
        [start, end); sorted by ``sort`` (``start``, ``-end``, ``duration``…); ``limit`` 0
        means no limit; ``offset`` skips that many first."""
        types = sample_types(type)
        found = self._reader.samples(
            types,
            window(predicate, start, end),
            sort=sort,
            limit=limit,
            scope=self._scope(types),
            offset=offset,
        )
        self._record("read.samples", types, len(found))
        return found

    @reading
    def changes(
        self,
        types: TypeLike | Iterable[TypeLike] | None = None,
        anchor: int | None = None,
        limit: int = 0,
        *,
        predicate: p.Predicate | None = None,
    ) -> Changes:
        """The change feed: samples added and objects deleted after ``anchor`` (None: from
        the beginning), and the anchor to continue from."""
        wanted = sample_types(types)
        found = self._reader.changes(
            wanted, self._decode_anchor(anchor), limit, predicate, scope=self._scope(wanted)
        )
        seen = wanted if types is not None else {x.type for x in found.added}
        self._record("read.changes", seen, len(found.added))
        return Changes(found.added, found.deleted, self._encode_anchor(found.anchor))

    @reading
    def sources(
        self, type: TypeLike | Iterable[TypeLike], predicate: p.Predicate | None = None
    ) -> list[Source]:
        """The sources with samples of ``type`` matching ``predicate``."""
        types = sample_types(type)
        found = self._reader.sources(types, predicate, scope=self._scope(types))
        self._record("read.sources", types, len(found))
        return found

    # --- statistics ---------------------------------------------------------------------
    @reading
    def statistics(
        self,
        type: TypeLike,
        *,
        start: datetime,
        end: datetime,
        options: OptionsLike,
        predicate: p.Predicate | None = None,
        unit: str | None = None,
    ) -> Statistics:
        """Statistics of ``type`` over [start, end): ``options`` names them (cumulativeSum,
        discreteAverage, discreteMin, discreteMax, mostRecent, duration, separateBySource).
        Sums merge sources by priority, so a phone and a watch are never counted twice.
        Values are in ``unit``, by default the type's display unit."""
        t = sample_type(type)
        (result,) = self._answer(stats_reader.single(t, start, end, options, predicate, unit))
        self._record("read.statistics", [t], len(result.sources))
        return result

    @reading
    def statistics_collection(
        self,
        type: TypeLike,
        *,
        anchor: datetime,
        interval: str | Interval | timedelta,
        start: datetime,
        end: datetime,
        options: OptionsLike,
        tz: str | tzinfo | None = None,
        predicate: p.Predicate | None = None,
        unit: str | None = None,
    ) -> list[Statistics]:
        """Statistics per calendar bucket (``interval`` such as ``"1d"``, ``"1h"``,
        ``"1w"``, ``"1mo"``) anchored at ``anchor`` in time zone ``tz`` (default: the
        anchor's), for every bucket covering [start, end) — empty ones included. Values are
        in ``unit``, by default the type's display unit."""
        request = self._collection_request(
            type, anchor, interval, start, end, options, tz, predicate, unit
        )
        found = self._answer(request)
        self._record("read.statistics", [request.type], sum(1 for r in found if r.has_data))
        return found

    @serialized
    def live_statistics_collection(
        self,
        type: TypeLike,
        handler: Callable[[list[Statistics]], None],
        *,
        anchor: datetime,
        interval: str | Interval | timedelta,
        start: datetime,
        end: datetime,
        options: OptionsLike,
        tz: str | tzinfo | None = None,
        predicate: p.Predicate | None = None,
        unit: str | None = None,
    ) -> LiveQuery:
        """A statistics collection that stays current: ``handler`` receives the buckets
        whose values change after each save or delete touching them. ``.results`` holds
        every bucket; ``.stop()`` ends it."""
        request = self._collection_request(
            type, anchor, interval, start, end, options, tz, predicate, unit
        )
        self._record("read.statistics.live", [request.type], 0)
        return LiveQuery(self._hub, request, self._answer, handler)

    def _collection_request(
        self,
        type: TypeLike,
        anchor: datetime,
        interval: str | Interval | timedelta,
        start: datetime,
        end: datetime,
        options: OptionsLike,
        tz: str | tzinfo | None,
        predicate: p.Predicate | None,
        unit: str | None = None,
    ) -> stats_reader.Request:
        zone_info = zone(tz) if isinstance(tz, str) else tz
        return stats_reader.collection(
            sample_type(type), anchor, interval, start, end, options, zone_info, predicate, unit
        )

    def _answer(self, request: stats_reader.Request) -> list[Statistics]:
        return self._stats.answer(request, self._scope([request.type]))

    @reading
    def source_priority(self, type: TypeLike) -> list[Source]:
        """The order in which sources count when statistics merge them (first wins)."""
        t = sample_type(type)
        scope = self._scope([t])
        visible = {s.bundle_id for s in self._reader.sources([t], None, scope)}
        order = [self._dims.source(i) for i in self._stats.priority(t)]
        return [s for s in order if s.bundle_id in visible]

    # --- workouts -----------------------------------------------------------------------
    @serialized
    def add_to_workout(
        self,
        workout: Workout | UUID | str,
        samples: Iterable[UUIDLike],
        *,
        source: str | Source | None = None,
    ) -> None:
        """Associate saved samples with a saved workout (``source``: whose, for uuids that
        several sources saved)."""
        workout_type = catalogue.object_type("workout")
        (ref,) = self._refs([workout], source)
        (target,) = self._deletable([ref], [workout_type])
        if target is None or target.type_id != self._dims.known_type_id(workout_type):
            raise InvalidArgument(f"workout {ref.uuid} is not saved", field="workout")
        refs = self._refs(samples, source)
        found = self._reader.resolve(refs, self._scope(sample_types(None)), "samples")
        missing = [str(r.uuid) for r, f in zip(refs, found, strict=True) if f is None]
        if missing:
            raise InvalidArgument(f"samples not saved: {', '.join(missing[:5])}", field="samples")
        anchors = list(dict.fromkeys(f.anchor for f in found if f is not None))
        self._writer.associate(target.anchor, anchors)
        self._record("save.workout_samples", [workout_type], len(anchors))

    @reading
    def workout_samples(
        self,
        workout: Workout | UUID | str,
        type: TypeLike | Iterable[TypeLike] | None = None,
        *,
        sort: str | Sequence[str] | None = None,
        source: str | Source | None = None,
    ) -> list[Sample]:
        """The samples associated with a workout (of ``type``, or of every type);
        ``source`` says whose workout when several sources saved its uuid."""
        types = sample_types(type)
        (ref,) = self._refs([workout], source)
        found = self._reader.samples(
            types, p.in_workout(ref.uuid, ref.source), sort=sort, scope=self._scope(types)
        )
        self._record("read.workout_samples", types if type is not None else (), len(found))
        return found

    # --- activity summaries ---------------------------------------------------------------
    @reading
    def activity_summaries(self, start: date, end: date) -> list[ActivitySummary]:
        """The daily activity rings of the days from ``start`` to ``end`` (both included)."""
        t = catalogue.object_type("activitySummary")
        found = []
        visibility = self._visibility()
        if visibility.may_read(self._dims.known_type_id(t)):  # refused: nothing is read
            found = summaries.read(self._backend, self.user_id, visibility.first_day(start), end)
        self._record("read.activity_summaries", [t], len(found))
        return found

    # --- characteristics ----------------------------------------------------------------

    @reading
    def characteristic(self, type: TypeLike) -> int | date:
        """A characteristic's value: the raw enum value (0 is notSet) or, for dateOfBirth,
        a date. An unset dateOfBirth raises NoData."""
        t = characteristic_type(type)
        self._record("read.characteristic", [t], 1)
        type_id = self._dims.known_type_id(t)
        stored = None
        if type_id is not None and self._visibility().may_read(type_id):  # has no date
            stored = characteristics.read(self._backend, self.user_id, type_id)
        if stored is None:
            if t.value_enum is None:
                raise NoData(f"{t.short_name} is not set", field="type")
            return 0
        value = json.loads(stored)
        return date.fromisoformat(value) if t.value_enum is None else int(value)
