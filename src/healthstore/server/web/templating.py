"""Jinja2 templates of the web app, escaped everywhere (autoescape on for every template)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse

from healthstore import __version__
from healthstore.server.web.sleep import css_class

TEMPLATE_DIR = Path(str(resources.files("healthstore.server.web") / "templates"))


def environment(static_prefix: str) -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATE_DIR),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["static"] = lambda path: f"{static_prefix}/{path}"
    env.globals["version"] = __version__
    env.globals["stage_class"] = css_class
    return env


def render(
    request: Request, name: str, context: dict[str, Any] | None = None, status: int = 200
) -> HTMLResponse:
    """The page ``name`` with ``context``, the session's CSRF token and the current path."""
    env: Environment = request.app.state.web.templates
    session = getattr(request.state, "session", None)
    page = env.get_template(name).render(
        request=request,
        csrf=session.csrf if session is not None else "",
        signed_in=session is not None,
        path=request.url.path,
        **(context or {}),
    )
    return HTMLResponse(page, status_code=status, headers={"cache-control": "no-store"})
