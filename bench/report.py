"""The results table: with rich for a terminal, or as Markdown for the README."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from common import Result

HEADERS = ("benchmark", "ours", "reference", "ratio", "goal", "met?")


def _met(result: Result) -> str:
    return "—" if result.met is None else ("yes" if result.met else "NO")


def _cells(result: Result) -> tuple[str, ...]:
    r = result
    return (r.benchmark, r.ours, r.reference, r.ratio, r.goal, _met(r))


def show(results: list[Result], machine: dict[str, str], notes: list[str]) -> None:
    """Print the table and the machine it ran on to the terminal."""
    table = Table(*HEADERS, title="healthstore benchmarks")
    for result in results:
        style = "red" if result.met is False else None
        table.add_row(*_cells(result), style=style)
    console = Console()
    console.print(table)
    console.print(", ".join(f"{k}: {v}" for k, v in machine.items()))
    for note in notes:
        console.print(note)


def markdown(results: list[Result], machine: dict[str, str], notes: list[str]) -> str:
    """The same as :func:`show`, as GitHub Markdown."""
    lines = ["| " + " | ".join(HEADERS) + " |", "|" + "---|" * len(HEADERS)]
    lines += ["| " + " | ".join(_cells(r)) + " |" for r in results]
    lines += ["", "Machine: " + ", ".join(f"{k}: {v}" for k, v in machine.items()) + "."]
    lines += ["", *(f"- {note}" for note in notes)] if notes else []
    return "\n".join(lines)
