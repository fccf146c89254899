"""The units a person may switch a type's chart to: common units of the same dimension as
the type's display unit."""

from __future__ import annotations

from healthstore.units import Unit

COMMON = (
    "count",
    "count/min",
    "count/s",
    "%",
    "kg",
    "lb",
    "g",
    "st",
    "m",
    "km",
    "mi",
    "cm",
    "in",
    "ft",
    "kcal",
    "kJ",
    "Cal",
    "degC",
    "degF",
    "mmHg",
    "mg/dL",
    "mmol<180.15588000005408>/L",
    "L",
    "mL",
    "fl_oz_us",
    "min",
    "hr",
    "s",
    "ms",
    "m/s",
    "km/hr",
    "mi/hr",
    "W",
    "dBASPL",
    "mcg",
    "mg",
    "IU",
    "L/min",
)


def unit_choices(display: str) -> list[str]:
    """``display`` first, then the other common units it converts to."""
    if not display:
        return []
    unit = Unit(display)
    out = [display]
    for candidate in COMMON:
        if candidate == display:
            continue
        try:
            if unit.is_compatible(candidate):
                out.append(candidate)
        except Exception:  # a unit this build does not parse is simply not offered
            continue
    return out
