"""Browse: every type by category (Apple's list), with search; types with data first."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from starlette.responses import Response

from healthstore.server.deps import Store
from healthstore.server.web.auth import PageSession
from healthstore.server.web.categories import CATEGORIES, browsable_types, category_of
from healthstore.server.web.charts import chart_kind
from healthstore.server.web.names import title_of
from healthstore.server.web.templating import render

router = APIRouter(include_in_schema=False)


@dataclass(frozen=True)
class Entry:
    name: str
    title: str
    count: int
    has_page: bool


@router.get("/browse")
async def browse(request: Request, session: PageSession, store: Store, q: str = "") -> Response:
    counts = {row["type"]: int(row["count"]) for row in await run_in_threadpool(store.summary)}
    wanted = q.strip().lower()
    groups: dict[str, list[Entry]] = {c: [] for c in CATEGORIES}
    for t in browsable_types():
        title = title_of(t.short_name)
        if wanted and wanted not in title.lower() and wanted not in t.short_name.lower():
            continue
        groups[category_of(t)].append(
            Entry(
                t.short_name, title, counts.get(t.short_name, 0), chart_kind(t.short_name) != "none"
            )
        )
    for entries in groups.values():
        entries.sort(key=lambda e: (e.count == 0, e.title))
    shown = [(c, groups[c]) for c in CATEGORIES if groups[c]]
    return render(request, "browse.html", {"groups": shown, "q": q})
