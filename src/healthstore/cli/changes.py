"""``healthstore changes``: the anchored change feed."""

from typing import Annotated

import typer

from healthstore.cli.options import JsonOption, StoreOption, open_store
from healthstore.cli.output import emit_json, sample_value, table, when
from healthstore.wire import changes_to_json


def changes(
    type_names: Annotated[
        list[str] | None,
        typer.Option("--type", metavar="TYPE", help="Only this type (repeatable)."),
    ] = None,
    store: StoreOption = None,
    anchor: Annotated[
        int | None,
        typer.Option(min=0, metavar="N", help="Continue after this anchor (default: start)."),
    ] = None,
    limit: Annotated[
        int, typer.Option(min=0, metavar="N", help="At most this many changes (0: all).")
    ] = 0,
    json_output: JsonOption = False,
) -> None:
    """Samples added and deleted after an anchor, and the anchor to continue from."""
    with open_store(store) as hs:
        feed = hs.changes(type_names or None, anchor, limit)
    if json_output:
        emit_json(changes_to_json(feed))
        return
    rows = [
        ("added", str(s.uuid), s.type.short_name, when(s.start), sample_value(s))
        for s in feed.added
    ]
    rows += [("deleted", str(d.uuid), d.type.short_name, "", "") for d in feed.deleted]
    table(
        ("change", "uuid", "type", "start", "value"),
        rows,
        caption=f"{len(feed.added)} added, {len(feed.deleted)} deleted",
    )
    typer.echo(f"anchor: {feed.anchor} (continue with --anchor {feed.anchor})")
