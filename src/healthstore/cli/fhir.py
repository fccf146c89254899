"""``healthstore import fhir``, ``connect fhir``, ``import cda`` and ``import shc``: clinical
records from files or a provider's FHIR server, CDA documents, SMART Health Cards."""

from __future__ import annotations

import sys
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Annotated

import typer

from healthstore.cli.options import JsonOption, StoreOption, open_store
from healthstore.cli.output import emit_json, note, table
from healthstore.cli.shc import item_label, join_chunks
from healthstore.errors import InvalidArgument
from healthstore.imports.fhir import FhirImportSummary

SKIPS_SHOWN = 10

SourceOption = Annotated[
    str,
    typer.Option("--source", metavar="NAME", help="The institution the records come from."),
]
SourceUrlOption = Annotated[
    str | None, typer.Option("--source-url", metavar="URL", help="The institution's address.")
]
ReleaseOption = Annotated[
    str | None,
    typer.Option(
        "--release", metavar="DSTU2|R4", help="The FHIR release (default: recognised per file)."
    ),
]


def print_fhir_summary(summary: FhirImportSummary) -> None:
    """Per clinical type: added, updated, unchanged; then what was left out."""
    names = sorted({*summary.added, *summary.updated, *summary.unchanged})
    rows = [
        (
            name,
            f"{summary.added[name]:,}",
            f"{summary.updated[name]:,}",
            f"{summary.unchanged[name]:,}",
        )
        for name in names
    ]
    table(("record type", "added", "updated", "unchanged"), rows, caption=f"from {summary.source}")
    if summary.not_kept:
        kept_out = ", ".join(f"{k} {v:,}" for k, v in sorted(summary.not_kept.items()))
        typer.echo(f"not clinical records (left out): {kept_out}")
    if summary.skips:
        shown = summary.skips[:SKIPS_SHOWN]
        table(
            ("where", "reason"),
            ((s.where, s.reason) for s in shown),
            caption=f"{len(shown)} of {summary.skipped_total:,} skipped",
        )
    else:
        typer.echo("nothing skipped")


def import_fhir(
    paths: Annotated[
        list[str],
        typer.Argument(
            metavar="PATH...",
            help="Bundles, resources, or folders of them; '-' reads one from standard input.",
        ),
    ],
    source: SourceOption,
    source_url: SourceUrlOption = None,
    release: ReleaseOption = None,
    patient: Annotated[
        str | None,
        typer.Option(
            "--patient", metavar="ID", help="Import only this Patient's resources (its FHIR id)."
        ),
    ] = None,
    store: StoreOption = None,
    json_output: JsonOption = False,
) -> None:
    """Import FHIR resources as clinical records of the institution NAME.

    Importing again updates changed records and never duplicates them. Input about several
    patients is imported with a warning naming them; --patient picks one. Exits 1 when
    nothing could be imported.
    """
    with TemporaryDirectory() as spool, open_store(store) as hs:
        files = [_stdin_file(Path(spool)) if path == "-" else Path(path) for path in paths]
        summary = hs.import_fhir(
            files, source=source, source_url=source_url, release=release, patient=patient
        )
    if json_output:
        emit_json(summary.to_json())
    else:
        print_fhir_summary(summary)
    if len(summary.patients) > 1:
        names = "; ".join(f"{x['name']} ({x['id']})" for x in summary.patients)
        note(
            f"warning: the input is about {len(summary.patients)} patients, all imported as "
            f"this store's person: {names}; use --patient ID to import one"
        )
    if not any(c.total() for c in (summary.added, summary.updated, summary.unchanged)):
        note("error: nothing could be imported")
        raise typer.Exit(1)


def _stdin_file(spool: Path) -> Path:
    """Standard input, saved as ``stdin.json`` (the name its skipped items are listed by)."""
    target = spool / "stdin.json"
    if target.exists():
        raise InvalidArgument("'-' (standard input) can be given once", field="path")
    target.write_bytes(sys.stdin.buffer.read())
    return target


connect_app = typer.Typer(help="Download records from a provider.", no_args_is_help=True)


@connect_app.command("fhir")
def connect_fhir(
    base_url: Annotated[str, typer.Argument(metavar="BASE_URL", help="The FHIR server's base.")],
    source: SourceOption,
    patient: Annotated[
        str | None, typer.Option("--patient", metavar="ID", help="The patient's FHIR id.")
    ] = None,
    token: Annotated[
        str | None,
        typer.Option(
            "--token",
            metavar="TOKEN",
            envvar="HEALTHSTORE_FHIR_TOKEN",
            show_envvar=True,
            help="A bearer token for the server (used for this download, never stored).",
        ),
    ] = None,
    release: ReleaseOption = None,
    store: StoreOption = None,
    json_output: JsonOption = False,
) -> None:
    """Download the patient's clinical records from a FHIR server as records of NAME.

    Every resource type kept as a clinical record is searched, page by page. Downloading
    again updates changed records and never duplicates them.
    """
    with open_store(store) as hs:
        summary = hs.connect_fhir(
            base_url, source=source, patient=patient, token=token, release=release
        )
    if json_output:
        emit_json(summary.to_json())
    else:
        print_fhir_summary(summary)


def import_cda(
    files: Annotated[list[Path], typer.Argument(metavar="FILE...", help="CDA XML documents.")],
    source: SourceOption,
    store: StoreOption = None,
    json_output: JsonOption = False,
) -> None:
    """Import HL7 C-CDA documents as the institution NAME's.

    Title, patient, author and custodian are read from each document's header; importing a
    file again finds it already present.
    """
    with open_store(store) as hs:
        results = hs.import_cda(files, source=source)
    if json_output:
        emit_json([r.to_json() for r in results])
        return
    table(
        ("file", "status", "title", "reason"),
        ((r.file, r.status, r.title or "", r.reason or "") for r in results),
    )


def _items(items: tuple[str, ...] | list[str]) -> str:
    return ", ".join(map(item_label, items))


def import_shc(
    cards: Annotated[
        list[str],
        typer.Argument(
            metavar="FILE|TEXT...",
            help=".smart-health-card files, files or text holding a JWS or shc:/ QR text "
            "(a QR code's chunks may be given one per file or argument).",
        ),
    ],
    trusted_issuers: Annotated[
        str,
        typer.Option(
            "--trusted-issuers",
            metavar="PATH|URL",
            help="A JWKS file, a folder with jwks.json and crl-*.json, or an issuer URL.",
        ),
    ],
    store: StoreOption = None,
    json_output: JsonOption = False,
) -> None:
    """Verify SMART Health Cards and keep those that verify.

    Exits 1 when any card was refused (tampered, unknown issuer, expired, revoked).
    """
    with TemporaryDirectory() as spool, open_store(store) as hs:
        inputs = join_chunks(cards, Path(spool))
        results = hs.import_smart_health_cards(inputs, trusted_issuers=trusted_issuers)
    if json_output:
        emit_json([r.to_json() for r in results])
    else:
        table(
            ("card", "status", "subject / check", "items / reason"),
            (
                (
                    r.input,
                    r.status,
                    (r.check or "") if r.status == "refused" else (r.subject_name or ""),
                    (r.reason or "")
                    if r.status == "refused"
                    else ", ".join(map(item_label, r.items)),
                )
                for r in results
            ),
        )
    if any(r.status == "refused" for r in results):
        raise typer.Exit(1)
