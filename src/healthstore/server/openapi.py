"""The OpenAPI description: every status an operation answers with, the error schema, and
the bearer token as a security scheme."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel

from healthstore.server.openapi_values import refine
from healthstore.server.schemas import Error, SampleIn

WHEN = {
    400: "invalidArgument: a bad parameter, body or value",
    401: "No app token, or one that is not valid (WWW-Authenticate)",
    403: "The person refused, has not decided, or an entitlement is missing",
    404: "noData: nothing by that id or name",
    409: "An all-or-nothing batch conflicts with what is stored, or the store is not locked",
    413: "dataSizeExceeded: the body or the answer would be too large",
    414: "The query string is too long",
    423: "databaseInaccessible: the store is locked",
    429: "Too many requests, or wrong passphrases, this minute (Retry-After)",
    500: "A fault of the server's own",
    503: "Too many passphrase checks already wait for the key derivation (Retry-After)",
}
HEADERS = {
    401: {"WWW-Authenticate": {"schema": {"type": "string"}, "description": "Bearer realm"}},
    429: {"Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait"}},
    503: {"Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait"}},
}
# Every operation can answer these: bad parameters, a long query string, a fault.
COMMON = (400, 414, 500)
# And every operation that acts as an app: its token, its grants, a locked store, its rate.
APP = (*COMMON, 401, 403, 423, 429)


# The person's own endpoints (the web app's session, never an app token).
OWNER = (*COMMON, 401, 403, 423)
OWNER_WHEN = {
    401: "No session of the Health app: sign in first",
    403: "An app token (these are the person's), or a change without the session's CSRF token",
}


def responses(
    *statuses: int,
    ok: type[BaseModel] | None = None,
    ok_status: int = 200,
    when: dict[int, str] | None = None,
) -> dict[int | str, dict[str, Any]]:
    """``responses`` for a route: ``ok`` as the success schema (None: no body), and each
    error status with the error schema; ``when`` replaces the usual reason for a status
    (and its usual headers)."""
    out: dict[int | str, dict[str, Any]] = {}
    if ok is not None:
        out[ok_status] = {"model": ok, "description": "Success"}
    special = when or {}
    for status in sorted(set(statuses)):
        entry: dict[str, Any] = {"model": Error, "description": special.get(status, WHEN[status])}
        if status in HEADERS and status not in special:
            entry["headers"] = HEADERS[status]
        out[status] = entry
    return out


def install(app: FastAPI) -> None:
    """Build the description once, without FastAPI's 422 (the server answers its own 400)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
            )
            for path in schema.get("paths", {}).values():
                for operation in path.values():
                    operation.get("responses", {}).pop("422", None)
            models = schema.setdefault("components", {}).setdefault("schemas", {})
            for name, model in _body_schemas().items():
                models.setdefault(name, model)
            models.pop("HTTPValidationError", None)
            models.pop("ValidationError", None)
            refine(schema)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


# Models the description shows that no route names directly (a batch's items).
_BODIES: dict[str, type[BaseModel]] = {"SampleIn": SampleIn}


def body(model: type[BaseModel], *, required: bool = True) -> dict[str, Any]:
    """``openapi_extra`` declaring a JSON request body of ``model`` (the route decodes the
    body itself; the model is its description)."""
    _BODIES[model.__name__] = model
    ref = {"$ref": f"#/components/schemas/{model.__name__}"}
    return {"requestBody": {"required": required, "content": {"application/json": {"schema": ref}}}}


def _body_schemas() -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, model in _BODIES.items():
        schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
        out.update(schema.pop("$defs", {}))
        out[name] = schema
    return out
