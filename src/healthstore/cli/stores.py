"""``healthstore init``: create an empty store, encrypted unless told otherwise."""

from pathlib import Path
from typing import Annotated

import typer

from healthstore.cli.options import STORE_ENV, JsonOption, ask_passphrase
from healthstore.cli.output import emit_json
from healthstore.errors import InvalidArgument
from healthstore.store import HealthStore


def _new_passphrase(passphrase_file: Path | None, no_encryption: bool) -> str | None:
    if no_encryption:
        if passphrase_file is not None:
            raise InvalidArgument(
                "--passphrase-file and --no-encryption contradict each other", field="passphrase"
            )
        return None
    return ask_passphrase(
        passphrase_file,
        "New passphrase",
        "a new store is encrypted: give --passphrase-file F, run from a terminal to type the "
        "passphrase, or say --no-encryption",
        confirm=True,
    )


def init(
    directory: Annotated[Path, typer.Argument(metavar="DIR", help="Where to create the store.")],
    passphrase_file: Annotated[
        Path | None,
        typer.Option(
            "--passphrase-file", metavar="F", help="A file whose first line is the passphrase."
        ),
    ] = None,
    no_encryption: Annotated[
        bool, typer.Option("--no-encryption", help="Keep the store as a plain SQLite file.")
    ] = False,
    json_output: JsonOption = False,
) -> None:
    """Create a new, empty store in DIR, encrypted with a passphrase (asked for unless given
    in a file) unless --no-encryption is said."""
    path = directory.absolute()
    passphrase = _new_passphrase(passphrase_file, no_encryption)
    HealthStore.create(path, passphrase=passphrase).close()
    if json_output:
        emit_json({"store": str(path), "encrypted": passphrase is not None})
    else:
        protection = "encrypted (SQLCipher)" if passphrase is not None else "NOT encrypted"
        typer.echo(f"created a healthstore at {path}, {protection}")
        typer.echo(f"use it with --store {path} or export {STORE_ENV}={path}")
