"""Activity summaries (a day's rings) as JSON: ``{"day": "YYYY-MM-DD", "<ring>": {"value",
"unit"} | null, ...}`` with the ring fields of :class:`~healthstore.model.ActivitySummary`."""

from __future__ import annotations

from datetime import date
from typing import Any

from healthstore.errors import InvalidArgument
from healthstore.model import ActivitySummary
from healthstore.wire.fields import JSONObject, at, json_object, quantity_from_json
from healthstore.wire.samples import quantity_to_json


def activity_summary_to_json(summary: ActivitySummary) -> JSONObject:
    out: JSONObject = {"day": summary.day.isoformat()}
    for name in ActivitySummary.QUANTITIES:
        value = getattr(summary, name)
        out[name] = None if value is None else quantity_to_json(value)
    return out


def activity_summary_from_json(value: object, *, where: str = "") -> ActivitySummary:
    """The inverse of :func:`activity_summary_to_json`; errors name the field."""
    with at(where):
        data = json_object(value, ("day", *ActivitySummary.QUANTITIES), "an activity summary")
        day = data.get("day")
        try:
            parsed = date.fromisoformat(day) if isinstance(day, str) else None
        except ValueError:
            parsed = None
        if parsed is None:
            raise InvalidArgument("day must be a date (YYYY-MM-DD)", field="day")
        rings: dict[str, Any] = {}
        for name in ActivitySummary.QUANTITIES:
            if data.get(name) is not None:
                with at(name):
                    rings[name] = quantity_from_json(data[name])
        return ActivitySummary(parsed, **rings)
