"""The pieces of an Apple Health export's zip that any writer shares (the store's export in
:mod:`healthstore.exports.apple`, the synthetic one in :mod:`healthstore.demo.apple_export`):
what it holds, its XML stream, and its members."""

from __future__ import annotations

import zipfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO, Any, Final

__all__ = ["ROOT", "Archive", "ExportCounts", "XmlSink"]

ROOT: Final = "apple_health_export/"


@dataclass
class ExportCounts:
    """What an export holds, per element kind (the kinds an import reports), and what the
    format could not hold, per sample type."""

    path: Path
    counts: dict[str, int] = field(default_factory=dict)
    left_out: dict[str, int] = field(default_factory=dict)

    def add(self, kind: str, n: int = 1) -> None:
        if n:
            self.counts[kind] = self.counts.get(kind, 0) + n

    def leave_out(self, type_name: str, n: int) -> None:
        if n > 0:
            self.left_out[type_name] = self.left_out.get(type_name, 0) + n

    def to_json(self) -> dict[str, Any]:
        return {
            "path": str(self.path),
            "counts": dict(sorted(self.counts.items())),
            "left_out": dict(sorted(self.left_out.items())),
        }


class XmlSink:
    """Text written to a binary stream as UTF-8 in large chunks."""

    def __init__(self, raw: IO[bytes], chunk: int = 1 << 20) -> None:
        self._raw = raw
        self._parts: list[str] = []
        self._size = 0
        self._chunk = chunk

    def write(self, text: str) -> None:
        self._parts.append(text)
        self._size += len(text)
        if self._size >= self._chunk:
            self.flush()

    def flush(self) -> None:
        if self._parts:
            self._raw.write("".join(self._parts).encode("utf-8"))
            self._parts.clear()
            self._size = 0


class Archive:
    """The export's zip: members under :data:`ROOT`, deflated, dated with the export's date
    (so the same store and date give the same bytes)."""

    def __init__(self, zipped: zipfile.ZipFile, when: datetime) -> None:
        self._zip = zipped
        self._stamp = when.timetuple()[:6]

    def _info(self, name: str) -> zipfile.ZipInfo:
        info = zipfile.ZipInfo(ROOT + name, self._stamp)
        info.compress_type = zipfile.ZIP_DEFLATED
        return info

    def open(self, name: str) -> IO[bytes]:
        """A member to stream into (one at a time)."""
        return self._zip.open(self._info(name), "w", force_zip64=True)

    def write(self, name: str, data: bytes) -> None:
        self._zip.writestr(self._info(name), data)
