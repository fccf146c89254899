"""``healthstore backup`` and ``healthstore restore``: the whole store in one file, and back."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from healthstore.cli.options import JsonOption, StoreOption, open_store, passphrase_for
from healthstore.cli.output import emit_json
from healthstore.errors import InvalidArgument
from healthstore.store import HealthStore


def backup(
    out: Annotated[Path, typer.Argument(metavar="OUT", help="The backup file to write (new).")],
    store: StoreOption = None,
    json_output: JsonOption = False,
) -> None:
    """Write a backup of the store: encrypted with the store's key when the store is."""
    with open_store(store) as hs:
        path = hs.backup(out.absolute())
        encrypted = hs.encrypted
    if json_output:
        emit_json({"backup": str(path), "encrypted": encrypted})
    else:
        typer.echo(f"wrote {path} ({'encrypted' if encrypted else 'NOT encrypted'})")


def restore(
    backup_file: Annotated[Path, typer.Argument(metavar="IN", help="A backup file.")],
    directory: Annotated[Path, typer.Argument(metavar="DIR", help="A new or empty directory.")],
    json_output: JsonOption = False,
) -> None:
    """Restore a backup into DIR (asking for, or reading, the passphrase it was made with)."""
    import tempfile
    import zipfile

    try:
        with zipfile.ZipFile(backup_file) as archive, tempfile.TemporaryDirectory() as scratch:
            archive.extract("store.json", scratch)
            passphrase = passphrase_for(Path(scratch))
    except (OSError, KeyError, zipfile.BadZipFile) as exc:
        raise InvalidArgument(
            f"{backup_file} is not a healthstore backup: {exc}", field="backup"
        ) from None
    with HealthStore.restore(backup_file, directory.absolute(), passphrase=passphrase) as hs:
        count = sum(int(row["count"]) for row in hs.summary())
    if json_output:
        emit_json({"store": str(directory.absolute()), "samples": count})
    else:
        typer.echo(f"restored {count:,} samples into {directory.absolute()}")
