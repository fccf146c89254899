"""The document type declaration at the top of a written ``export.xml``.

It declares what HealthKit's export version 14 declares, element by element, plus the few
attributes and children this project writes beyond it, each marked below, so that every file
written here is valid against its own DTD:

- ``Me`` may hold ``WheelchairUse`` and ``ActivityMoveMode`` (and the attributes an import
  kept verbatim), and every characteristic is optional (Apple requires each);
- a ``Workout`` may hold ``WorkoutActivity`` children (as iOS 16 and later write them), and a
  ``WorkoutActivity`` names its ``workoutActivityType``;
- a ``VisionPrescription`` names its source, device and ``prescriptionType``.

The table is kept as data and rendered by :func:`doctype`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

__all__ = ["EXPORT_VERSION", "doctype"]

EXPORT_VERSION: Final = 14

_SAMPLE: Final = "sourceName! sourceVersion device creationDate startDate! endDate!"
_EYE: Final = " ".join(
    f"{name} {name}Unit"
    for name in (
        "sphere",
        "cylinder",
        "axis",
        "add",
        "vertex",
        "prismAmount",
        "prismAngle",
        "farPD",
        "nearPD",
        "baseCurve",
        "diameter",
    )
)
_EAR: Final = " ".join(
    f"{side}Ear{part}"
    for side in ("left", "right")
    for part in ("Value", "Unit", "Masked", "ClampingRangeLowerBound", "ClampingRangeUpperBound")
)
_ME: Final = " ".join(
    f"HKCharacteristicTypeIdentifier{name}"
    for name in (
        "DateOfBirth",
        "BiologicalSex",
        "BloodType",
        "FitzpatrickSkinType",
        "CardioFitnessMedicationsUse",
        "WheelchairUse",
        "ActivityMoveMode",
    )
)
_KINDS: Final = (
    "Record|Correlation|Workout|ActivitySummary|ClinicalRecord|Audiogram|VisionPrescription"
)

# (element, content model, attributes): a "!" after an attribute makes it #REQUIRED.
_TABLE: Final[tuple[tuple[str, str, str], ...]] = (
    ("HealthData", f"(ExportDate,Me,({_KINDS})*)", "locale!"),
    ("ExportDate", "EMPTY", "value!"),
    ("Me", "EMPTY", _ME),
    (
        "Record",
        "((MetadataEntry|HeartRateVariabilityMetadataList)*)",
        f"type! unit value {_SAMPLE}",
    ),
    ("Correlation", "((MetadataEntry|Record)*)", f"type! {_SAMPLE}"),
    (
        "Workout",
        "((MetadataEntry|WorkoutEvent|WorkoutActivity|WorkoutRoute|WorkoutStatistics)*)",
        "workoutActivityType! duration durationUnit totalDistance totalDistanceUnit "
        f"totalEnergyBurned totalEnergyBurnedUnit {_SAMPLE}",
    ),
    (
        "WorkoutActivity",
        "((MetadataEntry|WorkoutEvent|WorkoutStatistics)*)",
        "uuid! workoutActivityType startDate! endDate duration durationUnit",
    ),
    ("WorkoutEvent", "((MetadataEntry)*)", "type! date! duration durationUnit"),
    (
        "WorkoutStatistics",
        "EMPTY",
        "type! startDate! endDate! average minimum maximum sum unit",
    ),
    ("WorkoutRoute", "((MetadataEntry|FileReference)*)", _SAMPLE),
    ("FileReference", "EMPTY", "path!"),
    (
        "ActivitySummary",
        "EMPTY",
        "dateComponents activeEnergyBurned activeEnergyBurnedGoal activeEnergyBurnedUnit "
        "appleMoveTime appleMoveTimeGoal appleExerciseTime appleExerciseTimeGoal "
        "appleStandHours appleStandHoursGoal",
    ),
    ("MetadataEntry", "EMPTY", "key! value!"),
    ("HeartRateVariabilityMetadataList", "(InstantaneousBeatsPerMinute*)", ""),
    ("InstantaneousBeatsPerMinute", "EMPTY", "bpm! time!"),
    (
        "ClinicalRecord",
        "EMPTY",
        "type! identifier! sourceName! sourceURL! fhirVersion! receivedDate! resourceFilePath!",
    ),
    ("Audiogram", "((MetadataEntry|SensitivityPoint)*)", f"type! {_SAMPLE}"),
    ("SensitivityPoint", "EMPTY", f"frequencyValue! frequencyUnit! {_EAR}"),
    (
        "VisionPrescription",
        "((RightEye|LeftEye|Attachment|MetadataEntry)*)",
        "type! prescriptionType sourceName sourceVersion device dateIssued! expirationDate brand",
    ),
    ("RightEye", "EMPTY", _EYE),
    ("LeftEye", "EMPTY", _EYE),
    ("Attachment", "EMPTY", "identifier"),
)

_NOTES: Final = {
    "Correlation": "Records inside a Correlation also appear on their own, as top-level Records.",
    "HeartRateVariabilityMetadataList": "A heart-rate variability Record may list the "
    "instantaneous beats per minute it was computed from.",
}


def _declaration(element: str, content: str, attributes: str) -> str:
    lines = [f"<!ELEMENT {element} {content}>"]
    names = attributes.split()
    if names:
        width = max(len(name.rstrip("!")) for name in names)
        lines.append(f"<!ATTLIST {element}")
        for name in names:
            bare = name.rstrip("!")
            default = "#REQUIRED" if name.endswith("!") else "#IMPLIED"
            lines.append(f"  {bare:<{width}} CDATA {default}")
        lines.append(">")
    note = _NOTES.get(element)
    if note is not None:
        lines.insert(0, f"<!-- {note} -->")
    return "\n".join(lines)


def doctype(me_attributes: Iterable[str] = ()) -> str:
    """The XML declaration and ``<!DOCTYPE HealthData [...]>``, ending with a line break;
    ``Me`` also declares ``me_attributes`` (attributes kept verbatim from an import)."""
    extra = " ".join(sorted(set(me_attributes) - set(_ME.split())))
    rows = [(e, c, f"{a} {extra}" if e == "Me" and extra else a) for e, c, a in _TABLE]
    body = "\n".join(_declaration(*row) for row in rows)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        "<!DOCTYPE HealthData [\n"
        f"<!-- HealthKit Export Version: {EXPORT_VERSION} (written by healthstore) -->\n"
        f"{body}\n]>\n"
    )
