"""Where the web app writes the files it moves: uploads before they are imported, exports
before they are sent. Beside the store (same disk, same permissions), else the system's
temporary directory; each file is removed once used."""

from __future__ import annotations

import shutil
import tempfile
import zipfile
from pathlib import Path
from typing import Any

from starlette.requests import Request

from healthstore.store import HealthStore


def scratch(store: HealthStore) -> Path:
    """The folder for the web app's transfers."""
    if store.directory is not None:
        folder = store.directory / "web-transfers"
        folder.mkdir(mode=0o700, exist_ok=True)
        return folder
    return Path(tempfile.gettempdir())


def zip_folder(folder: Path, out: Path) -> Path:
    """``folder``'s files in the zip ``out``; the folder is removed."""
    try:
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
            for file in sorted(folder.iterdir()):
                archive.write(file, file.name)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return out


def page_context(request: Request, **extra: Any) -> dict[str, Any]:
    """What the import and export page shows, with ``extra`` (a card form's state)."""
    limit = request.app.state.settings.max_upload_bytes
    shown = f"{limit / 1024**3:,.0f} GB" if limit >= 1024**3 else f"{limit / 1024**2:,.0f} MB"
    context: dict[str, Any] = {
        "card_errors": {},
        "card_typed": {},
        "card_results": [],
        "upload_limit": shown,
    }
    return context | extra
