"""Reading ``export.xml`` in a second process gives exactly what reading it here gives.

:mod:`healthstore.interop.apple.reader_process` runs the XML reading in a child process and
converts the rest here. Every entry (plain runs, items, skips, in order), every stored row
and every count must be the same as with the reading done in one process; failures in the
child must surface as the same errors; and the child must never outlive the reading.
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
from collections.abc import Generator
from pathlib import Path
from typing import Any

import pytest

from healthstore import HealthStore, catalogue
from healthstore.demo.apple_export import write_synthetic_export
from healthstore.errors import HealthStoreError, InvalidArgument
from healthstore.imports.apple import import_apple_health
from healthstore.interop.apple.parser import Item, PlainRun, Progress, Skip, read_export
from healthstore.interop.apple.reader_process import _messages, read_export_in_background
from healthstore.interop.apple.source import ExportSource
from healthstore.units import Quantity
from tests.conftest import shared_path
from tests.interop.test_apple_plain import _rows

V8 = "rgosdin-docs_export_v8_2019.xml"
V14 = "grll-apple-health-mcp_export_v14.xml"


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> Path:
    export = tmp_path_factory.mktemp("synthetic") / "export.zip"
    write_synthetic_export(export, records=3000, seed=5)
    return export


def _shared(tmp_path: Path, name: str) -> Path:
    export = tmp_path / "export.xml"
    export.write_bytes(shared_path("data", "apple", name).read_bytes())
    return export


def _entries(path: Path, background: bool) -> tuple[list[Item | Skip | PlainRun], Progress]:
    progress = Progress()
    with ExportSource.open(path) as source:
        reader = (
            read_export_in_background(source, path, progress, run_size=200)
            if background
            else read_export(source, progress, plain=True, run_size=200)
        )
        return list(reader), progress


def _children() -> list[int]:
    """This process's live children running the reader."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        if parent == os.getpid() and b"reader_child" in command:
            found.append(int(entry.name))
    return found


@pytest.mark.parametrize("which", ["synthetic", V8, V14])
def test_the_child_process_reads_the_same_entries_in_the_same_order(
    tmp_path: Path, synthetic: Path, which: str
) -> None:
    path = synthetic if which == "synthetic" else _shared(tmp_path, which)
    here, here_progress = _entries(path, background=False)
    there, there_progress = _entries(path, background=True)
    assert [type(e) for e in there] == [type(e) for e in here]
    assert there == here
    assert any(isinstance(e, PlainRun) for e in here) and any(isinstance(e, Item) for e in here)
    assert there_progress.bytes_read == here_progress.bytes_read == here_progress.bytes_total
    assert there_progress.elements == here_progress.elements > 0
    assert there_progress.export_date == here_progress.export_date
    if sys.platform == "linux":
        assert there_progress.reader_peak_bytes is not None
        assert there_progress.reader_peak_bytes > 0


def test_plain_samples_cross_the_pipe_with_their_catalogue_type(tmp_path: Path) -> None:
    """Types are singletons (identity is equality): a pickled type must come back as the
    catalogue's own instance, and quantities in metadata as equal quantities."""
    heart = catalogue.object_type("heartRate")
    assert pickle.loads(pickle.dumps(heart)) is heart
    meta = {"HKWeatherTemperature": Quantity(47.6, "degF")}
    assert pickle.loads(pickle.dumps(meta)) == meta
    entries, _ = _entries(_shared(tmp_path, V14), background=True)
    runs = [e for e in entries if isinstance(e, PlainRun)]
    assert runs
    for run in runs:
        for sample in run.samples:
            assert sample[0] is catalogue.object_type(sample[0].identifier)


def test_an_import_with_the_child_process_stores_the_same_rows_and_counts(
    tmp_path: Path, synthetic: Path
) -> None:
    summaries, rows = [], []
    for background in (False, True):
        directory = tmp_path / f"store-{background}"
        with HealthStore.create(directory) as store:
            summaries.append(
                import_apple_health(store, synthetic, batch_size=700, background=background)
            )
            again = import_apple_health(store, synthetic, batch_size=700, background=background)
            assert again.samples_added == 0
        rows.append(_rows(directory))
    assert rows[0] == rows[1] and len(rows[0]) > 3000
    assert summaries[0].to_json() == summaries[1].to_json()
    assert not _children()


def test_a_file_that_is_not_an_export_fails_the_same_way_in_the_child(tmp_path: Path) -> None:
    path = tmp_path / "export.xml"
    path.write_bytes(b'<?xml version="1.0"?>\n<html><body>not health</body></html>\n')
    errors = []
    for background in (False, True):
        with pytest.raises(InvalidArgument) as caught:
            _entries(path, background)
        errors.append((caught.value.message, caught.value.field))
    assert errors[0] == errors[1]
    assert "not an Apple Health export" in errors[0][0]
    assert not _children()


def test_a_child_that_dies_is_reported_not_waited_for() -> None:
    """The pipe ends without a word from the child: an error that says so, with the exit
    code, instead of a hang or a silent short import."""
    child = subprocess.Popen(
        [sys.executable, "-c", "import sys; sys.exit(3)"], stdout=subprocess.PIPE
    )
    assert child.stdout is not None
    with child.stdout, pytest.raises(HealthStoreError, match=r"stopped before the end.*3"):
        list(_messages(child, child.stdout, Progress()))


def test_stopping_the_reading_early_stops_the_child(tmp_path: Path, synthetic: Path) -> None:
    with ExportSource.open(synthetic) as source:
        reader = read_export_in_background(source, synthetic, Progress(), run_size=50)
        first: Any = next(reader)
        assert first is not None
        assert len(_children()) == 1
        assert isinstance(reader, Generator)
        reader.close()
    assert not _children()
