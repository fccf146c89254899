"""``healthstore apps``: register apps, answer their requests, and see what they did.

An app's token is printed by ``apps register`` and ``apps token`` only, the two commands that
create one; the store keeps just its hash, and no other output (nor any error) contains it.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from healthstore import catalogue
from healthstore.access.apps import App
from healthstore.access.manifest import CLINICAL_USAGE, SHARE_USAGE, UPDATE_USAGE, parse_manifest
from healthstore.access.visibility import history_bound
from healthstore.cli.options import JsonOption, StoreOption, open_store
from healthstore.cli.output import emit_json, note, table, when
from healthstore.errors import ErrorCode, HealthStoreError, InvalidArgument
from healthstore.storage.app_history import HistoryAccess
from healthstore.store import HealthStore
from healthstore.times import from_micros

app = typer.Typer(
    help="Register apps, answer their permission requests, and check what they use.",
    no_args_is_help=True,
)

BundleArgument = Annotated[
    str, typer.Argument(metavar="BUNDLE", help="The app's bundle id, e.g. com.example.steps.")
]
ReadOption = Annotated[
    list[str] | None,
    typer.Option("--read", metavar="T[,T...]", help="Types to read, comma-separated (repeatable)."),
]
ShareOption = Annotated[
    list[str] | None,
    typer.Option(
        "--share", metavar="T[,T...]", help="Types to share (write), comma-separated (repeatable)."
    ),
]

HistoryOption = Annotated[
    bool,
    typer.Option(
        "--history",
        help="Also the reading of data older than 30 days before the app was first let read.",
    ),
]

TOKEN_NOTE = (
    "This token is shown only this time: the store keeps only its hash. Give it to the app "
    "now; if it is lost, `healthstore apps token {bundle}` issues a new one (and the old one "
    "stops working)."
)

# What each usage description explains, in the order they are shown.
USAGE_ROLES = ((SHARE_USAGE, "read"), (UPDATE_USAGE, "write"), (CLINICAL_USAGE, "clinical"))


# --- helpers --------------------------------------------------------------------------------


def type_names(values: Iterable[str] | None) -> list[str]:
    """Option values split at commas, blanks dropped, order kept, duplicates removed."""
    names = (part.strip() for value in values or () for part in value.split(","))
    return list(dict.fromkeys(name for name in names if name))


def read_manifest(path: Path) -> str:
    """The manifest file's text (``-`` reads standard input)."""
    if str(path) == "-":
        return sys.stdin.read()
    try:
        return path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise InvalidArgument(f"cannot read manifest {path}: {reason}", field="manifest") from None


def app_json(a: App, access: HistoryAccess) -> dict[str, Any]:
    """An app in ``apps list``."""
    return {
        "bundle_id": a.bundle_id,
        "name": a.name,
        "entitlements": list(a.manifest.entitlements),
        "registered": a.created.isoformat(),
        "history": history_json(access),
    }


def history_json(access: HistoryAccess) -> dict[str, Any]:
    """Whether an app reads older data, and from when it reads others' data if not."""
    since = history_since(access)
    return {"granted": access.granted, "since": None if since is None else since.isoformat()}


def history_since(access: HistoryAccess) -> datetime | None:
    bound = history_bound(access)
    return None if bound is None else from_micros(bound)


def history_text(access: HistoryAccess) -> str:
    """``all`` (history granted, or nothing read yet) or ``from <date>``."""
    since = history_since(access)
    return "all" if since is None else f"from {since.date().isoformat()}"


def authorization_rows(
    decisions: Mapping[str, Mapping[str, str]], only: Iterable[str] | None = None
) -> list[dict[str, str | None]]:
    """``{"type", "read", "share"}`` per type (``None`` where the app did not ask)."""
    names = sorted(decisions) if only is None else list(dict.fromkeys(only))
    return [
        {
            "type": name,
            "read": decisions.get(name, {}).get("read"),
            "share": decisions.get(name, {}).get("share"),
        }
        for name in names
    ]


def print_authorizations(rows: list[dict[str, str | None]], caption: str | None = None) -> None:
    table(
        ("type", "read", "share"),
        ((str(r["type"]), r["read"] or "-", r["share"] or "-") for r in rows),
        caption=caption,
    )


def plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def usage_lines(usage: Mapping[str, str]) -> list[str]:
    """``read: <why>`` lines, one per usage description the manifest gives."""
    return [f"{role}: {usage[key]}" for key, role in USAGE_ROLES if usage.get(key)]


def short_names(names: Iterable[str]) -> list[str]:
    """Type names as the catalogue's short names (they were validated by the store)."""
    return list(dict.fromkeys(catalogue.object_type(name).short_name for name in names))


def print_token(bundle_id: str, token: str, headline: str) -> None:
    """A new token in the text form, with the note on stderr (JSON callers print their own)."""
    typer.echo(headline)
    typer.echo(f"token: {token}")
    note(TOKEN_NOTE.format(bundle=bundle_id))


# --- commands -------------------------------------------------------------------------------


@app.command("register")
def register(
    manifest: Annotated[
        Path,
        typer.Argument(metavar="MANIFEST", help="The app's manifest (JSON file; - for stdin)."),
    ],
    store: StoreOption = None,
    json_output: JsonOption = False,
) -> None:
    """Validate MANIFEST and register the app; print its token, this once."""
    parsed = parse_manifest(read_manifest(manifest))
    with open_store(store) as hs:
        token = hs.register_app(parsed)
    if json_output:
        emit_json({"bundle_id": parsed.bundle_id, "name": parsed.name, "token": token})
        note(TOKEN_NOTE.format(bundle=parsed.bundle_id))
        return
    print_token(parsed.bundle_id, token, f"registered {parsed.bundle_id} ({parsed.name})")


@app.command("list")
def list_apps(store: StoreOption = None, json_output: JsonOption = False) -> None:
    """List the registered apps."""
    with open_store(store) as hs:
        found = [(a, hs.history_access(a.bundle_id)) for a in hs.apps()]
    if json_output:
        emit_json({"apps": [app_json(a, h) for a, h in found]})
        return
    table(
        ("bundle id", "name", "entitlements", "registered", "history"),
        (
            (
                a.bundle_id,
                a.name,
                ", ".join(a.manifest.entitlements),
                when(a.created),
                history_text(h),
            )
            for a, h in found
        ),
        caption=plural(len(found), "app"),
    )


@app.command("show")
def show(
    bundle: BundleArgument, store: StoreOption = None, json_output: JsonOption = False
) -> None:
    """Show an app's manifest and the person's decisions on what it asked for."""
    with open_store(store) as hs:
        found = hs.app_info(bundle)
        rows = authorization_rows(hs.authorizations(bundle))
        access = hs.history_access(bundle)
    m = found.manifest
    if json_output:
        emit_json(
            {
                **m.to_json(),
                "registered": found.created.isoformat(),
                "authorizations": rows,
                "history": history_json(access),
            }
        )
        return
    typer.echo(f"bundle id:      {m.bundle_id}")
    typer.echo(f"name:           {m.name}")
    typer.echo(f"registered:     {when(found.created)}")
    typer.echo(f"entitlements:   {', '.join(m.entitlements)}")
    typer.echo(f"purposes:       {', '.join(m.purposes) or '-'}")
    typer.echo(f"privacy policy: {m.privacy_policy_url or '-'}")
    typer.echo(f"history:        {history_text(access)}")
    typer.echo("usage descriptions:")
    for key, text in m.usage_descriptions.items():
        typer.echo(f"  {key}: {text}")
    if not m.usage_descriptions:
        typer.echo("  -")
    print_authorizations(rows, f"{plural(len(rows), 'type')} asked for")


@app.command("token")
def token(
    bundle: BundleArgument, store: StoreOption = None, json_output: JsonOption = False
) -> None:
    """Issue a new token for an app; the old one stops working at once."""
    with open_store(store) as hs:
        new = hs.renew_app_token(bundle)
    if json_output:
        emit_json({"bundle_id": bundle, "token": new})
        note(TOKEN_NOTE.format(bundle=bundle))
        return
    print_token(bundle, new, f"new token for {bundle} (the old one no longer works)")


@app.command("remove")
def remove(
    bundle: BundleArgument,
    delete_data: Annotated[
        bool, typer.Option("--delete-data", help="Also delete every sample the app saved.")
    ] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    store: StoreOption = None,
    json_output: JsonOption = False,
) -> None:
    """Unregister an app: its token and permissions go; its samples stay unless
    --delete-data."""
    with open_store(store) as hs:
        found = hs.app_info(bundle)
        if not yes:
            what = (
                "and DELETE every sample it saved"
                if delete_data
                else "(its samples stay in the store)"
            )
            try:
                confirmed = typer.confirm(
                    f"Remove {found.bundle_id} ({found.name}) {what}?", default=False, err=True
                )
            except typer.Abort:  # end of input or Ctrl-C: end the prompt's line
                typer.echo(err=True)
                confirmed = False
            if not confirmed:
                raise HealthStoreError(
                    f"cancelled: {bundle} was not removed", code=ErrorCode.userCanceled
                )
        deleted = hs.remove_app(bundle, delete_data=delete_data)
    if json_output:
        emit_json({"bundle_id": bundle, "deleted": deleted})
        return
    kept = "" if delete_data else "; its samples stay in the store"
    typer.echo(f"removed {bundle}; deleted {deleted} samples{kept}")


@app.command("requests")
def requests(store: StoreOption = None, json_output: JsonOption = False) -> None:
    """List what apps asked for that has not been answered yet."""
    with open_store(store) as hs:
        pending = hs.pending_requests()
    if json_output:
        emit_json(
            {
                "requests": [
                    {
                        "bundle_id": r.bundle_id,
                        "name": r.name,
                        "read": list(r.read),
                        "share": list(r.share),
                        "usage_descriptions": dict(r.usage_descriptions),
                    }
                    for r in pending
                ]
            }
        )
        return
    table(
        ("app", "read", "share", "why"),
        (
            (
                f"{r.bundle_id}\n{r.name}",
                ", ".join(r.read) or "-",
                ", ".join(r.share) or "-",
                "\n".join(usage_lines(r.usage_descriptions)) or "-",
            )
            for r in pending
        ),
    )
    if pending:
        typer.echo(
            f"{plural(len(pending), 'app')} waiting for an answer "
            "(answer with `healthstore apps grant` or `healthstore apps deny`)"
        )
    else:
        typer.echo("no requests waiting for an answer")


def _decide(
    operation: Callable[..., object],  # HealthStore.grant, .deny or .revoke
    done: str,
    bundle: str,
    read: list[str] | None,
    share: list[str] | None,
    store: str | None,
    json_output: bool,
    history: bool = False,
) -> None:
    read_names, share_names = type_names(read), type_names(share)
    with open_store(store) as hs:
        extra = {"history": True} if history else {}  # deny has no history
        operation(hs, bundle, read=read_names, share=share_names, **extra)
        decisions = hs.authorizations(bundle)
        access = hs.history_access(bundle)
    rows = authorization_rows(decisions, short_names([*read_names, *share_names]))
    if json_output:
        told = {"history": history_json(access)} if history else {}
        emit_json({"bundle_id": bundle, "authorizations": rows, **told})
        return
    if rows:
        typer.echo(f"{done} {bundle}; the types named now stand as follows:")
        print_authorizations(rows)
    if history:
        typer.echo(f"{bundle} reads history: {history_text(access)}")


@app.command("grant")
def grant(
    bundle: BundleArgument,
    read: ReadOption = None,
    share: ShareOption = None,
    history: HistoryOption = False,
    store: StoreOption = None,
    json_output: JsonOption = False,
) -> None:
    """Allow an app to read and/or write types it asked for; --history lets it read data
    older than 30 days before it was first let read."""
    _decide(HealthStore.grant, "granted to", bundle, read, share, store, json_output, history)


@app.command("deny")
def deny(
    bundle: BundleArgument,
    read: ReadOption = None,
    share: ShareOption = None,
    store: StoreOption = None,
    json_output: JsonOption = False,
) -> None:
    """Refuse an app types it asked for."""
    _decide(HealthStore.deny, "denied to", bundle, read, share, store, json_output)


@app.command("revoke")
def revoke(
    bundle: BundleArgument,
    read: ReadOption = None,
    share: ShareOption = None,
    history: HistoryOption = False,
    store: StoreOption = None,
    json_output: JsonOption = False,
) -> None:
    """Withdraw permissions granted before (they become denied); --history withdraws the
    reading of older data."""
    _decide(HealthStore.revoke, "revoked from", bundle, read, share, store, json_output, history)


@app.command("report")
def report(
    bundle: BundleArgument,
    days: Annotated[
        int, typer.Option(min=1, metavar="N", help="Look at the last N days of use.")
    ] = 30,
    store: StoreOption = None,
    json_output: JsonOption = False,
) -> None:
    """Types an app asked for against those it used: the over-request check."""
    with open_store(store) as hs:
        found = hs.app_report(bundle, days)
    if json_output:
        emit_json(found.to_json())
        return
    requested, used = set(found.requested), set(found.used)
    table(
        ("type", "requested", "used"),
        (
            (name, "yes" if name in requested else "no", "yes" if name in used else "no")
            for name in sorted(requested | used)
        ),
    )
    typer.echo(
        f"{found.bundle_id}, last {found.days} days: {len(found.requested)} requested, "
        f"{len(found.used)} used, {len(found.unused)} unused"
        + (f": {', '.join(found.unused)}" if found.unused else "")
    )
