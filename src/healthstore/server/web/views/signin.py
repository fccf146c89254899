"""Sign in, the one-time sign-in link, sign out and lock.

An encrypted store signs in with its passphrase (unlocking it when locked); a plain store
with the owner password (``healthstore owner password``) or the one-time link ``serve``
prints. Wrong secrets count against the client (429 with Retry-After past the limit) and
each check is one key derivation at a time, as for the API's lock and unlock."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response

from healthstore.errors import AuthorizationDenied, DatabaseInaccessible
from healthstore.server.deps import Store
from healthstore.server.errors import Busy, Throttled
from healthstore.server.routes.vault import with_passphrase
from healthstore.server.web.auth import (
    PageSession,
    check_csrf,
    check_origin,
    end_session,
    read_form,
    safe_next,
    start_session,
    web_state,
)
from healthstore.server.web.templating import render
from healthstore.store import HealthStore

router = APIRouter(include_in_schema=False)


def sign_in_kind(store: HealthStore) -> str:
    """``passphrase``, ``password`` or ``link`` (a plain store without a password)."""
    if store.encrypted:
        return "passphrase"
    return "password" if store.has_owner_password() else "link"


def _page(
    request: Request, store: HealthStore, *, error: str = "", status: int = 200, **extra: Any
) -> Response:
    context = {
        "kind": sign_in_kind(store),
        "next": safe_next(request.query_params.get("next") or extra.pop("next", None)),
        "error": error,
        "locked": store.locked,
        **extra,
    }
    return render(request, "signin.html", context, status)


@router.get("/signin")
def sign_in_page(request: Request, store: Store) -> Response:
    return _page(request, store)


def _verify(request: Request, store: HealthStore, secret: str) -> None:
    """Check ``secret`` (in a worker thread, through the key-derivation gate); unlocks a
    locked encrypted store."""
    if store.encrypted:
        if store.directory is None:
            raise DatabaseInaccessible("this store has no directory", field="store")
        directory = store.directory
        with request.app.state.vault_lock:
            try:
                if store.locked:
                    store.unlock(secret)
                else:
                    HealthStore.verify_passphrase(directory, secret)
            except DatabaseInaccessible:
                raise AuthorizationDenied("wrong passphrase", field="passphrase") from None
    elif not store.check_owner_password(secret):
        raise AuthorizationDenied("wrong password", field="passphrase")


@router.post("/signin")
async def sign_in(request: Request, store: Store) -> Response:
    check_origin(request)
    form = await read_form(request)
    secret = form.get("secret", "")
    next_path = safe_next(form.get("next"))
    if sign_in_kind(store) == "link":
        return _page(request, store, error="Use the sign-in link", next=next_path)
    if not secret:
        return _page(request, store, error="Type it here", next=next_path)
    try:
        await with_passphrase(request, lambda: _verify(request, store, secret))
    except AuthorizationDenied as exc:
        wrong = "That is not the passphrase" if store.encrypted else "That is not the password"
        message = wrong if exc.field == "passphrase" else exc.message
        return _page(request, store, error=message, next=next_path)
    except (Throttled, Busy) as exc:
        response = _page(request, store, error=exc.message, status=_status(exc), next=next_path)
        response.headers["Retry-After"] = str(exc.retry_after_s)
        return response
    response = RedirectResponse(next_path, status_code=303)
    start_session(response, request)
    return response


def _status(exc: Throttled | Busy) -> int:
    return 429 if isinstance(exc, Throttled) else 503


@router.get("/signin/link")
def sign_in_link(request: Request, store: Store, token: str = "") -> Response:
    """The one-time link: a live token opens a session once."""
    if not token or not web_state(request).links.redeem(token):
        return _page(request, store, error="This sign-in link was used or has expired")
    response = RedirectResponse("/", status_code=303)
    start_session(response, request)
    return response


@router.post("/signout")
async def sign_out(request: Request, session: PageSession) -> Response:
    check_csrf(request, session, await read_form(request))
    response = RedirectResponse("/signin", status_code=303)
    end_session(response, request)
    return response


@router.post("/lock")
async def lock(request: Request, session: PageSession, store: Store) -> Response:
    """Lock an encrypted store (reads refused until the passphrase is given again) and
    end every session; a plain store ends every session."""
    check_csrf(request, session, await read_form(request))
    if store.encrypted and not store.locked:
        with request.app.state.vault_lock:
            store.lock()
    web_state(request).sessions.end_all()
    response = RedirectResponse("/signin", status_code=303)
    end_session(response, request)
    return response
