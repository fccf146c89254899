"""Tests for healthstore.units: HKUnit parsing, formatting and conversion."""

from __future__ import annotations

import copy
import itertools
import math
import pickle
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from healthstore.errors import ErrorCode, InvalidArgument
from healthstore.units import Quantity, Unit, convert, parse_unit

CATALOGUE_UNITS = [
    "count",
    "count/min",
    "count/s",
    "kcal",
    "Cal",
    "kJ",
    "J",
    "min",
    "hr",
    "s",
    "ms",
    "d",
    "degC",
    "degF",
    "K",
    "%",
    "mg/dL",
    "mmol<180.15588000005408>/L",
    "mmHg",
    "kPa",
    "cmAq",
    "inHg",
    "atm",
    "g",
    "kg",
    "mg",
    "mcg",
    "lb",
    "oz",
    "st",
    "m",
    "cm",
    "km",
    "mi",
    "ft",
    "in",
    "yd",
    "mL",
    "L",
    "fl_oz_us",
    "fl_oz_imp",
    "cup_us",
    "pt_us",
    "m/s",
    "km/hr",
    "mi/hr",
    "L/min",
    "W",
    "S",
    "mcS",
    "dBASPL",
    "Pa",
    "IU",
    "appleEffortScore",
    "ml/(kg*min)",
    "kcal/(kg*hr)",
    "rad",
    "deg",
    "lx",
    "D",
    "dBHL",
]

COMPATIBLE_PAIRS = [
    (a, b) for a, b in itertools.permutations(CATALOGUE_UNITS, 2) if Unit(a).is_compatible(Unit(b))
]
AFFINE_OR_LOG = {"degC", "degF", "dBASPL"}


def test_mile_to_kilometre_is_exact() -> None:
    assert Quantity(5, "mi").to("km").value == 8.04672
    assert convert(5, "mi", "km") == 8.04672
    assert Quantity(5, "mi").value_in("km") == 8.04672


# (unit, figure printed in the spec, reference unit, exact definition)
SPEC_TABLE = [
    ("oz", "28.3495", "g", Fraction("453.59237") / 16),
    ("lb", "453.592", "g", Fraction("453.59237")),
    ("st", "6350.29", "g", Fraction("453.59237") * 14),
    ("in", "0.0254", "m", Fraction("0.0254")),
    ("ft", "0.3048", "m", Fraction("0.3048")),
    ("yd", "0.9144", "m", Fraction("0.9144")),
    ("mi", "1609.34", "m", Fraction("1609.344")),
    ("mmHg", "133.3224", "Pa", Fraction("133.322387415")),
    ("cmAq", "98.0665", "Pa", Fraction("98.0665")),
    ("atm", "101325", "Pa", Fraction(101325)),
    ("inHg", "3386.38816", "Pa", Fraction("3386.38816")),
    ("fl_oz_us", "0.0295735295625", "L", Fraction("0.0295735295625")),
    ("fl_oz_imp", "0.0284130625", "L", Fraction("0.0284130625")),
    ("pt_us", "0.473176473", "L", Fraction("0.473176473")),
    ("pt_imp", "0.56826125", "L", Fraction("0.56826125")),
    ("cup_us", "0.2365882365", "L", Fraction("0.2365882365")),
    ("cup_imp", "0.284130625", "L", Fraction("0.284130625")),
    ("cal", "4.184", "J", Fraction("4.184")),
    ("kcal", "4184", "J", Fraction(4184)),
    ("Cal", "4184", "J", Fraction(4184)),
    ("deg", str(math.pi / 180), "rad", Fraction(math.pi) / 180),
    ("min", "60", "s", Fraction(60)),
    ("hr", "3600", "s", Fraction(3600)),
    ("d", "86400", "s", Fraction(86400)),
]


@pytest.mark.parametrize(("unit", "printed", "reference", "definition"), SPEC_TABLE)
def test_spec_factor(unit: str, printed: str, reference: str, definition: Fraction) -> None:
    one = convert(1, unit, reference)
    assert math.isclose(one, float(definition), rel_tol=1e-15)
    assert math.isclose(one, float(printed), rel_tol=5e-6)
    back = convert(1, reference, unit)
    assert math.isclose(back, float(1 / definition), rel_tol=1e-15)


def test_exact_factors_are_correctly_rounded() -> None:
    assert convert(1, "mi", "m") == 1609.344
    assert convert(1, "oz", "g") == 28.349523125
    assert convert(1, "st", "kg") == 6.35029318
    assert convert(3, "ft", "yd") == 1.0
    assert convert(12, "in", "ft") == 1.0
    assert convert(1, "kcal", "kJ") == 4.184
    assert convert(1, "Cal", "cal") == 1000.0


@given(st.floats(min_value=-1e12, max_value=1e12, allow_nan=False))
def test_mile_conversion_matches_exact_arithmetic(value: float) -> None:
    assert convert(value, "mi", "km") == float(Fraction(value) * Fraction("1.609344"))
    assert convert(value, "km", "mi") == float(Fraction(value) / Fraction("1.609344"))


def test_percent_values_are_fractions() -> None:
    q = Quantity(0.98, "%")
    assert q.value == 0.98
    assert str(q) == "0.98 %"
    assert Unit("%").dimensions == (("percent", 1),)


@pytest.mark.parametrize(
    ("text", "dimensions"),
    [
        ("count/min", (("count", 1), ("time", -1))),
        ("mg/dL", (("length", -3), ("mass", 1))),
        ("mmol<180.15588000005408>/L", (("length", -3), ("mass", 1))),
        ("ml/(kg*min)", (("length", 3), ("mass", -1), ("time", -1))),
        ("kcal/(kg*hr)", (("length", 2), ("time", -3))),
        ("m^2", (("length", 2),)),
        ("kg/m.s^2", (("length", -1), ("mass", 1), ("time", -2))),
        ("m^-2", (("length", -2),)),
        ("Hz", (("time", -1),)),
        ("J", (("length", 2), ("mass", 1), ("time", -2))),
    ],
)
def test_grammar_examples(text: str, dimensions: tuple[tuple[str, int], ...]) -> None:
    unit = Unit(text)
    assert unit.dimensions == dimensions
    assert Unit(str(unit)) == unit


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("kg/m.s^2", "kg/(m*s^2)"),
        ("kg/m.s^2", "kg*m^-1*s^-2"),
        ("kg/m.s^2", " kg / ( m * s ^ 2 ) "),
        ("kg*m", "m.kg"),
        ("mL", "ml"),
        ("mcg", "µg"),
        ("mcg", "μg"),
        ("mcg", "ug"),
        ("m*m", "m^2"),
        ("m^2*m^-1", "m"),
        ("(kg*min)", "kg.min"),
        ("mmol<180.15588000005408>", "mmol<180.155880000054080>"),
    ],
)
def test_equal_spellings(left: str, right: str) -> None:
    assert Unit(left) == Unit(right)
    assert hash(Unit(left)) == hash(Unit(right))


def test_distinct_units_are_not_equal() -> None:
    assert Unit("mL") != Unit("L")
    assert Unit("kcal") != Unit("Cal")
    assert Unit("m") != "m"


def test_atom_matching() -> None:
    assert convert(1, "mmHg", "Pa") == 133.322387415
    assert convert(1, "min", "s") == 60.0
    assert convert(1, "ms", "s") == 0.001
    assert convert(1, "mcg", "g") == 1e-6
    assert convert(1, "dL", "L") == 0.1
    assert convert(1, "cm", "m") == 0.01
    assert convert(1, "dam", "m") == 10.0
    assert convert(1, "hPa", "Pa") == 100.0
    assert convert(1, "d", "hr") == 24.0
    assert convert(1, "Ms", "s") == 1e6
    assert convert(1, "kcal", "cal") == 1000.0
    assert convert(1, "Cal", "J") == 4184.0
    assert convert(1, "nm", "m") == 1e-9
    assert convert(1, "fg", "g") == 1e-15
    assert convert(1, "TJ", "J") == 1e12
    assert convert(1, "GW", "W") == 1e9
    assert convert(1, "kHz", "Hz") == 1000.0
    assert convert(1, "mK", "K") == 0.001
    assert convert(1, "mlx", "lx") == 0.001
    assert convert(1000, "mV", "V") == 1.0
    assert convert(1000, "mrad", "rad") == 1.0
    assert Unit("pD").dimensions == (("prismDiopter", 1),)
    assert Unit("D").dimensions == (("diopter", 1),)


def test_derived_units_reduce() -> None:
    assert Unit("J") == Unit("J")
    assert Unit("W").is_compatible("J/s")
    assert Unit("Pa").is_compatible("kg/(m*s^2)")
    assert Unit("J").is_compatible("kg*m^2/s^2")
    assert Unit("Hz").is_compatible("s^-1")
    assert Unit("L").is_compatible("m^3")
    assert Unit("S").is_compatible("W^-1*V^-1*W^2*V^-1")
    assert Unit("V").is_compatible("W/S.V")
    assert convert(1, "J", "kg*m^2/s^2") == 1.0
    assert convert(1, "Pa", "g/(m*s^2)") == 1000.0
    assert convert(1, "L", "dm^3") == 1.0
    assert convert(1, "V", "W*S^-1*V^-1") == 1.0


def test_compound_conversions() -> None:
    assert math.isclose(convert(1, "kcal/(kg*hr)", "W/kg"), 4184 / 3600, rel_tol=1e-15)
    assert math.isclose(convert(1, "ml/(kg*min)", "L/(kg*hr)"), 0.06, rel_tol=1e-15)
    assert math.isclose(convert(1, "m/s", "km/hr"), 3.6, rel_tol=1e-15)
    assert convert(60, "count/min", "count/s") == 1.0


def test_glucose_molar_mass() -> None:
    ratio = convert(1, "mmol<180.15588000005408>/L", "mg/dL")
    assert ratio == float(Fraction("18.015588000005408"))
    assert math.isclose(convert(ratio, "mg/dL", "mmol<180.15588000005408>/L"), 1.0)
    assert convert(1, "mol<18>", "g") == 18.0


@pytest.mark.parametrize(
    ("left", "right", "expected"),
    [
        ("count/min", "count/s", True),
        ("kg", "m", False),
        ("%", "count", False),
        ("mg/dL", "mmol<180.15588000005408>/L", True),
        ("degC", "K", True),
        ("degF", "degC", True),
        ("dBASPL", "mmHg", True),
        ("dBHL", "dBASPL", False),
        ("IU", "count", False),
        ("D", "pD", False),
        ("rad", "deg", True),
        ("lx", "count", False),
        ("S", "mcS", True),
    ],
)
def test_compatibility(left: str, right: str, expected: bool) -> None:
    assert Unit(left).is_compatible(Unit(right)) is expected
    assert Unit(left).is_compatible(right) is expected
    assert Quantity(1, left).is_compatible(right) is expected


def test_affine_temperatures() -> None:
    assert convert(0, "degC", "degF") == 32.0
    assert convert(0, "degC", "K") == 273.15
    assert convert(32, "degF", "K") == 273.15
    assert math.isclose(convert(273.15, "K", "degC"), 0.0, abs_tol=1e-12)
    assert math.isclose(convert(37, "degC", "degF"), 98.6, rel_tol=1e-12)
    assert math.isclose(convert(98.6, "degF", "degC"), 37.0, rel_tol=1e-12)
    assert math.isclose(convert(-40, "degC", "degF"), -40.0, rel_tol=1e-12)
    assert convert(300, "K", "mK") == 300000.0


def test_sound_pressure_level() -> None:
    assert math.isclose(convert(94, "dBASPL", "Pa"), 1.0024, rel_tol=1e-4)
    assert convert(0, "dBASPL", "Pa") == 2e-5
    assert math.isclose(convert(2e-5, "Pa", "dBASPL"), 0.0, abs_tol=1e-12)
    assert math.isclose(convert(1, "Pa", "dBASPL"), 93.9794, rel_tol=1e-6)
    assert math.isclose(convert(20, "mPa", "dBASPL"), 60.0, rel_tol=1e-12)
    with pytest.raises(InvalidArgument) as info:
        convert(0, "Pa", "dBASPL")
    assert info.value.field == "value"


BAD_UNITS = [
    "",
    "   ",
    "kg m",
    "m/s/s",
    "(m",
    "m)",
    "((m)",
    "m^",
    "m^x",
    "m^2.5",
    "furlong",
    "kgg",
    "m#",
    "m//s",
    "/s",
    "m/",
    "m*",
    "*m",
    "m..s",
    "degC/min",
    "degF*s",
    "degC^2",
    "dBASPL/s",
    "kdegC",
    "mol",
    "mol<0>",
    "mol<-5>",
    "mol<abc>",
    "xmol<18>",
    "mcal",
    "kmi",
    "m/m",
    "(m/s)",
    "M",
    "mm Hg",
    "2m",
]


@pytest.mark.parametrize("text", BAD_UNITS)
def test_bad_units_are_invalid(text: str) -> None:
    with pytest.raises(InvalidArgument) as info:
        Unit(text)
    assert text in info.value.message
    assert info.value.code == 3
    assert info.value.code == ErrorCode.invalidArgument
    assert info.value.field == "unit"


@pytest.mark.parametrize("text", ["m^", "m^x", "m^2.5"])
def test_power_error_says_what_is_wrong(text: str) -> None:
    with pytest.raises(InvalidArgument, match="integer"):
        Unit(text)


def test_compound_temperature_error_explains() -> None:
    with pytest.raises(InvalidArgument, match="alone"):
        Unit("degC/min")


def test_non_string_unit_is_invalid() -> None:
    for value in (None, 5, ["m"]):
        with pytest.raises(InvalidArgument):
            parse_unit(value)  # type: ignore[arg-type]


def test_incompatible_conversion_names_both_units() -> None:
    with pytest.raises(InvalidArgument) as info:
        convert(1, "kg", "m")
    assert "cannot convert 'kg' to 'm': incompatible units" in info.value.message
    assert info.value.code == 3
    with pytest.raises(InvalidArgument, match=r"'%'.*'count'"):
        Quantity(0.5, "%").to("count")
    with pytest.raises(InvalidArgument, match=r"'dBHL'.*'Pa'"):
        Unit("dBHL").converter("Pa")


def test_parsing_is_cached() -> None:
    assert parse_unit("count/min") is parse_unit("count/min")
    assert Unit("count/min") is Unit.parse("count/min")
    assert Unit("ml").text == "ml"
    assert Unit(" ml / ( kg * min ) ").text == "ml/(kg*min)"
    assert Unit("mi").converter("km") is Unit("mi").converter("km")


def test_unit_is_immutable_and_picklable() -> None:
    unit = Unit("kg")
    with pytest.raises(AttributeError):
        unit.text = "g"
    assert pickle.loads(pickle.dumps(unit)) == unit
    assert repr(unit) == "Unit('kg')"


def test_canonical_string() -> None:
    assert str(Unit("ml/(kg*min)")) == "mL/(kg*min)"
    assert str(Unit("m.kg")) == "kg*m"
    assert str(Unit("kg/m.s^2")) == "kg/(m*s^2)"
    assert str(Unit("µg")) == "mcg"
    assert str(Unit("Hz^-1")) == "Hz^-1"
    assert str(Unit("mmol<180.15588000005408>/L")) == "mmol<180.15588000005408>/L"


def test_converter_is_fast_path() -> None:
    to_km = Unit("mi").converter("km")
    assert math.isclose(to_km(5.0), 8.04672, rel_tol=1e-15)
    to_f = Unit("degC").converter(Unit("degF"))
    assert math.isclose(to_f(100.0), 212.0, rel_tol=1e-15)
    same = Unit("mL").converter("ml")
    assert same(1.5) == 1.5


def test_quantity_basics() -> None:
    q = Quantity(5, "mi")
    assert q.value == 5.0
    assert isinstance(q.value, float)
    assert q.unit == Unit("mi")
    assert repr(q) == "Quantity(5.0, 'mi')"
    assert str(q) == "5 mi"
    assert str(Quantity(1.5, "kg")) == "1.5 kg"
    assert q == Quantity(5.0, Unit("mi"))
    assert hash(q) == hash(Quantity(5.0, "mi"))
    assert q != Quantity(5.0, "km")
    assert Quantity(1, "mL") == Quantity(1, "ml")
    assert q.to("mi") == q
    with pytest.raises(AttributeError):
        q.value = 3.0
    assert pickle.loads(pickle.dumps(q)) == q
    assert copy.copy(q) == q


@pytest.mark.parametrize("value", [True, False, math.nan, math.inf, -math.inf, "5", None])
def test_quantity_rejects_bad_values(value: object) -> None:
    with pytest.raises(InvalidArgument) as info:
        Quantity(value, "kg")  # type: ignore[arg-type]
    assert info.value.field == "value"
    assert info.value.code == 3


def test_quantity_rejects_bad_units() -> None:
    with pytest.raises(InvalidArgument) as info:
        Quantity(1, "bogus")
    assert "bogus" in info.value.message
    assert info.value.field == "unit"


def test_quantity_comparisons() -> None:
    assert Quantity(1, "km") > Quantity(999, "m")
    assert Quantity(1, "km") >= Quantity(1000, "m")
    assert Quantity(1, "km") <= Quantity(1000, "m")
    assert Quantity(1, "mi") < Quantity(1.61, "km")
    assert Quantity(0, "degC") < Quantity(33, "degF")
    with pytest.raises(InvalidArgument):
        _ = Quantity(1, "kg") < Quantity(1, "m")
    with pytest.raises(TypeError):
        _ = Quantity(1, "kg") < 5


def test_enough_compatible_pairs() -> None:
    assert len(COMPATIBLE_PAIRS) >= 25


def _values_for(source: str, target: str) -> st.SearchStrategy[float]:
    if source == "dBASPL":
        return st.floats(min_value=-20, max_value=200)
    if target == "dBASPL":
        return st.floats(min_value=1e-6, max_value=1e6)
    magnitudes = st.floats(min_value=1e-6, max_value=1e6)
    return st.just(0.0) | magnitudes | magnitudes.map(lambda v: -v)


@settings(max_examples=500)
@given(st.data())
def test_round_trip_between_compatible_units(data: st.DataObject) -> None:
    source, target = data.draw(st.sampled_from(COMPATIBLE_PAIRS))
    value = data.draw(_values_for(source, target))
    there = convert(value, source, target)
    back = convert(there, target, source)
    abs_tol = 1e-9 if {source, target} & AFFINE_OR_LOG else 0.0
    assert math.isclose(back, value, rel_tol=1e-12, abs_tol=abs_tol)
    quick = Unit(source).converter(target)(value)
    assert math.isclose(quick, there, rel_tol=1e-12, abs_tol=abs_tol)


@given(st.sampled_from(CATALOGUE_UNITS))
def test_parse_of_str_round_trips(text: str) -> None:
    unit = parse_unit(text)
    assert parse_unit(str(unit)) == unit
    assert parse_unit(unit.text) == unit


@given(st.sampled_from(CATALOGUE_UNITS), st.sampled_from(CATALOGUE_UNITS))
def test_compatibility_is_symmetric(left: str, right: str) -> None:
    assert Unit(left).is_compatible(right) == Unit(right).is_compatible(left)
