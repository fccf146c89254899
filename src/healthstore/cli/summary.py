"""``healthstore summary``: what the store holds, at a glance.

One row per type with samples: how many, the first start and last end, and the sources
that wrote them (from :meth:`HealthStore.summary` and :meth:`HealthStore.sources`).
"""

from __future__ import annotations

from typing import Any

import typer

from healthstore.cli.options import JsonOption, StoreOption, open_store
from healthstore.cli.output import emit_json, table


def summary(store: StoreOption = None, json_output: JsonOption = False) -> None:
    """Per type: how many samples, from when to when, from which sources.

    The table gives dates (UTC) and source names; --json gives instants and bundle ids."""
    with open_store(store) as hs:
        rows = hs.summary()
        found = {row["type"]: hs.sources(row["type"]) for row in rows}
        named: list[dict[str, Any]] = [
            {**row, "sources": [s.bundle_id for s in found[row["type"]]]} for row in rows
        ]
    if json_output:
        emit_json(
            {
                "types": [
                    {**row, "first": row["first"].isoformat(), "last": row["last"].isoformat()}
                    for row in named
                ],
                "total": sum(row["count"] for row in named),
            }
        )
        return
    if not named:
        typer.echo("the store holds no samples")
        return
    total = sum(row["count"] for row in named)
    table(
        ("type", "count", "first", "last", "sources"),
        (
            (
                row["type"],
                f"{row['count']:,}",
                row["first"].date().isoformat(),
                row["last"].date().isoformat(),
                ", ".join(s.name for s in found[row["type"]]),
            )
            for row in named
        ),
        caption=f"{total:,} samples of {len(named)} types",
    )
