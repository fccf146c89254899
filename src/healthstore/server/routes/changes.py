"""``/v1/changes``: the anchored change feed."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

from healthstore.server import schemas
from healthstore.server.deps import CurrentApp, Settings
from healthstore.server.jsonio import json_response
from healthstore.server.openapi import APP, responses
from healthstore.server.routes import params
from healthstore.wire import changes_to_json

router = APIRouter(tags=["changes"])


@router.get(
    "/v1/changes",
    operation_id="getChanges",
    summary="Changes after an anchor",
    responses=responses(*APP, ok=schemas.Changes),
)
def get_changes(
    app: CurrentApp,
    settings: Settings,
    types: Annotated[list[str] | None, Query(description="Type names; none: every type")] = None,
    anchor: Annotated[int | None, Query(description="From the previous answer; none: all")] = None,
    limit: Annotated[int, Query(ge=1)] = 1000,
    predicate: str | None = None,
) -> Response:
    """Samples added and objects deleted after ``anchor`` (at most ``limit`` of both), and
    the anchor to continue from. An answer shorter than ``limit`` means the feed is drained
    for now."""
    wanted = params.names(types) or None
    found = app.changes(
        wanted, anchor, min(limit, settings.max_page), predicate=params.predicate(predicate)
    )
    return json_response(changes_to_json(found))
