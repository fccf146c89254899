"""The add-data form of a type's page: a value in one of the type's units (quantities), a
member of its value enumeration over a span of time (categories: a symptom's severity, a
mindful session, a sleep stage), or systolic over diastolic (blood pressure, saved as the
correlation of the two). Each field is checked on its own, errors are kept beside their
field, and what the person typed is given back unchanged."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo

from healthstore import catalogue
from healthstore.catalogue.registry import Kind, ObjectType
from healthstore.errors import HealthStoreError
from healthstore.model import CategorySample, Correlation, QuantitySample, Sample, Source
from healthstore.units import Quantity

WEB_SOURCE = Source("org.healthstore.web", "Health")
"""Samples the person adds in the web app come from this source."""
USER_ENTERED = {"HKWasUserEntered": True}
FIELDS = {
    "quantity": ("value", "unit", "date", "time"),
    "category": ("value", "date", "time", "end_date", "end_time", "cycle_start"),
    "pressure": ("systolic", "diastolic", "date", "time"),
}


@dataclass
class AddForm:
    values: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)


def form_kind(t: ObjectType) -> str:
    """Which add form a type takes: ``quantity``, ``category``, ``pressure`` or ``none``
    (types only devices record, such as a stand hour or a low heart rate event)."""
    if t.short_name == "bloodPressure":
        return "pressure"
    if not t.app_writable:
        return "none"
    if t.kind == Kind.quantity:
        return "quantity"
    if t.kind == Kind.category:
        return "category"
    return "none"


def choices(t: ObjectType) -> list[tuple[str, str]]:
    """A category type's values as (member, label), one per raw value (aliases left out)."""
    assert t.value_enum is not None
    seen: dict[int, str] = {}
    for name, raw in t.value_enum.members.items():
        seen.setdefault(raw, name)
    return [(name, words(name)) for name in seen.values()]


def value_label(t: ObjectType) -> str:
    """What a category type's value is called on its form: Stage, Severity, Flow, …"""
    if t.short_name == "sleepAnalysis":
        return "Stage"
    name = t.value_enum.name if t.value_enum else ""
    for word in ("Severity", "Flow", "Presence", "Result", "Quality"):
        if name.endswith(word):
            return word
    return "Value"


def words(member: str) -> str:
    """``AsleepREM`` → ``Asleep REM``; ``notApplicable`` → ``Not Applicable``."""
    spaced = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", member)
    return spaced[:1].upper() + spaced[1:]


def blank(t: ObjectType, unit: str, today: date) -> AddForm:
    """The empty form of type ``t``."""
    kind = form_kind(t)
    values = {name: "" for name in FIELDS.get(kind, ())}
    values["date"] = today.isoformat()
    if kind == "quantity":
        values["unit"] = unit
    if kind == "category":
        values["value"] = choices(t)[0][0]
    return AddForm(values)


def _number(text: str, errors: dict[str, str], name: str) -> float | None:
    try:
        number = float(text.replace(",", ""))
        if not math.isfinite(number):
            raise ValueError
    except ValueError:
        errors[name] = "Enter a number, e.g. 72.5"
        return None
    return number


def _moment(
    form: AddForm,
    date_field: str,
    time_field: str,
    zone: tzinfo,
    default: time,
    day_text: str | None = None,
) -> datetime | None:
    """The instant of a date and a time field (an empty time is ``default``; ``day_text``
    stands for an empty date); an error beside the field that is wrong, or in the future."""
    v, errors = form.values, form.errors
    day: date | None = None
    try:
        day = date.fromisoformat(v[date_field] or day_text or "")
    except ValueError:
        errors[date_field] = "Enter a date as YYYY-MM-DD"
    moment: time | None = None
    try:
        moment = time.fromisoformat(v[time_field]) if v[time_field] else default
    except ValueError:
        errors[time_field] = "Enter a time as HH:MM"
    if day is None or moment is None:
        return None
    when = datetime.combine(day, moment, tzinfo=zone)
    if when > datetime.now(zone):
        errors[time_field if v[time_field] else date_field] = "That is in the future"
        return None
    return when


def parse_add(
    t: ObjectType, form: dict[str, str], units: list[str], zone: tzinfo
) -> tuple[AddForm, Sample | None]:
    """A sample from the form, or the form with an error per bad field."""
    kind = form_kind(t)
    result = AddForm({k: form.get(k, "") for k in FIELDS.get(kind, ())})
    if kind == "quantity":
        return result, _quantity(t, result, units, zone)
    if kind == "category":
        return result, _category(t, result, zone)
    if kind == "pressure":
        return result, _pressure(result, zone)
    result.errors["value"] = "Data of this type comes from devices only"
    return result, None


def _quantity(t: ObjectType, form: AddForm, units: list[str], zone: tzinfo) -> Sample | None:
    v = form.values
    number = _number(v["value"], form.errors, "value")
    if v["unit"] not in units:
        form.errors["unit"] = f"Choose one of {', '.join(units)}"
    when = _moment(form, "date", "time", zone, time(12))
    if form.errors or number is None or when is None:
        return None
    try:
        return QuantitySample(
            t, Quantity(number, v["unit"]), when, source=WEB_SOURCE, metadata=USER_ENTERED
        )
    except HealthStoreError as exc:
        form.errors["value"] = exc.message
        return None


def _category(t: ObjectType, form: AddForm, zone: tzinfo) -> Sample | None:
    v = form.values
    if v["value"] not in dict(choices(t)):
        form.errors["value"] = "Choose one of the values listed"
    start = _moment(form, "date", "time", zone, time(12))
    end = start
    if start is not None and (v["end_date"] or v["end_time"]):
        end = _moment(form, "end_date", "end_time", zone, start.time(), v["date"])
        if end is not None and end < start and not v["end_date"]:
            end += timedelta(days=1)  # 22:30 to 06:45: the next morning
            if end > datetime.now(zone):
                form.errors["end_time"] = "That is in the future"
    if start is not None and end is not None and end < start:
        form.errors["end_time"] = "The end is before the start"
    if form.errors or start is None or end is None:
        return None
    metadata: dict[str, object] = dict(USER_ENTERED)
    if "HKMenstrualCycleStart" in t.required_metadata:
        metadata["HKMenstrualCycleStart"] = v["cycle_start"] == "yes"
    try:
        return CategorySample(t, v["value"], start, end, source=WEB_SOURCE, metadata=metadata)
    except HealthStoreError as exc:
        form.errors["end_time" if exc.field in ("end", "duration") else "value"] = exc.message
        return None


def _pressure(form: AddForm, zone: tzinfo) -> Sample | None:
    v = form.values
    high = _number(v["systolic"], form.errors, "systolic")
    low = _number(v["diastolic"], form.errors, "diastolic")
    if high is not None and low is not None and low >= high:
        form.errors["diastolic"] = "The diastolic value is the lower one"
    when = _moment(form, "date", "time", zone, time(12))
    if form.errors or high is None or low is None or when is None:
        return None
    members: list[Sample] = []
    for name, number in (("bloodPressureSystolic", high), ("bloodPressureDiastolic", low)):
        try:
            members.append(
                QuantitySample(
                    name, Quantity(number, "mmHg"), when, source=WEB_SOURCE, metadata=USER_ENTERED
                )
            )
        except HealthStoreError as exc:
            form.errors[name.removeprefix("bloodPressure").lower()] = exc.message
    if form.errors:
        return None
    pressure = catalogue.object_type("bloodPressure")
    return Correlation(pressure, when, when, members, source=WEB_SOURCE, metadata=USER_ENTERED)
