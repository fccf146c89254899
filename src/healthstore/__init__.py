"""healthstore: an open, self-hostable health data store with the semantics of HealthKit.

::

    from datetime import datetime, timedelta, timezone
    from healthstore import HealthStore, Quantity, QuantitySample, Source

    store = HealthStore.create("my-health")
    now = datetime.now(timezone.utc)
    store.save(QuantitySample("stepCount", Quantity(1200, "count"), now - timedelta(hours=1), now,
                              source=Source("com.example.pedometer", "Pedometer")))
    store.samples("stepCount", start=now - timedelta(days=1), end=now)
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# The public names, by the module each lives in: the one list. ``__all__`` and the lazy
# look-up below are made from it; the imports for type checkers under TYPE_CHECKING repeat
# it for mypy, and tests/test_exported_members.py checks that they agree.
_PUBLIC: dict[str, tuple[str, ...]] = {
    "healthstore.store.app": ("AppStore",),
    "healthstore.errors": ("ErrorCode", "HealthStoreError"),
    "healthstore.model": (
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
        "Workout",
        "WorkoutActivity",
        "WorkoutEvent",
        "WorkoutStatistics",
    ),
    "healthstore.query": ("predicates",),
    "healthstore.records": (
        "Audiogram",
        "AudiogramPoint",
        "CDADocument",
        "ClinicalRecord",
        "Electrocardiogram",
        "Heartbeat",
        "HeartbeatSeries",
        "Location",
        "ScoredAssessment",
        "StateOfMind",
        "VerifiableClinicalRecord",
        "VisionPrescription",
        "WorkoutRoute",
    ),
    "healthstore.store": ("HealthStore",),
    "healthstore.units": ("Quantity", "Unit"),
}

_HOMES = {name: home for home, names in _PUBLIC.items() for name in names}
"""Public name -> the module it lives in (imported when the name is first used)."""

__all__ = ["__version__", *_HOMES]  # noqa: PLE0604 (made from the one table)

if TYPE_CHECKING:  # the same names, spelled out for type checkers (``as``: re-exported)
    from healthstore.errors import ErrorCode as ErrorCode
    from healthstore.errors import HealthStoreError as HealthStoreError
    from healthstore.model import ActivitySummary as ActivitySummary
    from healthstore.model import CategorySample as CategorySample
    from healthstore.model import Changes as Changes
    from healthstore.model import Correlation as Correlation
    from healthstore.model import DeletedObject as DeletedObject
    from healthstore.model import Device as Device
    from healthstore.model import QuantitySample as QuantitySample
    from healthstore.model import Sample as Sample
    from healthstore.model import SaveResult as SaveResult
    from healthstore.model import SaveStatus as SaveStatus
    from healthstore.model import Source as Source
    from healthstore.model import SourceRevision as SourceRevision
    from healthstore.model import Workout as Workout
    from healthstore.model import WorkoutActivity as WorkoutActivity
    from healthstore.model import WorkoutEvent as WorkoutEvent
    from healthstore.model import WorkoutStatistics as WorkoutStatistics
    from healthstore.query import predicates as predicates
    from healthstore.records import Audiogram as Audiogram
    from healthstore.records import AudiogramPoint as AudiogramPoint
    from healthstore.records import CDADocument as CDADocument
    from healthstore.records import ClinicalRecord as ClinicalRecord
    from healthstore.records import Electrocardiogram as Electrocardiogram
    from healthstore.records import Heartbeat as Heartbeat
    from healthstore.records import HeartbeatSeries as HeartbeatSeries
    from healthstore.records import Location as Location
    from healthstore.records import ScoredAssessment as ScoredAssessment
    from healthstore.records import StateOfMind as StateOfMind
    from healthstore.records import VerifiableClinicalRecord as VerifiableClinicalRecord
    from healthstore.records import VisionPrescription as VisionPrescription
    from healthstore.records import WorkoutRoute as WorkoutRoute
    from healthstore.store import HealthStore as HealthStore
    from healthstore.store.app import AppStore as AppStore
    from healthstore.units import Quantity as Quantity
    from healthstore.units import Unit as Unit


def __getattr__(name: str) -> Any:
    """The public names, imported on first use: ``import healthstore`` stays light, so a
    helper process that needs only the Apple export reader does not load the whole store."""
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'healthstore' has no attribute {name!r}")
    module = importlib.import_module(home)
    value = getattr(module, name, None)
    if value is None:  # a submodule (predicates)
        value = importlib.import_module(f"{home}.{name}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_HOMES})
