"""The ``opaque_records`` table: Records of unknown types kept verbatim
(:mod:`healthstore.opaque`)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from healthstore.opaque import OpaqueRecord
from healthstore.storage.backend import Backend


def save_opaque(
    backend: Backend, user_id: int, records: Sequence[OpaqueRecord], now_us: int
) -> list[bool]:
    """Keep ``records`` (in the caller's transaction); per record, whether it was added
    (False: its uuid was already there)."""
    out = []
    for record in records:
        found = backend.query(
            "SELECT 1 FROM opaque_records WHERE user_id = ? AND uuid = ?",
            (user_id, record.uuid.bytes),
        )
        if found:
            out.append(False)
            continue
        backend.execute(
            "INSERT INTO opaque_records (user_id, uuid, type, start_us, element, created_us) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (
                user_id,
                record.uuid.bytes,
                record.type,
                record.start_us,
                record.element_json(),
                now_us,
            ),
        )
        out.append(True)
    return out


def opaque_records(backend: Backend, user_id: int) -> Iterator[OpaqueRecord]:
    """Every kept record, by type then start."""
    rows = backend.iterate(
        "SELECT uuid, type, start_us, element FROM opaque_records WHERE user_id = ? "
        "ORDER BY type, start_us, id",
        (user_id,),
    )
    for uuid, type_, start_us, element in rows:
        yield OpaqueRecord.from_row(uuid, type_, start_us, element)
