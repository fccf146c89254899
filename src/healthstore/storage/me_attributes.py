"""The attributes of an Apple export's ``Me`` element that no modelled characteristic holds,
kept verbatim (name → text as written) so that an export writes them back.

They belong to the person alone: only :class:`~healthstore.store.HealthStore` reads them, and
no app-facing door (``SampleView``, the HTTP API) does.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from healthstore.errors import InvalidArgument
from healthstore.interop.apple.me import ATTRIBUTE_NAME
from healthstore.storage.backend import Backend

__all__ = ["forget", "keep", "read"]


def read(backend: Backend, user_id: int) -> dict[str, str]:
    rows = backend.query(
        "SELECT name, value FROM me_attributes WHERE user_id = ? ORDER BY name", (user_id,)
    )
    return {str(name): str(value) for name, value in rows}


def keep(backend: Backend, user_id: int, values: Mapping[str, str]) -> None:
    """Store ``values`` (replacing a kept attribute of the same name)."""
    for name, value in values.items():
        if not isinstance(name, str) or not ATTRIBUTE_NAME.fullmatch(name):
            raise InvalidArgument("a Me attribute name must be an XML name", field="name")
        if not isinstance(value, str):
            raise InvalidArgument(f"Me attribute {name} must be text", field=name)
    backend.executemany(
        "INSERT INTO me_attributes (user_id, name, value) VALUES (?, ?, ?) "
        "ON CONFLICT (user_id, name) DO UPDATE SET value = excluded.value",
        [(user_id, name, value) for name, value in values.items()],
    )


def forget(backend: Backend, user_id: int, names: Iterable[str]) -> None:
    backend.executemany(
        "DELETE FROM me_attributes WHERE user_id = ? AND name = ?",
        [(user_id, name) for name in names],
    )
