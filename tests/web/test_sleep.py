"""Sleep as a stage timeline: last night on the summary and a night (or a week of them) on
sleep's page, one lane per stage, each stage's segments as long as its samples, hours per
stage equal to the samples'."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from healthstore.model import CategorySample
from tests.web.conftest import PHONE, ZONE, Served, shoot

NIGHT = [
    ("InBed", "22:40", "23:00"),
    ("AsleepCore", "23:00", "01:00"),
    ("AsleepDeep", "01:00", "02:00"),
    ("AsleepREM", "02:00", "03:00"),
    ("Awake", "03:00", "03:10"),
    ("AsleepCore", "03:10", "06:30"),
]


def _night(day: Any) -> list[CategorySample]:
    """The samples of the night ending on ``day``."""
    out = []
    for stage, a, b in NIGHT:
        start_day = day - timedelta(days=1) if a >= "12:00" else day
        end_day = day - timedelta(days=1) if b >= "12:00" else day
        start = datetime.combine(start_day, time.fromisoformat(a), tzinfo=ZONE)
        end = datetime.combine(end_day, time.fromisoformat(b), tzinfo=ZONE)
        out.append(CategorySample("sleepAnalysis", stage, start, end, source=PHONE))
    return out


def _asleep_hours(samples: list[CategorySample]) -> float:
    return (
        sum((s.end - s.start).total_seconds() for s in samples if s.label.startswith("Asleep"))
        / 3600
    )


def test_last_night_by_stage_on_the_summary_and_its_page(served: Served, page: Any) -> None:
    yesterday = datetime.now(ZONE).date() - timedelta(days=1)
    samples = _night(yesterday)
    served.store.save(samples)
    page.goto(served.sign_in_link())
    card = page.locator("[data-type=sleepAnalysis]")
    assert card.locator("[data-testid=value-sleepAnalysis]").text_content() == (
        f"{_asleep_hours(samples):.1f}"
    )
    rects = card.locator("svg.night rect")
    assert rects.count() == len(NIGHT)
    assert card.locator("svg.night rect.stage-deep title").text_content() == "Deep 01:00–02:00"
    label = card.locator("svg.night").get_attribute("aria-label")
    assert "Deep 1.0 hours" in label and "REM 1.0 hours" in label
    shoot(page, "summary-sleep")

    page.goto(f"{served.url}/types/sleepAnalysis?range=D&page=1")
    row = page.locator(f"#nights figure[data-day='{yesterday.isoformat()}']")
    assert row.locator(".asleep").text_content() == f"{_asleep_hours(samples):.1f}"
    # each segment's width is its sample's share of the night
    widths = [float(r.get_attribute("width")) for r in row.locator("rect").all()]
    durations = [(s.end - s.start).total_seconds() for s in samples]
    for w, d in zip(widths, durations, strict=True):
        assert abs(w / sum(widths) - d / sum(durations)) < 0.01
    # one lane per stage: the two core segments share a row, deep lies below REM
    ys = {
        r.locator("title").text_content(): float(r.get_attribute("y"))
        for r in row.locator("rect").all()
    }
    core = [y for label, y in ys.items() if label.startswith("Core")]
    assert len(core) == 2 and core[0] == core[1]
    deep = next(y for label, y in ys.items() if label.startswith("Deep"))
    rem = next(y for label, y in ys.items() if label.startswith("REM"))
    assert deep > rem
    shoot(page, "sleep-night")


def test_a_week_of_nights_on_sleeps_page(served: Served, page: Any) -> None:
    today = datetime.now(ZONE).date()
    days = [today - timedelta(days=n) for n in (1, 2, 4)]
    served.store.save([s for day in days for s in _night(day)])
    page.goto(served.sign_in_link())
    page.goto(f"{served.url}/types/sleepAnalysis?range=W")
    shown = [f.get_attribute("data-day") for f in page.locator("#nights figure").all()]
    assert shown == sorted(d.isoformat() for d in days)
    # the week's bars count each night on the day it ends, as the timeline does
    bars = {
        row.get_attribute("data-start")[:10]: row.locator("td[data-value]").get_attribute(
            "data-value"
        )
        for row in page.locator("#chart-table tbody tr").all()
    }
    hours = _asleep_hours(_night(days[0]))
    assert {d: float(v) for d, v in bars.items() if v} == {
        day.isoformat(): round(hours, 6) for day in days
    }
    page.goto(f"{served.url}/types/sleepAnalysis?range=D&page=3")  # a night without sleep
    assert "No sleep recorded" in page.text_content("#nights")
