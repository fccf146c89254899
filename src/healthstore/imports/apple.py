"""Importing an Apple Health export into a store: batching, transactions and the summary.

The parser (:mod:`healthstore.interop.apple.parser`) yields what each element became; this
module saves them in batches, each batch one transaction (samples, workout links, activity
summaries and characteristics together), so an interrupted import leaves whole batches only
and a second run adds exactly what is missing. A batch that fails is retried element by
element, so one bad element never takes good ones down with it.

The summary accounts for every top-level element of ``export.xml``: each was added,
already present, left out with its line and reason, or (the ``ExportDate``) read into
:attr:`ImportSummary.export_date`; :meth:`ImportSummary.accounted` adds them up to
:attr:`ImportSummary.elements`.
An element kept with a repair (a field kept in another form, a part left out) counts as
added or present and also as ``repaired``, the repair listed with its line.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from healthstore.errors import HealthStoreError
from healthstore.interop.apple.parser import (
    PLAIN_RUN,
    Item,
    PlainRun,
    Progress,
    Skip,
    read_export,
)
from healthstore.interop.apple.reader_process import read_export_in_background
from healthstore.interop.apple.source import ExportSource
from healthstore.interop.apple.uuids import ContentUuids
from healthstore.model import SaveStatus
from healthstore.plain import PlainSample

if TYPE_CHECKING:
    from healthstore.store import HealthStore

SKIPS_KEPT = 200


@dataclass
class Counts:
    """Per element kind: how many were added, already present, or skipped (left out);
    ``repaired`` counts those of the added and present that were kept with a repair."""

    added: int = 0
    present: int = 0
    skipped: int = 0
    repaired: int = 0


@dataclass
class ImportSummary:
    """What an import did."""

    counts: dict[str, Counts] = field(default_factory=dict)
    skips: list[Skip] = field(default_factory=list)
    skipped_total: int = 0
    samples_added: int = 0
    export_date: str | None = None
    elements: int = 0
    """The top-level elements of ``export.xml`` (correlation members, workout events and
    other nested elements are part of the element that holds them)."""
    repairs_total: int = 0
    export_dates: int = 0
    """``ExportDate`` elements read (they hold nothing to store, so no count has them)."""

    def count(self, kind: str) -> Counts:
        return self.counts.setdefault(kind, Counts())

    def skip(self, skip: Skip) -> None:
        """Note something left out or (``partial``) repaired."""
        self.skipped_total += 1
        if skip.partial:
            self.repairs_total += 1
        elif skip.element:
            self.count(skip.kind).skipped += 1
        if len(self.skips) < SKIPS_KEPT:
            self.skips.append(skip)

    @property
    def repairs(self) -> list[Skip]:
        """The repairs kept (the first of them, up to :data:`SKIPS_KEPT` notes in all)."""
        return [s for s in self.skips if s.partial]

    @property
    def left_out(self) -> list[Skip]:
        """The elements left out that are kept (as :attr:`repairs`)."""
        return [s for s in self.skips if not s.partial]

    def accounted(self) -> int:
        """The elements of ``export.xml`` the summary accounts for: added, present, left
        out, or the export date read (equal to :attr:`elements` after an import)."""
        return self.export_dates + sum(
            c.added + c.present + c.skipped
            for kind, c in self.counts.items()
            if kind not in BESIDE_EXPORT_XML
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "export_date": self.export_date,
            "samples_added": self.samples_added,
            "elements": self.elements,
            "counts": {
                kind: {
                    "added": c.added,
                    "present": c.present,
                    "skipped": c.skipped,
                    "repaired": c.repaired,
                }
                for kind, c in sorted(self.counts.items())
            },
            "skipped_total": self.skipped_total,
            "repaired_total": self.repairs_total,
            "skipped": [
                {"kind": s.kind, "line": s.line, "reason": s.reason} for s in self.left_out
            ],
            "repaired": [
                {"kind": s.kind, "line": s.line, "repair": s.reason} for s in self.repairs
            ],
        }


BESIDE_EXPORT_XML = ("ElectrocardiogramFile", "CDADocument")
OPAQUE = "Record (unknown type)"
"""The kind under which Records of types the catalogue lacks are counted: kept as opaque
records (:mod:`healthstore.opaque`), not samples."""
"""Element kinds read from files beside ``export.xml``."""


class _Batch:
    def __init__(self) -> None:
        self.items: list[Item] = []
        self.plain: list[PlainSample] = []
        self.plain_lines: list[int | None] = []
        self.skips: list[Skip] = []
        self.size = 0

    def add(self, item: Item) -> None:
        self.items.append(item)
        self.size += max(1, len(item.converted.samples))

    def add_run(self, run: PlainRun) -> None:
        self.plain.extend(run.samples)
        self.plain_lines.extend(run.lines)
        self.size += len(run.samples)


BACKGROUND_READING_BYTES = 32 << 20
"""From this size of ``export.xml`` on, it is read in a second process (when there is a
second processor): below it, starting the process costs more than it saves."""


def import_apple_health(
    store: HealthStore,
    path: str | Path,
    progress: Callable[[Progress], None] | None = None,
    batch_size: int = 5000,
    *,
    plain: bool = True,
    background: bool | None = None,
    uuid_key: bytes = b"",
) -> ImportSummary:
    """Import an ``export.zip``, its unzipped folder, or a bare ``export.xml``. With
    ``plain`` (the default) ordinary Records take the fast lane of
    :mod:`~healthstore.interop.apple.plain_records`; without, every element is built as
    an object first (the same result, slower). With ``background``, ``export.xml`` is read
    in a second process (:mod:`~healthstore.interop.apple.reader_process`) while this one
    saves; by default that is done for large exports on machines with two processors or
    more. The result is the same either way. ``uuid_key`` is the store's key for the uuids
    derived from content (:mod:`~healthstore.interop.apple.uuids`; empty: the legacy
    derivation)."""
    uuids = ContentUuids(uuid_key)
    summary = ImportSummary()
    state = Progress()
    run_size = min(batch_size, PLAIN_RUN)
    with ExportSource.open(path) as source:
        if background is None:
            background = _processors() > 1 and source.export_xml_size() >= BACKGROUND_READING_BYTES
        entries = (
            read_export_in_background(
                source, path, state, plain=plain, run_size=run_size, uuids=uuids
            )
            if background
            else read_export(source, state, plain=plain, run_size=run_size, uuids=uuids)
        )
        batch = _Batch()
        for entry in entries:
            if isinstance(entry, Skip):
                batch.skips.append(entry)
                continue
            if isinstance(entry, PlainRun):
                batch.add_run(entry)
            else:
                batch.add(entry)
            if batch.size >= batch_size:
                _flush(store, batch, summary)
                batch = _Batch()
                if progress is not None:
                    progress(state)
        _flush(store, batch, summary)
    if progress is not None:
        progress(state)
    summary.export_date = state.export_date.isoformat() if state.export_date else None
    summary.elements = state.elements
    summary.export_dates = state.export_dates
    return summary


def _processors() -> int:
    """The processors this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on every platform
        return os.cpu_count() or 1


def _flush(store: HealthStore, batch: _Batch, summary: ImportSummary) -> None:
    for skip in batch.skips:  # what the reading left out, in the order it was read
        summary.skip(skip)
    if not batch.items and not batch.plain:
        return
    try:
        with store.transaction():
            statuses: list[SaveStatus | None] = []
            statuses.extend(store.save_plain(batch.plain) if batch.plain else [])
            results, added = _save(store, batch.items)
    except HealthStoreError:
        statuses = _save_plain_apart(store, batch, summary)
        results, added = [], 0
        for item in batch.items:  # find the culprit: one element at a time
            try:
                with store.transaction():
                    one, count = _save(store, [item])
                results.extend(one)
                added += count
            except HealthStoreError as exc:
                summary.skip(Skip(item.kind, item.line, exc.message))
    plain_added = statuses.count(SaveStatus.created) + statuses.count(SaveStatus.replaced)
    summary.samples_added += added + plain_added
    if batch.plain:
        counts = summary.count("Record")
        counts.added += plain_added
        counts.present += len(statuses) - plain_added - statuses.count(None)
    for item, was_added in results:
        counts = summary.count(OPAQUE if item.converted.opaque is not None else item.kind)
        if was_added:
            counts.added += 1
        else:
            counts.present += 1
        if item.converted.notes:
            counts.repaired += 1


def _save_plain_apart(
    store: HealthStore, batch: _Batch, summary: ImportSummary
) -> list[SaveStatus | None]:
    """The plain samples of a batch that failed, saved without its other elements; when
    they fail too, one at a time, skipping those that cannot be saved. None for those."""
    if not batch.plain:
        return []
    try:
        with store.transaction():
            return list(store.save_plain(batch.plain))
    except HealthStoreError:
        pass
    statuses: list[SaveStatus | None] = []
    for sample, line in zip(batch.plain, batch.plain_lines, strict=True):
        try:
            with store.transaction():
                statuses.extend(store.save_plain([sample]))
        except HealthStoreError as exc:
            summary.skip(Skip("Record", line, exc.message))
            statuses.append(None)
    return statuses


def _save(store: HealthStore, items: list[Item]) -> tuple[list[tuple[Item, bool]], int]:
    """Save a batch; returns, per element, whether it added something, and how many
    samples were added."""
    samples = [s for item in items for s in item.converted.samples]
    batch = store.save_batch(samples)
    statuses = iter(result.status for result in batch.results)
    links: dict[Any, list[Any]] = {}
    for item in items:
        for workout, sample in item.converted.links:
            links.setdefault(workout, []).append(sample)
    for workout, members in links.items():
        store.add_to_workout(workout, members)
    summaries = [i.converted.summary for i in items if i.converted.summary is not None]
    summary_status = iter(store.save_activity_summaries(summaries) if summaries else [])
    opaque = [i.converted.opaque for i in items if i.converted.opaque is not None]
    opaque_added = iter(store.keep_opaque_records(opaque) if opaque else [])
    out: list[tuple[Item, bool]] = []
    for item in items:
        converted = item.converted
        if converted.samples:
            own = [next(statuses) for _ in converted.samples]
            out.append((item, own[0] in _ADDED))
        elif converted.summary is not None:
            out.append((item, next(summary_status) in _ADDED))
        elif converted.opaque is not None:
            out.append((item, next(opaque_added)))
        else:
            changed = _characteristics(store, converted.characteristics)
            changed = _me_attributes(store, converted.me_attributes) or changed
            out.append((item, changed))
    return out, batch.inserted


_ADDED = (SaveStatus.created, SaveStatus.replaced)


def _me_attributes(store: HealthStore, values: dict[str, str]) -> bool:
    """Keep the Me attributes no characteristic holds; whether any was new or changed."""
    kept = store.me_attributes() if values else {}
    new = {name: text for name, text in values.items() if kept.get(name) != text}
    if new:
        store.keep_me_attributes(new)
    return bool(new)


def _characteristics(store: HealthStore, values: dict[str, Any]) -> bool:
    changed = False
    for name, value in values.items():
        try:
            current = store.characteristic(name)
        except HealthStoreError:
            current = None
        if current != value:
            store.set_characteristic(name, value)
            changed = True
    return changed
