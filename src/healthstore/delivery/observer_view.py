"""An observer as its app sees it: a plain value, so the HTTP client speaks it without
loading the store (:mod:`healthstore.api`); the registry is :mod:`.observers`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from healthstore.catalogue import ObjectType

PAUSE_AFTER = 3
"""Unacknowledged deliveries after which an observer pauses until its app acknowledges."""


@dataclass(frozen=True)
class Observer:
    """A registered observer, as its app sees it."""

    id: str
    type: ObjectType
    frequency: str
    url: str
    created: datetime
    unacknowledged: int
    pending: int
    secret: str | None = None  # the webhook secret: given once, when the observer is made

    @property
    def paused(self) -> bool:
        """Paused until the app acknowledges what it was sent."""
        return self.unacknowledged >= PAUSE_AFTER

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "type": self.type.short_name,
            "frequency": self.frequency,
            "url": self.url,
            "created": self.created.isoformat(),
            "unacknowledged": self.unacknowledged,
            "paused": self.paused,
            "pending": self.pending,
            **({"secret": self.secret} if self.secret else {}),
        }
