"""The files of an Apple Health export, wherever they are: in ``export.zip``, in the folder
it unzips to, or a bare ``export.xml``.

An export is a root (``apple_health_export/`` in the zip) holding the main XML file, perhaps
``export_cda.xml``, and folders of files the XML refers to: ``workout-routes/*.gpx``,
``clinical-records/*.json``, ``electrocardiograms/*.csv``. :class:`ExportSource` finds the root
and reads files by their path relative to it. A zip is read in place, never extracted; every
file comes out as a stream or as bytes of one file at a time.

The main XML file's name follows the phone's language (``export.xml``, ``Exportieren.xml``);
a root XML file whose first bytes declare ``HealthData`` is taken whatever its name.
"""

from __future__ import annotations

import io
import os
import zipfile
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path, PurePosixPath
from types import TracebackType
from typing import IO, TYPE_CHECKING, BinaryIO, Final, Protocol, Self

from healthstore.errors import InvalidArgument

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer

__all__ = ["ExportSource"]

_MAIN_NAMES: Final = ("export.xml", "exportieren.xml")
_CDA_NAME: Final = "export_cda.xml"
_SNIFF: Final = 1 << 16
_SIGNATURES: Final = (b"<!DOCTYPE HealthData", b"<HealthData")
_IGNORED_TOP: Final = "__MACOSX"
_Names = list[str]
_ZIP_ERRORS: Final = (zipfile.BadZipFile, zlib.error, EOFError, RuntimeError, OSError)


class _Files(Protocol):
    """One way of holding an export's files, addressed by path relative to its root."""

    def names(self, prefix: str) -> Iterator[str]: ...
    def open(self, name: str) -> BinaryIO | None: ...
    def size(self, name: str) -> int: ...
    def where(self, name: str) -> str: ...
    def close(self) -> None: ...


class ExportSource:
    """An opened Apple Health export. Open with :meth:`open`; use as a context manager."""

    def __init__(self, path: Path, files: _Files, export_xml: str, cda: str | None) -> None:
        self.path = path
        self.export_xml_name = export_xml
        """The main XML file's path relative to the export's root (usually ``export.xml``)."""
        self._files = files
        self._cda = cda

    @classmethod
    def open(cls, path: str | os.PathLike[str]) -> ExportSource:
        """The export at ``path``: an ``export.zip``, an unzipped folder (the export's root or
        the folder holding it), or an ``export.xml`` (its folder is the root)."""
        where = Path(path)
        if where.is_dir():
            try:
                return _open_folder(where)
            except OSError as err:
                raise InvalidArgument(
                    f"{where} cannot be read: {err.strerror}", field="path"
                ) from None
        if not where.exists():
            raise InvalidArgument(f"{where} does not exist", field="path")
        try:
            with where.open("rb") as file:
                head = file.read(_SNIFF)
        except OSError as err:
            raise InvalidArgument(f"{where} cannot be read: {err.strerror}", field="path") from None
        if head.startswith(b"PK") or where.suffix.lower() == ".zip":
            return _open_zip(where)
        if where.name.lower() in _MAIN_NAMES or _is_health_data(head):
            return cls(where, _Folder(where.parent), where.name, _cda_in(_children(where.parent)))
        raise InvalidArgument(
            f"{where} is not an Apple Health export: expected export.zip, its folder, "
            "or export.xml",
            field="path",
        )

    def open_export_xml(self) -> BinaryIO:
        """A binary stream of the main XML file (read it in chunks; it can be gigabytes)."""
        stream = self._files.open(self.export_xml_name)
        if stream is None:
            raise InvalidArgument(f"{self.location(self.export_xml_name)} is gone", field="path")
        return stream

    def export_xml_size(self) -> int:
        """The main XML file's size in bytes, uncompressed: the total for a progress bar."""
        return self._files.size(self.export_xml_name)

    def open_cda(self) -> BinaryIO | None:
        """A binary stream of ``export_cda.xml``, or None when the export has none."""
        return None if self._cda is None else self._files.open(self._cda)

    def read_bytes(self, relative: str) -> bytes | None:
        """The content of the file at ``relative`` (e.g. ``workout-routes/route_….gpx``, or
        ``/workout-routes/…`` as a ``FileReference`` writes it), or None when it is missing."""
        name = _relative(relative)
        stream = self._files.open(name)
        if stream is None:
            return None
        with stream:
            return stream.read()

    def list(self, prefix: str = "") -> _Names:
        """The paths of the files whose relative path starts with ``prefix``, sorted, e.g.
        every ``electrocardiograms/`` file."""
        return sorted(self._files.names(prefix.lstrip("/")))

    def location(self, relative: str) -> str:
        """Where a file of the export is, for messages: ``…/export.zip:apple_health_export/…``."""
        return self._files.where(_relative(relative))

    def close(self) -> None:
        """Release the zip file (a no-op for folders)."""
        self._files.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"ExportSource({str(self.path)!r}, export_xml={self.export_xml_name!r})"


def _relative(path: str) -> str:
    parts = PurePosixPath(path.replace("\\", "/").lstrip("/")).parts
    if not parts or ".." in parts:
        raise InvalidArgument(f"{path!r} is not a path inside the export", field="path")
    return "/".join(parts)


def _is_health_data(head: bytes) -> bool:
    return any(signature in head for signature in _SIGNATURES)


def _main_in(names: list[str], head: Callable[[str], bytes]) -> str | None:
    """The main XML file among the files of one folder (names relative to the root)."""
    by_lower = {PurePosixPath(name).name.lower(): name for name in names}
    for wanted in _MAIN_NAMES:
        if wanted in by_lower:
            return by_lower[wanted]
    for name in sorted(names):
        base = PurePosixPath(name).name.lower()
        if base.endswith(".xml") and "cda" not in base and _is_health_data(head(name)):
            return name
    return None


def _cda_in(names: list[str]) -> str | None:
    xml = sorted(n for n in names if n.lower().endswith("_cda.xml"))
    exact = [n for n in xml if PurePosixPath(n).name.lower() == _CDA_NAME]
    return next(iter(exact or xml), None)


# -- zip -----------------------------------------------------------------------------------------


def _open_zip(path: Path) -> ExportSource:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as err:
        raise InvalidArgument(f"not a readable zip file: {path} ({err})", field="path") from None
    try:
        return _zip_export(path, archive)
    except BaseException:
        archive.close()
        raise


def _zip_export(path: Path, archive: zipfile.ZipFile) -> ExportSource:
    levels: dict[str, list[zipfile.ZipInfo]] = {}
    for info in archive.infolist():
        parts = info.filename.split("/")
        if info.is_dir() or len(parts) > 2 or parts[0] == _IGNORED_TOP:
            continue
        levels.setdefault(parts[0] + "/" if len(parts) == 2 else "", []).append(info)

    def head(name: str) -> bytes:
        try:
            with archive.open(name) as member:
                return member.read(_SNIFF)
        except _ZIP_ERRORS:
            return b""

    found = {
        prefix: main
        for prefix, infos in levels.items()
        if (main := _main_in([i.filename for i in infos], head)) is not None
    }
    if not found:
        raise InvalidArgument(f"{path} is not an Apple Health export: no export.xml", field="path")
    if len(found) > 1:
        folders = ", ".join(sorted(prefix or "(top)" for prefix in found))
        raise InvalidArgument(
            f"{path} holds several Apple Health exports ({folders}); keep one", field="path"
        )
    prefix, main = next(iter(found.items()))
    files = _Zip(path, archive, prefix)
    return ExportSource(
        path,
        files,
        main.removeprefix(prefix),
        _cda_in([i.filename.removeprefix(prefix) for i in levels[prefix]]),
    )


class _Zip:
    def __init__(self, path: Path, archive: zipfile.ZipFile, prefix: str) -> None:
        self._path = path
        self._archive = archive
        self._members = {
            info.filename.removeprefix(prefix): info
            for info in archive.infolist()
            if info.filename.startswith(prefix)
            and not info.is_dir()
            and not info.filename.startswith(_IGNORED_TOP + "/")
        }

    def names(self, prefix: str) -> Iterator[str]:
        return (name for name in self._members if name.startswith(prefix))

    def open(self, name: str) -> BinaryIO | None:
        info = self._members.get(name)
        if info is None:
            return None
        where = self.where(name)
        try:
            member = self._archive.open(info)
        except _ZIP_ERRORS as err:
            raise InvalidArgument(f"{where} cannot be read: {err}", field="path") from None
        return io.BufferedReader(_Guarded(member, where))

    def size(self, name: str) -> int:
        return self._members[name].file_size

    def where(self, name: str) -> str:
        info = self._members.get(name)
        return f"{self._path}:{info.filename if info is not None else name}"

    def close(self) -> None:
        self._archive.close()


class _Guarded(io.RawIOBase):
    """A zip member whose read errors (bad CRC, corrupt or cut-off data) become
    InvalidArgument naming the member; ``tell()`` counts the bytes read, for progress."""

    def __init__(self, member: IO[bytes], where: str) -> None:
        super().__init__()
        self._member = member
        self._where = where
        self._read = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: WriteableBuffer, /) -> int:
        view = memoryview(buffer).cast("B")
        try:
            data = self._member.read(len(view))
        except _ZIP_ERRORS as err:
            raise InvalidArgument(f"{self._where} is damaged: {err}", field="path") from None
        view[: len(data)] = data
        self._read += len(data)
        return len(data)

    def tell(self) -> int:
        return self._read

    def close(self) -> None:
        if not self.closed:
            self._member.close()
        super().close()


# -- folders -------------------------------------------------------------------------------------


def _children(folder: Path) -> list[str]:
    return [child.name for child in folder.iterdir() if child.is_file()]


def _open_folder(path: Path) -> ExportSource:
    def head_in(folder: Path) -> Callable[[str], bytes]:
        def head(name: str) -> bytes:
            with (folder / name).open("rb") as file:
                return file.read(_SNIFF)

        return head

    subfolders = [child for child in path.iterdir() if child.is_dir()]
    candidates = [path, *sorted(child for child in subfolders if child.name != _IGNORED_TOP)]
    found: list[tuple[Path, str]] = []
    for folder in candidates:
        main = _main_in(_children(folder), head_in(folder))
        if main is not None:
            found.append((folder, main))
            if folder == path:
                break
    if not found:
        raise InvalidArgument(f"{path} is not an Apple Health export: no export.xml", field="path")
    if len(found) > 1:
        folders = ", ".join(folder.name for folder, _ in found)
        raise InvalidArgument(
            f"{path} holds several Apple Health exports ({folders}); open one", field="path"
        )
    root, main = found[0]
    return ExportSource(root, _Folder(root), main, _cda_in(_children(root)))


class _Folder:
    def __init__(self, root: Path) -> None:
        self._root = root

    def names(self, prefix: str) -> Iterator[str]:
        top = self._root / prefix.rpartition("/")[0]
        for folder, _, files in os.walk(top):
            base = Path(folder).relative_to(self._root).as_posix()
            for name in files:
                path = name if base == "." else f"{base}/{name}"
                if path.startswith(prefix):
                    yield path

    def open(self, name: str) -> BinaryIO | None:
        try:
            return (self._root / name).open("rb")
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            return None
        except OSError as err:
            raise InvalidArgument(
                f"{self.where(name)} cannot be read: {err.strerror}", field="path"
            ) from None

    def size(self, name: str) -> int:
        return (self._root / name).stat().st_size

    def where(self, name: str) -> str:
        return str(self._root / name)

    def close(self) -> None:
        pass
