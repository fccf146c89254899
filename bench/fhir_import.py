"""FHIR import: the three R4 Synthea bundles of ``../shared/data/fhir`` imported as clinical
records into a fresh store, against plain ``json.loads`` of the same files.

*Ours* covers reading the files, recognising the release, validating every R4 resource with
fhir.resources, mapping and saving; its rate counts the resources in the bundles (kept or
not) per second. The reference only parses the same bytes into Python objects, the floor of
any importer. Each side runs ``repeats`` times, the fastest counts.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

from common import ROOT, Result, rate, stopwatch, times
from healthstore import HealthStore

DATA = ROOT.parent / "shared" / "data" / "fhir"


def run(cache: Path, repeats: int = 3) -> tuple[list[Result], list[str]]:
    files = sorted(DATA.glob("r4-*.json"))
    if not files:
        return [], [f"FHIR import: skipped, no R4 bundles in {DATA}."]
    blobs = [f.read_bytes() for f in files]
    resources = sum(len(json.loads(b)["entry"]) for b in blobs)
    parsed = min(_time_parse(blobs) for _ in range(repeats))
    imported, records = min(_time_import(files, cache) for _ in range(repeats))
    return [
        Result(
            f"FHIR import, {len(files)} R4 bundles",
            rate(resources, imported),
            rate(resources, parsed),
            times(parsed, imported),
        )
    ], [
        f"FHIR import: {len(files)} Synthea R4 bundles, {resources:,} resources "
        f"({records:,} kept as clinical records), {sum(map(len, blobs)) / 1e6:.1f} MB; "
        "reference: json.loads of the same bytes. Fastest of 3."
    ]


def _time_parse(blobs: list[bytes]) -> float:
    with stopwatch() as elapsed:
        for blob in blobs:
            json.loads(blob)
    return elapsed()


def _time_import(files: list[Path], cache: Path) -> tuple[float, int]:
    cache.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="fhir-", dir=cache))
    try:
        with HealthStore.create(scratch / "store") as store, stopwatch() as elapsed:
            kept = 0
            for file in files:
                summary = store.import_fhir(file, source="Synthea General")
                if summary.skipped_total:
                    raise RuntimeError(f"{file.name}: {summary.skipped_total} skipped")
                kept += sum(summary.added.values())
        return elapsed(), kept
    finally:
        shutil.rmtree(scratch)
