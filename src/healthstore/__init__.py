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

from healthstore.app_store import AppStore
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
from healthstore.units import Quantity, Unit

__version__ = "0.1.0"

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
