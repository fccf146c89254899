"""``healthstore types``: browse the type catalogue."""

from typing import Annotated, Any

import typer

from healthstore import catalogue
from healthstore.catalogue import Kind, ObjectType
from healthstore.cli.options import JsonOption
from healthstore.cli.output import console, emit_json, table

WIDE = 120
"""Terminal width from which the table also shows full identifiers."""


def find_types(search: str | None, kind: Kind | None) -> list[ObjectType]:
    """Types whose identifier or short name contains ``search``, of ``kind``."""
    needle = (search or "").lower()
    return [
        t
        for t in catalogue.all_types(kind)
        if needle in t.identifier.lower() or needle in t.short_name.lower()
    ]


def type_to_json(t: ObjectType) -> dict[str, Any]:
    """A catalogue entry as JSON."""
    enum = t.value_enum
    return {
        "identifier": t.identifier,
        "short_name": t.short_name,
        "kind": t.kind.value,
        "canonical_unit": t.canonical_unit,
        "aggregation": t.aggregation.value if t.aggregation else None,
        "app_writable": t.app_writable,
        "value_enum": None if enum is None else {"name": enum.name, "members": dict(enum.members)},
    }


def types(
    search: Annotated[
        str | None, typer.Argument(help="Part of an identifier or short name.")
    ] = None,
    kind: Annotated[Kind | None, typer.Option(help="Only types of this kind.")] = None,
    json_output: JsonOption = False,
) -> None:
    """List catalogue types, optionally matching SEARCH."""
    found = find_types(search, kind)
    if json_output:
        emit_json({"types": [type_to_json(t) for t in found]})
        return
    columns = ["short name", "kind", "unit", "aggregation", "apps write"]
    rows = [
        [
            t.short_name,
            t.kind.value,
            t.canonical_unit or "",
            t.aggregation.value if t.aggregation else "",
            "yes" if t.app_writable else "no",
        ]
        for t in found
    ]
    caption = f"{len(found)} types"
    if console().width >= WIDE:
        columns.append("identifier")
        for row, t in zip(rows, found, strict=True):
            row.append(t.identifier)
    else:
        caption += " (identifiers: widen the terminal or use --json)"
    table(columns, rows, caption=caption)
