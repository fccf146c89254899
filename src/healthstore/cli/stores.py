"""``healthstore init``: create an empty store."""

from pathlib import Path
from typing import Annotated

import typer

from healthstore.cli.options import STORE_ENV, JsonOption
from healthstore.cli.output import emit_json
from healthstore.store import HealthStore


def init(
    directory: Annotated[Path, typer.Argument(metavar="DIR", help="Where to create the store.")],
    json_output: JsonOption = False,
) -> None:
    """Create a new, empty store in DIR."""
    path = directory.absolute()
    HealthStore.create(path).close()
    if json_output:
        emit_json({"store": str(path)})
    else:
        typer.echo(f"created a healthstore at {path}")
        typer.echo(f"use it with --store {path} or export {STORE_ENV}={path}")
