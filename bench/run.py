"""Run the benchmarks and print one table: ``python bench/run.py [--samples N]``.

Each figure is measured next to a bare-sqlite3 reference in the same run; see
bench/README.md for what is measured and why.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path

import apple_import
import bulk_save
import day_query
import encryption
import fhir_import
import page_size
import privacy_timing
import report
import stats
import upload
from common import ROOT, Result, machine

FULL_SAVE = 1_000_000
FULL_STORE = 10_000_000


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--samples",
        type=int,
        default=FULL_STORE,
        help="samples in the day-query store; the save benchmark writes at most this many "
        f"(default {FULL_STORE:,})",
    )
    parser.add_argument(
        "--save-samples", type=int, help=f"samples to save (default min({FULL_SAVE:,}, N))"
    )
    parser.add_argument("--batch", type=int, default=10_000, help="samples per save call")
    parser.add_argument("--days", type=int, default=200, help="random days to query")
    parser.add_argument(
        "--seed", type=int, default=1, help="seed for picking the days and live saves"
    )
    parser.add_argument(
        "--only",
        choices=(
            "save",
            "query",
            "stats",
            "import",
            "upload",
            "fhir",
            "encryption",
            "pages",
            "privacy",
        ),
        help="run one benchmark (or group)",
    )
    parser.add_argument(
        "--stats-years",
        type=float,
        default=stats.FULL_YEARS,
        help="years of steps in the statistics store; the heart-rate store holds at most one "
        f"(default {stats.FULL_YEARS:g})",
    )
    parser.add_argument(
        "--stats-repeats", type=int, default=5, help="timed runs of each statistics query"
    )
    parser.add_argument(
        "--live-saves", type=int, default=200, help="saves timed for the live update"
    )
    parser.add_argument(
        "--import-records",
        type=int,
        default=apple_import.FULL_RECORDS,
        help="Records in the generated Apple Health export "
        f"(default {apple_import.FULL_RECORDS:,})",
    )
    parser.add_argument(
        "--page-samples",
        type=int,
        default=1_000_000,
        help="samples saved per store by the page-size comparison (default 1,000,000)",
    )
    parser.add_argument(
        "--upload-samples",
        type=int,
        default=upload.FULL_SAMPLES,
        help=f"samples uploaded over HTTP (default {upload.FULL_SAMPLES:,})",
    )
    parser.add_argument(
        "--hidden",
        type=int,
        default=privacy_timing.FULL_HIDDEN,
        help=f"hidden samples in the privacy-timing store (default {privacy_timing.FULL_HIDDEN:,})",
    )
    parser.add_argument(
        "--rebuild", action="store_true", help="rebuild the cached stores and export"
    )
    parser.add_argument(
        "--cache", type=Path, default=ROOT / "var" / "bench", help="where stores are kept"
    )
    parser.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    return parser.parse_args()


def run_save(args: argparse.Namespace, count: int) -> tuple[list[Result], str]:
    """The bulk-save benchmark, in a scratch folder removed afterwards."""
    args.cache.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="save-", dir=args.cache))
    try:
        return bulk_save.run(count, args.batch, scratch)
    finally:
        shutil.rmtree(scratch)


def notes(save_count: int, store_size: int) -> list[str]:
    """What every table needs said under it."""
    out = [
        "ratio = ours / reference: for rates, below 1× means slower than the reference; "
        "for latencies, above 1× means slower."
    ]
    if save_count < FULL_SAVE or store_size < FULL_STORE:
        out.append(
            f"Scaled-down run: the goals are set for {FULL_SAVE:,} saved samples and a "
            f"{FULL_STORE:,}-sample store."
        )
    return out


def main() -> None:
    args = parse_args()
    save_count = args.save_samples or min(FULL_SAVE, args.samples)
    results: list[Result] = []
    described: list[str] = []
    if args.only in (None, "save"):
        rows, what = run_save(args, save_count)
        results += rows
        described.append(what)
    if args.only in (None, "query"):
        spec = day_query.StoreSpec(args.samples, args.batch)
        rows, what = day_query.run(spec, args.cache, args.days, args.rebuild, args.seed)
        results += rows
        described.append(what)
    if args.only in (None, "stats"):
        settings = stats.Settings(args.stats_years, args.stats_repeats, args.live_saves, args.batch)
        rows, lines = stats.run(settings, args.cache, args.rebuild, args.seed)
        results += rows
        described += lines
    if args.only in (None, "import"):
        rows, lines = apple_import.run(args.import_records, args.cache, args.rebuild)
        results += rows
        described += lines
    if args.only in (None, "upload"):
        args.cache.mkdir(parents=True, exist_ok=True)
        scratch = Path(tempfile.mkdtemp(prefix="upload-", dir=args.cache))
        try:
            rows, lines = upload.run(args.upload_samples, scratch)
        finally:
            shutil.rmtree(scratch)
        results += rows
        described += lines
    if args.only in (None, "encryption"):
        rows, lines = encryption.run(args.cache)
        results += rows
        described += lines
    if args.only in (None, "fhir"):
        rows, lines = fhir_import.run(args.cache)
        results += rows
        described += lines
    if args.only in (None, "pages"):
        rows, lines = page_size.run(args.page_samples, args.cache)
        results += rows
        described += lines
    if args.only in (None, "privacy"):
        rows, lines = privacy_timing.run(args.hidden, args.cache)
        results += rows
        described += lines
    info = machine()
    extra = described + notes(save_count, args.samples)
    if args.markdown:
        print(report.markdown(results, info, extra))
    else:
        report.show(results, info, extra)


if __name__ == "__main__":
    main()
