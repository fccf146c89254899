"""The journal of writes made while the store was locked: one sealed box per line
(base64), appended and flushed to disk before a write is acknowledged, merged in order at
unlock, and emptied once every entry is in the database."""

from __future__ import annotations

import base64
import os
from pathlib import Path

from healthstore.vault.file_modes import open_private
from healthstore.vault.sealing import seal


class Journal:
    """An append-only file of sealed entries."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def append(self, public_key: bytes, entry: bytes) -> None:
        """Seal ``entry`` and add it durably."""
        line = base64.b64encode(seal(public_key, entry)) + b"\n"
        fd = open_private(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
        with os.fdopen(fd, "ab") as f:
            f.write(line)
            f.flush()
            os.fsync(f.fileno())

    def boxes(self) -> list[bytes]:
        """The sealed entries, oldest first (a torn last line from a crash is ignored)."""
        if not self.path.exists():
            return []
        out = []
        for line in self.path.read_bytes().splitlines():
            try:
                out.append(base64.b64decode(line, validate=True))
            except ValueError:
                continue
        return out

    def clear(self) -> None:
        """Empty the journal (every entry is merged)."""
        if self.path.exists():
            with self.path.open("wb") as f:
                f.flush()
                os.fsync(f.fileno())
