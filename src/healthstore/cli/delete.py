"""``healthstore delete TYPE``: remove samples, by uuid or by time and source.

Deleting cannot be undone (the change feed keeps only tombstones), so on a terminal the
command asks first; elsewhere it needs ``--yes``.
"""

from __future__ import annotations

from typing import Annotated

import typer

from healthstore.catalogue import ObjectType
from healthstore.cli.options import (
    EndOption,
    JsonOption,
    StartOption,
    StoreOption,
    instant,
    on_terminal,
    open_store,
)
from healthstore.cli.output import emit_json
from healthstore.errors import InvalidArgument
from healthstore.query import predicates as p
from healthstore.store import HealthStore
from healthstore.store.view import sample_type, window


def delete(
    type_name: Annotated[str, typer.Argument(metavar="TYPE", help="Type, e.g. stepCount.")],
    store: StoreOption = None,
    uuid: Annotated[
        list[str] | None,
        typer.Option("--uuid", metavar="UUID", help="Delete this sample (repeatable)."),
    ] = None,
    start: StartOption = None,
    end: EndOption = None,
    source: Annotated[
        str | None,
        typer.Option(metavar="BUNDLE_ID", help="Only samples from this source."),
    ] = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    json_output: JsonOption = False,
) -> None:
    """Delete samples of TYPE: those named by --uuid, or those in [--start, --end) (and
    from --source); with none of these, every sample of TYPE.

    Asks for confirmation on a terminal; without one, --yes is required.
    """
    t = sample_type(type_name)
    if uuid and (start is not None or end is not None):
        raise InvalidArgument("give --uuid, or --start/--end, not both", field="uuid")
    what = describe(t.short_name, uuid, start, end, source)
    if not yes and not on_terminal():
        raise InvalidArgument(
            f"delete asks for confirmation on a terminal: pass --yes to delete {what}",
            field="yes",
        )
    with open_store(store) as hs:
        if uuid:
            wanted = [_uuid_text(u) for u in uuid]
            _check_uuids(hs, t, wanted, source)
        if not yes:
            typer.confirm(f"Delete {what}? This cannot be undone", abort=True, err=True)
        if uuid:
            count = hs.delete(wanted, source=source)
        else:
            predicate = window(
                p.from_sources(source) if source else None,
                instant(start, "start"),
                instant(end, "end"),
            )
            count = hs.delete(type=t, predicate=predicate)
    if json_output:
        emit_json({"deleted": count, "type": t.short_name})
    else:
        typer.echo(f"deleted {count:,} {t.short_name} sample{'' if count == 1 else 's'}")


def _check_uuids(hs: HealthStore, t: ObjectType, uuids: list[str], source: str | None) -> None:
    """Every uuid names a sample of ``t`` (of ``source`` when given): ``delete heartRate``
    never deletes a sample of another type."""
    narrowed = p.uuids(*uuids)
    found = hs.samples(t, p.all_of(narrowed, p.from_sources(source)) if source else narrowed)
    known = {str(s.uuid) for s in found}
    for u in uuids:
        if u not in known:
            raise InvalidArgument(
                f"no {t.short_name} sample has uuid {u}" + (f" in {source}" if source else ""),
                field="uuid",
            )


def describe(
    type_name: str, uuids: list[str] | None, start: str | None, end: str | None, source: str | None
) -> str:
    """The selection in words, for the confirmation and the refusal."""
    if uuids:
        what = f"{len(uuids)} {type_name} sample{'' if len(uuids) == 1 else 's'} by uuid"
    elif start is None and end is None:
        what = f"every {type_name} sample"
    else:
        what = f"the {type_name} samples" + (f" from {start}" if start else "")
        what += f" until {end}" if end else ""
    return what + (f" of {source}" if source else "")


def _uuid_text(text: str) -> str:
    """A uuid option checked early, so the error names the option."""
    from uuid import UUID

    try:
        return str(UUID(text))
    except ValueError:
        raise InvalidArgument(f"--uuid {text!r} is not a uuid", field="uuid") from None
