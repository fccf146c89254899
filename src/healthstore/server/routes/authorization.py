"""``/v1/authorization``: asking the person for permission, and what can be known of it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from healthstore.server import schemas
from healthstore.server.deps import CurrentApp
from healthstore.server.jsonio import json_response, read_model
from healthstore.server.openapi import APP, body, responses
from healthstore.server.routes import params

router = APIRouter(tags=["authorization"])


class AuthorizationRequest(BaseModel):
    """Types the app wants to write (share) and read."""

    model_config = ConfigDict(extra="forbid")
    share: list[str] = Field(default_factory=list, description="Types to write")
    read: list[str] = Field(default_factory=list, description="Types to read")


@router.post(
    "/v1/authorization/requests",
    operation_id="requestAuthorization",
    summary="Ask the person for permission",
    status_code=202,
    responses=responses(*APP, 413, ok=schemas.Requested, ok_status=202),
    openapi_extra=body(AuthorizationRequest),
)
async def request_authorization(request: Request, app: CurrentApp) -> Response:
    """Records the request; the person answers later, type by type. The answer never says
    what the person decided about reading."""
    body = await read_model(request, AuthorizationRequest)
    await run_in_threadpool(lambda: app.request_authorization(share=body.share, read=body.read))
    return json_response({"requested": True}, status_code=202)


@router.get(
    "/v1/authorization/status",
    operation_id="getAuthorizationStatus",
    responses=responses(*APP, ok=schemas.AuthorizationStatus),
    summary="Sharing status, or whether to ask",
)
def authorization_status(
    app: CurrentApp,
    type: Annotated[list[str] | None, Query(description="Types: their sharing status")] = None,
    share: Annotated[list[str] | None, Query(description="With read: whether to ask")] = None,
    read: Annotated[list[str] | None, Query()] = None,
) -> Response:
    """``type``: HealthKit's sharing status per type (notDetermined, sharingDenied,
    sharingAuthorized); says nothing about reading. ``share``/``read``: the request status
    (shouldRequest while any was never asked for, else unnecessary). ``history``: whether
    the person let the app read others' data older than 30 days before it was first let
    read (the history limit)."""
    out: dict[str, object] = {}
    types = params.names(type)
    if types:
        out["statuses"] = {name: app.authorization_status(name).name for name in types}
    if share is not None or read is not None or not types:
        status = app.request_status(share=params.names(share), read=params.names(read))
        out["request_status"] = status.name
    out["history"] = app.history_authorized()
    return json_response(out)


@router.get(
    "/v1/app",
    operation_id="getApp",
    summary="The app the token belongs to",
    responses=responses(*APP, ok=schemas.AppInfo),
)
def get_app(app: CurrentApp) -> Response:
    """The calling app's identity and entitlements (never the person's decisions)."""
    manifest = app.app.manifest
    return json_response(
        {
            "bundle_id": manifest.bundle_id,
            "name": manifest.name,
            "entitlements": list(manifest.entitlements),
        }
    )
