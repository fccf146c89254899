"""``/docs`` (Swagger UI) and ``/redoc`` (ReDoc), served with their assets from installed
packages so that they work without internet. The assets come from the ``fastapi-offline``
package (Swagger UI under Apache-2.0, ReDoc under MIT, as its licence file says); the pages
have no inline script."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse, HTMLResponse

from healthstore.errors import NoData

router = APIRouter(include_in_schema=False)

ASSETS_URL = "/docs/assets"
_OFFLINE = Path(str(files("fastapi_offline") / "static"))
_OWN = Path(str(files("healthstore.server") / "static"))
ASSETS = {
    "swagger-ui-bundle.js": _OFFLINE / "swagger-ui-bundle.js",
    "swagger-ui.css": _OFFLINE / "swagger-ui.css",
    "redoc.standalone.js": _OFFLINE / "redoc.standalone.js",
    "favicon.png": _OFFLINE / "favicon.png",
    "swagger-init.js": _OWN / "swagger-init.js",
}

_SWAGGER = f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>healthstore API</title>
<link rel="icon" href="{ASSETS_URL}/favicon.png">
<link rel="stylesheet" href="{ASSETS_URL}/swagger-ui.css">
</head>
<body>
<div id="swagger-ui" data-spec="/openapi.json"></div>
<script src="{ASSETS_URL}/swagger-ui-bundle.js"></script>
<script src="{ASSETS_URL}/swagger-init.js"></script>
</body>
</html>
"""

_REDOC = f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>healthstore API</title>
<link rel="icon" href="{ASSETS_URL}/favicon.png">
</head>
<body>
<redoc spec-url="/openapi.json"></redoc>
<script src="{ASSETS_URL}/redoc.standalone.js"></script>
</body>
</html>
"""


@router.get("/docs", response_class=HTMLResponse)
def swagger_ui() -> HTMLResponse:
    return HTMLResponse(_SWAGGER)


@router.get("/redoc", response_class=HTMLResponse)
def redoc() -> HTMLResponse:
    return HTMLResponse(_REDOC)


@router.get(ASSETS_URL + "/{name}")
def asset(name: str) -> FileResponse:
    path = ASSETS.get(name)
    if path is None:
        raise NoData(f"no documentation asset {name!r}", field="name")
    return FileResponse(path, headers={"Cache-Control": "public, max-age=86400"})
