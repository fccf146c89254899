"""What an export holds: the sample types with data, their samples, and table names."""

from __future__ import annotations

import re
from collections.abc import Iterable

from healthstore.catalogue import ObjectType, object_type
from healthstore.model import Sample
from healthstore.store import HealthStore


def table_name(t: ObjectType) -> str:
    """A readable, SQL-friendly name for a type's table or file: ``heartRate`` →
    ``heart_rate``, ``vo2Max`` → ``vo2_max``, ``workout`` → ``workouts``."""
    if t.short_name == "workout":
        return "workouts"
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", t.short_name).lower()


def exported_types(store: HealthStore, names: Iterable[str] = ()) -> list[ObjectType]:
    """The types asked for (checked), or every type the store holds samples of."""
    wanted = [object_type(n) for n in names]
    if wanted:
        return list(dict.fromkeys(wanted))
    return [object_type(str(row["type"])) for row in store.summary()]


def samples_of(store: HealthStore, t: ObjectType) -> list[Sample]:
    """Every sample of ``t`` in a stable order (start, then uuid)."""
    found = store.samples(t, sort="start")
    return sorted(found, key=lambda s: (s.start, str(s.uuid)))
