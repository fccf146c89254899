"""Apple Health import: a synthetic ``export.zip`` of N Records through three readers.

- *ours*: ``HealthStore.import_apple_health`` into a fresh store, then the same file again
  into the same store (which must add nothing);
- *healthkit-to-sqlite* 1.0.1, the usual open-source converter, run as its command-line
  tool from a virtual environment of its own under ``var/bench/`` (never a dependency of
  the project);
- *bare*: lxml ``iterparse`` over ``export.xml`` from the same zip, through the same stream
  ours reads, doing nothing but clearing each element: the floor for any lxml reader.

Each side runs in a child process, so its peak resident memory (``VmHWM``) is its own. The
export is generated once per record count and generator, and cached under ``var/bench/``:
with ``healthstore.demo.apple_export`` when the library has it, else with the small
generator below (Records shaped like the HealthKit v8/v14 exports in ``shared/data/apple``,
under the v14 DTD).

Run as a script, this file is also the child: ``apple_import.py child ours|again|bare …``.
"""

from __future__ import annotations

import gc
import hashlib
import json
import math
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import zipfile
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import closing
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

from lxml import etree

import healthstore
from common import ROOT, Result, rate, stopwatch, times
from healthstore import HealthStore
from healthstore.imports.apple import Counts
from healthstore.interop.apple.cleaning import clean_xml_stream
from healthstore.interop.apple.parser import Progress
from healthstore.interop.apple.source import ExportSource

FULL_RECORDS = 1_000_000
SEED = 7  # fixed: the export must not change with --seed
GENERATOR_VERSION = 1  # bump when the bench's own generator writes something different
MEMBER = "apple_health_export/export.xml"
V14_SAMPLE = ROOT.parent / "shared" / "data" / "apple" / "grll-apple-health-mcp_export_v14.xml"
HK2SQLITE = "healthkit-to-sqlite==1.0.1"
SQLITE_UTILS = "sqlite-utils==4.2.1"  # its storage layer, pinned so the reference stays fixed
SPEED_GOAL = 5.0  # ours at least this many times healthkit-to-sqlite's rate
BARE_GOAL = 2.5  # ours at most this many times the bare pass's time
RSS_GOAL_MB = 200.0
STARTUP_RUNS = 3

# --- the bench's own generator (the fallback) ---------------------------------------------
PARIS = ZoneInfo("Europe/Paris")
FIRST_DAY = 1_672_527_600  # 2023-01-01 00:00 in Paris, as a Unix time
RECORDS_A_DAY = 1_000  # a watch wearer's export: 1,000,000 Records is about 2.7 years
WRITE_EVERY = 5_000  # Records joined into one write to the zip


@dataclass(frozen=True)
class Writer:
    """A source as the export names it: app or device name, version, HKDevice text."""

    name: str
    version: str
    device: str | None = None  # the HKDevice description without its memory address


WATCH = Writer(
    "Jane's Apple Watch",
    "10.1",
    "name:Apple Watch, manufacturer:Apple Inc., model:Watch, hardware:Watch6,2, software:10.1",
)
PHONE = Writer(
    "Jane's iPhone",
    "17.1.1",
    "name:iPhone, manufacturer:Apple Inc., model:iPhone, hardware:iPhone14,2, software:17.1.1",
)
HEALTH = Writer("Health", "17.1.1")
SCALE = Writer("Withings", "6.3.1")

Value = Callable[[random.Random], str]
Meta = Callable[[random.Random], list[tuple[str, str]]]


def _number(low: float, high: float, digits: int) -> Value:
    return lambda rng: f"{rng.uniform(low, high):.{digits}f}"


def _integer(low: int, high: int) -> Value:
    return lambda rng: str(rng.randint(low, high))


def _choice(*values: str) -> Value:
    return lambda rng: rng.choice(values)


def _no_metadata(rng: random.Random) -> list[tuple[str, str]]:
    return []


def _motion(rng: random.Random) -> list[tuple[str, str]]:
    return [("HKMetadataKeyHeartRateMotionContext", rng.choice("0001"))]


def _sleep_zone(rng: random.Random) -> list[tuple[str, str]]:
    return [("HKTimeZone", "Europe/Paris")]


def _user_entered(rng: random.Random) -> list[tuple[str, str]]:
    return [("HKWasUserEntered", "1")]


@dataclass(frozen=True)
class Series:
    """One record type: its share of the Records, who writes it, how long and how big."""

    type: str
    unit: str | None
    weight: float
    writers: tuple[Writer, ...]
    seconds: tuple[int, int]  # shortest and longest duration
    value: Value
    metadata: Meta = _no_metadata
    beats: bool = False  # an HRV record with its instantaneous beats


SLEEP_STAGES = ("InBed", "AsleepCore", "AsleepDeep", "AsleepREM", "Awake")
SERIES = (
    Series("HKQuantityTypeIdentifierHeartRate", "count/min", 30, (WATCH,), (0, 0),
           _integer(48, 165), _motion),
    Series("HKQuantityTypeIdentifierActiveEnergyBurned", "Cal", 20, (WATCH,), (40, 70),
           _number(0.05, 4, 3)),
    Series("HKQuantityTypeIdentifierBasalEnergyBurned", "Cal", 14, (WATCH,), (300, 1800),
           _number(0.5, 25, 3)),
    Series("HKQuantityTypeIdentifierStepCount", "count", 10, (PHONE, PHONE, WATCH),
           (60, 600), _integer(8, 1200)),
    Series("HKQuantityTypeIdentifierDistanceWalkingRunning", "km", 9, (PHONE, PHONE, WATCH),
           (60, 600), _number(0.005, 0.9, 5)),
    Series("HKQuantityTypeIdentifierEnvironmentalAudioExposure", "dBASPL", 5, (WATCH,),
           (600, 1800), _number(35, 85, 4)),
    Series("HKQuantityTypeIdentifierAppleExerciseTime", "min", 3, (WATCH,), (60, 60),
           _integer(1, 1)),
    Series("HKQuantityTypeIdentifierWalkingSpeed", "km/hr", 2, (PHONE,), (5, 30),
           _number(2.5, 6.5, 4)),
    Series("HKQuantityTypeIdentifierFlightsClimbed", "count", 2, (PHONE,), (10, 120),
           _integer(1, 4)),
    Series("HKCategoryTypeIdentifierAppleStandHour", None, 2, (WATCH,), (3600, 3600),
           _choice("HKCategoryValueAppleStandHourStood", "HKCategoryValueAppleStandHourIdle")),
    Series("HKCategoryTypeIdentifierSleepAnalysis", None, 1.5, (WATCH,), (120, 3600),
           _choice(*(f"HKCategoryValueSleepAnalysis{s}" for s in SLEEP_STAGES)), _sleep_zone),
    Series("HKQuantityTypeIdentifierRespiratoryRate", "count/min", 1.5, (WATCH,), (0, 0),
           _number(11, 19, 1)),
    Series("HKQuantityTypeIdentifierOxygenSaturation", "%", 0.5, (WATCH,), (0, 0),
           _number(0.93, 1, 2)),
    Series("HKQuantityTypeIdentifierHeartRateVariabilitySDNN", "ms", 0.3, (WATCH,),
           (50, 60), _number(18, 90, 4), beats=True),
    Series("HKQuantityTypeIdentifierRestingHeartRate", "count/min", 0.1, (WATCH,), (0, 0),
           _integer(48, 62)),
    Series("HKQuantityTypeIdentifierBodyMass", "kg", 0.05, (SCALE,), (0, 0),
           _number(66, 71, 1)),
    Series("HKQuantityTypeIdentifierDietaryWater", "mL", 0.05, (HEALTH,), (0, 0),
           _choice("250", "330", "500"), _user_entered),
)  # fmt: skip


def _allot(records: int) -> list[int]:
    """Records per series, in proportion to the weights, adding up to ``records``."""
    total = sum(s.weight for s in SERIES)
    exact = [records * s.weight / total for s in SERIES]
    counts = [math.floor(x) for x in exact]
    by_remainder = sorted(range(len(SERIES)), key=lambda i: counts[i] - exact[i])
    for i in by_remainder[: records - sum(counts)]:
        counts[i] += 1
    return counts


class Clock:
    """Local times as the export writes them ("2023-05-14 18:52:09 +0200"), in
    Europe/Paris, looking the zone's offset up once an hour."""

    def __init__(self) -> None:
        self._offsets: dict[int, int] = {}

    def stamp(self, unix: int) -> str:
        offset = self._offset(unix)
        sign = "-" if offset < 0 else "+"
        hours, minutes = divmod(abs(offset) // 60, 60)
        local = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(unix + offset))
        return f"{local} {sign}{hours:02d}{minutes:02d}"

    def beat(self, unix: float) -> str:
        """A beat's time of day as the HRV list writes it ("7:47:41.86 PM")."""
        local = time.gmtime(unix + self._offset(int(unix)))
        half = "AM" if local.tm_hour < 12 else "PM"
        seconds = local.tm_sec + int(unix % 1 * 100) / 100  # cut, never rounded up to 60
        return f"{local.tm_hour % 12 or 12}:{local.tm_min:02d}:{seconds:05.2f} {half}"

    def _offset(self, unix: int) -> int:
        hour = unix // 3600
        found = self._offsets.get(hour)
        if found is None:
            delta = datetime.fromtimestamp(hour * 3600, UTC).astimezone(PARIS).utcoffset()
            found = int(delta.total_seconds()) if delta is not None else 0
            self._offsets[hour] = found
        return found


@dataclass
class RecordWriter:
    """Renders Records one at a time; the randomness lives here."""

    rng: random.Random
    clock: Clock = field(default_factory=Clock)
    _address: str = ""
    _uses_left: int = 0

    def series(self, series: Series, count: int, span: int) -> Iterator[str]:
        """``count`` Records of ``series`` spread over ``span`` seconds, in time order, at
        most one starting in each ``span / count`` slot (so none repeats another)."""
        slot = span / count
        low, high = series.seconds
        for k in range(count):
            start = FIRST_DAY + int(k * slot + self.rng.random() * slot / 2)
            end = start + min(self.rng.randint(low, high), int(slot / 2))
            yield self.record(series, start, end)

    def record(self, series: Series, start: int, end: int) -> str:
        rng, clock = self.rng, self.clock
        writer = rng.choice(series.writers)
        unit = f' unit="{escape(series.unit)}"' if series.unit else ""
        head = (
            f' <Record type="{series.type}" sourceName="{escape(writer.name)}" '
            f'sourceVersion="{writer.version}"{self._device(writer)}{unit} '
            f'creationDate="{clock.stamp(end + rng.randint(1, 600))}" '
            f'startDate="{clock.stamp(start)}" endDate="{clock.stamp(end)}" '
            f'value="{series.value(rng)}"'
        )
        inside = [f'  <MetadataEntry key="{k}" value="{v}"/>\n' for k, v in series.metadata(rng)]
        if series.beats:
            inside.append(self._beats(start, end))
        return f"{head}>\n{''.join(inside)} </Record>\n" if inside else f"{head}/>\n"

    def _device(self, writer: Writer) -> str:
        """The device attribute. Real exports print the HKDevice object's memory address,
        which changes every record or few; so does this."""
        if writer.device is None:
            return ""
        if self._uses_left <= 0:
            self._address = f"0x{self.rng.randrange(0x280000000, 0x2FFFFFFFF):09x}"
            self._uses_left = self.rng.randint(1, 3)
        self._uses_left -= 1
        return f' device="{escape(f"<<HKDevice: {self._address}>, {writer.device}>")}"'

    def _beats(self, start: int, end: int) -> str:
        count = self.rng.randint(30, 60)
        step = max(end - start, 1) / count
        beats = "".join(
            f'   <InstantaneousBeatsPerMinute bpm="{self.rng.randint(55, 90)}" '
            f'time="{self.clock.beat(start + i * step)}"/>\n'
            for i in range(count)
        )
        return (
            f"  <HeartRateVariabilityMetadataList>\n{beats}  </HeartRateVariabilityMetadataList>\n"
        )


def v14_doctype() -> str:
    """The internal DTD of the shared v14 sample export, ``<!DOCTYPE`` to ``]>``."""
    if not V14_SAMPLE.exists():
        raise FileNotFoundError(f"{V14_SAMPLE} (the v14 sample export, for its DTD) is missing")
    text = V14_SAMPLE.read_text(encoding="utf-8")
    start = text.index("<!DOCTYPE HealthData")
    return text[start : text.index("]>", start) + 2] + "\n"


def prolog(clock: Clock, exported: int) -> str:
    """Everything before the first Record: declaration, DTD, root, export date, Me."""
    me = " ".join(
        f'HKCharacteristicTypeIdentifier{k}="{v}"'
        for k, v in (
            ("DateOfBirth", "1988-04-12"),
            ("BiologicalSex", "HKBiologicalSexFemale"),
            ("BloodType", "HKBloodTypeNotSet"),
            ("FitzpatrickSkinType", "HKFitzpatrickSkinTypeNotSet"),
            ("CardioFitnessMedicationsUse", "None"),
        )
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n{v14_doctype()}<HealthData locale="en_US">\n'
        f' <ExportDate value="{clock.stamp(exported)}"/>\n <Me {me}/>\n'
    )


def write_bench_export(out: Path, *, records: int, seed: int = SEED) -> None:
    """An ``export.zip`` with ``records`` Records in ``apple_health_export/export.xml``,
    grouped by type as Apple writes them, about 1,000 a day from 2023-01-01."""
    span = max(1, math.ceil(records / RECORDS_A_DAY)) * 86_400
    writer = RecordWriter(random.Random(seed))
    with (
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive,
        archive.open(MEMBER, "w", force_zip64=True) as xml,
    ):
        xml.write(prolog(writer.clock, FIRST_DAY + span + 3_600).encode())
        pending: list[str] = []
        for series, count in zip(SERIES, _allot(records), strict=True):
            for line in writer.series(series, count, span) if count else ():
                pending.append(line)
                if len(pending) >= WRITE_EVERY:
                    xml.write("".join(pending).encode())
                    pending.clear()
        xml.write("".join(pending).encode() + b"</HealthData>\n")


# --- the cached export ---------------------------------------------------------------------
MakeExport = Callable[..., object]


@dataclass(frozen=True)
class Generator:
    """A way to write an export: the function, a cache key that changes with its code, and
    a label for the notes."""

    make: MakeExport
    key: str
    label: str


@dataclass(frozen=True)
class Export:
    """A generated export and what is in it."""

    path: Path
    generator: str
    elements: dict[str, int]  # top-level elements of export.xml, by tag
    nested_records: int  # Records inside Correlations (they are also at the top level)
    xml_bytes: int
    seconds: float  # how long writing it took
    made: str  # the date it was written

    @property
    def records(self) -> int:
        return self.elements.get("Record", 0)


def generators() -> list[Generator]:
    """The library's generator first, when it has one; the bench's own always last."""
    own = Generator(
        write_bench_export,
        f"bench{GENERATOR_VERSION}",
        f"the bench's own generator (v{GENERATOR_VERSION})",
    )
    try:
        from healthstore.demo import apple_export as synthetic
    except ImportError:
        return [own]
    make = getattr(synthetic, "write_synthetic_export", None)
    if make is None or synthetic.__file__ is None:
        return [own]
    code = Path(synthetic.__file__).read_bytes() + healthstore.__version__.encode()
    key = f"lib{hashlib.sha256(code).hexdigest()[:10]}"
    return [Generator(make, key, "healthstore.demo.apple_export"), own]


def ensure_export(cache: Path, records: int, rebuild: bool) -> Export:
    """The export of ``records`` Records: cached, or written by the first generator that
    can (the library's may still be a stub that raises NotImplementedError)."""
    cache.mkdir(parents=True, exist_ok=True)
    for generator in generators():
        path = cache / f"apple-export-{records}-{generator.key}-s{SEED}.zip"
        manifest = path.with_suffix(".json")
        cached = None if rebuild else load_export(path, manifest)
        if cached is not None:
            return cached
        try:
            return write_export(generator, path, records)
        except NotImplementedError:
            say(f"{generator.label} is not implemented yet; trying the next generator")
    raise AssertionError("the bench's own generator always writes an export")


def load_export(path: Path, manifest: Path) -> Export | None:
    """The cached export, or None when it or its census is missing or out of date."""
    if not path.exists() or not manifest.exists():
        return None
    try:
        return Export(path=path, **json.loads(manifest.read_text()))
    except (TypeError, ValueError):
        return None


def write_export(generator: Generator, path: Path, records: int) -> Export:
    """Write the export to ``path`` and its census beside it; exports of the same size
    from other generators or versions are removed, as no run would use them again."""
    partial = path.with_name(path.name + ".partial")
    say(f"writing a {records:,}-Record export with {generator.label}")
    try:
        with stopwatch() as elapsed:
            generator.make(partial, records=records, seed=SEED)
        elements, nested, xml_bytes = census(partial)
        for stale in path.parent.glob(f"apple-export-{records}-*"):
            if stale != partial:
                stale.unlink()
        partial.rename(path)
    finally:
        partial.unlink(missing_ok=True)
    export = Export(
        path, generator.label, elements, nested, xml_bytes, elapsed(), f"{date.today()}"
    )
    facts = {k: v for k, v in export.__dict__.items() if k != "path"}
    path.with_suffix(".json").write_text(json.dumps(facts, indent=1) + "\n")
    return export


def census(path: Path) -> tuple[dict[str, int], int, int]:
    """The export XML's top-level elements by tag, its Records nested deeper, and its size;
    read the way the library reads it (untimed, once per generated file)."""
    counts: Counter[str] = Counter()
    nested = depth = 0
    with ExportSource.open(path) as source, source.open_export_xml() as raw:
        events = etree.iterparse(clean_xml_stream(raw), events=("start", "end"), huge_tree=True)
        for event, element in events:
            depth += 1 if event == "start" else -1
            if event == "start":
                continue
            if depth > 1:
                nested += element.tag == "Record"
                continue
            if depth == 1:
                counts[str(element.tag)] += 1
                element.clear()
                while element.getprevious() is not None:
                    del element.getparent()[0]
        return dict(counts), nested, source.export_xml_size()


# --- the children: each side in its own process ------------------------------------------
def peak_mb() -> float:
    """This process's peak resident memory in MB (10^6 bytes): VmHWM, which belongs to the
    process image (ru_maxrss can carry the parent's peak over a fork)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024 / 1e6
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e6


def child_import(export: Path, store: Path, fresh: bool) -> dict[str, Any]:
    """Time ``import_apple_health`` (with creating or opening the store and closing it)."""
    gc.collect()
    reader_bytes: list[int | None] = [None]

    def watch(progress: Progress) -> None:
        reader_bytes[0] = progress.reader_peak_bytes

    with stopwatch() as elapsed:
        opened = HealthStore.create(store) if fresh else HealthStore.open(store)
        with opened as target:
            summary = target.import_apple_health(export, watch)
    seconds = elapsed()
    records = summary.counts.get("Record") or Counts()
    reader_mb = (reader_bytes[0] or 0) / 1e6
    return {
        "seconds": seconds,
        "peak_mb": peak_mb() + reader_mb,  # both processes at their peaks: an upper bound
        "reader_mb": reader_mb,
        "added": records.added,
        "present": records.present,
        "skipped": records.skipped,
        "samples_added": summary.samples_added,
        "skips": sorted({f"{s.kind}: {s.reason}" for s in summary.skips}),
    }


def child_bare(export: Path) -> dict[str, Any]:
    """Time lxml iterparse over export.xml, from the stream ours reads, clearing elements."""
    gc.collect()
    with (
        stopwatch() as elapsed,
        ExportSource.open(export) as source,
        source.open_export_xml() as stream,
    ):
        for _, element in etree.iterparse(stream, events=("end",)):
            element.clear()
    return {"seconds": elapsed(), "peak_mb": peak_mb()}


def child_main(argv: Sequence[str]) -> None:
    """``child ours|again ZIP STORE`` or ``child bare ZIP``: print the figures as JSON."""
    mode, export, *rest = argv
    if mode == "bare":
        out = child_bare(Path(export))
    else:
        out = child_import(Path(export), Path(rest[0]), fresh=mode == "ours")
    print(json.dumps(out))


def in_child(mode: str, *args: Path) -> dict[str, Any]:
    command = [sys.executable, str(Path(__file__).resolve()), "child", mode, *map(str, args)]
    done = subprocess.run(command, stdout=subprocess.PIPE, text=True, check=True)
    figures: dict[str, Any] = json.loads(done.stdout.splitlines()[-1])
    return figures


# --- healthkit-to-sqlite, in a virtual environment of its own -----------------------------
@dataclass(frozen=True)
class Converter:
    """healthkit-to-sqlite installed under ``var/bench/``."""

    venv: Path

    @property
    def cli(self) -> Path:
        return self.venv / "bin" / "healthkit-to-sqlite"

    def versions(self) -> str:
        code = (
            "from importlib.metadata import version as v; "
            "print(f\"healthkit-to-sqlite {v('healthkit-to-sqlite')}, "
            "sqlite-utils {v('sqlite-utils')}\")"
        )
        python = self.venv / "bin" / "python"
        done = subprocess.run([python, "-c", code], capture_output=True, text=True, check=False)
        return done.stdout.strip()

    def startup(self) -> float:
        """Seconds the tool takes to start and exit (``--help`` imports what a run does)."""
        runs = []
        for _ in range(STARTUP_RUNS):
            with stopwatch() as elapsed:
                subprocess.run([self.cli, "--help"], capture_output=True, check=True)
            runs.append(elapsed())
        return min(runs)

    def convert(self, export: Path, database: Path) -> float:
        """Seconds for ``healthkit-to-sqlite export.zip out.db``, start-up included."""
        with stopwatch() as elapsed:
            done = subprocess.run([self.cli, export, database], capture_output=True, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"healthkit-to-sqlite failed: {done.stderr.decode()[-2000:]}")
        return elapsed()


def ensure_converter(cache: Path) -> Converter:
    """healthkit-to-sqlite in ``var/bench/venv-healthkit-to-sqlite-<version>``, installed
    with pip the first time."""
    venv = cache / f"venv-{HK2SQLITE.replace('==', '-')}"
    converter = Converter(venv)
    stamp = venv / ".installed"
    if stamp.exists() and converter.cli.exists():
        return converter
    say(f"installing {HK2SQLITE} into {venv}")
    shutil.rmtree(venv, ignore_errors=True)
    subprocess.run([sys.executable, "-m", "venv", venv], check=True)
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet"]
    subprocess.run([*pip, "--disable-pip-version-check", HK2SQLITE, SQLITE_UTILS], check=True)
    stamp.touch()
    return converter


def converted_records(database: Path) -> int:
    """Records healthkit-to-sqlite wrote: the rows of its one-table-per-type ``r…`` tables."""
    with closing(sqlite3.connect(database)) as conn:
        tables = [
            name
            for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            if name.startswith("r")
        ]
        return sum(conn.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in tables)


# --- the benchmark ------------------------------------------------------------------------
@dataclass(frozen=True)
class Measured:
    bare: dict[str, Any]
    converter_seconds: float  # start-up taken off
    converter_startup: float
    first: dict[str, Any]
    again: dict[str, Any]


def say(text: str) -> None:
    print(f"apple import: {text}", file=sys.stderr, flush=True)


def warm(path: Path) -> None:
    """Read the zip once, untimed, so every side finds it in the page cache."""
    with path.open("rb") as file:
        while file.read(1 << 20):
            pass


def measure(export: Export, converter: Converter, scratch: Path) -> Measured:
    warm(export.path)
    say("bare lxml pass")
    bare = in_child("bare", export.path)
    say("healthkit-to-sqlite")
    startup = converter.startup()
    database = scratch / "healthkit.db"
    converter_seconds = converter.convert(export.path, database) - startup
    expected = export.records + export.nested_records  # it takes Records at any depth
    check_count("healthkit-to-sqlite wrote", converted_records(database), expected)
    database.unlink()
    say("ours, into a fresh store")
    store = scratch / "store"
    first = in_child("ours", export.path, store)
    check_import(first, export.records, again=False)
    say("ours, the same file again")
    again = in_child("again", export.path, store)
    check_import(again, export.records, again=True)
    return Measured(bare, converter_seconds, startup, first, again)


def check_count(what: str, got: int, expected: int) -> None:
    if got != expected:
        raise AssertionError(f"{what} {got:,} Records of {expected:,}")


def check_import(figures: dict[str, Any], records: int, again: bool) -> None:
    """Every Record is read: a first import adds each (or finds it added already, when the
    export repeats one, as inside a Correlation); a second import adds nothing at all."""
    if figures["skipped"]:
        raise AssertionError(f"{figures['skipped']:,} Records skipped: {figures['skips']}")
    check_count("the import read", figures["added"] + figures["present"], records)
    if again and figures["samples_added"]:
        raise AssertionError(f"the re-import added {figures['samples_added']:,} samples")
    if not again and not figures["added"]:
        raise AssertionError("the first import added no Record")


def run(records: int, cache: Path, rebuild: bool) -> tuple[list[Result], list[str]]:
    """The import benchmark on an export of ``records`` Records; the rows and the notes."""
    export = ensure_export(cache, records, rebuild)
    converter = ensure_converter(cache)
    scratch = Path(tempfile.mkdtemp(prefix="import-", dir=cache))
    try:
        measured = measure(export, converter, scratch)
    finally:
        shutil.rmtree(scratch)
    notes = describe(export, measured, converter.versions())
    if records < FULL_RECORDS:
        notes.append(f"Scaled-down import: the goals are set for {FULL_RECORDS:,} Records.")
    return results(export.records, measured), notes


def results(records: int, m: Measured) -> list[Result]:
    first, again, bare = m.first["seconds"], m.again["seconds"], m.bare["seconds"]
    ours_mb, again_mb, bare_mb = m.first["peak_mb"], m.again["peak_mb"], m.bare["peak_mb"]
    return [
        Result("import vs healthkit-to-sqlite", rate(records, first),
               rate(records, m.converter_seconds), times(m.converter_seconds, first),
               f">= {SPEED_GOAL:g}× reference", m.converter_seconds >= SPEED_GOAL * first),
        Result("import vs bare lxml pass", rate(records, first), rate(records, bare),
               times(bare, first), f">= {1 / BARE_GOAL:.2f}× reference", first <= BARE_GOAL * bare),
        Result("re-import (adds nothing)", rate(records, again), rate(records, first),
               times(first, again), ">= 1× reference", again <= first),
        Result("peak RSS, import", megabytes(ours_mb), megabytes(bare_mb),
               times(ours_mb, bare_mb), f"<= {RSS_GOAL_MB:g} MB", ours_mb <= RSS_GOAL_MB),
        Result("peak RSS, re-import", megabytes(again_mb), megabytes(bare_mb),
               times(again_mb, bare_mb)),
    ]  # fmt: skip


def megabytes(value: float) -> str:
    return f"{value:,.0f} MB"


def describe(export: Export, m: Measured, versions: str) -> list[str]:
    lines = [
        f"Import: {export.records:,} Records ({export.xml_bytes / 1e6:,.0f} MB of export.xml, "
        f"zip {export.path.stat().st_size / 1e6:,.1f} MB) from {export.generator}. "
        "Ours: import_apple_health into a fresh store (create, import, close), then the same "
        f"file again into it. References: {versions or HK2SQLITE} (its CLI, wall time less "
        f"{m.converter_startup:.2f} s of start-up) and a bare lxml iterparse of the same zip "
        "member that only clears elements. Each side runs in a process of its own; peak RSS "
        "is that process's VmHWM, plus that of the process ours reads export.xml in "
        f"({m.first['reader_mb']:,.0f} MB of the {m.first['peak_mb']:,.0f} MB; the sum of "
        "two peaks, so an upper bound) (for memory, above 1× means more than the "
        "reference).",
        f"Import checks: the first import added {m.first['added']:,} of the "
        f"{export.records:,} Records and found {m.first['present']:,} already there "
        f"({m.first['samples_added']:,} samples in all); healthkit-to-sqlite wrote one row per "
        "Record; the re-import added nothing.",
    ]
    others = {k: v for k, v in export.elements.items() if k not in ("Record", "ExportDate", "Me")}
    if others or export.nested_records:
        listed = ", ".join(f"{v:,} {k}" for k, v in sorted(others.items()))
        lines.append(
            f"The export also holds {listed or 'no other top-level element'} and "
            f"{export.nested_records:,} Records inside other elements; every side reads the "
            "whole file, the rates count top-level Records only."
        )
    if m.first["skips"]:
        lines.append("What the import reported leaving out: " + "; ".join(m.first["skips"]) + ".")
    return lines


if __name__ == "__main__":
    child_main(sys.argv[2:] if sys.argv[1:2] == ["child"] else sys.argv[1:])
