"""Request logging that never records health values or tokens: method, path without its
query string (queries can hold values in predicates), status and duration.

The path is logged as it came on the wire, escaped (:mod:`healthstore.server.logtext`)."""

from __future__ import annotations

import logging
import sys
import time

from healthstore.server.limits import ASGIApp, Message, Receive, Scope, Send
from healthstore.server.logtext import escaped_text, request_target

log = logging.getLogger("healthstore.http")


def configure_logging(level: int = logging.INFO) -> None:
    """Log healthstore's and uvicorn's messages to stderr, one line each."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    for name in ("healthstore", "uvicorn", "uvicorn.error"):
        logger = logging.getLogger(name)
        logger.handlers[:] = [handler]
        logger.setLevel(level)
        logger.propagate = False


class AccessLog:
    """ASGI middleware: one line per request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        began = time.perf_counter()
        status = 500

        async def watch(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, watch)
        finally:
            log.info(
                "%s %s %d %.1f ms",
                escaped_text(str(scope.get("method", "?"))),
                request_target(scope),
                status,
                (time.perf_counter() - began) * 1000,
            )
