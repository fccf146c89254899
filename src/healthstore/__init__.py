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

if TYPE_CHECKING:
    from healthstore.errors import ErrorCode, HealthStoreError
    from healthstore.model import (
        ActivitySummary,
        CategorySample,
        Changes,
        Correlation,
        DeletedObject,
        Device,
        QuantitySample,
        Sample,
        SaveResult,
        SaveStatus,
        Source,
        SourceRevision,
        Workout,
        WorkoutActivity,
        WorkoutEvent,
        WorkoutStatistics,
    )
    from healthstore.query import predicates
    from healthstore.records import (
        Audiogram,
        AudiogramPoint,
        CDADocument,
        ClinicalRecord,
        Electrocardiogram,
        Heartbeat,
        HeartbeatSeries,
        Location,
        ScoredAssessment,
        StateOfMind,
        VerifiableClinicalRecord,
        VisionPrescription,
        WorkoutRoute,
    )
    from healthstore.store import HealthStore
    from healthstore.store.app import AppStore
    from healthstore.units import Quantity, Unit

__version__ = "0.1.0"

_HOMES = {  # public name -> the module it lives in (imported when first used)
    "AppStore": "healthstore.store.app",
    "ErrorCode": "healthstore.errors",
    "HealthStoreError": "healthstore.errors",
    "ActivitySummary": "healthstore.model",
    "CategorySample": "healthstore.model",
    "Changes": "healthstore.model",
    "Correlation": "healthstore.model",
    "DeletedObject": "healthstore.model",
    "Device": "healthstore.model",
    "QuantitySample": "healthstore.model",
    "Sample": "healthstore.model",
    "SaveResult": "healthstore.model",
    "SaveStatus": "healthstore.model",
    "Source": "healthstore.model",
    "SourceRevision": "healthstore.model",
    "Workout": "healthstore.model",
    "WorkoutActivity": "healthstore.model",
    "WorkoutEvent": "healthstore.model",
    "WorkoutStatistics": "healthstore.model",
    "predicates": "healthstore.query",
    "Audiogram": "healthstore.records",
    "AudiogramPoint": "healthstore.records",
    "CDADocument": "healthstore.records",
    "ClinicalRecord": "healthstore.records",
    "Electrocardiogram": "healthstore.records",
    "Heartbeat": "healthstore.records",
    "HeartbeatSeries": "healthstore.records",
    "Location": "healthstore.records",
    "ScoredAssessment": "healthstore.records",
    "StateOfMind": "healthstore.records",
    "VerifiableClinicalRecord": "healthstore.records",
    "VisionPrescription": "healthstore.records",
    "WorkoutRoute": "healthstore.records",
    "HealthStore": "healthstore.store",
    "Quantity": "healthstore.units",
    "Unit": "healthstore.units",
}


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


__all__ = [
    "ActivitySummary",
    "AppStore",
    "Audiogram",
    "AudiogramPoint",
    "CDADocument",
    "CategorySample",
    "Changes",
    "ClinicalRecord",
    "Correlation",
    "DeletedObject",
    "Device",
    "Electrocardiogram",
    "ErrorCode",
    "HealthStore",
    "HealthStoreError",
    "Heartbeat",
    "HeartbeatSeries",
    "Location",
    "Quantity",
    "QuantitySample",
    "Sample",
    "SaveResult",
    "SaveStatus",
    "ScoredAssessment",
    "Source",
    "SourceRevision",
    "StateOfMind",
    "Unit",
    "VerifiableClinicalRecord",
    "VisionPrescription",
    "Workout",
    "WorkoutActivity",
    "WorkoutEvent",
    "WorkoutRoute",
    "WorkoutStatistics",
    "__version__",
    "predicates",
]
