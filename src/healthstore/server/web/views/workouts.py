"""Workouts: the list, newest first, and one workout's detail — activities, events,
statistics, heart rate during it, and its route drawn as SVG."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from starlette.responses import Response

from healthstore import catalogue
from healthstore.errors import InvalidArgument, NoData
from healthstore.model import QuantitySample, Workout
from healthstore.query import predicates as p
from healthstore.records import WorkoutRoute
from healthstore.server.deps import Store
from healthstore.server.web.auth import PageSession, web_state
from healthstore.server.web.figures import display_unit
from healthstore.server.web.names import title_of
from healthstore.server.web.route_svg import draw
from healthstore.server.web.templating import render
from healthstore.store import HealthStore

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 30


def _name(w: Workout) -> str:
    return title_of(catalogue.workout_activity_name(w.activity_type))


@router.get("/workouts")
async def workouts(request: Request, session: PageSession, store: Store, page: int = 0) -> Response:
    page = max(0, page)
    found = await run_in_threadpool(
        store.samples, "workout", sort="-start", limit=PAGE_SIZE + 1, offset=page * PAGE_SIZE
    )
    zone = web_state(request).zone
    rows = [
        {
            "uuid": str(w.uuid),
            "name": _name(w),
            "start": w.start.astimezone(zone),
            "minutes": (w.end - w.start).total_seconds() / 60,
            "energy": w.total_energy_burned.value_in("kcal") if w.total_energy_burned else None,
            "distance": w.total_distance.value_in("km") if w.total_distance else None,
        }
        for w in found[:PAGE_SIZE]
        if isinstance(w, Workout)
    ]
    context = {"rows": rows, "page": page, "more": len(found) > PAGE_SIZE}
    return render(request, "workouts.html", context)


def _detail(store: HealthStore, uuid: UUID, zone: Any) -> dict[str, Any]:
    found = store.samples("workout", p.uuids(uuid))
    if not found or not isinstance(found[0], Workout):
        raise NoData(f"no workout {uuid}", field="uuid")
    w = found[0]
    heart = [
        s
        for s in store.samples("heartRate", start=w.start, end=w.end, sort="start")
        if isinstance(s, QuantitySample)
    ]
    beats = [s.quantity.value_in("count/min") for s in heart]
    routes = [r for r in store.workout_samples(w, "workoutRoute") if isinstance(r, WorkoutRoute)]
    locations = [loc for r in routes for loc in r.locations]

    def stats(items: Any) -> list[dict[str, Any]]:
        out = []
        for _key, s in sorted(items):
            unit = display_unit(s.type.short_name)
            cells = {}
            for key in ("sum", "average", "minimum", "maximum"):
                q = getattr(s, key)
                cells[key] = None if q is None else q.value_in(unit)
            out.append({"title": title_of(s.type.short_name), "unit": unit, **cells})
        return out

    return {
        "w": w,
        "name": _name(w),
        "start": w.start.astimezone(zone),
        "end": w.end.astimezone(zone),
        "minutes": (w.end - w.start).total_seconds() / 60,
        "events": [
            {"name": e.name, "start": e.start.astimezone(zone), "end": e.end.astimezone(zone)}
            for e in w.events
        ],
        "activities": [
            {
                "name": title_of(catalogue.workout_activity_name(a.activity_type)),
                "start": a.start.astimezone(zone),
                "end": a.end.astimezone(zone),
            }
            for a in w.activities
        ],
        "statistics": stats(w.statistics.items()),
        "heart": {
            "count": len(beats),
            "minimum": min(beats) if beats else None,
            "average": sum(beats) / len(beats) if beats else None,
            "maximum": max(beats) if beats else None,
        },
        "route": draw(locations),
        "totals": {
            "energy": w.total_energy_burned.value_in("kcal") if w.total_energy_burned else None,
            "distance": w.total_distance.value_in("km") if w.total_distance else None,
        },
    }


@router.get("/workouts/{uuid}")
async def workout(request: Request, session: PageSession, store: Store, uuid: str) -> Response:
    try:
        wanted = UUID(uuid)
    except ValueError:
        raise InvalidArgument(f"{uuid!r} is not a workout's uuid", field="uuid") from None
    context = await run_in_threadpool(_detail, store, wanted, web_state(request).zone)
    return render(request, "workout.html", context)
