"""``/v1/statistics``: statistics of a range, per calendar bucket, and live."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response, StreamingResponse

from healthstore.query.live import LiveQuery
from healthstore.query.predicates import Predicate
from healthstore.query.statistics import Statistics
from healthstore.server import schemas
from healthstore.server.deps import CurrentApp, Settings
from healthstore.server.jsonio import json_response
from healthstore.server.openapi import APP, responses
from healthstore.server.routes import params
from healthstore.store.app import AppStore
from healthstore.wire import statistics_to_json

router = APIRouter(tags=["statistics"])

Options = Annotated[str, Query(description="sum,avg,min,max,mostRecent,duration,separateBySource")]
UnitParam = Annotated[
    str | None,
    Query(description="Unit of the values, e.g. count/min or km; default: the type's display unit"),
]


@router.get(
    "/v1/statistics",
    operation_id="getStatistics",
    summary="Statistics of a range",
    responses=responses(*APP, ok=schemas.Statistics),
)
def get_statistics(
    app: CurrentApp,
    type: str,
    start: str,
    end: str,
    options: Options,
    predicate: str | None = None,
    unit: UnitParam = None,
) -> Response:
    """Statistics of ``type`` over [start, end), sources merged by the person's priority."""
    found = app.statistics(
        type,
        start=params.required_instant(start, "start"),
        end=params.required_instant(end, "end"),
        options=options,
        predicate=params.predicate(predicate),
        unit=unit,
    )
    return json_response(statistics_to_json(found))


@dataclass(frozen=True)
class CollectionQuery:
    """The parameters of a statistics collection, parsed."""

    type: str
    anchor: datetime
    interval: str
    start: datetime
    end: datetime
    options: str
    tz: str | None
    predicate: Predicate | None
    unit: str | None = None

    @classmethod
    def parse(
        cls,
        type: str,
        anchor: str,
        interval: str,
        start: str,
        end: str,
        options: str,
        tz: str | None,
        predicate: str | None,
        unit: str | None = None,
    ) -> CollectionQuery:
        return cls(
            type,
            params.required_instant(anchor, "anchor"),
            interval,
            params.required_instant(start, "start"),
            params.required_instant(end, "end"),
            options,
            tz,
            params.predicate(predicate),
            unit,
        )

    def _keywords(self) -> dict[str, Any]:
        return {
            "anchor": self.anchor,
            "interval": self.interval,
            "start": self.start,
            "end": self.end,
            "options": self.options,
            "tz": self.tz,
            "predicate": self.predicate,
            "unit": self.unit,
        }

    def run(self, app: AppStore) -> list[Statistics]:
        return app.statistics_collection(self.type, **self._keywords())

    def live(self, app: AppStore, handler: Callable[[list[Statistics]], None]) -> LiveQuery:
        return app.live_statistics_collection(self.type, handler, **self._keywords())


@router.get(
    "/v1/statistics/collection",
    operation_id="getStatisticsCollection",
    summary="Statistics per calendar bucket",
    responses=responses(*APP, 413, ok=schemas.StatisticsCollection),
)
def get_statistics_collection(
    app: CurrentApp,
    type: str,
    anchor: str,
    interval: Annotated[str, Query(description="1d, 1h, 15min, 1w, 1mo, 1y…")],
    start: str,
    end: str,
    options: Options,
    tz: Annotated[str | None, Query(description="IANA zone; default: the anchor's")] = None,
    predicate: str | None = None,
    unit: UnitParam = None,
) -> Response:
    """A bucket for every interval covering [start, end), empty ones included."""
    query = CollectionQuery.parse(type, anchor, interval, start, end, options, tz, predicate, unit)
    found = query.run(app)
    return json_response({"statistics": [statistics_to_json(s) for s in found]})


def _event(name: str, buckets: list[Statistics]) -> bytes:
    data = orjson.dumps({"statistics": [statistics_to_json(s) for s in buckets]})
    return b"event: " + name.encode() + b"\ndata: " + data + b"\n\n"


@router.get(
    "/v1/statistics/collection/live",
    operation_id="streamStatisticsCollection",
    summary="Statistics per bucket, kept current (server-sent events)",
    response_class=StreamingResponse,
    responses={
        **responses(*APP, 413),
        200: {
            "description": "`initial`, then `update` events; data: a statistics collection",
            "content": {"text/event-stream": {"schema": {"type": "string"}}},
        },
    },
)
async def stream_statistics_collection(
    request: Request,
    app: CurrentApp,
    settings: Settings,
    type: str,
    anchor: str,
    interval: str,
    start: str,
    end: str,
    options: Options,
    tz: str | None = None,
    predicate: str | None = None,
    unit: UnitParam = None,
) -> StreamingResponse:
    """A ``text/event-stream``: first an ``initial`` event with every bucket, then an
    ``update`` event with the buckets whose values change after each write touching them;
    a ``: keep-alive`` comment after each ``live_keepalive_s`` of silence."""
    query = CollectionQuery.parse(type, anchor, interval, start, end, options, tz, predicate, unit)
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[list[Statistics]] = asyncio.Queue()

    def handler(buckets: list[Statistics]) -> None:
        loop.call_soon_threadsafe(queue.put_nowait, buckets)

    live = await run_in_threadpool(query.live, app, handler)
    keepalive = settings.live_keepalive_s

    async def events() -> AsyncIterator[bytes]:
        try:
            yield _event("initial", live.results)
            while True:
                try:
                    buckets = await asyncio.wait_for(queue.get(), timeout=keepalive)
                except TimeoutError:
                    if await request.is_disconnected():
                        return
                    yield b": keep-alive\n\n"
                    continue
                yield _event("update", buckets)
        finally:
            live.stop()

    return StreamingResponse(
        events(), media_type="text/event-stream", headers={"Cache-Control": "no-store"}
    )
