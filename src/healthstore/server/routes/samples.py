"""``/v1/samples``: batch upload with a status per item, queries with cursor paging, and
deletion."""

from __future__ import annotations

from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from healthstore.errors import DataSizeExceeded, HealthStoreError, InvalidArgument
from healthstore.model import Sample, SaveResult, SaveStatus, stable_uuid
from healthstore.server import schemas
from healthstore.server.deps import CurrentApp, Settings
from healthstore.server.jsonio import json_object, json_response, parse_json
from healthstore.server.openapi import APP, body, responses
from healthstore.server.routes import params
from healthstore.store.app import AppStore
from healthstore.store.view import window
from healthstore.wire import sample_from_json, sample_to_json

router = APIRouter(tags=["samples"])

STATUSES = [s.value for s in SaveStatus]


def _parse(app: AppStore, item: Any, index: int) -> Sample:
    """One uploaded object. Without a uuid it gets one derived from its content and the
    app, so sending the same object again is a duplicate, not a second sample."""
    where = f"samples[{index}]"
    sample = sample_from_json(item, where=where)
    if isinstance(item, dict) and item.get("uuid") is None:
        content = app.bundle_id + "\n" + orjson.dumps(item, option=orjson.OPT_SORT_KEYS).decode()
        sample = sample_from_json({**item, "uuid": str(stable_uuid(sample.start, content))})
    return sample


def _item_error(exc: HealthStoreError, index: int) -> dict[str, Any]:
    out = exc.to_dict()
    where = f"samples[{index}]"
    field = exc.field or ""
    if not field.startswith(where):
        out["field"] = f"{where}.{field}" if field else where
    return out


def _uuid_of(item: Any) -> str | None:
    value = item.get("uuid") if isinstance(item, dict) else None
    return value if isinstance(value, str) else None


def save_items(app: AppStore, items: list[Any], atomic: bool) -> dict[str, Any]:
    """Parse and save an upload; the answer the endpoint gives."""
    parsed: list[Sample | HealthStoreError] = []
    for i, item in enumerate(items):
        try:
            parsed.append(_parse(app, item, i))
        except HealthStoreError as exc:
            if atomic:
                raise
            parsed.append(exc)
    samples = [s for s in parsed if isinstance(s, Sample)]
    if atomic:
        saved = app.save_batch(samples)
        outcomes: list[SaveResult | HealthStoreError] = list(saved.results)
        inserted = saved.inserted
    else:
        each = app.save_each(samples)
        outcomes, inserted = each.results, each.inserted
    results: list[dict[str, Any]] = []
    counts = dict.fromkeys([*STATUSES, "rejected"], 0)
    found = iter(outcomes)
    for i, item in enumerate(parsed):
        outcome = item if isinstance(item, HealthStoreError) else next(found)
        if isinstance(outcome, HealthStoreError):
            uuid = str(item.uuid) if isinstance(item, Sample) else _uuid_of(items[i])
            results.append({"uuid": uuid, "status": "rejected", "error": _item_error(outcome, i)})
            counts["rejected"] += 1
        else:
            results.append({"uuid": str(outcome.uuid), "status": outcome.status.value})
            counts[outcome.status.value] += 1
    return {"results": results, **counts, "inserted": inserted}


@router.post(
    "/v1/samples",
    operation_id="saveSamples",
    summary="Upload a batch of samples",
    responses=responses(*APP, 409, 413, ok=schemas.BatchResult),
    openapi_extra=body(schemas.SampleBatch),
)
async def save_samples(
    request: Request,
    app: CurrentApp,
    settings: Settings,
    atomic: Annotated[bool, Query(description="All or nothing (409 on a conflict)")] = False,
) -> Response:
    """Save up to 10,000 objects (``{"samples": [...]}``). Each gets a status: created,
    duplicate, replaced, ignored_older_version, or rejected with its error; valid objects
    are stored even when others are rejected. The counts say how far the upload got."""
    body = await request.body()
    data = json_object(await run_in_threadpool(parse_json, body))
    unknown = sorted(set(data) - {"samples"})
    if unknown:
        raise InvalidArgument(f"unknown field {unknown[0]!r}", field=unknown[0])
    items = data.get("samples")
    if not isinstance(items, list):
        raise InvalidArgument("samples must be a list", field="samples")
    if len(items) > settings.max_batch:
        raise DataSizeExceeded(
            f"a batch holds at most {settings.max_batch:,} objects ({len(items):,} sent)",
            field="samples",
        )
    answer = await run_in_threadpool(save_items, app, items, atomic)
    return json_response(answer)


@router.get(
    "/v1/samples",
    operation_id="querySamples",
    summary="Query samples",
    responses=responses(*APP, ok=schemas.SamplesPage),
)
def query_samples(
    app: CurrentApp,
    settings: Settings,
    type: Annotated[list[str], Query(description="Type names (repeat or comma-separate)")],
    start: str | None = None,
    end: str | None = None,
    predicate: Annotated[str | None, Query(description="A predicate as JSON")] = None,
    sort: Annotated[list[str] | None, Query(description="start, -end, duration…")] = None,
    limit: Annotated[int, Query(ge=1)] = 1000,
    cursor: Annotated[str | None, Query(description="next_cursor of the previous page")] = None,
    offset: Annotated[int, Query(ge=0, description="Skip this many (first page)")] = 0,
) -> Response:
    """Samples of the types matching the predicate and overlapping [start, end), a page at a
    time: pass ``next_cursor`` back as ``cursor`` for the next."""
    limit = min(limit, settings.max_page)
    offset = params.decode_cursor(cursor) if cursor else params.offset_value(offset)
    found = app.samples(
        params.names(type),
        params.predicate(predicate),
        start=params.instant(start, "start"),
        end=params.instant(end, "end"),
        sort=params.names(sort) or None,
        limit=limit + 1,
        offset=offset,
    )
    more = len(found) > limit
    page = found[:limit]
    return json_response(
        {
            "samples": [sample_to_json(s) for s in page],
            "next_cursor": params.encode_cursor(offset + limit) if more else None,
        }
    )


@router.delete(
    "/v1/samples",
    operation_id="deleteSamples",
    summary="Delete samples",
    responses=responses(*APP, 413, ok=schemas.Deleted),
    openapi_extra=body(schemas.DeleteBody, required=False),
)
async def delete_samples(
    request: Request,
    app: CurrentApp,
    uuid: Annotated[list[str] | None, Query(description="Objects to delete")] = None,
    type: Annotated[list[str] | None, Query(description="Or: every sample of these types")] = None,
    start: str | None = None,
    end: str | None = None,
    predicate: str | None = None,
) -> Response:
    """Delete the app's own samples: by uuid (query, or a body ``{"uuids": [...]}``), or by
    type with a predicate and time window. Leaves deleted objects for the change feed."""
    body = await request.body()
    uuids = list(uuid or [])
    if body:
        data = json_object(parse_json(body))
        listed = data.get("uuids", [])
        if not isinstance(listed, list) or not all(isinstance(u, str) for u in listed):
            raise InvalidArgument("uuids must be a list of strings", field="uuids")
        uuids.extend(listed)
    types = params.names(type)
    if uuids and (types or start or end or predicate):
        raise InvalidArgument("delete by uuids, or by type and predicate, not both", field="uuid")
    if not uuids and not types:
        raise InvalidArgument("name the uuids or the type to delete", field="type")

    def run() -> int:
        if uuids:
            return app.delete(uuids)
        chosen = window(
            params.predicate(predicate),
            params.instant(start, "start"),
            params.instant(end, "end"),
        )
        return app.delete(type=types, predicate=chosen)

    return json_response({"deleted": await run_in_threadpool(run)})
