"""The root ``healthstore`` command: global options, sub-commands and error handling.

Every :class:`~healthstore.errors.HealthStoreError` raised by a command is caught here and
reported without a traceback, exit code 1 (see :func:`healthstore.cli.output.report_error`).
"""

from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from healthstore import __version__
from healthstore.cli import (
    add,
    apps,
    audit,
    backup,
    changes,
    demo,
    export,
    fhir,
    owner,
    samples,
    serve,
    stats,
    stores,
    types,
    units,
)
from healthstore.cli.importer import app as import_app
from healthstore.cli.options import PASSPHRASE_FILE, PASSPHRASE_FILE_ENV
from healthstore.cli.output import JSON_MODE, report_error
from healthstore.errors import HealthStoreError


class _Root(TyperGroup):
    """The root group: turns library errors into a message and exit code 1."""

    def invoke(self, ctx: Any) -> Any:  # a click Context (typer keeps its base class private)
        try:
            return super().invoke(ctx)
        except HealthStoreError as exc:
            report_error(exc, as_json=bool(ctx.meta.get(JSON_MODE)))
            raise typer.Exit(1) from None


app = typer.Typer(
    name="healthstore",
    cls=_Root,
    help="A private store for health and fitness data, with HealthKit's semantics.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_show_locals=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"healthstore {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Show the version."),
    ] = False,
    passphrase_file: Annotated[
        str | None,
        typer.Option(
            "--passphrase-file",
            metavar="F",
            envvar=PASSPHRASE_FILE_ENV,
            show_envvar=True,
            help="A file whose first line is the passphrase of an encrypted store.",
        ),
    ] = None,
) -> None:
    """A private store for health and fitness data, with HealthKit's semantics."""
    PASSPHRASE_FILE.set(passphrase_file)  # read where stores are opened


_NEGATIVE_NUMBERS = {"ignore_unknown_options": True}

app.command("init")(stores.init)
app.command("add", context_settings=_NEGATIVE_NUMBERS)(add.add)
app.command("samples")(samples.samples)
sources_app = typer.Typer(help="The sources (apps and devices) that wrote samples.")
sources_app.command("list")(samples.sources)
sources_app.command("priority")(stats.priority)
app.add_typer(sources_app, name="sources")
app.command("stats")(stats.stats)
app.command("changes")(changes.changes)
app.command("types")(types.types)
app.add_typer(units.app, name="units")
demo.app.command("export")(export.demo_export)
app.add_typer(demo.app, name="demo")
app.add_typer(export.app, name="export")
app.add_typer(apps.app, name="apps")
import_app.command("fhir")(fhir.import_fhir)
import_app.command("cda")(fhir.import_cda)
import_app.command("shc")(fhir.import_shc)
app.add_typer(import_app, name="import")
app.add_typer(fhir.connect_app, name="connect")
app.command("audit")(audit.audit)
app.command("serve")(serve.serve)
app.add_typer(owner.app, name="owner")
app.command("backup")(backup.backup)
app.command("restore")(backup.restore)
app.command("change-passphrase")(backup.change_passphrase)
app.command("lock")(backup.lock)
app.command("unlock")(backup.unlock)


def main() -> None:
    """Console-script entry point."""
    app(prog_name="healthstore")
