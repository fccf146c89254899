"""What every person gets: pages that fit a phone's width, a dark mode, and an expired
session that returns to the page after signing in again."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from tests.web.conftest import ZONE, Served, shoot

PAGES = ["/", "/browse", "/types/heartRate?range=M", "/types/stepCount/data", "/apps",
         "/workouts", "/records", "/transfer", "/profile", "/types/sleepAnalysis?range=W",
         "/types/bloodPressure", "/types/headache"]  # fmt: skip


@pytest.fixture
def phone(browser: Any) -> Any:
    context = browser.new_context(viewport={"width": 375, "height": 740}, color_scheme="dark")
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    yield page
    context.close()
    assert not errors


def test_every_page_fits_a_phone_and_is_dark_when_asked(served: Served, phone: Any) -> None:
    from tests.web.test_sleep import _night

    served.store.save(_night(datetime.now(ZONE).date() - timedelta(days=1)))
    phone.goto(served.sign_in_link())
    for path in PAGES:
        phone.goto(served.url + path)
        wide = phone.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert wide <= 1, f"{path} is {wide}px wider than a phone"
        background = phone.evaluate("getComputedStyle(document.body).backgroundColor")
        assert background == "rgb(0, 0, 0)", path
        assert phone.locator("main").count() == 1 and phone.locator("nav[aria-label]").count()
    shoot(phone, "phone-dark-profile")


def test_an_expired_session_signs_in_again_and_returns_to_the_page(
    served: Served, page: Any
) -> None:
    served.store.set_owner_password("correct horse battery")
    page.goto(served.sign_in_link())
    served.app.state.web.sessions.end_all()  # as if it had expired
    page.goto(f"{served.url}/types/heartRate?range=M&page=1")
    assert "/signin?next=" in page.url
    page.fill("#secret", "correct horse battery")
    page.click("button[type=submit]")
    assert page.url == f"{served.url}/types/heartRate?range=M&page=1"


def test_every_control_is_labelled_and_the_skip_link_comes_first(served: Served, page: Any) -> None:
    page.goto(served.sign_in_link())
    for path in PAGES:
        page.goto(served.url + path)
        for control in page.locator(
            "main input:not([type=hidden]), main select, main textarea"
        ).all():
            ident = control.get_attribute("id")
            named = control.get_attribute("aria-label") or (
                ident and page.locator(f"label[for='{ident}']").count() == 1
            )
            assert named, f"{path}: a control without a label ({ident})"
        for svg in page.locator("main svg").all():
            assert svg.get_attribute("role") == "img" and svg.get_attribute("aria-label"), path
    page.goto(served.url + "/types/headache")
    page.keyboard.press("Tab")
    assert page.locator(":focus").get_attribute("class") == "skip"
    page.keyboard.press("Enter")
    assert page.url.endswith("#main")
