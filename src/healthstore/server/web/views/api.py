"""The web app's JSON endpoints, under ``/owner/api`` (OpenAPI tag ``owner``): the
person's session only (an app token is refused), read through the person's view."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from starlette.responses import Response

from healthstore import catalogue
from healthstore.server.deps import Store
from healthstore.server.jsonio import json_response
from healthstore.server.openapi import OWNER, OWNER_WHEN, responses
from healthstore.server.web.auth import ApiSession, web_state
from healthstore.server.web.charts import chart
from healthstore.server.web.ranges import window
from healthstore.server.web.schemas import Chart

router = APIRouter(prefix="/owner/api", tags=["owner"])


@router.get(
    "/types/{type}/chart",
    operation_id="ownerTypeChart",
    summary="A type's chart over one range (the person's session)",
    responses=responses(*OWNER, ok=Chart, when=OWNER_WHEN),
)
async def type_chart(
    request: Request,
    session: ApiSession,
    store: Store,
    type: str,
    range: Annotated[str, Query(description="D, W, M, 6M or Y")] = "W",
    page: Annotated[int, Query(ge=0, le=10_000, description="Windows back in time")] = 0,
    unit: Annotated[str | None, Query(description="Unit of the values")] = None,
) -> Response:
    """Buckets of statistics (merged sources, the person's time zone): ``value`` per
    bucket for cumulative types, ``minimum``/``average``/``maximum`` for discrete ones."""
    name = catalogue.object_type(type).short_name
    zone = web_state(request).zone
    w = window(range, page, datetime.now(zone).date(), zone)
    body = await run_in_threadpool(chart, store, name, w, zone, unit)
    return json_response(body)
