"""Importing CDA documents (files) into a store: one document a file, saved as the named
institution's, the same file again being a duplicate."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from healthstore.clinical.cda import cda_document
from healthstore.clinical.records import institution
from healthstore.errors import HealthStoreError
from healthstore.model import SaveStatus, SourceRevision

if TYPE_CHECKING:
    from healthstore.store import HealthStore


@dataclass(frozen=True)
class DocumentResult:
    """What happened to one file: ``added``, ``present`` (already stored) or ``skipped``."""

    file: str
    status: str
    title: str | None = None
    reason: str | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"file": self.file, "status": self.status, "title": self.title}
        if self.reason:
            out["reason"] = self.reason
        return out


def import_documents(
    store: HealthStore, paths: Iterable[str | Path], *, source_name: str
) -> list[DocumentResult]:
    """Read each file as a CDA document and save those that are; a bad file is skipped with
    the reason and never stops the others."""
    revision = SourceRevision(institution(source_name))
    now = datetime.now(UTC)
    results: list[DocumentResult | None] = []
    documents = []
    for path in map(Path, paths):
        try:
            document = cda_document(path.read_bytes(), source=revision, fallback=now)
        except OSError as exc:
            results.append(DocumentResult(path.name, "skipped", reason=f"unreadable: {exc}"))
            continue
        except HealthStoreError as exc:
            results.append(DocumentResult(path.name, "skipped", reason=exc.message))
            continue
        results.append(None)
        documents.append((len(results) - 1, path.name, document))
    saved = store.save_each([d for _, _, d in documents])
    for (index, name, document), outcome in zip(documents, saved.results, strict=True):
        if isinstance(outcome, HealthStoreError):
            results[index] = DocumentResult(name, "skipped", document.title, outcome.message)
        else:
            status = "added" if outcome.status is SaveStatus.created else "present"
            results[index] = DocumentResult(name, status, document.title)
    return [r for r in results if r is not None]
