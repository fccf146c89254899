"""What the benchmarks share: the heart-rate data they write, timing, result rows."""

from __future__ import annotations

import os
import platform
import sqlite3
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import healthstore
from healthstore import Source

ROOT = Path(__file__).resolve().parent.parent
PARIS = ZoneInfo("Europe/Paris")
WATCH = Source("com.apple.health.7F3A2C1B", "Jane's Apple Watch")
HEART_RATE_UNIT = "count/min"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)
# The PRAGMAs that matter for write and read speed, as the SQLite backend sets them.
PRAGMAS = (
    "PRAGMA journal_mode = WAL",
    "PRAGMA synchronous = NORMAL",
    "PRAGMA temp_store = MEMORY",
    "PRAGMA cache_size = -65536",
)


def minutes(first: datetime, count: int, skip: int = 0) -> list[datetime]:
    """``count`` instants one minute apart, the first ``skip`` minutes after ``first``, in
    Europe/Paris time. Stepping in UTC keeps them a minute apart across DST changes."""
    start = first.astimezone(UTC)
    step = timedelta(minutes=1)
    return [(start + step * i).astimezone(PARIS) for i in range(skip, skip + count)]


def heart_rate(i: int) -> float:
    """A plausible, deterministic heart rate (count/min) for minute ``i``."""
    return float(58 + (i * 7919) % 61)


def to_micros(value: datetime) -> int:
    """Microseconds since the Unix epoch."""
    return (value - EPOCH) // MICROSECOND


@contextmanager
def stopwatch() -> Iterator[Callable[[], float]]:
    """Time a block: ``with stopwatch() as elapsed: ...``, then ``elapsed()`` in seconds."""
    start = time.perf_counter()
    end: float | None = None
    try:
        yield lambda: (end if end is not None else time.perf_counter()) - start
    finally:
        end = time.perf_counter()


def connect(path: Path) -> sqlite3.Connection:
    """A bare sqlite3 connection in autocommit mode with the backend's PRAGMAs."""
    conn = sqlite3.connect(path, isolation_level=None)
    for pragma in PRAGMAS:
        conn.execute(pragma)
    return conn


@dataclass(frozen=True)
class Result:
    """One line of the results table; ``ours``, ``reference`` and ``goal`` are already
    formatted, ``met`` is None where there is no goal."""

    benchmark: str
    ours: str
    reference: str = "—"
    ratio: str = "—"
    goal: str = "—"
    met: bool | None = None


def rate(count: int, seconds: float) -> str:
    return f"{count / seconds:,.0f} /s"


def millis(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms"


def times(ours: float, reference: float) -> str:
    """ours / reference, as a factor."""
    return f"{ours / reference:.2f}×"


def machine() -> dict[str, str]:
    """What the figures depend on: hardware, interpreter, SQLite, code version."""
    return {
        "CPUs": str(os.cpu_count()),
        "CPU": _cpu_model(),
        "OS": platform.platform(terse=True),
        "Python": platform.python_version(),
        "SQLite": sqlite3.sqlite_version,
        "healthstore": f"{healthstore.__version__} ({_commit()})",
    }


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _commit() -> str:
    try:
        out = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        )
    except (OSError, subprocess.CalledProcessError):
        return "no git"
    return out.stdout.strip()
