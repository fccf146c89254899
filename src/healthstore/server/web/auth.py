"""Who may use the web app: the person, with a session cookie. Pages without a session go
to sign-in (keeping the page asked for in ``next``); owner JSON endpoints answer 401. An
app's bearer token never opens a session, and every change carries the session's CSRF
token (a form field, or the ``X-CSRF-Token`` header htmx sends)."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import tzinfo
from typing import Annotated
from urllib.parse import parse_qs, quote, urlsplit

from fastapi import Depends, Request
from jinja2 import Environment
from starlette.responses import RedirectResponse, Response

from healthstore.errors import AuthorizationDenied, InvalidArgument
from healthstore.server.errors import Unauthenticated
from healthstore.server.web.sessions import (
    COOKIE,
    MemorySessions,
    Session,
    SessionStore,
    SignInLinks,
)

CSRF_HEADER = "x-csrf-token"
MAX_FORM_BYTES = 64 * 1024


@dataclass
class WebState:
    """What the web app keeps while the server runs."""

    templates: Environment
    sessions: SessionStore
    links: SignInLinks
    static_prefix: str
    zone: tzinfo
    """The person's time zone: days and charts are cut in it."""


def web_state(request: Request) -> WebState:
    state: WebState = request.app.state.web
    return state


class SignInRequired(Exception):
    """A page was asked for without a live session."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


class CsrfRefused(AuthorizationDenied):
    """A change came without this session's CSRF token (403)."""


def safe_next(value: str | None) -> str:
    """A local path to return to after sign-in (never another site)."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/"
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return "/"
    return value


def _session_of(request: Request) -> Session | None:
    session_id = request.cookies.get(COOKIE)
    if not session_id:
        return None
    return web_state(request).sessions.get(session_id)


def _refuse_app_tokens(request: Request) -> None:
    if request.headers.get("authorization"):
        raise AuthorizationDenied(
            "the person's pages take the person's session, never an app token",
            field="token",
        )


def page_session(request: Request) -> Session:
    """The session of a page request; without one, off to sign-in (an app token counts
    for nothing here)."""
    session = _session_of(request)
    if session is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise SignInRequired(target)
    request.state.session = session
    return session


def api_session(request: Request) -> Session:
    """The session of an owner JSON request; without one, 401."""
    _refuse_app_tokens(request)
    session = _session_of(request)
    if session is None:
        raise Unauthenticated("sign in to the Health app first", field="session")
    request.state.session = session
    return session


def check_csrf(request: Request, session: Session, form: dict[str, str] | None = None) -> None:
    """Refuse a change without this session's CSRF token."""
    given = request.headers.get(CSRF_HEADER) or (form or {}).get("csrf", "")
    if not given or not hmac.compare_digest(given.encode(), session.csrf.encode()):
        raise CsrfRefused("this change did not come from the Health app's page", field="csrf")


def check_origin(request: Request) -> None:
    """A form posted from another site is refused (its Origin is not ours)."""
    origin = request.headers.get("origin")
    if origin and origin != "null":
        host = request.headers.get("host", "")
        if urlsplit(origin).netloc != host:
            raise CsrfRefused("this form came from another site", field="origin")


async def read_form_lists(request: Request) -> dict[str, list[str]]:
    """A small url-encoded form, every value of each field."""
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            raise InvalidArgument("the form is too large", field="form")
    return parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)


async def read_form(request: Request) -> dict[str, str]:
    """A small url-encoded form (the first value of each field)."""
    return {key: values[0] for key, values in (await read_form_lists(request)).items()}


def to_sign_in(next_path: str, *, htmx: bool) -> Response:
    """Where a request without a session goes."""
    url = "/signin?next=" + quote(safe_next(next_path), safe="")
    if htmx:
        return Response(status_code=200, headers={"HX-Redirect": url})
    return RedirectResponse(url, status_code=303)


def start_session(response: Response, request: Request) -> Session:
    """Open a session and give its cookie to ``response``."""
    session = web_state(request).sessions.create()
    response.set_cookie(
        COOKIE,
        session.id,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/",
    )
    return session


def end_session(response: Response, request: Request) -> None:
    session_id = request.cookies.get(COOKIE)
    if session_id:
        web_state(request).sessions.end(session_id)
    response.delete_cookie(COOKIE, path="/")


PageSession = Annotated[Session, Depends(page_session)]
ApiSession = Annotated[Session, Depends(api_session)]
__all__ = ["ApiSession", "MemorySessions", "PageSession", "WebState"]
