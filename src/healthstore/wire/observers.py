"""Observers as JSON: the server writes :meth:`~healthstore.api.Observer.to_json`; the
HTTP client reads it back with :func:`observer_from_json`."""

from __future__ import annotations

from typing import Any

from healthstore import catalogue
from healthstore.delivery.observer_view import Observer
from healthstore.times import parse_instant


def observer_from_json(data: dict[str, Any]) -> Observer:
    """An observer from the server's answer (``secret`` only when it was just made)."""
    return Observer(
        id=data["id"],
        type=catalogue.object_type(data["type"]),
        frequency=data["frequency"],
        url=data["url"],
        created=parse_instant(data["created"], "created"),
        unacknowledged=int(data["unacknowledged"]),
        pending=int(data["pending"]),
        secret=data.get("secret"),
    )
