"""``healthstore import apple-health``: bring an Apple Health export into a store.

The import streams ``export.xml`` in batches (one transaction each); while it runs, a
progress bar on stderr shows the bytes of ``export.xml`` read, the elements seen, their rate
and the time left. Then a table gives, per element kind, what was added, what was already
there and what was skipped, followed by the first skipped items with their line and reason.
With ``--json`` stdout holds :meth:`~healthstore.imports.apple.ImportSummary.to_json` alone.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from types import TracebackType
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
)
from rich.progress import Progress as ProgressBar
from rich.table import Column

from healthstore.cli.options import JsonOption, StoreOption, open_store
from healthstore.cli.output import console, emit_json, note, table
from healthstore.errors import HealthStoreError
from healthstore.imports.apple import Counts, ImportSummary
from healthstore.interop.apple.parser import KINDS, Progress
from healthstore.store import HealthStore

app = typer.Typer(help="Import data exported by other systems.", no_args_is_help=True)

SKIPS_SHOWN = 10
"""How many skipped items the text output lists (``--json`` gives all that were kept)."""

INTERRUPTED_EXIT = 130
EMPTY = "—"


class ImportProgress:
    """A rich progress bar fed by the importer's ``progress(state)`` calls.

    Use as a context manager and pass :meth:`update` as the callback. The total (the size
    of ``export.xml``) is known from the first call on; until then the bar pulses. Nothing
    is shown when ``out`` is not a terminal (``FORCE_COLOR=1`` makes rich take it as one).
    """

    def __init__(self, out: Console, label: str, *, transient: bool = False) -> None:
        self._bar = ProgressBar(
            TextColumn(
                "{task.description}",
                table_column=Column(max_width=24, no_wrap=True, overflow="ellipsis"),
            ),
            BarColumn(bar_width=20),
            DownloadColumn(table_column=Column(no_wrap=True)),
            TextColumn("{task.fields[elements]:>9,} elements"),
            TextColumn("{task.fields[rate]:>7,.0f}/s"),
            TimeRemainingColumn(),
            console=out,
            transient=transient,
            disable=not out.is_terminal,  # a bar makes sense on a terminal only
        )
        self._task: TaskID = self._bar.add_task(label, total=None, elements=0, rate=0.0)
        self._started = time.monotonic()
        self.calls = 0

    def update(self, state: Progress) -> None:
        """Show how far the importer has come."""
        self.calls += 1
        elapsed = time.monotonic() - self._started
        self._bar.update(
            self._task,
            total=state.bytes_total or None,
            completed=state.bytes_read,
            elements=state.elements,
            rate=state.elements / elapsed if elapsed > 0 else 0.0,
        )

    def __enter__(self) -> ImportProgress:
        self._bar.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is not None:  # an error: leave its message alone on the screen
            self._bar.live.transient = True
        self._bar.stop()


def _located(error: HealthStoreError, path: Path) -> HealthStoreError:
    """``error`` with a message that names the export (the library's messages about the
    XML inside it name only ``export.xml``)."""
    if str(path) in error.message:
        return error
    return type(error)(f"{path}: {error.message}", field=error.field, code=error.code)


def kinds_in_order(counts: Iterable[str]) -> list[str]:
    """Element kinds in the order of the export's format, unknown ones last."""
    known = [kind for kind in KINDS if kind in counts]
    return known + sorted(set(counts) - set(known))


def _count_rows(summaries: Sequence[ImportSummary]) -> Iterator[tuple[str, ...]]:
    """A row per element kind, summed over the exports, then the one total."""
    by_kind: dict[str, Counts] = {}
    for summary in summaries:
        for kind, c in summary.counts.items():
            into = by_kind.setdefault(kind, Counts())
            into.added += c.added
            into.present += c.present
            into.skipped += c.skipped
            into.repaired += c.repaired
    total = Counts()
    for kind in kinds_in_order(by_kind):
        c = by_kind[kind]
        total.added += c.added
        total.present += c.present
        total.skipped += c.skipped
        total.repaired += c.repaired
        yield kind, f"{c.added:,}", f"{c.present:,}", f"{c.skipped:,}", f"{c.repaired:,}"
    t = total
    yield "total", f"{t.added:,}", f"{t.present:,}", f"{t.skipped:,}", f"{t.repaired:,}"


def _origin(paths: Sequence[Path], summaries: Sequence[ImportSummary]) -> str:
    if len(summaries) == 1:
        date = summaries[0].export_date
        return f"from the export of {date}" if date else "from the export"
    return f"from {len(summaries)} exports"


def print_summary(paths: Sequence[Path], summaries: Sequence[ImportSummary]) -> None:
    """One summary for every export of the command: the counts per element kind with one
    total, then the first skipped items and repairs (with their export when several)."""
    table(
        ("element", "added", "already present", "skipped", "repaired"),
        _count_rows(summaries),
        caption=_origin(paths, summaries),
    )
    if not any(summary.skips for summary in summaries):
        typer.echo("nothing skipped")
        return
    for path, summary in zip(paths, summaries, strict=True):
        if summary.skips:
            _print_skips(summary, title=str(path) if len(summaries) > 1 else None)


def _print_skips(summary: ImportSummary, title: str | None) -> None:
    """The first skipped items and repairs of one export, with their line and reason."""
    shown = summary.skips[:SKIPS_SHOWN]
    table(
        ("element", "line", "", "reason"),
        (
            (s.kind, EMPTY if s.line is None else str(s.line), _what(s.partial), s.reason)
            for s in shown
        ),
        title=title,
        caption=f"{len(shown)} of {summary.skipped_total:,} skipped or repaired"
        + ("" if summary.skipped_total <= len(shown) else " (--json lists more)"),
    )


def _what(partial: bool) -> str:
    return "repaired" if partial else "skipped"


@app.command("apple-health")
def apple_health(
    paths: Annotated[
        list[Path],
        typer.Argument(
            metavar="PATH...",
            help="export.zip, the folder it unzips to, or its export.xml (one or several).",
        ),
    ],
    store: StoreOption = None,
    batch: Annotated[
        int | None,
        typer.Option(
            "--batch",
            min=1,
            metavar="N",
            help="Samples saved per transaction (default 5000); smaller means smoother progress.",
        ),
    ] = None,
    json_output: JsonOption = False,
) -> None:
    """Import Apple Health exports into the store.

    Importing the same export again adds nothing; a newer one adds only what is new. Exits 1
    when an export could not be read to its end or nothing could be imported.
    """
    summaries: list[ImportSummary] = []
    with open_store(store) as hs:
        for path in paths:
            summaries.append(run_import(hs, path, batch, quiet=json_output))
    if json_output:
        emit_json(
            summaries[0].to_json()
            if len(paths) == 1
            else [{"path": str(p), **s.to_json()} for p, s in zip(paths, summaries, strict=True)]
        )
    else:
        print_summary(paths, summaries)
    empty = [p for p, s in zip(paths, summaries, strict=True) if not imported(s)]
    if empty:
        note(f"error: nothing could be imported from {', '.join(map(str, empty))}")
        raise typer.Exit(1)


def imported(summary: ImportSummary) -> int:
    """How many elements the import added or found already there."""
    return sum(c.added + c.present for c in summary.counts.values())


def saved_samples(hs: HealthStore) -> int:
    """How many samples the store holds (to tell what an import that stopped has saved)."""
    return sum(int(row["count"]) for row in hs.summary())


def run_import(hs: HealthStore, path: Path, batch: int | None, *, quiet: bool) -> ImportSummary:
    """Import with a progress bar on stderr (cleared at the end when ``quiet``). When the
    export breaks off (a damaged zip), the error says how many samples were saved."""
    before = saved_samples(hs)
    try:
        with ImportProgress(
            console(stderr=True), f"importing {path.name or path}", transient=quiet
        ) as bar:
            if batch is None:
                return hs.import_apple_health(path, bar.update)
            return hs.import_apple_health(path, bar.update, batch_size=batch)
    except HealthStoreError as exc:
        raise _stopped(_located(exc, path), saved_samples(hs) - before) from None
    except KeyboardInterrupt:
        note(
            "interrupted: the batches saved so far are kept; "
            "run the same command again to import the rest"
        )
        raise typer.Exit(INTERRUPTED_EXIT) from None


def _stopped(error: HealthStoreError, saved: int) -> HealthStoreError:
    """``error`` telling, when the import had saved samples before it, how many."""
    if saved <= 0:
        return error
    return type(error)(
        f"{error.message}; {saved:,} samples were saved before the import stopped, and "
        "running the same command again is safe (nothing is imported twice)",
        field=error.field,
        code=error.code,
    )
