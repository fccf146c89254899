"""Profile: the person's characteristics (date of birth, sex, blood type, skin type,
wheelchair use), changing the passphrase or owner password, and locking the store."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from healthstore import catalogue
from healthstore.errors import AuthorizationDenied, DatabaseInaccessible, HealthStoreError
from healthstore.server.deps import Store
from healthstore.server.errors import Busy, Throttled
from healthstore.server.routes.vault import with_passphrase
from healthstore.server.web.auth import PageSession, check_csrf, read_form
from healthstore.server.web.names import title_of
from healthstore.server.web.templating import render
from healthstore.store import HealthStore

router = APIRouter(include_in_schema=False)
CHOICES = ("biologicalSex", "bloodType", "fitzpatrickSkinType", "wheelchairUse")


def _characteristics(store: HealthStore) -> dict[str, Any]:
    fields = []
    for name in CHOICES:
        t = catalogue.object_type(name)
        assert t.value_enum is not None
        value = store.characteristic(name)
        options = [(v, label) for label, v in t.value_enum.members.items()]
        fields.append({"name": name, "title": title_of(name), "value": value, "options": options})
    try:
        born: date | None = store.characteristic("dateOfBirth")  # type: ignore[assignment]
    except HealthStoreError:
        born = None
    return {"fields": fields, "born": born.isoformat() if born else ""}


def _page(request: Request, store: HealthStore, **extra: Any) -> Response:
    context = _characteristics(store) | {
        "encrypted": store.encrypted,
        "saved": request.query_params.get("saved", ""),
        "errors": {},
        "born_typed": None,
    }
    context.update(extra)
    return render(request, "profile.html", context)


@router.get("/profile")
async def profile(request: Request, session: PageSession, store: Store) -> Response:
    return await run_in_threadpool(_page, request, store)


@router.post("/profile/characteristics")
async def save_characteristics(request: Request, session: PageSession, store: Store) -> Response:
    form = await read_form(request)
    check_csrf(request, session, form)
    errors: dict[str, str] = {}
    born: date | None = None
    if form.get("dateOfBirth"):
        try:
            born = date.fromisoformat(form["dateOfBirth"])
            if born > date.today():
                errors["dateOfBirth"] = "That is in the future"
        except ValueError:
            errors["dateOfBirth"] = "Enter a date as YYYY-MM-DD"
    values: dict[str, int] = {}
    for name in CHOICES:
        t = catalogue.object_type(name)
        assert t.value_enum is not None
        try:
            values[name] = int(form.get(name, "0"))
            if values[name] not in t.value_enum.members.values():
                raise ValueError
        except ValueError:
            errors[name] = "Choose one of the options"
    if errors:
        return _page(request, store, errors=errors, born_typed=form.get("dateOfBirth", ""))

    def save() -> None:
        store.set_characteristic("dateOfBirth", born)
        for name, value in values.items():
            store.set_characteristic(name, value or None)

    await run_in_threadpool(save)
    return RedirectResponse("/profile?saved=characteristics", status_code=303)


@router.post("/profile/secret")
async def change_secret(request: Request, session: PageSession, store: Store) -> Response:
    """Change the passphrase (encrypted store) or the owner password (plain store): the
    current one first, through the key-derivation gate and the failed-attempt limiter."""
    form = await read_form(request)
    check_csrf(request, session, form)
    old, new, again = form.get("current", ""), form.get("new", ""), form.get("again", "")
    errors: dict[str, str] = {}
    if len(new) < 8:
        errors["new"] = "Use at least 8 characters"
    elif new != again:
        errors["again"] = "The two do not match"
    if errors:
        return _page(request, store, errors=errors)

    def change() -> None:
        if store.encrypted:
            try:
                store.change_passphrase(old, new)
            except DatabaseInaccessible:
                raise AuthorizationDenied("wrong passphrase", field="passphrase") from None
        elif store.has_owner_password() and not store.check_owner_password(old):
            raise AuthorizationDenied("wrong password", field="passphrase")
        else:
            store.set_owner_password(new)

    try:
        await with_passphrase(request, change)
    except AuthorizationDenied:
        return _page(request, store, errors={"current": "That is not the current one"})
    except (Throttled, Busy) as exc:
        return _page(request, store, errors={"current": exc.message})
    return RedirectResponse("/profile?saved=secret", status_code=303)
