"""Options shared by several commands, and the edge where settings are read.

The store directory comes from ``--store`` or the ``HEALTHSTORE_DIR`` environment variable;
times without an offset are read in the local time zone. Nothing here runs at import time.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from pathlib import Path
from typing import Annotated

import typer

from healthstore.cli.output import JSON_MODE
from healthstore.errors import InvalidArgument
from healthstore.store import HealthStore
from healthstore.times import parse_instant

STORE_ENV = "HEALTHSTORE_DIR"


def _remember_json(ctx: typer.Context, value: bool) -> bool:
    if value:
        ctx.meta[JSON_MODE] = True
    return value


StoreOption = Annotated[
    str | None,
    typer.Option(
        "--store",
        metavar="DIR",
        envvar=STORE_ENV,
        show_envvar=True,
        help="The store directory.",
    ),
]
JsonOption = Annotated[
    bool,
    typer.Option("--json", help="Print JSON instead of text.", callback=_remember_json),
]


def store_path(directory: str | None) -> Path:
    """The store directory given by ``--store`` or the environment, or a clear error."""
    if not directory:
        raise InvalidArgument(f"no store given: pass --store DIR or set {STORE_ENV}", field="store")
    return Path(directory)


def open_store(directory: str | None) -> HealthStore:
    """Open the store named by ``--store`` / ``HEALTHSTORE_DIR``."""
    return HealthStore.open(store_path(directory))


def local_zone() -> tzinfo:
    """The machine's local time zone (as a fixed offset for the current moment)."""
    tz = datetime.now().astimezone().tzinfo
    assert tz is not None
    return tz


def instant(text: str | None, field: str) -> datetime | None:
    """An ISO 8601 option value as an aware datetime. Without an offset it is local time,
    with the offset in force on that date (summer or winter time)."""
    if text is None:
        return None
    value = parse_instant(text, field, local_zone())
    if datetime.fromisoformat(text.strip()).tzinfo is None:
        value = value.replace(tzinfo=None).astimezone()
    return value
