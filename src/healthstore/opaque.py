"""Records of types this version of healthstore does not know, kept as they were written.

Apple adds sample types with each iOS; an export from a newer phone holds Records whose
``type`` the catalogue lacks. They cannot become samples (no kind, no unit, no rules), yet
dropping them would lose the person's data. So such a Record is kept verbatim, attributes
and metadata entries as text in the order written, under a uuid derived from its content
like any imported sample: the person can see them, an Apple export written from the store
holds them again, and a later version that knows the type can import them properly. Apps
never read them (they have no type an app could be granted).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from uuid import UUID

Pairs = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class OpaqueRecord:
    """A Record of an unknown type: its uuid, type identifier, start (UTC microseconds,
    None when it has no readable one), attributes and metadata entries as written."""

    uuid: UUID
    type: str
    start_us: int | None
    attributes: Pairs
    metadata: Pairs = ()

    def element_json(self) -> str:
        """The stored form of the element's text (attributes and metadata)."""
        return json.dumps(
            {"attributes": list(self.attributes), "metadata": list(self.metadata)},
            ensure_ascii=False,
            separators=(",", ":"),
        )

    @classmethod
    def from_row(cls, uuid: bytes, type_: str, start_us: int | None, element: str) -> OpaqueRecord:
        data = json.loads(element)
        return cls(
            UUID(bytes=bytes(uuid)),
            type_,
            start_us,
            tuple((str(k), str(v)) for k, v in data["attributes"]),
            tuple((str(k), str(v)) for k, v in data["metadata"]),
        )


__all__ = ["OpaqueRecord"]
