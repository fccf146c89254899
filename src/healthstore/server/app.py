"""The ASGI application."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import tzinfo

from fastapi import FastAPI

from healthstore import __version__
from healthstore.server import docs, errors, landing, openapi, web
from healthstore.server.access_log import AccessLog
from healthstore.server.attempts import FailureLimiter
from healthstore.server.limits import BodyLimit, QueryLimit, RateLimiter
from healthstore.server.routes import (
    authorization,
    changes,
    observers,
    reads,
    samples,
    statistics,
    vault,
)
from healthstore.server.settings import ServerSettings
from healthstore.store import HealthStore

DESCRIPTION = """\
A HealthKit-shaped API for apps and devices. Every request carries an app's token
(`Authorization: Bearer hst_…`) and acts as that app: it reads only what the person allowed
(and what it wrote itself), writes only the types it may share, and lands in the audit log.
Errors answer `{code, name, message, field}` with HealthKit's error code; each operation
lists the statuses it can answer with. Swagger UI is at `/docs`, ReDoc at `/redoc`.
"""


def create_app(
    store: HealthStore, settings: ServerSettings | None = None, *, zone: tzinfo | None = None
) -> FastAPI:
    """The API over ``store``, and the person's web app at ``/`` (days cut in ``zone``,
    default the local offset). While it runs, webhook notifications are delivered from this
    process (unless ``settings.deliveries`` is off)."""
    settings = settings or ServerSettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if settings.deliveries:
            store.start_deliveries(**settings.delivery_options)
        try:
            yield
        finally:
            store.stop_deliveries()

    app = FastAPI(
        title="healthstore",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        swagger_ui_oauth2_redirect_url=None,
    )
    app.state.store = store
    app.state.settings = settings
    app.state.limiter = RateLimiter(settings.requests_per_minute)
    app.state.passphrase_attempts = FailureLimiter("passphrase", settings.passphrase_failures)
    app.state.vault_lock = threading.Lock()
    errors.install(app)
    for module in (authorization, samples, changes, statistics, reads, observers, vault):
        app.include_router(module.router)
    app.include_router(landing.router)
    app.include_router(docs.router)
    openapi.install(app)
    web.install(app, zone=zone)
    app.add_middleware(
        BodyLimit,
        max_bytes=settings.max_body_bytes,
        larger={("POST", web.UPLOAD_PATH): settings.max_upload_bytes},
    )
    app.add_middleware(QueryLimit)
    app.add_middleware(AccessLog)
    return app
