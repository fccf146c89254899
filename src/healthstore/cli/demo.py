"""``healthstore demo``: a store full of generated data to look at (``make run``)."""

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from healthstore.cli.options import JsonOption, local_zone
from healthstore.cli.output import emit_json, note, table
from healthstore.errors import HealthStoreError
from healthstore.store import FORMAT_FILE, HealthStore

app = typer.Typer(help="The demo store that `make run` opens.", no_args_is_help=True)


def demo_builder() -> Callable[..., tuple[HealthStore, bool]]:
    """``healthstore.demo.ensure``, imported only when a demo is wanted."""
    try:
        import healthstore.demo
    except ImportError as exc:
        if exc.name != "healthstore.demo":
            raise
        raise HealthStoreError("the demo generator (healthstore.demo) is not installed") from None
    return healthstore.demo.ensure


def _day(value: datetime | None) -> str:
    return "" if value is None else value.astimezone(local_zone()).date().isoformat()


def summary_json(path: Path, created: bool, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The JSON form of a store's summary."""
    firsts = [r["first"] for r in rows]
    lasts = [r["last"] for r in rows]
    return {
        "store": str(path),
        "created": created,
        "encrypted": False,
        "types": [
            {**r, "first": r["first"].isoformat(), "last": r["last"].isoformat()} for r in rows
        ],
        "total": {
            "types": len(rows),
            "samples": sum(int(r["count"]) for r in rows),
            "first": min(firsts).isoformat() if firsts else None,
            "last": max(lasts).isoformat() if lasts else None,
        },
    }


def print_summary(path: Path, created: bool, rows: list[dict[str, Any]]) -> None:
    """A table of types with counts and date ranges, and a totals line."""
    total = sum(int(r["count"]) for r in rows)
    first = min((r["first"] for r in rows), default=None)
    last = max((r["last"] for r in rows), default=None)
    table(
        ("type", "samples", "first", "last", "sources"),
        (
            (str(r["type"]), str(r["count"]), _day(r["first"]), _day(r["last"]), str(r["sources"]))
            for r in rows
        ),
        caption=f"total: {total} samples of {len(rows)} types, {_day(first)} to {_day(last)}",
    )
    typer.echo(f"{'created' if created else 'opened'} demo store at {path}")
    typer.echo(
        "it is NOT encrypted: it holds generated data only (a store of your own is encrypted "
        "unless you say --no-encryption)"
    )


@app.command("ensure")
def ensure(
    directory: Annotated[Path, typer.Argument(metavar="DIR", help="The demo store directory.")],
    days: Annotated[int, typer.Option(min=1, metavar="N", help="Days of data to generate.")] = 365,
    json_output: JsonOption = False,
) -> None:
    """Create and fill a demo store in DIR unless one is there; print its summary."""
    path = directory.absolute()
    build = demo_builder()
    if not (path / FORMAT_FILE).exists():
        note(f"generating {days} days of demo data in {path} ...")
    store, created = build(path, days=days)
    with store:
        rows = store.summary()
    if json_output:
        emit_json(summary_json(path, created, rows))
    else:
        print_summary(path, created, rows)
