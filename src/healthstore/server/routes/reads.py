"""Sources, characteristics, activity summaries and workout associations."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from starlette.requests import Request

from healthstore import catalogue
from healthstore.catalogue import Kind
from healthstore.errors import InvalidArgument, NoData
from healthstore.server import schemas
from healthstore.server.deps import CurrentApp
from healthstore.server.jsonio import json_object, json_response, parse_json
from healthstore.server.openapi import APP, body, responses
from healthstore.server.routes import params
from healthstore.wire import plain_source_to_json, sample_to_json
from healthstore.wire.summaries import activity_summary_to_json

router = APIRouter(tags=["reads"])


@router.get(
    "/v1/sources",
    operation_id="getSources",
    summary="Sources with samples of types",
    responses=responses(*APP, ok=schemas.Sources),
)
def get_sources(
    app: CurrentApp,
    type: Annotated[list[str], Query(description="Type names")],
    predicate: str | None = None,
) -> Response:
    found = app.sources(params.names(type), params.predicate(predicate))
    return json_response({"sources": [plain_source_to_json(s) for s in found]})


@router.get(
    "/v1/sources/priority",
    operation_id="getSourcePriority",
    summary="Source order of a type",
    responses=responses(*APP, ok=schemas.Sources),
)
def get_source_priority(app: CurrentApp, type: str) -> Response:
    """The order in which sources count when statistics merge them (first wins)."""
    return json_response({"sources": [plain_source_to_json(s) for s in app.source_priority(type)]})


def _characteristic_json(value: int | date, type_name: str) -> dict[str, Any] | None:
    """The JSON of a characteristic's value; None when it is unset and its enum has no
    member for that (activityMoveMode has no notSet): such a characteristic is absent."""
    t = catalogue.object_type(type_name)
    if isinstance(value, date):
        return {"type": t.short_name, "value": value.isoformat()}
    assert t.value_enum is not None
    if value not in t.value_enum.raw_values:
        return None
    return {"type": t.short_name, "value": value, "label": t.value_enum.label(value)}


@router.get(
    "/v1/characteristics",
    operation_id="getCharacteristics",
    summary="Characteristics",
    responses=responses(*APP, ok=schemas.Characteristics),
)
def get_characteristics(
    app: CurrentApp,
    type: Annotated[list[str] | None, Query(description="Names; none: all")] = None,
) -> Response:
    """The characteristics the app may read (notSet, or null for a date, otherwise); one
    whose enum has no notSet member is left out while unset."""
    wanted = params.names(type) or [t.short_name for t in catalogue.all_types(Kind.characteristic)]
    out = []
    for name in wanted:
        try:
            found = _characteristic_json(app.characteristic(name), name)
        except NoData:
            found = {"type": catalogue.object_type(name).short_name, "value": None}
        if found is not None:
            out.append(found)
    return json_response({"characteristics": out})


@router.get(
    "/v1/characteristics/{type}",
    operation_id="getCharacteristic",
    summary="One characteristic",
    responses=responses(*APP, 404, ok=schemas.Characteristic),
)
def get_characteristic(app: CurrentApp, type: str) -> Response:
    """A characteristic's value; an unset date of birth (or move mode) is 404 noData."""
    found = _characteristic_json(app.characteristic(type), type)
    if found is None:
        raise NoData(f"{catalogue.object_type(type).short_name} is not set", field="type")
    return json_response(found)


@router.get(
    "/v1/activity-summaries",
    operation_id="getActivitySummaries",
    summary="Activity rings",
    responses=responses(*APP, ok=schemas.ActivitySummaries),
)
def get_activity_summaries(app: CurrentApp, start: str, end: str) -> Response:
    """The daily activity summaries from ``start`` to ``end`` (dates, both included)."""
    found = app.activity_summaries(params.day(start, "start"), params.day(end, "end"))
    return json_response({"activity_summaries": [activity_summary_to_json(s) for s in found]})


@router.post(
    "/v1/workouts/{workout}/samples",
    operation_id="addWorkoutSamples",
    summary="Associate samples with a workout",
    responses=responses(*APP, 404, 413, ok=schemas.Added),
    openapi_extra=body(schemas.WorkoutSamplesBody),
)
async def add_workout_samples(request: Request, app: CurrentApp, workout: str) -> Response:
    """Body ``{"samples": [uuid, ...]}``."""
    data = json_object(parse_json(await request.body()))
    uuids = data.get("samples")
    if not isinstance(uuids, list) or not all(isinstance(u, str) for u in uuids):
        raise InvalidArgument("samples must be a list of uuids", field="samples")
    await run_in_threadpool(app.add_to_workout, workout, uuids)
    return json_response({"added": len(uuids)})


@router.get(
    "/v1/workouts/{workout}/samples",
    operation_id="getWorkoutSamples",
    summary="Samples associated with a workout",
    responses=responses(*APP, 404, ok=schemas.Samples),
)
def get_workout_samples(
    app: CurrentApp,
    workout: str,
    type: Annotated[list[str] | None, Query()] = None,
    sort: Annotated[list[str] | None, Query()] = None,
) -> Response:
    found = app.workout_samples(
        workout, params.names(type) or None, sort=params.names(sort) or None
    )
    return json_response({"samples": [sample_to_json(s) for s in found]})
