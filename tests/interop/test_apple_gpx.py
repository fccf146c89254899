"""The route GPX reader against gpxpy, an independent GPX parser (a test dependency only)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import gpxpy
import gpxpy.gpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from healthstore.interop.apple.attachments import gpx
from healthstore.interop.apple.gpx import (
    _PARSER,
    GPXError,
    _apple_layout,
    _element_by_element,
    route_locations,
)
from healthstore.records import Location
from tests.conftest import shared_path

EPOCH = datetime(2024, 4, 6, 8, 0, tzinfo=UTC)
VALUE = st.floats(0, 500, allow_nan=False)
ALTITUDE = st.floats(-400, 9000, allow_nan=False)


@st.composite
def routes(draw: st.DrawFn, *, full: bool = False) -> list[Location]:
    """Routes whose optional values may be missing, or (``full``) as Apple writes them:
    every point with all eight values."""
    value = VALUE if full else st.none() | VALUE
    altitude = ALTITUDE if full else st.none() | ALTITUDE
    n = draw(st.integers(1, 30))
    seconds = sorted(draw(st.lists(st.integers(0, 86_400), min_size=n, max_size=n)))
    return [
        Location(
            EPOCH + timedelta(seconds=s, microseconds=draw(st.sampled_from([0, 250_000]))),
            draw(st.floats(-90, 90, allow_nan=False)),
            draw(st.floats(-180, 180, allow_nan=False)),
            altitude=draw(altitude),
            horizontal_accuracy=draw(value),
            vertical_accuracy=draw(value),
            course=draw(value),
            speed=draw(value),
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


@settings(max_examples=60, deadline=None)
@given(routes(full=True))
def test_apples_layout_takes_the_fast_path_and_reads_as_the_element_reader_does(
    locations: list[Location],
) -> None:
    data = gpx(EPOCH, locations, EPOCH)
    fast = _apple_layout(data)
    assert fast is not None
    assert fast == _element_by_element(etree.fromstring(data, _PARSER)) == locations


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.replace(b'lat="', b'lat="9', 1), "location.latitude"),  # 9xx degrees
        (lambda d: d.replace(b"</trkseg>", b"", 1), "Opening and ending tag mismatch"),
        (lambda d: d.replace(b"<ele>", b"<ele>&", 1), "xmlParseEntityRef"),
    ],
)
def test_a_bad_file_in_apples_layout_is_an_error_that_says_where(
    change: Callable[[bytes], bytes], message: str
) -> None:
    """The fast path never reports: a file it cannot take (badly formed, a value out of
    range) goes to the element-by-element reader, which names the line."""
    point = Location(EPOCH, 48.8, 2.3, 35.0, 5.0, 3.0, 90.0, 2.5)
    data = change(gpx(EPOCH, [point, point], EPOCH))
    assert _apple_layout(data) is None
    with pytest.raises(GPXError, match=r"line \d+: .*" + re.escape(message)):
        route_locations(data)


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
