"""Model validation: every bad field is an invalidArgument error that names the field."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from healthstore import (
    CategorySample,
    Correlation,
    Device,
    Quantity,
    QuantitySample,
    Source,
    Workout,
    WorkoutActivity,
    WorkoutEvent,
    WorkoutStatistics,
)
from healthstore.errors import InvalidArgument
from healthstore.model import new_uuid
from tests.conftest import T0, at


def check(field: str, make: object) -> InvalidArgument:
    with pytest.raises(InvalidArgument) as info:
        make()  # type: ignore[operator]
    assert info.value.code == 3
    assert info.value.field is not None and info.value.field.startswith(field), info.value.field
    return info.value


def test_naive_datetimes_are_refused() -> None:
    naive = datetime(2024, 1, 1, 8)
    err = check("start", lambda: QuantitySample("stepCount", Quantity(1, "count"), naive, naive))
    assert "time-zone aware" in err.message


def test_start_after_end() -> None:
    err = check("start", lambda: QuantitySample("stepCount", Quantity(1, "count"), at(10), at(0)))
    assert "after end" in err.message


def test_unit_must_fit_the_type() -> None:
    err = check("quantity", lambda: QuantitySample("stepCount", Quantity(1, "kg"), T0, T0))
    assert "'kg'" in err.message and "stepCount" in err.message


def test_type_kind_must_match_the_class() -> None:
    check("type", lambda: QuantitySample("sleepAnalysis", Quantity(1, "count"), T0, T0))
    check("type", lambda: CategorySample("stepCount", 1, T0, T0))
    check("type", lambda: QuantitySample("nope", Quantity(1, "count"), T0, T0))


def test_category_values_come_from_the_enum() -> None:
    assert CategorySample("sleepAnalysis", "AsleepDeep", T0, at(60)).value == 4
    check("value", lambda: CategorySample("sleepAnalysis", 42, T0, at(60)))
    check("value", lambda: CategorySample("sleepAnalysis", True, T0, at(60)))


def test_required_metadata() -> None:
    check("metadata", lambda: CategorySample("menstrualFlow", "Light", T0, T0))
    ok = CategorySample("menstrualFlow", "Light", T0, T0, metadata={"HKMenstrualCycleStart": True})
    assert ok.metadata == {"HKMenstrualCycleStart": True}
    check("metadata", lambda: QuantitySample("insulinDelivery", Quantity(2, "IU"), T0, T0))
    ok2 = QuantitySample(
        "insulinDelivery",
        Quantity(2, "IU"),
        T0,
        T0,
        metadata={"HKMetadataKeyInsulinDeliveryReason": "Bolus"},
    )
    assert ok2.metadata == {"HKInsulinDeliveryReason": 2}


def test_duration_rules_from_the_catalogue() -> None:
    check("end", lambda: CategorySample("menopausalState", 1, T0, at(1)))
    assert CategorySample("menopausalState", 1, T0, T0).duration == timedelta(0)


def test_metadata_validation() -> None:
    check(
        "metadata",
        lambda: QuantitySample(
            "stepCount", Quantity(1, "count"), T0, T0, metadata={"HKMetadataKeySyncIdentifier": "a"}
        ),
    )
    check(
        "metadata",
        lambda: QuantitySample("stepCount", Quantity(1, "count"), T0, T0, metadata={"x": [1, 2]}),
    )
    check(
        "metadata",
        lambda: QuantitySample(
            "stepCount", Quantity(1, "count"), T0, T0, metadata={"x": float("nan")}
        ),
    )
    check(
        "metadata",
        lambda: QuantitySample(
            "stepCount", Quantity(1, "count"), T0, T0, metadata={"HKWasUserEntered": "yes"}
        ),
    )
    check(
        "metadata",
        lambda: QuantitySample(
            "stepCount",
            Quantity(1, "count"),
            T0,
            T0,
            metadata={"HKMetadataKeyTimeZone": "UTC", "HKTimeZone": "UTC"},
        ),
    )


def test_metadata_keys_are_stored_under_their_raw_key() -> None:
    s = QuantitySample(
        "bodyTemperature",
        Quantity(37.2, "degC"),
        T0,
        T0,
        metadata={
            "HKMetadataKeyWasUserEntered": 1,
            "HKMetadataKeyBodyTemperatureSensorLocation": "Ear",
            "HKMetadataKeyWeatherTemperature": Quantity(47.6, "degF"),
            "app.note": "morning",
        },
    )
    assert s.metadata == {
        "HKWasUserEntered": True,
        "HKBodyTemperatureSensorLocation": 3,
        "HKWeatherTemperature": Quantity(47.6, "degF"),
        "app.note": "morning",
    }


def test_uuid_and_source_fields() -> None:
    check("uuid", lambda: QuantitySample("stepCount", Quantity(1, "count"), T0, T0, uuid="nope"))
    check("source", lambda: QuantitySample("stepCount", Quantity(1, "count"), T0, T0, source="x"))  # type: ignore[arg-type]
    check("source.bundle_id", lambda: Source("", "x"))
    check("device", lambda: Device(name=3))  # type: ignore[arg-type]


def test_samples_are_immutable_and_compare_by_content() -> None:
    u = new_uuid()
    a = QuantitySample("stepCount", Quantity(5, "count"), T0, at(1), uuid=u)
    b = QuantitySample("stepCount", Quantity(5, "count"), T0, at(1), uuid=u)
    assert a == b and hash(a) == hash(b)
    with pytest.raises(AttributeError):
        setattr(a, "start", T0)  # noqa: B010 (a frozen sample refuses any attribute)
    assert a != QuantitySample("stepCount", Quantity(6, "count"), T0, at(1), uuid=u)


def test_new_uuids_are_version_7_and_increase_over_time() -> None:
    first = new_uuid()
    assert first.version == 7
    assert len({new_uuid() for _ in range(1000)}) == 1000


def test_workout_validation() -> None:
    w = Workout(
        "running",
        T0,
        at(30),
        events=[WorkoutEvent.create("pause", at(5), at(7)), WorkoutEvent.create(2, at(7))],
        activities=[WorkoutActivity.create("running", T0, at(30))],
        statistics=[WorkoutStatistics.create("heartRate", average=Quantity(150, "count/min"))],
        total_distance=Quantity(5, "km"),
    )
    assert w.activity_name == "running" and w.events[0].name == "Pause"
    check(
        "events",
        lambda: Workout("running", T0, at(30), events=[WorkoutEvent.create("lap", at(40))]),
    )
    check(
        "total_distance", lambda: Workout("running", T0, at(30), total_distance=Quantity(1, "kg"))
    )
    check("value", lambda: Workout("quidditch", T0, at(30)))


def test_correlation_members_must_fit() -> None:
    sys_ = QuantitySample("bloodPressureSystolic", Quantity(120, "mmHg"), T0, T0)
    dia = QuantitySample("bloodPressureDiastolic", Quantity(80, "mmHg"), T0, T0)
    assert len(Correlation("bloodPressure", T0, T0, [sys_, dia]).objects) == 2
    steps = QuantitySample("stepCount", Quantity(1, "count"), T0, T0)
    check("objects", lambda: Correlation("bloodPressure", T0, T0, [sys_, steps]))
    check("objects", lambda: Correlation("food", T0, T0, []))
    food = QuantitySample("dietaryEnergyConsumed", Quantity(300, "kcal"), T0, T0)
    assert Correlation("food", T0, T0, [food]).objects == (food,)


def test_cumulative_values_cannot_be_negative() -> None:
    err = check("quantity", lambda: QuantitySample("stepCount", Quantity(-5, "count"), T0, T0))
    assert "-5" not in err.message
    assert QuantitySample("bodyTemperature", Quantity(-1, "degC"), T0, T0).quantity.value == -1


def test_enum_errors_do_not_echo_the_value() -> None:
    err = check("value", lambda: CategorySample("sleepAnalysis", 77, T0, at(60)))
    assert "77" not in err.message and "AsleepREM=5" in err.message


def test_times_compare_as_instants_across_a_dst_change() -> None:
    from datetime import UTC

    from tests.conftest import PARIS

    start = datetime(2025, 10, 26, 0, 50, tzinfo=UTC).astimezone(PARIS)  # 02:50+02:00
    end = datetime(2025, 10, 26, 1, 20, tzinfo=UTC).astimezone(PARIS)  # 02:20+01:00
    s = CategorySample("sleepAnalysis", "AsleepCore", start, end)
    assert s.duration == timedelta(minutes=30)
    w = Workout("running", start, end, events=[WorkoutEvent.create("lap", end)])
    assert w.duration == timedelta(minutes=30)
    earlier = datetime(2025, 10, 26, 0, 20, tzinfo=UTC).astimezone(PARIS)  # 02:20+02:00
    assert CategorySample("sleepAnalysis", 3, earlier, earlier) != CategorySample(
        "sleepAnalysis", 3, end, end, uuid=None
    )
