"""Limits that protect the store: request body size (refused before the body is read whole)
and a per-app request rate."""

from __future__ import annotations

import threading
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from healthstore.errors import DataSizeExceeded, InvalidArgument
from healthstore.server.errors import Throttled, error_response
from healthstore.server.jsonio import json_response

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


MAX_QUERY_BYTES = 32_768


class QueryLimit:
    """ASGI middleware: a query string over ``max_bytes`` is answered 414 in the error shape
    (longer ones still, up to what the HTTP parser takes; past that, see ``protocol``)."""

    def __init__(self, app: ASGIApp, max_bytes: int = MAX_QUERY_BYTES) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and len(scope.get("query_string", b"")) > self.max_bytes:
            error = InvalidArgument(
                f"the query string exceeds {self.max_bytes:,} bytes", field="query"
            )
            response = json_response(error.to_dict(), status_code=414)
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


def too_large(limit: int) -> DataSizeExceeded:
    return DataSizeExceeded(f"the request body exceeds {limit:,} bytes", field="body")


class BodyLimit:
    """ASGI middleware: a declared Content-Length over the limit is answered 413 at once; a
    body that streams past it raises dataSizeExceeded while it is being read.

    ``larger`` gives some ``(method, path)`` endpoints a limit of their own: the person's
    file upload, which streams its body to disk and may be gigabytes (an Apple export)."""

    def __init__(
        self, app: ASGIApp, max_bytes: int, larger: dict[tuple[str, str], int] | None = None
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.larger = dict(larger or {})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.larger.get((scope.get("method", ""), scope.get("path", "")), self.max_bytes)
        for name, value in scope.get("headers", ()):
            if name == b"content-length" and value.isdigit() and int(value) > limit:
                response = error_response(too_large(limit))
                await response(scope, receive, send)
                return
        received = 0

        async def limited() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise too_large(limit)
            return message

        await self.app(scope, limited, send)


class RateLimiter:
    """At most ``per_minute`` requests per key in each minute (fixed windows)."""

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_minute = per_minute
        self._clock = clock
        self._windows: dict[str, tuple[int, int]] = {}
        self._lock = threading.Lock()

    def check(self, key: str) -> None:
        """Count a request; raise :class:`Throttled` past the limit."""
        if self.per_minute <= 0:
            return
        now = self._clock()
        window = int(now // 60)
        with self._lock:
            start, count = self._windows.get(key, (window, 0))
            if start != window:
                start, count = window, 0
            count += 1
            self._windows[key] = (start, count)
            if len(self._windows) > 10_000:
                self._windows = {k: v for k, v in self._windows.items() if v[0] == window}
        if count > self.per_minute:
            retry = max(1, int((window + 1) * 60 - now))
            raise Throttled(
                f"more than {self.per_minute} requests this minute; retry in {retry} s", retry
            )
