"""Each app's history access in storage: when it was first let read, and whether the
person granted it history (see :mod:`healthstore.access.visibility`)."""

from __future__ import annotations

from dataclasses import dataclass

from healthstore.storage.backend import Backend

_COLUMNS = ("user_id", "app_id", "first_read_us", "history")
_KEY = ("user_id", "app_id")


@dataclass(frozen=True)
class HistoryAccess:
    """When the app was first let read (None: never) and whether it may read older data."""

    first_read_us: int | None = None
    granted: bool = False


def read(backend: Backend, user_id: int, app_id: int) -> HistoryAccess:
    rows = backend.query(
        "SELECT first_read_us, history FROM app_history WHERE user_id = ? AND app_id = ?",
        (user_id, app_id),
    )
    if not rows:
        return HistoryAccess()
    first, granted = rows[0]
    return HistoryAccess(None if first is None else int(first), bool(granted))


def record_first_read(backend: Backend, user_id: int, app_id: int, now_us: int) -> None:
    """Note a read grant; only the first one counts (later ones, even after every read
    grant was revoked, keep the first time)."""
    backend.execute(
        backend.dialect.upsert(
            "app_history",
            _COLUMNS,
            key=_KEY,
            update={"first_read_us": "COALESCE(app_history.first_read_us, excluded.first_read_us)"},
        ),
        (user_id, app_id, now_us, backend.dialect.flag(False)),
    )


def set_granted(backend: Backend, user_id: int, app_id: int, granted: bool) -> bool:
    """Grant or withdraw history; True when that changed something."""
    if read(backend, user_id, app_id).granted == granted:
        return False
    backend.execute(
        backend.dialect.upsert(
            "app_history", _COLUMNS, key=_KEY, update={"history": "excluded.history"}
        ),
        (user_id, app_id, None, backend.dialect.flag(granted)),
    )
    return True


def forget(backend: Backend, user_id: int, app_id: int) -> None:
    """Drop an app's row (the app is unregistered)."""
    backend.execute("DELETE FROM app_history WHERE user_id = ? AND app_id = ?", (user_id, app_id))
