"""Writes while the store is locked (spec §8): accepted, sealed with the store's public key
into the journal, and merged at unlock.

A queued sample keeps its uuid, so merging an entry twice (after a crash between merging
and emptying the journal) stores nothing twice. Authorization is checked at merge, when the
person's decisions can be read again.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from healthstore.model import Sample, SaveResult, SaveStatus
from healthstore.storage.lockable import LockableBackend
from healthstore.vault.journal import Journal
from healthstore.wire import sample_from_json, sample_to_json

JOURNAL_FILE = "journal.sealed"


@dataclass(frozen=True)
class JournalEntry:
    """One write made while locked."""

    id: str
    actor: str  # "person", or the writing app's bundle id
    samples: list[dict[str, Any]]

    def to_bytes(self) -> bytes:
        return json.dumps({"id": self.id, "actor": self.actor, "samples": self.samples}).encode()

    @classmethod
    def from_bytes(cls, data: bytes) -> JournalEntry:
        value = json.loads(data)
        return cls(str(value["id"]), str(value["actor"]), list(value["samples"]))

    def sample_objects(self) -> list[Sample]:
        return [sample_from_json(item) for item in self.samples]


class LockedWrites:
    """The journal of one store and whether writes must go to it."""

    def __init__(self, backend: LockableBackend, directory: Path | None, public_key: bytes | None):
        self._backend = backend
        self.journal = None if directory is None else Journal(directory / JOURNAL_FILE)
        self.public_key = public_key

    @property
    def active(self) -> bool:
        """Whether writes are being queued (the store is locked)."""
        return self._backend.locked

    def queue(self, actor: str, samples: Sequence[Sample]) -> list[SaveResult]:
        """Seal the samples into the journal; each result says ``queued``."""
        assert self.journal is not None and self.public_key is not None
        entry = JournalEntry(uuid.uuid4().hex, actor, [sample_to_json(s) for s in samples])
        self.journal.append(self.public_key, entry.to_bytes())
        return [SaveResult(s.uuid, SaveStatus.queued) for s in samples]
