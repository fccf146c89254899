"""The other sample kinds: validated on construction, stored and read back whole."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from healthstore import (
    Audiogram,
    AudiogramPoint,
    CDADocument,
    ClinicalRecord,
    Electrocardiogram,
    HealthStore,
    Heartbeat,
    HeartbeatSeries,
    Location,
    Quantity,
    Sample,
    ScoredAssessment,
    StateOfMind,
    VerifiableClinicalRecord,
    VisionPrescription,
    WorkoutRoute,
)
from healthstore.errors import InvalidArgument
from healthstore.wire import sample_to_json
from tests.conftest import PARIS, T0, WATCH, at


def examples() -> list[Sample]:
    return [
        WorkoutRoute(
            T0,
            at(10),
            [Location(at(i), 48.85 + i / 1000, 2.35, altitude=35.0, speed=2.5) for i in range(10)],
            source=WATCH,
        ),
        HeartbeatSeries(T0, at(1), [Heartbeat(0.0), Heartbeat(0.81), Heartbeat(1.7, True)]),
        Electrocardiogram(
            T0,
            at(0.5),
            classification="sinusRhythm",
            average_heart_rate=Quantity(64, "count/min"),
            sampling_frequency=Quantity(512, "Hz"),
            voltages=[1.5, -3.25, 0.0],
        ),
        Audiogram(T0, T0, [AudiogramPoint(1000, 10, 15), AudiogramPoint(500, 5, None)]),
        VisionPrescription(
            T0,
            prescription_type="glasses",
            right_eye={"sphere": -1.25, "cylinder": -0.5, "axis": 90},
            left_eye={"sphere": -1.0},
            expiration=T0 + timedelta(days=730),
        ),
        StateOfMind(T0, what="dailyMood", valence=0.4, labels=["calm"], associations=["family"]),
        ScoredAssessment("phq9", T0, [0, 1, 0, 2, 0, 0, 1, 0, 0]),
        ClinicalRecord(
            "allergyRecord",
            T0,
            {"resourceType": "AllergyIntolerance", "id": "a1"},
            fhir_release="R4",
            display_name="Peanuts",
            source_name="City Hospital",
        ),
        CDADocument(T0, T0, "<ClinicalDocument/>", title="Summary", patient_name="Alex"),
        VerifiableClinicalRecord(
            T0,
            jws="eyJhbGciOiJFUzI1NiJ9.eyJpc3MiOiJ4In0.c2ln",
            issuer="https://issuer.example.org",
            record_types=["https://smarthealth.cards#health-card"],
            fhir_bundle={"resourceType": "Bundle", "type": "collection", "entry": []},
            item_names=["CVX 207"],
            subject_name="Alex Martin",
            subject_birth_date="1990-01-02",
            relevant=T0 - timedelta(days=30),
        ),
    ]


def test_every_kind_round_trips(store: HealthStore) -> None:
    batch = examples()
    store.save(batch)
    for original in batch:
        (back,) = store.samples(original.type)
        assert back.uuid == original.uuid
        assert back.payload() == original.payload()  # type: ignore[attr-defined]
        assert sample_to_json(back)["payload"] == original.payload()  # type: ignore[attr-defined]


def test_assessment_score_and_route_order() -> None:
    phq = ScoredAssessment("phq9", T0, [3] * 9)
    assert phq.score == 27
    route = WorkoutRoute(T0, at(2), [Location(at(2), 0, 0), Location(at(1), 0, 0)])
    assert [p.timestamp for p in route.locations] == [at(1), at(2)]


@pytest.mark.parametrize(
    ("make", "field"),
    [
        (lambda: Location(T0, 91, 0), "location.latitude"),
        (lambda: HeartbeatSeries(T0, at(1), [Heartbeat(90.0)]), "beats[0].time_since_start"),
        (lambda: HeartbeatSeries(T0, at(1), [Heartbeat(2.0), Heartbeat(1.0)]), "beats[1]"),
        (lambda: Electrocardiogram(T0, at(1), classification="fine"), "classification"),
        (
            lambda: Electrocardiogram(T0, at(1), sampling_frequency=Quantity(1, "kg")),
            "sampling_frequency",
        ),
        (lambda: Audiogram(T0, T0, []), "points"),
        (
            lambda: VisionPrescription(T0, prescription_type="monocle", right_eye={}, left_eye={}),
            "prescription_type",
        ),
        (
            lambda: VisionPrescription(
                T0, prescription_type="glasses", right_eye={"zoom": 2}, left_eye={}
            ),
            "right_eye",
        ),
        (lambda: StateOfMind(T0, what="dailyMood", valence=2), "valence"),
        (lambda: ScoredAssessment("gad7", T0, [1, 2]), "answers"),
        (
            lambda: ClinicalRecord(
                "allergyRecord", T0, {}, fhir_release="R4", display_name="x", source_name="y"
            ),
            "resource",
        ),
        (
            lambda: ClinicalRecord(
                "allergyRecord",
                T0,
                {"resourceType": "X"},
                fhir_release="R5",
                display_name="x",
                source_name="y",
            ),
            "fhir_release",
        ),
        (lambda: CDADocument(T0, T0, "not xml"), "xml"),
    ],
)
def test_bad_payloads_name_the_field(make: object, field: str) -> None:
    with pytest.raises(InvalidArgument) as info:
        make()  # type: ignore[operator]
    assert info.value.field == field


def test_payload_kinds_keep_their_zone(store: HealthStore) -> None:
    mood = StateOfMind(T0, what="momentaryEmotion", valence=-0.2)
    store.save(mood)
    (back,) = store.samples("stateOfMind")
    assert back.start.tzinfo == PARIS and back.start == mood.start
    assert back.payload() == mood.payload()  # type: ignore[attr-defined]


_ANY_FLOAT = st.floats(allow_nan=True, allow_infinity=True) | st.floats(-200, 200)


@settings(max_examples=400, deadline=None)
@given(
    st.datetimes(timezones=st.none() | st.timezones()),
    st.lists(_ANY_FLOAT, min_size=7, max_size=7),
)
def test_a_location_of_floats_is_the_location_the_constructor_makes(
    when: datetime, values: list[float]
) -> None:
    """The route reader's shortcut checks and builds exactly as the constructor does:
    the same location, or the same error naming the same field."""

    def outcome(make: Any) -> Any:
        try:
            return make(when, *values)
        except InvalidArgument as exc:
            return (exc.message, exc.field)

    expected = outcome(Location)
    assert outcome(Location.of_floats) == expected
    if isinstance(expected, Location):
        built = Location.of_floats(when, *values)
        assert hash(built) == hash(expected) and repr(built) == repr(expected)
