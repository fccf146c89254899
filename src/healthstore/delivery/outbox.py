"""The outbox: notifications waiting to be delivered, kept in the store itself.

:meth:`Outbox.enqueue` runs inside the transaction of the write it announces, so a
notification exists exactly when its change does, whatever crashes. An observer has at most
one pending notification: later changes coalesce into it. A new notification is due at once,
or when the observer's frequency next allows (one period after its last delivery).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from contextlib import AbstractContextManager
from dataclasses import dataclass

from healthstore.delivery.observers import FREQUENCIES, PAUSE_AFTER
from healthstore.storage import deliveries, observers
from healthstore.storage.backend import Backend


@dataclass(frozen=True)
class Due:
    """A notification ready to be sent, with what sending it needs."""

    row_id: int
    delivery_id: str
    observer_row: int
    observer_id: str
    app_id: int
    type_id: int
    url: str
    own_change: bool
    created_us: int
    attempts: int


@dataclass(frozen=True)
class Delivery:
    """A notification as the store's owner inspects it."""

    delivery_id: str
    observer_id: str
    state: str
    attempts: int
    created_us: int
    due_us: int
    last_error: str | None


class Outbox:
    """The notifications of one user."""

    def __init__(self, backend: Backend, user_id: int) -> None:
        self._db = backend
        self._user = user_id

    def locked(self) -> AbstractContextManager[object]:
        """Hold the store while the worker reads and updates the outbox."""
        return self._db.exclusive()

    def recover(self) -> int:
        """Notifications a crashed worker was sending go back to pending (at worker start;
        the receiver may see one twice, with the same delivery id)."""
        return deliveries.recover_sending(self._db, self._user)

    def sending(self, due: Due) -> None:
        """A POST is going out: later changes start a new notification."""
        deliveries.set_sending(self._db, due.row_id)

    def enqueue(self, targets: Iterable[tuple[int, bool]], now_us: int) -> int:
        """Queue a notification for each (observer row id, whether the change includes the
        app's own samples), coalescing into pending ones. Call inside the write's
        transaction. Returns how many new notifications were queued."""
        added = 0
        for observer_row, own in targets:
            pending = deliveries.pending_of(self._db, observer_row)
            if pending is not None:  # coalesce into the notification not yet sent
                if own:
                    deliveries.mark_own_change(self._db, pending[0])
                continue
            frequency, last_sent = observers.schedule(self._db, observer_row)
            due = now_us if last_sent is None else max(now_us, last_sent + FREQUENCIES[frequency])
            public_id = "dlv_" + secrets.token_hex(12)
            deliveries.insert(self._db, self._user, public_id, observer_row, own, now_us, due)
            added += 1
        return added

    def due(self, now_us: int, limit: int = 100) -> list[Due]:
        """Pending notifications due by ``now_us`` whose observers are not paused."""
        return [
            Due(row_id, dlv, obs_row, obs, app, type_id, url, bool(own), at, n)
            for row_id, dlv, obs_row, obs, app, type_id, url, own, at, n in deliveries.due(
                self._db, self._user, now_us, PAUSE_AFTER, limit
            )
        ]

    def next_due_us(self) -> int | None:
        """When the next notification falls due (None: nothing can be sent)."""
        return deliveries.next_due_us(self._db, self._user, PAUSE_AFTER)

    def delivered(self, due: Due, now_us: int) -> None:
        """The webhook took it: it now waits for the app's acknowledgement."""
        with self._db.transaction():
            deliveries.set_delivered(self._db, due.row_id, now_us)
            observers.mark_sent(self._db, due.observer_row, now_us)

    def attempt_failed(self, due: Due, now_us: int, error: str, retry_at_us: int | None) -> None:
        """A failed attempt: retry at ``retry_at_us``, or give up when None. Changes queued
        while it was out coalesce into it again."""
        with self._db.transaction():
            newer = deliveries.pending_of(self._db, due.observer_row)
            if newer is not None and retry_at_us is not None:
                newer_row, newer_own = newer
                deliveries.delete(self._db, newer_row)
                if newer_own:
                    deliveries.mark_own_change(self._db, due.row_id)
            if retry_at_us is None:
                deliveries.set_failed(self._db, due.row_id, error, now_us)
            else:
                deliveries.set_retry(self._db, due.row_id, error, retry_at_us)

    def dropped(self, due: Due, now_us: int) -> None:
        """Not sent: the app may no longer see the change."""
        deliveries.set_dropped(self._db, due.row_id, now_us)

    def history(self, observer_row: int | None = None, limit: int = 100) -> list[Delivery]:
        """The newest notifications (of one observer), newest first."""
        return [
            Delivery(*row) for row in deliveries.history(self._db, self._user, observer_row, limit)
        ]
