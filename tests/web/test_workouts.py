"""Workouts in the browser: the list, and a workout's detail with its events, statistics,
heart rate during it and its route drawn as SVG from its own locations."""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any

from healthstore import Quantity, QuantitySample
from healthstore.model import Workout, WorkoutEvent, WorkoutStatistics
from healthstore.records import Location, WorkoutRoute
from tests.web.conftest import WATCH, ZONE, Served, shoot


def test_a_workout_shows_its_heart_rate_and_its_route(served: Served, page: Any) -> None:
    start = (datetime.now(ZONE) - timedelta(days=1)).replace(hour=18, minute=0, second=0)
    end = start + timedelta(minutes=40)
    run = Workout(
        "running",
        start,
        end,
        events=[WorkoutEvent.create("pause", start + timedelta(minutes=10))],
        statistics=[WorkoutStatistics.create("heartRate", average=Quantity(150, "count/min"))],
        total_energy_burned=Quantity(420, "kcal"),
        total_distance=Quantity(7.25, "km"),
        source=WATCH,
    )
    loop = [
        Location(
            start + timedelta(minutes=i),
            48.85 + 0.004 * math.sin(i / 6),
            2.35 + 0.006 * math.cos(i / 6),
        )
        for i in range(40)
    ]
    route = WorkoutRoute(start, end, loop, source=WATCH)
    beats = [
        QuantitySample("heartRate", Quantity(120 + i, "count/min"), start + timedelta(minutes=i))
        for i in range(0, 40, 5)
    ]
    served.store.save([run, route, *beats])
    served.store.add_to_workout(run, [route.uuid])
    page.goto(served.sign_in_link())
    page.click("nav >> text=Workouts")
    page.click("text=Running")
    assert page.text_content("[data-testid=energy]") == "420"
    assert page.text_content("[data-testid=distance]") == "7.25"
    inside = [
        s.quantity.value_in("count/min")
        for s in served.store.samples("heartRate", start=start, end=end)
        if isinstance(s, QuantitySample)
    ]
    assert page.text_content("[data-testid=heart]") == f"{min(inside):.0f}–{max(inside):.0f}"
    points = page.get_attribute("svg.route polyline", "points").split()
    assert len(points) == len(loop)
    assert "Pause" in page.text_content("main")
    shoot(page, "workout")
