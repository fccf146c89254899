"""The one visibility rule: every read an app makes asks its :class:`Visibility`.

For each type, an app sees the samples it wrote itself, always; it sees others' samples of
a type only when the person let it read that type (plus correlation types whose members it
may read), and then only those that start at or after its *history bound* — 30 days before
the person first let it read anything — unless the person granted it ``history``. The same
rule covers tombstones in the change feed, sources, statistics, workout associations,
correlation members, clinical records and observer notifications; activity summaries are
bounded by their day; characteristics, which have no date, only by their type. So an app
refused reading cannot tell "denied" from "no data", and an app without history cannot
tell older data from none, through any door.

The decision (which types, which source, which time bound) is made here; ``query/`` only
renders a :class:`~healthstore.query.reader.Scope` of it as SQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from healthstore import catalogue
from healthstore.access.apps import App
from healthstore.access.grants import Grants
from healthstore.catalogue import Kind
from healthstore.query.reader import Scope
from healthstore.storage.app_history import HistoryAccess
from healthstore.storage.dimensions import Dimensions

HISTORY_DAYS = 30
"""How far before its first read grant an app without ``history`` reads others' data."""

ENTITLEMENT = "background-delivery"

_BLOOD_PRESSURE_MEMBERS = ("bloodPressureSystolic", "bloodPressureDiastolic")
_HISTORY_US = HISTORY_DAYS * 86_400_000_000


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


def history_bound(access: HistoryAccess) -> int | None:
    """The earliest start (UTC µs) of others' samples an app may read; None: no bound."""
    if access.granted or access.first_read_us is None:
        return None
    return access.first_read_us - _HISTORY_US


@dataclass(frozen=True)
class Visibility:
    """What one viewer may see. ``readable`` None: everything (the person)."""

    readable: frozenset[int] | None = None
    own_source: int | None = None
    since_us: int | None = None
    notify: bool = True  # may be told of changes (the background-delivery entitlement)

    def scope(self) -> Scope:
        """The rule as data for the query engines (rendered as SQL in ``query/``)."""
        return Scope(self.readable, self.own_source, self.since_us)

    def own(self) -> Scope:
        """Only what the viewer itself wrote (what an app may delete)."""
        return Scope(frozenset(), self.own_source)

    def may_read(self, type_id: int | None) -> bool:
        """Whether others' data of a type may be read at all (characteristics and activity
        summaries, which are the person's, are read only then)."""
        return self.readable is None or (type_id is not None and type_id in self.readable)

    def visible(self, type_id: int, source_id: int | None, start_us: int | None) -> bool:
        """The rule for one row: :meth:`scope` renders the same in SQL."""
        if self.readable is None or (source_id is not None and source_id == self.own_source):
            return True
        if type_id not in self.readable:
            return False
        return self.since_us is None or (start_us is not None and start_us >= self.since_us)

    def may_notify(
        self, type_id: int, own_change: bool, latest_start_us: int | None = None
    ) -> bool:
        """Whether a change of ``type_id`` may be told to the viewer's observers: it includes
        the viewer's own samples, or the viewer may read the type and the change's latest
        sample starts within the history bound (None: judged before, when it was queued)."""
        if not self.notify:
            return False
        if own_change:
            return True
        if not self.may_read(type_id):
            return False
        return latest_start_us is None or self.since_us is None or latest_start_us >= self.since_us

    def first_day(self, start: date) -> date:
        """The first day of activity summaries from ``start`` that may be read: a day is
        older than the bound when it begins (UTC) before it."""
        if self.since_us is None:
            return start
        bound = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=self.since_us)
        first = bound.date()
        if bound.time() != datetime.min.time():
            first += timedelta(days=1)
        return max(start, first)


EVERYTHING = Visibility()


def app_visibility(dims: Dimensions, grants: Grants, app: App) -> Visibility:
    """The visibility of ``app``, from the person's decisions as they stand now."""
    readable = readable_types(dims, grants.readable_type_ids(app))
    return Visibility(
        frozenset(readable),
        dims.known_source_id(app.bundle_id),
        history_bound(grants.history(app)),
        app.manifest.has(ENTITLEMENT),
    )
