"""Streaming read of an Apple Health export: every top-level element of ``export.xml`` in
file order, then the ECG files and ``export_cda.xml``, as :class:`Item`s (what an element
became) or :class:`Skip`s (what could not be read, with the line and the reason).

``export.xml`` is read with lxml's ``iterparse`` straight from the zip through
:func:`~healthstore.interop.apple.cleaning.clean_xml_stream` (which drops the DTD that iOS 16
wrote broken and the control characters XML forbids), and each element is cleared once
converted, so memory stays flat whatever the size of the export.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, BinaryIO

from lxml import etree

from healthstore.errors import InvalidArgument
from healthstore.interop.apple import elements
from healthstore.interop.apple.cleaning import clean_xml_stream
from healthstore.interop.apple.elements import Context, Converted, Rejected
from healthstore.interop.apple.files import cda_documents, electrocardiogram
from healthstore.interop.apple.plain_records import PlainRecords
from healthstore.interop.apple.source import ExportSource
from healthstore.interop.apple.values import parse_date
from healthstore.plain import PlainSample

CONVERTERS: dict[str, Callable[[Any, Context], Converted]] = {
    "Record": elements.record,
    "Correlation": elements.correlation,
    "Workout": elements.workout,
    "ActivitySummary": elements.activity_summary,
    "Me": elements.me,
    "ClinicalRecord": elements.clinical_record,
    "Audiogram": elements.audiogram,
    "VisionPrescription": elements.vision_prescription,
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
    """Something left out, and why: a whole element, or (``partial``) a part of one that
    was imported without it."""

    kind: str
    line: int | None
    reason: str
    partial: bool = False


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
) -> Iterator[Item | Skip | PlainRun]:
    """Everything in the export, in order. With ``plain``, Records that are plainly a
    quantity or a category come in :class:`PlainRun` batches, not one :class:`Item` each."""
    progress = progress or Progress()
    progress.bytes_total = source.export_xml_size()
    ctx = Context(source.read_bytes)
    lane = PlainRecords(ctx) if plain else None
    raw = source.open_export_xml()
    try:
        cleaned = clean_xml_stream(_Counting(raw, progress))
        where = source.location(source.export_xml_name)
        yield from _elements(cleaned, ctx, lane, run_size, progress, where)
        removed = cleaned.removed_control_characters
        if removed:
            yield Skip(
                "ControlCharacter",
                None,
                f"{removed} control characters XML does not allow were removed",
            )
    finally:
        raw.close()
    yield from _ecgs(source)
    yield from _cda(source, progress)


def _elements(
    stream: Any,
    ctx: Context,
    lane: PlainRecords | None,
    run_size: int,
    progress: Progress,
    where: str,
) -> Iterator[Item | Skip | PlainRun]:
    events = etree.iterparse(
        stream,
        events=("start", "end"),
        huge_tree=True,
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        recover=True,
    )
    depth = 0
    seen_root = False
    reported = 0
    run = PlainRun()
    try:
        for event, element in events:
            if event == "start":
                depth += 1
                if depth == 1:
                    if element.tag != "HealthData":
                        raise InvalidArgument(
                            f"{where} is not an Apple Health export: its root is "
                            f"<{element.tag}>, not <HealthData>",
                            field="path",
                        )
                    seen_root = True
                continue
            depth -= 1
            if depth != 1:
                continue
            progress.elements += 1
            sample = _plain(element, lane) if lane is not None else None
            if sample is not None:
                run.samples.append(sample)
                run.lines.append(element.sourceline)
                if len(run.samples) >= run_size:
                    yield run
                    run = PlainRun()
            else:
                if run.samples:
                    yield run
                    run = PlainRun()
                yield from _convert(element, ctx, progress)
            element.clear()
            while element.getprevious() is not None:
                del element.getparent()[0]
            errors = events.error_log
            if len(errors) > reported:
                if run.samples:
                    yield run
                    run = PlainRun()
                for entry in list(errors)[reported:]:
                    yield Skip(
                        "XML", entry.line, f"repaired malformed XML: {entry.message}", partial=True
                    )
                reported = len(errors)
    except etree.XMLSyntaxError as exc:
        raise InvalidArgument(
            f"{where} cannot be read past line {exc.lineno}: {exc.msg}", field="path"
        ) from None
    if run.samples:
        yield run
    if not seen_root:
        raise InvalidArgument(f"{where} is empty or not XML", field="path")


def _plain(element: Any, lane: PlainRecords) -> PlainSample | None:
    """A top-level Record as a plain sample, when it is one."""
    if element.tag != "Record":
        return None
    entries = []
    for child in element:
        if child.tag != "MetadataEntry":
            return None
        entries.append((child.get("key"), child.get("value")))
    return lane.convert(dict(element.attrib), entries)


def _convert(element: Any, ctx: Context, progress: Progress) -> Iterator[Item | Skip]:
    tag = element.tag
    line = element.sourceline
    if tag == "ExportDate":
        try:
            progress.export_date = parse_date(element.get("value") or "")
        except InvalidArgument:
            yield Skip(tag, line, "the export date is not understood")
        return
    converter = CONVERTERS.get(tag)
    if converter is None:
        if isinstance(tag, str):  # comments and processing instructions are not elements
            yield Skip(tag, line, f"<{tag}> is not part of the Apple Health format")
        return
    try:
        converted = converter(element, ctx)
    except Rejected as exc:
        yield Skip(tag, line, str(exc))
        return
    for note in converted.notes:
        yield Skip(tag, line, note, partial=True)
    yield Item(tag, line, converted)


def _ecgs(source: ExportSource) -> Iterator[Item | Skip]:
    for name in source.list("electrocardiograms/"):
        if not name.lower().endswith(".csv"):
            continue
        data = source.read_bytes(name)
        if data is None:
            continue
        try:
            yield Item("ElectrocardiogramFile", None, Converted([electrocardiogram(name, data)]))
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
