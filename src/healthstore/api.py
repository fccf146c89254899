"""One interface for an app's store, in the library and over HTTP.

:class:`AppAPI` is what an app may call: :class:`~healthstore.store.app.AppStore` (the
library) and :class:`~healthstore.client.HealthClient` (HTTP) both declare it, so mypy proves
their methods agree and an app's code runs against either. The module also holds the values
the interface speaks: those only it uses are defined here, those lower layers make
(statistics, observers, authorization statuses, intervals, predicates) are named here from
their light homes. Importing it loads neither the store, its storage nor NumPy.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from typing import Protocol
from uuid import UUID

from healthstore.authorization import AuthorizationStatus, RequestStatus
from healthstore.catalogue import ObjectType, object_type
from healthstore.delivery.observer_view import Observer
from healthstore.errors import HealthStoreError
from healthstore.model import ActivitySummary, Changes, Sample, SaveResult, Source, Workout
from healthstore.query.calendar import Interval
from healthstore.query.predicates import Predicate
from healthstore.query.statistics_values import (
    OptionsLike,
    Statistics,
    StatisticsOptions,
    parse_options,
)

__all__ = [
    "AppAPI",
    "AuthorizationStatus",
    "Interval",
    "LiveCollection",
    "Observer",
    "OptionsLike",
    "Predicate",
    "RequestStatus",
    "SaveInput",
    "SavedBatch",
    "SavedItems",
    "Statistics",
    "StatisticsOptions",
    "TypeLike",
    "UUIDLike",
    "WorkoutLike",
    "object_type",
    "parse_options",
]

TypeLike = str | ObjectType
"""A type by name (``"stepCount"``, ``"HKQuantityTypeIdentifierStepCount"``) or itself."""
SaveInput = Sample | Iterable[Sample]
"""One sample, or many."""
UUIDLike = Sample | UUID | str
"""A saved object, or its uuid."""
WorkoutLike = Workout | UUID | str
"""A saved workout, or its uuid."""


@dataclass(frozen=True)
class SavedBatch:
    """What a batch save did: a result per object, and how many samples were stored."""

    results: list[SaveResult]
    inserted: int


@dataclass(frozen=True)
class SavedItems:
    """What a lenient batch save did: per object its result or the error refusing it."""

    results: list[SaveResult | HealthStoreError]
    inserted: int

    @property
    def rejected(self) -> int:
        return sum(1 for r in self.results if isinstance(r, HealthStoreError))


class LiveCollection(Protocol):
    """A statistics collection kept current: ``results`` holds every bucket."""

    @property
    def results(self) -> list[Statistics]: ...

    def stop(self) -> None:
        """No more updates."""
        ...


class AppAPI(Protocol):
    """What one app may do with the person's store (HealthKit's HKHealthStore, for an app).

    Reads show only what the person allowed the app to read (and what it wrote itself);
    writes need the person's leave to share each type and are attributed to the app.
    """

    @property
    def bundle_id(self) -> str:
        """The app's bundle identifier."""
        ...

    # --- authorization ------------------------------------------------------------------
    def request_authorization(
        self, share: Iterable[TypeLike] = (), read: Iterable[TypeLike] = ()
    ) -> None:
        """Ask to write ``share`` and read ``read``; the person answers later, type by type."""
        ...

    def authorization_status(self, type: TypeLike) -> AuthorizationStatus:
        """Whether the app may write ``type``; says nothing about reading."""
        ...

    def request_status(
        self, share: Iterable[TypeLike] = (), read: Iterable[TypeLike] = ()
    ) -> RequestStatus:
        """``shouldRequest`` while any of the types was never asked for."""
        ...

    def history_authorized(self) -> bool:
        """Whether the person let the app read data older than the history limit (30 days
        before it was first let read); what it wrote itself it always reads."""
        ...

    # --- writing ------------------------------------------------------------------------
    def save(self, objects: SaveInput) -> list[SaveResult]:
        """Save all-or-nothing; a result per object."""
        ...

    def save_batch(self, objects: SaveInput) -> SavedBatch:
        """:meth:`save`, also saying how many samples went in."""
        ...

    def save_each(self, objects: Iterable[Sample]) -> SavedItems:
        """Each object stored or refused on its own."""
        ...

    def delete(
        self,
        objects: Sample | Iterable[UUIDLike] | None = None,
        *,
        type: TypeLike | Iterable[TypeLike] | None = None,
        predicate: Predicate | None = None,
    ) -> int:
        """Delete the app's own samples (objects or uuids), or those of ``type`` matching
        ``predicate``; how many were deleted."""
        ...

    # --- reading ------------------------------------------------------------------------
    def samples(
        self,
        type: TypeLike | Iterable[TypeLike],
        predicate: Predicate | None = None,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
        sort: str | Sequence[str] | None = None,
        limit: int = 0,
        offset: int = 0,
    ) -> list[Sample]:
        """Samples of ``type`` matching ``predicate`` and overlapping [start, end)."""
        ...

    def changes(
        self,
        types: TypeLike | Iterable[TypeLike] | None = None,
        anchor: int | None = None,
        limit: int = 0,
        *,
        predicate: Predicate | None = None,
    ) -> Changes:
        """Samples added and objects deleted after ``anchor``, and the anchor to go on from."""
        ...

    def sources(
        self, type: TypeLike | Iterable[TypeLike], predicate: Predicate | None = None
    ) -> list[Source]:
        """The sources with samples of ``type`` matching ``predicate``."""
        ...

    def source_priority(self, type: TypeLike) -> list[Source]:
        """The order in which sources count when statistics merge them."""
        ...

    # --- statistics ---------------------------------------------------------------------
    def statistics(
        self,
        type: TypeLike,
        *,
        start: datetime,
        end: datetime,
        options: OptionsLike,
        predicate: Predicate | None = None,
        unit: str | None = None,
    ) -> Statistics:
        """Statistics of ``type`` over [start, end), sources merged by priority."""
        ...

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
        predicate: Predicate | None = None,
        unit: str | None = None,
    ) -> list[Statistics]:
        """Statistics per calendar bucket covering [start, end), empty ones included."""
        ...

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
        predicate: Predicate | None = None,
        unit: str | None = None,
    ) -> LiveCollection:
        """:meth:`statistics_collection` kept current: ``handler`` gets changed buckets."""
        ...

    # --- workouts, summaries, characteristics -------------------------------------------
    def add_to_workout(self, workout: WorkoutLike, samples: Iterable[UUIDLike]) -> None:
        """Associate saved samples with a saved workout."""
        ...

    def workout_samples(
        self,
        workout: WorkoutLike,
        type: TypeLike | Iterable[TypeLike] | None = None,
        *,
        sort: str | Sequence[str] | None = None,
    ) -> list[Sample]:
        """The samples associated with a workout."""
        ...

    def activity_summaries(self, start: date, end: date) -> list[ActivitySummary]:
        """The activity rings of the days from ``start`` to ``end`` (both included)."""
        ...

    def characteristic(self, type: TypeLike) -> int | date:
        """A characteristic's value (an enum's raw value, or dateOfBirth's date)."""
        ...

    # --- background delivery ------------------------------------------------------------
    def add_observer(self, type: TypeLike, url: str, frequency: str = "immediate") -> Observer:
        """Be told by webhook when samples of ``type`` change."""
        ...

    def observers(self) -> list[Observer]:
        """The app's observers."""
        ...

    def remove_observer(self, observer_id: str) -> None:
        """Stop an observer."""
        ...

    def acknowledge_observer(self, observer_id: str) -> Observer:
        """Say the deliveries so far are handled; a paused observer runs again."""
        ...
