"""The sample kinds beyond quantities, categories, workouts and correlations.

Workout routes, heartbeat series, electrocardiograms, audiograms, vision prescriptions,
states of mind, scored assessments, clinical records and CDA documents. Each is a
:class:`~healthstore.model.Sample` whose kind-specific content is a *payload*: plain data
validated at construction and stored as JSON beside the sample row.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from dataclasses import fields as dataclass_fields
from datetime import datetime
from typing import Any, ClassVar

from healthstore import catalogue, limits
from healthstore.catalogue import Kind, ObjectType
from healthstore.errors import InvalidArgument
from healthstore.model import Device, Sample, Source, SourceRevision, UUIDLike
from healthstore.times import require_aware
from healthstore.units import Quantity


def _number(
    value: object, field: str, low: float | None = None, high: float | None = None
) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InvalidArgument(f"{field} must be a finite number", field=field)
    if (low is not None and value < low) or (high is not None and value > high):
        raise InvalidArgument(f"{field} must lie in [{low}, {high}]", field=field)
    return float(value)


def _optional_number(
    value: object, field: str, low: float | None = None, high: float | None = None
) -> float | None:
    return None if value is None else _number(value, field, low, high)


def _choice(value: object, allowed: Sequence[str], field: str) -> str:
    if value not in allowed:
        raise InvalidArgument(f"{field} must be one of {', '.join(allowed)}", field=field)
    assert isinstance(value, str)
    return value


def _strings(values: Sequence[object], field: str) -> tuple[str, ...]:
    if isinstance(values, str) or not all(isinstance(v, str) and v for v in values):
        raise InvalidArgument(f"{field} must be a list of non-empty strings", field=field)
    limits.check_texts({f"{field}[{i}]": v for i, v in enumerate(values)})
    return tuple(str(v) for v in values)


def _quantity(value: object, unit: str, field: str) -> Quantity | None:
    if value is None:
        return None
    if not isinstance(value, Quantity) or not value.is_compatible(unit):
        raise InvalidArgument(f"{field} must be a Quantity compatible with {unit!r}", field=field)
    if value.value < 0:
        raise InvalidArgument(f"{field} cannot be negative", field=field)
    return value


def _q_json(q: Quantity | None) -> list[Any] | None:
    return None if q is None else [q.value, q.unit.text]


def _q_load(value: list[Any] | None) -> Quantity | None:
    return None if value is None else Quantity(value[0], value[1])


class PayloadSample(Sample):
    """A sample whose kind-specific content travels as a JSON payload."""

    __slots__ = ()
    kinds: ClassVar[tuple[Kind, ...]]

    def _init_sample(
        self,
        type: str | ObjectType,
        start: datetime,
        end: datetime,
        source: Source | SourceRevision | None,
        device: Device | None,
        metadata: Mapping[str, Any] | None,
        uuid: UUIDLike | None,
    ) -> None:
        t = catalogue.object_type(type)
        if t.kind not in self.kinds:
            raise InvalidArgument(
                f"type {t.short_name} is a {t.kind} type, not {self.kinds[0]}", field="type"
            )
        self._init_common(t, start, end, source, device, metadata, uuid)

    def payload(self) -> dict[str, Any]:
        """The kind-specific content as JSON-ready data."""
        raise NotImplementedError

    @classmethod
    def payload_fields(cls, payload: Mapping[str, Any]) -> dict[str, Any]:
        """Slot values rebuilt from a stored payload."""
        raise NotImplementedError

    def _content(self) -> tuple[Any, ...]:
        return (*super()._content(), self.payload())


_LOCATION_OPTIONAL = ("altitude", "horizontal_accuracy", "vertical_accuracy", "course", "speed")


@dataclass(frozen=True, slots=True)
class Location:
    """One point of a workout route (degrees, metres, metres per second)."""

    timestamp: datetime
    latitude: float
    longitude: float
    altitude: float | None = None
    horizontal_accuracy: float | None = None
    vertical_accuracy: float | None = None
    course: float | None = None
    speed: float | None = None

    def __post_init__(self) -> None:
        # The common case (floats in range) is checked inline: a long route has thousands
        # of points. Anything else goes to the checks that name the field.
        require_aware(self.timestamp, "location.timestamp")
        latitude, longitude = self.latitude, self.longitude
        if type(latitude) is not float or not -90.0 <= latitude <= 90.0:
            _number(latitude, "location.latitude", -90, 90)
        if type(longitude) is not float or not -180.0 <= longitude <= 180.0:
            _number(longitude, "location.longitude", -180, 180)
        for name in _LOCATION_OPTIONAL:
            value = getattr(self, name)
            if value is not None and (type(value) is not float or value - value != 0.0):
                _number(value, f"location.{name}")  # not a finite float (inf - inf is nan)

    @classmethod
    def of_floats(
        cls,
        timestamp: datetime,
        latitude: float,
        longitude: float,
        altitude: float,
        horizontal_accuracy: float,
        vertical_accuracy: float,
        course: float,
        speed: float,
    ) -> Location:
        """A location whose values are all floats (what a reader's ``float()`` gave): the
        constructor's checks, made inline, and the fields set without its per-field cost
        (a long route has thousands of points). A value that fails a check goes through the
        constructor, which names it."""
        if (
            type(timestamp) is not datetime
            or timestamp.tzinfo is None
            or timestamp.tzinfo.utcoffset(timestamp) is None
            or not -90.0 <= latitude <= 90.0
            or not -180.0 <= longitude <= 180.0
            # finite: inf - inf and nan - nan are nan, which equals nothing
            or altitude - altitude != 0.0
            or horizontal_accuracy - horizontal_accuracy != 0.0
            or vertical_accuracy - vertical_accuracy != 0.0
            or course - course != 0.0
            or speed - speed != 0.0
        ):
            return cls(
                timestamp,
                latitude,
                longitude,
                altitude,
                horizontal_accuracy,
                vertical_accuracy,
                course,
                speed,
            )
        point = object.__new__(cls)
        _SET_TIMESTAMP(point, timestamp)
        _SET_LATITUDE(point, latitude)
        _SET_LONGITUDE(point, longitude)
        _SET_ALTITUDE(point, altitude)
        _SET_HORIZONTAL(point, horizontal_accuracy)
        _SET_VERTICAL(point, vertical_accuracy)
        _SET_COURSE(point, course)
        _SET_SPEED(point, speed)
        return point


# The slots' own setters, which a frozen dataclass's __setattr__ does not guard.
(
    _SET_TIMESTAMP,
    _SET_LATITUDE,
    _SET_LONGITUDE,
    _SET_ALTITUDE,
    _SET_HORIZONTAL,
    _SET_VERTICAL,
    _SET_COURSE,
    _SET_SPEED,
) = (Location.__dict__[field.name].__set__ for field in dataclass_fields(Location))


class WorkoutRoute(PayloadSample):
    """The locations of a workout, in time order."""

    __slots__ = ("locations",)
    kind = Kind.workoutRoute
    kinds = (Kind.workoutRoute,)
    locations: tuple[Location, ...]

    def __init__(
        self,
        start: datetime,
        end: datetime,
        locations: Sequence[Location],
        *,
        source: Source | SourceRevision | None = None,
        device: Device | None = None,
        metadata: Mapping[str, Any] | None = None,
        uuid: UUIDLike | None = None,
    ) -> None:
        points = tuple(locations)
        for i, point in enumerate(points):
            if not isinstance(point, Location):
                raise InvalidArgument(f"locations[{i}] must be a Location", field="locations")
        self._init_sample("workoutRoute", start, end, source, device, metadata, uuid)
        object.__setattr__(self, "locations", tuple(sorted(points, key=lambda p: p.timestamp)))

    def payload(self) -> dict[str, Any]:
        return {
            "locations": [
                {
                    "timestamp": p.timestamp.isoformat(),
                    "latitude": p.latitude,
                    "longitude": p.longitude,
                    "altitude": p.altitude,
                    "horizontal_accuracy": p.horizontal_accuracy,
                    "vertical_accuracy": p.vertical_accuracy,
                    "course": p.course,
                    "speed": p.speed,
                }
                for p in self.locations
            ]
        }

    @classmethod
    def payload_fields(cls, payload: Mapping[str, Any]) -> dict[str, Any]:
        return {
            "locations": tuple(
                Location(**{**p, "timestamp": datetime.fromisoformat(p["timestamp"])})
                for p in payload["locations"]
            )
        }


@dataclass(frozen=True, slots=True)
class Heartbeat:
    """One beat: seconds since the series started, and whether a gap in measurement came
    before it."""

    time_since_start: float
    preceded_by_gap: bool = False


class HeartbeatSeries(PayloadSample):
    """Beat-to-beat timing (the data behind heart-rate variability)."""

    __slots__ = ("beats",)
    kind = Kind.heartbeatSeries
    kinds = (Kind.heartbeatSeries,)
    beats: tuple[Heartbeat, ...]

    def __init__(
        self,
        start: datetime,
        end: datetime,
        beats: Sequence[Heartbeat],
        *,
        source: Source | SourceRevision | None = None,
        device: Device | None = None,
        metadata: Mapping[str, Any] | None = None,
        uuid: UUIDLike | None = None,
    ) -> None:
        self._init_sample("heartbeatSeries", start, end, source, device, metadata, uuid)
        span = self.duration.total_seconds()
        previous = -1.0
        for i, beat in enumerate(beats):
            t = _number(beat.time_since_start, f"beats[{i}].time_since_start", 0, span)
            if t < previous:
                raise InvalidArgument("beats must be in time order", field=f"beats[{i}]")
            previous = t
        object.__setattr__(self, "beats", tuple(beats))

    def payload(self) -> dict[str, Any]:
        return {"beats": [[b.time_since_start, b.preceded_by_gap] for b in self.beats]}

    @classmethod
    def payload_fields(cls, payload: Mapping[str, Any]) -> dict[str, Any]:
        return {"beats": tuple(Heartbeat(t, bool(gap)) for t, gap in payload["beats"])}


ECG_CLASSIFICATIONS = (
    "notSet",
    "sinusRhythm",
    "atrialFibrillation",
    "inconclusiveLowHeartRate",
    "inconclusiveHighHeartRate",
    "inconclusivePoorReading",
    "inconclusiveOther",
    "unrecognized",
)
ECG_SYMPTOMS = ("notSet", "none", "present")


class Electrocardiogram(PayloadSample):
    """A single-lead ECG: classification, average heart rate, sampling frequency and the
    voltage measurements (microvolts)."""

    __slots__ = (
        "average_heart_rate",
        "classification",
        "sampling_frequency",
        "symptoms_status",
        "voltages",
    )
    kind = Kind.electrocardiogram
    kinds = (Kind.electrocardiogram,)
    classification: str
    average_heart_rate: Quantity | None
    sampling_frequency: Quantity | None
    symptoms_status: str
    voltages: tuple[float, ...]

    def __init__(
        self,
        start: datetime,
        end: datetime,
        *,
        classification: str = "notSet",
        average_heart_rate: Quantity | None = None,
        sampling_frequency: Quantity | None = None,
        symptoms_status: str = "notSet",
        voltages: Sequence[float] = (),
        source: Source | SourceRevision | None = None,
        device: Device | None = None,
        metadata: Mapping[str, Any] | None = None,
        uuid: UUIDLike | None = None,
    ) -> None:
        self._init_sample("electrocardiogram", start, end, source, device, metadata, uuid)
        set_ = object.__setattr__
        set_(self, "classification", _choice(classification, ECG_CLASSIFICATIONS, "classification"))
        set_(self, "symptoms_status", _choice(symptoms_status, ECG_SYMPTOMS, "symptoms_status"))
        set_(
            self,
            "average_heart_rate",
            _quantity(average_heart_rate, "count/min", "average_heart_rate"),
        )
        set_(self, "sampling_frequency", _quantity(sampling_frequency, "Hz", "sampling_frequency"))
        set_(self, "voltages", tuple(_number(v, f"voltages[{i}]") for i, v in enumerate(voltages)))

    def payload(self) -> dict[str, Any]:
        return {
            "classification": self.classification,
            "symptoms_status": self.symptoms_status,
            "average_heart_rate": _q_json(self.average_heart_rate),
            "sampling_frequency": _q_json(self.sampling_frequency),
            "voltages": list(self.voltages),
        }

    @classmethod
    def payload_fields(cls, payload: Mapping[str, Any]) -> dict[str, Any]:
        return {
            "classification": payload["classification"],
            "symptoms_status": payload["symptoms_status"],
            "average_heart_rate": _q_load(payload["average_heart_rate"]),
            "sampling_frequency": _q_load(payload["sampling_frequency"]),
            "voltages": tuple(payload["voltages"]),
        }


@dataclass(frozen=True, slots=True)
class AudiogramPoint:
    """Hearing sensitivity at one frequency (Hz), per ear (dBHL); None where not tested."""

    frequency: float
    left: float | None = None
    right: float | None = None

    def __post_init__(self) -> None:
        _number(self.frequency, "points.frequency", 0)
        _optional_number(self.left, "points.left")
        _optional_number(self.right, "points.right")


class Audiogram(PayloadSample):
    """A hearing test: sensitivity points by frequency."""

    __slots__ = ("points",)
    kind = Kind.audiogram
    kinds = (Kind.audiogram,)
    points: tuple[AudiogramPoint, ...]

    def __init__(
        self,
        start: datetime,
        end: datetime,
        points: Sequence[AudiogramPoint],
        *,
        source: Source | SourceRevision | None = None,
        device: Device | None = None,
        metadata: Mapping[str, Any] | None = None,
        uuid: UUIDLike | None = None,
    ) -> None:
        if not points:
            raise InvalidArgument("an audiogram needs at least one point", field="points")
        self._init_sample("audiogram", start, end, source, device, metadata, uuid)
        object.__setattr__(self, "points", tuple(sorted(points, key=lambda p: p.frequency)))

    def payload(self) -> dict[str, Any]:
        return {"points": [[p.frequency, p.left, p.right] for p in self.points]}

    @classmethod
    def payload_fields(cls, payload: Mapping[str, Any]) -> dict[str, Any]:
        return {"points": tuple(AudiogramPoint(f, lt, rt) for f, lt, rt in payload["points"])}


EYE_FIELDS = (
    "sphere",
    "cylinder",
    "axis",
    "add",
    "vertex",
    "prism_amount",
    "prism_angle",
    "far_pupillary_distance",
    "near_pupillary_distance",
    "base_curve",
    "diameter",
)


class VisionPrescription(PayloadSample):
    """Glasses or contact lenses: per-eye values (diopters, degrees, millimetres)."""

    __slots__ = ("expiration", "left_eye", "prescription_type", "right_eye")
    kind = Kind.visionPrescription
    kinds = (Kind.visionPrescription,)
    prescription_type: str
    expiration: datetime | None
    right_eye: Mapping[str, float]
    left_eye: Mapping[str, float]

    def __init__(
        self,
        issued: datetime,
        *,
        prescription_type: str,
        right_eye: Mapping[str, float],
        left_eye: Mapping[str, float],
        expiration: datetime | None = None,
        source: Source | SourceRevision | None = None,
        device: Device | None = None,
        metadata: Mapping[str, Any] | None = None,
        uuid: UUIDLike | None = None,
    ) -> None:
        self._init_sample("visionPrescription", issued, issued, source, device, metadata, uuid)
        set_ = object.__setattr__
        set_(
            self,
            "prescription_type",
            _choice(prescription_type, ("glasses", "contacts"), "prescription_type"),
        )
        set_(
            self,
            "expiration",
            None if expiration is None else require_aware(expiration, "expiration"),
        )
        set_(self, "right_eye", _eye(right_eye, "right_eye"))
        set_(self, "left_eye", _eye(left_eye, "left_eye"))

    def payload(self) -> dict[str, Any]:
        return {
            "prescription_type": self.prescription_type,
            "expiration": None if self.expiration is None else self.expiration.isoformat(),
            "right_eye": dict(self.right_eye),
            "left_eye": dict(self.left_eye),
        }

    @classmethod
    def payload_fields(cls, payload: Mapping[str, Any]) -> dict[str, Any]:
        expiration = payload["expiration"]
        return {
            "prescription_type": payload["prescription_type"],
            "expiration": None if expiration is None else datetime.fromisoformat(expiration),
            "right_eye": dict(payload["right_eye"]),
            "left_eye": dict(payload["left_eye"]),
        }


def _eye(values: Mapping[str, float], field: str) -> dict[str, float]:
    if not isinstance(values, Mapping):
        raise InvalidArgument(f"{field} must be a mapping", field=field)
    out = {}
    for key, value in values.items():
        if key not in EYE_FIELDS:
            raise InvalidArgument(
                f"{field}: unknown value {key!r} (allowed: {', '.join(EYE_FIELDS)})", field=field
            )
        out[key] = _number(value, f"{field}.{key}")
    return out


class StateOfMind(PayloadSample):
    """How the person felt: a momentary emotion or a daily mood, valence in [-1, 1], with
    labels (e.g. "happy") and associations (e.g. "work")."""

    __slots__ = ("associations", "labels", "valence", "what")
    kind = Kind.stateOfMind
    kinds = (Kind.stateOfMind,)
    what: str
    valence: float
    labels: tuple[str, ...]
    associations: tuple[str, ...]

    def __init__(
        self,
        start: datetime,
        *,
        what: str,
        valence: float,
        labels: Sequence[str] = (),
        associations: Sequence[str] = (),
        source: Source | SourceRevision | None = None,
        device: Device | None = None,
        metadata: Mapping[str, Any] | None = None,
        uuid: UUIDLike | None = None,
    ) -> None:
        self._init_sample("stateOfMind", start, start, source, device, metadata, uuid)
        set_ = object.__setattr__
        set_(self, "what", _choice(what, ("momentaryEmotion", "dailyMood"), "what"))
        set_(self, "valence", _number(valence, "valence", -1, 1))
        set_(self, "labels", _strings(labels, "labels"))
        set_(self, "associations", _strings(associations, "associations"))

    def payload(self) -> dict[str, Any]:
        return {
            "what": self.what,
            "valence": self.valence,
            "labels": list(self.labels),
            "associations": list(self.associations),
        }

    @classmethod
    def payload_fields(cls, payload: Mapping[str, Any]) -> dict[str, Any]:
        return {
            "what": payload["what"],
            "valence": payload["valence"],
            "labels": tuple(payload["labels"]),
            "associations": tuple(payload["associations"]),
        }


_ASSESSMENT_QUESTIONS = {"gad7": 7, "phq9": 9}


class ScoredAssessment(PayloadSample):
    """A GAD-7 or PHQ-9 questionnaire: answers 0–3 per question; the score is their sum."""

    __slots__ = ("answers",)
    kind = Kind.scoredAssessment
    kinds = (Kind.scoredAssessment,)
    answers: tuple[int, ...]

    def __init__(
        self,
        type: str,
        start: datetime,
        answers: Sequence[int],
        *,
        source: Source | SourceRevision | None = None,
        device: Device | None = None,
        metadata: Mapping[str, Any] | None = None,
        uuid: UUIDLike | None = None,
    ) -> None:
        self._init_sample(type, start, start, source, device, metadata, uuid)
        expected = _ASSESSMENT_QUESTIONS[self.type.short_name]
        if len(answers) != expected or not all(
            isinstance(a, int) and not isinstance(a, bool) and 0 <= a <= 3 for a in answers
        ):
            raise InvalidArgument(
                f"{self.type.short_name} needs {expected} answers, each 0-3", field="answers"
            )
        object.__setattr__(self, "answers", tuple(answers))

    @property
    def score(self) -> int:
        return sum(self.answers)

    def payload(self) -> dict[str, Any]:
        return {"answers": list(self.answers)}

    @classmethod
    def payload_fields(cls, payload: Mapping[str, Any]) -> dict[str, Any]:
        return {"answers": tuple(payload["answers"])}


FHIR_RELEASES = ("DSTU2", "R4")


class ClinicalRecord(PayloadSample):
    """A FHIR resource kept verbatim, with where it came from (spec §9). The sample's start
    and end are the time it was received."""

    __slots__ = ("display_name", "fhir_release", "resource", "source_name", "source_url")
    kind = Kind.clinical
    kinds = (Kind.clinical,)
    resource: Mapping[str, Any]
    fhir_release: str
    display_name: str
    source_name: str
    source_url: str | None

    def __init__(
        self,
        type: str | ObjectType,
        received: datetime,
        resource: Mapping[str, Any],
        *,
        fhir_release: str,
        display_name: str,
        source_name: str,
        source_url: str | None = None,
        source: Source | SourceRevision | None = None,
        metadata: Mapping[str, Any] | None = None,
        uuid: UUIDLike | None = None,
    ) -> None:
        if not isinstance(resource, Mapping) or not isinstance(resource.get("resourceType"), str):
            raise InvalidArgument(
                "resource must be a FHIR resource with a resourceType", field="resource"
            )
        limits.check_texts(
            {"display_name": display_name, "source_name": source_name, "source_url": source_url}
        )
        self._init_sample(type, received, received, source, None, metadata, uuid)
        set_ = object.__setattr__
        set_(self, "resource", dict(resource))
        set_(self, "fhir_release", _choice(fhir_release, FHIR_RELEASES, "fhir_release"))
        set_(self, "display_name", display_name)
        set_(self, "source_name", source_name)
        set_(self, "source_url", source_url)

    @property
    def resource_type(self) -> str:
        return str(self.resource["resourceType"])

    @property
    def fhir_id(self) -> str | None:
        value = self.resource.get("id")
        return None if value is None else str(value)

    def payload(self) -> dict[str, Any]:
        return {
            "resource": dict(self.resource),
            "fhir_release": self.fhir_release,
            "display_name": self.display_name,
            "source_name": self.source_name,
            "source_url": self.source_url,
        }

    @classmethod
    def payload_fields(cls, payload: Mapping[str, Any]) -> dict[str, Any]:
        return dict(payload)


class VerifiableClinicalRecord(PayloadSample):
    """A verified SMART Health Card: what it certifies, who issued it, for whom, and the
    signed JWS itself (so it can be shown or verified again). The sample's start and end are
    the time it was issued."""

    __slots__ = (
        "expiration",
        "fhir_bundle",
        "issuer",
        "item_names",
        "jws",
        "record_types",
        "relevant",
        "subject_birth_date",
        "subject_name",
    )
    kind = Kind.verifiableClinicalRecord
    kinds = (Kind.verifiableClinicalRecord,)
    record_types: tuple[str, ...]
    issuer: str
    subject_name: str | None
    subject_birth_date: str | None
    relevant: datetime | None
    expiration: datetime | None
    item_names: tuple[str, ...]
    jws: str
    fhir_bundle: Mapping[str, Any]

    def __init__(
        self,
        issued: datetime,
        *,
        jws: str,
        issuer: str,
        record_types: Sequence[str],
        fhir_bundle: Mapping[str, Any],
        item_names: Sequence[str] = (),
        subject_name: str | None = None,
        subject_birth_date: str | None = None,
        relevant: datetime | None = None,
        expiration: datetime | None = None,
        source: Source | SourceRevision | None = None,
        metadata: Mapping[str, Any] | None = None,
        uuid: UUIDLike | None = None,
    ) -> None:
        if not isinstance(jws, str) or jws.count(".") != 2:
            raise InvalidArgument("jws must be the card's compact JWS", field="jws")
        if not isinstance(issuer, str) or not issuer:
            raise InvalidArgument("issuer must be the issuer's URL", field="issuer")
        if not isinstance(fhir_bundle, Mapping):
            raise InvalidArgument("fhir_bundle must be the card's FHIR Bundle", field="fhir_bundle")
        for name, value in (("relevant", relevant), ("expiration", expiration)):
            if value is not None:
                require_aware(value, name)
        limits.check_texts(
            {
                "issuer": issuer,
                "subject_name": subject_name,
                "subject_birth_date": subject_birth_date,
            }
        )
        self._init_sample("verifiableClinicalRecord", issued, issued, source, None, metadata, uuid)
        set_ = object.__setattr__
        set_(self, "jws", jws)
        set_(self, "issuer", issuer)
        set_(self, "record_types", _strings(record_types, "record_types"))
        set_(self, "fhir_bundle", dict(fhir_bundle))
        set_(self, "item_names", _strings(item_names, "item_names"))
        set_(self, "subject_name", subject_name)
        set_(self, "subject_birth_date", subject_birth_date)
        set_(self, "relevant", relevant)
        set_(self, "expiration", expiration)

    def payload(self) -> dict[str, Any]:
        return {
            "jws": self.jws,
            "issuer": self.issuer,
            "record_types": list(self.record_types),
            "fhir_bundle": dict(self.fhir_bundle),
            "item_names": list(self.item_names),
            "subject_name": self.subject_name,
            "subject_birth_date": self.subject_birth_date,
            "relevant": None if self.relevant is None else self.relevant.isoformat(),
            "expiration": None if self.expiration is None else self.expiration.isoformat(),
        }

    @classmethod
    def payload_fields(cls, payload: Mapping[str, Any]) -> dict[str, Any]:
        out = dict(payload)
        out["record_types"] = tuple(payload["record_types"])
        out["item_names"] = tuple(payload["item_names"])
        for name in ("relevant", "expiration"):
            value = payload.get(name)
            out[name] = None if value is None else datetime.fromisoformat(value)
        return out


class CDADocument(PayloadSample):
    """An HL7 C-CDA XML document with the names found in it."""

    __slots__ = ("author_name", "custodian_name", "patient_name", "title", "xml")
    kind = Kind.document
    kinds = (Kind.document,)
    xml: str
    title: str | None
    patient_name: str | None
    author_name: str | None
    custodian_name: str | None

    def __init__(
        self,
        start: datetime,
        end: datetime,
        xml: str,
        *,
        title: str | None = None,
        patient_name: str | None = None,
        author_name: str | None = None,
        custodian_name: str | None = None,
        source: Source | SourceRevision | None = None,
        device: Device | None = None,
        metadata: Mapping[str, Any] | None = None,
        uuid: UUIDLike | None = None,
    ) -> None:
        if not isinstance(xml, str) or not xml.lstrip().startswith("<"):
            raise InvalidArgument("xml must be the document's XML text", field="xml")
        limits.check_texts(
            {
                "title": title,
                "patient_name": patient_name,
                "author_name": author_name,
                "custodian_name": custodian_name,
            }
        )
        self._init_sample("cda", start, end, source, device, metadata, uuid)
        set_ = object.__setattr__
        set_(self, "xml", xml)
        set_(self, "title", title)
        set_(self, "patient_name", patient_name)
        set_(self, "author_name", author_name)
        set_(self, "custodian_name", custodian_name)

    def payload(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__slots__}

    @classmethod
    def payload_fields(cls, payload: Mapping[str, Any]) -> dict[str, Any]:
        return dict(payload)


PAYLOAD_CLASSES: dict[Kind, type[PayloadSample]] = {
    cls.kind: cls
    for cls in (
        WorkoutRoute,
        HeartbeatSeries,
        Electrocardiogram,
        Audiogram,
        VisionPrescription,
        StateOfMind,
        ScoredAssessment,
        ClinicalRecord,
        VerifiableClinicalRecord,
        CDADocument,
    )
}


def restore(kind: Kind, fields: dict[str, Any], payload: Mapping[str, Any]) -> PayloadSample:
    """A stored payload sample rebuilt without validation."""
    cls = PAYLOAD_CLASSES[kind]
    return cls._restore(**fields, **cls.payload_fields(payload))
