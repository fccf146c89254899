"""What the routes' Python signatures cannot say about their values, added to the OpenAPI
description: which type names each parameter takes, which strings are times, dates and
uuids. The routes take plain strings and check them themselves (one error shape, fields
named); the description says what they accept."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from healthstore import catalogue
from healthstore.catalogue import Kind, ObjectType
from healthstore.query.reader import _SORT_KEYS

REF = "#/components/schemas/"
NOT_SAMPLES = (Kind.characteristic, Kind.activitySummary)
# Not requestable: clinical records need the health-records entitlement too, and a
# correlation is requested through its member types.
UNASKED = (Kind.clinical, Kind.verifiableClinicalRecord, Kind.correlation)


def _names(types: Iterable[ObjectType]) -> list[str]:
    """Short names; the identifiers (HKQuantityTypeIdentifierStepCount) are accepted too,
    but listing them would double every list for no new meaning."""
    return sorted({t.short_name for t in types})


def _types(*kinds: Kind) -> list[ObjectType]:
    return [t for kind in kinds for t in catalogue.all_types(kind)]


def type_schemas() -> dict[str, Any]:
    """Components: the names of each family of types (short names and identifiers)."""
    samples = _types(*(k for k in Kind if k not in NOT_SAMPLES))
    return {
        "SampleTypeName": {
            "type": "string",
            "description": "A sample type (its identifier is accepted too)",
            "enum": _names(samples),
        },
        "WritableTypeName": {
            "type": "string",
            "description": "A type an app may write",
            "enum": _names(t for t in samples if t.app_writable and t.kind not in UNASKED),
        },
        "ObjectTypeName": {
            "type": "string",
            "description": "Any type an app may ask to read",
            "enum": _names(
                [*(t for t in samples if t.kind not in UNASKED), *_types(Kind.characteristic)]
            ),
        },
        "QuantityTypeName": {
            "type": "string",
            "description": "A quantity type",
            "enum": _names(_types(Kind.quantity)),
        },
        "CharacteristicTypeName": {
            "type": "string",
            "description": "A characteristic type",
            "enum": _names(_types(Kind.characteristic)),
        },
    }


def _ref(name: str) -> dict[str, str]:
    return {"$ref": REF + name}


def _list(name: str) -> dict[str, Any]:
    return {"type": "array", "items": _ref(name)}


INSTANT = {"type": "string", "format": "date-time"}
DAY = {"type": "string", "format": "date"}
UUID = {"type": "string", "format": "uuid"}
SORT = {"type": "array", "items": {"enum": sorted(p + k for k in _SORT_KEYS for p in ("", "-"))}}
INTERVAL = {
    "type": "string",
    "pattern": r"^[1-9][0-9]{0,2}(min|h|d|w|mo|y)$",
    "examples": ["15min", "1h", "1d", "1w", "1mo", "1y"],
}
_OPTION = "(sum|avg|min|max|mostRecent|duration)"
OPTIONS = {"type": "string", "pattern": f"^{_OPTION}(,{_OPTION})*(,separateBySource)?$"}

# (operationId or "*", parameter) -> its schema; "*" for every operation.
PARAMETERS: dict[tuple[str, str], dict[str, Any]] = {
    ("*", "start"): INSTANT,
    ("*", "end"): INSTANT,
    ("*", "anchor"): INSTANT,
    ("getActivitySummaries", "start"): DAY,
    ("getActivitySummaries", "end"): DAY,
    ("getChanges", "anchor"): {"type": "integer", "minimum": 0},
    ("*", "type"): _list("SampleTypeName"),
    ("*", "types"): _list("SampleTypeName"),
    ("*", "workout"): UUID,
    ("*", "sort"): SORT,
    ("*", "interval"): INTERVAL,
    ("*", "options"): OPTIONS,
    ("*", "uuid"): {"type": "array", "items": UUID},
    ("getAuthorizationStatus", "type"): _list("WritableTypeName"),
    ("getAuthorizationStatus", "share"): _list("WritableTypeName"),
    ("getAuthorizationStatus", "read"): _list("ObjectTypeName"),
    ("getCharacteristics", "type"): _list("CharacteristicTypeName"),
    ("getCharacteristic", "type"): _ref("CharacteristicTypeName"),
    ("getSourcePriority", "type"): _ref("QuantityTypeName"),
    ("getStatistics", "type"): _ref("QuantityTypeName"),
    ("getStatisticsCollection", "type"): _ref("QuantityTypeName"),
    ("streamStatisticsCollection", "type"): _ref("QuantityTypeName"),
}

# Body properties: (component, property) -> schema.
PROPERTIES: dict[tuple[str, str], dict[str, Any]] = {
    ("AuthorizationRequest", "share"): _list("WritableTypeName"),
    ("AuthorizationRequest", "read"): _list("ObjectTypeName"),
    ("ObserverRequest", "type"): _ref("SampleTypeName"),
    ("ObserverRequest", "url"): {"type": "string", "format": "uri"},
    ("WorkoutSamplesBody", "samples"): {"type": "array", "items": UUID},
    ("DeleteBody", "uuids"): {"type": "array", "items": UUID},
}


def refine(schema: dict[str, Any]) -> None:
    """Put the value schemas above into ``schema`` (an OpenAPI document), in place."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components.update(type_schemas())
    for path in schema.get("paths", {}).values():
        for operation in path.values():
            op = operation.get("operationId", "")
            for parameter in operation.get("parameters", ()):
                name = parameter["name"]
                found = PARAMETERS.get((op, name)) or PARAMETERS.get(("*", name))
                if found is not None:
                    parameter["schema"] = {**found, **_notes(parameter["schema"])}
    for (component, prop), found in PROPERTIES.items():
        properties = components.get(component, {}).get("properties", {})
        if prop in properties:
            properties[prop] = {**found, **_notes(properties[prop])}
    if "AuthorizationRequest" in components:
        components["AuthorizationRequest"]["anyOf"] = [
            {"required": [name], "properties": {name: {"minItems": 1}}}
            for name in ("share", "read")
        ]


def _notes(old: dict[str, Any]) -> dict[str, Any]:
    return {key: old[key] for key in ("description", "title", "default") if key in old}
