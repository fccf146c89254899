"""Samples named by uuid, resolved among what the viewer may see.

A uuid identifies a sample within its source, so one uuid can name samples of several
sources. A reference (a uuid, and optionally the bundle id of its source) resolves, among
the rows the viewer's scope lets it see — never among others, so a hidden sample can
neither be found nor get in the way — to:

1. the sample of the named source, when the reference names one;
2. else the viewer's own sample (an app's, which is what it most likely means);
3. else the only visible sample with that uuid;
4. else nothing (no such sample), or, when samples of several sources match, an
   :class:`~healthstore.errors.InvalidArgument` naming them, so the caller can say which.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from uuid import UUID

from healthstore.errors import InvalidArgument
from healthstore.model import Sample, Source
from healthstore.storage.backend import Backend
from healthstore.storage.dimensions import Dimensions


@dataclass(frozen=True, slots=True)
class Ref:
    """A sample named by ``uuid``, of the source with bundle id ``source`` when given."""

    uuid: UUID
    source: str | None = None


def refs_to(
    items: Iterable[Sample | UUID | str], source: str | Source | None, objects_name_source: bool
) -> list[Ref]:
    """References to samples given as objects or uuids: ``source`` (a bundle id) names the
    source of each, except that, with ``objects_name_source``, a sample object with a
    source revision names its own."""
    bundle = source.bundle_id if isinstance(source, Source) else source
    out = []
    for i, item in enumerate(items):
        named = bundle
        if isinstance(item, Sample):
            uuid = item.uuid
            if objects_name_source and item.source_revision is not None:
                named = item.source_revision.source.bundle_id
        elif isinstance(item, UUID):
            uuid = item
        else:
            try:
                uuid = UUID(str(item))
            except ValueError:
                raise InvalidArgument(
                    f"objects[{i}]: {item!r} is not a UUID", field=f"objects[{i}]"
                ) from None
        out.append(Ref(uuid, named))
    return out


@dataclass(frozen=True, slots=True)
class Found:
    """A live sample a reference resolved to."""

    anchor: int
    source_id: int
    type_id: int


def visible_rows(
    backend: Backend,
    user_id: int,
    uuids: Sequence[UUID],
    visible: tuple[str, list[object]],
) -> dict[UUID, list[Found]]:
    """The live samples with these uuids that satisfy ``visible`` (a condition over the
    alias ``s``), by uuid."""
    sql, params = visible
    values = list(dict.fromkeys(u.bytes for u in uuids))
    out: dict[UUID, list[Found]] = defaultdict(list)
    for i in range(0, len(values), 500):
        chunk = values[i : i + 500]
        marks = ", ".join("?" * len(chunk))
        for anchor, raw, source_id, type_id in backend.query(
            "SELECT s.anchor, s.uuid, s.source_id, s.type_id FROM samples s "
            f"WHERE s.user_id = ? AND s.uuid IN ({marks}) AND ({sql})",
            [user_id, *chunk, *params],
        ):
            out[UUID(bytes=raw)].append(Found(anchor, source_id, type_id))
    return out


def choose(
    ref: Ref,
    candidates: Sequence[Found],
    dims: Dimensions,
    own_source: int | None,
    field: str,
) -> Found | None:
    """The sample ``ref`` names among the visible ``candidates`` (rules in the module
    docstring); None when there is none."""
    if ref.source is not None:
        wanted = dims.known_source_id(ref.source)
        return next((c for c in candidates if c.source_id == wanted), None)
    if own_source is not None:
        own = next((c for c in candidates if c.source_id == own_source), None)
        if own is not None:
            return own
    if len(candidates) <= 1:
        return candidates[0] if candidates else None
    names = sorted(dims.source(c.source_id).bundle_id for c in candidates)
    raise InvalidArgument(
        f"uuid {ref.uuid} names samples of several sources ({', '.join(names)}); "
        "say which with source=<bundle id>",
        field=field,
    )
