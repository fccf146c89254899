"""The type catalogue: every type of the spec, look-ups, enums and metadata keys."""

from __future__ import annotations

import csv
from collections import Counter

import pytest

from healthstore import catalogue
from healthstore.catalogue import Aggregation, Kind
from healthstore.errors import ErrorCode, InvalidArgument
from tests.conftest import shared_path


def test_counts_per_kind_match_the_issue() -> None:
    counts = Counter(t.kind for t in catalogue.all_types())
    assert counts[Kind.quantity] == 122  # 121 of the spec + sleepDurationGoal of the exports
    assert counts[Kind.category] == 72
    assert counts[Kind.characteristic] == 7  # the six of the spec and cardioFitnessMedicationsUse
    assert counts[Kind.correlation] == 2
    assert counts[Kind.clinical] == 9
    for kind in (
        Kind.workout,
        Kind.workoutRoute,
        Kind.heartbeatSeries,
        Kind.document,
        Kind.audiogram,
        Kind.electrocardiogram,
        Kind.visionPrescription,
        Kind.stateOfMind,
    ):
        assert counts[kind] == 1, kind


@pytest.mark.parametrize("table", ["quantity_types.csv", "category_types.csv"])
def test_every_spec_type_is_in_the_catalogue_with_its_facts(table: str) -> None:
    path = shared_path("spec", "catalogue", table)
    with path.open(newline="") as f:
        rows = list(csv.DictReader(f))
    for row in rows:
        t = catalogue.object_type(row["identifier"])
        assert t.app_writable == row["share_allowed"].startswith("yes"), t.identifier
        if table == "quantity_types.csv":
            assert t.aggregation == Aggregation(row["aggregation"])
            assert t.canonical_unit == row["unit_example"]
        else:
            assert t.value_enum is not None and t.value_enum.name == row["value_enum"]


def test_full_and_short_names_find_the_same_type() -> None:
    full = catalogue.object_type("HKQuantityTypeIdentifierStepCount")
    assert catalogue.object_type("stepCount") is full
    assert catalogue.object_type("STEPCOUNT") is full
    assert catalogue.object_type("uvExposure").identifier == "HKQuantityTypeIdentifierUVExposure"
    assert catalogue.object_type("vo2Max").identifier == "HKQuantityTypeIdentifierVO2Max"


def test_short_names_are_unique() -> None:
    names = [t.short_name for t in catalogue.all_types()]
    assert len(names) == len(set(names))


def test_unknown_name_is_invalid_argument_with_suggestions() -> None:
    with pytest.raises(InvalidArgument) as info:
        catalogue.object_type("stepCont")
    assert info.value.code == ErrorCode.invalidArgument
    assert int(info.value.code) == 3
    assert "stepCount" in str(info.value)
    assert info.value.field == "type"


@pytest.mark.parametrize(
    "name",
    [
        "appleExerciseTime",
        "appleStandTime",
        "walkingHeartRateAverage",
        "atrialFibrillationBurden",
        "appleWalkingSteadiness",
        "appleStandHour",
        "highHeartRateEvent",
        "lowHeartRateEvent",
        "headphoneAudioExposureEvent",
        "biologicalSex",
        "allergyRecord",
        "electrocardiogram",
        "bloodPressure",
        "food",
        "activitySummary",
    ],
)
def test_types_apps_may_not_write(name: str) -> None:
    assert not catalogue.object_type(name).app_writable


def test_writable_types_include_the_common_ones() -> None:
    for name in ("stepCount", "heartRate", "sleepAnalysis", "workout", "cda", "bodyMass"):
        assert catalogue.object_type(name).app_writable, name


def test_value_enums_parse_names_and_raw_values() -> None:
    sleep = catalogue.object_type("sleepAnalysis").value_enum
    assert sleep is not None
    assert sleep.parse("AsleepREM") == 5
    assert sleep.parse("HKCategoryValueSleepAnalysisAsleepCore") == 3
    assert sleep.parse(0) == 0
    assert sleep.label(5) == "AsleepREM"
    with pytest.raises(InvalidArgument, match="not a member of"):
        sleep.parse(9)
    with pytest.raises(InvalidArgument, match="allowed"):
        sleep.parse("Dozing")


def test_characteristic_enums_follow_the_spec() -> None:
    blood = catalogue.object_type("bloodType").value_enum
    assert blood is not None
    assert blood.members["ABNegative"] == 6
    assert blood.members["ONegative"] == 8
    sex = catalogue.object_type("biologicalSex").value_enum
    assert sex is not None and sex.members == {"NotSet": 0, "Female": 1, "Male": 2, "Other": 3}


def test_metadata_keys_by_constant_or_raw_key_with_enums() -> None:
    key = catalogue.metadata_key("HKMetadataKeyInsulinDeliveryReason")
    assert key is not None and key is catalogue.metadata_key(key.raw_key)
    assert key.enum is not None and key.enum.parse("Bolus") == 2
    assert catalogue.metadata_key("com.example.custom") is None


def test_workout_activity_types() -> None:
    assert catalogue.workout_activity_type("running") == 37
    assert catalogue.workout_activity_type("HKWorkoutActivityTypeYoga") == 57
    assert catalogue.workout_activity_name(3000) == "other"
    assert len(catalogue.load().workout_activity_types) == 84


def test_required_metadata_and_duration_rules_are_data() -> None:
    assert catalogue.object_type("menstrualFlow").required_metadata == ("HKMenstrualCycleStart",)
    assert catalogue.object_type("insulinDelivery").required_metadata == (
        "HKInsulinDeliveryReason",
    )
    menopause = catalogue.object_type("menopausalState")
    assert menopause.max_duration is not None and not menopause.max_duration


def test_search_is_case_insensitive() -> None:
    found = {t.short_name for t in catalogue.search("heartrate")}
    assert {"heartRate", "restingHeartRate", "walkingHeartRateAverage"} <= found
