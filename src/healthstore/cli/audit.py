"""``healthstore audit``: the audit log of app reads and writes and the person's decisions.

Entries record who, which operation, which types, how many objects and when; never values
and never tokens.
"""

from typing import Annotated

import typer

from healthstore.cli.options import JsonOption, StoreOption, instant, open_store
from healthstore.cli.output import emit_json, table, when


def audit(
    app: Annotated[
        str | None,
        typer.Option(
            metavar="BUNDLE", help="Only what this app did (or 'person' for the person's acts)."
        ),
    ] = None,
    since: Annotated[
        str | None, typer.Option(metavar="ISO", help="Only entries at or after this time.")
    ] = None,
    limit: Annotated[
        int, typer.Option(min=0, metavar="N", help="Only the newest N entries (0: all).")
    ] = 0,
    store: StoreOption = None,
    json_output: JsonOption = False,
) -> None:
    """Show the audit log, oldest first."""
    with open_store(store) as hs:
        newest = hs.audit(app, instant(since, "since"), limit, newest_first=True)
        entries = list(reversed(newest))
    if json_output:
        emit_json([e.to_json() for e in entries])
        return
    table(
        ("time", "actor", "operation", "types", "count"),
        (
            (when(e.at), e.actor, e.operation, ", ".join(e.types) or "-", str(e.count))
            for e in entries
        ),
        caption=f"{len(entries)} entries",
    )
