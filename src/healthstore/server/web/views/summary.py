"""The summary: today at a glance (steps, active energy, heart rate range, last night's
sleep by stage, latest body mass and blood pressure), each against the person's own
average."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from starlette.responses import Response

from healthstore.server.deps import Store
from healthstore.server.web.auth import PageSession, web_state
from healthstore.server.web.charts import chart_kind
from healthstore.server.web.figures import summary_cards
from healthstore.server.web.spark import spark
from healthstore.server.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/")
async def summary(request: Request, session: PageSession, store: Store) -> Response:
    zone = web_state(request).zone
    today = datetime.now(zone).date()
    pinned = list((await run_in_threadpool(store.owner_preferences)).get("pinned", []))
    cards = await run_in_threadpool(summary_cards, store, today, zone, pinned)
    charts = {card.type: spark(card.trend, card.average) for card in cards}
    pages = {card.type for card in cards if chart_kind(card.type) != "none"}
    context = {"cards": cards, "charts": charts, "today": today, "pages": pages}
    return render(request, "summary.html", context)
