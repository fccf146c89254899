"""The text conventions of an Apple Health export, read into healthstore's values.

Everything here is pure: a string in, a value out, or :class:`InvalidArgument` naming the
text and the attribute it came from. Results of the functions called once per record
(devices, units, source names) are cached, because exports repeat the same few strings
millions of times.
"""

from __future__ import annotations

import hashlib
import math
import re
import unicodedata
from datetime import date, datetime, tzinfo
from functools import lru_cache
from typing import Final

from healthstore import catalogue
from healthstore.errors import InvalidArgument
from healthstore.model import Device
from healthstore.units import Quantity, parse_unit

MetadataValue = str | int | float | bool | Quantity
"""What :func:`parse_metadata_value` gives back."""

# -- dates -------------------------------------------------------------------------------------

_DATE: Final = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d{4}")
_COMPACT_DATE: Final = re.compile(r"\d{14}[+-]\d{4}")


class _Offsets(dict[str, tzinfo | None]):
    """One shared tzinfo per offset text ("-0800"), made on first use."""

    def __missing__(self, key: str) -> tzinfo | None:
        try:
            zone = datetime.fromisoformat(f"2000-01-01T00:00:00{key}").tzinfo
        except ValueError:
            zone = None
        self[key] = zone
        return zone


_OFFSETS: Final = _Offsets()


def parse_date(text: str, field: str = "date") -> datetime:
    """An aware datetime (fixed offset) from an export date.

    The export writes ``"2020-12-06 20:24:28 -0800"``; the first exports (iOS 8) and the CDA
    file write ``"20201206202428-0800"``; both are accepted. ``field`` names the attribute in
    the error message.
    """
    if len(text) == 25 and text[19] == " " and text[20] in "+-":  # the common form, fast
        zone = _OFFSETS[text[20:]]
        if zone is not None:
            try:
                return datetime.fromisoformat(text[:19]).replace(tzinfo=zone)
            except ValueError:
                pass
    if _DATE.fullmatch(text):
        iso = f"{text[:19]}{text[20:]}"
    elif _COMPACT_DATE.fullmatch(text):
        iso = f"{text[:4]}-{text[4:6]}-{text[6:8]}T{text[8:10]}:{text[10:12]}:{text[12:]}"
    else:
        iso = ""
    try:
        return datetime.fromisoformat(iso)
    except ValueError:
        raise InvalidArgument(
            f"{field}: {text!r} is not a date like '2020-12-06 20:24:28 -0800'", field=field
        ) from None


_BEAT_TIME: Final = re.compile(
    r"(?P<h>\d{1,2}):(?P<m>\d\d):(?P<s>\d\d)(?:[.,](?P<frac>\d+))?"
    r"(?:\s*(?P<half>[AaPp])\.?\s*[Mm]\.?)?"
)


def parse_beat_time(text: str, day: date, tz: tzinfo, field: str = "time") -> datetime:
    """The instant of an ``InstantaneousBeatsPerMinute`` time such as ``"7:47:41.86 PM"``.

    The export writes only a wall-clock time in the phone's locale (12-hour with AM/PM, or
    24-hour); ``day`` and ``tz`` come from the record that holds the beats. A beat after
    midnight of a record that started the day before belongs to the next day: that is for
    the caller to see (the time comes out earlier than the record's start).
    """
    match = _BEAT_TIME.fullmatch(text.strip())
    if match is not None:
        hour, minute, second = int(match["h"]), int(match["m"]), int(match["s"])
        half = match["half"]
        if half is not None and 1 <= hour <= 12:
            hour = hour % 12 + (12 if half in "Pp" else 0)
        elif half is not None:
            hour = 24
        if hour < 24 and minute < 60 and second < 60:
            micros = int((match["frac"] or "0")[:6].ljust(6, "0"))
            return datetime(day.year, day.month, day.day, hour, minute, second, micros, tzinfo=tz)
    raise InvalidArgument(
        f"{field}: {text!r} is not a time of day like '7:47:41.86 PM'", field=field
    )


# -- devices -----------------------------------------------------------------------------------

_DEVICE_FIELDS: Final = {
    "name": "name",
    "manufacturer": "manufacturer",
    "model": "model",
    "hardware": "hardware_version",
    "firmware": "firmware_version",
    "software": "software_version",
    "localIdentifier": "local_identifier",
    "UDIDeviceIdentifier": "udi_device_identifier",
}
_DEVICE_HEAD: Final = re.compile(r"<<HKDevice(?::\s*[^>]*)?>")
_DEVICE_KEY: Final = re.compile(r", ([A-Za-z][A-Za-z0-9_]*):")


def parse_device(text: str, field: str = "device") -> Device | None:
    """The :class:`Device` described by an export's ``device`` attribute.

    The text is HealthKit's description of the object, e.g. ``"<<HKDevice: 0x533ad2350>,
    name:Apple Watch, manufacturer:Apple Inc., model:Watch, hardware:Watch6,2,
    software:9.0>"``. Properties are split at ``", key:"`` (values such as ``Watch6,2``
    contain commas), unknown keys are ignored, and the memory address is dropped: it says
    nothing about which device it was. Empty text, or a description without any known
    property, gives None.
    """
    text = text.strip()
    if not text:
        return None
    head = _DEVICE_HEAD.match(text)
    if head is None:
        raise InvalidArgument(
            f"{field}: {text[:80]!r} is not a device description like "
            "'<<HKDevice: 0x…>, name:Apple Watch, …>'",
            field=field,
        )
    return _device(text[head.end() :].removesuffix(">"))


@lru_cache(maxsize=1024)
def _device(properties: str) -> Device | None:
    marks = list(_DEVICE_KEY.finditer(properties))
    if not marks:
        return None
    ends = [mark.start() for mark in marks[1:]] + [len(properties)]
    values: dict[str, str] = {}
    for mark, end in zip(marks, ends, strict=True):
        name = _DEVICE_FIELDS.get(mark[1])
        value = properties[mark.end() : end].strip()
        if name is not None and value:
            values[name] = value
    return Device(**values) if values else None


# -- sources -----------------------------------------------------------------------------------

_APOSTROPHES: Final = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'"})
BUNDLE_ID_PREFIX: Final = "com.apple.health.export."


@lru_cache(maxsize=1024)
def normalize_source_name(name: str, field: str = "sourceName") -> str:
    """One spelling per source name: Unicode NFC, curly apostrophes (’ ‘ ʼ) as ``'``, no
    surrounding whitespace. The export writes "Anna’s Watch" and "Anna's Watch" for the same
    watch across iOS versions."""
    normal = unicodedata.normalize("NFC", name).translate(_APOSTROPHES).strip()
    if not normal:
        raise InvalidArgument(f"{field} is empty", field=field)
    return normal


@lru_cache(maxsize=1024)
def source_bundle_id(name: str) -> str:
    """A stable bundle identifier for a source the export names but does not identify.

    ``"com.apple.health.export."`` followed by the first 12 hex digits of the SHA-256 of
    the UTF-8 :func:`normalize_source_name` of ``name``. Every source is treated alike
    (``Health`` too), so importing the same export twice, or two exports of one phone,
    gives the same identifiers.
    """
    digest = hashlib.sha256(normalize_source_name(name).encode()).hexdigest()
    return BUNDLE_ID_PREFIX + digest[:12]


# -- units and metadata ------------------------------------------------------------------------


_JOINING_DASH: Final = re.compile(r"(?<=[A-Za-z])-(?=[A-Za-z])")


@lru_cache(maxsize=512)
def normalize_unit(text: str, field: str = "unit") -> str:
    """The export's spelling of a unit, made into one :mod:`healthstore.units` parses.

    The middle dot is a multiplication (``kcal/hr·kg``), and so is a dash between two
    letters, which some exports write in its place (``kcal/hr-kg``); since everything after the one
    ``/`` is the denominator, ``mL/kg·min`` means mL/(kg·min), and the result spells that
    out: ``mL/(kg*min)``. Other spellings (``Cal``, ``mmol<180.1558800000541>/L``) pass
    unchanged. Text that is still not a unit is an error naming it.
    """
    normal = _JOINING_DASH.sub("*", text.strip().replace("·", "*"))
    top, _, bottom = normal.partition("/")
    if "*" in bottom and not bottom.startswith("("):
        normal = f"{top}/({bottom})"
    try:
        parse_unit(normal)
    except InvalidArgument as err:
        raise InvalidArgument(f"{field}: {err.message}", field=field) from None
    return normal


_INTEGER: Final = re.compile(r"[+-]?\d+")
_DECIMAL: Final = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_PLAIN_INTEGER: Final = re.compile(r"-?(?:0|[1-9]\d{0,17})")
_PLAIN_DECIMAL: Final = re.compile(r"-?(?:0|[1-9]\d*)\.\d+")
_QUANTITY: Final = re.compile(rf"(?P<number>{_DECIMAL.pattern}) (?P<unit>\S.*)")
_TRUE: Final = frozenset({"1", "true", "yes"})
_FALSE: Final = frozenset({"0", "false", "no"})
HUMIDITY: Final = "HKWeatherHumidity"


def parse_metadata_value(key: str, text: str) -> MetadataValue:
    """The value of a ``MetadataEntry``, typed by what HealthKit says ``key`` holds.

    The export writes every value as text. For HealthKit's own keys the catalogue gives the
    kind: booleans (``"1"``/``"0"``) become bools, enums and numbers ints or floats,
    quantities (``"47.6 degF"``, ``"5.43210 kcal/hr·kg"``) :class:`Quantity`, strings stay
    text; a value that does not fit its key is an error naming both. For other keys (an
    app's own, or HealthKit keys newer than the catalogue) the text is kept unless it is
    unmistakably a number or a quantity: a plainly written integer (no sign but ``-``, no
    leading zero, at most 18 digits) or decimal becomes an int or float, and "number, one
    space, unit" a Quantity; ``"007"``, ``"1e3"`` or ``"3 cups"`` stay text.

    Apple writes weather humidity a hundred times too large (``"6900 %"`` for 69 %); a
    humidity over 100 % is divided by 100.
    """
    known = catalogue.metadata_key(key)
    kind = known.value_kind if known is not None else None
    where = f"metadata[{key!r}]"
    if kind == "string":
        return text
    if kind == "boolean":
        word = text.strip().lower()
        if word in _TRUE or word in _FALSE:
            return word in _TRUE
        raise InvalidArgument(f"{where}: {text!r} is not a boolean (1 or 0)", field=where)
    if kind == "enum":
        value: int | str = int(text) if _INTEGER.fullmatch(text.strip()) else text.strip()
        if known is None or known.enum is None:
            return value
        try:
            return known.enum.parse(value)
        except InvalidArgument as err:
            raise InvalidArgument(f"{where}: {text!r}: {err.message}", field=where) from None
    if kind == "number":
        number = _number(text.strip())
        if number is None:
            raise InvalidArgument(f"{where}: {text!r} is not a number", field=where)
        return number
    if kind == "quantity":
        quantity = _quantity(text.strip(), where)
        if quantity is None:
            raise InvalidArgument(
                f"{where}: {text!r} is not a quantity like '47.6 degF'", field=where
            )
        if known is not None and known.raw_key == HUMIDITY:
            quantity = _humidity(quantity)
        return quantity
    if _PLAIN_INTEGER.fullmatch(text):
        return int(text)
    if _PLAIN_DECIMAL.fullmatch(text) and math.isfinite(float(text)):
        return float(text)
    try:
        return _quantity(text, where) or text
    except InvalidArgument:
        return text


def _number(text: str) -> int | float | None:
    if _INTEGER.fullmatch(text):
        return int(text)
    if _DECIMAL.fullmatch(text) and math.isfinite(float(text)):
        return float(text)
    return None


def _quantity(text: str, where: str) -> Quantity | None:
    match = _QUANTITY.fullmatch(text)
    if match is None:
        return None
    unit = normalize_unit(match["unit"], where)
    try:
        return Quantity(float(match["number"]), unit)
    except InvalidArgument as err:
        raise InvalidArgument(f"{where}: {err.message}", field=where) from None


def _humidity(quantity: Quantity) -> Quantity:
    if str(quantity.unit) == "%" and quantity.value > 100:
        return Quantity(quantity.value / 100, quantity.unit)
    return quantity


__all__ = [
    "BUNDLE_ID_PREFIX",
    "MetadataValue",
    "normalize_source_name",
    "normalize_unit",
    "parse_beat_time",
    "parse_date",
    "parse_device",
    "parse_metadata_value",
    "source_bundle_id",
]
