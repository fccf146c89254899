"""Long-running statistics queries: registered once, told which buckets changed after each
save or delete that touches their type and range (in process)."""

from __future__ import annotations

import logging
import threading
from bisect import bisect_right
from collections.abc import Callable, Iterable
from dataclasses import replace

from healthstore.catalogue import ObjectType
from healthstore.query.statistics import Statistics
from healthstore.query.stats_reader import Request

log = logging.getLogger(__name__)

Handler = Callable[[list[Statistics]], None]
Answer = Callable[[Request], list[Statistics]]


class LiveQuery:
    """A statistics collection kept up to date; ``handler`` receives the buckets whose values
    changed. ``results`` always holds every bucket."""

    def __init__(self, hub: ChangeHub, request: Request, answer: Answer, handler: Handler) -> None:
        self._hub = hub
        self._request = request
        self._answer = answer
        self._handler = handler
        self.results = answer(request)
        hub.add(self)

    @property
    def type(self) -> ObjectType:
        return self._request.type

    def stop(self) -> None:
        """No more updates."""
        self._hub.remove(self)

    def changed(self, lo: int | None, hi: int | None) -> None:
        """Recompute the buckets that [lo, hi) touches (all of them when unknown)."""
        edges = self._request.edges
        first, last = 0, len(edges) - 2
        if lo is not None and hi is not None:
            if hi < edges[0] or lo >= edges[-1]:
                return
            first = max(0, bisect_right(edges, lo) - 1)
            last = min(len(edges) - 2, bisect_right(edges, hi) - 1)
        fresh = self._answer(replace(self._request, edges=edges[first : last + 2]))
        updated = []
        for offset, bucket in enumerate(fresh):
            old = self.results[first + offset]
            if bucket != old:
                self.results[first + offset] = bucket
                updated.append(bucket)
        if updated:
            try:
                self._handler(updated)
            except Exception:  # a handler's bug must not break the writer that notified it
                log.exception("a live statistics handler failed")


class ChangeHub:
    """Live queries of one store, told about every committed write."""

    def __init__(self) -> None:
        self._queries: list[LiveQuery] = []
        self._lock = threading.Lock()

    @property
    def active(self) -> bool:
        """Whether any live query listens (writes skip the bookkeeping otherwise)."""
        return bool(self._queries)

    def add(self, query: LiveQuery) -> None:
        with self._lock:
            self._queries.append(query)

    def remove(self, query: LiveQuery) -> None:
        with self._lock:
            if query in self._queries:
                self._queries.remove(query)

    def notify(
        self, types: Iterable[ObjectType], lo: int | None = None, hi: int | None = None
    ) -> None:
        """Samples of ``types`` changed within [lo, hi) µs (None: anywhere)."""
        touched = set(types)
        with self._lock:
            queries = [q for q in self._queries if q.type in touched]
        for query in queries:
            try:
                query.changed(lo, hi)
            except Exception:  # the write is committed; a stale live query must not undo that
                log.exception("a live statistics query failed to update")
