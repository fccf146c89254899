"""One day's activity rings (not a sample: it belongs to a calendar day)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import ClassVar

from healthstore.errors import InvalidArgument
from healthstore.units import Quantity


@dataclass(frozen=True, slots=True)
class ActivitySummary:
    """One day's activity rings: move (active energy, or move time), exercise and stand,
    each with its goal. Not a sample: it belongs to a calendar day."""

    day: date
    active_energy_burned: Quantity | None = None
    active_energy_burned_goal: Quantity | None = None
    move_time: Quantity | None = None
    move_time_goal: Quantity | None = None
    exercise_time: Quantity | None = None
    exercise_time_goal: Quantity | None = None
    stand_hours: Quantity | None = None
    stand_hours_goal: Quantity | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.day, date) or isinstance(self.day, datetime):
            raise InvalidArgument("an activity summary's day must be a date", field="day")
        units = {
            "active_energy_burned": "kcal",
            "move_time": "min",
            "exercise_time": "min",
            "stand_hours": "count",
        }
        for name, unit in units.items():
            for field in (name, f"{name}_goal"):
                q = getattr(self, field)
                if q is not None and not (isinstance(q, Quantity) and q.is_compatible(unit)):
                    raise InvalidArgument(
                        f"{field} must be a Quantity compatible with {unit!r}", field=field
                    )
                if q is not None and q.value < 0:
                    raise InvalidArgument(f"{field} cannot be negative", field=field)

    QUANTITIES: ClassVar[tuple[str, ...]] = (
        "active_energy_burned",
        "active_energy_burned_goal",
        "move_time",
        "move_time_goal",
        "exercise_time",
        "exercise_time_goal",
        "stand_hours",
        "stand_hours_goal",
    )
