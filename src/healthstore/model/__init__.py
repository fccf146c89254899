"""Samples, sources and devices: immutable, validated at construction, no I/O.

One module an idea: :mod:`~healthstore.model.identity` (uuids),
:mod:`~healthstore.model.sources`, :mod:`~healthstore.model.sample` (what every sample has),
:mod:`~healthstore.model.measures` (quantities and categories),
:mod:`~healthstore.model.workouts`, :mod:`~healthstore.model.correlation`,
:mod:`~healthstore.model.results` (what saves and change feeds answer) and
:mod:`~healthstore.model.activity_summary`. The payload kinds (routes, ECGs, clinical
records…) are in :mod:`healthstore.records`, a layer above.
"""

from healthstore.model.activity_summary import ActivitySummary
from healthstore.model.correlation import Correlation
from healthstore.model.identity import UUIDLike, new_uuid, stable_uuid, stable_uuid_bytes
from healthstore.model.measures import CategorySample, QuantitySample
from healthstore.model.results import Changes, DeletedObject, SaveResult, SaveStatus
from healthstore.model.sample import Sample
from healthstore.model.sources import Device, Source, SourceRevision
from healthstore.model.workouts import Workout, WorkoutActivity, WorkoutEvent, WorkoutStatistics

__all__ = [
    "ActivitySummary",
    "CategorySample",
    "Changes",
    "Correlation",
    "DeletedObject",
    "Device",
    "QuantitySample",
    "Sample",
    "SaveResult",
    "SaveStatus",
    "Source",
    "SourceRevision",
    "UUIDLike",
    "Workout",
    "WorkoutActivity",
    "WorkoutEvent",
    "WorkoutStatistics",
    "new_uuid",
    "stable_uuid",
    "stable_uuid_bytes",
]
