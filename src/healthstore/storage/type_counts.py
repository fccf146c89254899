"""How much the store holds per type: the rows of the person's summary."""

from __future__ import annotations

from healthstore.storage.backend import Backend

__all__ = ["per_type"]


def per_type(backend: Backend, user_id: int) -> list[tuple[int, int, int, int, int]]:
    """Per type id: (type id, samples, first start µs, last end µs, distinct sources)."""
    rows = backend.query(
        "SELECT type_id, COUNT(*), MIN(start_us), MAX(end_us), COUNT(DISTINCT source_id) "
        "FROM samples WHERE user_id = ? GROUP BY type_id",
        (user_id,),
    )
    return [(int(t), int(n), int(a), int(b), int(s)) for t, n, a, b, s in rows]
