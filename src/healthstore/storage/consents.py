"""The person's consents to share with a third party, kept as a record of what was handed
over to whom and why."""

from __future__ import annotations

import json
from collections.abc import Iterable

from healthstore.storage.backend import Backend

__all__ = ["record"]


def record(
    backend: Backend,
    user_id: int,
    recipient: str,
    purpose: str,
    type_names: Iterable[str],
    granted_us: int,
    statement: str,
) -> None:
    """Keep one consent (its own transaction)."""
    with backend.transaction():
        backend.execute(
            "INSERT INTO consents (user_id, recipient, purpose, types, granted_us, statement) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (user_id, recipient, purpose, json.dumps(sorted(type_names)), granted_us, statement),
        )
