"""Adding data of every kind the person records by hand: a symptom with its severity, a
mindful session, a sleep stage across midnight, and blood pressure as a pair that becomes
the correlation of its two values; a bad value keeps what was typed, its error beside it."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from healthstore.model import CategorySample, Correlation
from healthstore.server.web.forms import WEB_SOURCE
from tests.conftest import quantity_of
from tests.web.conftest import ZONE, Served, shoot


def _yesterday() -> str:
    return (datetime.now(ZONE).date() - timedelta(days=1)).isoformat()


def _mine(served: Served, type_name: str) -> list[Any]:
    return [
        s
        for s in served.store.samples(type_name)
        if s.source and s.source.bundle_id == WEB_SOURCE.bundle_id
    ]


def test_a_symptom_with_its_severity(served: Served, page: Any) -> None:
    page.goto(served.sign_in_link())
    page.goto(f"{served.url}/types/headache")
    page.select_option("#add-value", label="Moderate")
    page.fill("#add-date", _yesterday())
    page.fill("#add-time", "14:30")
    page.fill("#add-end_time", "16:00")
    page.get_by_role("button", name="Add", exact=True).click()
    page.wait_for_url("**/types/headache/data?added=*")
    (saved,) = _mine(served, "headache")
    assert isinstance(saved, CategorySample) and saved.label == "Moderate"
    assert saved.end - saved.start == timedelta(minutes=90)
    assert saved.start.astimezone(ZONE).strftime("%H:%M") == "14:30"
    row = page.locator(f"[data-uuid='{saved.uuid}']")
    assert row.count() == 1 and "Moderate" in row.text_content()


def test_a_mindful_session_and_a_night_across_midnight(served: Served, page: Any) -> None:
    page.goto(served.sign_in_link())
    page.goto(f"{served.url}/types/mindfulSession")
    assert page.locator("#add-value").count() == 0  # one value only: nothing to choose
    page.fill("#add-date", _yesterday())
    page.fill("#add-time", "07:00")
    page.fill("#add-end_time", "07:20")
    page.get_by_role("button", name="Add", exact=True).click()
    page.wait_for_url("**/data?added=*")
    (session,) = _mine(served, "mindfulSession")
    assert session.end - session.start == timedelta(minutes=20)

    two_days = (datetime.now(ZONE).date() - timedelta(days=2)).isoformat()
    page.goto(f"{served.url}/types/sleepAnalysis")
    page.select_option("#add-value", label="Asleep Core")
    page.fill("#add-date", two_days)
    page.fill("#add-time", "23:00")
    page.fill("#add-end_time", "06:30")  # the next morning
    page.get_by_role("button", name="Add", exact=True).click()
    page.wait_for_url("**/data?added=*")
    (night,) = _mine(served, "sleepAnalysis")
    assert night.label == "AsleepCore" and night.end - night.start == timedelta(hours=7.5)


def test_blood_pressure_is_saved_as_the_pair(served: Served, page: Any) -> None:
    page.goto(served.sign_in_link())
    page.goto(f"{served.url}/types/bloodPressure")
    page.fill("#add-systolic", "80")
    page.fill("#add-diastolic", "120")
    page.fill("#add-date", _yesterday())
    page.get_by_role("button", name="Add", exact=True).click()
    error = page.locator("#add-diastolic-error")
    assert "lower" in error.text_content()
    assert page.locator("#add-diastolic").get_attribute("aria-describedby") == "add-diastolic-error"
    assert page.input_value("#add-systolic") == "80"  # what was typed is kept
    assert page.input_value("#add-diastolic") == "120"
    assert not _mine(served, "bloodPressure")
    shoot(page, "add-blood-pressure-error")
    page.fill("#add-systolic", "121")
    page.fill("#add-diastolic", "79")
    page.get_by_role("button", name="Add", exact=True).click()
    page.wait_for_url("**/data?added=*")
    (pressure,) = _mine(served, "bloodPressure")
    assert isinstance(pressure, Correlation)
    members = {o.type.short_name: quantity_of(o).value_in("mmHg") for o in pressure.objects}
    assert members == {"bloodPressureSystolic": 121, "bloodPressureDiastolic": 79}
    assert "121/79 mmHg" in page.text_content("main")
    # the statistics of each member see the reading
    day = pressure.start - timedelta(hours=13)
    stat = served.store.statistics(
        "bloodPressureSystolic", start=day, end=day + timedelta(days=1), options="discreteMax"
    )
    assert stat.maximum is not None and stat.maximum.value_in("mmHg") == 121


def test_a_bad_time_keeps_the_form(served: Served, page: Any) -> None:
    page.goto(served.sign_in_link())
    page.goto(f"{served.url}/types/headache")
    page.select_option("#add-value", label="Severe")
    page.fill("#add-date", _yesterday())
    page.fill("#add-time", "14:30")
    page.fill("#add-end_date", (datetime.now(ZONE).date() - timedelta(days=3)).isoformat())
    page.get_by_role("button", name="Add", exact=True).click()
    assert "before the start" in page.text_content("#add-end_time-error")
    assert page.input_value("#add-value") == "Severe"
    assert page.input_value("#add-time") == "14:30"
    assert not _mine(served, "headache")
