"""The page at ``/``: what this server is and where its API lives. It shows no health data
(that needs the person's Health app)."""

from __future__ import annotations

from html import escape

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from healthstore import __version__

router = APIRouter(include_in_schema=False)

_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>healthstore</title>
<style>
body {{ font: 16px/1.5 system-ui, sans-serif; max-width: 42rem; margin: 3rem auto;
       padding: 0 1rem; color: #1d1d1f; }}
h1 {{ font-weight: 600; }} code {{ background: #f2f2f7; padding: 0 .3em; border-radius: 4px; }}
a {{ color: #d6204e; }}
</style>
</head>
<body>
<h1>healthstore {version}</h1>
<p>Your health data store is running. Apps and devices reach it through the HTTP API, each
with the token you gave it and only as far as you allow.</p>
<ul>
<li><a href="/docs">Interactive API documentation</a> (or <a href="/redoc">ReDoc</a>)</li>
<li><a href="/openapi.json">OpenAPI description</a></li>
<li><a href="/health">Service status</a></li>
</ul>
<p>Manage apps and permissions with the command line: <code>healthstore apps --help</code>.</p>
</body>
</html>
"""


@router.get("/", response_class=HTMLResponse)
def landing() -> HTMLResponse:
    return HTMLResponse(_PAGE.format(version=escape(__version__)))


@router.get("/health")
def health() -> dict[str, str]:
    """Liveness: the server answers (says nothing about the data)."""
    return {"status": "ok"}
