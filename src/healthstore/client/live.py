"""A live statistics collection over HTTP: a server-sent event stream read in a thread."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import orjson

from healthstore.api import Statistics
from healthstore.client.errors import error_from_json
from healthstore.client.transport import Transport
from healthstore.wire import statistics_from_json

log = logging.getLogger("healthstore.client")


def _events(lines: Iterator[str]) -> Iterator[tuple[str, str]]:
    """(event name, data) of a text/event-stream."""
    name, data = "message", list[str]()
    for line in lines:
        if not line:
            if data:
                yield name, "\n".join(data)
            name, data = "message", list[str]()
        elif line.startswith(":"):
            continue
        elif line.startswith("event:"):
            name = line[6:].strip()
        elif line.startswith("data:"):
            data.append(line[5:].lstrip())


class LiveStream:
    """Buckets kept current: ``results`` holds every bucket, ``handler`` gets the changed
    ones; ``stop()`` closes the stream. Construction returns once the first answer is in."""

    def __init__(
        self,
        transport: Transport,
        params: dict[str, Any],
        type: Any,
        handler: Callable[[list[Statistics]], None],
    ) -> None:
        self._type = type
        self._handler = handler
        self._stopped = threading.Event()
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self.results: list[Statistics] = []
        query = {k: v for k, v in params.items() if v is not None}
        self._http = httpx.Client(
            base_url=transport.url,
            headers=dict(transport.http.headers),
            timeout=httpx.Timeout(30.0, read=None),
        )
        self._context = self._http.stream("GET", "/v1/statistics/collection/live", params=query)
        self._thread = threading.Thread(target=self._run, name="healthstore-live", daemon=True)
        self._thread.start()
        self._ready.wait()
        if self._error is not None:
            self.stop()
            raise self._error

    def _run(self) -> None:
        try:
            with self._context as response:
                if not response.is_success:
                    response.read()
                    self._error = error_from_json(
                        orjson.loads(response.content), response.status_code
                    )
                    return
                for name, data in _events(response.iter_lines()):
                    buckets = [
                        statistics_from_json(s, self._type)
                        for s in orjson.loads(data)["statistics"]
                    ]
                    if name == "initial":
                        self.results = buckets
                        self._ready.set()
                    elif name == "update":
                        self._apply(buckets)
        except Exception as exc:  # the stream ends however the connection broke
            if not self._stopped.is_set():
                self._error = self._error or exc
                log.warning("live statistics stream ended: %s", type(exc).__name__)
        finally:
            self._ready.set()

    def _apply(self, buckets: list[Statistics]) -> None:
        by_start = {b.start: i for i, b in enumerate(self.results)}
        for bucket in buckets:
            index = by_start.get(bucket.start)
            if index is not None:
                self.results[index] = bucket
        try:
            self._handler(buckets)
        except Exception:
            log.exception("a live statistics handler failed")

    def stop(self) -> None:
        """No more updates."""
        self._stopped.set()
        self._http.close()
