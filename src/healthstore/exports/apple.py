"""A store written out as an Apple Health export: ``export.zip`` as the Health app makes it.

::

    apple_health_export/export.xml            every sample the format can hold
    apple_health_export/export_cda.xml        the store's CDA documents, one after another
    apple_health_export/workout-routes/*.gpx  routes of workouts
    apple_health_export/clinical-records/*.json
    apple_health_export/electrocardiograms/*.csv

:func:`write_export` streams: ``export.xml`` goes into its zip member as it is made, and
the store is read type by type in pages of samples ordered by start, so memory holds a page
at a time whatever the size of the store. The zip can take only one member at a time, so the
files that elements point at (routes, clinical resources) wait in a temporary folder beside
``out`` until ``export.xml`` is complete.

What the format cannot hold is counted in :attr:`ExportCounts.left_out`: routes that belong
to no workout, heartbeat series without the heart-rate-variability record that carries them,
states of mind and scored assessments.
"""

from __future__ import annotations

import os
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from itertools import chain
from pathlib import Path
from typing import TYPE_CHECKING, Final, cast
from uuid import UUID

from healthstore import catalogue
from healthstore.catalogue import Kind, ObjectType
from healthstore.errors import NoData
from healthstore.interop.apple import emit
from healthstore.interop.apple.archive import ROOT, Archive, ExportCounts, XmlSink
from healthstore.interop.apple.attachments import (
    Names,
    clinical_json,
    clinical_path,
    ecg_csv,
    ecg_path,
    gpx,
    route_path,
)
from healthstore.interop.apple.doctype import doctype
from healthstore.interop.apple.spelling import attr, date_text
from healthstore.model import CategorySample, Correlation, QuantitySample, Sample, Workout
from healthstore.query import predicates as p
from healthstore.records import (
    Audiogram,
    CDADocument,
    ClinicalRecord,
    Electrocardiogram,
    HeartbeatSeries,
    VisionPrescription,
    WorkoutRoute,
)
from healthstore.times import to_micros

if TYPE_CHECKING:
    from healthstore.store import HealthStore

__all__ = ["PAGE", "ROOT", "Archive", "ExportCounts", "XmlSink", "pages", "write_export"]

PAGE: Final = 5000
"""Samples read from the store at a time."""
_HRV: Final = "heartRateVariabilitySDNN"
_SUMMARY_YEARS: Final = range(1900, 2200)
"""The years searched for activity summaries, one at a time."""
_BEATS_PAGE: Final = 200
"""Heartbeat series read at a time (each holds hundreds of beats)."""
_MICROSECOND: Final = timedelta(microseconds=1)
_CHARACTERISTICS: Final = (
    "dateOfBirth",
    "biologicalSex",
    "bloodType",
    "fitzpatrickSkinType",
    "cardioFitnessMedicationsUse",
    "wheelchairUse",
    "activityMoveMode",
)


def write_export(
    store: HealthStore,
    out: str | os.PathLike[str],
    *,
    exported: datetime | None = None,
) -> ExportCounts:
    """Write everything in ``store`` that an Apple Health export can hold to the zip file
    ``out`` (replaced if it exists; written beside it first and moved in place when
    complete). ``exported`` is the export's date (default: now; without a zone, local
    time)."""
    target = Path(out)
    when = exported or datetime.now()
    when = (when if when.tzinfo is not None else when.astimezone()).replace(microsecond=0)
    counts = ExportCounts(target)
    partial = target.with_name(f".{target.name}.partial")
    try:
        with (
            zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as zipped,
            tempfile.TemporaryDirectory(prefix=".export-", dir=target.parent) as folder,
        ):
            archive, spool = Archive(zipped, when), _Spool(Path(folder))
            with archive.open("export.xml") as raw:
                sink = XmlSink(raw)
                _Export(store, sink, counts, spool, when).write()
                sink.flush()
            spool.copy_into(archive)
            _write_ecgs(store, archive, counts)
            _write_cda(store, archive, counts)
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)
    return counts


class _Spool:
    """Files that elements point at (routes, clinical resources), kept on disk until
    ``export.xml`` is closed and the zip can take them."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.names = Names()
        self.routes: dict[UUID, str] = {}
        self._paths: list[str] = []

    def put(self, path: str, data: bytes) -> None:
        file = self.folder / path
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_bytes(data)
        self._paths.append(path)

    def copy_into(self, archive: Archive) -> None:
        for path in self._paths:
            archive.write(path, (self.folder / path).read_bytes())


def pages(store: HealthStore, t: ObjectType | str, page: int = PAGE) -> Iterator[list[Sample]]:
    """Every sample of a type, by start, a page at a time: each query asks for the samples
    starting at or after the last start seen, and a page ends before its last start (the
    samples starting then come with the next page), so none is missed or given twice."""
    since: datetime | None = None
    while True:
        found = store.samples(t, p.time_window(since, strict_start=True), sort="start", limit=page)
        if len(found) < page:
            if found:
                yield found
            return
        last = to_micros(found[-1].start)
        cut = len(found) - 1
        while cut > 0 and to_micros(found[cut - 1].start) == last:
            cut -= 1
        if cut:
            yield found[:cut]
            since = found[-1].start
        else:  # a whole page starts at one instant: take that instant alone, without a limit
            at = found[-1].start
            yield store.samples(t, p.time_window(at, at + _MICROSECOND, strict_start=True))
            since = at + _MICROSECOND


class _Export:
    """Writes ``export.xml``: the prolog, ``ExportDate``, ``Me``, then every kind of element
    in the order the Health app uses."""

    def __init__(
        self, store: HealthStore, sink: XmlSink, counts: ExportCounts, spool: _Spool, when: datetime
    ) -> None:
        self.store, self.sink, self.counts, self.spool, self.when = store, sink, counts, spool, when
        self.present = {str(row["type"]): int(row["count"]) for row in store.summary()}

    def types(self, *kinds: Kind) -> list[ObjectType]:
        """The types of these kinds that have samples, in catalogue order."""
        return [
            t
            for kind in kinds
            for t in catalogue.all_types(kind)
            if self.present.get(t.short_name, 0) > 0
        ]

    def write(self) -> None:
        w = self.sink.write
        kept = self.store.me_attributes()
        w(doctype(me_attributes=kept))
        w('<HealthData locale="en_US">\n')
        w(f' <ExportDate value="{attr(date_text(self.when))}"/>\n')
        w(emit.me(self.characteristics(), kept))
        self.counts.add("Me")
        self.records()
        self.opaque_records()
        self.simple(
            Kind.correlation, "Correlation", lambda s: emit.correlation(cast(Correlation, s))
        )
        self.workouts()
        self.summaries()
        self.clinical()
        self.simple(Kind.audiogram, "Audiogram", lambda s: emit.audiogram(cast(Audiogram, s)))
        self.simple(
            Kind.visionPrescription,
            "VisionPrescription",
            lambda s: emit.vision_prescription(cast(VisionPrescription, s)),
        )
        for t in self.types(Kind.stateOfMind, Kind.scoredAssessment):
            self.counts.leave_out(t.short_name, self.present[t.short_name])
        w("</HealthData>\n")

    def characteristics(self) -> list[tuple[ObjectType, int | date | None]]:
        """Each characteristic with its value (None: an unset date of birth); enum values
        that are unset are left out when the enum has no NotSet member to say so."""
        out: list[tuple[ObjectType, int | date | None]] = []
        for name in _CHARACTERISTICS:
            t = catalogue.object_type(name)
            value: int | date | None
            try:
                value = self.store.characteristic(t)
            except NoData:
                value = None
            if t.value_enum is not None and value not in t.value_enum.raw_values:
                continue
            out.append((t, value))
        return out

    def simple(self, kind: Kind, element: str, render: Callable[[Sample], str]) -> None:
        for t in self.types(kind):
            for page in pages(self.store, t):
                for sample in page:
                    self.sink.write(render(sample))
                self.counts.add(element, len(page))

    # -- records -------------------------------------------------------------------------
    def records(self) -> None:
        beats = _Beats(self.store) if self.present.get("heartbeatSeries") else None
        for t in self.types(Kind.quantity, Kind.category):
            carries_beats = beats if t.short_name == _HRV else None
            for page in pages(self.store, t):
                samples = cast(list[QuantitySample | CategorySample], page)
                for sample in samples:
                    found = carries_beats.take(sample) if carries_beats is not None else None
                    self.sink.write(emit.record(sample, beats=found))
                self.counts.add("Record", len(page))
        written = beats.written if beats is not None else 0
        self.counts.add("HeartbeatSeries", written)
        self.counts.leave_out("heartbeatSeries", self.present.get("heartbeatSeries", 0) - written)

    def opaque_records(self) -> None:
        """Records of types this version does not know, as the import kept them."""
        n = 0
        for record in self.store.opaque_records():
            self.sink.write(emit.opaque_record(record))
            n += 1
        self.counts.add("Record", n)

    # -- workouts ------------------------------------------------------------------------
    def workouts(self) -> None:
        routes, spool = self.spool.routes, self.spool
        for page in pages(self.store, "workout") if self.present.get("workout") else ():
            for workout in cast(list[Workout], page):
                references = []
                found = self.store.workout_samples(workout, "workoutRoute", sort="start")
                for route in cast(list[WorkoutRoute], found):
                    path = routes.get(route.uuid)
                    if path is None:
                        path = routes[route.uuid] = route_path(route.start, spool.names)
                        spool.put(path, gpx(route.start, route.locations, self.when))
                    references.append(emit.RouteReference(route, path))
                self.counts.add("WorkoutRoute", len(references))
                self.sink.write(emit.workout(workout, references))
            self.counts.add("Workout", len(page))
        self.counts.leave_out("workoutRoute", self.present.get("workoutRoute", 0) - len(routes))

    # -- activity summaries and clinical records -----------------------------------------
    def summaries(self) -> None:
        for year in _SUMMARY_YEARS:
            found = self.store.activity_summaries(date(year, 1, 1), date(year, 12, 31))
            for summary in found:
                self.sink.write(emit.activity_summary(summary))
            self.counts.add("ActivitySummary", len(found))

    def clinical(self) -> None:
        for t in self.types(Kind.clinical):
            for page in pages(self.store, t):
                for sample in cast(list[ClinicalRecord], page):
                    path = clinical_path(sample, self.spool.names)
                    self.spool.put(path, clinical_json(sample))
                    self.sink.write(emit.clinical_record(sample, path))
                self.counts.add("ClinicalRecord", len(page))


class _Beats:
    """Heartbeat series handed to heart-rate variability records as they are written.

    Both come by start time, so the series are read alongside, a small page at a time: the
    series that have started by a record's end are kept until one ends before a record
    starts (no later record can overlap it then). A record takes the series from its own
    source and device that overlaps it most; each series is taken once."""

    def __init__(self, store: HealthStore) -> None:
        self._coming = chain.from_iterable(pages(store, "heartbeatSeries", page=_BEATS_PAGE))
        self._next = cast(HeartbeatSeries | None, next(self._coming, None))
        self._open: list[HeartbeatSeries] = []
        self.written = 0

    def take(self, record: QuantitySample | CategorySample) -> HeartbeatSeries | None:
        start, end = to_micros(record.start), to_micros(record.end)
        while self._next is not None and to_micros(self._next.start) <= end:
            if self._next.beats:
                self._open.append(self._next)
            self._next = cast(HeartbeatSeries | None, next(self._coming, None))
        self._open = [s for s in self._open if to_micros(s.end) >= start]
        best: HeartbeatSeries | None = None
        best_overlap = -1
        for one in self._open:
            if one.source_revision != record.source_revision or one.device != record.device:
                continue
            overlap = min(end, to_micros(one.end)) - max(start, to_micros(one.start))
            if overlap > best_overlap:
                best, best_overlap = one, overlap
        if best is not None:
            self._open.remove(best)
            self.written += 1
        return best


def _write_ecgs(store: HealthStore, archive: Archive, counts: ExportCounts) -> None:
    names = Names()
    for page in pages(store, "electrocardiogram"):
        for ecg in cast(list[Electrocardiogram], page):
            archive.write(ecg_path(ecg, names), ecg_csv(ecg))
        counts.add("ElectrocardiogramFile", len(page))


def _write_cda(store: HealthStore, archive: Archive, counts: ExportCounts) -> None:
    """``export_cda.xml``: each stored CDA document's XML, one after another (an importer
    splits them at each XML declaration or ``ClinicalDocument`` root)."""
    documents = pages(store, "cda")
    first = next(documents, None)
    if first is None:
        return
    with archive.open("export_cda.xml") as raw:
        sink = XmlSink(raw)
        for page in chain([first], documents):
            for document in cast(list[CDADocument], page):
                sink.write(document.xml.strip() + "\n")
            counts.add("CDADocument", len(page))
        sink.flush()
