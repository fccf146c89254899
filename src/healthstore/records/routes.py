"""Workout routes: the locations of a workout, in time order."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from dataclasses import fields as dataclass_fields
from datetime import datetime
from typing import Any

from healthstore.catalogue import Kind
from healthstore.errors import InvalidArgument
from healthstore.model import Device, Source, SourceRevision, UUIDLike
from healthstore.records.fields import finite_number
from healthstore.records.payload import PayloadSample
from healthstore.times import require_aware

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
            finite_number(latitude, "location.latitude", -90, 90)
        if type(longitude) is not float or not -180.0 <= longitude <= 180.0:
            finite_number(longitude, "location.longitude", -180, 180)
        for name in _LOCATION_OPTIONAL:
            value = getattr(self, name)
            if value is not None and (type(value) is not float or value - value != 0.0):
                finite_number(value, f"location.{name}")  # not a finite float (inf - inf is nan)

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
        self._init_common("workoutRoute", start, end, source, device, metadata, uuid)
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
