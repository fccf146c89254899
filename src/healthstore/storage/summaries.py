"""Activity summaries (daily rings) in storage: one JSON row per day."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date

from healthstore.model import ActivitySummary, SaveStatus
from healthstore.storage.backend import Backend
from healthstore.units import Quantity


def _encode(summary: ActivitySummary) -> str:
    values = {}
    for name in ActivitySummary.QUANTITIES:
        q = getattr(summary, name)
        if q is not None:
            values[name] = [q.value, q.unit.text]
    return json.dumps(values, sort_keys=True, separators=(",", ":"))


def _decode(day: str, data: str) -> ActivitySummary:
    values = {k: Quantity(v, u) for k, (v, u) in json.loads(data).items()}
    return ActivitySummary(date.fromisoformat(day), **values)


def save(backend: Backend, user_id: int, summaries: Sequence[ActivitySummary]) -> list[SaveStatus]:
    """Save summaries, a day's newer numbers replacing its older ones; identical ones are
    duplicates."""
    statuses = []
    with backend.transaction():
        for summary in summaries:
            data = _encode(summary)
            rows = backend.query(
                "SELECT data FROM activity_summaries WHERE user_id = ? AND day = ?",
                (user_id, summary.day.isoformat()),
            )
            if rows and rows[0][0] == data:
                statuses.append(SaveStatus.duplicate)
                continue
            backend.execute(
                "INSERT INTO activity_summaries (user_id, day, data) VALUES (?, ?, ?) "
                "ON CONFLICT (user_id, day) DO UPDATE SET data = excluded.data",
                (user_id, summary.day.isoformat(), data),
            )
            statuses.append(SaveStatus.replaced if rows else SaveStatus.created)
    return statuses


def read(backend: Backend, user_id: int, start: date, end: date) -> list[ActivitySummary]:
    """Summaries of the days in [start, end], in order."""
    rows = backend.query(
        "SELECT day, data FROM activity_summaries WHERE user_id = ? AND day >= ? AND day <= ? "
        "ORDER BY day",
        (user_id, start.isoformat(), end.isoformat()),
    )
    return [_decode(day, data) for day, data in rows]
