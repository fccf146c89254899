"""``SyncEngine``: a device's samples uploaded to a server, reliably.

The engine walks the device's history in windows (a week by default) from the oldest sample
to now, uploading each window's samples in chunks. Samples that reach the device late (a
watch syncing the night's sleep in the morning) are caught by ``lookback``: each run starts
that far before where the last one ended, and what was sent already comes back "duplicate".
After every chunk the server confirmed, it writes its position to a small JSON file
(atomically), so a crash or a lost connection costs at most one chunk, which is sent again
and answered "duplicate" because samples keep their uuids. Failed requests are retried with
exponential backoff; objects the server rejects are reported and skipped, never retried, so
one bad record cannot stall a device.
"""

from __future__ import annotations

import json
import os
import random
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Protocol

from healthstore.api import SavedItems
from healthstore.client.errors import ServerUnavailable
from healthstore.errors import HealthStoreError, InvalidArgument
from healthstore.model import Sample, SaveResult


class LocalSamples(Protocol):
    """What a device offers the engine. Samples must keep their uuid from one call to the
    next (that is what makes a resent chunk a duplicate)."""

    def earliest(self) -> datetime | None:
        """The start of the oldest sample (None: nothing yet)."""
        ...

    def between(self, start: datetime, end: datetime) -> Iterable[Sample]:
        """The samples starting in [start, end), always in the same order."""
        ...


class Uploader(Protocol):
    """The part of :class:`~healthstore.client.HealthClient` (or an ``AppStore``) used."""

    def save_each(self, objects: Iterable[Sample]) -> SavedItems: ...


@dataclass
class SyncProgress:
    """Where a sync run is; passed to the progress callback after every chunk."""

    began: datetime  # where this run started
    window_start: datetime
    window_end: datetime
    until: datetime
    sent: int = 0
    created: int = 0
    duplicate: int = 0
    rejected: int = 0
    retries: int = 0

    @property
    def fraction(self) -> float:
        """How much of this run's span is done once the current window is."""
        span = (self.until - self.began).total_seconds()
        done = (self.window_end - self.began).total_seconds()
        return 1.0 if span <= 0 else min(1.0, max(0.0, done / span))


@dataclass
class SyncReport:
    """What a run did."""

    sent: int = 0
    created: int = 0
    duplicate: int = 0
    rejected: int = 0
    retries: int = 0
    windows: int = 0
    position: datetime | None = None
    errors: list[tuple[str, HealthStoreError]] = field(default_factory=list)
    """(uuid, error) of rejected samples (the first 100)."""


@dataclass
class _State:
    position: datetime | None = None  # every sample starting before it is uploaded
    done_in_window: int = 0  # samples of the window at ``position`` already confirmed
    window_end: datetime | None = None  # the end of that window, while it is unfinished

    def to_json(self) -> dict[str, object]:
        return {
            "version": 1,
            "position": _text(self.position),
            "done_in_window": self.done_in_window,
            "window_end": _text(self.window_end),
        }


def _text(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _instant(value: object) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) else None


class SyncEngine:
    """Uploads the samples of ``local`` through ``client``, remembering its position in
    ``state_file``."""

    def __init__(
        self,
        client: Uploader,
        local: LocalSamples,
        state_file: str | Path,
        *,
        window: timedelta = timedelta(weeks=1),
        chunk_size: int = 1000,
        retries: int = 6,
        backoff_s: float = 1.0,
        lookback: timedelta = timedelta(0),
        progress: Callable[[SyncProgress], None] | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        if window <= timedelta(0):
            raise InvalidArgument("window must be positive", field="window")
        if not 1 <= chunk_size <= 10_000:
            raise InvalidArgument("chunk_size must be 1..10000", field="chunk_size")
        self._client = client
        self._local = local
        self.state_file = Path(state_file)
        self._window = window
        self._chunk = chunk_size
        self._retries = retries
        self._backoff_s = backoff_s
        self._lookback = lookback
        self._progress = progress
        self._sleep = sleep
        self._clock = clock
        self._random = random.Random()

    # --- state ----------------------------------------------------------------------------
    def _load(self) -> _State:
        try:
            data = json.loads(self.state_file.read_text("utf-8"))
        except FileNotFoundError:
            return _State()
        except (OSError, ValueError) as exc:
            raise InvalidArgument(
                f"sync state {self.state_file} is unreadable: {exc}", field="state_file"
            ) from None
        return _State(
            _instant(data.get("position")),
            int(data.get("done_in_window", 0)),
            _instant(data.get("window_end")),
        )

    def _save(self, state: _State) -> None:
        tmp = self.state_file.with_name(self.state_file.name + ".tmp")
        tmp.write_text(json.dumps(state.to_json()), "utf-8")
        os.replace(tmp, self.state_file)

    @property
    def position(self) -> datetime | None:
        """Every sample starting before this instant has been uploaded."""
        return self._load().position

    # --- running --------------------------------------------------------------------------
    def run(self, until: datetime | None = None) -> SyncReport:
        """Upload everything starting before ``until`` (default: now) not yet uploaded."""
        until = until or self._clock()
        state = self._load()
        report = SyncReport(position=state.position)
        if state.position is None:
            earliest = self._local.earliest()
            if earliest is None:
                return report
            state.position = earliest
        elif self._lookback and not state.done_in_window:
            state.position -= (
                self._lookback
            )  # samples that arrived late; the rest come back duplicate
        began = state.position
        while state.position < until:
            # an unfinished window resumes with its own end, so the count of samples already
            # confirmed refers to the same list
            window_end = state.window_end or min(state.position + self._window, until)
            state.window_end = window_end
            self._upload_window(state, began, window_end, until, report)
            state.position, state.done_in_window, state.window_end = window_end, 0, None
            self._save(state)
            report.windows += 1
            report.position = window_end
        return report

    def _upload_window(
        self,
        state: _State,
        began: datetime,
        window_end: datetime,
        until: datetime,
        report: SyncReport,
    ) -> None:
        assert state.position is not None
        samples = list(self._local.between(state.position, window_end))
        progress = SyncProgress(began, state.position, window_end, until)
        for i in range(state.done_in_window, len(samples), self._chunk):
            chunk = samples[i : i + self._chunk]
            saved = self._send(chunk, progress, report)
            for sample, outcome in zip(chunk, saved.results, strict=True):
                if isinstance(outcome, HealthStoreError):
                    progress.rejected += 1
                    report.rejected += 1
                    if len(report.errors) < 100:
                        report.errors.append((str(sample.uuid), outcome))
                elif isinstance(outcome, SaveResult) and outcome.status.value == "duplicate":
                    progress.duplicate += 1
                    report.duplicate += 1
                else:
                    progress.created += 1
                    report.created += 1
            progress.sent += len(chunk)
            report.sent += len(chunk)
            state.done_in_window = i + len(chunk)
            self._save(state)
            if self._progress is not None:
                self._progress(progress)
        if self._progress is not None and not samples:
            self._progress(progress)  # an empty window is progress too

    def _send(self, chunk: list[Sample], progress: SyncProgress, report: SyncReport) -> SavedItems:
        failures = 0
        while True:
            try:
                return self._client.save_each(chunk)
            except ServerUnavailable:
                failures += 1
            except HealthStoreError as exc:
                if exc.code.name != "databaseInaccessible":
                    raise
                failures += 1  # a locked store: wait for the unlock
            if failures > self._retries:
                raise ServerUnavailable(
                    f"gave up after {failures} failed uploads; the next run resumes here"
                )
            progress.retries += 1
            report.retries += 1
            ceiling = self._backoff_s * 2 ** (failures - 1)
            self._sleep(ceiling * (0.5 + 0.5 * self._random.random()))
