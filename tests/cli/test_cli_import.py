"""``healthstore import apple-health``, run with typer's CliRunner against real stores."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from healthstore import HealthStore
from healthstore.cli import importer
from healthstore.interop.apple.parser import Progress
from tests.cli.support import ok, run
from tests.interop.test_apple_import import (
    BROKEN,
    V8,
    V14,
    apple,
    bare,
    broken_inputs,
    everything,
    line_of,
    make_zip,
    with_elements,
)

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\r")
WIDE = {"COLUMNS": "200"}
TERMINAL = {"FORCE_COLOR": "1", "COLUMNS": "200"}  # rich takes stderr for a terminal


def new_store(path: Path) -> Path:
    HealthStore.create(path).close()
    return path


def plain(text: str) -> str:
    return ANSI.sub("", text)


def library_summary(tmp_path: Path, path: Path) -> dict[str, Any]:
    with HealthStore.create(tmp_path / "library") as store:
        return store.import_apple_health(path).to_json()


def store_total(directory: Path) -> tuple[int, int]:
    """(samples, last anchor) of the store in ``directory``."""
    with HealthStore.open(directory) as store:
        return sum(int(r["count"]) for r in store.summary()), store.changes().anchor


# --- JSON -----------------------------------------------------------------------------------------


def test_json_output_is_the_library_summary(runner: CliRunner, tmp_path: Path) -> None:
    path = make_zip(tmp_path / "export.zip", everything())
    store = new_store(tmp_path / "store")
    first = json.loads(
        ok(runner, "import", "apple-health", path, "--store", store, "--json").stdout
    )
    assert first == library_summary(tmp_path, path)
    assert first["counts"]["Record"] == {"added": 28, "present": 0, "skipped": 0, "repaired": 0}
    assert first["counts"]["CDADocument"]["added"] == 2

    again = json.loads(
        ok(runner, "import", "apple-health", path, "--store", store, "--json").stdout
    )
    assert again["samples_added"] == 0
    assert {k: c["added"] for k, c in again["counts"].items()} == dict.fromkeys(first["counts"], 0)
    assert {k: c["present"] for k, c in again["counts"].items()} == {
        k: c["added"] for k, c in first["counts"].items()
    }


def test_a_progress_bar_on_a_terminal_leaves_json_alone(runner: CliRunner, tmp_path: Path) -> None:
    path = bare(tmp_path, apple(V8))
    store = new_store(tmp_path / "store")
    result = ok(
        runner,
        "import",
        "apple-health",
        path,
        "--store",
        store,
        "--json",
        "--batch",
        "200",
        env=TERMINAL,
    )
    assert json.loads(result.stdout) == library_summary(tmp_path, path)
    assert "\x1b" not in result.stdout
    assert "importing export.xml" in plain(result.stderr)  # drawn, then cleared, on stderr


def test_the_progress_bar_follows_the_importer(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    v8 = apple(V8)
    path = bare(tmp_path, v8)
    seen: list[Progress] = []
    update = importer.ImportProgress.update

    def spy(self: importer.ImportProgress, state: Progress) -> None:
        seen.append(Progress(state.bytes_read, state.bytes_total, state.elements))
        update(self, state)

    monkeypatch.setattr(importer.ImportProgress, "update", spy)
    store = new_store(tmp_path / "store")
    result = ok(
        runner, "import", "apple-health", path, "--store", store, "--batch", "500", env=TERMINAL
    )
    assert len(seen) >= 6
    assert seen[-1] == Progress(len(v8), len(v8), 3354)
    bar = plain(result.stderr)
    assert "1.3/1.3 MB" in bar and "3,354 elements" in bar  # the final state stays shown
    assert "nothing skipped" in plain(result.stdout)


def test_without_a_terminal_no_bar_is_drawn(runner: CliRunner, tmp_path: Path) -> None:
    path = bare(tmp_path, apple(V14))
    store = new_store(tmp_path / "store")
    result = ok(runner, "import", "apple-health", path, "--store", store)
    assert result.stderr == ""


# --- text -----------------------------------------------------------------------------------------


def test_the_summary_table_and_the_first_skipped_items(runner: CliRunner, tmp_path: Path) -> None:
    unfit = b"".join(  # a unit that does not fit the type costs the Record
        b' <Record type="HKQuantityTypeIdentifierStepCount" sourceName="Phone" unit="kg" '
        b'startDate="2024-01-0%d 10:00:00 +0100" endDate="2024-01-0%d 10:00:00 +0100" '
        b'value="1"/>\n' % (day, day)
        for day in range(1, 10)
    )
    xml = with_elements(apple(V14), unfit + unfit.replace(b"-01-0", b"-02-0"))
    path = bare(tmp_path, xml)
    store = new_store(tmp_path / "store")
    text = plain(ok(runner, "import", "apple-health", path, "--store", store, env=WIDE).stdout)

    rows = {
        cells[0]: cells[1:]
        for line in text.splitlines()
        if len(cells := [c.strip() for c in re.split(r"[│┃]", line)[1:-1]]) == 5
    }
    assert rows["element"] == ["added", "already present", "skipped", "repaired"]
    assert rows["Record"] == ["26", "0", "18", "0"]
    assert rows["Workout"] == ["2", "0", "0", "1"]  # kept without its broken routes
    assert rows["ActivitySummary"] == ["3", "0", "0", "0"]
    assert rows["total"] == ["33", "0", "18", "1"]  # 26 + 1 + 2 + 3 + 1 (Me), and 18 skipped
    assert "from the export of 2025-01-14T12:00:00+01:00" in text
    assert "samples added" not in text  # one summary, one total

    first_unfit = line_of(xml, b'unit="kg" startDate="2024-01-01')
    assert re.search(rf"│ Record +│ {first_unfit} +│ skipped +│ unit 'kg' does not fit", text)
    routes = r"│ Workout +│ \d+ +│ repaired +│ workout route at line \d+ left out"
    assert len(re.findall(routes, text)) == 2
    listed = re.findall(r"│ Record +│ (\d+) +│ skipped +│ unit 'kg' does not fit", text)
    assert len(listed) == importer.SKIPS_SHOWN - 2  # after the notes on the routes
    assert "10 of 20 skipped or repaired (--json lists more)" in text


def test_importing_twice_shows_everything_already_present(
    runner: CliRunner, tmp_path: Path
) -> None:
    path = make_zip(tmp_path / "export.zip", {"export.xml": apple(V8)})
    store = new_store(tmp_path / "store")
    ok(runner, "import", "apple-health", path, "--store", store)
    text = plain(ok(runner, "import", "apple-health", path, "--store", store, env=WIDE).stdout)
    assert re.search(r"│ Record +│ 0 +│ 3,352 +│ 0 +│", text)
    assert re.search(r"│ total +│ 0 +│ 3,353 +│ 0 +│ 0 +│", text) and "nothing skipped" in text


def test_the_store_can_come_from_the_environment(runner: CliRunner, tmp_path: Path) -> None:
    path = bare(tmp_path, apple(V14))
    store = new_store(tmp_path / "store")
    env = {"HEALTHSTORE_DIR": str(store)}
    summary = json.loads(ok(runner, "import", "apple-health", path, "--json", env=env).stdout)
    assert store_total(store)[0] == 32 and summary["counts"]["Record"]["added"] == 26


# --- errors ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", BROKEN)
def test_inputs_that_are_not_exports_exit_1_naming_the_file(
    case: str, runner: CliRunner, tmp_path: Path
) -> None:
    path, word = broken_inputs(tmp_path)[case]
    store = new_store(tmp_path / "store")
    result = run(runner, "import", "apple-health", path, "--store", store, env=TERMINAL)
    assert result.exit_code == 1, (result.stdout, result.stderr)
    assert "Traceback" not in result.output
    # On a terminal the bar was drawn, then erased: the error is the last line.
    message = plain(result.stderr).splitlines()[-1]
    assert message.startswith("error: "), result.stderr
    assert str(path) in message and word in message
    assert result.stdout == ""

    result = run(runner, "import", "apple-health", path, "--store", store, "--json")
    assert result.exit_code == 1
    error = json.loads(result.stdout)["error"]
    assert (error["name"], error["field"]) == ("invalidArgument", "path")
    assert str(path) in error["message"]
    assert store_total(store) == (0, 0)


def test_a_missing_or_unknown_store_is_an_error(runner: CliRunner, tmp_path: Path) -> None:
    path = bare(tmp_path, apple(V14))
    result = run(runner, "import", "apple-health", path)
    assert result.exit_code == 1
    assert "no store given" in result.stderr
    result = run(runner, "import", "apple-health", path, "--store", tmp_path / "nowhere")
    assert result.exit_code == 1
    assert "no healthstore at" in result.stderr


def test_a_batch_must_be_positive(runner: CliRunner, tmp_path: Path) -> None:
    store = new_store(tmp_path / "store")
    path = bare(tmp_path, apple(V14))
    assert (
        run(runner, "import", "apple-health", path, "--store", store, "--batch", "0").exit_code == 2
    )
    assert store_total(store) == (0, 0)


def test_an_interrupted_import_keeps_whole_batches_and_says_how_to_finish(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = bare(tmp_path, apple(V8))
    store = new_store(tmp_path / "store")
    update = importer.ImportProgress.update

    def interrupt_after_two(self: importer.ImportProgress, state: Progress) -> None:
        update(self, state)
        if self.calls == 2:
            raise KeyboardInterrupt

    monkeypatch.setattr(importer.ImportProgress, "update", interrupt_after_two)
    result = run(runner, "import", "apple-health", path, "--store", store, "--batch", "500")
    assert result.exit_code == importer.INTERRUPTED_EXIT, result.output
    assert "interrupted" in result.stderr and "run the same command again" in result.stderr
    assert "Traceback" not in result.output
    kept = store_total(store)[0]
    assert 500 <= kept < 3352  # two batches were saved, then the rest never was

    monkeypatch.undo()
    again = json.loads(
        ok(runner, "import", "apple-health", path, "--store", store, "--json").stdout
    )
    assert again["counts"]["Record"] == {
        "added": 3352 - kept,
        "present": kept,
        "skipped": 0,
        "repaired": 0,
    }
    assert store_total(store)[0] == 3352


# --- several exports, damaged ones ----------------------------------------------------------------


def damaged_zip(tmp_path: Path) -> Path:
    """A zip of the V8 export whose compressed data is overwritten past its middle: reading
    breaks off after the first batches."""
    path = make_zip(tmp_path / "export.zip", {"export.xml": apple(V8)})
    data = bytearray(path.read_bytes())
    middle = len(data) * 3 // 4
    data[middle : middle + 64] = bytes(64)
    path.write_bytes(bytes(data))
    return path


def test_a_damaged_zip_says_what_was_saved_and_that_running_again_is_safe(
    runner: CliRunner, tmp_path: Path
) -> None:
    path = damaged_zip(tmp_path)
    store = new_store(tmp_path / "store")
    result = run(runner, "import", "apple-health", path, "--store", store, "--batch", "200")
    assert result.exit_code == 1, (result.stdout, result.stderr)
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and str(path) in lines[0]
    saved = store_total(store)[0]
    assert 0 < saved < 3352
    assert f"{saved:,} samples were saved" in lines[0] and "again is safe" in lines[0]
    # Running it again adds nothing twice: the store holds the same samples.
    run(runner, "import", "apple-health", path, "--store", store, "--batch", "200")
    assert store_total(store)[0] == saved


def test_several_exports_in_one_command(runner: CliRunner, tmp_path: Path) -> None:
    """Differential: two exports in one command give the store of importing them one by
    one, and one JSON document with a summary per path."""
    first, second = bare(tmp_path, apple(V8), "a"), bare(tmp_path, apple(V14), "b")
    together = new_store(tmp_path / "together")
    data = json.loads(
        ok(runner, "import", "apple-health", first, second, "--store", together, "--json").stdout
    )
    assert [d["path"] for d in data] == [str(first), str(second)]
    apart = new_store(tmp_path / "apart")
    for path in (first, second):
        ok(runner, "import", "apple-health", path, "--store", apart)
    assert store_total(together)[0] == store_total(apart)[0] > 0


def test_several_exports_give_one_summary_with_one_total(runner: CliRunner, tmp_path: Path) -> None:
    """The text of several exports is one table: each kind summed over the exports, one
    total row that equals the sum of the per-export JSON counts."""
    first, second = bare(tmp_path, apple(V8), "a"), bare(tmp_path, apple(V14), "b")
    each = []
    for path in (first, second):
        alone = new_store(tmp_path / f"alone-{path.parent.name}")
        each.append(
            json.loads(
                ok(runner, "import", "apple-health", path, "--store", alone, "--json").stdout
            )
        )
    store = new_store(tmp_path / "store")
    text = plain(
        ok(runner, "import", "apple-health", first, second, "--store", store, env=WIDE).stdout
    )
    totals = re.findall(r"│ total +│ ([\d,]+) +│", text)
    added = sum(c["added"] for summary in each for c in summary["counts"].values())
    assert totals == [f"{added:,}"]
    assert text.count("┃ element") == 2  # the counts, then the repairs of the one with any
    assert "from 2 exports" in text and str(second) in text


def test_an_export_with_nothing_to_import_exits_1(runner: CliRunner, tmp_path: Path) -> None:
    empty = bare(tmp_path, b'<?xml version="1.0"?>\n<HealthData locale="en_US">\n</HealthData>\n')
    store = new_store(tmp_path / "store")
    result = run(runner, "import", "apple-health", empty, "--store", store)
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == f"error: nothing could be imported from {empty}"
