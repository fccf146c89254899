"""HTTP upload and change-feed reads: 4 clients POSTing batches of 1,000 to a real server.

The server is ``healthstore serve`` in its own process on 127.0.0.1 (uvicorn, one worker,
webhooks off). Four client threads take pre-encoded JSON batches of minute-by-minute heart
rate from one queue and POST them to ``/v1/samples``; the rate is samples stored per second
of wall time, and the latency of each batch is recorded.

References, measured in the same run on the same batches:
- in-process ``AppStore.save_each`` of the same samples already built as objects, into a
  fresh store (what the HTTP path adds: transport, JSON, parsing into samples);
- in-process ``sample_from_json`` + ``save_each`` of the same JSON (the server's work
  without HTTP), to show where the rest goes;
- for the change feed, ``AppStore.changes`` in process against ``HealthClient.changes``
  paging ``GET /v1/changes`` over HTTP.
"""

from __future__ import annotations

import queue
import signal
import statistics
import subprocess
import sys
import threading
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import orjson

from common import (
    HEART_RATE_UNIT,
    PARIS,
    WATCH,
    Result,
    heart_rate,
    millis,
    minutes,
    rate,
    stopwatch,
    times,
)
from healthstore import HealthStore, Quantity, QuantitySample
from healthstore.client import HealthClient
from healthstore.wire import sample_from_json, sample_to_json

FIRST = datetime(2024, 1, 1, tzinfo=PARIS)
CLIENTS = 4
FULL_SAMPLES = 200_000
BATCH = 1000
GOAL_RATE = 50_000
GOAL_P99_MS = 250.0
MANIFEST = {
    "bundle_id": "org.healthstore.bench",
    "name": "Bench",
    "usage_descriptions": {
        "NSHealthShareUsageDescription": "Reads what it wrote.",
        "NSHealthUpdateUsageDescription": "Uploads heart rate.",
    },
    "privacy_policy_url": "https://example.com/privacy",
    "entitlements": ["healthkit"],
    "purposes": ["research"],
}


def _store(directory: Path) -> tuple[HealthStore, str]:
    store = HealthStore.create(directory)
    token = store.register_app(MANIFEST)
    store.app(MANIFEST["bundle_id"]).request_authorization(share=["heartRate"], read=["heartRate"])
    store.grant(MANIFEST["bundle_id"], share=["heartRate"], read=["heartRate"])
    return store, token


def _samples(count: int) -> list[QuantitySample]:
    return [
        QuantitySample("heartRate", Quantity(heart_rate(i), HEART_RATE_UNIT), at, at, source=WATCH)
        for i, at in enumerate(minutes(FIRST, count))
    ]


def _serve(directory: Path, port: int) -> subprocess.Popen[bytes]:
    code = "from healthstore.cli import main; main()"
    args = ["serve", "--store", str(directory), "--port", str(port), "--no-deliveries"]
    process = subprocess.Popen(
        [sys.executable, "-c", code, *args], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    for _ in range(1200):
        try:
            httpx.get(f"http://127.0.0.1:{port}/health", timeout=1.0)
            return process
        except httpx.TransportError:
            try:
                process.wait(0.05)
            except subprocess.TimeoutExpired:
                continue
            raise RuntimeError("the server exited at start") from None
    raise RuntimeError("the server did not start")


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _upload(url: str, token: str, bodies: list[bytes]) -> tuple[float, list[float], int]:
    """POST every body from ``CLIENTS`` threads; wall seconds, latencies, samples created."""
    work: queue.Queue[bytes] = queue.Queue()
    for body in bodies:
        work.put(body)
    latencies: list[float] = []
    created = [0]
    lock = threading.Lock()
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def client() -> None:
        with httpx.Client(base_url=url, headers=headers, timeout=120) as http:
            while True:
                try:
                    body = work.get_nowait()
                except queue.Empty:
                    return
                with stopwatch() as took:
                    answer = http.post("/v1/samples", content=body)
                answer.raise_for_status()
                n = orjson.loads(answer.content)["created"]
                with lock:
                    latencies.append(took())
                    created[0] += n

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    with stopwatch() as elapsed:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    return elapsed(), latencies, created[0]


def _percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def run(count: int, scratch: Path) -> tuple[list[Result], list[str]]:
    samples = _samples(count)
    batches = [samples[i : i + BATCH] for i in range(0, count, BATCH)]
    payloads = [[sample_to_json(s) for s in batch] for batch in batches]
    bodies = [orjson.dumps({"samples": p}) for p in payloads]

    # in process, objects already built
    store, _ = _store(scratch / "objects")
    app = store.app(MANIFEST["bundle_id"])
    with stopwatch() as in_process:
        for batch in batches:
            app.save_each(batch)
    store.close()
    # in process, from the JSON
    store, _ = _store(scratch / "json")
    app = store.app(MANIFEST["bundle_id"])
    with stopwatch() as from_json:
        for payload in payloads:
            app.save_each([sample_from_json(item) for item in orjson.loads(orjson.dumps(payload))])
    in_process_changes = _timed_changes(app)
    store.close()

    # over HTTP
    directory = scratch / "http"
    store, token = _store(directory)
    store.close()
    port = _free_port()
    server = _serve(directory, port)
    try:
        wall, latencies, created = _upload(f"http://127.0.0.1:{port}", token, bodies)
        with HealthClient(f"http://127.0.0.1:{port}", token) as client, stopwatch() as feed:
            fed = client.changes("heartRate")
        http_changes = feed()
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(60)
    if created != count or len(fed.added) != count:
        raise RuntimeError(f"uploaded {created:,} and read {len(fed.added):,} of {count:,}")
    p50, p99 = _percentile(latencies, 50), _percentile(latencies, 99)
    http_rate = count / wall
    results = [
        Result(
            f"upload, {CLIENTS} clients × batches of {BATCH:,}",
            rate(count, wall),
            rate(count, in_process()),
            times(in_process(), wall),
            f">= {GOAL_RATE:,} /s",
            http_rate >= GOAL_RATE,
        ),
        Result(
            "  same batches, in process from JSON",
            rate(count, from_json()),
            rate(count, in_process()),
            times(in_process(), from_json()),
        ),
        Result("upload batch latency p50", millis(p50)),
        Result(
            "upload batch latency p99",
            millis(p99),
            goal=f"<= {GOAL_P99_MS:.0f} ms",
            met=p99 * 1000 <= GOAL_P99_MS,
        ),
        Result(
            "change feed read (GET /v1/changes)",
            rate(count, http_changes),
            rate(count, in_process_changes),
            times(in_process_changes, http_changes),
        ),
    ]
    lines = [
        f"Upload: {count:,} heart-rate samples as {len(bodies):,} JSON batches of {BATCH:,} "
        f"({sum(map(len, bodies)) / len(bodies) / 1024:,.0f} KiB each), {CLIENTS} client "
        f"threads, `healthstore serve` in its own process; reference: in-process "
        f"`AppStore.save_each` of the same samples as objects. Change feed: every sample read "
        f"back through `HealthClient.changes` (pages of 5,000) against `AppStore.changes`."
    ]
    return results, lines


def _timed_changes(app: Any) -> float:
    with stopwatch() as elapsed:
        app.changes("heartRate")
    return elapsed()
