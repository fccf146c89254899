"""The route GPX reader against gpxpy, an independent GPX parser (a test dependency only)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import gpxpy
import gpxpy.gpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from healthstore.interop.apple.attachments import gpx
from healthstore.interop.apple.gpx import GPXError, route_locations
from healthstore.records import Location
from tests.conftest import shared_path

EPOCH = datetime(2024, 4, 6, 8, 0, tzinfo=UTC)
optional = st.none() | st.floats(0, 500, allow_nan=False)


@st.composite
def routes(draw: st.DrawFn) -> list[Location]:
    n = draw(st.integers(1, 30))
    seconds = sorted(draw(st.lists(st.integers(0, 86_400), min_size=n, max_size=n)))
    return [
        Location(
            EPOCH + timedelta(seconds=s, microseconds=draw(st.sampled_from([0, 250_000]))),
            draw(st.floats(-90, 90, allow_nan=False)),
            draw(st.floats(-180, 180, allow_nan=False)),
            altitude=draw(st.none() | st.floats(-400, 9000, allow_nan=False)),
            horizontal_accuracy=draw(optional),
            vertical_accuracy=draw(optional),
            course=draw(optional),
            speed=draw(optional),
        )
        for s in seconds
    ]


def _gpxpy_points(data: bytes) -> list[gpxpy.gpx.GPXTrackPoint]:
    parsed = gpxpy.parse(data.decode("utf-8"))
    return [p for t in parsed.tracks for s in t.segments for p in s.points]


@settings(max_examples=60, deadline=None)
@given(routes())
def test_a_route_written_as_apple_does_reads_back_the_same_as_gpxpy_reads_it(
    locations: list[Location],
) -> None:
    data = gpx(EPOCH, locations, EPOCH)
    ours = route_locations(data)
    assert ours == locations
    theirs = _gpxpy_points(data)
    assert len(theirs) == len(ours)
    for mine, point in zip(ours, theirs, strict=True):
        assert (mine.latitude, mine.longitude, mine.altitude) == (
            point.latitude,
            point.longitude,
            point.elevation,
        )
        assert mine.timestamp == point.time
        extra = {e.tag.rsplit("}", 1)[-1]: float(e.text) for e in point.extensions}
        assert extra.get("speed") == mine.speed
        assert extra.get("course") == mine.course
        assert extra.get("hAcc") == mine.horizontal_accuracy
        assert extra.get("vAcc") == mine.vertical_accuracy


def test_a_file_gpxpy_writes_reads_the_same() -> None:
    track = gpxpy.gpx.GPX()
    segment = gpxpy.gpx.GPXTrackSegment()
    track.tracks.append(gpxpy.gpx.GPXTrack())
    track.tracks[0].segments.append(segment)
    for k in range(5):
        segment.points.append(
            gpxpy.gpx.GPXTrackPoint(
                48.85 + k / 1000, 2.35, elevation=35.0 + k, time=EPOCH + timedelta(seconds=k)
            )
        )
    segment.points.append(gpxpy.gpx.GPXTrackPoint(48.9, 2.4))  # no time: not a location
    data = track.to_xml().encode("utf-8")
    ours = route_locations(data)
    assert [(p.latitude, p.longitude, p.altitude, p.timestamp) for p in ours] == [
        (p.latitude, p.longitude, p.elevation, p.time) for p in _gpxpy_points(data)[:5]
    ]


def test_apples_own_route_file_reads_the_same_as_gpxpy_reads_it() -> None:
    path = shared_path("data", "apple", "healthkit-to-sqlite_route_2019-06-11_3.00pm.gpx")
    data = path.read_bytes()
    ours = route_locations(data)
    theirs = _gpxpy_points(data)
    assert len(ours) == len(theirs) > 0
    assert [(p.latitude, p.longitude, p.altitude, p.timestamp) for p in ours] == [
        (p.latitude, p.longitude, p.elevation, p.time) for p in theirs
    ]
    assert all(p.speed is not None and p.horizontal_accuracy is not None for p in ours)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            b"<gpx><trk><trkseg><trkpt lat='x' lon='2'><time>2024-01-01T00:00:00Z</time>"
            b"</trkpt></trkseg></trk></gpx>",
            "line 1: lat 'x' is not a number",
        ),
        (
            b"<gpx><trk><trkseg><trkpt lat='91' lon='2'><time>2024-01-01T00:00:00Z</time>"
            b"</trkpt></trkseg></trk></gpx>",
            "line 1: location.latitude",
        ),
        (
            b"<gpx>\n<trk><trkseg><trkpt lat='1' lon='2'><time>noon</time>"
            b"</trkpt></trkseg></trk></gpx>",
            "line 2: time 'noon' is not an ISO 8601 instant",
        ),
        (b"<kml/>", "its root is <kml>, not <gpx>"),
        (b"<gpx><trk>", "line 1:"),
    ],
)
def test_a_bad_file_is_an_error_that_says_where(text: bytes, message: str) -> None:
    with pytest.raises(GPXError, match=re.escape(message)):
        route_locations(text)
