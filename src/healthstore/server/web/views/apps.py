"""Apps and privacy: every app with its manifest, its pending request to answer, a read and
a share switch per type it asked for, a history switch (reading data older than the history
limit), turning everything off, its observers, and the audit
log of what it read and wrote (when, which types, how many; never values)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from healthstore.access.visibility import history_bound
from healthstore.server.deps import Store
from healthstore.server.web.auth import PageSession, check_csrf, read_form_lists, web_state
from healthstore.server.web.names import title_of
from healthstore.server.web.templating import render
from healthstore.store import HealthStore
from healthstore.times import from_micros

router = APIRouter(include_in_schema=False)
AUDIT_ROWS = 200


@router.get("/apps")
async def apps_page(request: Request, session: PageSession, store: Store) -> Response:
    def gather() -> dict[str, Any]:
        pending = {p.bundle_id for p in store.pending_requests()}
        return {"apps": store.apps(), "pending": pending}

    return render(request, "apps.html", await run_in_threadpool(gather))


def _app_context(store: HealthStore, bundle_id: str, zone: Any) -> dict[str, Any]:
    app = store.app_info(bundle_id)
    decisions = store.authorizations(bundle_id)
    rows = [
        {
            "type": name,
            "title": title_of(name),
            "read": modes.get("read"),
            "share": modes.get("share"),
        }
        for name, modes in decisions.items()
    ]
    entries = store.audit(bundle_id, limit=AUDIT_ROWS, newest_first=True)
    audit = [
        {"at": e.at.astimezone(zone), "operation": e.operation, "types": e.types, "count": e.count}
        for e in entries
    ]
    pending = [p for p in store.pending_requests() if p.bundle_id == bundle_id]
    access = store.history_access(bundle_id)
    bound = history_bound(access)
    return {
        "app": app,
        "history": access.granted,
        "history_since": None if bound is None else from_micros(bound).astimezone(zone),
        "reads": any(r["read"] for r in rows),
        "manifest": app.manifest,
        "rows": rows,
        "audit": audit,
        "observers": store.observers(bundle_id),
        "pending": pending[0] if pending else None,
    }


@router.get("/apps/{bundle_id}")
async def app_page(
    request: Request, session: PageSession, store: Store, bundle_id: str
) -> Response:
    context = await run_in_threadpool(_app_context, store, bundle_id, web_state(request).zone)
    context["saved"] = request.query_params.get("saved", "")
    return render(request, "app.html", context)


def apply_switches(
    store: HealthStore,
    bundle_id: str,
    on: dict[str, set[str]],
    everything_off: bool,
    history: bool | None = None,
) -> None:
    """Make the app's permissions what the switches say: on → granted; off → revoked when
    granted before, denied when still asked for; ``history`` (None: no switch shown) granted
    or withdrawn likewise."""
    if history is not None and store.history_access(bundle_id).granted != history:
        (store.grant if history and not everything_off else store.revoke)(bundle_id, history=True)
    for mode in ("read", "share"):
        grant, revoke, deny = [], [], []
        for name, modes in store.authorizations(bundle_id).items():
            state = modes.get(mode)
            if state is None:
                continue
            wanted = not everything_off and name in on[mode]
            if wanted and state != "authorized":
                grant.append(name)
            elif not wanted and state == "authorized":
                revoke.append(name)
            elif not wanted and state == "requested":
                deny.append(name)
        for action, names in ((store.grant, grant), (store.revoke, revoke), (store.deny, deny)):
            if names:
                action(bundle_id, **{mode: names})


@router.post("/apps/{bundle_id}/permissions")
async def save_permissions(
    request: Request, session: PageSession, store: Store, bundle_id: str
) -> Response:
    form = await read_form_lists(request)
    check_csrf(request, session, {k: v[0] for k, v in form.items()})
    on = {"read": set(form.get("read", [])), "share": set(form.get("share", []))}
    everything_off = form.get("all_off", [""])[0] == "yes"
    history = None
    if form.get("history_shown", [""])[0] == "yes":
        history = form.get("history", [""])[0] == "yes" and not everything_off
    await run_in_threadpool(apply_switches, store, bundle_id, on, everything_off, history)
    store.app_info(bundle_id)  # an unknown app is an error, not a redirect
    return RedirectResponse(f"/apps/{bundle_id}?saved=1", status_code=303)
