"""Reading payload samples (routes, heartbeat series, ECGs, audiograms, vision
prescriptions, states of mind, scored assessments, clinical records, CDA documents).

``payload`` has the shape :meth:`~healthstore.records.PayloadSample.payload` writes. Each
kind is read by its own function and built through the class's validating constructor;
errors name the path below the sample, e.g. ``payload.locations[3].latitude``. Fields the
constructor has defaults for may be left out.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime, tzinfo
from typing import Any

from healthstore.catalogue import Kind, ObjectType
from healthstore.errors import InvalidArgument
from healthstore.records import (
    EYE_FIELDS,
    Audiogram,
    AudiogramPoint,
    CDADocument,
    ClinicalRecord,
    Electrocardiogram,
    Heartbeat,
    HeartbeatSeries,
    Location,
    PayloadSample,
    ScoredAssessment,
    StateOfMind,
    VerifiableClinicalRecord,
    VisionPrescription,
    WorkoutRoute,
)
from healthstore.units import Quantity
from healthstore.wire.fields import (
    array,
    at,
    instant,
    json_object,
    nested,
    number,
    optional_instant,
    require,
    text,
)

Common = dict[str, Any]
_LOCATION_FIELDS = (
    "timestamp",
    "latitude",
    "longitude",
    "altitude",
    "horizontal_accuracy",
    "vertical_accuracy",
    "course",
    "speed",
)


def payload_sample_from_json(
    t: ObjectType,
    value: object,
    start: datetime,
    end: datetime,
    zone: tzinfo | None,
    common: Common,
) -> PayloadSample:
    """The payload sample of type ``t`` whose common fields are already read."""
    keys, read = _READERS[t.kind]
    if value is None:
        raise InvalidArgument("payload is required", field="payload")
    with at("payload"):
        data = json_object(value, keys, "payload")
        try:
            fields = read(data, zone)
        except (KeyError, TypeError, ValueError) as exc:
            raise InvalidArgument(f"malformed payload ({type(exc).__name__})") from None
    with _payload_errors(keys):
        return _build(t, start, end, fields, common)


def _build(
    t: ObjectType, start: datetime, end: datetime, fields: dict[str, Any], common: Common
) -> PayloadSample:
    """Call the constructor of ``t``'s class; kinds that are instants refuse a span."""
    kind = t.kind
    if kind in _INSTANTS and end != start:
        raise InvalidArgument(
            f"{t.short_name} samples are instants: end must equal start", field="end"
        )
    if kind is Kind.visionPrescription:
        return VisionPrescription(start, **fields, **common)
    if kind is Kind.stateOfMind:
        return StateOfMind(start, **fields, **common)
    if kind is Kind.scoredAssessment:
        return ScoredAssessment(t.short_name, start, **fields, **common)
    if kind is Kind.clinical:
        if common.get("device") is not None:
            raise InvalidArgument("clinical records have no device", field="device")
        rest = {key: value for key, value in common.items() if key != "device"}
        return ClinicalRecord(t, start, **fields, **rest)
    if kind is Kind.verifiableClinicalRecord:
        if common.get("device") is not None:
            raise InvalidArgument("verifiable records have no device", field="device")
        rest = {key: value for key, value in common.items() if key != "device"}
        return VerifiableClinicalRecord(start, **fields, **rest)
    return _SPANS[kind](start, end, **fields, **common)


@contextmanager
def _payload_errors(keys: tuple[str, ...]) -> Iterator[None]:
    """A constructor's errors about payload fields move under ``payload``."""
    try:
        yield
    except InvalidArgument as exc:
        root = re.split(r"[.\[]", exc.field or "", maxsplit=1)[0]
        if root in keys:
            raise nested(exc, "payload") from None
        raise


# --- one reader per kind: payload JSON -> constructor arguments ---------------------------


def _route(data: Mapping[str, Any], zone: tzinfo | None) -> dict[str, Any]:
    locations = []
    for i, item in enumerate(array(data, "locations")):
        with at(f"locations[{i}]", strip="location."):
            point = json_object(item, _LOCATION_FIELDS, "a location")
            values = {k: v for k, v in point.items() if k != "timestamp"}
            require(point, "latitude")
            require(point, "longitude")
            locations.append(Location(instant(point, "timestamp", zone), **values))
    return {"locations": locations}


def _beats(data: Mapping[str, Any], zone: tzinfo | None) -> dict[str, Any]:
    beats = []
    for i, item in enumerate(array(data, "beats")):
        field = f"beats[{i}]"
        if not (isinstance(item, list) and len(item) == 2 and isinstance(item[1], bool)):
            raise InvalidArgument(f"{field} must be [seconds, preceded_by_gap]", field=field)
        beats.append(Heartbeat(number(item[0], f"{field}.time_since_start"), item[1]))
    return {"beats": beats}


def _ecg(data: Mapping[str, Any], zone: tzinfo | None) -> dict[str, Any]:
    fields: dict[str, Any] = {
        key: data[key] for key in ("classification", "symptoms_status") if key in data
    }
    for key in ("average_heart_rate", "sampling_frequency"):
        fields[key] = _pair(data.get(key), key)
    fields["voltages"] = array(data, "voltages", required=False)
    return fields


def _points(data: Mapping[str, Any], zone: tzinfo | None) -> dict[str, Any]:
    points = []
    for i, item in enumerate(array(data, "points")):
        field = f"points[{i}]"
        if not (isinstance(item, list) and len(item) == 3):
            raise InvalidArgument(f"{field} must be [frequency, left, right]", field=field)
        with at(field, strip="points."):
            points.append(AudiogramPoint(*item))
    return {"points": points}


def _vision(data: Mapping[str, Any], zone: tzinfo | None) -> dict[str, Any]:
    fields = {
        "prescription_type": require(data, "prescription_type"),
        "expiration": optional_instant(data, "expiration", zone),
    }
    for eye in ("right_eye", "left_eye"):
        value = require(data, eye)
        with at(eye):
            fields[eye] = json_object(value, EYE_FIELDS, eye)
    return fields


def _mood(data: Mapping[str, Any], zone: tzinfo | None) -> dict[str, Any]:
    return {
        "what": require(data, "what"),
        "valence": require(data, "valence"),
        "labels": array(data, "labels", required=False),
        "associations": array(data, "associations", required=False),
    }


def _answers(data: Mapping[str, Any], zone: tzinfo | None) -> dict[str, Any]:
    return {"answers": array(data, "answers")}


def _clinical(data: Mapping[str, Any], zone: tzinfo | None) -> dict[str, Any]:
    return {
        "resource": require(data, "resource"),
        "fhir_release": require(data, "fhir_release"),
        "display_name": text(data, "display_name", required=True),
        "source_name": text(data, "source_name", required=True),
        "source_url": text(data, "source_url"),
    }


def _verifiable(data: Mapping[str, Any], zone: tzinfo | None) -> dict[str, Any]:
    names = ("subject_name", "subject_birth_date")
    return {
        "jws": text(data, "jws", required=True),
        "issuer": text(data, "issuer", required=True),
        "record_types": array(data, "record_types"),
        "fhir_bundle": require(data, "fhir_bundle"),
        "item_names": array(data, "item_names", required=False),
        **{key: text(data, key) for key in names},
        "relevant": optional_instant(data, "relevant", zone),
        "expiration": optional_instant(data, "expiration", zone),
    }


def _cda(data: Mapping[str, Any], zone: tzinfo | None) -> dict[str, Any]:
    names = ("title", "patient_name", "author_name", "custodian_name")
    return {"xml": require(data, "xml"), **{key: text(data, key) for key in names}}


def _pair(value: object, field: str) -> Quantity | None:
    """A quantity written as ``[value, unit]``, or None."""
    if value is None:
        return None
    if not (isinstance(value, list) and len(value) == 2 and isinstance(value[1], str)):
        raise InvalidArgument(f"{field} must be [value, unit] or null", field=field)
    with at(field):
        return Quantity(number(value[0], "value"), value[1])


Reader = Callable[[Mapping[str, Any], tzinfo | None], dict[str, Any]]
_READERS: dict[Kind, tuple[tuple[str, ...], Reader]] = {
    Kind.workoutRoute: (("locations",), _route),
    Kind.heartbeatSeries: (("beats",), _beats),
    Kind.electrocardiogram: (
        (
            "classification",
            "symptoms_status",
            "average_heart_rate",
            "sampling_frequency",
            "voltages",
        ),
        _ecg,
    ),
    Kind.audiogram: (("points",), _points),
    Kind.visionPrescription: (
        ("prescription_type", "expiration", "right_eye", "left_eye"),
        _vision,
    ),
    Kind.stateOfMind: (("what", "valence", "labels", "associations"), _mood),
    Kind.scoredAssessment: (("answers",), _answers),
    Kind.clinical: (
        ("resource", "fhir_release", "display_name", "source_name", "source_url"),
        _clinical,
    ),
    Kind.document: (("xml", "title", "patient_name", "author_name", "custodian_name"), _cda),
    Kind.verifiableClinicalRecord: (
        (
            "jws",
            "issuer",
            "record_types",
            "fhir_bundle",
            "item_names",
            "subject_name",
            "subject_birth_date",
            "relevant",
            "expiration",
        ),
        _verifiable,
    ),
}
_SPANS: dict[Kind, Callable[..., PayloadSample]] = {
    Kind.workoutRoute: WorkoutRoute,
    Kind.heartbeatSeries: HeartbeatSeries,
    Kind.electrocardiogram: Electrocardiogram,
    Kind.audiogram: Audiogram,
    Kind.document: CDADocument,
}
_INSTANTS = (
    Kind.visionPrescription,
    Kind.stateOfMind,
    Kind.scoredAssessment,
    Kind.clinical,
    Kind.verifiableClinicalRecord,
)
PAYLOAD_KINDS = frozenset(_READERS)
