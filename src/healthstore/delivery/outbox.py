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
        self._own_change = f"UPDATE deliveries SET own_change = {backend.dialect.true} WHERE id = ?"

    def locked(self) -> AbstractContextManager[object]:
        """Hold the store while the worker reads and updates the outbox."""
        return self._db.exclusive()

    def recover(self) -> int:
        """Notifications a crashed worker was sending go back to pending (at worker start;
        the receiver may see one twice, with the same delivery id)."""
        rows = self._db.query(
            "SELECT COUNT(*) FROM deliveries WHERE user_id = ? AND state = 'sending'",
            (self._user,),
        )
        with self._db.transaction():
            self._db.execute(
                "UPDATE deliveries SET state = 'pending' WHERE user_id = ? AND state = 'sending'",
                (self._user,),
            )
        return int(rows[0][0])

    def sending(self, due: Due) -> None:
        """A POST is going out: later changes start a new notification."""
        self._db.execute("UPDATE deliveries SET state = 'sending' WHERE id = ?", (due.row_id,))

    def enqueue(self, targets: Iterable[tuple[int, bool]], now_us: int) -> int:
        """Queue a notification for each (observer row id, whether the change includes the
        app's own samples), coalescing into pending ones. Call inside the write's
        transaction. Returns how many new notifications were queued."""
        added = 0
        for observer_row, own in targets:
            pending = self._db.query(
                "SELECT id FROM deliveries WHERE observer_id = ? AND state = 'pending'",
                (observer_row,),
            )
            if pending:  # coalesce into the notification not yet sent
                if own:
                    self._db.execute(self._own_change, (pending[0][0],))
                continue
            frequency, last_sent = self._db.query(
                "SELECT frequency, last_sent_us FROM observers WHERE id = ?", (observer_row,)
            )[0]
            due = now_us if last_sent is None else max(now_us, last_sent + FREQUENCIES[frequency])
            self._db.execute(
                "INSERT INTO deliveries (user_id, public_id, observer_id, own_change, "
                "created_us, due_us) VALUES (?, ?, ?, ?, ?, ?)",
                (
                    self._user,
                    "dlv_" + secrets.token_hex(12),
                    observer_row,
                    self._db.dialect.flag(own),
                    now_us,
                    due,
                ),
            )
            added += 1
        return added

    def due(self, now_us: int, limit: int = 100) -> list[Due]:
        """Pending notifications due by ``now_us`` whose observers are not paused."""
        rows = self._db.query(
            "SELECT d.id, d.public_id, o.id, o.public_id, o.app_id, o.type_id, o.url, "
            "d.own_change, d.created_us, d.attempts FROM deliveries d "
            "JOIN observers o ON o.id = d.observer_id "
            "WHERE d.user_id = ? AND d.state = 'pending' AND d.due_us <= ? AND o.unacked < ? "
            "ORDER BY d.due_us, d.id LIMIT ?",
            (self._user, now_us, PAUSE_AFTER, limit),
        )
        return [
            Due(row_id, dlv, obs_row, obs, app, type_id, url, bool(own), at, n)
            for row_id, dlv, obs_row, obs, app, type_id, url, own, at, n in rows
        ]

    def next_due_us(self) -> int | None:
        """When the next notification falls due (None: nothing can be sent)."""
        rows = self._db.query(
            "SELECT MIN(d.due_us) FROM deliveries d JOIN observers o ON o.id = d.observer_id "
            "WHERE d.user_id = ? AND d.state = 'pending' AND o.unacked < ?",
            (self._user, PAUSE_AFTER),
        )
        return None if rows[0][0] is None else int(rows[0][0])

    def delivered(self, due: Due, now_us: int) -> None:
        """The webhook took it: it now waits for the app's acknowledgement."""
        with self._db.transaction():
            self._db.execute(
                "UPDATE deliveries SET state = 'delivered', attempts = attempts + 1, "
                "finished_us = ?, last_error = NULL WHERE id = ?",
                (now_us, due.row_id),
            )
            self._db.execute(
                "UPDATE observers SET unacked = unacked + 1, last_sent_us = ? WHERE id = ?",
                (now_us, due.observer_row),
            )

    def attempt_failed(self, due: Due, now_us: int, error: str, retry_at_us: int | None) -> None:
        """A failed attempt: retry at ``retry_at_us``, or give up when None. Changes queued
        while it was out coalesce into it again."""
        with self._db.transaction():
            newer = self._db.query(
                "SELECT id, own_change FROM deliveries WHERE observer_id = ? AND state = 'pending'",
                (due.observer_row,),
            )
            if newer and retry_at_us is not None:
                self._db.execute("DELETE FROM deliveries WHERE id = ?", (newer[0][0],))
                if newer[0][1]:
                    self._db.execute(self._own_change, (due.row_id,))
            if retry_at_us is None:
                self._db.execute(
                    "UPDATE deliveries SET state = 'failed', attempts = attempts + 1, "
                    "last_error = ?, finished_us = ? WHERE id = ?",
                    (error, now_us, due.row_id),
                )
            else:
                self._db.execute(
                    "UPDATE deliveries SET state = 'pending', attempts = attempts + 1, "
                    "last_error = ?, due_us = ? WHERE id = ?",
                    (error, retry_at_us, due.row_id),
                )

    def dropped(self, due: Due, now_us: int) -> None:
        """Not sent: the app may no longer see the change."""
        self._db.execute(
            "UPDATE deliveries SET state = 'dropped', finished_us = ? WHERE id = ?",
            (now_us, due.row_id),
        )

    def history(self, observer_row: int | None = None, limit: int = 100) -> list[Delivery]:
        """The newest notifications (of one observer), newest first."""
        sql = (
            "SELECT d.public_id, o.public_id, d.state, d.attempts, d.created_us, d.due_us, "
            "d.last_error FROM deliveries d JOIN observers o ON o.id = d.observer_id "
            "WHERE d.user_id = ?"
        )
        params: list[object] = [self._user]
        if observer_row is not None:
            sql += " AND d.observer_id = ?"
            params.append(observer_row)
        rows = self._db.query(sql + " ORDER BY d.id DESC LIMIT ?", (*params, limit))
        return [Delivery(*row) for row in rows]
