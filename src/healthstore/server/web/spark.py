"""Small trend charts drawn on the server as SVG (no script): a bar per day, and a line at
the person's own average."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

WIDTH, HEIGHT, GAP = 140, 36, 3


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str


@dataclass(frozen=True)
class Spark:
    bars: list[Bar]
    average_y: float | None
    width: int = WIDTH
    height: int = HEIGHT


def spark(values: list[tuple[date, float | None]], average: float | None) -> Spark | None:
    """Bars for ``values`` scaled to the largest of them and the average."""
    known = [v for _, v in values if v is not None]
    if not known:
        return None
    top = max([*known, average or 0.0]) or 1.0
    slot = WIDTH / len(values)
    bars = []
    for i, (day, value) in enumerate(values):
        h = 0.0 if value is None else max(1.0, (value / top) * (HEIGHT - 2))
        bars.append(Bar(i * slot, HEIGHT - h, max(1.0, slot - GAP), h, day.isoformat()))
    average_y = None if average is None else HEIGHT - (average / top) * (HEIGHT - 2)
    return Spark(bars, average_y)
