"""A store's directory: its format marker ``store.json``, the database file, and the keys
derived from the passphrase.

::

    DIR/store.json      format marker: {"format": "healthstore", "version": 1, "backend": "sqlite"}
    DIR/healthstore.db  the SQLite database
"""

from __future__ import annotations

import hmac
import json
import os
from pathlib import Path
from typing import Any

from healthstore.errors import DatabaseInaccessible
from healthstore.storage import backends
from healthstore.storage import secrets as stored_secrets
from healthstore.storage.backend import Backend
from healthstore.storage.backends import backend_of, open_backend
from healthstore.vault.file_modes import write_private
from healthstore.vault.keys import KdfParams, derive_key, key_check
from healthstore.vault.sealing import new_keypair

FORMAT_FILE = "store.json"
DATABASE_FILE = "healthstore.db"
FORMAT_VERSION = 1
PENDING_FILE = "store.json.next"
"""A passphrase change's new ``store.json``, until the database has taken the new key."""
JOURNAL_PRIVATE = "journal-private"
JOURNAL_PUBLIC = "journal-public"


def read_marker(path: Path) -> dict[str, Any]:
    """What ``store.json`` of the store at ``path`` says (refused unless it describes a
    healthstore of this format)."""
    try:
        marker = json.loads((path / FORMAT_FILE).read_text("utf-8"))
    except FileNotFoundError:
        raise DatabaseInaccessible(
            f"no healthstore at {path} (create one with `healthstore init {path}`)",
            field="directory",
        ) from None
    except (OSError, ValueError) as exc:
        raise DatabaseInaccessible(f"cannot read {path / FORMAT_FILE}: {exc}") from None
    if (
        not isinstance(marker, dict)
        or marker.get("format") != "healthstore"
        or marker.get("version") != FORMAT_VERSION
    ):
        raise DatabaseInaccessible(
            f"{path / FORMAT_FILE} does not describe a healthstore of format {FORMAT_VERSION}",
            field="directory",
        )
    return marker


def journal_keys(backend: Backend) -> bytes:
    """The store's journal key pair, made on first use: the private half stays inside the
    encrypted database; the public half is returned (and kept in store.json)."""
    public = stored_secrets.read(backend, JOURNAL_PUBLIC)
    if public is not None:
        return public
    private, public = new_keypair()
    with backend.transaction():
        stored_secrets.add(backend, JOURNAL_PRIVATE, private)
        stored_secrets.add(backend, JOURNAL_PUBLIC, public)
    return public


def encryption_entry(params: KdfParams, key: bytes, backend: str) -> dict[str, Any]:
    """What ``store.json`` says of an encrypted store: how its key is derived, the
    backend's cipher, and a check value for the key (never the key or the passphrase)."""
    return {**params.to_json(), **backends.cipher_entry(backend), "check": key_check(key)}


def write_json(path: Path, data: dict[str, Any]) -> None:
    """Replace ``path`` with ``data`` at once (a crash leaves the old file or the new one)."""
    partial = path.with_name(path.name + ".partial")
    write_private(partial, (json.dumps(data, indent=2) + "\n").encode("utf-8"))
    os.replace(partial, path)


def matching_key(path: Path, passphrase: str, encryption: dict[str, Any]) -> bytes:
    """The key ``passphrase`` gives for the store at ``path``: under ``store.json``'s
    description, or under that of a passphrase change that was interrupted (which is then
    completed)."""
    key = derive_key(passphrase, KdfParams.from_json(encryption))
    if hmac.compare_digest(key_check(key), str(encryption.get("check", ""))):
        return key
    pending = path / PENDING_FILE
    if pending.exists():
        try:
            upcoming = json.loads(pending.read_text("utf-8"))["encryption"]
        except (OSError, ValueError, KeyError, TypeError):
            upcoming = None
        if upcoming:
            key = derive_key(passphrase, KdfParams.from_json(upcoming))
            if hmac.compare_digest(key_check(key), str(upcoming.get("check", ""))):
                try:  # the database took the new key before the crash: finish the change
                    kind = backend_of(read_marker(path)).name
                    open_backend(path, kind, key=key).close()
                except DatabaseInaccessible:
                    pass
                else:
                    os.replace(pending, path / FORMAT_FILE)
                    return key
    raise DatabaseInaccessible(f"wrong passphrase for the store at {path}", field="passphrase")
