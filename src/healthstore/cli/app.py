"""The root ``healthstore`` command: global options, sub-commands and error handling.

Every :class:`~healthstore.errors.HealthStoreError` raised by a command is caught here and
reported without a traceback, exit code 1 (see :func:`healthstore.cli.output.report_error`).
"""

from importlib.metadata import PackageNotFoundError, version
from typing import Annotated, Any

import typer
from typer._click.exceptions import UsageError  # typer's own copy of click
from typer.core import TyperGroup

from healthstore.cli import (
    add,
    apps,
    audit,
    backup,
    changes,
    delete,
    demo,
    export,
    fhir,
    owner,
    samples,
    serve,
    stats,
    stores,
    summary,
    types,
    units,
)
from healthstore.cli.importer import app as import_app
from healthstore.cli.options import PASSPHRASE_FILE, PASSPHRASE_FILE_ENV
from healthstore.cli.output import JSON_MODE, report_error
from healthstore.errors import HealthStoreError, InvalidArgument

_ARGS = "healthstore.args"


class _Root(TyperGroup):
    """The root group: every failure becomes one line (``error: …``, or the JSON error shape
    with ``--json``) and a non-zero exit: 1 for what the store or the system refused, 2 for
    a malformed command line. No traceback is printed."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        ctx.meta[_ARGS] = list(args)
        return super().parse_args(ctx, args)

    def invoke(self, ctx: Any) -> Any:  # a click Context (typer keeps its base class private)
        try:
            return super().invoke(ctx)
        except HealthStoreError as exc:
            report_error(exc, as_json=_json_wanted(ctx))
            raise typer.Exit(1) from None
        except UsageError as exc:
            param = getattr(exc, "param", None)  # set on BadParameter and its kind
            field = param.name if param is not None else None
            report_error(
                InvalidArgument(_one_line(exc.format_message()), field=field),
                as_json=_json_wanted(ctx),
            )
            raise typer.Exit(2) from None
        except OSError as exc:  # a file that cannot be read or written
            report_error(
                InvalidArgument(_one_line(str(exc)), field=None), as_json=_json_wanted(ctx)
            )
            raise typer.Exit(1) from None


def _json_wanted(ctx: Any) -> bool:
    """Whether the running command asked for ``--json`` (also when its options could not
    be parsed, so the error itself is JSON)."""
    if ctx.meta.get(JSON_MODE):
        return True
    words = ctx.meta.get(_ARGS, [])
    return "--json" in words[: words.index("--")] if "--" in words else "--json" in words


def _one_line(text: str) -> str:
    return " ".join(text.split())


app = typer.Typer(
    name="healthstore",
    cls=_Root,
    help="A private store for health and fitness data, with HealthKit's semantics.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_show_locals=False,
)


def installed_version() -> str:
    """The installed distribution's version (the package's own when not installed)."""
    try:
        return version("healthstore")
    except PackageNotFoundError:
        from healthstore import __version__

        return __version__


def _version(value: bool) -> None:
    if value:
        typer.echo(f"healthstore {installed_version()}")
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
app.command("delete")(delete.delete)
app.command("summary")(summary.summary)
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
