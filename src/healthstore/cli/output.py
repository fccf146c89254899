"""How the command line speaks: JSON on stdout, rich tables, and error reports.

Output goes through these helpers so that ``--json`` is uniform: one JSON document on stdout
for success, ``{"error": {...}}`` on stdout for a failure. Human-readable failures go to
stderr as ``error: <message>``. Rich markup is off, so text taken from data is printed as is.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from healthstore.errors import HealthStoreError
from healthstore.model import CategorySample, Correlation, QuantitySample, Sample, Workout

JSON_MODE = "healthstore.json"
"""Key in the click context's ``meta`` set when the running command got ``--json``."""


def console(*, stderr: bool = False) -> Console:
    """A console on the current stdout (or stderr), without markup or highlighting."""
    return Console(stderr=stderr, markup=False, highlight=False, emoji=False)


def emit_json(data: Any) -> None:
    """Print one JSON document on stdout."""
    typer.echo(json.dumps(data, indent=2, ensure_ascii=False))


def note(text: str) -> None:
    """A progress line on stderr, kept out of stdout so JSON stays clean."""
    typer.echo(text, err=True)


def report_error(error: HealthStoreError, *, as_json: bool) -> None:
    """Print an error as ``error: <message>`` on stderr, or as JSON on stdout."""
    if as_json:
        emit_json({"error": error.to_dict()})
    else:
        typer.echo(f"error: {error.message}", err=True)


def number(value: float) -> str:
    """A float without a trailing ``.0``."""
    text = repr(float(value))
    return text[:-2] if text.endswith(".0") else text


def short_number(value: float) -> str:
    """A float rounded for a table cell: six significant digits, whole below a million."""
    if abs(value) >= 100_000:
        return f"{value:.0f}"
    return f"{value:.6g}"


def when(value: datetime) -> str:
    """An instant as ``YYYY-MM-DD HH:MM:SS+HH:MM`` in its own zone."""
    return value.isoformat(sep=" ", timespec="seconds")


def sample_value(sample: Sample, unit: str | None = None) -> str:
    """A sample's value for a table cell; quantities in ``unit`` when given."""
    if isinstance(sample, QuantitySample):
        q = sample.quantity if unit is None else sample.quantity.to(unit)
        text = f"{short_number(q.value)} {q.unit.text}"
        return text if sample.count == 1 else f"{text} (×{sample.count})"
    if isinstance(sample, CategorySample):
        return sample.label
    if isinstance(sample, Workout):
        return sample.activity_name
    if isinstance(sample, Correlation):
        return f"{len(sample.objects)} objects"
    return ""


def table(
    columns: Sequence[str],
    rows: Iterable[Sequence[str]],
    *,
    caption: str | None = None,
    title: str | None = None,
    out: Console | None = None,
) -> None:
    """Print a table on stdout. The first column is kept on one line; narrow terminals wrap
    the other cells between words (rich measures a column's least width as its longest
    word), folding a word only when even that cannot fit."""
    table_ = Table(title=title, title_justify="left", caption=caption, caption_justify="left")
    for i, column in enumerate(columns):
        table_.add_column(column, overflow="fold", no_wrap=i == 0)
    for row in rows:
        table_.add_row(*row)
    (out or console()).print(table_)
