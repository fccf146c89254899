"""The vault of a store: locking it (spec §8) — the key leaves memory, writes are sealed
into the journal and merged at unlock — and changing its passphrase."""

from __future__ import annotations

import os
from pathlib import Path

from healthstore.access.audit import PERSON
from healthstore.errors import DatabaseInaccessible, InvalidArgument
from healthstore.storage.backend import rekeyable
from healthstore.storage.backends import open_backend
from healthstore.store.base import IMPORT_UUIDS, StoreBase
from healthstore.store.files import (
    FORMAT_FILE,
    JOURNAL_PRIVATE,
    PENDING_FILE,
    encryption_entry,
    matching_key,
    read_marker,
    write_json,
)
from healthstore.store.locked import JournalEntry
from healthstore.store.view import now_us
from healthstore.vault.keys import KdfParams, derive_key
from healthstore.vault.sealing import open_box


class VaultMixin(StoreBase):
    """Lock, unlock and passphrase of the person's store."""

    @classmethod
    def verify_passphrase(cls, directory: str | Path, passphrase: str) -> None:
        """Raise databaseInaccessible unless ``passphrase`` opens the store in
        ``directory``."""
        path = Path(directory)
        encryption = read_marker(path).get("encryption")
        if not encryption:
            raise DatabaseInaccessible(f"the store at {path} is not encrypted", field="store")
        matching_key(path, passphrase, encryption)

    def lock(self) -> None:
        """Lock the store: the key leaves memory and every read fails with
        databaseInaccessible; writes are still accepted, sealed into the journal with the
        store's public key, and merged at :meth:`unlock`."""
        lockable = self._lockable
        if not self.encrypted or lockable is None or self._locked is None:
            raise InvalidArgument("only an encrypted store can be locked", field="store")
        if self._locked.public_key is None:
            raise InvalidArgument("only an encrypted store can be locked", field="store")
        if self.locked:
            return
        self._audit.append(PERSON, "lock", (), 0, now_us())
        self._audit.flush()  # entries waiting for a busy writer go in before the key leaves
        self._apps_kept = self._apps.by_token_digest()
        self._secrets_kept = {n: self._secret(n) for n in ("anchors", IMPORT_UUIDS)}
        self._deliveries.pause()
        lockable.lock()
        self._dims.reset()

    def unlock(self, passphrase: str) -> int:
        """Unlock with the passphrase: merge, in order, what was written while locked (each
        write checked against the person's decisions as if made now; a sample already
        merged is a duplicate, never a second copy). Returns how many samples went in."""
        if not self.locked or self.directory is None or self._lockable is None:
            return 0
        encryption = read_marker(self.directory).get("encryption") or {}
        key = matching_key(self.directory, passphrase, encryption)
        self._lockable.unlock(open_backend(self.directory, self._lockable.name, key=key))
        self._dims.reset()
        self._apps_kept, self._secrets_kept = {}, {}
        merged = self._merge_journal()
        self._audit.append(PERSON, "unlock", (), merged, now_us())
        self._deliveries.resume()
        return merged

    def _merge_journal(self) -> int:
        """Merge the journal's writes; an app removed meanwhile loses its queued writes
        (noted in the audit log). Returns how many samples went in."""
        if self._locked is None or self._locked.journal is None:
            return 0
        boxes = self._locked.journal.boxes()
        if not boxes:
            return 0
        private = self._secret_bytes(JOURNAL_PRIVATE)
        inserted = 0
        for box in boxes:
            entry = JournalEntry.from_bytes(open_box(private, box))
            samples = entry.sample_objects()
            if entry.actor == PERSON:
                inserted += self.save_each(samples).inserted
                continue
            try:
                app = self.app(entry.actor)
            except InvalidArgument:
                self._audit.append(
                    PERSON, "journal.dropped", (), len(samples), now_us(), {"app": entry.actor}
                )
                continue
            inserted += app.save_each(samples).inserted
        self._locked.journal.clear()
        return inserted

    def change_passphrase(self, old: str, new: str) -> None:
        """Re-encrypt the store under ``new`` (a new salt and key; giving the same
        passphrase twice rotates the key). Crash-safe: the new key's description is written
        beside ``store.json`` before the database is re-encrypted, and :meth:`open` finishes
        a change that was interrupted."""
        if self.directory is None or not self.encrypted:
            raise InvalidArgument("only an encrypted store has a passphrase", field="store")
        marker = read_marker(self.directory)
        matching_key(self.directory, old, marker["encryption"])
        params = KdfParams.new()
        key = derive_key(new, params)
        pending = {
            **marker,
            "encryption": encryption_entry(params, key, self._backend.name),
        }
        write_json(self.directory / PENDING_FILE, pending)
        rekeyable(self._backend).rekey(key)
        os.replace(self.directory / PENDING_FILE, self.directory / FORMAT_FILE)
        self._audit.append(PERSON, "change_passphrase", (), 0, now_us())
