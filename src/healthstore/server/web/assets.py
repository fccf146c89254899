"""The web app's static files: served under a name that holds a digest of their contents
(``/static/<digest>/app.css``), so browsers may keep them for a year and a new release is
fetched at once."""

from __future__ import annotations

import hashlib
from importlib import resources
from pathlib import Path

from starlette.responses import FileResponse, Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

STATIC_DIR = Path(str(resources.files("healthstore.server.web") / "static"))
IMMUTABLE = "public, max-age=31536000, immutable"


def digest(directory: Path = STATIC_DIR) -> str:
    """A short digest of every static file's name and bytes."""
    h = hashlib.sha256()
    for path in sorted(p for p in directory.rglob("*") if p.is_file()):
        h.update(str(path.relative_to(directory)).encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:12]


class VersionedStatic(StaticFiles):
    """Static files with a long-lived cache header."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        if isinstance(response, FileResponse) or response.status_code == 200:
            response.headers["cache-control"] = IMMUTABLE
        return response
