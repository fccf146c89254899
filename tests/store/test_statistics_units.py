"""Statistics in the display unit, or the ``unit`` asked for, through every door: the
library, the HTTP client (same calls, same answers), the raw HTTP routes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from healthstore import HealthStore, Quantity, QuantitySample
from healthstore.client import HealthClient
from healthstore.errors import InvalidArgument
from tests.conftest import WATCH, at
from tests.server.test_app_api import BUNDLE, MANIFEST
from tests.server_support import serve

READ = ["heartRate", "distanceWalkingRunning"]


@pytest.fixture(params=["library", "http"])
def api(request: pytest.FixtureRequest, store: HealthStore) -> Iterator[Any]:
    store.save(
        [
            QuantitySample("heartRate", Quantity(60, "count/min"), at(0), source=WATCH),
            QuantitySample("heartRate", Quantity(1.5, "count/s"), at(10), source=WATCH),
            QuantitySample("distanceWalkingRunning", Quantity(1500, "m"), at(0), at(20)),
        ]
    )
    token = store.register_app(MANIFEST)
    store.app(BUNDLE).request_authorization(share=[], read=READ)
    store.grant(BUNDLE, read=READ, history=True)
    if request.param == "library":
        yield store.app(BUNDLE)
        return
    with serve(store) as url, HealthClient(url, token) as client:
        yield client


WINDOW = {"start": at(-60), "end": at(60)}


def test_values_come_in_the_display_unit_by_default(api: Any) -> None:
    beats = api.statistics("heartRate", options="avg,min,max,mostRecent", **WINDOW)
    assert beats.unit == "count/min"
    assert beats.minimum == Quantity(60, "count/min")
    assert beats.maximum == Quantity(90, "count/min")
    assert beats.maximum.value_in("count/s") == pytest.approx(1.5)
    walked = api.statistics("distanceWalkingRunning", options="sum", **WINDOW)
    assert walked.sum == Quantity(1.5, "km")


def test_unit_asks_for_another(api: Any) -> None:
    beats = api.statistics("heartRate", options="max", unit="count/s", **WINDOW)
    assert beats.unit == "count/s" and beats.maximum == Quantity(1.5, "count/s")
    (bucket,) = api.statistics_collection(
        "distanceWalkingRunning",
        anchor=at(-60),
        interval="2h",
        options="sum",
        unit="mi",
        **WINDOW,
    )
    assert bucket.unit == "mi"
    assert bucket.sum.value == pytest.approx(1500 / 1609.344)


def test_a_unit_that_does_not_fit_names_unit(api: Any) -> None:
    with pytest.raises(InvalidArgument) as caught:
        api.statistics("heartRate", options="max", unit="km", **WINDOW)
    assert caught.value.field == "unit"
    assert "'km'" in caught.value.message and "heartRate" in caught.value.message


def test_raw_http_unit_parameter(store: HealthStore) -> None:
    store.save([QuantitySample("heartRate", Quantity(72, "count/min"), at(0))])
    token = store.register_app(MANIFEST)
    store.app(BUNDLE).request_authorization(share=[], read=["heartRate"])
    store.grant(BUNDLE, read=["heartRate"], history=True)
    params = {
        "type": "heartRate",
        "start": at(-60).isoformat(),
        "end": at(60).isoformat(),
        "options": "max",
    }
    with (
        serve(store) as url,
        httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}) as http,
    ):
        shown = http.get("/v1/statistics", params=params).json()
        assert (shown["unit"], shown["maximum"]) == ("count/min", pytest.approx(72))
        per_second = http.get("/v1/statistics", params={**params, "unit": "count/s"}).json()
        assert (per_second["unit"], per_second["maximum"]) == ("count/s", pytest.approx(1.2))
        bad = http.get("/v1/statistics", params={**params, "unit": "kg"})
        assert bad.status_code == 400
        assert "unit" in bad.text and "'kg'" in bad.text
        spec = http.get("/openapi.json").json()
        names = [p["name"] for p in spec["paths"]["/v1/statistics"]["get"]["parameters"]]
        assert "unit" in names
