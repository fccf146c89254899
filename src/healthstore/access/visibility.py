"""The one visibility filter: every read an app makes passes through :func:`app_scope`.

For each type, an app sees every sample when the person let it read that type, and
otherwise only the samples it wrote itself. The same rule covers tombstones in the change
feed, sources, workout associations and correlation members, so an app refused reading
cannot tell "denied" from "no data" through any door.
"""

from __future__ import annotations

from healthstore import catalogue
from healthstore.catalogue import Kind
from healthstore.query.reader import Scope
from healthstore.storage.dimensions import Dimensions

_BLOOD_PRESSURE_MEMBERS = ("bloodPressureSystolic", "bloodPressureDiastolic")


def readable_types(dims: Dimensions, granted: set[int]) -> set[int]:
    """The type ids an app may read: those granted, plus correlation types whose members it
    may read (blood pressure needs both members; food needs any dietary type)."""
    readable = set(granted)
    names = {dims.object_type(i).short_name for i in granted}
    for t in catalogue.all_types(Kind.correlation):
        if t.short_name == "bloodPressure":
            allowed = all(m in names for m in _BLOOD_PRESSURE_MEMBERS)
        else:
            allowed = any(n.startswith("dietary") for n in names)
        type_id = dims.known_type_id(t) if allowed else None
        if type_id is not None:
            readable.add(type_id)
    return readable


def app_scope(readable: set[int], own_source: int | None) -> Scope:
    """What an app sees: samples and tombstones of readable types, and its own."""
    return Scope(frozenset(readable), own_source)


def own_scope(own_source: int | None) -> Scope:
    """Only what the app itself wrote (what it may delete)."""
    return Scope(frozenset(), own_source)
