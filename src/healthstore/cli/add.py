"""``healthstore add``: enter one quantity or category sample by hand."""

import re
from datetime import datetime
from typing import Annotated, Any

import typer

from healthstore import metadata as md
from healthstore.catalogue import Kind, ObjectType
from healthstore.cli.options import JsonOption, StoreOption, instant, local_zone, open_store
from healthstore.cli.output import emit_json
from healthstore.errors import InvalidArgument
from healthstore.model import CategorySample, QuantitySample, Sample, Source
from healthstore.store.view import sample_type
from healthstore.units import Quantity

_INTEGER = re.compile(r"[+-]?\d+")


def parse_source(text: str | None) -> Source | None:
    """``BUNDLE_ID[:NAME]`` as a Source; the name defaults to the bundle id."""
    if text is None:
        return None
    bundle_id, _, name = text.partition(":")
    if not bundle_id.strip():
        raise InvalidArgument("--source needs a bundle id: BUNDLE_ID[:NAME]", field="source")
    return Source(bundle_id.strip(), name.strip() or bundle_id.strip())


def build_sample(
    t: ObjectType,
    value: str,
    unit: str | None,
    start: datetime,
    end: datetime,
    source: Source | None,
) -> Sample:
    """The sample the arguments describe; hand-entered without a source."""
    common: dict[str, Any] = {
        "source": source,
        "metadata": {md.WAS_USER_ENTERED: True} if source is None else None,
    }
    if t.kind is Kind.quantity:
        if unit is None:
            raise InvalidArgument(
                f"{t.short_name} needs a UNIT (for example {t.canonical_unit})", field="unit"
            )
        try:
            number = float(value)
        except ValueError:
            raise InvalidArgument(
                f"VALUE of {t.short_name} must be a number", field="value"
            ) from None
        return QuantitySample(t, Quantity(number, unit), start, end, **common)
    if t.kind is Kind.category:
        if unit is not None:
            raise InvalidArgument(
                f"{t.short_name} is a category type and takes no UNIT", field="unit"
            )
        raw: int | str = int(value) if _INTEGER.fullmatch(value) else value
        return CategorySample(t, raw, start, end, **common)
    raise InvalidArgument(
        f"add enters quantity and category samples; {t.short_name} is a {t.kind} type",
        field="type",
    )


def add(
    type_name: Annotated[str, typer.Argument(metavar="TYPE", help="Type, e.g. stepCount.")],
    value: Annotated[
        str,
        typer.Argument(
            metavar="VALUE", help="A number, or a category's value (integer or member name)."
        ),
    ],
    unit: Annotated[
        str | None, typer.Argument(metavar="UNIT", help="The quantity's unit, e.g. count or kg.")
    ] = None,
    store: StoreOption = None,
    start: Annotated[str | None, typer.Option(metavar="ISO", help="Start (default: now).")] = None,
    end: Annotated[
        str | None, typer.Option(metavar="ISO", help="End (default: the start).")
    ] = None,
    source: Annotated[
        str | None,
        typer.Option(metavar="BUNDLE_ID[:NAME]", help="Source (default: entered by hand)."),
    ] = None,
    json_output: JsonOption = False,
) -> None:
    """Save one sample. Times without an offset are local time."""
    with open_store(store) as hs:
        t = sample_type(type_name)
        start_at = instant(start, "start") or datetime.now(local_zone())
        end_at = instant(end, "end") or start_at
        sample = build_sample(t, value, unit, start_at, end_at, parse_source(source))
        [result] = hs.save(sample)
    if json_output:
        emit_json({"uuid": str(result.uuid), "status": result.status.value})
    else:
        typer.echo(f"{result.uuid} {result.status.value}")
