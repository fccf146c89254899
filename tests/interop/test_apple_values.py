"""The text conventions of an Apple Health export: dates, devices, sources, units, metadata,
beat times. Real strings come from the exports in ../shared/data/apple."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta, timezone
from functools import cache
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st
from lxml import etree

from healthstore import catalogue
from healthstore import metadata as md
from healthstore.errors import InvalidArgument
from healthstore.interop.apple.values import (
    normalize_source_name,
    normalize_unit,
    parse_beat_time,
    parse_date,
    parse_device,
    parse_metadata_value,
    source_bundle_id,
)
from healthstore.model import Device
from healthstore.units import Quantity, Unit
from tests.conftest import shared_path

EXPORTS = ("grll-apple-health-mcp_export_v14.xml", "rgosdin-docs_export_v8_2019.xml")


@cache
def _elements(name: str) -> tuple[tuple[str, dict[str, str]], ...]:
    path = shared_path("data", "apple", name)
    return tuple(
        (str(element.tag), dict(element.attrib))
        for _, element in etree.iterparse(str(path), events=("start",))
    )


def real(attribute: str | re.Pattern[str], tag: str | None = None) -> list[str]:
    """Every distinct value of an attribute (a name, or a pattern of names) in the shared
    exports, decoded by an XML parser."""
    found: set[str] = set()
    for name in EXPORTS:
        for element_tag, attributes in _elements(name):
            if tag is not None and element_tag != tag:
                continue
            for key, value in attributes.items():
                if key == attribute or (
                    isinstance(attribute, re.Pattern) and attribute.search(key)
                ):
                    found.add(value)
    assert found, f"no {attribute} in the shared exports"
    return sorted(found)


def entries() -> list[tuple[str, str]]:
    pairs = {
        (attributes["key"], attributes["value"])
        for name in EXPORTS
        for tag, attributes in _elements(name)
        if tag == "MetadataEntry"
    }
    return sorted(pairs)


def fails(call: Callable[[], object], *words: str) -> InvalidArgument:
    with pytest.raises(InvalidArgument) as info:
        call()
    for word in words:
        assert word in info.value.message, info.value.message
    return info.value


WHOLE_SECONDS = st.datetimes(datetime(1900, 1, 1), datetime(2100, 1, 1)).map(
    lambda d: d.replace(microsecond=0)
)

# -- dates -------------------------------------------------------------------------------------


def test_every_date_in_the_exports_parses_and_keeps_its_offset() -> None:
    texts = real(re.compile(r"(?:Date|^date)$"))
    assert len(texts) > 100
    for text in texts:
        value = parse_date(text)
        assert value.utcoffset() is not None
        assert value.strftime("%Y-%m-%d %H:%M:%S %z") == text


def test_date_examples() -> None:
    assert parse_date("2020-12-06 20:24:28 -0800") == datetime(
        2020, 12, 6, 20, 24, 28, tzinfo=timezone(timedelta(hours=-8))
    )
    utc = parse_date("2020-12-06 20:24:28 +0000")
    assert utc.tzinfo is UTC and utc.hour == 20
    compact = parse_date("20190617210711-0400")  # iOS 8 exports and export_cda.xml
    assert compact == datetime(2019, 6, 17, 21, 7, 11, tzinfo=timezone(timedelta(hours=-4)))


@pytest.mark.parametrize(
    "text",
    [
        "",
        "2020-12-06 20:24:28",
        "2020-12-06T20:24:28-08:00",
        "2020-13-06 20:24:28 -0800",
        "2020-12-06 20:24:28 -2500",
        "2020-12-06 20:24:28 -08:00",
        "yesterday",
    ],
)
def test_bad_dates_name_the_text_and_the_field(text: str) -> None:
    err = fails(lambda: parse_date(text, "startDate"), repr(text), "startDate")
    assert err.field == "startDate"


@given(
    st.datetimes(datetime(1900, 1, 1), datetime(2100, 1, 1)).map(
        lambda d: d.replace(microsecond=0)
    ),
    st.integers(-14 * 60, 14 * 60),
)
def test_dates_round_trip(moment: datetime, minutes: int) -> None:
    sign = "-" if minutes < 0 else "+"
    text = f"{moment:%Y-%m-%d %H:%M:%S} {sign}{abs(minutes) // 60:02d}{abs(minutes) % 60:02d}"
    value = parse_date(text)
    assert value.replace(tzinfo=None) == moment
    assert value.utcoffset() == timedelta(minutes=minutes)


# -- devices -----------------------------------------------------------------------------------


def test_every_device_in_the_exports_parses() -> None:
    texts = real("device")
    for text in texts:
        device = parse_device(text)
        assert device is not None and device.manufacturer == "Apple Inc.", text
        assert device.name in ("Apple Watch", "iPhone")
        assert device.software_version and device.hardware_version
    watch6 = parse_device(next(t for t in texts if "Watch6,2" in t))
    assert watch6 is not None and watch6.hardware_version == "Watch6,2"


def test_device_example_and_identity() -> None:
    text = (
        "<<HKDevice: 0x533ad2350>, name:Apple Watch, manufacturer:Apple Inc., model:Watch, "
        "hardware:Watch4,4, software:9.6.3>"
    )
    assert parse_device(text) == Device(
        name="Apple Watch",
        manufacturer="Apple Inc.",
        model="Watch",
        hardware_version="Watch4,4",
        software_version="9.6.3",
    )
    # the memory address is not part of the device
    assert parse_device(text.replace("0x533ad2350", "0x1")) == parse_device(text)


def test_device_keys_missing_unknown_and_rare() -> None:
    text = (
        "<<HKDevice: 0x2>, name:Polar H10, firmware:3.1, colour:red, localIdentifier:AB-12, "
        "UDIDeviceIdentifier:(01)00123, software:>"
    )
    assert parse_device(text) == Device(
        name="Polar H10",
        firmware_version="3.1",
        local_identifier="AB-12",
        udi_device_identifier="(01)00123",
    )
    assert parse_device("") is None
    assert parse_device("<<HKDevice: 0x3>>") is None
    assert parse_device("<<HKDevice: 0x3>, colour:red>") is None


@pytest.mark.parametrize("text", ["name:Apple Watch", "<HKDevice: 0x1>, name:x>", "Apple Watch"])
def test_text_that_is_not_a_device_is_an_error(text: str) -> None:
    err = fails(lambda: parse_device(text, "Record.device"), repr(text), "Record.device")
    assert err.field == "Record.device"


_APPLE_KEYS = {
    "name": "name",
    "manufacturer": "manufacturer",
    "model": "model",
    "hardware": "hardware_version",
    "firmware": "firmware_version",
    "software": "software_version",
    "localIdentifier": "local_identifier",
    "UDIDeviceIdentifier": "udi_device_identifier",
}
_words = st.text(
    st.characters(categories=("L", "N"), include_characters=" .,-_()'’+/"), min_size=1, max_size=16
).filter(lambda s: s == s.strip())


@given(
    st.fixed_dictionaries({}, optional=dict.fromkeys(_APPLE_KEYS, _words)),
    st.integers(0, 2**48),
)
def test_devices_round_trip_from_apples_rendering(props: dict[str, str], address: int) -> None:
    text = "".join([f"<<HKDevice: {address:#x}>", *(f", {k}:{v}" for k, v in props.items()), ">"])
    expected = Device(**{_APPLE_KEYS[k]: v for k, v in props.items()}) if props else None
    assert parse_device(text) == expected


# -- sources -----------------------------------------------------------------------------------


def test_source_names_with_any_apostrophe_are_one_source() -> None:
    spellings = [
        "Guillaume's Apple Watch",
        "Guillaume’s Apple Watch",
        " Guillaume‘s Apple Watch",
        "Guillaumeʼs Apple Watch\n",
    ]
    assert {normalize_source_name(s) for s in spellings} == {"Guillaume's Apple Watch"}
    assert len({source_bundle_id(s) for s in spellings}) == 1
    assert normalize_source_name("Zoe\u0308") == "Zoë"  # composed (NFC)
    err = fails(lambda: normalize_source_name("  "), "sourceName")
    assert err.field == "sourceName"


def test_bundle_ids_are_uniform_stable_and_distinct() -> None:
    names = real("sourceName")
    ids = {source_bundle_id(name) for name in names}
    assert len(ids) == len({normalize_source_name(n) for n in names})
    for bundle_id in ids:
        assert re.fullmatch(r"com\.apple\.health\.export\.[0-9a-f]{12}", bundle_id)
    # pinned: the id must not change between releases, or re-imports would duplicate sources
    assert source_bundle_id("Health") == "com.apple.health.export.55898449eb74"


# -- units -------------------------------------------------------------------------------------


def test_every_unit_in_the_exports_is_understood() -> None:
    for text in real(re.compile(r"^unit$|Unit$")):
        Unit(normalize_unit(text))


def test_the_export_middle_dot_means_a_product_in_the_denominator() -> None:
    # the spec grammar: everything after the one "/" is the denominator
    assert Unit("mL/kg*min") == Unit("mL/(kg*min)")
    assert normalize_unit("mL/kg·min") == "mL/(kg*min)"
    vo2 = Unit(normalize_unit("mL/kg·min"))
    assert vo2 == Unit("mL/(kg*min)")
    assert vo2.is_compatible(catalogue.object_type("vo2Max").canonical_unit or "")
    assert Unit(normalize_unit("kcal/hr·kg")) == Unit("kcal/(kg*hr)")
    assert normalize_unit("Cal") == "Cal"
    assert Unit("Cal").convert(1, "kcal") == 1
    assert normalize_unit("mmol<180.1558800000541>/L") == "mmol<180.1558800000541>/L"
    assert Unit(normalize_unit("mmol<180.1558800000541>/L")).convert(1, "mg/dL") == pytest.approx(
        18.01558800000541
    )


def test_a_unit_that_is_not_one_is_an_error_naming_it() -> None:
    err = fails(lambda: normalize_unit("furlong/fortnight", "Record.unit"), "furlong")
    assert err.field == "Record.unit"


# -- metadata ----------------------------------------------------------------------------------


def test_every_metadata_entry_in_the_exports_is_typed_and_accepted() -> None:
    parsed = {key: parse_metadata_value(key, value) for key, value in entries()}
    md.normalize(parsed)  # the model accepts every value as it comes out
    assert parsed["HKWasUserEntered"] is True
    assert parsed["HKIndoorWorkout"] is False
    assert parsed["HKMetadataKeySyncVersion"] == 2
    assert parsed["HKMetadataKeySyncIdentifier"] == "48F229FA-1BC6-47E6-91BE-BBA6796D5E8C"
    assert parsed["HKAverageMETs"] == Quantity(5.4321, "kcal/(hr*kg)")
    assert isinstance(parsed["HKVO2MaxTestType"], int)
    assert parsed["HKSleepingWristTemperatureSourceType"] == 0  # not in the catalogue


@pytest.mark.parametrize(
    ("key", "text", "expected"),
    [
        ("HKWasUserEntered", "0", False),
        ("HKMetadataKeyWasUserEntered", "1", True),
        ("HKBloodGlucoseMealTime", "2", 2),
        ("HKMetadataKeyHeartRateMotionContext", "1", 1),
        ("HKAlgorithmVersion", "3", 3),
        ("HKReferenceRangeLowerLimit", "3.5", 3.5),
        ("HKWeatherTemperature", "47.6 degF", Quantity(47.6, "degF")),
        ("HKElevationAscended", "1036 cm", Quantity(1036, "cm")),
        ("HKWeatherHumidity", "56 %", Quantity(56, "%")),
        ("HKWeatherHumidity", "6900 %", Quantity(69, "%")),  # Apple writes it 100 times
        ("HKTimeZone", "Europe/Zurich", "Europe/Zurich"),
        ("HKExternalUUID", "123", "123"),  # a string key keeps digits as text
        ("Withings Link", "withings-bd2://x?a=1&b=2", "withings-bd2://x?a=1&b=2"),
        ("com.example.score", "42", 42),
        ("com.example.ratio", "-0.25", -0.25),
        ("com.example.code", "007", "007"),
        ("com.example.big", "1e3", "1e3"),
        ("com.example.label", "3 cups", "3 cups"),
        ("com.example.lap", "25 m", Quantity(25, "m")),
        ("com.example.when", "2020-12-06 20:24:28 -0800", "2020-12-06 20:24:28 -0800"),
    ],
)
def test_metadata_values(key: str, text: str, expected: object) -> None:
    value = parse_metadata_value(key, text)
    assert value == expected and type(value) is type(expected)


@pytest.mark.parametrize(
    ("key", "text"),
    [
        ("HKWasUserEntered", "2"),
        ("HKVO2MaxTestType", "9"),
        ("HKAlgorithmVersion", "new"),
        ("HKAverageMETs", "5.4"),
        ("HKAverageMETs", "5.4 furlong"),
        ("HKWeatherTemperature", "1e999 degF"),
    ],
)
def test_metadata_values_that_do_not_fit_their_key(key: str, text: str) -> None:
    err = fails(lambda: parse_metadata_value(key, text), key)
    assert err.field == f"metadata[{key!r}]"


# -- beat times --------------------------------------------------------------------------------


def test_beat_times_from_the_export() -> None:
    zurich = ZoneInfo("Europe/Zurich")
    day = date(2023, 11, 20)
    times = [parse_beat_time(t, day, zurich) for t in real("time", "InstantaneousBeatsPerMinute")]
    assert times == [
        datetime(2023, 11, 20, 19, 47, 41, 860000, tzinfo=zurich),
        datetime(2023, 11, 20, 19, 47, 53, 780000, tzinfo=zurich),
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12:00:01 AM", time(0, 0, 1)),
        ("12:30:00.5 PM", time(12, 30, 0, 500000)),
        ("7:47:41.86\u202fpm", time(19, 47, 41, 860000)),  # newer iOS: narrow no-break space
        ("19:47:41,86", time(19, 47, 41, 860000)),  # a 24-hour locale
        ("7:05:09 a.m.", time(7, 5, 9)),
        ("7:05:09.1234567 AM", time(7, 5, 9, 123456)),
    ],
)
def test_beat_time_spellings(text: str, expected: time) -> None:
    value = parse_beat_time(text, date(2024, 3, 31), UTC)
    assert value.timetz() == expected.replace(tzinfo=UTC)


@pytest.mark.parametrize("text", ["", "13:00:00 PM", "0:00:00 AM", "24:00:00", "7:47 PM", "noon"])
def test_bad_beat_times_name_the_text(text: str) -> None:
    err = fails(lambda: parse_beat_time(text, date(2024, 1, 1), UTC, "beat"), repr(text))
    assert err.field == "beat"


@given(st.times().map(lambda t: t.replace(microsecond=t.microsecond // 10000 * 10000)))
def test_twelve_hour_beat_times_round_trip(moment: time) -> None:
    hour = moment.hour % 12 or 12
    half = "AM" if moment.hour < 12 else "PM"
    text = f"{hour}:{moment:%M:%S}.{moment.microsecond // 10000:02d} {half}"
    value = parse_beat_time(text, date(2024, 3, 31), ZoneInfo("Europe/Paris"))
    assert value.time() == moment
    assert value.date() == date(2024, 3, 31)
