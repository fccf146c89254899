"""Background delivery: observers, the outbox, signed webhooks to a real receiver, retries,
coalescing, pausing, privacy, and a server killed between a write and its delivery."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from healthstore import HealthStore, Quantity, QuantitySample
from healthstore.client import HealthClient, verify_signature
from healthstore.delivery.worker import RetryPolicy
from healthstore.errors import AuthorizationDenied, InvalidArgument
from healthstore.store.app import AppStore
from tests.conftest import PHONE, at
from tests.server_support import WebhookReceiver

BUNDLE = "com.example.coach"
MANIFEST: dict[str, Any] = {
    "bundle_id": BUNDLE,
    "name": "Coach",
    "usage_descriptions": {
        "NSHealthShareUsageDescription": "Shows your steps.",
        "NSHealthUpdateUsageDescription": "Records your walks.",
    },
    "privacy_policy_url": "https://example.com/privacy",
    "entitlements": ["healthkit", "background-delivery"],
    "purposes": ["fitness"],
}
HOUR = 3_600_000_000


class Clock:
    """A clock the tests move by hand (µs since the epoch)."""

    def __init__(self) -> None:
        self.now = time.time_ns() // 1000 + 60_000_000  # a minute ahead of the writes

    def __call__(self) -> int:
        return self.now


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    r = WebhookReceiver()
    yield r
    r.close()


@pytest.fixture
def app(store: HealthStore) -> AppStore:
    store.register_app(MANIFEST)
    app = store.app(BUNDLE)
    app.request_authorization(share=["stepCount"], read=["stepCount"])
    store.grant(BUNDLE, share=["stepCount"])
    return app


def steps(n: float, start: float = 0) -> QuantitySample:
    return QuantitySample("stepCount", Quantity(n, "count"), at(start), at(start + 5))


def phone_steps(n: float, start: float = 0) -> QuantitySample:
    return QuantitySample("stepCount", Quantity(n, "count"), at(start), at(start + 5), source=PHONE)


def test_a_delivery_is_signed_and_carries_no_values(
    store: HealthStore, app: AppStore, receiver: WebhookReceiver
) -> None:
    observer = app.add_observer("stepCount", receiver.url)
    worker = store.delivery_worker()
    app.save(steps(4321.5))  # a value no hex id or timestamp can contain
    assert worker.run_once() == 1
    (delivery,) = receiver.wait_for(1)
    assert observer.secret is not None
    assert verify_signature(
        observer.secret, delivery.body, delivery.headers["x-healthstore-signature"]
    )
    assert not verify_signature(
        observer.secret, delivery.body + b" ", delivery.headers["x-healthstore-signature"]
    )
    body = json.loads(delivery.body)
    assert body["observer_id"] == observer.id and body["type"] == "stepCount"
    assert delivery.headers["x-healthstore-delivery"] == body["delivery_id"]
    assert b"4321.5" not in delivery.body and b"4321" not in delivery.body.replace(
        observer.id.encode(), b""
    ).replace(body["delivery_id"].encode(), b"")
    assert worker.run_once() == 0  # nothing more to send


def test_an_app_hears_only_of_changes_it_may_see(
    store: HealthStore, app: AppStore, receiver: WebhookReceiver
) -> None:
    app.add_observer("stepCount", receiver.url)
    worker = store.delivery_worker()
    store.save(phone_steps(10))  # not the app's, and it may not read steps
    assert worker.run_once() == 0
    assert store.deliveries() == []
    app.save(steps(5))  # its own samples it always sees
    assert worker.run_once() == 1
    store.grant(BUNDLE, read=["stepCount"], history=True)
    app.acknowledge_observer(app.observers()[0].id)
    store.save(phone_steps(11, 30))
    assert worker.run_once() == 1
    assert len(receiver.wait_for(2)) == 2


def test_losing_read_access_drops_a_queued_notification(
    store: HealthStore, app: AppStore, receiver: WebhookReceiver
) -> None:
    store.grant(BUNDLE, read=["stepCount"], history=True)
    app.add_observer("stepCount", receiver.url)
    store.save(phone_steps(10))
    store.revoke(BUNDLE, read=["stepCount"])
    worker = store.delivery_worker()
    assert worker.run_once() == 1
    assert receiver.deliveries == []
    assert [d.state for d in store.deliveries()] == ["dropped"]


def test_background_delivery_needs_its_entitlement(store: HealthStore) -> None:
    store.register_app(
        {**MANIFEST, "bundle_id": "com.example.plain", "entitlements": ["healthkit"]}
    )
    with pytest.raises(AuthorizationDenied) as denied:
        store.app("com.example.plain").add_observer("stepCount", "http://127.0.0.1:9/")
    assert "background-delivery" in denied.value.message


def test_failures_are_retried_with_growing_jittered_delays(
    store: HealthStore, app: AppStore
) -> None:
    receiver = WebhookReceiver(statuses=[500, 503, 500])
    try:
        app.add_observer("stepCount", receiver.url)
        clock = Clock()
        policy = RetryPolicy(base_s=2.0, cap_s=60.0, max_attempts=10)
        worker = store.delivery_worker(clock=clock, retry=policy)
        app.save(steps(1))
        delays = []
        for _ in range(3):
            assert worker.run_once() == 1
            (history,) = store.deliveries()
            assert history.state == "pending" and history.last_error is not None
            delays.append(history.due_us - clock.now)
            assert worker.run_once() == 0  # not due yet
            clock.now = history.due_us
        for n, delay in enumerate(delays):
            ceiling = 2.0 * 2**n * 1_000_000
            assert ceiling / 2 <= delay <= ceiling
        assert worker.run_once() == 1
        receiver.wait_for(1)
        (done,) = store.deliveries()
        assert done.state == "delivered" and done.attempts == 4
    finally:
        receiver.close()


def test_giving_up_after_the_last_attempt(store: HealthStore, app: AppStore) -> None:
    receiver = WebhookReceiver(statuses=[500] * 10)
    try:
        app.add_observer("stepCount", receiver.url)
        clock = Clock()
        worker = store.delivery_worker(clock=clock, retry=RetryPolicy(max_attempts=3))
        app.save(steps(1))
        for _ in range(3):
            worker.run_once()
            clock.now += HOUR * 24
        (failed,) = store.deliveries()
        assert failed.state == "failed" and failed.attempts == 3
    finally:
        receiver.close()


def test_frequency_caps_the_rate_and_changes_coalesce(
    store: HealthStore, app: AppStore, receiver: WebhookReceiver
) -> None:
    app.add_observer("stepCount", receiver.url, "hourly")
    clock = Clock()
    worker = store.delivery_worker(clock=clock)
    app.save(steps(1))
    assert worker.run_once() == 1
    app.acknowledge_observer(app.observers()[0].id)
    for i in range(5):
        app.save(steps(1, 10 + i * 10))
    assert worker.run_once() == 0  # within the hour: waits
    assert app.observers()[0].pending == 1  # five changes, one notification
    clock.now += HOUR
    assert worker.run_once() == 1
    assert len(receiver.wait_for(2)) == 2


def test_three_unacknowledged_deliveries_pause_the_observer(
    store: HealthStore, app: AppStore, receiver: WebhookReceiver
) -> None:
    observer = app.add_observer("stepCount", receiver.url)
    worker = store.delivery_worker()
    for i in range(3):
        app.save(steps(1, i * 10))
        assert worker.run_once() == 1
    assert app.observers()[0].paused
    app.save(steps(1, 100))
    app.save(steps(1, 110))
    assert worker.run_once() == 0
    assert app.observers()[0].pending == 1
    assert not app.acknowledge_observer(observer.id).paused
    assert worker.run_once() == 1
    assert len(receiver.wait_for(4)) == 4


def test_a_failed_write_queues_nothing(
    store: HealthStore, app: AppStore, receiver: WebhookReceiver
) -> None:
    app.add_observer("stepCount", receiver.url)
    kept = steps(1)
    app.save(kept)
    store.delivery_worker().run_once()
    app.acknowledge_observer(app.observers()[0].id)
    clash = QuantitySample("stepCount", Quantity(2, "count"), at(0), at(5), uuid=kept.uuid)
    with pytest.raises(Exception, match="different content"):
        app.save([steps(3, 50), clash])
    assert app.observers()[0].pending == 0


def test_removing_an_app_removes_its_observers(store: HealthStore, app: AppStore) -> None:
    app.add_observer("stepCount", "http://127.0.0.1:9/hook")
    store.remove_app(BUNDLE)
    assert store.observers() == []


# --- a real server, killed between a write and its delivery --------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start_server(directory: Path, port: int) -> subprocess.Popen[bytes]:
    code = "from healthstore.cli import main; main()"
    process = subprocess.Popen(
        [sys.executable, "-c", code, "serve", "--store", str(directory), "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    for _ in range(600):  # wait until it answers (a ready check, not a timing assertion)
        try:
            httpx.get(f"http://127.0.0.1:{port}/health", timeout=1.0)
            return process
        except httpx.TransportError:
            if process.poll() is not None:
                raise AssertionError("the server exited at start") from None
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(0.05)
    raise AssertionError("the server did not start")


def test_a_notification_survives_a_killed_server(tmp_path: Path) -> None:
    directory = tmp_path / "store"
    with HealthStore.create(directory) as store:
        token = store.register_app(MANIFEST)
        store.app(BUNDLE).request_authorization(share=["stepCount"], read=["stepCount"])
        store.grant(BUNDLE, share=["stepCount"])
    hook_port = _free_port()  # nobody listens there yet: the first attempt fails
    port = _free_port()
    server = _start_server(directory, port)
    try:
        with HealthClient(f"http://127.0.0.1:{port}", token) as client:
            client.add_observer("stepCount", f"http://127.0.0.1:{hook_port}/hook")
            client.save(steps(7))
    finally:
        server.send_signal(signal.SIGKILL)
        server.wait()
    with HealthStore.open(directory) as store:
        (queued,) = store.deliveries()
        assert queued.state in ("pending", "sending")  # killed before, or during, an attempt
    receiver = WebhookReceiver(port=hook_port)
    server = _start_server(directory, port)
    try:
        (delivery,) = receiver.wait_for(1, timeout=60)
        assert json.loads(delivery.body)["delivery_id"] == queued.delivery_id
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(30)
        receiver.close()


def test_a_change_while_a_delivery_is_out_gets_its_own(store: HealthStore, app: AppStore) -> None:
    changes = [steps(2, 60)]

    def change_once() -> None:
        while changes:
            app.save(changes.pop())

    receiver = WebhookReceiver(on_delivery=change_once)
    try:
        app.add_observer("stepCount", receiver.url)
        worker = store.delivery_worker()
        app.save(steps(1))
        assert worker.run_once() == 2  # the change made during the first POST got its own
        first, second = receiver.wait_for(2)
        assert json.loads(first.body)["delivery_id"] != json.loads(second.body)["delivery_id"]
    finally:
        receiver.close()


def test_one_broken_webhook_does_not_stop_the_others(
    store: HealthStore, app: AppStore, receiver: WebhookReceiver
) -> None:
    app.add_observer("stepCount", receiver.url)
    broken = app.add_observer("stepCount", "http://127.0.0.1:9/hook")
    # an observer stored before URLs were checked this strictly
    store._backend.execute(
        "UPDATE observers SET url = ? WHERE public_id = ?", ("https://xn--zz/", broken.id)
    )
    worker = store.delivery_worker(clock=Clock())
    app.save(steps(1))
    assert worker.run_once() == 2
    receiver.wait_for(1)
    states = sorted(d.state for d in store.deliveries())
    assert states == ["delivered", "pending"]


@pytest.mark.parametrize("url", ["https://xn--zz/", "http://[::1/", "mailto:a@b.c", "/relative"])
def test_unusable_webhook_urls_are_refused(app: AppStore, url: str) -> None:
    with pytest.raises(InvalidArgument) as refused:
        app.add_observer("stepCount", url)
    assert refused.value.field == "url"


def test_a_sending_notification_left_by_a_crash_is_sent_again(
    store: HealthStore, app: AppStore, receiver: WebhookReceiver
) -> None:
    app.add_observer("stepCount", receiver.url)
    app.save(steps(1))
    store._backend.execute("UPDATE deliveries SET state = 'sending'")
    worker = store.start_deliveries()
    try:
        (delivery,) = receiver.wait_for(1)
        assert json.loads(delivery.body)["delivery_id"] == store.deliveries()[0].delivery_id
    finally:
        store.stop_deliveries()
    assert worker is not None
