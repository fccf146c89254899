"""``healthstore samples`` and ``healthstore sources``: read what a type holds."""

import json
from collections.abc import Iterable, Iterator
from contextlib import nullcontext
from enum import StrEnum
from typing import Annotated, Any

import typer

from healthstore.catalogue import Kind, ObjectType
from healthstore.cli.clinical import record_row
from healthstore.cli.options import (
    EndOption,
    JsonOption,
    StartOption,
    StoreOption,
    instant,
    open_store,
)
from healthstore.cli.output import console, emit_json, note, sample_value, table, when
from healthstore.errors import InvalidArgument
from healthstore.model import QuantitySample, Sample
from healthstore.model.measures import fitting_unit
from healthstore.query import predicates as p
from healthstore.store import HealthStore
from healthstore.store.view import sample_type, window
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
    fitting_unit(t, unit, "unit")
    return unit


def sample_json(sample: Sample, unit: str | None) -> dict[str, Any]:
    """The wire form, with a quantity's value expressed in ``unit`` when given."""
    out = sample_to_json(sample)
    if unit is not None and isinstance(sample, QuantitySample):
        out["value"] = sample.quantity.value_in(unit)
        out["unit"] = unit
    return out


PAGE = 5000
"""Samples read at a time by ``--all`` (the whole list is never held in memory)."""

DEFAULT_LIMIT = 100


def samples(
    type_name: TypeArgument,
    store: StoreOption = None,
    start: StartOption = None,
    end: EndOption = None,
    source: Annotated[
        list[str] | None,
        typer.Option(metavar="BUNDLE_ID", help="Only samples from this source (repeatable)."),
    ] = None,
    limit: Annotated[
        int, typer.Option(min=0, metavar="N", help="Show at most this many (0: all, as --all).")
    ] = DEFAULT_LIMIT,
    all_rows: Annotated[
        bool, typer.Option("--all", help="Show every sample (streamed, page by page).")
    ] = False,
    sort: Annotated[SortKey, typer.Option(help="Order; '-' means descending.")] = SortKey.start,
    unit: Annotated[
        str | None, typer.Option(metavar="U", help="Show quantities in this unit, e.g. km.")
    ] = None,
    json_output: JsonOption = False,
) -> None:
    """List the samples of TYPE: the first --limit (100), or --all of them.

    On a terminal the table is shown through a pager.
    """
    t = sample_type(type_name)
    shown_unit = display_unit(t, unit)
    predicate = window(
        p.from_sources(*source) if source else None, instant(start, "start"), instant(end, "end")
    )
    all_rows = all_rows or limit == 0
    with open_store(store) as hs:
        if all_rows:
            pages = _pages(hs, t, predicate, sort.value)
            if json_output:
                _stream_json(pages, shown_unit)
            else:
                _stream_lines(pages, shown_unit)
            return
        found = hs.samples(t, predicate, sort=sort.value, limit=limit)
        more = _count_more(hs, t, predicate, sort.value, found, limit)
    if json_output:
        emit_json({"samples": [sample_json(s, shown_unit) for s in found], "more": more})
        return
    caption = f"{len(found):,} {t.short_name} samples"
    if more:
        caption += f" … and {more:,} more (use --all)"
    out = console()
    clinical = t.kind in (Kind.clinical, Kind.verifiableClinicalRecord)
    with out.pager() if out.is_terminal else nullcontext():
        table(
            ("date", "record", "source") if clinical else ("start", "end", "value", "source"),
            (_row(s, shown_unit) for s in found),
            caption=caption,
            out=out,
        )


def _row(s: Sample, unit: str | None) -> tuple[str, ...]:
    """A table row: a clinical record's clinical date, name and institution; any other
    sample's start, end, value and source."""
    record = record_row(s)
    if record is not None:
        return record
    return when(s.start), when(s.end), sample_value(s, unit), s.source.name if s.source else ""


def _pages(
    hs: HealthStore, t: ObjectType, predicate: p.Predicate | None, sort: str
) -> Iterator[list[Sample]]:
    """The samples, ``PAGE`` at a time (the sort ends on a unique key, so pages neither
    repeat nor skip a sample)."""
    offset = 0
    while True:
        page = hs.samples(t, predicate, sort=sort, limit=PAGE, offset=offset)
        if page:
            yield page
        if len(page) < PAGE:
            return
        offset += PAGE


def _count_more(
    hs: HealthStore,
    t: ObjectType,
    predicate: p.Predicate | None,
    sort: str,
    found: list[Sample],
    limit: int,
) -> int:
    """How many samples the listing left out."""
    if len(found) < limit:
        return 0
    if predicate is None:  # the whole type: the summary's count is exact
        total = next((r["count"] for r in hs.summary() if r["type"] == t.short_name), 0)
        return max(0, int(total) - len(found))
    more, offset = 0, limit
    while True:
        page = hs.samples(t, predicate, sort=sort, limit=PAGE, offset=offset)
        more += len(page)
        if len(page) < PAGE:
            return more
        offset += PAGE


def _stream_json(pages: Iterable[list[Sample]], unit: str | None) -> None:
    """One JSON document, written as the pages come."""
    typer.echo('{"samples": [', nl=False)
    first = True
    for page in pages:
        for s in page:
            typer.echo(("" if first else ",\n") + json.dumps(sample_json(s, unit)), nl=False)
            first = False
    typer.echo('], "more": 0}')


def _stream_lines(pages: Iterable[list[Sample]], unit: str | None) -> None:
    """One line per sample, columns separated by two spaces, as the pages come."""
    count = 0
    typer.echo("start  end  value  source")
    for page in pages:
        typer.echo("\n".join("  ".join(_row(s, unit)) for s in page))
        count += len(page)
    note(f"{count:,} samples")


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
