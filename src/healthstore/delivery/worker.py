"""The delivery worker: sends due notifications to their webhooks.

Each notification is POSTed as a small JSON body (ids, the type and when the change
happened; never health values) signed under its observer's secret. A 2xx answer delivers
it; anything else is retried with exponential backoff and jitter until the retry policy
gives up. Before sending, the worker asks ``may_notify`` again, so an app that lost read
access in the meantime is not told.
"""

from __future__ import annotations

import json
import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx

from healthstore.delivery.outbox import Due, Outbox
from healthstore.delivery.signing import DELIVERY_HEADER, SIGNATURE_HEADER, sign
from healthstore.times import from_micros

log = logging.getLogger("healthstore.delivery")


def wall_clock_us() -> int:
    return time.time_ns() // 1000


@dataclass(frozen=True)
class RetryPolicy:
    """Delay before attempt ``n + 1`` after ``n`` failures: ``base * 2**(n-1)`` capped at
    ``cap``, times a random factor in [0.5, 1); give up after ``max_attempts``."""

    base_s: float = 1.0
    cap_s: float = 3600.0
    max_attempts: int = 15

    def retry_at(self, now_us: int, failures: int, rand: random.Random) -> int | None:
        if failures >= self.max_attempts:
            return None
        ceiling = min(self.cap_s, self.base_s * 2 ** (failures - 1))
        return now_us + int(ceiling * (0.5 + 0.5 * rand.random()) * 1_000_000)


def notification_body(due: Due, type_name: str) -> bytes:
    """What a webhook receives."""
    return json.dumps(
        {
            "delivery_id": due.delivery_id,
            "observer_id": due.observer_id,
            "type": type_name,
            "changed_at": from_micros(due.created_us).isoformat(),
        },
        separators=(",", ":"),
    ).encode("utf-8")


class DeliveryWorker:
    """Sends the notifications of one outbox, in a background thread or step by step."""

    def __init__(
        self,
        outbox: Outbox,
        *,
        secret_for: Callable[[str], str],
        type_name: Callable[[int], str],
        may_notify: Callable[[Due], bool],
        retry: RetryPolicy | None = None,
        clock: Callable[[], int] = wall_clock_us,
        timeout_s: float = 10.0,
        poll_s: float = 5.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self._outbox = outbox
        self._secret_for = secret_for
        self._type_name = type_name
        self._may_notify = may_notify
        self._retry = retry or RetryPolicy()
        self._clock = clock
        self._poll_s = poll_s
        self._random = random.Random()
        self._http = httpx.Client(timeout=timeout_s, transport=transport, follow_redirects=False)
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._paused = threading.Event()
        self._thread: threading.Thread | None = None

    # --- stepping -------------------------------------------------------------------------
    def run_once(self) -> int:
        """Attempt every notification due now; returns how many attempts were made."""
        attempts = 0
        while True:
            with self._outbox.locked():
                batch = self._outbox.due(self._clock())
            if not batch:
                return attempts
            for due in batch:
                self._attempt(due)
                attempts += 1

    def _attempt(self, due: Due) -> None:
        with self._outbox.locked():
            if not self._may_notify(due):
                self._outbox.dropped(due, self._clock())
                return
            body = notification_body(due, self._type_name(due.type_id))
            secret = self._secret_for(due.observer_id)
            self._outbox.sending(due)
        headers = {
            "Content-Type": "application/json",
            SIGNATURE_HEADER: sign(secret, body),
            DELIVERY_HEADER: due.delivery_id,
            "User-Agent": "healthstore-webhooks",
        }
        error: str | None = None
        try:
            response = self._http.post(due.url, content=body, headers=headers)
            if not response.is_success:
                error = f"HTTP {response.status_code}"
        except Exception as exc:  # any failure to deliver is this delivery's, not the worker's
            error = type(exc).__name__
        now = self._clock()
        with self._outbox.locked():
            if error is None:
                self._outbox.delivered(due, now)
            else:
                retry_at = self._retry.retry_at(now, due.attempts + 1, self._random)
                self._outbox.attempt_failed(due, now, error, retry_at)
        if error is None:
            log.info("delivered %s to observer %s", due.delivery_id, due.observer_id)
        else:
            log.warning(
                "delivery %s to observer %s failed (%s); %s",
                due.delivery_id,
                due.observer_id,
                error,
                "giving up" if retry_at is None else "will retry",
            )

    # --- background thread ----------------------------------------------------------------
    def start(self) -> None:
        """Run in a daemon thread until :meth:`stop`."""
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._loop, name="healthstore-delivery")
        self._thread.daemon = True
        self._thread.start()

    def wake(self) -> None:
        """Look for due notifications now (a write just queued one)."""
        self._wake.set()

    def pause(self) -> None:
        """Send nothing until :meth:`resume` (the store is locked)."""
        self._paused.set()

    def resume(self) -> None:
        self._paused.clear()
        self._wake.set()

    def stop(self, timeout_s: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout_s)
            self._thread = None
        self._http.close()

    def _loop(self) -> None:
        recovered = False
        while not self._stop.is_set():
            if self._paused.is_set():
                self._wake.wait(self._poll_s)
                self._wake.clear()
                continue
            if not recovered:
                try:
                    with self._outbox.locked():
                        self._outbox.recover()
                    recovered = True
                except Exception:
                    log.exception("could not recover interrupted deliveries; will retry")
            self._wake.clear()
            try:
                self.run_once()
                with self._outbox.locked():
                    next_due = self._outbox.next_due_us()
            except Exception:
                log.exception("delivery worker step failed")
                next_due = None
            wait = self._poll_s
            if next_due is not None:
                wait = min(wait, max(0.0, (next_due - self._clock()) / 1_000_000))
            self._wake.wait(wait)
