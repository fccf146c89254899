"""``healthstore export apple-health`` (the store as an Apple Health ``export.zip``) and
``healthstore demo export`` (a synthetic ``export.zip`` of any size, made without a store)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated, Any, Literal

import typer

from healthstore.cli.options import JsonOption, StoreOption, instant, open_store
from healthstore.cli.output import emit_json, note, table
from healthstore.demo.apple_export import write_synthetic_export
from healthstore.errors import InvalidArgument
from healthstore.exports.apple import ExportCounts, write_export

app = typer.Typer(help="Write the store out in other formats.", no_args_is_help=True)

OutArgument = Annotated[
    Path, typer.Argument(metavar="OUT.zip", help="The zip file to write (must not exist).")
]


def _new_file(out: Path) -> Path:
    path = out.absolute()
    if path.exists():
        raise InvalidArgument(f"{path} already exists; choose another name", field="out")
    if not path.parent.is_dir():
        raise InvalidArgument(f"{path.parent} is not a directory", field="out")
    return path


def _print(counts: ExportCounts, extra: dict[str, Any], json_output: bool) -> None:
    if json_output:
        emit_json({**counts.to_json(), **extra})
        return
    rows = sorted(counts.counts.items())
    total = sum(n for _, n in rows)
    table(("element", "count"), ((kind, str(n)) for kind, n in rows), caption=f"total: {total}")
    for type_name, n in sorted(counts.left_out.items()):
        note(f"left out: {n} {type_name} (an Apple Health export has no place for them)")
    typer.echo(f"wrote {counts.path}")


@app.command("apple-health")
def apple_health(
    out: OutArgument, store: StoreOption = None, json_output: JsonOption = False
) -> None:
    """Write the store as an Apple Health export.zip; print the count of each element."""
    path = _new_file(out)
    with open_store(store) as health:
        note(f"writing {path} ...")
        counts = write_export(health, path)
    _print(counts, {}, json_output)


@app.command("fhir")
def fhir(
    out: Annotated[
        Path, typer.Argument(metavar="OUT.json", help="The file to write (must not exist).")
    ],
    start: Annotated[
        str | None,
        typer.Option(metavar="ISO", help="Only what starts before END and ends after this."),
    ] = None,
    end: Annotated[str | None, typer.Option(metavar="ISO", help="See --start.")] = None,
    store: StoreOption = None,
    json_output: JsonOption = False,
) -> None:
    """Write a FHIR R4 Bundle: clinical records and common measurements as Observations."""
    path = _new_file(out)
    with open_store(store) as health:
        counts = health.export_fhir(path, start=instant(start, "start"), end=instant(end, "end"))
    if json_output:
        emit_json(counts.to_json())
        return
    rows = sorted(counts.resources.items())
    total = sum(n for _, n in rows)
    table(("resource", "count"), ((k, str(n)) for k, n in rows), caption=f"total: {total}")
    for kind, n in sorted(counts.left_out.items()):
        note(f"left out: {n} {kind} (not R4)")
    typer.echo(f"wrote {counts.path}")


def demo_export(
    out: OutArgument,
    records: Annotated[
        int, typer.Option(min=1, metavar="N", help="About how many Records to write.")
    ] = 100_000,
    seed: Annotated[int, typer.Option(metavar="S", help="Seed of the generator.")] = 7,
    json_output: JsonOption = False,
) -> None:
    """Write a synthetic Apple Health export.zip of about N records; print what it holds."""
    path = _new_file(out)
    started = time.perf_counter()
    counts = write_synthetic_export(path, records=records, seed=seed)
    seconds = time.perf_counter() - started
    written = counts.counts.get("Record", 0)
    note(f"{written} records in {seconds:.1f} s ({written / seconds:,.0f} records/s)")
    _print(counts, {"seconds": round(seconds, 3)}, json_output)


# --- for analysis: CSV / Parquet per type, and a plain SQLite file -------------------------

TypesArgument = Annotated[
    list[str] | None,
    typer.Argument(metavar="TYPE…", help="Types to write (default: every type with data)."),
]
OutDirOption = Annotated[
    Path, typer.Option("--out", metavar="DIR", help="The directory to write the files into.")
]


def _frame_files(
    fmt: Literal["csv", "parquet"],
    types: list[str] | None,
    out: Path,
    store: str | None,
    json_output: bool,
) -> None:
    from healthstore.exports.frames_export import export_frames

    with open_store(store) as health:
        try:
            counts = export_frames(health, types or [], out.absolute(), fmt)
        except ImportError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(1) from None
    if json_output:
        emit_json(counts.to_json())
        return
    table(("file", "rows"), ((name, str(n)) for name, n in counts.files.items()))
    typer.echo(f"wrote {len(counts.files)} files into {counts.directory}")


@app.command("csv")
def csv_files(
    types: TypesArgument = None,
    out: OutDirOption = Path("."),
    store: StoreOption = None,
    json_output: JsonOption = False,
) -> None:
    """Write one CSV file per type (every sample field; values in display units)."""
    _frame_files("csv", types, out, store, json_output)


@app.command("parquet")
def parquet_files(
    types: TypesArgument = None,
    out: OutDirOption = Path("."),
    store: StoreOption = None,
    json_output: JsonOption = False,
) -> None:
    """Write one Parquet file per type (every sample field; values in display units)."""
    _frame_files("parquet", types, out, store, json_output)


@app.command("sqlite")
def sqlite_file(
    out: Annotated[
        Path,
        typer.Argument(metavar="OUT.db", help="The SQLite file to write (replaced if it exists)."),
    ],
    types: Annotated[
        list[str] | None,
        typer.Option("--type", metavar="TYPE", help="Only this type (repeatable)."),
    ] = None,
    store: StoreOption = None,
    json_output: JsonOption = False,
) -> None:
    """Write a plain SQLite file: a table per type, workouts, workout_activities."""
    from healthstore.exports.sqlite_export import export_sqlite

    with open_store(store) as health:
        counts = export_sqlite(health, out, types or [])
    if json_output:
        emit_json(counts.to_json())
        return
    table(("table", "rows"), ((name, str(n)) for name, n in counts.tables.items()))
    typer.echo(f"wrote {counts.path}")
