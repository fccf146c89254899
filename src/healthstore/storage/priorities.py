"""The person's source priority per type: the bundle ids in the order statistics merge them."""

from __future__ import annotations

import json
from collections.abc import Sequence

from healthstore.storage.backend import Backend

__all__ = ["read", "write"]


def read(backend: Backend, user_id: int, type_id: int) -> list[str] | None:
    """The person's order for a type, or None when they have not set one."""
    rows = backend.query(
        "SELECT bundle_ids FROM source_priorities WHERE user_id = ? AND type_id = ?",
        (user_id, type_id),
    )
    return [str(b) for b in json.loads(rows[0][0])] if rows else None


def write(backend: Backend, user_id: int, type_id: int, bundle_ids: Sequence[str]) -> None:
    """Replace the order for a type (inside the caller's transaction)."""
    backend.execute(
        backend.dialect.upsert(
            "source_priorities",
            ("user_id", "type_id", "bundle_ids"),
            key=("user_id", "type_id"),
            update={"bundle_ids": "excluded.bundle_ids"},
        ),
        (user_id, type_id, json.dumps(list(bundle_ids))),
    )
