"""``healthstore owner password``: set the password the person signs in to the web app
with, for a plain store (an encrypted store signs in with its passphrase)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from healthstore.cli.options import StoreOption, ask_passphrase, open_store
from healthstore.errors import InvalidArgument

app = typer.Typer(help="The person who owns the store: web app sign-in.", no_args_is_help=True)


@app.command("password")
def password(
    store: StoreOption = None,
    password_file: Annotated[
        Path | None,
        typer.Option(metavar="FILE", help="Read the new password from FILE's first line."),
    ] = None,
) -> None:
    """Set the owner password of a plain store (asked twice on the terminal)."""
    with open_store(store) as hs:
        if hs.encrypted:
            raise InvalidArgument(
                "an encrypted store signs in with its passphrase; it has no owner password",
                field="store",
            )
        new = ask_passphrase(
            password_file,
            "New owner password",
            "give --password-file, or run on a terminal to type the password",
            confirm=True,
        )
        hs.set_owner_password(new)
    typer.echo("owner password set: sign in to the web app with it")
