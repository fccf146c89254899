"""``/v1/observers``: webhooks when samples of a type change (background delivery)."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from healthstore.server import schemas
from healthstore.server.deps import CurrentApp
from healthstore.server.jsonio import json_response, read_model
from healthstore.server.openapi import APP, body, responses

router = APIRouter(tags=["observers"])


class ObserverRequest(BaseModel):
    """An observer to create."""

    model_config = ConfigDict(extra="forbid")
    type: str = Field(description="The sample type to observe")
    url: str = Field(description="The webhook that receives notifications")
    frequency: Literal["immediate", "hourly", "daily", "weekly"] = Field(
        default="immediate", description="The most often deliveries come"
    )


@router.post(
    "/v1/observers",
    operation_id="createObserver",
    summary="Observe a type",
    status_code=201,
    responses=responses(*APP, 413, ok=schemas.Observer, ok_status=201),
    openapi_extra=body(ObserverRequest),
)
async def create_observer(request: Request, app: CurrentApp) -> Response:
    """Answers the observer with its ``id`` and webhook ``secret`` (shown this once). Each
    delivery is a POST with ``X-Healthstore-Delivery`` and ``X-Healthstore-Signature:
    sha256=<hex HMAC-SHA256 of the body under the secret>``. Acknowledge each delivery;
    after three unacknowledged ones the observer pauses."""
    body = await read_model(request, ObserverRequest)
    observer = await run_in_threadpool(app.add_observer, body.type, body.url, body.frequency)
    return json_response(observer.to_json(), status_code=201)


@router.get(
    "/v1/observers",
    operation_id="listObservers",
    summary="The app's observers",
    responses=responses(*APP, ok=schemas.Observers),
)
def list_observers(app: CurrentApp) -> Response:
    return json_response({"observers": [o.to_json() for o in app.observers()]})


@router.delete(
    "/v1/observers/{observer_id}",
    operation_id="deleteObserver",
    status_code=204,
    responses=responses(*APP, 404),
)
def delete_observer(app: CurrentApp, observer_id: str) -> Response:
    """Stop an observer; undelivered notifications are dropped."""
    app.remove_observer(observer_id)
    return Response(status_code=204)


@router.post(
    "/v1/observers/{observer_id}/ack",
    operation_id="acknowledgeObserver",
    responses=responses(*APP, 404, ok=schemas.Observer),
)
def acknowledge_observer(app: CurrentApp, observer_id: str) -> Response:
    """The deliveries so far are handled; a paused observer runs again."""
    return json_response(app.acknowledge_observer(observer_id).to_json())
