"""Errors as HTTP answers: ``{"code", "name", "message", "field"}`` with HealthKit's error
code, and a status that says what kind of failure it was."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from healthstore.errors import (
    AuthorizationDenied,
    ErrorCode,
    HealthStoreError,
    InvalidArgument,
    ItemsRejected,
)
from healthstore.server.jsonio import json_response
from healthstore.server.logtext import escaped_text, request_target

log = logging.getLogger("healthstore.http")

STATUS = {
    ErrorCode.invalidArgument: 400,
    ErrorCode.authorizationDenied: 403,
    ErrorCode.authorizationNotDetermined: 403,
    ErrorCode.requiredAuthorizationDenied: 403,
    ErrorCode.noData: 404,
    ErrorCode.dataSizeExceeded: 413,
    ErrorCode.databaseInaccessible: 423,
    ErrorCode.healthDataUnavailable: 503,
    ErrorCode.healthDataRestricted: 403,
}


class Unauthenticated(AuthorizationDenied):
    """No valid app token came with the request (401)."""


class Throttled(HealthStoreError):
    """Too many requests from one app this minute, or too many failed attempts at a
    secret (429)."""

    def __init__(self, message: str, retry_after_s: int, *, field: str = "token") -> None:
        super().__init__(message, field=field)
        self.retry_after_s = retry_after_s


class Busy(HealthStoreError):
    """The server cannot take this request now; it may be tried again (503)."""

    def __init__(self, message: str, retry_after_s: int, *, field: str | None = None) -> None:
        super().__init__(message, field=field)
        self.retry_after_s = retry_after_s


class Conflict(InvalidArgument):
    """The request does not fit the state it meets, e.g. unlocking a store that is not
    locked (409)."""


def status_of(exc: HealthStoreError) -> int:
    if isinstance(exc, Unauthenticated):
        return 401
    if isinstance(exc, Throttled):
        return 429
    if isinstance(exc, Busy):
        return 503
    if isinstance(exc, ItemsRejected | Conflict):
        return 409
    return STATUS.get(exc.code, 500)


def error_response(exc: HealthStoreError) -> Response:
    headers = {}
    if isinstance(exc, Unauthenticated):
        headers["WWW-Authenticate"] = 'Bearer realm="healthstore"'
    if isinstance(exc, Throttled | Busy):
        headers["Retry-After"] = str(exc.retry_after_s)
    return json_response(exc.to_dict(), status_code=status_of(exc), headers=headers)


def allowed_methods(request: Request) -> str:
    """The methods of every route at the request's path (Starlette names only the first
    route's, and a path such as ``/v1/observers`` has two)."""
    methods: set[str] = set()
    for route in _routes(request.app.router.routes):
        match, _ = route.matches(request.scope)
        if match is not Match.NONE:
            methods.update(getattr(route, "methods", None) or ())
    if "GET" in methods:
        methods.add("HEAD")
    return ", ".join(sorted(methods))


def _routes(routes: Iterable[Any]) -> Iterator[Any]:
    """The routes, with those of included routers (none of ours has a prefix)."""
    for route in routes:
        included = getattr(route, "original_router", None)
        if included is not None:
            yield from _routes(included.routes)
        else:
            yield route


def install(app: FastAPI) -> None:
    """Answer healthstore errors and FastAPI's own parameter errors in the one shape."""

    async def on_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HealthStoreError)
        return error_response(exc)

    async def on_validation(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        first = exc.errors()[0] if exc.errors() else {}
        location = [str(part) for part in first.get("loc", ()) if part not in ("query", "body")]
        field = ".".join(location) or None
        message = f"{field}: {first.get('msg', 'invalid')}" if field else "invalid request"
        return error_response(InvalidArgument(message, field=field))

    async def on_http(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        code = ErrorCode.noData if exc.status_code == 404 else ErrorCode.invalidArgument
        error = HealthStoreError(str(exc.detail), code=code)
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            headers["Allow"] = allowed_methods(request)
        return json_response(error.to_dict(), status_code=exc.status_code, headers=headers)

    async def on_crash(request: Request, exc: Exception) -> Response:
        log.error(
            "internal error on %s %s: %s",
            escaped_text(request.method),
            request_target(request.scope),
            type(exc).__name__,
        )
        error = HealthStoreError("internal error; the request did not complete")
        return json_response(error.to_dict(), status_code=500)

    app.add_exception_handler(HealthStoreError, on_error)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(Exception, on_crash)
