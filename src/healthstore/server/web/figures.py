"""The summary's figures, from the person's view and its statistics engine: per card the
latest day with data (today when there is some), its value, the person's own daily average
over the last 30 days, and the last seven days for a small trend chart."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo

from healthstore import catalogue
from healthstore.errors import HealthStoreError
from healthstore.query.statistics import Statistics
from healthstore.server.web.names import title_of
from healthstore.server.web.sleep import Night, night_of_sample, nights
from healthstore.store import HealthStore

DAYS = 30
TREND_DAYS = 7


@dataclass
class Card:
    """One figure of the summary."""

    type: str
    title: str
    unit: str
    day: date | None = None
    value: str = ""
    detail: str = ""
    average: float | None = None
    trend: list[tuple[date, float | None]] = field(default_factory=list)
    stages: list[tuple[str, float]] = field(default_factory=list)
    night: Night | None = None


_SHOWN_PER = {"count/s": "count/min"}
"""Canonical units people do not read in (beats per second), until the catalogue's own
display unit is there."""


def display_unit(type_name: str) -> str:
    """The unit a type is shown in: its catalogue display unit when the catalogue has one,
    else its canonical unit (per minute rather than per second)."""
    t = catalogue.object_type(type_name)
    unit = getattr(t, "display_unit", None) or t.canonical_unit or ""
    return _SHOWN_PER.get(str(unit), str(unit))


def midnight(day: date, zone: tzinfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone)


def daily(
    store: HealthStore, type_name: str, option: str, today: date, zone: tzinfo
) -> list[Statistics]:
    """Per-day statistics of the last :data:`DAYS` days up to ``today`` in ``zone``."""
    first = today - timedelta(days=DAYS - 1)
    return store.statistics_collection(
        type_name,
        anchor=midnight(first, zone),
        interval="1d",
        start=midnight(first, zone),
        end=midnight(today + timedelta(days=1), zone),
        options=option,
        tz=zone,
    )


def _value(stat: Statistics, option: str, unit: str) -> float | None:
    q = {"cumulativeSum": stat.sum, "discreteAverage": stat.average}[option]
    return None if q is None else q.value_in(unit)


def _fmt(value: float, unit: str) -> str:
    if unit in ("count", "count/min", "kcal", "mmHg"):
        return f"{value:,.0f}"
    return f"{value:,.1f}"


def daily_card(
    store: HealthStore, type_name: str, title: str, option: str, today: date, zone: tzinfo
) -> Card:
    """A card of a daily figure (a sum, or an average)."""
    unit = display_unit(type_name)
    card = Card(type_name, title, unit)
    buckets = daily(store, type_name, option, today, zone)
    values = [(b.start.astimezone(zone).date(), _value(b, option, unit)) for b in buckets]
    present = [(d, v) for d, v in values if v is not None]
    if not present:
        return card
    card.day, latest = present[-1]
    card.value = _fmt(latest, unit)
    card.average = sum(v for _, v in present) / len(present)
    card.trend = [x for x in values if x[0] <= card.day][-TREND_DAYS:]
    return card


def heart_rate_card(store: HealthStore, today: date, zone: tzinfo) -> Card:
    """The heart rate range of the latest day with data; trend of daily averages."""
    card = daily_card(store, "heartRate", "Heart Rate", "discreteAverage", today, zone)
    if card.day is None:
        return card
    stat = store.statistics(
        "heartRate",
        start=midnight(card.day, zone),
        end=midnight(card.day + timedelta(days=1), zone),
        options="discreteMin,discreteMax",
    )
    if stat.minimum is not None and stat.maximum is not None:
        low, high = stat.minimum.value_in(card.unit), stat.maximum.value_in(card.unit)
        card.value = f"{low:.0f}–{high:.0f}"
        card.detail = "range"
    return card


def latest_card(store: HealthStore, type_name: str, title: str, today: date, zone: tzinfo) -> Card:
    """The most recent value of a discrete type; trend of daily averages."""
    card = daily_card(store, type_name, title, "discreteAverage", today, zone)
    found = store.samples(type_name, sort="-start", limit=1)
    if found:
        sample = found[0]
        quantity = getattr(sample, "quantity", None)
        if quantity is not None:
            card.value = _fmt(quantity.value_in(card.unit), card.unit)
            card.day = sample.start.astimezone(zone).date()
            card.detail = "latest"
    return card


def blood_pressure_card(store: HealthStore, today: date, zone: tzinfo) -> Card:
    """The latest blood pressure reading, systolic over diastolic."""
    card = latest_card(store, "bloodPressureSystolic", "Blood Pressure", today, zone)
    diastolic = store.samples("bloodPressureDiastolic", sort="-start", limit=1)
    if card.value and diastolic:
        low = getattr(diastolic[0], "quantity", None)
        if low is not None:
            card.value = f"{card.value}/{low.value_in(card.unit):.0f}"
    return card


def sleep_card(store: HealthStore, today: date, zone: tzinfo) -> Card:
    """Last night's sleep by stage, as a timeline: the night ending on the latest day with
    sleep (from 18:00 the day before to 12:00 that day)."""
    card = Card("sleepAnalysis", "Sleep", "hr")
    latest = store.samples("sleepAnalysis", sort="-end", limit=1)
    if not latest:
        return card
    found = nights(store, [night_of_sample(latest[0].end, zone)], zone, width=300)
    if not found:
        return card
    night = found[0]
    card.day = night.day
    card.value = f"{night.asleep:.1f}"
    card.detail = "asleep"
    card.stages = night.stages
    card.night = night
    return card


def pinned_cards(
    store: HealthStore, pinned: list[str], today: date, zone: tzinfo, shown: set[str]
) -> list[Card]:
    """A card per type the person pinned (quantity types; not those shown already)."""
    cards = []
    for name in pinned:
        try:
            t = catalogue.object_type(name)
        except HealthStoreError:
            continue  # a pin of a type this catalogue no longer has
        if t.short_name in shown or t.aggregation is None:
            continue
        option = "cumulativeSum" if t.aggregation.value == "cumulative" else "discreteAverage"
        cards.append(daily_card(store, t.short_name, title_of(t.short_name), option, today, zone))
    return cards


def summary_cards(
    store: HealthStore, today: date, zone: tzinfo, pinned: list[str] | None = None
) -> list[Card]:
    """Every card of the summary, in Apple's order, then the pinned types'."""
    fixed = [
        daily_card(store, "stepCount", "Steps", "cumulativeSum", today, zone),
        daily_card(store, "activeEnergyBurned", "Active Energy", "cumulativeSum", today, zone),
        heart_rate_card(store, today, zone),
        sleep_card(store, today, zone),
        latest_card(store, "bodyMass", "Body Mass", today, zone),
        blood_pressure_card(store, today, zone),
    ]
    return fixed + pinned_cards(store, pinned or [], today, zone, {c.type for c in fixed})
