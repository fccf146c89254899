"""The web app, timed in Chromium against the demo store:
``python bench/web_timing.py [--store var/demo] [--repeats 5]``.

Each page's server time is read from the browser's Navigation Timing (``responseStart -
requestStart``: the request sent until the first byte back, on loopback) and printed beside
the same page's library work done in-process (the reference: what the page cannot be
faster than). The heart-rate year chart is timed from the click on "Y" until uPlot has
drawn it. Goals (the project's issue): every page ≤ 300 ms of server time; a year of
heart rate ≤ 1 s from click to drawn. Medians of ``--repeats``.
"""

from __future__ import annotations

import argparse
import socket
import statistics
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import uvicorn

from healthstore import HealthStore
from healthstore.server import ServerSettings, create_app
from healthstore.server.web.categories import browsable_types
from healthstore.server.web.charts import chart
from healthstore.server.web.figures import summary_cards
from healthstore.server.web.ranges import window

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox", "--disable-gpu", "--headless", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]  # fmt: skip


@contextmanager
def served(store: HealthStore) -> Iterator[tuple[str, Any]]:
    app = create_app(store, ServerSettings(deliveries=False))
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}", app
    finally:
        server.should_exit = True
        thread.join(30)
        sock.close()


def median_ms(fn: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def server_ms(page: Any, url: str, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        page.goto(url)
        times.append(
            page.evaluate(
                "(() => { const n = performance.getEntriesByType('navigation')[0];"
                " return n.responseStart - n.requestStart; })()"
            )
        )
    return float(statistics.median(times))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--store", default="var/demo", help="a plain store (healthstore demo ensure DIR)"
    )
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    if not Path(CHROMIUM).exists():
        print(f"{CHROMIUM} is absent (apt-get install chromium)", file=sys.stderr)
        return 2
    from playwright.sync_api import sync_playwright

    store = HealthStore.open(args.store)
    with served(store) as (url, app):
        zone = app.state.web.zone
        today = datetime.now(zone).date()
        workout = store.samples("workout", sort="-start", limit=1)
        year = window("Y", 0, today, zone)
        pages: list[tuple[str, str, Callable[[], object] | None]] = [
            ("summary", "/", lambda: summary_cards(store, today, zone)),
            ("browse", "/browse", lambda: (store.summary(), browsable_types())),
            *[
                (f"heart rate {r}", f"/types/heartRate?range={r}",
                 (lambda r=r: chart(store, "heartRate", window(r, 0, today, zone), zone, None)))
                for r in ("D", "W", "M", "6M", "Y")
            ],
            ("steps M", "/types/stepCount?range=M",
             lambda: chart(store, "stepCount", window("M", 0, today, zone), zone, None)),
            ("sleep W (stage timeline)", "/types/sleepAnalysis?range=W",
             lambda: chart(store, "sleepAnalysis", window("W", 0, today, zone), zone, None)),
            ("heart rate, all data", "/types/heartRate/data",
             lambda: store.samples("heartRate", sort="-start", limit=51)),
            ("workouts", "/workouts", lambda: store.samples("workout", sort="-start", limit=31)),
            *([("a workout", f"/workouts/{workout[0].uuid}", None)] if workout else []),
            ("health records", "/records", None),
            ("apps", "/apps", lambda: (store.apps(), store.pending_requests())),
            ("profile", "/profile", None),
            ("import and export", "/transfer", None),
        ]  # fmt: skip
        rows = []
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            page = browser.new_page()
            page.goto(f"{url}/signin/link?token={app.state.web.links.issue()}")
            for name, path, reference in pages:
                ours = server_ms(page, url + path, args.repeats)
                ref = median_ms(reference, args.repeats) if reference else None
                rows.append((name, ours, ref))
            clicks = []
            for _ in range(args.repeats):
                page.goto(f"{url}/types/heartRate?range=W")
                page.wait_for_selector("#chart[data-drawn=true]")
                t0 = time.perf_counter()
                page.get_by_role("link", name="Y", exact=True).click()
                page.wait_for_selector("#chart[data-drawn=true]")
                clicks.append((time.perf_counter() - t0) * 1000)
            browser.close()
        year_ref = median_ms(lambda: chart(store, "heartRate", year, zone, None), args.repeats)
    store.close()
    print(f"{'page':28} {'server ms':>10} {'library ms':>11} {'ratio':>6}")
    for name, ours, ref in rows:
        ratio = f"{ours / ref:.1f}" if ref else ""
        ref_text = f"{ref:.1f}" if ref is not None else "—"
        print(f"{name:28} {ours:10.1f} {ref_text:>11} {ratio:>6}")
    click = statistics.median(clicks)
    print(
        f"{'heart rate Y: click→drawn':28} {click:10.1f} {year_ref:11.1f} {click / year_ref:6.1f}"
    )
    worst = max(ours for _, ours, _ in rows)
    print(f"\nworst page {worst:.0f} ms (goal ≤ 300); year chart {click:.0f} ms (goal ≤ 1000)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
