"""The ``Me`` element: the person's characteristics, every attribute of it kept.

An attribute naming a characteristic of the catalogue (date of birth, biological sex, blood
type, Fitzpatrick skin type, wheelchair use, activity move mode, cardio fitness medications
use) becomes that characteristic; an unset one (``…NotSet``, empty) sets nothing. Every other
attribute — a characteristic newer than the catalogue, or a value not understood — is kept
verbatim and written back by the export (:func:`written`). What is left out is said in a
note: a value not understood (kept, but not modelled), or text too long to keep.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Final

from healthstore import catalogue
from healthstore.catalogue import Kind, ObjectType
from healthstore.errors import HealthStoreError
from healthstore.interop.apple.spelling import characteristic_text

__all__ = ["ATTRIBUTE_NAME", "MAX_TEXT", "MeValues", "characteristic_of", "read_me", "written"]

MAX_TEXT: Final = 1024
"""The longest attribute text kept verbatim (a Me attribute is a word or a date)."""
ATTRIBUTE_NAME: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]{0,199}")
"""A name kept: an XML name without a namespace, at most 200 characters."""


@dataclass
class MeValues:
    """What one ``Me`` element holds."""

    characteristics: dict[str, Any] = field(default_factory=dict)  # short name → value
    kept: dict[str, str] = field(default_factory=dict)  # attribute → text as written
    notes: list[str] = field(default_factory=list)


def characteristic_of(attribute: str) -> ObjectType | None:
    """The characteristic type an attribute names (its identifier), if the catalogue has it."""
    try:
        t = catalogue.object_type(attribute)
    except HealthStoreError:
        return None
    return t if t.kind is Kind.characteristic and t.identifier == attribute else None


def _unset(text: str) -> bool:
    return not text or text.endswith("NotSet") or text == "None"


def read_me(attributes: Mapping[str, str]) -> MeValues:
    """The characteristics an element's attributes set, and the attributes kept verbatim."""
    out = MeValues()
    for attribute, text in attributes.items():
        t = characteristic_of(attribute)
        if t is not None:
            if _unset(text):  # sets nothing (nor clears what an earlier import set)
                continue
            try:
                if t.value_enum is None:
                    out.characteristics[t.short_name] = date.fromisoformat(text)
                else:
                    out.characteristics[t.short_name] = t.value_enum.parse(text)
                continue
            except (HealthStoreError, ValueError):
                out.notes.append(
                    f"characteristic {t.short_name} has a value that is not understood: "
                    "not set, its text kept for the next export"
                )
        if not ATTRIBUTE_NAME.fullmatch(attribute):
            out.notes.append(f"Me attribute {attribute!r} left out: not a plain XML name")
            continue
        if len(text) > MAX_TEXT:
            out.notes.append(f"Me attribute {attribute} left out: over {MAX_TEXT} characters")
            continue
        out.kept[attribute] = text
    return out


def written(
    characteristics: Iterable[tuple[ObjectType, int | date | None]], kept: Mapping[str, str]
) -> list[tuple[str, str]]:
    """The ``Me`` attributes to write: each characteristic (kept text in place of an unset
    one), then the other kept attributes by name."""
    out: list[tuple[str, str]] = []
    for t, value in characteristics:
        if _is_set(value):
            assert value is not None
            out.append((t.identifier, characteristic_text(t, value)))
        elif t.identifier in kept:
            out.append((t.identifier, kept[t.identifier]))
        else:
            out.append((t.identifier, "" if value is None else characteristic_text(t, value)))
    named = {t for t, _ in out}
    out += [(name, kept[name]) for name in sorted(kept) if name not in named]
    return out


def _is_set(value: int | date | None) -> bool:
    """Whether a characteristic holds a value (an enum's 0 is NotSet, or none at all)."""
    if value is None:
        return False
    return isinstance(value, date) or value != 0
