"""``healthstore samples`` and ``healthstore sources``: read what a type holds."""

from enum import StrEnum
from typing import Annotated, Any

import typer

from healthstore.catalogue import Kind, ObjectType
from healthstore.cli.options import JsonOption, StoreOption, instant, open_store
from healthstore.cli.output import emit_json, sample_value, table, when
from healthstore.errors import InvalidArgument
from healthstore.model import QuantitySample, Sample
from healthstore.query import predicates as p
from healthstore.units import parse_unit
from healthstore.views import sample_type
from healthstore.wire import sample_to_json

TypeArgument = Annotated[str, typer.Argument(metavar="TYPE", help="Type, e.g. stepCount.")]


class SortKey(StrEnum):
    """Orders ``samples`` can list in."""

    start = "start"
    start_desc = "-start"
    end = "end"
    end_desc = "-end"


def display_unit(t: ObjectType, unit: str | None) -> str | None:
    """``--unit`` checked against the type."""
    if unit is None:
        return None
    if t.kind is not Kind.quantity:
        raise InvalidArgument(
            f"--unit applies to quantity types; {t.short_name} is a {t.kind} type", field="unit"
        )
    assert t.canonical_unit is not None
    if not parse_unit(unit).is_compatible(t.canonical_unit):
        raise InvalidArgument(
            f"unit {unit!r} does not fit {t.short_name} "
            f"(expects a unit compatible with {t.canonical_unit!r})",
            field="unit",
        )
    return unit


def sample_json(sample: Sample, unit: str | None) -> dict[str, Any]:
    """The wire form, with a quantity's value expressed in ``unit`` when given."""
    out = sample_to_json(sample)
    if unit is not None and isinstance(sample, QuantitySample):
        out["value"] = sample.quantity.value_in(unit)
        out["unit"] = unit
    return out


def samples(
    type_name: TypeArgument,
    store: StoreOption = None,
    start: Annotated[
        str | None, typer.Option(metavar="ISO", help="Only samples ending after this.")
    ] = None,
    end: Annotated[
        str | None, typer.Option(metavar="ISO", help="Only samples starting before this.")
    ] = None,
    source: Annotated[
        list[str] | None,
        typer.Option(metavar="BUNDLE_ID", help="Only samples from this source (repeatable)."),
    ] = None,
    limit: Annotated[int, typer.Option(min=0, metavar="N", help="At most this many (0: all).")] = 0,
    sort: Annotated[SortKey, typer.Option(help="Order; '-' means descending.")] = SortKey.start,
    unit: Annotated[
        str | None, typer.Option(metavar="U", help="Show quantities in this unit, e.g. km.")
    ] = None,
    json_output: JsonOption = False,
) -> None:
    """List the samples of TYPE."""
    t = sample_type(type_name)
    shown_unit = display_unit(t, unit)
    predicate = p.from_sources(*source) if source else None
    with open_store(store) as hs:
        found = hs.samples(
            t,
            predicate,
            start=instant(start, "start"),
            end=instant(end, "end"),
            sort=sort.value,
            limit=limit,
        )
    if json_output:
        emit_json({"samples": [sample_json(s, shown_unit) for s in found]})
        return
    table(
        ("start", "end", "value", "source"),
        (
            (
                when(s.start),
                when(s.end),
                sample_value(s, shown_unit),
                s.source.name if s.source else "",
            )
            for s in found
        ),
        caption=f"{len(found)} {t.short_name} samples",
    )


def sources(
    type_name: TypeArgument, store: StoreOption = None, json_output: JsonOption = False
) -> None:
    """List the sources that have samples of TYPE."""
    t = sample_type(type_name)
    with open_store(store) as hs:
        found = hs.sources(t)
    if json_output:
        emit_json({"sources": [{"bundle_id": s.bundle_id, "name": s.name} for s in found]})
        return
    table(
        ("bundle id", "name"),
        ((s.bundle_id, s.name) for s in found),
        caption=f"{len(found)} sources of {t.short_name}",
    )
