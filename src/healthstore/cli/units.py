"""``healthstore units``: unit arithmetic from the command line."""

import math
from typing import Annotated

import typer

from healthstore import units
from healthstore.cli.options import JsonOption
from healthstore.cli.output import emit_json, number
from healthstore.errors import InvalidArgument

app = typer.Typer(help="Work with HealthKit unit strings.", no_args_is_help=True)


@app.command("convert", context_settings={"ignore_unknown_options": True})
def convert(
    value: Annotated[float, typer.Argument(help="The amount (negative numbers allowed).")],
    from_unit: Annotated[str, typer.Argument(metavar="FROM", help="Its unit, e.g. mi.")],
    to_unit: Annotated[str, typer.Argument(metavar="TO", help="The unit wanted, e.g. km.")],
    json_output: JsonOption = False,
) -> None:
    """Convert VALUE from one unit to another."""
    if not math.isfinite(value):
        raise InvalidArgument("VALUE must be a finite number", field="value")
    result = units.convert(value, from_unit, to_unit)
    if json_output:
        emit_json({"value": result, "unit": to_unit})
    else:
        typer.echo(number(result))
