"""Fields of an export that do not read, repaired so that they cost themselves only.

Real exports hold fields the format does not foresee: a ``device`` that is a bare name
written by another app (``device="Dummy device"``), a metadata value in a spelling nobody
documented. Rejecting the element for them would lose a whole record, or a workout with its
routes. Instead the field is kept in the most faithful form the model allows and the repair
is described, so the import summary can say what was done where. Repair texts name fields,
never health values.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

from healthstore.errors import HealthStoreError
from healthstore.interop.apple.values import parse_device, parse_metadata_value
from healthstore.model import Device

AS_WRITTEN: Final = " (as written)"
"""Appended to a HealthKit metadata key whose value did not read: the text is kept under
this key (the model holds only a value of the key's own kind under the key itself), and an
export written back restores the original key."""


def read_device(text: str) -> tuple[Device | None, str | None]:
    """The device a ``device`` attribute describes, and the repair made (or None).

    Apple writes ``<<HKDevice: 0x…>, name:…, …>``; any other non-empty text is kept as a
    device with that text (trimmed) as its name."""
    try:
        return parse_device(text), None
    except HealthStoreError:
        pass
    name = text.strip()
    try:
        device = Device(name=name)
    except HealthStoreError:
        return None, "device: the text is not a device description and was left out"
    return device, f"device {_shown(name)} is not an HKDevice description: kept as its name"


def repaired_metadata(
    entries: Sequence[tuple[str | None, str | None]], repairs: list[str] | None
) -> dict[str, Any]:
    """Metadata from ``MetadataEntry`` (key, value) pairs, values read by their key. A
    value that does not read raises, or with ``repairs`` is kept as text under the key with
    :data:`AS_WRITTEN` appended, and the repair appended to ``repairs``."""
    out: dict[str, Any] = {}
    for key, value in entries:
        if not key:
            continue
        try:
            out[key] = parse_metadata_value(key, value or "")
        except HealthStoreError:
            if repairs is None:
                raise
            kept = key + AS_WRITTEN
            out[kept] = value or ""
            repairs.append(
                f"metadata {_shown(key)}: the value is not understood; kept as text "
                f"under {_shown(kept)}"
            )
    return out


def written_key(key: str) -> str:
    """The key an export writes for a stored metadata key (a repaired key loses its mark)."""
    return key.removesuffix(AS_WRITTEN)


def _shown(text: str) -> str:
    """Text quoted for a repair description, escaped and cut short."""
    return repr(text[:60] + ("…" if len(text) > 60 else ""))


__all__ = ["AS_WRITTEN", "read_device", "repaired_metadata", "written_key"]
