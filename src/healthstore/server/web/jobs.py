"""Imports the person started from the browser: each runs in a thread of its own, its
progress and final accounting kept here for the page to poll."""

from __future__ import annotations

import secrets
import threading
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from healthstore.errors import HealthStoreError
from healthstore.interop.apple.parser import Progress


@dataclass
class ImportJob:
    id: str
    kind: str
    name: str
    bytes_read: int = 0
    bytes_total: int = 0
    elements: int = 0
    done: bool = False
    error: str = ""
    summary: dict[str, Any] = field(default_factory=dict)

    @property
    def percent(self) -> int:
        if self.done:
            return 100
        return int(100 * self.bytes_read / self.bytes_total) if self.bytes_total else 0


class Jobs:
    """The imports of this server, by id."""

    def __init__(self) -> None:
        self._jobs: dict[str, ImportJob] = {}
        self._lock = threading.Lock()

    def get(self, job_id: str) -> ImportJob | None:
        with self._lock:
            return self._jobs.get(job_id)

    def start(
        self, kind: str, name: str, path: Path, work: Callable[[Path, ImportJob], dict[str, Any]]
    ) -> ImportJob:
        job = ImportJob(secrets.token_urlsafe(12), kind, name)
        with self._lock:
            self._jobs[job.id] = job

        def run() -> None:
            try:
                job.summary = work(path, job)
            except HealthStoreError as exc:
                job.error = exc.message
            except Exception as exc:  # the page says it failed; the server goes on
                job.error = f"the import failed ({type(exc).__name__})"
            finally:
                job.done = True
                path.unlink(missing_ok=True)

        threading.Thread(target=run, name=f"import-{job.id}", daemon=True).start()
        return job


def follow(job: ImportJob) -> Callable[[Progress], None]:
    """A progress callback that keeps ``job`` current."""

    def update(progress: Progress) -> None:
        job.bytes_read = progress.bytes_read
        job.bytes_total = progress.bytes_total
        job.elements = progress.elements

    return update


def apple_export_problem(path: Path) -> str:
    """Why ``path`` is not an Apple Health export ('' when it looks like one)."""
    if not zipfile.is_zipfile(path):
        return "This file is not an Apple Health export (export.zip): it is not a zip file"
    with zipfile.ZipFile(path) as archive:
        if not any(n.endswith("export.xml") for n in archive.namelist()):
            return "This zip file is not an Apple Health export: it holds no export.xml"
    return ""
