"""``HealthStore``: the person's own view of their store (every sample, every source).

A store is a directory::

    DIR/store.json      format marker: {"format": "healthstore", "version": 1, "backend": "sqlite"}
    DIR/healthstore.db  the SQLite database

``HealthStore.create(DIR)`` makes one, ``HealthStore.open(DIR)`` opens it.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from pathlib import Path
from types import TracebackType
from typing import Any
from uuid import UUID

from healthstore import catalogue
from healthstore.catalogue import Kind, ObjectType
from healthstore.errors import DatabaseInaccessible, InvalidArgument, NoData
from healthstore.model import (
    Changes,
    Sample,
    SaveResult,
    Source,
    SourceRevision,
    Workout,
)
from healthstore.query import predicates as p
from healthstore.query.reader import EVERYTHING, Reader, Scope
from healthstore.storage.backend import Backend
from healthstore.storage.dimensions import Dimensions
from healthstore.storage.sqlite import SQLiteBackend
from healthstore.storage.writer import Writer

FORMAT_FILE = "store.json"
DATABASE_FILE = "healthstore.db"
FORMAT_VERSION = 1
OWNER_SOURCE = Source("org.healthstore.health", "Health")
OWNER_REVISION = SourceRevision(OWNER_SOURCE)

TypeLike = str | ObjectType
SaveInput = Sample | Iterable[Sample]


def _now_us() -> int:
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


def window(
    predicate: p.Predicate | None, start: datetime | None, end: datetime | None
) -> p.Predicate | None:
    """``predicate`` narrowed to samples overlapping [start, end) when either is given."""
    if start is None and end is None:
        return predicate
    w = p.time_window(start, end)
    return w if predicate is None else p.And((w, predicate))


class HealthStore:
    """The person's store: reads and writes everything, sets characteristics."""

    def __init__(self, backend: Backend, directory: Path | None = None, user_id: int = 1) -> None:
        self.directory = directory
        self.user_id = user_id
        self._backend = backend
        self._dims = Dimensions(backend, user_id)
        self._reader = Reader(backend, self._dims, user_id)
        self._writer = Writer(backend, self._dims, user_id)

    # --- lifecycle ----------------------------------------------------------------------
    @classmethod
    def create(cls, directory: str | Path, *, exist_ok: bool = False) -> HealthStore:
        """Create a store in ``directory`` (made if missing). With ``exist_ok``, an existing
        store there is opened instead of refused."""
        path = Path(directory)
        if (path / FORMAT_FILE).exists():
            if exist_ok:
                return cls.open(path)
            raise InvalidArgument(f"a store already exists at {path}", field="directory")
        if path.exists() and any(path.iterdir()):
            raise InvalidArgument(
                f"{path} is not empty and holds no store; choose an empty directory",
                field="directory",
            )
        path.mkdir(parents=True, exist_ok=True)
        backend = SQLiteBackend(path / DATABASE_FILE, create=True)
        marker = {"format": "healthstore", "version": FORMAT_VERSION, "backend": "sqlite"}
        (path / FORMAT_FILE).write_text(json.dumps(marker, indent=2) + "\n", "utf-8")
        return cls(backend, path)

    @classmethod
    def open(cls, directory: str | Path) -> HealthStore:
        """Open the store in ``directory``."""
        path = Path(directory)
        try:
            marker = json.loads((path / FORMAT_FILE).read_text("utf-8"))
        except FileNotFoundError:
            raise DatabaseInaccessible(
                f"no healthstore at {path} (create one with `healthstore init {path}`)",
                field="directory",
            ) from None
        except (OSError, ValueError) as exc:
            raise DatabaseInaccessible(f"cannot read {path / FORMAT_FILE}: {exc}") from None
        if marker.get("format") != "healthstore" or marker.get("version") != FORMAT_VERSION:
            raise DatabaseInaccessible(
                f"{path / FORMAT_FILE} does not describe a healthstore of format {FORMAT_VERSION}",
                field="directory",
            )
        return cls(SQLiteBackend(path / DATABASE_FILE), path)

    def close(self) -> None:
        self._backend.close()

    def __enter__(self) -> HealthStore:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # --- writing ------------------------------------------------------------------------
    def _forced_source(self) -> SourceRevision | None:
        """The source every write is attributed to, whatever the sample says (None: the
        sample's own)."""
        return None

    def _scope(self) -> Scope:
        return EVERYTHING

    def _check_writable(self, objects: Sequence[Sample]) -> None:
        """The person may write every sample type."""

    def save(self, objects: SaveInput) -> list[SaveResult]:
        """Save one sample or many, all-or-nothing. Saving a uuid again is a duplicate, not
        an error; sync identifiers replace older versions. Returns a result per object."""
        batch = [objects] if isinstance(objects, Sample) else list(objects)
        self._check_writable(batch)
        return self._writer.save(
            batch,
            _now_us(),
            default_source=OWNER_REVISION,
            forced_source=self._forced_source(),
        )

    def delete(
        self,
        objects: Sample | Iterable[Sample | UUID | str] | None = None,
        *,
        type: TypeLike | Iterable[TypeLike] | None = None,
        predicate: p.Predicate | None = None,
    ) -> int:
        """Delete samples (objects or uuids), or every sample of ``type`` matching
        ``predicate``. Leaves tombstones for the change feed; returns how many were deleted
        (members of deleted correlations included)."""
        scope = self._scope()
        if objects is not None:
            if type is not None or predicate is not None:
                raise InvalidArgument(
                    "delete takes objects, or a type and predicate, not both", field="objects"
                )
            items = [objects] if isinstance(objects, Sample) else list(objects)
            uuids = [_as_uuid(o, i) for i, o in enumerate(items)]
            anchors = list(self._reader.anchors_of(uuids, scope).values())
        else:
            if type is None:
                raise InvalidArgument(
                    "delete needs objects, or a type (and predicate)", field="type"
                )
            anchors = self._reader.anchors(sample_types(type), predicate, scope)
        return self._writer.delete_anchors(anchors, _now_us())

    # --- reading ------------------------------------------------------------------------
    def samples(
        self,
        type: TypeLike | Iterable[TypeLike],
        predicate: p.Predicate | None = None,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
        sort: str | Sequence[str] | None = None,
        limit: int = 0,
    ) -> list[Sample]:
        """Samples of a type (or several) matching ``predicate`` and overlapping
        [start, end); sorted by ``sort`` (``start``, ``-end``, ``duration``…); ``limit`` 0
        means no limit."""
        return self._reader.samples(
            sample_types(type),
            window(predicate, start, end),
            sort=sort,
            limit=limit,
            scope=self._scope(),
        )

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
        return self._reader.changes(
            sample_types(types), anchor, limit, predicate, scope=self._scope()
        )

    def sources(
        self, type: TypeLike | Iterable[TypeLike], predicate: p.Predicate | None = None
    ) -> list[Source]:
        """The sources with samples of ``type`` matching ``predicate``."""
        return self._reader.sources(sample_types(type), predicate, scope=self._scope())

    # --- workouts and correlations ------------------------------------------------------
    def add_to_workout(
        self, workout: Workout | UUID | str, samples: Iterable[Sample | UUID | str]
    ) -> None:
        """Associate saved samples with a saved workout."""
        scope = self._scope()
        workout_uuid = _as_uuid(workout, 0)
        found = self._reader.anchors_of([workout_uuid], scope)
        if workout_uuid not in found:
            raise InvalidArgument(f"workout {workout_uuid} is not saved", field="workout")
        wanted = [_as_uuid(s, i) for i, s in enumerate(samples)]
        anchors = self._reader.anchors_of(wanted, scope)
        missing = [str(u) for u in wanted if u not in anchors]
        if missing:
            raise InvalidArgument(f"samples not saved: {', '.join(missing[:5])}", field="samples")
        self._writer.associate(found[workout_uuid], list(anchors.values()))

    def workout_samples(
        self,
        workout: Workout | UUID | str,
        type: TypeLike | Iterable[TypeLike] | None = None,
        *,
        sort: str | Sequence[str] | None = None,
    ) -> list[Sample]:
        """The samples associated with a workout (of ``type``, or of every type)."""
        return self._reader.samples(
            sample_types(type), p.in_workout(_as_uuid(workout, 0)), sort=sort, scope=self._scope()
        )

    # --- characteristics ----------------------------------------------------------------
    def characteristic(self, type: TypeLike) -> int | date:
        """A characteristic's value: the raw enum value (0 is notSet) or, for dateOfBirth,
        a date. An unset dateOfBirth raises NoData."""
        t = _characteristic(type)
        type_id = self._dims.known_type_id(t)
        rows = (
            []
            if type_id is None
            else self._backend.query(
                "SELECT value FROM characteristics WHERE user_id = ? AND type_id = ?",
                (self.user_id, type_id),
            )
        )
        if not rows:
            if t.value_enum is None:
                raise NoData(f"{t.short_name} is not set", field="type")
            return 0
        value = json.loads(rows[0][0])
        return date.fromisoformat(value) if t.value_enum is None else int(value)

    def set_characteristic(self, type: TypeLike, value: int | str | date | None) -> None:
        """Set (or with None, clear) a characteristic. Only the person can."""
        t = _characteristic(type)
        if value is None:
            stored = None
        elif t.value_enum is None:
            if not isinstance(value, date) or isinstance(value, datetime):
                raise InvalidArgument(f"{t.short_name} takes a date", field="value")
            stored = json.dumps(value.isoformat())
        else:
            if isinstance(value, date):
                raise InvalidArgument(f"{t.short_name} takes a {t.value_enum.name}", field="value")
            stored = json.dumps(t.value_enum.parse(value))
        with self._backend.transaction():
            type_id = self._dims.type_id(t)
            self._backend.execute(
                "DELETE FROM characteristics WHERE user_id = ? AND type_id = ?",
                (self.user_id, type_id),
            )
            if stored is not None:
                self._backend.execute(
                    "INSERT INTO characteristics (user_id, type_id, value) VALUES (?, ?, ?)",
                    (self.user_id, type_id, stored),
                )

    # --- summary ------------------------------------------------------------------------
    def summary(self) -> list[dict[str, Any]]:
        """Per type: how many samples, from when to when, from how many sources."""
        rows = self._backend.query(
            "SELECT type_id, COUNT(*), MIN(start_us), MAX(end_us), COUNT(DISTINCT source_id) "
            "FROM samples WHERE user_id = ? GROUP BY type_id",
            (self.user_id,),
        )
        from healthstore.times import from_micros

        out = [
            {
                "type": self._dims.object_type(type_id).short_name,
                "count": count,
                "first": from_micros(first),
                "last": from_micros(last),
                "sources": sources,
            }
            for type_id, count, first, last, sources in rows
        ]
        return sorted(out, key=lambda r: str(r["type"]))


def _characteristic(name: TypeLike) -> ObjectType:
    t = catalogue.object_type(name)
    if t.kind is not Kind.characteristic:
        raise InvalidArgument(f"{t.short_name} is not a characteristic", field="type")
    return t


def _as_uuid(value: Sample | UUID | str, index: int) -> UUID:
    if isinstance(value, Sample):
        return value.uuid
    if isinstance(value, UUID):
        return value
    try:
        return UUID(str(value))
    except ValueError:
        raise InvalidArgument(
            f"objects[{index}]: {value!r} is not a UUID", field=f"objects[{index}]"
        ) from None
