"""Options shared by several commands, and the edge where settings are read.

The store directory comes from ``--store`` or the ``HEALTHSTORE_DIR`` environment variable;
times without an offset are read in the local time zone. Nothing here runs at import time.
"""

from __future__ import annotations

import sys
from contextvars import ContextVar
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Annotated

import typer

from healthstore.cli.output import JSON_MODE
from healthstore.errors import InvalidArgument
from healthstore.store import HealthStore
from healthstore.times import parse_instant

STORE_ENV = "HEALTHSTORE_DIR"
PASSPHRASE_FILE_ENV = "HEALTHSTORE_PASSPHRASE_FILE"
PASSPHRASE_FILE: ContextVar[str | None] = ContextVar("passphrase_file", default=None)
"""The root ``--passphrase-file`` (or its environment variable) of the running command."""


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
StartOption = Annotated[
    str | None, typer.Option(metavar="ISO", help="Only samples ending after this.")
]
EndOption = Annotated[
    str | None, typer.Option(metavar="ISO", help="Only samples starting before this.")
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


def read_passphrase(file: str | Path) -> str:
    """The passphrase in ``file``: its first line, without the line end."""
    try:
        text = Path(file).read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidArgument(
            f"cannot read the passphrase file {file}: {exc}", field="passphrase"
        ) from None
    passphrase = text.splitlines()[0] if text else ""
    if not passphrase:
        raise InvalidArgument(f"the passphrase file {file} is empty", field="passphrase")
    return passphrase


def ask_passphrase(
    file: str | Path | None, prompt: str, refusal: str, *, confirm: bool = False
) -> str:
    """A passphrase read from ``file``, else typed on the terminal (twice when
    ``confirm``); without either, invalidArgument with ``refusal``."""
    if file:
        return read_passphrase(file)
    if sys.stdin.isatty():
        return str(typer.prompt(prompt, hide_input=True, confirmation_prompt=confirm))
    raise InvalidArgument(refusal, field="passphrase")


def on_terminal() -> bool:
    """Whether someone can answer a question: standard input is a terminal."""
    return sys.stdin.isatty()


def passphrase_for(path: Path) -> str | None:
    """The passphrase of an encrypted store: from the file named by ``--passphrase-file``
    (or ``HEALTHSTORE_PASSPHRASE_FILE``), else asked on the terminal; None for a plain
    store."""
    if not HealthStore.is_encrypted(path):
        return None
    return ask_passphrase(
        PASSPHRASE_FILE.get(),
        f"Passphrase for {path}",
        f"the store at {path} is encrypted: give --passphrase-file F (or set "
        f"{PASSPHRASE_FILE_ENV}), or run from a terminal to be asked",
    )


def open_store(directory: str | None) -> HealthStore:
    """Open the store named by ``--store`` / ``HEALTHSTORE_DIR`` (asking for the passphrase
    of an encrypted one, see :func:`passphrase_for`)."""
    path = store_path(directory)
    return HealthStore.open(path, passphrase=passphrase_for(path))


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
