"""HealthKit ``HKUnit`` strings: parse, format and convert.

Every factor is an exact :class:`~fractions.Fraction` built from decimal text, so
:func:`convert` and :meth:`Quantity.to` return the correctly rounded ``value × ratio``.
Parsing and conversion plans are cached; :meth:`Unit.converter` gives a plain-float function
for bulk work. ``degC``/``degF`` are affine and ``dBASPL`` is logarithmic (pressure); each may
only stand alone. ``%`` is its own dimension with values stored as fractions 0..1.
"""

from __future__ import annotations

import math
import numbers
import operator
import re
from collections.abc import Callable
from decimal import Decimal
from fractions import Fraction
from functools import lru_cache
from typing import Final, NamedTuple, NoReturn, cast, final

from healthstore.errors import InvalidArgument

Dimensions = tuple[tuple[str, int], ...]
"""Base dimension → non-zero integer exponent, as sorted pairs."""

_LINEAR, _AFFINE, _LOG = "linear", "affine", "log"


class _Atom(NamedTuple):
    factor: Fraction
    dims: dict[str, int]
    offset: Fraction = Fraction(0)
    kind: str = _LINEAR


_F = Fraction
_MASS: Final = {"mass": 1}
_LENGTH: Final = {"length": 1}
_TIME: Final = {"time": 1}
_TEMPERATURE: Final = {"temperature": 1}
_VOLUME: Final = {"length": 3}
_PRESSURE: Final = {"mass": 1, "length": -1, "time": -2}
_ENERGY: Final = {"mass": 1, "length": 2, "time": -2}
_POWER: Final = {"mass": 1, "length": 2, "time": -3}

_PASCAL: Final = _F(1000)
_JOULE: Final = _F(1000)
_LITRE: Final = _F(1, 1000)
_POUND: Final = _F("453.59237")
_INCH: Final = _F("0.0254")
_PI: Final = _F("3.14159265358979323846264338327950288419716939937510")

_PREFIXABLE: Final[dict[str, _Atom]] = {
    "g": _Atom(_F(1), _MASS),
    "m": _Atom(_F(1), _LENGTH),
    "L": _Atom(_LITRE, _VOLUME),
    "Pa": _Atom(_PASCAL, _PRESSURE),
    "s": _Atom(_F(1), _TIME),
    "J": _Atom(_JOULE, _ENERGY),
    "K": _Atom(_F(1), _TEMPERATURE),
    "S": _Atom(_F(1, 1000), {"mass": -1, "length": -2, "time": 3, "current": 2}),
    "Hz": _Atom(_F(1), {"time": -1}),
    "V": _Atom(_F(1000), {"mass": 1, "length": 2, "time": -3, "current": -1}),
    "W": _Atom(_F(1000), _POWER),
    "rad": _Atom(_F(1), {"angle": 1}),
    "lx": _Atom(_F(1), {"illuminance": 1}),
}

_FIXED: Final[dict[str, _Atom]] = {
    "oz": _Atom(_POUND / 16, _MASS),
    "lb": _Atom(_POUND, _MASS),
    "st": _Atom(_POUND * 14, _MASS),
    "in": _Atom(_INCH, _LENGTH),
    "ft": _Atom(_INCH * 12, _LENGTH),
    "yd": _Atom(_INCH * 36, _LENGTH),
    "mi": _Atom(_INCH * 63360, _LENGTH),
    "mmHg": _Atom(_F("133.322387415") * _PASCAL, _PRESSURE),
    "cmAq": _Atom(_F("98.0665") * _PASCAL, _PRESSURE),
    "atm": _Atom(_F(101325) * _PASCAL, _PRESSURE),
    "inHg": _Atom(_F("3386.38816") * _PASCAL, _PRESSURE),
    "dBASPL": _Atom(_PASCAL, _PRESSURE, kind=_LOG),
    "fl_oz_us": _Atom(_F("0.0295735295625") * _LITRE, _VOLUME),
    "fl_oz_imp": _Atom(_F("0.0284130625") * _LITRE, _VOLUME),
    "pt_us": _Atom(_F("0.473176473") * _LITRE, _VOLUME),
    "pt_imp": _Atom(_F("0.56826125") * _LITRE, _VOLUME),
    "cup_us": _Atom(_F("0.2365882365") * _LITRE, _VOLUME),
    "cup_imp": _Atom(_F("0.284130625") * _LITRE, _VOLUME),
    "min": _Atom(_F(60), _TIME),
    "hr": _Atom(_F(3600), _TIME),
    "d": _Atom(_F(86400), _TIME),
    "cal": _Atom(_F("4.184") * _JOULE, _ENERGY),
    "kcal": _Atom(_F(4184) * _JOULE, _ENERGY),
    "Cal": _Atom(_F(4184) * _JOULE, _ENERGY),
    "degC": _Atom(_F(1), _TEMPERATURE, _F("273.15"), _AFFINE),
    "degF": _Atom(_F(5, 9), _TEMPERATURE, _F("459.67") * _F(5, 9), _AFFINE),
    "deg": _Atom(_PI / 180, {"angle": 1}),
    "count": _Atom(_F(1), {"count": 1}),
    "%": _Atom(_F(1), {"percent": 1}),
    "IU": _Atom(_F(1), {"IU": 1}),
    "dBHL": _Atom(_F(1), {"dBHL": 1}),
    "D": _Atom(_F(1), {"diopter": 1}),
    "pD": _Atom(_F(1), {"prismDiopter": 1}),
    "appleEffortScore": _Atom(_F(1), {"appleEffortScore": 1}),
}

_PREFIXES: Final[dict[str, int]] = {
    "da": 1,
    "h": 2,
    "k": 3,
    "M": 6,
    "G": 9,
    "T": 12,
    "d": -1,
    "c": -2,
    "m": -3,
    "mc": -6,
    "n": -9,
    "p": -12,
    "f": -15,
}
_PREFIX_SPELLINGS: Final = {**{p: p for p in _PREFIXES}, "µ": "mc", "μ": "mc", "u": "mc"}
_PREFIX_ORDER: Final = sorted(_PREFIX_SPELLINGS, key=len, reverse=True)

_TOKEN: Final = re.compile(
    r"\s*(?:(?P<atom>%|[A-Za-z_µμ]+(?:<[^<>\s]*>)?)|(?P<number>[+-]?\d+(?:\.\d*)?)|(?P<op>[./*^()]))"
)
_MOLE: Final = re.compile(r"(?P<prefix>.*?)mol<(?P<mass>[^<>]*)>")
_DECIMAL: Final = re.compile(r"(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")

_Key = tuple[str, str]
"""An atom's canonical (name, prefix), e.g. ``("L", "m")`` for ``mL``."""


class _Parser:
    """Recursive descent over ``unit := product ['/' product]``."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens: list[tuple[str, str]] = []
        pos, end = 0, len(text)
        while pos < end:
            match = _TOKEN.match(text, pos)
            if match is None:
                if text[pos:].isspace():
                    break
                self.fail(f"unexpected character {text[pos]!r}")
            kind = match.lastgroup or ""
            self.tokens.append((kind, match.group(kind)))
            pos = match.end()
        self.pos = 0

    def fail(self, why: str) -> NoReturn:
        raise InvalidArgument(f"invalid unit '{self.text}': {why}", field="unit")

    def peek(self) -> str | None:
        return self.tokens[self.pos][1] if self.pos < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        self.pos += 1
        return self.tokens[self.pos - 1] if self.pos <= len(self.tokens) else ("end", "")

    def unit(self) -> list[tuple[_Key, _Atom, int]]:
        if not self.tokens:
            self.fail("empty unit string")
        if sum(1 for _, tok in self.tokens if tok == "/") > 1:
            self.fail("more than one '/'")
        terms = self.product()
        if self.peek() == "/":
            self.pos += 1
            terms += [(key, atom, -exp) for key, atom, exp in self.product()]
        token = self.peek()
        if token == ")":
            self.fail("unbalanced parentheses: unmatched ')'")
        if token is not None:
            self.fail(f"unexpected {token!r} (missing '.' or '*'?)")
        return terms

    def product(self) -> list[tuple[_Key, _Atom, int]]:
        terms = self.factor()
        while self.peek() in (".", "*"):
            self.pos += 1
            terms += self.factor()
        return terms

    def factor(self) -> list[tuple[_Key, _Atom, int]]:
        kind, token = self.take()
        if token == "(":
            terms = self.product()
            if self.peek() == "/":
                self.fail("'/' is not allowed inside parentheses")
            if self.peek() != ")":
                self.fail("unbalanced parentheses: missing ')'")
            self.pos += 1
        elif kind == "atom":
            key, atom = self.atom(token)
            terms = [(key, atom, 1)]
        else:
            self.fail(f"unexpected {token!r}" if token else "unexpected end")
        if self.peek() == "^":
            self.pos += 1
            kind, token = self.take()
            if kind != "number" or not token.lstrip("+-").isdigit():
                self.fail("'^' must be followed by an integer")
            power = int(token)
            terms = [(key, atom, exp * power) for key, atom, exp in terms]
        return terms

    def atom(self, name: str) -> tuple[_Key, _Atom]:
        if name in _FIXED:
            return (name, ""), _FIXED[name]
        if name == "l":
            name = "L"
        if name in _PREFIXABLE:
            return (name, ""), _PREFIXABLE[name]
        mole = _MOLE.fullmatch(name)
        if mole is not None:
            return self.mole(name, mole.group("prefix"), mole.group("mass"))
        for spelling in _PREFIX_ORDER:
            if name.startswith(spelling):
                base = name[len(spelling) :]
                base = "L" if base == "l" else base
                if base in _PREFIXABLE:
                    return self.prefixed(base, _PREFIX_SPELLINGS[spelling])
        self.fail(f"unknown unit {name!r}")

    def prefixed(self, base: str, prefix: str) -> tuple[_Key, _Atom]:
        atom = _PREFIXABLE[base]
        scale = Fraction(10) ** _PREFIXES[prefix]
        return (base, prefix), atom._replace(factor=atom.factor * scale)

    def mole(self, name: str, spelling: str, mass: str) -> tuple[_Key, _Atom]:
        if spelling and spelling not in _PREFIX_SPELLINGS:
            self.fail(f"unknown prefix {spelling!r} in {name!r}")
        if not _DECIMAL.fullmatch(mass) or Decimal(mass) <= 0:
            self.fail(f"molar mass in {name!r} must be a positive decimal number (g/mol)")
        exact = Decimal(mass)
        prefix = _PREFIX_SPELLINGS.get(spelling, "")
        scale = Fraction(10) ** _PREFIXES[prefix] if prefix else Fraction(1)
        canonical = f"mol<{format(exact.normalize(), 'f')}>"
        return (canonical, prefix), _Atom(Fraction(exact) * scale, _MASS)


def _format(exponents: dict[_Key, int]) -> str:
    def piece(key: _Key, exp: int) -> str:
        return f"{key[1]}{key[0]}" + (f"^{exp}" if exp != 1 else "")

    ordered = sorted(exponents.items())
    above = [piece(key, exp) for key, exp in ordered if exp > 0]
    below = [piece(key, -exp) for key, exp in ordered if exp < 0]
    if not above:
        return "*".join(piece(key, exp) for key, exp in ordered)
    if not below:
        return "*".join(above)
    denominator = below[0] if len(below) == 1 else f"({'*'.join(below)})"
    return f"{'*'.join(above)}/{denominator}"


def _parse(text: str) -> Unit:
    if not isinstance(text, str):
        raise InvalidArgument(f"unit must be a string, got {type(text).__name__}", field="unit")
    parser = _Parser(text)
    terms = parser.unit()
    for key, atom, exp in terms:
        if atom.kind != _LINEAR and (len(terms) != 1 or exp != 1):
            parser.fail(f"'{key[0]}' must stand alone, not in a compound unit or with a power")
    exponents: dict[_Key, int] = {}
    atoms: dict[_Key, _Atom] = {}
    for key, atom, exp in terms:
        exponents[key] = exponents.get(key, 0) + exp
        atoms[key] = atom
    exponents = {key: exp for key, exp in exponents.items() if exp}
    if not exponents:
        parser.fail("the unit cancels out to nothing")
    factor = Fraction(1)
    dims: dict[str, int] = {}
    for key, exp in exponents.items():
        atom = atoms[key]
        factor *= atom.factor**exp
        for dim, power in atom.dims.items():
            dims[dim] = dims.get(dim, 0) + power * exp
    only = atoms[terms[0][0]]
    canonical_key = tuple(sorted(exponents.items()))
    fields = {
        "text": "".join(token for _, token in parser.tokens),
        "_key": canonical_key,
        "_hash": hash(canonical_key),
        "_str": _format(exponents),
        "_dims": tuple(sorted((dim, exp) for dim, exp in dims.items() if exp)),
        "_factor": factor,
        "_offset": only.offset,
        "_kind": only.kind,
    }
    unit = object.__new__(Unit)
    for name, value in fields.items():
        object.__setattr__(unit, name, value)
    return unit


_parse_cached: Final = lru_cache(maxsize=4096)(_parse)


def parse_unit(text: str) -> Unit:
    """Parse an HKUnit string into a shared, cached :class:`Unit`."""
    try:
        return _parse_cached(text)
    except TypeError:
        raise InvalidArgument(
            f"unit must be a string, got {type(text).__name__}", field="unit"
        ) from None


@final
class Unit:
    """A parsed HKUnit string; immutable, hashable, equal by canonical form."""

    __slots__ = ("_dims", "_factor", "_hash", "_key", "_kind", "_offset", "_str", "text")

    text: str
    _key: tuple[tuple[_Key, int], ...]
    _str: str
    _dims: Dimensions
    _factor: Fraction
    _offset: Fraction
    _kind: str
    _hash: int

    def __new__(cls, text: str) -> Unit:
        return parse_unit(text)

    @classmethod
    def parse(cls, text: str) -> Unit:
        """The cached parser: equal strings give the same instance."""
        return parse_unit(text)

    @property
    def dimensions(self) -> Dimensions:
        """Sorted ``(base dimension, exponent)`` pairs, e.g. ``(("length", 1), ("time", -1))``."""
        return self._dims

    def is_compatible(self, other: Unit | str) -> bool:
        """Whether both units reduce to the same dimensions."""
        unit = other if isinstance(other, Unit) else parse_unit(other)
        return self._dims == unit._dims

    def convert(self, value: float, to: Unit | str) -> float:
        """``value`` in this unit expressed in ``to``, correctly rounded."""
        return _plan(self, to if isinstance(to, Unit) else parse_unit(to)).exact(value)

    def converter(self, to: Unit | str) -> Callable[[float], float]:
        """A cached float function converting from this unit to ``to``, for bulk use."""
        return _plan(self, to if isinstance(to, Unit) else parse_unit(to)).fast

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Unit):
            return self is other or self._key == other._key
        return NotImplemented

    def __hash__(self) -> int:
        return self._hash

    def __str__(self) -> str:
        return self._str

    def __repr__(self) -> str:
        return f"Unit({self._str!r})"

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("Unit is immutable")

    def __reduce__(self) -> tuple[Callable[[str], Unit], tuple[str]]:
        return parse_unit, (self.text,)


class _Plan(NamedTuple):
    exact: Callable[[float], float]
    fast: Callable[[float], float]


_REFERENCE_PASCAL: Final = 2e-5


def _scale(ratio: Fraction) -> _Plan:
    if ratio == 1:
        return _Plan(float, float)
    forward = float(ratio)
    if Fraction(forward) == ratio:
        return _Plan(forward.__rmul__, forward.__rmul__)
    inverse = float(1 / ratio)
    if Fraction(inverse) == 1 / ratio:
        return _Plan(inverse.__rtruediv__, inverse.__rtruediv__)

    top, bottom = ratio.numerator, ratio.denominator

    def exact(value: float) -> float:
        try:
            numerator, denominator = value.as_integer_ratio()
            return numerator * top / (denominator * bottom)
        except (ValueError, OverflowError):
            return value * forward

    return _Plan(exact, forward.__rmul__)


def _shift(ratio: Fraction, shift: Fraction) -> _Plan:
    scale, offset = float(ratio), float(shift)

    top, bottom = ratio.numerator, ratio.denominator
    plus, over = shift.numerator, shift.denominator

    def exact(value: float) -> float:
        try:
            numerator, denominator = value.as_integer_ratio()
            scaled = denominator * bottom
            return (numerator * top * over + plus * scaled) / (scaled * over)
        except (ValueError, OverflowError):
            return value * scale + offset

    def fast(value: float) -> float:
        return value * scale + offset

    return _Plan(exact, fast)


def _from_level(linear: _Plan) -> _Plan:
    def pascal(level: float) -> float:
        try:
            return _REFERENCE_PASCAL * 10 ** (level / 20)
        except OverflowError:
            return math.inf

    return _Plan(lambda v: linear.exact(pascal(v)), lambda v: linear.fast(pascal(v)))


def _to_level(linear: _Plan, target: str) -> _Plan:
    def level(pascal: float) -> float:
        if pascal <= 0:
            raise InvalidArgument(
                f"only a positive pressure can be expressed in '{target}'", field="value"
            )
        return 20 * math.log10(pascal / _REFERENCE_PASCAL)

    return _Plan(lambda v: level(linear.exact(v)), lambda v: level(linear.fast(v)))


@lru_cache(maxsize=4096)
def _plan(source: Unit, target: Unit) -> _Plan:
    if source._dims != target._dims:
        raise InvalidArgument(
            f"cannot convert '{source.text}' to '{target.text}': incompatible units",
            field="unit",
        )
    if source._key == target._key:
        return _Plan(float, float)
    ratio = source._factor / target._factor
    if source._kind == _LOG:
        return _from_level(_scale(ratio))
    if target._kind == _LOG:
        return _to_level(_scale(ratio), str(target))
    shift = (source._offset - target._offset) / target._factor
    return _scale(ratio) if shift == 0 else _shift(ratio, shift)


def convert(value: float, from_unit: Unit | str, to_unit: Unit | str) -> float:
    """``value`` in ``from_unit`` expressed in ``to_unit``, correctly rounded."""
    source = from_unit if isinstance(from_unit, Unit) else parse_unit(from_unit)
    target = to_unit if isinstance(to_unit, Unit) else parse_unit(to_unit)
    return _plan(source, target).exact(value)


def _checked_value(value: object) -> float:
    if type(value) is float:
        number = value
    elif isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise InvalidArgument(
            f"quantity value must be a number, not {type(value).__name__}", field="value"
        )
    else:
        try:
            number = float(value)
        except OverflowError:
            raise InvalidArgument("quantity value is too large", field="value") from None
    if not math.isfinite(number):
        raise InvalidArgument("quantity value must be finite", field="value")
    return number


def _format_number(value: float) -> str:
    text = repr(value)
    return text[:-2] if text.endswith(".0") else text


def _ordering(compare: Callable[[float, float], bool]) -> Callable[[Quantity, object], bool]:
    def method(self: Quantity, other: object) -> bool:
        if not isinstance(other, Quantity):
            return cast(bool, NotImplemented)
        return compare(self.value, other.unit.convert(other.value, self.unit))

    method.__doc__ = "Compare with ``other`` converted to this quantity's unit."
    return method


@final
class Quantity:
    """A finite value with a unit; immutable, equal and hashed on ``(value, unit)``."""

    __slots__ = ("unit", "value")

    value: float
    unit: Unit

    def __init__(self, value: float, unit: Unit | str) -> None:
        object.__setattr__(self, "value", _checked_value(value))
        object.__setattr__(self, "unit", unit if isinstance(unit, Unit) else parse_unit(unit))

    def to(self, unit: Unit | str) -> Quantity:
        """The same amount expressed in ``unit`` (correctly rounded)."""
        target = unit if isinstance(unit, Unit) else parse_unit(unit)
        return Quantity(_plan(self.unit, target).exact(self.value), target)

    def value_in(self, unit: Unit | str) -> float:
        """The value expressed in ``unit`` (correctly rounded)."""
        return self.unit.convert(self.value, unit)

    def is_compatible(self, unit: Unit | str) -> bool:
        """Whether this quantity can be expressed in ``unit``."""
        return self.unit.is_compatible(unit)

    __lt__ = _ordering(operator.lt)
    __le__ = _ordering(operator.le)
    __gt__ = _ordering(operator.gt)
    __ge__ = _ordering(operator.ge)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Quantity):
            return self.value == other.value and self.unit == other.unit
        return NotImplemented

    def __hash__(self) -> int:
        return hash((self.value, self.unit))

    def __repr__(self) -> str:
        return f"Quantity({self.value!r}, {str(self.unit)!r})"

    def __str__(self) -> str:
        return f"{_format_number(self.value)} {self.unit}"

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("Quantity is immutable")

    def __reduce__(self) -> tuple[type[Quantity], tuple[float, Unit]]:
        return Quantity, (self.value, self.unit)


__all__ = ["Dimensions", "Quantity", "Unit", "convert", "parse_unit"]
