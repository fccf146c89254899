"""Sample uuids: fresh time-ordered ones, and stable ones derived from content."""

from __future__ import annotations

import hashlib
import os
import time
from datetime import datetime
from uuid import UUID

from healthstore.errors import InvalidArgument
from healthstore.times import to_micros

UUIDLike = UUID | str


def new_uuid() -> UUID:
    """A fresh time-ordered UUID (version 7, RFC 9562): unique like a random UUID, and
    kind to indexes because consecutive samples get neighbouring keys."""
    millis = time.time_ns() // 1_000_000
    rand = int.from_bytes(os.urandom(10), "big")
    value = (millis & 0xFFFFFFFFFFFF) << 80
    value |= 0x7 << 76 | (rand >> 62 & 0xFFF) << 64
    value |= 0b10 << 62 | rand & 0x3FFFFFFFFFFFFFFF
    return UUID(int=value)


def stable_uuid(start: datetime, content: str) -> UUID:
    """The same UUID every time for the same content (version 8, RFC 9562): the start's
    milliseconds first, like :func:`new_uuid`, so imports stay kind to indexes, then 74 bits
    of a SHA-256 of ``content``. Importing a file twice gives the same uuids, so the second
    import adds nothing."""
    return UUID(bytes=stable_uuid_bytes(to_micros(start), content))


def stable_uuid_bytes(start_us: int, content: str) -> bytes:
    """The 16 bytes of :func:`stable_uuid` for a start given in UTC microseconds."""
    digest = int.from_bytes(_sha256(content.encode("utf-8")).digest()[:10], "big")
    value = ((start_us // 1000) & 0xFFFFFFFFFFFF) << 80
    value |= 0x8 << 76 | (digest >> 62 & 0xFFF) << 64
    value |= 0b10 << 62 | digest & 0x3FFFFFFFFFFFFFFF
    return value.to_bytes(16, "big")


_sha256 = hashlib.sha256


def as_uuid(value: UUIDLike | None) -> UUID:
    """``value`` as a UUID, or a fresh one for None; a text that is not one is an error."""
    if value is None:
        return new_uuid()
    if isinstance(value, UUID):
        return value
    try:
        return UUID(str(value))
    except ValueError:
        raise InvalidArgument(f"uuid {value!r} is not a UUID", field="uuid") from None
