"""A workout's route drawn as an SVG polyline from its locations: an equirectangular
projection around the route's middle latitude, fitted in a box. No map tiles, nothing
fetched."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from healthstore.records import Location

SIZE = 320
MARGIN = 12


@dataclass(frozen=True)
class RouteDrawing:
    points: str
    start: tuple[float, float]
    end: tuple[float, float]
    width: int
    height: int
    count: int


def draw(locations: Sequence[Location]) -> RouteDrawing | None:
    """The polyline of ``locations`` (None without two of them)."""
    if len(locations) < 2:
        return None
    middle = math.radians(sum(p.latitude for p in locations) / len(locations))
    xs = [p.longitude * math.cos(middle) for p in locations]
    ys = [-p.latitude for p in locations]
    span = max(max(xs) - min(xs), max(ys) - min(ys)) or 1e-9
    scale = (SIZE - 2 * MARGIN) / span
    width = round((max(xs) - min(xs)) * scale + 2 * MARGIN)
    height = round((max(ys) - min(ys)) * scale + 2 * MARGIN)
    coords = [
        (round((x - min(xs)) * scale + MARGIN, 1), round((y - min(ys)) * scale + MARGIN, 1))
        for x, y in zip(xs, ys, strict=True)
    ]
    text = " ".join(f"{x},{y}" for x, y in coords)
    return RouteDrawing(text, coords[0], coords[-1], max(width, 40), max(height, 40), len(coords))
