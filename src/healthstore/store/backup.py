"""Backups: the whole store in one ``.zip`` (``store.json`` and a consistent copy of the
database), and restoring one into a new directory."""

from __future__ import annotations

import os
import tempfile
import zipfile
from pathlib import Path
from typing import Self

from healthstore.access.audit import PERSON
from healthstore.errors import InvalidArgument
from healthstore.storage.backend import file_backup
from healthstore.store.files import DATABASE_FILE, FORMAT_FILE
from healthstore.store.lifecycle import LifecycleMixin
from healthstore.store.view import now_us
from healthstore.vault.file_modes import private_directory, touch_private


class BackupMixin(LifecycleMixin):
    """``backup`` and ``restore``."""

    def backup(self, out: str | Path) -> Path:
        """Write a backup of the whole store to ``out`` (a new ``.zip`` holding
        ``store.json`` and a consistent copy of the database). An encrypted store's backup
        is encrypted with the same key: restoring it needs the same passphrase."""
        path = Path(out)
        if path.exists():
            raise InvalidArgument(f"{path} already exists; choose another name", field="out")
        if self.directory is None:
            raise InvalidArgument("this store has no directory to back up", field="store")
        with tempfile.TemporaryDirectory(dir=path.parent) as scratch:
            copy = Path(scratch) / DATABASE_FILE
            file_backup(self._backend).backup_to(copy)
            partial = path.with_name(path.name + ".partial")
            touch_private(partial)  # the backup is as private as the store
            with zipfile.ZipFile(partial, "w", zipfile.ZIP_STORED) as archive:
                archive.write(self.directory / FORMAT_FILE, FORMAT_FILE)
                archive.write(copy, DATABASE_FILE)
            os.replace(partial, path)
        self._audit.append(PERSON, "backup", (), 0, now_us())
        return path

    @classmethod
    def restore(
        cls, backup: str | Path, directory: str | Path, *, passphrase: str | None = None
    ) -> Self:
        """Restore a :meth:`backup` into ``directory`` (new or empty) and open it; when it
        does not open (a wrong passphrase, a damaged file) nothing is left behind."""
        source, path = Path(backup), Path(directory)
        if path.exists() and any(path.iterdir()):
            raise InvalidArgument(
                f"{path} is not empty; restore into a new directory", field="directory"
            )
        try:
            with zipfile.ZipFile(source) as archive:
                names = set(archive.namelist())
                if names != {FORMAT_FILE, DATABASE_FILE}:
                    raise InvalidArgument(f"{source} is not a healthstore backup", field="backup")
                created = not path.exists()
                private_directory(path)
                archive.extractall(path)
        except (OSError, zipfile.BadZipFile) as exc:
            raise InvalidArgument(
                f"cannot read the backup {source}: {exc}", field="backup"
            ) from None
        try:
            return cls.open(path, passphrase=passphrase)
        except BaseException:
            for name in (FORMAT_FILE, DATABASE_FILE):
                (path / name).unlink(missing_ok=True)
            if created:
                path.rmdir()
            raise
