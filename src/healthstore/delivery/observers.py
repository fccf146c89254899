"""Observers: an app's wish to be told, by webhook, when samples of a type change.

HealthKit's observer query with background delivery, as a server does it: the app names a
type, a webhook URL and a frequency (the most often it wants to be woken). A delivery counts
as unacknowledged until the app acknowledges it; after :data:`PAUSE_AFTER` unacknowledged
deliveries the observer pauses (changes keep coalescing) until the app acknowledges.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from healthstore.catalogue import ObjectType
from healthstore.delivery.observer_view import PAUSE_AFTER, Observer
from healthstore.errors import InvalidArgument, NoData
from healthstore.storage import observers as stored
from healthstore.storage.backend import Backend
from healthstore.storage.dimensions import Dimensions
from healthstore.times import from_micros

# Observer, as its app sees it, lives in observer_view (light enough for the HTTP client)
__all__ = [
    "FREQUENCIES",
    "PAUSE_AFTER",
    "Observer",
    "ObserverRegistry",
    "Watcher",
    "check_frequency",
    "check_url",
]

_SECOND = 1_000_000
FREQUENCIES = {
    "immediate": 0,
    "hourly": 3600 * _SECOND,
    "daily": 86400 * _SECOND,
    "weekly": 7 * 86400 * _SECOND,
}
_URL_LIMIT = 2048


@dataclass(frozen=True)
class Watcher:
    """An observer as the write path needs it: which app watches which type."""

    row_id: int
    app_id: int
    type_id: int


def check_frequency(frequency: str) -> str:
    if frequency not in FREQUENCIES:
        raise InvalidArgument(
            f"unknown frequency {frequency!r} (use one of {', '.join(FREQUENCIES)})",
            field="frequency",
        )
    return frequency


def check_url(url: str) -> str:
    """A webhook URL: absolute http(s) with a host."""
    import httpx  # the store loads httpx only when a webhook is registered or sent

    if not isinstance(url, str) or len(url) > _URL_LIMIT:
        raise InvalidArgument("url must be a string of at most 2048 characters", field="url")
    try:
        parsed = httpx.URL(url)
        parsed.host.encode("idna")
        ok = parsed.scheme in ("http", "https") and bool(parsed.host)
    except (httpx.InvalidURL, UnicodeError, ValueError):
        ok = False
    if not ok:
        raise InvalidArgument(f"url {url!r} is not an absolute http(s) URL", field="url")
    return url


class ObserverRegistry:
    """The observers of one user's apps."""

    def __init__(self, backend: Backend, dims: Dimensions, user_id: int) -> None:
        self._db = backend
        self._dims = dims
        self._user = user_id

    def add(self, app_id: int, t: ObjectType, url: str, frequency: str, now_us: int) -> Observer:
        check_frequency(frequency)
        check_url(url)
        public_id = "obs_" + secrets.token_hex(12)
        stored.insert(
            self._db, self._user, public_id, app_id, self._dims.type_id(t), frequency, url, now_us
        )
        return self.get(app_id, public_id)

    def all(self, app_id: int | None = None) -> list[Observer]:
        """Every observer (of one app), oldest first."""
        return [
            Observer(
                public_id,
                self._dims.object_type(type_id),
                frequency,
                url,
                from_micros(created_us),
                unacked,
                pending,
            )
            for public_id, type_id, frequency, url, created_us, unacked, pending in stored.every(
                self._db, self._user, app_id
            )
        ]

    def get(self, app_id: int, public_id: str) -> Observer:
        for observer in self.all(app_id):
            if observer.id == public_id:
                return observer
        raise NoData(f"no observer {public_id!r}", field="id")

    def _row_id(self, app_id: int, public_id: str) -> int:
        row_id = stored.row_id(self._db, self._user, app_id, public_id)
        if row_id is None:
            raise NoData(f"no observer {public_id!r}", field="id")
        return row_id

    def remove(self, app_id: int, public_id: str) -> None:
        """Remove an observer and drop what it had not been sent."""
        with self._db.transaction():
            stored.delete(self._db, self._row_id(app_id, public_id))

    def remove_app(self, app_id: int) -> None:
        """Remove every observer of an app (it was unregistered)."""
        stored.delete_app(self._db, self._user, app_id)

    def acknowledge(self, app_id: int, public_id: str) -> Observer:
        """The app has handled what it was sent: the observer runs again."""
        with self._db.transaction():
            stored.acknowledge(self._db, self._row_id(app_id, public_id))
        return self.get(app_id, public_id)

    def watching(self, type_ids: set[int]) -> list[Watcher]:
        """The observers of any of ``type_ids``."""
        return [Watcher(*row) for row in stored.watching(self._db, self._user, type_ids)]
