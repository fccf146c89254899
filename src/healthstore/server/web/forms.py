"""The add-data form of a type's page: each field checked on its own, errors kept beside
their field, and what the person typed given back unchanged."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime, time, tzinfo

from healthstore.errors import HealthStoreError
from healthstore.model import QuantitySample, Source
from healthstore.units import Quantity

WEB_SOURCE = Source("org.healthstore.web", "Health")
"""Samples the person adds in the web app come from this source."""


@dataclass
class AddForm:
    values: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)


def parse_add(
    type_name: str, form: dict[str, str], units: list[str], zone: tzinfo
) -> tuple[AddForm, QuantitySample | None]:
    """A sample from the form, or the form with an error per bad field."""
    result = AddForm({k: form.get(k, "") for k in ("value", "unit", "date", "time")})
    v = result.values
    number: float | None = None
    try:
        number = float(v["value"].replace(",", ""))
        if not math.isfinite(number):
            raise ValueError
    except ValueError:
        result.errors["value"] = "Enter a number, e.g. 72.5"
    if v["unit"] not in units:
        result.errors["unit"] = f"Choose one of {', '.join(units)}"
    day: date | None = None
    try:
        day = date.fromisoformat(v["date"])
    except ValueError:
        result.errors["date"] = "Enter a date as YYYY-MM-DD"
    if day is not None and day > datetime.now(zone).date():
        result.errors["date"] = "That is in the future"
    moment: time | None = None
    try:
        moment = time.fromisoformat(v["time"]) if v["time"] else time(12)
    except ValueError:
        result.errors["time"] = "Enter a time as HH:MM"
    if result.errors or number is None or day is None or moment is None:
        return result, None
    when = datetime.combine(day, moment, tzinfo=zone)
    if when > datetime.now(zone):
        result.errors["time"] = "That is in the future"
        return result, None
    try:
        sample = QuantitySample(
            type_name,
            Quantity(number, v["unit"]),
            when,
            source=WEB_SOURCE,
            metadata={"HKWasUserEntered": True},
        )
    except HealthStoreError as exc:
        result.errors["value"] = exc.message
        return result, None
    return result, sample
