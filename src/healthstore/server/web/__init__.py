"""The person's Health app in the browser, served at ``/``: server-rendered Jinja2 pages
with htmx and uPlot (vendored, pinned) and a few JSON endpoints under ``/owner/api``
(OpenAPI tag ``owner``), all behind the person's session. It reads only through the
person's :class:`~healthstore.store.HealthStore` view."""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo

from fastapi import FastAPI, Request
from starlette.responses import Response

from healthstore.server.web.assets import STATIC_DIR, VersionedStatic, digest
from healthstore.server.web.auth import SignInRequired, WebState, to_sign_in
from healthstore.server.web.security import SecurityHeaders
from healthstore.server.web.sessions import MemorySessions, SessionStore, SignInLinks
from healthstore.server.web.templating import environment

UPLOAD_PATH = "/owner/api/uploads"
"""The person's file upload: its body streams to disk, under a limit of its own
(``ServerSettings.max_upload_bytes``)."""


def _local_zone() -> tzinfo:
    return datetime.now().astimezone().tzinfo or UTC


def install(
    app: FastAPI,
    *,
    zone: tzinfo | None = None,
    sessions: SessionStore | None = None,
) -> WebState:
    """Mount the web app on ``app``: pages, owner endpoints, static files, headers."""
    from healthstore.server.web.views import (
        api,
        apps,
        browse,
        cards,
        profile,
        records,
        signin,
        summary,
        transfer,
        types,
        workouts,
    )

    prefix = f"/static/{digest()}"
    state = WebState(
        templates=environment(prefix),
        sessions=sessions or MemorySessions(),
        links=SignInLinks(),
        static_prefix=prefix,
        zone=zone or _local_zone(),
    )
    app.state.web = state
    transfer.install_jobs(app)
    app.mount(prefix, VersionedStatic(directory=STATIC_DIR), name="static")
    for module in (
        signin,
        summary,
        browse,
        types,
        workouts,
        records,
        apps,
        profile,
        transfer,
        cards,
        api,
    ):
        app.include_router(module.router)
    app.include_router(transfer.owner_router)

    async def on_sign_in(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, SignInRequired)
        return to_sign_in(exc.next_path, htmx=request.headers.get("hx-request") == "true")

    app.add_exception_handler(SignInRequired, on_sign_in)
    app.add_middleware(SecurityHeaders)
    return state
