"""What a save and an anchored query answer: save outcomes, deletions, changes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, NamedTuple
from uuid import UUID

from healthstore.catalogue import ObjectType
from healthstore.model.sample import Sample


@dataclass(frozen=True, slots=True)
class DeletedObject:
    """What remains of a deleted sample in the change feed: its uuid, type and sync
    identity."""

    uuid: UUID
    type: ObjectType
    metadata: Mapping[str, Any]


class SaveStatus(StrEnum):
    """What a save did with one object."""

    created = "created"
    duplicate = "duplicate"
    replaced = "replaced"
    ignored_older_version = "ignored_older_version"
    queued = "queued"  # accepted while the store is locked; merged at unlock


class SaveResult(NamedTuple):
    """The outcome of saving one object."""

    uuid: UUID
    status: SaveStatus


@dataclass(frozen=True, slots=True)
class Changes:
    """An anchored query's answer: samples added and objects deleted after an anchor."""

    added: list[Sample]
    deleted: list[DeletedObject]
    anchor: int
