"""What a person does in the web app, checked against the library: the summary's numbers,
a type's chart at every range, adding a value in another unit, deleting it (only once
confirmed), and reordering sources to change the merged figures."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from healthstore.query import predicates as p
from healthstore.server.web.figures import midnight
from healthstore.server.web.forms import WEB_SOURCE
from healthstore.server.web.ranges import RANGES, window
from healthstore.units import Quantity
from tests.conftest import quantity_of
from tests.web.conftest import ZONE, Served, shoot


def _sign_in(page: Any, served: Served) -> None:
    page.goto(served.sign_in_link())
    assert page.url == f"{served.url}/"


def _day_total(served: Served, type_name: str, day: Any, option: str) -> Any:
    return served.store.statistics(
        type_name,
        start=midnight(day, ZONE),
        end=midnight(day + timedelta(days=1), ZONE),
        options=option,
    )


def test_the_summary_shows_the_librarys_statistics(served: Served, page: Any) -> None:
    _sign_in(page, served)
    shoot(page, "summary")
    today = datetime.now(ZONE).date()
    steps = page.text_content("[data-testid=value-stepCount]")
    when = page.text_content("[data-type=stepCount] .when")
    day = today if when == "Today" else datetime.strptime(when, "%d %b %Y").date()
    expected = _day_total(served, "stepCount", day, "cumulativeSum").sum.value_in("count")
    assert steps == f"{expected:,.0f}"
    heart = _day_total(served, "heartRate", day, "discreteMin,discreteMax")
    low, high = heart.minimum.value_in("count/min"), heart.maximum.value_in("count/min")
    assert page.text_content("[data-testid=value-heartRate]") == f"{low:.0f}–{high:.0f}"
    latest = served.store.samples("bodyMass", sort="-start", limit=1)[0]
    assert (
        page.text_content("[data-testid=value-bodyMass]")
        == f"{quantity_of(latest).value_in('kg'):,.1f}"
    )
    assert page.locator("[data-type=stepCount] svg.spark rect").count() == 7


def _table(page: Any) -> list[list[float | None]]:
    rows = []
    for row in page.locator("#chart-table tbody tr").all():
        cells = row.locator("td[data-value]").all()
        rows.append([float(v) if (v := c.get_attribute("data-value")) else None for c in cells])
    return rows


@pytest.mark.parametrize("range_name", RANGES)
def test_heart_rate_at_each_range_equals_the_statistics(
    served: Served, page: Any, range_name: str
) -> None:
    _sign_in(page, served)
    page.goto(f"{served.url}/types/heartRate?range={range_name}")
    page.wait_for_selector("#chart[data-drawn=true]")
    shown = _table(page)
    w = window(range_name, 0, datetime.now(ZONE).date(), ZONE)
    buckets = served.store.statistics_collection(
        "heartRate", anchor=w.start, interval=w.interval, start=w.start, end=w.end,
        options="discreteAverage,discreteMin,discreteMax", tz=ZONE,
    )  # fmt: skip

    def q(x: Quantity | None) -> float | None:
        return None if x is None else round(x.value_in("count/min"), 6)

    assert shown == [[q(b.minimum), q(b.average), q(b.maximum)] for b in buckets]
    assert any(v is not None for row in shown for v in row)
    if range_name == "Y":
        shoot(page, "heart-rate-year")
    page.click("text=‹ Earlier")
    page.wait_for_selector("#chart[data-drawn=true]")
    back = window(range_name, 1, datetime.now(ZONE).date(), ZONE)
    assert page.locator("#chart-table tbody tr").first.get_attribute("data-start") == (
        back.start.isoformat()
    )


def test_a_body_mass_added_in_lb_is_found_in_kg_and_deleted_only_when_confirmed(
    served: Served, page: Any
) -> None:
    _sign_in(page, served)
    page.goto(f"{served.url}/types/bodyMass")
    page.fill("#add-value", "154.5")
    page.select_option("#add-unit", "lb")
    yesterday = datetime.now(ZONE).date() - timedelta(days=1)  # 07:30 today may be ahead
    page.fill("#add-date", yesterday.isoformat())
    page.fill("#add-time", "07:30")
    page.get_by_role("button", name="Add", exact=True).click()
    added = page.locator("tr.added")
    kg = Quantity(154.5, "lb").value_in("kg")
    assert float(added.locator("td[data-value]").get_attribute("data-value")) == pytest.approx(kg)
    shoot(page, "all-data")
    (saved,) = [s for s in served.store.samples("bodyMass") if s.source == WEB_SOURCE]
    assert quantity_of(saved).value_in("kg") == pytest.approx(kg)
    assert saved.start.astimezone(ZONE).strftime("%H:%M") == "07:30"
    added.locator("input[type=checkbox]").check()
    page.click("text=Delete selected…")
    assert page.get_by_role("heading").first.text_content().startswith("Delete 1")
    assert served.store.samples("bodyMass", p.uuids(saved.uuid))  # not deleted yet
    page.get_by_role("button", name="Delete", exact=True).click()
    assert "Deleted 1." in page.text_content("main")
    assert not [s for s in served.store.samples("bodyMass") if s.source == WEB_SOURCE]


def test_a_bad_value_shows_the_fields_error_and_keeps_what_was_typed(
    served: Served, page: Any
) -> None:
    _sign_in(page, served)
    before = len(served.store.samples("bodyMass"))
    page.goto(f"{served.url}/types/bodyMass")
    page.fill("#add-value", "seventy")
    tomorrow = (datetime.now(ZONE) + timedelta(days=1)).date().isoformat()
    page.fill("#add-date", tomorrow)
    page.get_by_role("button", name="Add", exact=True).click()
    assert page.text_content("#add-value-error") == "Enter a number, e.g. 72.5"
    assert page.text_content("#add-date-error") == "That is in the future"
    assert page.input_value("#add-value") == "seventy"
    assert page.input_value("#add-date") == tomorrow
    assert page.get_attribute("#add-value", "aria-invalid") == "true"
    shoot(page, "add-error")
    assert len(served.store.samples("bodyMass")) == before


def test_reordering_step_sources_changes_the_merged_sum(served: Served, page: Any) -> None:
    _sign_in(page, served)
    page.goto(f"{served.url}/types/stepCount?range=W")
    w = window("W", 0, datetime.now(ZONE).date(), ZONE)

    def merged() -> float:
        total = served.store.statistics(
            "stepCount", start=w.start, end=w.end, options="cumulativeSum"
        ).sum
        assert total is not None
        return total.value_in("count")

    def shown() -> float:
        return sum(v for row in _table(page) for v in row if v is not None)

    first = page.locator("#sources li").first.get_attribute("data-bundle")
    before = merged()
    assert shown() == pytest.approx(before)
    second = page.locator("#sources li").nth(1)
    second.locator("button.up").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")  # by the keyboard
    page.wait_for_selector("#chart[data-drawn=true]")
    page.wait_for_selector("#sources li")  # loaded after the chart
    assert page.locator("#sources li").first.get_attribute("data-bundle") != first
    after = merged()
    assert after != before and shown() == pytest.approx(after)
    assert [s.bundle_id for s in served.store.source_priority("stepCount")][1] == first
    shoot(page, "steps")


def test_browse_finds_types_by_search_with_data_first(served: Served, page: Any) -> None:
    _sign_in(page, served)
    page.goto(f"{served.url}/browse")
    shoot(page, "browse")
    activity = page.locator("section.category", has=page.get_by_role("heading", name="Activity"))
    names = activity.locator("li").all_text_contents()
    assert names[0].strip().startswith("Step Count")
    page.fill("#q", "heart rate")
    page.press("#q", "Enter")
    assert page.locator("section.category h2").all_text_contents() == ["Heart"]
    page.click("text=Heart Rate >> nth=0")
    assert "/types/heartRate" in page.url


@pytest.mark.parametrize("range_name", ["D", "W", "Y"])
def test_a_category_types_chart_counts_its_events_per_bucket(
    served: Served, page: Any, range_name: str
) -> None:
    from healthstore.model import CategorySample

    now = datetime.now(ZONE)
    served.store.save(
        [
            CategorySample("headache", 2, now - timedelta(hours=h + 1), now - timedelta(hours=h))
            for h in (1, 2, 30, 50, 200)
        ]
    )
    _sign_in(page, served)
    page.goto(f"{served.url}/types/headache?range={range_name}")
    page.wait_for_selector("#chart[data-drawn=true]")
    w = window(range_name, 0, now.date(), ZONE)
    shown = [row[0] or 0 for row in _table(page)]
    inside = served.store.samples("headache", start=w.start, end=w.end)
    assert sum(shown) == len([s for s in inside if s.start >= w.start])
    # a category's add form chooses a member of its enumeration (a severity), no unit
    assert page.locator("select#add-value").count() == 1
    assert page.locator("#add-unit").count() == 0


def test_a_pinned_type_joins_the_summary_and_a_preferred_unit_stays(
    served: Served, page: Any
) -> None:
    from healthstore import QuantitySample

    now = datetime.now(ZONE) - timedelta(minutes=5)
    served.store.save(
        [
            QuantitySample("flightsClimbed", Quantity(n, "count"), now - timedelta(hours=n))
            for n in (1, 2, 3)
        ]
    )
    _sign_in(page, served)
    assert page.locator("[data-type=flightsClimbed]").count() == 0
    page.goto(f"{served.url}/types/flightsClimbed")
    page.get_by_role("button", name="Pin to Summary").click()
    page.goto(f"{served.url}/")
    when = page.text_content("[data-type=flightsClimbed] .when")
    day = now.date() if when == "Today" else datetime.strptime(when, "%d %b %Y").date()
    expected = _day_total(served, "flightsClimbed", day, "cumulativeSum").sum.value_in("count")
    assert page.text_content("[data-testid=value-flightsClimbed]") == f"{expected:,.0f}"
    page.goto(f"{served.url}/types/flightsClimbed")
    page.get_by_role("button", name="Unpin from Summary").click()
    page.goto(f"{served.url}/")
    assert page.locator("[data-type=flightsClimbed]").count() == 0
    page.goto(f"{served.url}/types/bodyMass?range=M")
    page.select_option("#unit", "lb")  # applies at once
    page.wait_for_url("**unit=lb**")
    page.get_by_role("button", name="Always show lb").click()
    page.goto(f"{served.url}/types/bodyMass?range=M")
    assert page.input_value("#unit") == "lb" and page.input_value("#add-unit") == "lb"
    assert served.store.owner_preferences()["units"] == {"bodyMass": "lb"}


def test_blood_pressure_shows_paired_ranges_equal_to_the_statistics(
    served: Served, page: Any
) -> None:
    from healthstore import Correlation, QuantitySample

    now = datetime.now(ZONE) - timedelta(minutes=5)
    readings = []
    for back, (high, low) in enumerate([(121, 79), (135, 88), (118, 76), (127, 81)]):
        at = now - timedelta(days=back, hours=back)
        readings.append(
            Correlation(
                "bloodPressure",
                at,
                at,
                [
                    QuantitySample("bloodPressureSystolic", Quantity(high, "mmHg"), at),
                    QuantitySample("bloodPressureDiastolic", Quantity(low, "mmHg"), at),
                ],
            )
        )
    served.store.save(readings)
    _sign_in(page, served)
    page.goto(f"{served.url}/types/bloodPressure?range=W")
    page.wait_for_selector("#chart[data-drawn=true]")
    w = window("W", 0, now.date(), ZONE)
    expected = []
    sides = [
        served.store.statistics_collection(
            name, anchor=w.start, interval=w.interval, start=w.start, end=w.end,
            options="discreteAverage,discreteMin,discreteMax", tz=ZONE,
        )
        for name in ("bloodPressureSystolic", "bloodPressureDiastolic")
    ]  # fmt: skip

    def q(x: Quantity | None) -> float | None:
        return None if x is None else round(x.value_in("mmHg"), 6)

    for high, low in zip(*sides, strict=True):
        expected.append([q(high.minimum), q(high.average), q(high.maximum),
                         q(low.minimum), q(low.average), q(low.maximum)])  # fmt: skip
    assert _table(page) == expected
    page.click("text=Show all data")
    assert "135/88 mmHg" in page.text_content("main")
