"""One key derivation at a time in this process.

scrypt takes 32 MiB (by default) for each derivation; forty guesses in parallel took a server
from 99 MiB to 1.1 GiB. Every derivation passes :data:`GATE`, so memory for derivations
stays that of one. Callers that must not queue without bound (a server) ask to be
:meth:`KdfGate.admitted` first: past ``limit`` callers waiting or running, they are refused
with :class:`GateFull` and can answer "try again".
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager


class GateFull(Exception):
    """Too many key derivations are already waiting."""


class KdfGate:
    """A process-wide gate around key derivations, with counts to watch it by."""

    def __init__(self) -> None:
        self._slot = threading.Lock()
        self._counts = threading.Lock()
        self.admitted_now = 0
        self.running = 0
        self.most_running = 0
        self.derivations = 0

    @contextmanager
    def slot(self) -> Iterator[None]:
        """Hold the only slot for one derivation (waits for the one running)."""
        with self._slot:
            with self._counts:
                self.running += 1
                self.most_running = max(self.most_running, self.running)
            try:
                yield
            finally:
                with self._counts:
                    self.running -= 1
                    self.derivations += 1

    @contextmanager
    def admitted(self, limit: int) -> Iterator[None]:
        """Count a caller about to derive (waiting or running) while inside; raise
        :class:`GateFull` when ``limit`` callers already are."""
        with self._counts:
            if self.admitted_now >= limit:
                raise GateFull(f"{self.admitted_now} key derivations are already waiting")
            self.admitted_now += 1
        try:
            yield
        finally:
            with self._counts:
                self.admitted_now -= 1


GATE = KdfGate()
"""The gate every derivation of this process passes."""
