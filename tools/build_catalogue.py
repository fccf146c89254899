"""Regenerate the package's type catalogue from the project's spec tables.

Usage: python tools/build_catalogue.py [SPEC_CATALOGUE_DIR]

Reads ``quantity_types.csv``, ``category_types.csv``, ``metadata_keys.csv``,
``metadata_enums.csv`` and ``workout_activity_types.csv`` (default:
``../shared/spec/catalogue``) and writes ``src/healthstore/catalogue/data/*.csv``, adding the
kinds the spec describes in prose (characteristics, correlations, clinical records, workouts,
series, documents, ...). The generated files are committed; the package never reads the spec.
"""

from __future__ import annotations

import csv
import re
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "src" / "healthstore" / "catalogue" / "data"

CHARACTERISTIC_ENUMS = {
    "HKBiologicalSex": "NotSet=0;Female=1;Male=2;Other=3",
    "HKBloodType": "NotSet=0;APositive=1;ANegative=2;BPositive=3;BNegative=4;"
    "ABPositive=5;ABNegative=6;OPositive=7;ONegative=8",
    "HKFitzpatrickSkinType": "NotSet=0;I=1;II=2;III=3;IV=4;V=5;VI=6",
    "HKWheelchairUse": "NotSet=0;No=1;Yes=2",
    "HKActivityMoveMode": "ActiveEnergy=1;AppleMoveTime=2",
    "HKCardioFitnessMedicationsUse": "None=0;CalciumChannelBlocker=1;BetaBlocker=2;"
    "CalciumChannelBlockerAndBetaBlocker=3",
}

# (identifier, short name, kind, value enum, app writable, note)
OTHER_TYPES = [
    ("HKCharacteristicTypeIdentifierBiologicalSex", "biologicalSex", "characteristic",
     "HKBiologicalSex", "no", ""),
    ("HKCharacteristicTypeIdentifierBloodType", "bloodType", "characteristic", "HKBloodType",
     "no", ""),
    ("HKCharacteristicTypeIdentifierDateOfBirth", "dateOfBirth", "characteristic", "", "no",
     "value is a date"),
    ("HKCharacteristicTypeIdentifierFitzpatrickSkinType", "fitzpatrickSkinType",
     "characteristic", "HKFitzpatrickSkinType", "no", ""),
    ("HKCharacteristicTypeIdentifierWheelchairUse", "wheelchairUse", "characteristic",
     "HKWheelchairUse", "no", ""),
    ("HKCharacteristicTypeIdentifierActivityMoveMode", "activityMoveMode", "characteristic",
     "HKActivityMoveMode", "no", ""),
    ("HKCharacteristicTypeIdentifierCardioFitnessMedicationsUse", "cardioFitnessMedicationsUse",
     "characteristic", "HKCardioFitnessMedicationsUse", "no",
     "an option set (iOS 16): 0 is none; 3 is both medications"),
    ("HKCorrelationTypeIdentifierBloodPressure", "bloodPressure", "correlation", "", "no",
     "members: bloodPressureSystolic and bloodPressureDiastolic; apps write the members"),
    ("HKCorrelationTypeIdentifierFood", "food", "correlation", "", "no",
     "members: dietary quantity samples; apps write the members"),
    *[
        (f"HKClinicalTypeIdentifier{name}", name[0].lower() + name[1:], "clinical", "", "no", "")
        for name in [
            "AllergyRecord", "ClinicalNoteRecord", "ConditionRecord", "CoverageRecord",
            "ImmunizationRecord", "LabResultRecord", "MedicationRecord", "ProcedureRecord",
            "VitalSignRecord",
        ]
    ],
    ("HKVerifiableClinicalRecordTypeIdentifier", "verifiableClinicalRecord",
     "verifiableClinicalRecord", "", "no",
     "ours: SMART Health Cards kept with their JWS; read with the health-records entitlement"),
    ("HKWorkoutTypeIdentifier", "workout", "workout", "", "yes", ""),
    ("HKWorkoutRouteTypeIdentifier", "workoutRoute", "workoutRoute", "", "yes",
     "series of locations attached to a workout"),
    ("HKDataTypeIdentifierHeartbeatSeries", "heartbeatSeries", "heartbeatSeries", "", "yes", ""),
    ("HKDocumentTypeIdentifierCDA", "cda", "document", "", "yes", "HL7 C-CDA XML documents"),
    ("HKDataTypeIdentifierAudiogram", "audiogram", "audiogram", "", "yes", ""),
    ("HKDataTypeIdentifierElectrocardiogram", "electrocardiogram", "electrocardiogram", "",
     "no", ""),
    ("HKVisionPrescriptionTypeIdentifier", "visionPrescription", "visionPrescription", "",
     "yes", "read authorization is per object"),
    ("HKDataTypeStateOfMind", "stateOfMind", "stateOfMind", "", "yes", ""),
    ("HKScoredAssessmentTypeIdentifierGAD7", "gad7", "scoredAssessment", "", "yes", ""),
    ("HKScoredAssessmentTypeIdentifierPHQ9", "phq9", "scoredAssessment", "", "yes", ""),
    ("HKActivitySummaryTypeIdentifier", "activitySummary", "activitySummary", "", "no",
     "daily rings; written by the person's devices only"),
]

# Ours: HealthKit documents these rules; the spec tables carry them only in notes.
REQUIRED_METADATA = {
    "HKCategoryTypeIdentifierMenstrualFlow": "HKMenstrualCycleStart",
    "HKQuantityTypeIdentifierInsulinDelivery": "HKInsulinDeliveryReason",
}
MAX_DURATION = {"HKCategoryTypeIdentifierMenopausalState": "0"}
# Ours: the least value a quantity type's samples may hold, in its canonical unit. Amounts
# (mass, length, energy, counts, durations, rates, fractions, conductance, power, speed) start
# at 0, the default. Celsius has no physical zero, so temperatures stop at absolute zero;
# levels in decibels are ratios to a reference and may fall below it; the heart rate's
# recovery is a difference of two rates (negative when the rate rose).
MIN_VALUE = {
    "HKQuantityTypeIdentifierAppleSleepingWristTemperature": "-273.15",
    "HKQuantityTypeIdentifierBasalBodyTemperature": "-273.15",
    "HKQuantityTypeIdentifierBodyTemperature": "-273.15",
    "HKQuantityTypeIdentifierWaterTemperature": "-273.15",
    "HKQuantityTypeIdentifierEnvironmentalAudioExposure": "-inf",
    "HKQuantityTypeIdentifierEnvironmentalSoundReduction": "-inf",
    "HKQuantityTypeIdentifierHeadphoneAudioExposure": "-inf",
    "HKQuantityTypeIdentifierHeartRateRecoveryOneMinute": "-inf",
}
# Ours: the spec leaves these raw values unverified; we number them from 1 like their peers.
UNVERIFIED_ENUMS = {"HKCategoryValueMenopausalState": "None=1;Perimenopause=2;Menopause=3"}


# Quantity types Apple's exports write as Records that the spec's tables lack.
EXPORT_ONLY_QUANTITY_TYPES = [
    ("HKDataTypeSleepDurationGoal", "sleepDurationGoal", "hr", "discreteArithmetic",
     "the sleep goal set in the Health app's sleep schedule; Apple's exports write it as a "
     "Record (unit hr); read-only"),
]


def short_name(identifier: str) -> str:
    """Swift-style short name: HKQuantityTypeIdentifierUVExposure -> uvExposure."""
    tail = re.sub(r"^HK(Quantity|Category)TypeIdentifier", "", identifier)
    match = re.match(r"[A-Z]+", tail)
    assert match
    run = match.group(0)
    rest = tail[len(run):]
    if len(run) > 1 and rest[:1].islower():
        return run[:-1].lower() + run[-1] + rest
    return run.lower() + rest


def writable(flag: str) -> str:
    return "yes" if flag.strip().startswith("yes") else "no"


def main(spec: Path) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    types: list[dict[str, str]] = []
    enums: dict[str, str] = dict(CHARACTERISTIC_ENUMS)
    with (spec / "quantity_types.csv").open(newline="") as f:
        for row in csv.DictReader(f):
            types.append({
                "identifier": row["identifier"], "short_name": short_name(row["identifier"]),
                "kind": "quantity", "canonical_unit": row["unit_example"],
                "aggregation": row["aggregation"], "value_enum": "",
                "app_writable": writable(row["share_allowed"]),
                "min_duration_s": "", "max_duration_s": "",
                "required_metadata": REQUIRED_METADATA.get(row["identifier"], ""),
                "note": row["note"],
            })
    for identifier, short, unit, aggregation, note in EXPORT_ONLY_QUANTITY_TYPES:
        types.append({
            "identifier": identifier, "short_name": short, "kind": "quantity",
            "canonical_unit": unit, "aggregation": aggregation, "value_enum": "",
            "app_writable": "no", "min_duration_s": "", "max_duration_s": "",
            "required_metadata": "", "note": note,
        })
    with (spec / "category_types.csv").open(newline="") as f:
        for row in csv.DictReader(f):
            enum = row["value_enum"]
            enums.setdefault(enum, UNVERIFIED_ENUMS.get(enum, row["values"]))
            types.append({
                "identifier": row["identifier"], "short_name": short_name(row["identifier"]),
                "kind": "category", "canonical_unit": "", "aggregation": "",
                "value_enum": enum, "app_writable": writable(row["share_allowed"]),
                "min_duration_s": "", "max_duration_s": MAX_DURATION.get(row["identifier"], ""),
                "required_metadata": REQUIRED_METADATA.get(row["identifier"], ""),
                "note": " ".join(row["note"].split()),
            })
    for identifier, short, kind, enum, app_writable, note in OTHER_TYPES:
        types.append({
            "identifier": identifier, "short_name": short, "kind": kind, "canonical_unit": "",
            "aggregation": "", "value_enum": enum, "app_writable": app_writable,
            "min_duration_s": "", "max_duration_s": "", "required_metadata": "", "note": note,
        })
    for t in types:
        quantity = t["kind"] == "quantity"
        t["min_value"] = MIN_VALUE.get(t["identifier"], "0") if quantity else ""
    shorts = [t["short_name"] for t in types]
    assert len(shorts) == len(set(shorts)), "short names must be unique"
    write(OUT / "types.csv", types)
    write(OUT / "value_enums.csv", [
        {"enum": name, "member": member.split("=")[0], "raw_value": member.split("=")[1]}
        for name, members in sorted(enums.items()) for member in members.split(";")
    ])
    with (spec / "metadata_keys.csv").open(newline="") as f:
        keys = [
            {"constant": r["key_constant"], "raw_key": r["raw_string"],
             "value_kind": r["value_kind"], "object_types": r["object_types"],
             "applies_to": r["applies_to"]}
            for r in csv.DictReader(f)
        ]
    write(OUT / "metadata_keys.csv", keys)
    with (spec / "metadata_enums.csv").open(newline="") as f:
        write(OUT / "metadata_enums.csv", list(csv.DictReader(f)))
    with (spec / "workout_activity_types.csv").open(newline="") as f:
        write(OUT / "workout_activity_types.csv", [
            {"name": r["name"], "raw_value": r["raw_value"], "note": r["note"]}
            for r in csv.DictReader(f)
        ])


def write(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    print(f"wrote {len(rows)} rows to {path}")


if __name__ == "__main__":
    default = Path(__file__).resolve().parent.parent.parent / "shared" / "spec" / "catalogue"
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else default)
