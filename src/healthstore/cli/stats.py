"""``healthstore stats`` and ``healthstore priority``: statistics of a type, for one range or
per calendar bucket, and the order in which sources count when they are merged."""

from __future__ import annotations

import os
from datetime import datetime, timedelta, tzinfo
from typing import Annotated
from zoneinfo import ZoneInfo

import typer

from healthstore.catalogue import Aggregation, ObjectType
from healthstore.cli.options import JsonOption, StoreOption, local_zone, open_store
from healthstore.cli.output import emit_json, note, short_number, table, when
from healthstore.cli.samples import TypeArgument
from healthstore.errors import InvalidArgument
from healthstore.query.statistics import (
    Statistics,
    StatisticsOptions,
    parse_options,
    statistics_unit,
)
from healthstore.store.view import sample_type
from healthstore.times import parse_instant, zone

EMPTY = "—"
_KNOWN_OPTIONS = {*StatisticsOptions.__members__, "sum", "avg", "average", "min", "max"}

# Table columns: (option, heading, Statistics attribute holding a Quantity).
_VALUE_COLUMNS = (
    (StatisticsOptions.cumulativeSum, "sum", "sum"),
    (StatisticsOptions.discreteAverage, "average", "average"),
    (StatisticsOptions.discreteMin, "minimum", "minimum"),
    (StatisticsOptions.discreteMax, "maximum", "maximum"),
    (StatisticsOptions.mostRecent, "most recent", "most_recent"),
)


def calendar_zone(name: str | None) -> tzinfo:
    """The zone buckets follow: ``--tz`` when given, else the local zone with its summer-time
    rules (from ``TZ`` or ``/etc/localtime``), else the local offset of the moment."""
    if name:
        return zone(name)
    configured = os.environ.get("TZ", "").lstrip(":")
    if configured:
        try:
            return zone(configured)
        except InvalidArgument:
            return local_zone()
    try:
        with open("/etc/localtime", "rb") as file:
            return ZoneInfo.from_file(file)
    except (OSError, ValueError):
        return local_zone()


def _time(text: str, field: str, tz: tzinfo) -> datetime:
    """An ISO 8601 option value; without an offset it is wall-clock time in ``tz``."""
    return parse_instant(text, field, tz).astimezone(tz)


def default_options(t: ObjectType) -> str:
    """``sum`` for cumulative types, ``avg,min,max`` for the others."""
    return "sum" if t.aggregation is Aggregation.cumulative else "avg,min,max"


def statistics_options(text: str, t: ObjectType) -> StatisticsOptions:
    """``--options`` parsed for ``t``; an option that does not fit the type is named."""
    names = [n.strip() for n in text.split(",") if n.strip()]
    try:
        return parse_options(names, t)
    except InvalidArgument as exc:
        unknown = [n for n in names if n not in _KNOWN_OPTIONS]
        unfit = [n for n in names if n != "separateBySource" and not _fits(n, t)]
        if t.aggregation is None or unknown or not unfit:
            raise
        listed = ", ".join(repr(n) for n in unfit)
        raise InvalidArgument(
            f"option {listed} does not apply to {t.short_name}: {exc.message}", field="options"
        ) from None


def _fits(name: str, t: ObjectType) -> bool:
    try:
        parse_options(name, t)
    except InvalidArgument:
        return False
    return True


def _quantity_cell(stats: Statistics, attribute: str, unit: str) -> str:
    value = getattr(stats, attribute)
    return EMPTY if value is None else f"{short_number(value.value_in(unit))} {unit}"


def _duration_cell(stats: Statistics) -> str:
    if stats.duration is None or not stats.has_data:
        return EMPTY
    return str(stats.duration - timedelta(microseconds=stats.duration.microseconds))


def _by_source_cell(stats: Statistics, flags: StatisticsOptions, unit: str) -> str:
    lines = []
    for source, own in stats.by_source.items():
        values = [
            _quantity_cell(own, attribute, unit)
            for option, _, attribute in _VALUE_COLUMNS
            if flags & option
        ]
        if flags & StatisticsOptions.duration:
            values.append(_duration_cell(own))
        lines.append(f"{source.bundle_id}: {' / '.join(values)}")
    return "\n".join(lines) or EMPTY


def _print_table(
    t: ObjectType, found: list[Statistics], flags: StatisticsOptions, unit: str, caption: str
) -> None:
    headings = ["start", "end"]
    headings += [heading for option, heading, _ in _VALUE_COLUMNS if flags & option]
    if flags & StatisticsOptions.duration:
        headings.append("duration")
    if flags & StatisticsOptions.separateBySource:
        headings.append("by source")
    rows = []
    for s in found:
        row = [when(s.start), when(s.end)]
        row += [
            _quantity_cell(s, attribute, unit)
            for option, _, attribute in _VALUE_COLUMNS
            if flags & option
        ]
        if flags & StatisticsOptions.duration:
            row.append(_duration_cell(s))
        if flags & StatisticsOptions.separateBySource:
            row.append(_by_source_cell(s, flags, unit))
        rows.append(row)
    table(headings, rows, caption=caption)


def stats(
    type_name: TypeArgument,
    start: Annotated[str, typer.Option(metavar="ISO", help="Start of the range (inclusive).")],
    end: Annotated[str, typer.Option(metavar="ISO", help="End of the range (exclusive).")],
    interval: Annotated[
        str | None,
        typer.Option(metavar="INTERVAL", help="Bucket length: 15min, 1h, 1d, 1w, 1mo, 1y…"),
    ] = None,
    anchor: Annotated[
        str | None,
        typer.Option(metavar="ISO", help="Where buckets start; default the start's midnight."),
    ] = None,
    tz: Annotated[
        str | None,
        typer.Option(metavar="ZONE", help="Time zone of the calendar, e.g. Europe/Paris."),
    ] = None,
    options: Annotated[
        str | None,
        typer.Option(
            metavar="NAMES",
            help="Comma-separated: sum, avg, min, max, mostRecent, duration, separateBySource.",
        ),
    ] = None,
    unit: Annotated[
        str | None,
        typer.Option(
            metavar="U", help="Show values in this unit (default: the type's display unit)."
        ),
    ] = None,
    store: StoreOption = None,
    json_output: JsonOption = False,
) -> None:
    """Statistics of TYPE over a range, or per calendar bucket with --interval."""
    t = sample_type(type_name)
    flags = statistics_options(options or default_options(t), t)
    calendar = calendar_zone(tz)
    first, last = _time(start, "start", calendar), _time(end, "end", calendar)
    with open_store(store) as hs:
        if interval is None:
            if anchor is not None:
                raise InvalidArgument("--anchor needs --interval", field="anchor")
            found = [hs.statistics(t, start=first, end=last, options=flags, unit=unit)]
            caption = f"{t.short_name}, {when(first)} – {when(last)}"
        else:
            origin = (
                _time(anchor, "anchor", calendar)
                if anchor is not None
                else first.replace(hour=0, minute=0, second=0, microsecond=0)
            )
            found = hs.statistics_collection(
                t,
                anchor=origin,
                interval=interval,
                start=first,
                end=last,
                options=flags,
                tz=calendar,
                unit=unit,
            )
            caption = f"{t.short_name}, {len(found)} buckets of {interval}"
    shown_unit = found[0].unit if found else statistics_unit(t, unit).text
    if json_output:
        emit_json([s.to_json(shown_unit) for s in found])
        return
    _print_table(t, found, flags, shown_unit, caption)


def priority(
    type_name: TypeArgument,
    bundles: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="BUNDLE", help="Source bundle ids, first counts first (sets the order)."
        ),
    ] = None,
    store: StoreOption = None,
    json_output: JsonOption = False,
) -> None:
    """Show the order in which sources of TYPE count in statistics, or set it."""
    t = sample_type(type_name)
    with open_store(store) as hs:
        if bundles:
            known = {s.bundle_id for s in hs.sources(t)}
            hs.set_source_priority(t, bundles)
            for bundle in bundles:
                if bundle not in known:
                    note(f"note: {bundle} has no {t.short_name} samples (yet)")
        order = hs.source_priority(t)
    if json_output:
        emit_json(
            {
                "type": t.short_name,
                "sources": [{"bundle_id": s.bundle_id, "name": s.name} for s in order],
            }
        )
        return
    table(
        ("rank", "bundle id", "name"),
        ((str(i), s.bundle_id, s.name) for i, s in enumerate(order, start=1)),
        caption=f"source priority of {t.short_name} (first counts first)",
    )
