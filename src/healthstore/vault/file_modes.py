"""A store's files are the person's alone: its directory is 0700 and every file in it 0600,
whatever the process umask. Files are created with that mode (never created open and
narrowed later), and :func:`tighten` narrows a store made by an older healthstore or
restored by hand."""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

log = logging.getLogger(__name__)

DIRECTORY_MODE = 0o700
FILE_MODE = 0o600


def private_directory(path: Path) -> None:
    """Make ``path`` (and missing parents, with the default mode) and set it to 0700."""
    path.mkdir(parents=True, exist_ok=True)
    os.chmod(path, DIRECTORY_MODE)


def open_private(path: Path, flags: int) -> int:
    """``os.open`` of ``path`` creating it (if ``flags`` say so) as 0600; an existing file
    is narrowed to 0600 too. Returns the descriptor."""
    fd = os.open(path, flags | getattr(os, "O_NOFOLLOW", 0), FILE_MODE)
    try:
        os.fchmod(fd, FILE_MODE)
    except OSError as exc:  # not ours to change (another owner): use it as it is
        log.warning("cannot make %r private (mode %o): %s", str(path), FILE_MODE, exc.strerror)
    return fd


def touch_private(path: Path) -> None:
    """Create ``path`` empty as 0600 (an existing file keeps its contents, made 0600)."""
    os.close(open_private(path, os.O_WRONLY | os.O_CREAT))


def write_private(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` (replacing what was there) as a 0600 file."""
    fd = open_private(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    with os.fdopen(fd, "wb") as f:
        f.write(data)


def tighten(directory: Path) -> None:
    """Set ``directory`` to 0700 and every file under it to 0600 (folders to 0700);
    symbolic links are left alone, never followed. A file system that refuses modes
    (another owner, a FAT drive) is logged, not an error: the store still opens."""
    _narrow(directory, DIRECTORY_MODE)
    for root, folders, files in os.walk(directory):
        for name in folders:
            _narrow(Path(root, name), DIRECTORY_MODE)
        for name in files:
            _narrow(Path(root, name), FILE_MODE)


def tighten_database(path: Path) -> None:
    """Set an SQLite database and its companions (``-wal``, ``-shm``, ``-journal``) to
    0600."""
    for suffix in ("", "-wal", "-shm", "-journal"):
        _narrow(path.with_name(path.name + suffix), FILE_MODE)


def _narrow(path: Path, mode: int) -> None:
    try:
        info = path.lstat()
    except FileNotFoundError:  # removed meanwhile (SQLite's -journal comes and goes)
        return
    if stat.S_ISLNK(info.st_mode) or stat.S_IMODE(info.st_mode) == mode:
        return
    try:
        os.chmod(path, mode)
    except FileNotFoundError:
        return
    except OSError as exc:
        log.warning("cannot make %r private (mode %o): %s", str(path), mode, exc.strerror)
