"""Dependencies of the routes: the store, and the app a request acts as."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from healthstore.errors import AuthorizationDenied
from healthstore.server.errors import Unauthenticated
from healthstore.server.limits import RateLimiter
from healthstore.server.settings import ServerSettings
from healthstore.store import HealthStore
from healthstore.store.app import AppStore


def get_store(request: Request) -> HealthStore:
    store: HealthStore = request.app.state.store
    return store


def get_settings(request: Request) -> ServerSettings:
    settings: ServerSettings = request.app.state.settings
    return settings


# Declares the token in the OpenAPI description (Swagger's Authorize button); the header is
# read below, so that each way of getting it wrong has its own message.
bearer = HTTPBearer(
    scheme_name="appToken",
    description="The app's token from `healthstore apps register` (hst_…)",
    auto_error=False,
)


def current_app(
    request: Request,
    _declared: Annotated[HTTPAuthorizationCredentials | None, Security(bearer)] = None,
) -> AppStore:
    """The :class:`AppStore` of the app whose bearer token came with the request: every read
    and write passes its visibility filter and lands in the audit log."""
    authorization = request.headers.get("authorization")
    if not authorization:
        raise Unauthenticated("an app token is required (Authorization: Bearer …)", field="token")
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("use Authorization: Bearer <app token>", field="token")
    store = get_store(request)
    try:
        app = store.app_for_token(token.strip())
    except AuthorizationDenied as exc:
        raise Unauthenticated(exc.message, field="token") from None
    limiter: RateLimiter = request.app.state.limiter
    limiter.check(app.bundle_id)
    return app


Store = Annotated[HealthStore, Depends(get_store)]
Settings = Annotated[ServerSettings, Depends(get_settings)]
CurrentApp = Annotated[AppStore, Depends(current_app)]
