"""What a write touched: per (type id, source id), the latest start among its samples —
what an observer may be told about a change depends on it (the history limit)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any


def touched_by(rows: Iterable[tuple[int, int, int]]) -> dict[tuple[int, int], int]:
    """(type id, source id) → the latest start among ``rows`` of (type, source, start)."""
    out: dict[tuple[int, int], int] = {}
    for type_id, source_id, start in rows:
        key = (type_id, source_id)
        out[key] = max(start, out.get(key, start))
    return out


def untouched(touched: dict[tuple[int, int], int]) -> list[tuple[int, int, int]]:
    return [(type_id, source_id, start) for (type_id, source_id), start in touched.items()]


def of_rows(rows: Iterable[Sequence[Any]], at: tuple[int, int, int]) -> dict[tuple[int, int], int]:
    """:func:`touched_by` of encoded rows whose type, source and start are at ``at``."""
    type_at, source_at, start_at = at
    return touched_by((row[type_at], row[source_at], row[start_at]) for row in rows)
