"""The API's wire forms as pydantic models, for its OpenAPI description. The routes encode and
decode with ``healthstore.wire`` (orjson, no pydantic on the upload path); these models
describe the same shapes, and the conformance test holds the two together."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

JSON = dict[str, Any]


class Error(BaseModel):
    """Every error: HealthKit's error code and name, a message, and the field at fault."""

    code: int = Field(description="HealthKit's error code (0: the server's own fault)")
    name: str = Field(description="The error code's name, e.g. invalidArgument")
    message: str = Field(description="What was wrong, and where")
    field: str | None = Field(description="The parameter or body path at fault, if any")

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "code": 3,
                    "name": "invalidArgument",
                    "message": "samples[2].unit: unit 'kg' does not fit stepCount",
                    "field": "samples[2].unit",
                }
            ]
        }
    )


class Quantity(BaseModel):
    value: float
    unit: str


class Source(BaseModel):
    bundle_id: str
    name: str


STEPS: JSON = {
    "type": "stepCount",
    "start": "2024-05-01T08:00:00+02:00",
    "end": "2024-05-01T08:05:00+02:00",
    "value": 420,
    "unit": "count",
    "metadata": {"HKMetadataKeySyncIdentifier": "walk-17"},
}


class SampleIn(BaseModel):
    """A sample to upload. Quantities carry ``value`` and ``unit``, categories ``value`` (raw
    or member name); workouts, correlations and payload kinds add their own fields. Each is
    checked on its own: a bad one is ``rejected`` in the answer, the rest are stored."""

    model_config = ConfigDict(extra="allow", json_schema_extra={"examples": [STEPS]})
    uuid: str | None = Field(default=None, description="None: derived from the content")
    type: str = Field(description="Short name (stepCount) or identifier")
    start: str = Field(description="ISO 8601 with offset")
    end: str = Field(description="ISO 8601 with offset")
    time_zone: str | None = Field(default=None, description="IANA zone name")
    value: float | int | str | None = None
    unit: str | None = None
    metadata: JSON | None = None
    device: JSON | None = None


class SampleBatch(BaseModel):
    """An upload: up to ``serve --max-batch`` (10,000 by default; more is 413) objects.
    Each object is judged on its own: one that is not a valid ``SampleIn`` is ``rejected``
    in the answer, and the rest are stored."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"samples": [STEPS]}]}
    )
    samples: list[Any] = Field(
        description="Samples, each of the shape of SampleIn; anything else is rejected alone"
    )


class Sample(BaseModel):
    """A stored sample. ``kind`` says which of the kind-specific fields it has: quantities
    ``value``/``unit``/``count``, categories ``value``/``label``, workouts
    ``activity_type``, totals, ``events``, ``activities``, ``statistics``, correlations
    ``objects``, the payload kinds ``payload``."""

    model_config = ConfigDict(extra="allow")
    uuid: str
    type: str
    kind: str
    start: str
    end: str
    time_zone: str | None
    source: JSON | None
    device: JSON | None
    metadata: JSON
    value: float | int | str | None = None
    unit: str | None = None
    count: int | None = None
    label: str | None = None
    objects: list[Sample] | None = None
    payload: Any = None


class ItemResult(BaseModel):
    uuid: str | None
    status: Literal["created", "duplicate", "replaced", "ignored_older_version", "rejected"]
    error: Error | None = Field(default=None, description="Why it was rejected")


class BatchResult(BaseModel):
    """A status per object, in order, and the counts."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "results": [
                        {"uuid": "0190c5d2-7b7e-7c4e-9d0e-2f1e7a1b3c4d", "status": "created"},
                        {
                            "uuid": None,
                            "status": "rejected",
                            "error": {
                                "code": 3,
                                "name": "invalidArgument",
                                "message": "samples[1].value: 'ten' is not a number",
                                "field": "samples[1].value",
                            },
                        },
                    ],
                    "created": 1,
                    "duplicate": 0,
                    "replaced": 0,
                    "ignored_older_version": 0,
                    "rejected": 1,
                    "inserted": 1,
                }
            ]
        }
    )

    results: list[ItemResult]
    created: int
    duplicate: int
    replaced: int
    ignored_older_version: int
    rejected: int
    inserted: int = Field(description="Samples stored, correlation members included")


class SamplesPage(BaseModel):
    samples: list[Sample]
    next_cursor: str | None = Field(description="Pass back as cursor; null: the last page")


class Samples(BaseModel):
    samples: list[Sample]


class Deleted(BaseModel):
    deleted: int


class DeletedObject(BaseModel):
    uuid: str
    type: str
    metadata: JSON


class Changes(BaseModel):
    added: list[Sample]
    deleted: list[DeletedObject]
    anchor: int = Field(description="Continue from here")


class SourceStatistics(BaseModel):
    model_config = ConfigDict(extra="allow")
    source: Source
    start: str
    end: str


class Statistics(BaseModel):
    """One range's or bucket's statistics, in the type's canonical ``unit``."""

    start: str
    end: str
    time_zone: str | None
    unit: str
    sum: float | None
    average: float | None
    minimum: float | None
    maximum: float | None
    most_recent: float | None
    most_recent_start: str | None
    most_recent_end: str | None
    duration_us: int | None
    sources: list[Source]
    by_source: list[SourceStatistics]


class StatisticsCollection(BaseModel):
    statistics: list[Statistics]


class Observer(BaseModel):
    id: str
    type: str
    frequency: str
    url: str
    created: str
    unacknowledged: int
    paused: bool
    pending: int
    secret: str | None = Field(default=None, description="Only when created")


class Observers(BaseModel):
    observers: list[Observer]


class Sources(BaseModel):
    sources: list[Source]


class Characteristic(BaseModel):
    type: str
    value: int | str | None
    label: str | None = None


class Characteristics(BaseModel):
    characteristics: list[Characteristic]


class ActivitySummary(BaseModel):
    model_config = ConfigDict(extra="allow")
    day: str


class ActivitySummaries(BaseModel):
    activity_summaries: list[ActivitySummary]


class WorkoutSamplesBody(BaseModel):
    """Samples to associate with a workout."""

    model_config = ConfigDict(extra="allow")
    samples: list[str] = Field(description="Sample uuids")


class Added(BaseModel):
    added: int


class AuthorizationStatus(BaseModel):
    statuses: dict[str, str] | None = None
    request_status: str | None = None
    history: bool = Field(
        description="Whether the app may read others' data older than 30 days before it "
        "was first let read (the history limit)"
    )


class Requested(BaseModel):
    requested: bool


class AppInfo(BaseModel):
    bundle_id: str
    name: str
    entitlements: list[str]


class LockState(BaseModel):
    locked: bool
    merged: int | None = None


class StoreStatus(BaseModel):
    locked: bool
    encrypted: bool


class DeleteBody(BaseModel):
    model_config = ConfigDict(extra="allow")
    uuids: list[str] = Field(default_factory=list)
