"""healthstore's values spelled the way an Apple Health export writes them: the inverse of
:mod:`healthstore.interop.apple.values`.

Every function returns text ready to go inside a double-quoted XML attribute (see
:func:`attr`, which escapes). What the export can say, importing gives back exactly: numbers
are written with as many digits as it takes to read the same float again, dates to the
second in the value's own UTC offset, units in Apple's spelling (``mL/kg·min``).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta, tzinfo
from decimal import Decimal
from functools import lru_cache
from typing import Any, Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from healthstore import catalogue
from healthstore.catalogue import ObjectType
from healthstore.interop.apple.repairs import written_key
from healthstore.model import Device
from healthstore.units import Quantity

__all__ = [
    "activity_type_text",
    "attr",
    "attrs",
    "beat_time",
    "category_text",
    "characteristic_text",
    "date_text",
    "device_text",
    "metadata_entries",
    "metadata_text",
    "number",
    "quantity_text",
    "unit_text",
    "zone_of",
]

# -- XML text ------------------------------------------------------------------------------------

_SPECIAL: Final = re.compile(r'[&<>"\t\n\r\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]')
_REPLACEMENTS: Final = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"}
_KEPT_WHITESPACE: Final = {"\t": "&#9;", "\n": "&#10;", "\r": "&#13;"}


def _replace(match: re.Match[str]) -> str:
    char = match[0]
    # characters XML 1.0 cannot hold at all are dropped (the importer would drop them too)
    return _REPLACEMENTS.get(char) or _KEPT_WHITESPACE.get(char) or ""


def attr(text: str) -> str:
    """``text`` escaped for a double-quoted attribute value. Tabs and line breaks become
    character references (so a parser gives them back rather than spaces); control
    characters XML forbids are left out."""
    if _SPECIAL.search(text) is None:
        return text
    return _escaped(text)


@lru_cache(maxsize=4096)
def _escaped(text: str) -> str:
    """Text that needs escaping: mostly device descriptions, the same on every record."""
    return _SPECIAL.sub(_replace, text)


def attrs(pairs: Iterable[tuple[str, str | None]]) -> str:
    """`` name="value"`` for each pair whose value is not None, escaped."""
    return "".join(f' {name}="{attr(value)}"' for name, value in pairs if value is not None)


# -- numbers, dates, units -----------------------------------------------------------------------


def number(value: float) -> str:
    """A number as the export writes it: whole numbers without a fraction (``"72"``),
    others with the fewest digits that read back as the same float (``"0.965"``)."""
    value = float(value)
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def _decimal(value: float) -> str:
    """A float in positional notation that reads back as the same float and as a float
    (always with a point): ``1e-05`` → ``"0.00001"``, ``3.0`` → ``"3.0"``."""
    text = format(Decimal(repr(float(value))), "f")
    return text if "." in text else f"{text}.0"


_MINUTES_SECONDS: Final = tuple(f"{m:02d}:{s:02d}" for m in range(60) for s in range(60))


def date_text(value: datetime) -> str:
    """``"2020-12-06 20:24:28 -0800"``: to the second, in the datetime's own zone."""
    hour, offset = _hour_text(
        value.year, value.month, value.day, value.hour, value.utcoffset() or timedelta()
    )
    return hour + _MINUTES_SECONDS[value.minute * 60 + value.second] + offset


@lru_cache(maxsize=4096)
def _hour_text(year: int, month: int, day: int, hour: int, offset: timedelta) -> tuple[str, str]:
    """The parts of a date before and after its minutes and seconds (one per hour)."""
    minutes = int(offset.total_seconds()) // 60
    sign, minutes = ("-", -minutes) if minutes < 0 else ("+", minutes)
    return (
        f"{year:04d}-{month:02d}-{day:02d} {hour:02d}:",
        f" {sign}{minutes // 60:02d}{minutes % 60:02d}",
    )


def beat_time(value: datetime) -> str:
    """A heartbeat's wall-clock time as the en_US export writes it: ``"7:47:41.86 PM"``
    (to the microsecond, at least two decimals)."""
    hour = value.hour % 12 or 12
    fraction = f"{value.microsecond:06d}".rstrip("0").ljust(2, "0")
    half = "PM" if value.hour >= 12 else "AM"
    return f"{hour}:{value.minute:02d}:{value.second:02d}.{fraction} {half}"


_PRODUCT_BELOW: Final = re.compile(r"\(([^()/]+)\)")


@lru_cache(maxsize=512)
def unit_text(text: str) -> str:
    """A unit in Apple's spelling: products with a middle dot, a denominator of several
    factors without parentheses (``mL/(kg*min)`` → ``mL/kg·min``). Others are unchanged
    (``Cal``, ``mmol<180.1558800000541>/L``)."""
    if "*" not in text:
        return text
    top, slash, bottom = text.partition("/")
    if slash and (whole := _PRODUCT_BELOW.fullmatch(bottom)) is not None:
        bottom = whole[1]
    return (top + slash + bottom).replace("*", "·")


def quantity_text(q: Quantity) -> str:
    """``"47.6 degF"``: a quantity as a metadata value."""
    return f"{_decimal(q.value)} {unit_text(q.unit.text)}"


# -- devices -------------------------------------------------------------------------------------

_DEVICE_KEYS: Final = (
    ("name", "name"),
    ("manufacturer", "manufacturer"),
    ("model", "model"),
    ("hardware", "hardware_version"),
    ("firmware", "firmware_version"),
    ("software", "software_version"),
    ("localIdentifier", "local_identifier"),
    ("UDIDeviceIdentifier", "udi_device_identifier"),
)


@lru_cache(maxsize=1024)
def device_text(device: Device | None) -> str | None:
    """HealthKit's description of a device: ``"<<HKDevice: 0x…>, name:Apple Watch,
    manufacturer:Apple Inc., …>"``; None for no device or one without any property. The
    address is made up from the properties, so one device always gets the same text."""
    if device is None:
        return None
    parts = [f"{key}:{value}" for key, field in _DEVICE_KEYS if (value := getattr(device, field))]
    if not parts:
        return None
    digest = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()
    return f"<<HKDevice: 0x{digest[:9]}>, {', '.join(parts)}>"


# -- enums ---------------------------------------------------------------------------------------


def category_text(t: ObjectType, raw: int) -> str:
    """A category value by its constant name, ``HKCategoryValueSleepAnalysisAsleepCore``."""
    enum = t.value_enum
    if enum is None:
        return str(raw)
    return enum.name + enum.label(raw)


def activity_type_text(raw: int) -> str:
    """``HKWorkoutActivityTypeTraditionalStrengthTraining`` for a raw activity type."""
    name = catalogue.workout_activity_name(raw)
    return "HKWorkoutActivityType" + name[:1].upper() + name[1:]


def characteristic_text(t: ObjectType, value: int | date) -> str:
    """A characteristic as the ``Me`` element writes it: a date as ``1988-04-12``, an enum
    value as ``HKBloodTypeAPositive`` (``…NotSet`` when unset; an empty option set ``None``)."""
    if isinstance(value, date):
        return value.isoformat()
    enum = t.value_enum
    assert enum is not None
    label = enum.label(value)
    return label if label == "None" else enum.name + label  # Apple writes an empty set bare


# -- metadata ------------------------------------------------------------------------------------


def metadata_text(value: Any) -> str:
    """A metadata value as the export writes it: booleans ``1``/``0``, quantities
    ``"value unit"``, dates like every other date, numbers and text as they are."""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _decimal(value)
    if isinstance(value, Quantity):
        return quantity_text(value)
    if isinstance(value, datetime):
        return date_text(value)
    return str(value)


def metadata_entries(metadata: Mapping[str, Any], indent: str) -> str:
    """One ``<MetadataEntry key=… value=…/>`` line per key, each starting with ``indent``
    (a value the import kept as text is written back under its own key)."""
    return "".join(
        f'{indent}<MetadataEntry key="{attr(written_key(key))}" '
        f'value="{attr(metadata_text(value))}"/>\n'
        for key, value in metadata.items()
    )


def zone_of(metadata: Mapping[str, Any], fallback: tzinfo | None) -> tzinfo | None:
    """The zone an importer reads a sample's wall-clock times in: the one its
    ``HKTimeZone`` names when that is a known zone, else ``fallback``."""
    name = metadata.get("HKTimeZone")
    if isinstance(name, str):
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            return fallback
    return fallback
