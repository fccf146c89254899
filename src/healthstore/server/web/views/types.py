"""A type's page: its chart (D / W / M / 6M / Y, paged back in time, in a unit of the
person's choice), "Show all data" (newest first, with each sample's details), adding a
value, deleting (after confirmation) and the order of its data sources."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from healthstore import catalogue
from healthstore.catalogue.registry import ObjectType
from healthstore.errors import InvalidArgument
from healthstore.model import CategorySample, QuantitySample, Sample
from healthstore.query import predicates as p
from healthstore.server.deps import Store
from healthstore.server.web.auth import (
    PageSession,
    check_csrf,
    read_form,
    read_form_lists,
    web_state,
)
from healthstore.server.web.charts import chart, chart_kind
from healthstore.server.web.figures import display_unit
from healthstore.server.web.forms import (
    AddForm,
    blank,
    choices,
    form_kind,
    parse_add,
    value_label,
    words,
)
from healthstore.server.web.names import title_of
from healthstore.server.web.ranges import RANGES, window
from healthstore.server.web.sleep import SLEEP, nights
from healthstore.server.web.templating import render
from healthstore.server.web.units_choice import unit_choices
from healthstore.store import HealthStore

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 50


def _charted(type_name: str) -> ObjectType:
    try:
        t = catalogue.object_type(type_name)
    except InvalidArgument:
        t = None
    if t is None or chart_kind(t.short_name) == "none":
        raise InvalidArgument(f"no page for type {type_name!r}", field="type")
    return t


def _type_page(
    request: Request,
    store: HealthStore,
    t: ObjectType,
    params: dict[str, str],
    add: AddForm | None = None,
    status: int = 200,
) -> Response:
    zone = web_state(request).zone
    range_name = params.get("range", "W")
    if range_name not in RANGES:
        range_name = "W"
    try:
        page = max(0, int(params.get("page", "0")))
    except ValueError:
        page = 0
    prefs = store.owner_preferences()
    shown = display_unit(t.short_name)
    units = unit_choices(shown)
    preferred = prefs.get("units", {}).get(t.short_name, shown)
    unit = params.get("unit") or preferred
    if unit not in units:
        unit = shown
    today = datetime.now(zone).date()
    w = window(range_name, page, today, zone)
    data = chart(store, t.short_name, w, zone, unit)
    timeline = []
    if t.short_name == SLEEP and range_name in ("D", "W"):
        first, last = w.start.date(), (w.end - timedelta(microseconds=1)).date()
        days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
        timeline = nights(store, days, zone)
    add = add or blank(t, preferred, today)
    kind = form_kind(t)

    def link(**change: Any) -> str:
        query = {"range": range_name, "page": page, "unit": unit} | change
        return f"/types/{t.short_name}?" + urlencode(query)

    context = {
        "t": t,
        "title": title_of(t.short_name),
        "data": data,
        "ranges": RANGES,
        "range": range_name,
        "page": page,
        "unit": unit,
        "units": units,
        "link": link,
        "add": add,
        "nights": timeline,
        "form_kind": kind,
        "choices": choices(t) if kind == "category" else [],
        "value_label": value_label(t) if kind == "category" else "",
        "cycle_start": "HKMenstrualCycleStart" in t.required_metadata,
        "pinned": t.short_name in prefs.get("pinned", []),
        "preferred": preferred,
    }
    return render(request, "type.html", context, status)


@router.get("/types/{type_name}")
async def type_page(
    request: Request, session: PageSession, store: Store, type_name: str
) -> Response:
    t = _charted(type_name)
    params = dict(request.query_params)
    return await run_in_threadpool(_type_page, request, store, t, params)


@router.post("/types/{type_name}/add")
async def add_sample(
    request: Request, session: PageSession, store: Store, type_name: str
) -> Response:
    form = await read_form(request)
    check_csrf(request, session, form)
    t = _charted(type_name)
    units = unit_choices(display_unit(t.short_name)) if form_kind(t) == "quantity" else []
    parsed, sample = parse_add(t, form, units, web_state(request).zone)
    if sample is None:
        params = {"range": form.get("range", "W"), "unit": form.get("unit", "")}
        return await run_in_threadpool(_type_page, request, store, t, params, parsed)
    await run_in_threadpool(store.save, sample)
    return RedirectResponse(f"/types/{t.short_name}/data?added={sample.uuid}", status_code=303)


def _rows(samples: list[Sample], unit: str, zone: Any) -> list[dict[str, Any]]:
    rows = []
    for s in samples:
        value = s.quantity.value_in(unit) if isinstance(s, QuantitySample) and unit else None
        rows.append(
            {
                "uuid": str(s.uuid),
                "value": value,
                "label": words(s.label) if isinstance(s, CategorySample) else _paired(s),
                "start": s.start.astimezone(zone),
                "end": s.end.astimezone(zone),
                "source": s.source.name if s.source else "",
                "bundle_id": s.source.bundle_id if s.source else "",
                "device": s.device,
                "metadata": sorted((k, str(v)) for k, v in (s.metadata or {}).items()),
            }
        )
    return rows


@router.get("/types/{type_name}/data")
async def all_data(
    request: Request, session: PageSession, store: Store, type_name: str, page: int = 0
) -> Response:
    t = _charted(type_name)
    page = max(0, page)
    unit = display_unit(t.short_name)
    found = await run_in_threadpool(
        store.samples, t.short_name, sort="-start", limit=PAGE_SIZE + 1, offset=page * PAGE_SIZE
    )
    context = {
        "t": t,
        "title": title_of(t.short_name),
        "rows": _rows(found[:PAGE_SIZE], unit, web_state(request).zone),
        "unit": unit,
        "page": page,
        "more": len(found) > PAGE_SIZE,
        "added": request.query_params.get("added", ""),
        "deleted": request.query_params.get("deleted", ""),
    }
    return render(request, "data.html", context)


@router.post("/types/{type_name}/delete")
async def delete_samples(
    request: Request, session: PageSession, store: Store, type_name: str
) -> Response:
    """First post: the confirmation page; with ``confirm=yes``: delete those samples."""
    parsed = await read_form_lists(request)
    form = {k: v[0] for k, v in parsed.items()}
    check_csrf(request, session, form)
    t = _charted(type_name)
    uuids = parsed.get("uuid", [])
    if not uuids:
        return RedirectResponse(f"/types/{t.short_name}/data", status_code=303)
    if form.get("confirm") != "yes":
        unit = display_unit(t.short_name)
        chosen = await run_in_threadpool(store.samples, t.short_name, _uuids(uuids), sort="-start")
        rows = _rows(chosen, unit, web_state(request).zone)
        context = {"t": t, "title": title_of(t.short_name), "rows": rows, "unit": unit}
        return render(request, "confirm_delete.html", context)
    deleted = await run_in_threadpool(store.delete, uuids)
    return RedirectResponse(f"/types/{t.short_name}/data?deleted={deleted}", status_code=303)


def _uuids(values: list[str]) -> p.Predicate:
    return p.uuids(*values)


@router.post("/types/{type_name}/sources")
async def reorder_sources(
    request: Request, session: PageSession, store: Store, type_name: str
) -> Response:
    """Move one source up or down (buttons), or set the whole order (drag and drop)."""
    parsed = await read_form_lists(request)
    form = {k: v[0] for k, v in parsed.items()}
    check_csrf(request, session, form)
    t = _charted(type_name)
    current = [s.bundle_id for s in await run_in_threadpool(store.source_priority, t.short_name)]
    order = parsed.get("order") or current
    direction, _, moving = form.get("move", "").partition(" ")
    if moving in current and direction in ("up", "down"):
        i = current.index(moving)
        j = i - 1 if direction == "up" else i + 1
        if 0 <= j < len(current):
            current[i], current[j] = current[j], current[i]
        order = current
    if sorted(order) != sorted(current):
        raise InvalidArgument("the order must name each source of the type once", field="order")
    await run_in_threadpool(store.set_source_priority, t.short_name, order)
    back = form.get("back") or f"/types/{t.short_name}"
    if not back.startswith(f"/types/{t.short_name}"):
        back = f"/types/{t.short_name}"
    return RedirectResponse(back + "#sources", status_code=303)


@router.get("/types/{type_name}/sources")
async def sources_part(
    request: Request, session: PageSession, store: Store, type_name: str
) -> Response:
    """The type's data sources in priority order (loaded after the chart, by htmx; a page
    of its own without script)."""
    t = _charted(type_name)
    back = request.query_params.get("back", "")
    if not back.startswith(f"/types/{t.short_name}"):
        back = f"/types/{t.short_name}"
    sources = await run_in_threadpool(store.source_priority, t.short_name)
    context = {
        "t": t,
        "title": title_of(t.short_name),
        "sources": sources,
        "back": back,
        "fragment": request.headers.get("hx-request") == "true",
    }
    return render(request, "sources.html", context)


@router.post("/types/{type_name}/preferences")
async def set_preferences(
    request: Request, session: PageSession, store: Store, type_name: str
) -> Response:
    """Pin the type to the summary (or unpin it), or make a unit its default."""
    form = await read_form(request)
    check_csrf(request, session, form)
    t = _charted(type_name)
    prefs = await run_in_threadpool(store.owner_preferences)
    pinned = [p for p in prefs.get("pinned", []) if p != t.short_name]
    action = form.get("action", "")
    if action == "pin":
        pinned.append(t.short_name)
    units = dict(prefs.get("units", {}))
    if action == "unit":
        unit = form.get("unit", "")
        if unit not in unit_choices(display_unit(t.short_name)):
            raise InvalidArgument(f"{unit!r} is not a unit of {t.short_name}", field="unit")
        units[t.short_name] = unit
    await run_in_threadpool(store.set_owner_preferences, prefs | {"pinned": pinned, "units": units})
    return RedirectResponse(f"/types/{t.short_name}", status_code=303)


def _paired(sample: Sample) -> str:
    """A blood pressure correlation as systolic/diastolic ('' for other samples)."""
    objects = getattr(sample, "objects", None)
    if not objects:
        return ""
    by_type = {
        o.type.short_name: o.quantity.value_in("mmHg")
        for o in objects
        if isinstance(o, QuantitySample)
    }
    high, low = by_type.get("bloodPressureSystolic"), by_type.get("bloodPressureDiastolic")
    return f"{high:.0f}/{low:.0f} mmHg" if high is not None and low is not None else ""
