"""The uuids an Apple import derives from content, keyed by a secret of the store.

An export carries no uuids, so each sample's uuid is derived from what the export says of it:
importing the same export twice finds every sample already there. Derived from the content
alone, a uuid would be a public function of it: anyone could compute the uuid of "heart rate
71 at 08:00" and probe a store with it. So a store made since keyed uuids derives them with
HMAC-SHA256 under a random 32-byte key of its own (kept in its ``secrets`` table), and the
content identity includes the record's ``creationDate``: two Records that differ only in
when they were created are two objects in HealthKit, and stay two samples.

A store made before (marked by migration 0008 with an empty key) keeps the plain SHA-256
derivation bit for bit, or its next import of the same export would add everything again.
There the creation date cannot join the identity; instead, when a Record's uuid is already
taken in this import by a Record that differs from it only in its creation date, it gets a
uuid derived from (that uuid, its own creation date). The first of the two keeps the uuid it
always had, so re-imports stay idempotent as long as such twins come within
:data:`TWIN_WINDOW` Records of each other (Apple writes them side by side: same type, same
start).

Every uuid keeps the shape of :func:`~healthstore.model.stable_uuid`: the start's
milliseconds first (kind to indexes), then 74 bits of the digest.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Final
from uuid import UUID

from healthstore.model import stable_uuid_bytes
from healthstore.times import to_micros

TWIN_WINDOW: Final = 1 << 16
"""Records within which a legacy store's twins (content equal but for the creation date)
are told apart: the uuids of the last 64Ki-128Ki Records are remembered, no more."""

KEY_BYTES: Final = 32


def _shaped(start_us: int, digest: bytes) -> bytes:
    """The 16 bytes of a version 8 uuid: start milliseconds, then 74 bits of ``digest``."""
    bits = int.from_bytes(digest[:10], "big")
    value = ((start_us // 1000) & 0xFFFFFFFFFFFF) << 80
    value |= 0x8 << 76 | (bits >> 62 & 0xFFF) << 64
    value |= 0b10 << 62 | bits & 0x3FFFFFFFFFFFFFFF
    return value.to_bytes(16, "big")


class ContentUuids:
    """How one import derives uuids: keyed (a store's 32-byte key), or the legacy way (an
    empty key: a store made before keyed uuids)."""

    __slots__ = ("_inner", "_key", "_older", "_outer", "_recent")

    def __init__(self, key: bytes = b"") -> None:
        if key and len(key) < KEY_BYTES // 2:
            raise ValueError("an import key has 32 bytes")
        self._key = key
        self._recent: dict[bytes, str] = {}
        self._older: dict[bytes, str] = {}
        # HMAC-SHA256 (RFC 2104) with its two padded keys hashed once: each uuid then
        # costs two copies of a started hash instead of a new HMAC object.
        block = (key if len(key) <= 64 else hashlib.sha256(key).digest()).ljust(64, b"\0")
        self._inner = hashlib.sha256(bytes(b ^ 0x36 for b in block))
        self._outer = hashlib.sha256(bytes(b ^ 0x5C for b in block))

    @property
    def keyed(self) -> bool:
        return bool(self._key)

    @property
    def key(self) -> bytes:
        """The key (empty for the legacy derivation), for a reader in another process."""
        return self._key

    def derive(self, start_us: int, content: str) -> bytes:
        """The uuid bytes of ``content`` starting at ``start_us`` (UTC microseconds)."""
        if not self._key:
            return stable_uuid_bytes(start_us, content)
        return _shaped(start_us, self.mac(content.encode("utf-8")))

    def mac(self, data: bytes) -> bytes:
        """HMAC-SHA256 of ``data`` under the key."""
        inner = self._inner.copy()
        inner.update(data)
        outer = self._outer.copy()
        outer.update(inner.digest())
        return outer.digest()

    def uuid(self, start: datetime, content: str, creation: str | None = None) -> UUID:
        """The uuid of an element other than a Record: ``creation`` (its creationDate) is
        part of a keyed store's identity only."""
        return UUID(bytes=self.element(to_micros(start), content, creation))

    def element(self, start_us: int, content: str, creation: str | None) -> bytes:
        if self._key:
            content = f"{content}\x1fcreationDate={creation or ''}"
        return self.derive(start_us, content)

    def record(
        self, start_us: int, content: str, creation: str | None, *, track: bool = True
    ) -> bytes:
        """The uuid bytes of a Record with this content identity and creationDate. Without
        ``track`` (a correlation's member: the same object as a top-level Record) a legacy
        store's twins are not looked for."""
        if self._key:
            return self.derive(start_us, f"{content}\x1fcreationDate={creation or ''}")
        uuid = stable_uuid_bytes(start_us, content)
        if not track:
            return uuid
        created = creation or ""
        seen = self._recent.get(uuid)
        if seen is None:
            seen = self._older.get(uuid)
            if seen is None:
                self._remember(uuid, created)
                return uuid
        if seen == created:
            return uuid
        return stable_uuid_bytes(start_us, f"created\x1f{uuid.hex()}\x1f{created}")

    def record_uuid(
        self, start: datetime, content: str, creation: str | None, *, track: bool = True
    ) -> UUID:
        return UUID(bytes=self.record(to_micros(start), content, creation, track=track))

    def _remember(self, uuid: bytes, created: str) -> None:
        if len(self._recent) >= TWIN_WINDOW:
            self._older, self._recent = self._recent, {}
        self._recent[uuid] = created


__all__ = ["KEY_BYTES", "TWIN_WINDOW", "ContentUuids"]
