"""The device sync engine against a real server: chunks, weekly backfill windows, progress,
retries with backoff, and a crash mid-sync resumed without a duplicate."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from healthstore import HealthStore, Quantity, QuantitySample, Sample
from healthstore.client import HealthClient, SyncEngine, SyncProgress
from healthstore.client.errors import ServerUnavailable
from tests.server.test_app_api import BUNDLE, MANIFEST
from tests.server_support import serve

BEGIN = datetime(2024, 1, 1, tzinfo=UTC)
NOW = datetime(2024, 3, 1, tzinfo=UTC)


class Device:
    """A device's local samples: heart rate every few hours since January."""

    def __init__(self, count: int, step: timedelta = timedelta(hours=3)) -> None:
        self.samples = [
            QuantitySample(
                "heartRate", Quantity(60 + i % 40, "count/min"), BEGIN + i * step, BEGIN + i * step
            )
            for i in range(count)
        ]

    def earliest(self) -> datetime | None:
        return self.samples[0].start if self.samples else None

    def between(self, start: datetime, end: datetime) -> Iterable[Sample]:
        return [s for s in self.samples if start <= s.start < end]


class Crash(Exception):
    pass


@pytest.fixture
def server(store: HealthStore) -> Iterator[tuple[str, str]]:
    token = store.register_app(MANIFEST)
    store.app(BUNDLE).request_authorization(share=["heartRate"], read=["heartRate"])
    store.grant(BUNDLE, share=["heartRate"], read=["heartRate"], history=True)
    with serve(store) as url:
        yield url, token


def stored(store: HealthStore) -> list[str]:
    return sorted(str(s.uuid) for s in store.samples("heartRate"))


def test_backfill_in_weekly_windows_with_progress(
    store: HealthStore, server: tuple[str, str], tmp_path: Path
) -> None:
    url, token = server
    device = Device(400)  # 50 days
    seen: list[SyncProgress] = []
    with HealthClient(url, token) as client:
        engine = SyncEngine(
            client, device, tmp_path / "sync.json", chunk_size=30, progress=seen.append
        )
        report = engine.run(until=NOW)
    assert report.created == 400 and report.duplicate == 0 and report.rejected == 0
    assert report.windows == 9  # 60 days from 1 January in weeks
    assert stored(store) == sorted(str(s.uuid) for s in device.samples)
    assert all(p.window_end - p.window_start <= timedelta(weeks=1) for p in seen)
    assert seen[-1].fraction == 1.0
    assert engine.position == NOW
    with HealthClient(url, token) as client:
        again = SyncEngine(client, device, tmp_path / "sync.json").run(until=NOW)
    assert again.sent == 0


def test_only_new_samples_go_up_on_the_next_run(
    store: HealthStore, server: tuple[str, str], tmp_path: Path
) -> None:
    url, token = server
    device = Device(100)
    with HealthClient(url, token) as client:
        engine = SyncEngine(client, device, tmp_path / "sync.json")
        engine.run(until=BEGIN + timedelta(days=6))
        first = len(store.samples("heartRate"))
        report = engine.run(until=NOW)
    assert first == 48
    assert report.sent == 52 and report.created == 52


@settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    crash_after=st.integers(min_value=1, max_value=12), chunk=st.integers(min_value=7, max_value=40)
)
def test_a_crash_resumes_without_duplicates(
    tmp_path_factory: pytest.TempPathFactory, crash_after: int, chunk: int
) -> None:
    directory = tmp_path_factory.mktemp("crash")
    with HealthStore.create(directory / "store") as store:
        token = store.register_app(MANIFEST)
        store.app(BUNDLE).request_authorization(share=["heartRate"])
        store.grant(BUNDLE, share=["heartRate"])
        device = Device(150)
        calls = [0]

        def crash(progress: SyncProgress) -> None:
            calls[0] += 1
            if calls[0] == crash_after:
                raise Crash

        with serve(store) as url, HealthClient(url, token) as client:
            state = directory / "sync.json"
            with contextlib.suppress(Crash):
                SyncEngine(client, device, state, chunk_size=chunk, progress=crash).run(until=NOW)
            report = SyncEngine(client, device, state, chunk_size=chunk).run(until=NOW)
        assert stored(store) == sorted(str(s.uuid) for s in device.samples)
        assert report.duplicate <= chunk


class FlakyTransport(httpx.BaseTransport):
    """Forwards requests, but loses the first answers of uploads after the server got them
    (the worst case: stored, yet the device never heard)."""

    def __init__(self, losses: int) -> None:
        self.inner = httpx.HTTPTransport()
        self.losses = losses

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        if request.method == "POST" and self.losses > 0:
            self.losses -= 1
            response.read()
            raise httpx.ReadError("connection lost", request=request)
        return response


def test_lost_answers_are_retried_with_backoff_and_stay_unique(
    store: HealthStore, server: tuple[str, str], tmp_path: Path
) -> None:
    url, token = server
    device = Device(60)
    delays: list[float] = []
    client = HealthClient(url, token, transport=FlakyTransport(3), sleep=delays.append, retries=5)
    with client:
        report = SyncEngine(client, device, tmp_path / "s.json", chunk_size=25).run(until=NOW)
    assert stored(store) == sorted(str(s.uuid) for s in device.samples)
    assert report.created + report.duplicate == 60 and report.duplicate == 25
    assert len(delays) == 3
    assert 0.25 <= delays[0] < 0.5 <= delays[1] < 1.0 <= delays[2] < 2.0  # doubling, jittered


def test_an_unreachable_server_stops_the_run_and_keeps_the_position(tmp_path: Path) -> None:
    delays: list[float] = []
    client = HealthClient("http://127.0.0.1:9", "hst_x", retries=0, sleep=delays.append)
    engine = SyncEngine(client, Device(10), tmp_path / "s.json", retries=2, sleep=delays.append)
    with client, pytest.raises(ServerUnavailable):
        engine.run(until=NOW)
    assert len(delays) == 2
    assert engine.position is None


def test_rejected_samples_are_reported_not_retried(
    store: HealthStore, server: tuple[str, str], tmp_path: Path
) -> None:
    url, token = server
    device = Device(5)
    device.samples.insert(2, QuantitySample("stepCount", Quantity(1, "count"), BEGIN, BEGIN))
    with HealthClient(url, token) as client:
        report = SyncEngine(client, device, tmp_path / "s.json").run(until=NOW)
    assert (report.created, report.rejected) == (5, 1)
    ((uuid, error),) = report.errors
    assert uuid == str(device.samples[2].uuid) and error.name == "authorizationNotDetermined"


def test_lookback_catches_samples_that_arrive_late(
    store: HealthStore, server: tuple[str, str], tmp_path: Path
) -> None:
    url, token = server
    device = Device(40)
    with HealthClient(url, token) as client:
        engine = SyncEngine(client, device, tmp_path / "s.json", lookback=timedelta(days=2))
        engine.run(until=BEGIN + timedelta(days=3))
        late = QuantitySample(
            "heartRate", Quantity(70, "count/min"), BEGIN + timedelta(days=2, hours=1),
            BEGIN + timedelta(days=2, hours=1),
        )  # fmt: skip
        device.samples.append(late)
        report = engine.run(until=BEGIN + timedelta(days=6))
    assert late.uuid in {s.uuid for s in store.samples("heartRate")}
    assert report.created == 40 - 24 + 1 and report.duplicate == 8 * 2


def test_a_resumed_window_keeps_its_end(
    store: HealthStore, server: tuple[str, str], tmp_path: Path
) -> None:
    """A crash mid-window, then a run with a later ``until``: the window resumes with the
    end it had, so the count of confirmed samples still points at the right place."""
    url, token = server
    device = Device(100)
    calls = [0]

    def crash(progress: SyncProgress) -> None:
        calls[0] += 1
        if calls[0] == 2:
            raise Crash

    with HealthClient(url, token) as client:
        state = tmp_path / "s.json"
        with pytest.raises(Crash):
            SyncEngine(client, device, state, chunk_size=10, progress=crash).run(
                until=BEGIN + timedelta(days=3)
            )
        SyncEngine(client, device, state, chunk_size=10).run(until=NOW)
    assert stored(store) == sorted(str(s.uuid) for s in device.samples)
