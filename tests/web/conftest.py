"""The web app in a real browser: Debian's Chromium driven by Playwright (never a
downloaded browser), against a real server on loopback. Every page fails its test on a
console error or on any request that would leave 127.0.0.1, and screenshots land in
``tests/artifacts/web/``."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest

from healthstore import HealthStore, Quantity, QuantitySample, Source
from healthstore.server import ServerSettings, create_app
from tests.server_support import serve_app

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts" / "web"
ZONE = ZoneInfo("Europe/Paris")
PHONE = Source("com.example.phone", "Phone")
WATCH = Source("com.example.watch", "Watch")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--headless",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One Chromium for the session (Debian's; ``make test`` installs it)."""
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is absent: apt-get install chromium (make test does, as root)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def fill_store(store: HealthStore, today: datetime) -> None:
    """A month of steps from a phone and a watch (overlapping), heart rate, body mass."""
    samples: list[Any] = []
    for back in range(40):
        day = (today - timedelta(days=back)).replace(hour=9, minute=0, second=0, microsecond=0)
        for hour in range(0, 8, 2):
            start = day + timedelta(hours=hour)
            end = start + timedelta(minutes=30)
            samples.append(
                QuantitySample(
                    "stepCount", Quantity(500 + back * 7 + hour, "count"), start, end, source=PHONE
                )
            )
            samples.append(
                QuantitySample(
                    "stepCount", Quantity(650 + back * 3 + hour, "count"), start, end, source=WATCH
                )
            )
            samples.append(
                QuantitySample(
                    "heartRate",
                    Quantity(60 + (back * 13 + hour * 7) % 60, "count/min"),
                    start,
                    source=WATCH,
                )
            )
        samples.append(
            QuantitySample("bodyMass", Quantity(70 + (back % 5) / 10, "kg"), day, source=PHONE)
        )
    store.save(samples)


@dataclass
class Served:
    """A store served on loopback, with its app."""

    store: HealthStore
    url: str
    app: Any

    def sign_in_link(self) -> str:
        return f"{self.url}/signin/link?token={self.app.state.web.links.issue()}"


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    """A plain store with a month of data, served with the web app (Paris time). Today
    has data whatever the hour (in the future before 9:00), so no page is empty just after
    midnight."""
    with HealthStore.create(tmp_path / "store") as store:
        fill_store(store, datetime.now(ZONE))
        app = create_app(store, ServerSettings(deliveries=False), zone=ZONE)
        with serve_app(app) as url:
            yield Served(store, url, app)


@dataclass
class Watched:
    """What a page did that a test must not allow."""

    console_errors: list[str] = field(default_factory=list)
    outside: list[str] = field(default_factory=list)
    expected: list[str] = field(default_factory=list)
    """Console errors a test provokes on purpose (a refused upload's status)."""

    def unexpected(self) -> list[str]:
        return [e for e in self.console_errors if not any(x in e for x in self.expected)]


@pytest.fixture
def page(browser: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A fresh browser context and page: requests off loopback are aborted and fail the
    test, as do console errors."""
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    watched = Watched()

    def route(r: Any) -> None:
        host = urlsplit(r.request.url).hostname
        if host == "127.0.0.1":
            r.continue_()
        else:
            watched.outside.append(r.request.url)
            r.abort()

    context.route("**/*", route)
    pg = context.new_page()
    pg.on("console", lambda m: watched.console_errors.append(m.text) if m.type == "error" else None)
    pg.on("pageerror", lambda e: watched.console_errors.append(str(e)))
    pg.watched = watched
    yield pg
    context.close()
    assert not watched.outside, f"requests left 127.0.0.1: {watched.outside}"
    assert not watched.unexpected(), f"console errors: {watched.unexpected()}"


def shoot(page: Any, name: str) -> Path:
    """Save a screenshot of the whole page as a test artifact (the ones in docs/img/ come
    from the demo store: tools/web_screenshots.py)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
