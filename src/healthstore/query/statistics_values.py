"""What a statistics query asks for and answers: HealthKit's options, the unit values come
in, and :class:`Statistics`, the values of one range or bucket. Plain values, no NumPy: the
HTTP client speaks them too (:mod:`healthstore.api`); the engine is
:mod:`healthstore.query.statistics`."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import IntFlag
from typing import Any

from healthstore.catalogue import Aggregation, ObjectType
from healthstore.errors import InvalidArgument
from healthstore.model import Source
from healthstore.units import Quantity, Unit, parse_unit


class StatisticsOptions(IntFlag):
    """HealthKit's HKStatisticsOptions bitmask."""

    separateBySource = 1
    discreteAverage = 2
    discreteMin = 4
    discreteMax = 8
    cumulativeSum = 16
    mostRecent = 32
    duration = 64


_ALIASES = {
    "sum": StatisticsOptions.cumulativeSum,
    "avg": StatisticsOptions.discreteAverage,
    "average": StatisticsOptions.discreteAverage,
    "min": StatisticsOptions.discreteMin,
    "max": StatisticsOptions.discreteMax,
}
_CUMULATIVE = StatisticsOptions.cumulativeSum
_DISCRETE = (
    StatisticsOptions.discreteAverage
    | StatisticsOptions.discreteMin
    | StatisticsOptions.discreteMax
    | StatisticsOptions.mostRecent
)

OptionsLike = StatisticsOptions | int | str | Iterable[str | StatisticsOptions]


def parse_options(options: OptionsLike, t: ObjectType) -> StatisticsOptions:
    """Options from a flag, an int, a comma-separated string or names (HealthKit's, or
    ``sum``, ``avg``, ``min``, ``max``); checked against the type's aggregation style."""
    flags = StatisticsOptions(0)
    if isinstance(options, bool):
        raise InvalidArgument("options must be names or HKStatisticsOptions", field="options")
    if isinstance(options, StatisticsOptions | int):
        flags = StatisticsOptions(int(options))
    else:
        names = options.split(",") if isinstance(options, str) else list(options)
        for name in names:
            if isinstance(name, StatisticsOptions):
                flags |= name
                continue
            key = name.strip()
            found = _ALIASES.get(key) or StatisticsOptions.__members__.get(key)
            if found is None:
                allowed = ", ".join([*StatisticsOptions.__members__, *_ALIASES])
                raise InvalidArgument(
                    f"unknown statistics option {key!r} (allowed: {allowed})", field="options"
                )
            flags |= found
    if t.aggregation is None:
        raise InvalidArgument(f"{t.short_name} has no statistics", field="type")
    if not flags & ~StatisticsOptions.separateBySource:
        raise InvalidArgument("ask for at least one statistic", field="options")
    cumulative = t.aggregation is Aggregation.cumulative
    wrong = flags & (_DISCRETE if cumulative else _CUMULATIVE)
    if wrong:
        wrong_names = ", ".join(f.name or "" for f in StatisticsOptions if f in wrong)
        fits = (
            "cumulativeSum"
            if cumulative
            else "discreteAverage, discreteMin, discreteMax, mostRecent"
        )
        raise InvalidArgument(
            f"{wrong_names} does not apply to {t.short_name}, a {t.aggregation.value} type "
            f"(use {fits}, duration, separateBySource)",
            field="options",
        )
    return flags


def statistics_unit(t: ObjectType, unit: str | Unit | None = None) -> Unit:
    """The unit statistics of ``t`` are given in: ``unit`` when given (it must fit the type,
    else InvalidArgument naming ``unit``), else the type's display unit."""
    if t.canonical_unit is None:
        raise InvalidArgument(f"{t.short_name} has no statistics", field="type")
    if unit is None:
        return parse_unit(t.display_unit or t.canonical_unit)
    target = unit if isinstance(unit, Unit) else parse_unit(str(unit))
    if not target.is_compatible(t.canonical_unit):
        raise InvalidArgument(
            f"unit {target.text!r} does not fit {t.short_name} "
            f"(expects a unit compatible with {t.canonical_unit!r}, "
            f"e.g. {t.display_unit or t.canonical_unit!r})",
            field="unit",
        )
    return target


@dataclass
class Statistics:
    """The statistics of one range or bucket. Quantities are in ``unit``: the one asked for,
    by default the type's display unit (convert with ``.to(unit)``); a statistic with no
    samples is None."""

    type: ObjectType
    start: datetime
    end: datetime
    sum: Quantity | None = None
    average: Quantity | None = None
    minimum: Quantity | None = None
    maximum: Quantity | None = None
    most_recent: Quantity | None = None
    most_recent_start: datetime | None = None
    most_recent_end: datetime | None = None
    duration: timedelta | None = None
    sources: list[Source] = field(default_factory=list)
    by_source: dict[Source, Statistics] = field(default_factory=dict)
    unit: str = ""

    def __post_init__(self) -> None:
        if not self.unit:
            self.unit = self.type.display_unit or self.type.canonical_unit or ""

    @property
    def has_data(self) -> bool:
        return bool(self.sources)

    def to_json(self, unit: str | None = None) -> dict[str, Any]:
        """JSON-ready values (in ``unit`` when given, else the statistics' own unit)."""
        target = unit or self.unit

        def q(value: Quantity | None) -> float | None:
            return None if value is None else value.value_in(target)

        out: dict[str, Any] = {"start": self.start.isoformat(), "end": self.end.isoformat()}
        for name in ("sum", "average", "minimum", "maximum", "most_recent"):
            if getattr(self, name) is not None:
                out[name] = q(getattr(self, name))
        if self.most_recent_start is not None and self.most_recent_end is not None:
            out["most_recent_start"] = self.most_recent_start.isoformat()
            out["most_recent_end"] = self.most_recent_end.isoformat()
        if self.duration is not None:
            out["duration_s"] = self.duration.total_seconds()
        out["unit"] = target
        out["sources"] = [s.bundle_id for s in self.sources]
        if self.by_source:
            out["by_source"] = {
                s.bundle_id: {
                    k: v for k, v in st.to_json(unit).items() if k not in ("start", "end")
                }
                for s, st in self.by_source.items()
            }
        return out
