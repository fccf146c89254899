"""Streaming read of an Apple Health export: every top-level element of ``export.xml`` in
file order, then the ECG files and ``export_cda.xml``, as :class:`Item`s (what an element
became) or :class:`Skip`s (what could not be read, with the line and the reason).

``export.xml`` is read straight from the zip through
:func:`~healthstore.interop.apple.cleaning.clean_xml_stream` (which drops the DTD that iOS 16
wrote broken and the control characters XML forbids) into lxml's parser, a line at a time,
with a :class:`~healthstore.interop.apple.tree.TopLevelTarget` that builds one top-level
element at a time; once converted it is dropped, so memory stays flat whatever the size of
the export.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, BinaryIO

from lxml import etree

from healthstore.errors import InvalidArgument
from healthstore.interop.apple import elements, medical, workout_elements
from healthstore.interop.apple.cleaning import CHUNK_SIZE, clean_xml_stream
from healthstore.interop.apple.conversion import Context, Converted, Rejected
from healthstore.interop.apple.files import cda_documents, electrocardiogram
from healthstore.interop.apple.plain_records import PlainRecords
from healthstore.interop.apple.source import ExportSource
from healthstore.interop.apple.tree import Node, TopLevelTarget
from healthstore.interop.apple.unknown_types import record_or_opaque
from healthstore.interop.apple.uuids import ContentUuids
from healthstore.interop.apple.values import parse_date
from healthstore.plain import PlainSample

CONVERTERS: dict[str, Callable[[Any, Context], Converted]] = {
    "Record": record_or_opaque,
    "Correlation": elements.correlation,
    "Workout": workout_elements.workout,
    "ActivitySummary": elements.activity_summary,
    "Me": elements.me,
    "ClinicalRecord": medical.clinical_record,
    "Audiogram": medical.audiogram,
    "VisionPrescription": medical.vision_prescription,
}
KINDS = (*CONVERTERS, "ElectrocardiogramFile", "CDADocument")


@dataclass
class Item:
    """What one element of the export became."""

    kind: str
    line: int | None
    converted: Converted


@dataclass
class Skip:
    """Something left out or repaired, and why: a whole element left out, or
    (``partial``) a repair of one that was kept: a part of it left out, or a field kept in
    another form. ``element`` is False for what is not an element of the export (control
    characters removed from the file)."""

    kind: str
    line: int | None
    reason: str
    partial: bool = False
    element: bool = True


@dataclass
class PlainRun:
    """Consecutive Records read as plain samples (:mod:`healthstore.plain`), with the line
    of each."""

    samples: list[PlainSample] = field(default_factory=list)
    lines: list[int | None] = field(default_factory=list)


PLAIN_RUN = 1000  # plain samples handed over at a time


@dataclass
class Progress:
    """How far the reading has come."""

    bytes_read: int = 0
    bytes_total: int = 0
    elements: int = 0
    export_date: datetime | None = field(default=None)
    export_dates: int = 0
    """``ExportDate`` elements read (they hold nothing to store)."""
    reader_peak_bytes: int | None = None
    """When ``export.xml`` was read in a second process: that process's peak resident
    memory, once it has finished (None where the system does not say)."""


class _Counting:
    """A binary stream that counts the bytes read from it."""

    def __init__(self, raw: BinaryIO, progress: Progress) -> None:
        self._raw = raw
        self._progress = progress

    def read(self, size: int = -1) -> bytes:
        data = self._raw.read(size)
        self._progress.bytes_read += len(data)
        return data


def read_export(
    source: ExportSource,
    progress: Progress | None = None,
    *,
    plain: bool = False,
    run_size: int = PLAIN_RUN,
    uuids: ContentUuids | None = None,
) -> Iterator[Item | Skip | PlainRun]:
    """Everything in the export, in order. With ``plain``, Records that are plainly a
    quantity or a category come in :class:`PlainRun` batches, not one :class:`Item` each.
    ``uuids`` derives the uuids (by default the legacy way, with no key)."""
    progress = progress or Progress()
    ctx = Context(source.read_bytes, uuids or ContentUuids())
    entries = read_elements(source, progress, plain=plain, run_size=run_size, uuids=ctx.uuids)
    yield from converted(entries, source, ctx, progress)


def converted(
    entries: Iterable[Node | Skip | PlainRun],
    source: ExportSource,
    ctx: Context,
    progress: Progress,
) -> Iterator[Item | Skip | PlainRun]:
    """``entries`` (what :func:`read_elements` gives) with each element converted, then the
    export's files beside ``export.xml``."""
    for entry in entries:
        if isinstance(entry, Node):
            yield from convert(entry, ctx, progress)
        else:
            yield entry
    yield from read_files(source, progress, ctx)


def read_elements(
    source: ExportSource,
    progress: Progress,
    *,
    plain: bool = False,
    run_size: int = PLAIN_RUN,
    uuids: ContentUuids | None = None,
) -> Iterator[Node | Skip | PlainRun]:
    """The top-level elements of ``export.xml`` in file order, each as a :class:`Node` for
    :func:`convert`, except (with ``plain``) the Records that are plainly a quantity or a
    category, which come as plain samples in :class:`PlainRun` batches; and what the
    reading itself had to repair or leave out, as :class:`Skip`."""
    progress.bytes_total = source.export_xml_size()
    lane = PlainRecords(Context(source.read_bytes, uuids or ContentUuids())) if plain else None
    raw = source.open_export_xml()
    try:
        cleaned = clean_xml_stream(_Counting(raw, progress))
        where = source.location(source.export_xml_name)
        yield from _elements(cleaned, lane, run_size, progress, where)
        removed = cleaned.removed_control_characters
        if removed:
            yield Skip(
                "ControlCharacter",
                None,
                f"{removed} control characters XML does not allow were removed",
                element=False,
            )
    finally:
        raw.close()


def read_files(source: ExportSource, progress: Progress, ctx: Context) -> Iterator[Item | Skip]:
    """What the export holds beside ``export.xml``: the ECG files and ``export_cda.xml``
    (whose documents are dated by the export date, when ``export.xml`` has been read)."""
    yield from _ecgs(source, ctx)
    yield from _cda(source, progress)


def _elements(
    stream: Any,
    lane: PlainRecords | None,
    run_size: int,
    progress: Progress,
    where: str,
) -> Iterator[Node | Skip | PlainRun]:
    collector = _Collector(lane, run_size, progress)
    target = TopLevelTarget(collector.element, collector.record if lane is not None else None)
    options: dict[str, Any] = {  # (lxml's type stubs know neither a partial target
        "target": target,  # nor resolve_entities="internal")
        "resolve_entities": "internal",  # the DOCTYPE is gone: &amp; and the like remain
        "huge_tree": True,
        "no_network": True,
        "load_dtd": False,
        "recover": True,
    }
    parser = etree.XMLParser(**options)
    feed = parser.feed
    reported = 0
    try:
        while chunk := stream.read(CHUNK_SIZE):
            # A line at a time, so the target knows the line of every element it is given.
            lines = chunk.split(b"\n")
            for line in lines[:-1]:
                feed(line + b"\n")
                target.line += 1
            if lines[-1]:
                feed(lines[-1])
            if target.root is not None and target.root != "HealthData":
                raise InvalidArgument(
                    f"{where} is not an Apple Health export: its root is "
                    f"<{target.root}>, not <HealthData>",
                    field="path",
                )
            yield from collector.take()
            errors = parser.feed_error_log
            if len(errors) > reported:
                yield from collector.take(flush=True)
                for entry in list(errors)[reported:]:
                    yield Skip(
                        "XML", entry.line, f"repaired malformed XML: {entry.message}", partial=True
                    )
                reported = len(errors)
        parser.close()
    except etree.XMLSyntaxError as exc:
        raise InvalidArgument(
            f"{where} cannot be read past line {exc.lineno}: {exc.msg}", field="path"
        ) from None
    yield from collector.take(flush=True)
    for entry in list(parser.feed_error_log)[reported:]:
        yield Skip("XML", entry.line, f"repaired malformed XML: {entry.message}", partial=True)
    if target.root is None:
        raise InvalidArgument(f"{where} is empty or not XML", field="path")


class _Collector:
    """Sorts the top-level elements as they end: plain samples gathered in runs, every
    other element as it is, all in file order."""

    def __init__(self, lane: PlainRecords | None, run_size: int, progress: Progress) -> None:
        self._lane = lane
        self._run_size = run_size
        self._progress = progress
        self._run = PlainRun()
        self._out: list[Node | PlainRun] = []

    def record(
        self, attrib: Mapping[str, str], entries: list[tuple[str | None, str | None]], line: int
    ) -> bool:
        """A top-level Record with metadata entries only: True when it is a plain sample
        (gathered into the run), False when it must be built as a node tree."""
        assert self._lane is not None
        sample = self._lane.convert(attrib, entries)
        if sample is None:
            return False
        self._progress.elements += 1
        run = self._run
        run.samples.append(sample)
        run.lines.append(line)
        if len(run.samples) >= self._run_size:
            self._out.append(run)
            self._run = PlainRun()
        return True

    def element(self, node: Node) -> None:
        """One top-level element, complete, that is not a plain sample (the target offers
        the Records that may be one to :meth:`record` first)."""
        self._progress.elements += 1
        if self._run.samples:
            self._out.append(self._run)
            self._run = PlainRun()
        self._out.append(node)

    def take(self, *, flush: bool = False) -> list[Node | PlainRun]:
        """What is ready (with ``flush``, the run being gathered too), handed over once."""
        if flush and self._run.samples:
            self._out.append(self._run)
            self._run = PlainRun()
        out, self._out = self._out, []
        return out


def convert(element: Node, ctx: Context, progress: Progress) -> Iterator[Item | Skip]:
    """What one top-level element of ``export.xml`` becomes (the export date goes to
    ``progress``)."""
    tag = element.tag
    line = element.sourceline
    if tag == "ExportDate":
        try:
            progress.export_date = parse_date(element.get("value") or "")
        except InvalidArgument:
            yield Skip(tag, line, "the export date is not understood")
            return
        progress.export_dates += 1
        return
    converter = CONVERTERS.get(tag)
    if converter is None:
        yield Skip(tag, line, f"<{tag}> is not part of the Apple Health format")
        return
    ctx.take_repairs()
    try:
        converted = converter(element, ctx)
    except Rejected as exc:
        ctx.take_repairs()
        yield Skip(tag, line, str(exc))
        return
    converted.notes[:0] = ctx.take_repairs()
    for note in converted.notes:
        yield Skip(tag, line, note, partial=True)
    yield Item(tag, line, converted)


def _ecgs(source: ExportSource, ctx: Context) -> Iterator[Item | Skip]:
    for name in source.list("electrocardiograms/"):
        if not name.lower().endswith(".csv"):
            continue
        data = source.read_bytes(name)
        if data is None:
            continue
        try:
            yield Item(
                "ElectrocardiogramFile", None, Converted([electrocardiogram(name, data, ctx.uuids)])
            )
        except Rejected as exc:
            yield Skip("ElectrocardiogramFile", None, str(exc))


def _cda(source: ExportSource, progress: Progress) -> Iterator[Item | Skip]:
    stream = source.open_cda()
    if stream is None:
        return
    with stream:
        data = stream.read()
    exported = progress.export_date or datetime.now().astimezone()
    try:
        documents = cda_documents(data, exported)
    except Rejected as exc:
        yield Skip("CDADocument", None, str(exc))
        return
    for document in documents:
        yield Item("CDADocument", None, Converted([document]))
