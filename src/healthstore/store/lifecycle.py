"""Making a store and opening it: the directory, its format marker, and the key an
encrypted store's passphrase gives."""

from __future__ import annotations

from pathlib import Path
from typing import Self

from healthstore.errors import DatabaseInaccessible, InvalidArgument
from healthstore.storage.backends import DEFAULT_BACKEND, FIELD, backend_of, open_backend
from healthstore.store.files import (
    FORMAT_FILE,
    FORMAT_VERSION,
    encryption_entry,
    journal_keys,
    matching_key,
    read_marker,
    write_json,
)
from healthstore.store.vault import VaultMixin
from healthstore.vault.file_modes import private_directory, tighten
from healthstore.vault.keys import KdfParams, derive_key


class LifecycleMixin(VaultMixin):
    """``create`` and ``open``."""

    @classmethod
    def create(
        cls,
        directory: str | Path,
        *,
        exist_ok: bool = False,
        passphrase: str | None = None,
    ) -> Self:
        """Create a store in ``directory`` (made if missing). With ``passphrase`` the
        database is encrypted (SQLCipher; the key derived with scrypt from the passphrase and
        a random salt kept in ``store.json``); without one it is a plain SQLite file. With
        ``exist_ok``, an existing store there is opened instead of refused."""
        path = Path(directory)
        if (path / FORMAT_FILE).exists():
            if exist_ok:
                return cls.open(path, passphrase=passphrase)
            raise InvalidArgument(f"a store already exists at {path}", field="directory")
        if path.exists() and any(path.iterdir()):
            raise InvalidArgument(
                f"{path} is not empty and holds no store; choose an empty directory",
                field="directory",
            )
        key, encryption = None, None
        if passphrase is not None:
            params = KdfParams.new()
            key = derive_key(passphrase, params)
            encryption = encryption_entry(params, key, DEFAULT_BACKEND)
        private_directory(path)
        backend = open_backend(path, DEFAULT_BACKEND, create=True, key=key)
        public = journal_keys(backend) if key is not None else None
        marker = {
            "format": "healthstore",
            "version": FORMAT_VERSION,
            FIELD: DEFAULT_BACKEND,
            "encryption": encryption,
            "journal_public_key": None if public is None else public.hex(),
        }
        write_json(path / FORMAT_FILE, marker)
        return cls(backend, path, journal_key=public)

    @classmethod
    def is_encrypted(cls, directory: str | Path) -> bool:
        """Whether the store in ``directory`` needs a passphrase to open."""
        return bool(read_marker(Path(directory)).get("encryption"))

    @classmethod
    def open(cls, directory: str | Path, *, passphrase: str | None = None) -> Self:
        """Open the store in ``directory`` (an encrypted one with its ``passphrase``; a
        wrong one is databaseInaccessible and changes nothing)."""
        path = Path(directory)
        marker = read_marker(path)
        tighten(path)  # a store made before files were private, or restored by hand
        kind = backend_of(marker, str(path / FORMAT_FILE)).name
        encryption = marker.get("encryption")
        if not encryption:
            if passphrase is not None:
                raise InvalidArgument(
                    f"the store at {path} is not encrypted; open it without a passphrase",
                    field="passphrase",
                )
            return cls(open_backend(path, kind), path)
        if passphrase is None:
            raise DatabaseInaccessible(
                f"the store at {path} is encrypted: give its passphrase", field="passphrase"
            )
        key = matching_key(path, passphrase, encryption)
        backend = open_backend(path, kind, key=key)
        public = journal_keys(backend)
        if marker.get("journal_public_key") != public.hex():
            write_json(
                path / FORMAT_FILE, {**read_marker(path), "journal_public_key": public.hex()}
            )
        store = cls(backend, path, journal_key=public)
        store._merge_journal()
        return store
