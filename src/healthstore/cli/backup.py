"""``healthstore backup`` and ``healthstore restore``: the whole store in one file, and back."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from healthstore.cli.options import (
    PASSPHRASE_FILE,
    JsonOption,
    StoreOption,
    ask_passphrase,
    open_store,
    passphrase_for,
    store_path,
)
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


def change_passphrase(
    store: StoreOption = None,
    new_passphrase_file: Annotated[
        Path | None,
        typer.Option(
            "--new-passphrase-file", metavar="F", help="A file whose first line is the new one."
        ),
    ] = None,
) -> None:
    """Re-encrypt an encrypted store under a new passphrase (the same one again rotates the
    key). The current passphrase is read as for every command."""
    path = store_path(store)
    old = passphrase_for(path)
    if old is None:
        raise InvalidArgument(f"the store at {path} is not encrypted", field="store")
    new = ask_passphrase(
        new_passphrase_file,
        "New passphrase",
        "give the new passphrase with --new-passphrase-file F, or run from a terminal",
        confirm=True,
    )
    with HealthStore.open(path, passphrase=old) as hs:
        hs.change_passphrase(old, new)
    typer.echo(f"the store at {path} is now encrypted under the new passphrase")


UrlOption = Annotated[str, typer.Option("--url", metavar="URL", help="The running server.")]


def _post(url: str, action: str) -> dict[str, object]:
    import httpx

    from healthstore.client.errors import error_from_json

    passphrase = ask_passphrase(
        PASSPHRASE_FILE.get(),
        "Passphrase",
        "give the store's passphrase with --passphrase-file F, or run from a terminal",
    )
    try:
        answer = httpx.post(
            f"{url.rstrip('/')}/v1/store/{action}", json={"passphrase": passphrase}, timeout=120
        )
    except httpx.HTTPError as exc:
        raise InvalidArgument(f"cannot reach {url}: {type(exc).__name__}", field="url") from None
    if not answer.is_success:
        raise error_from_json(answer.json(), answer.status_code)
    data: dict[str, object] = answer.json()
    return data


def lock(url: UrlOption = "http://127.0.0.1:8765", json_output: JsonOption = False) -> None:
    """Lock a running server's encrypted store: reads answer 423 until it is unlocked;
    uploads are sealed into the journal."""
    data = _post(url, "lock")
    if json_output:
        emit_json(data)
    else:
        typer.echo(f"locked the store served at {url}")


def unlock(url: UrlOption = "http://127.0.0.1:8765", json_output: JsonOption = False) -> None:
    """Unlock a running server's store and merge what was written while it was locked."""
    data = _post(url, "unlock")
    if json_output:
        emit_json(data)
    else:
        typer.echo(f"unlocked the store served at {url}; merged {data.get('merged', 0)} samples")
