"""Failed attempts at a secret, limited per client: after ``max_failures`` failures within
``window_s`` seconds a client is refused (429 with Retry-After) until the oldest of them
leaves the window; a success clears its count. Attempts in progress count as failures
until they end, so a burst of parallel guesses cannot slip past the limit.

Used by the store's lock and unlock routes; made to serve any sign-in (a client is whatever
key the caller chooses: the peer address)."""

from __future__ import annotations

import logging
import math
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from healthstore.server.errors import Throttled
from healthstore.server.logtext import escaped_text

log = logging.getLogger("healthstore.http")

MAX_CLIENTS = 10_000


@dataclass
class _Client:
    failures: deque[float] = field(default_factory=deque)
    in_progress: int = 0


class Attempt:
    """One attempt of one client: say how it ended with :meth:`failed` or
    :meth:`succeeded` (neither: it counts for nothing, e.g. the server was busy)."""

    def __init__(self) -> None:
        self.outcome: bool | None = None

    def failed(self) -> None:
        self.outcome = False

    def succeeded(self) -> None:
        self.outcome = True


class FailureLimiter:
    """Counts failed attempts per client in a sliding window."""

    def __init__(
        self,
        what: str,
        max_failures: int = 5,
        window_s: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.what = what
        self.max_failures = max_failures
        self.window_s = window_s
        self._clock = clock
        self._clients: dict[str, _Client] = {}
        self._lock = threading.Lock()

    @contextmanager
    def attempt(self, client: str) -> Iterator[Attempt]:
        """One attempt by ``client``; raises :class:`Throttled` (field ``field``) at once
        when the client has used up its failures."""
        self._begin(client)
        attempt = Attempt()
        try:
            yield attempt
        finally:
            self._end(client, attempt.outcome)

    def _begin(self, client: str) -> None:
        now = self._clock()
        with self._lock:
            entry = self._clients.setdefault(client, _Client())
            self._forget_old(entry, now)
            if len(entry.failures) + entry.in_progress >= self.max_failures:
                oldest = entry.failures[0] if entry.failures else now
                retry = max(1, math.ceil(oldest + self.window_s - now))
                raise Throttled(
                    f"too many failed attempts at the {self.what}; retry in {retry} s",
                    retry,
                    field=self.what,
                )
            entry.in_progress += 1

    def _end(self, client: str, outcome: bool | None) -> None:
        now = self._clock()
        with self._lock:
            entry = self._clients.setdefault(client, _Client())
            entry.in_progress = max(0, entry.in_progress - 1)
            if outcome is True:
                entry.failures.clear()
            elif outcome is False:
                entry.failures.append(now)
                log.warning(
                    "failed attempt at the %s from %s (%d in the last %d s)",
                    self.what,
                    escaped_text(client),
                    len(entry.failures),
                    self.window_s,
                )
            if not entry.failures and not entry.in_progress:
                del self._clients[client]
            if len(self._clients) > MAX_CLIENTS:
                self._prune(now)

    def _forget_old(self, entry: _Client, now: float) -> None:
        while entry.failures and entry.failures[0] <= now - self.window_s:
            entry.failures.popleft()

    def _prune(self, now: float) -> None:
        for key in list(self._clients):
            entry = self._clients[key]
            self._forget_old(entry, now)
            if not entry.failures and not entry.in_progress:
                del self._clients[key]
