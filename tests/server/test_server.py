"""The HTTP API itself: authentication, the upload contract, limits, errors, paging, the
OpenAPI description, the landing page and what the server logs."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from healthstore import HealthStore, Quantity, QuantitySample
from healthstore.server import ServerSettings
from healthstore.store import DATABASE_FILE
from tests.conftest import at
from tests.server.test_app_api import BUNDLE, MANIFEST
from tests.server_support import serve


@pytest.fixture
def token(store: HealthStore) -> str:
    token = store.register_app(MANIFEST)
    store.app(BUNDLE).request_authorization(share=["stepCount"], read=["stepCount"])
    store.grant(BUNDLE, share=["stepCount"], read=["stepCount"], history=True)
    return token


@pytest.fixture
def http(store: HealthStore, token: str) -> Iterator[httpx.Client]:
    settings = ServerSettings(max_batch=50, max_body_bytes=200_000, requests_per_minute=0)
    with (
        serve(store, settings) as url,
        httpx.Client(
            base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=30
        ) as client,
    ):
        yield client


def item(value: Any = 10, minute: int = 0, **extra: Any) -> dict[str, Any]:
    return {
        "type": "stepCount",
        "start": at(minute).isoformat(),
        "end": at(minute + 5).isoformat(),
        "value": value,
        "unit": "count",
        **extra,
    }


def test_requests_need_a_valid_token(http: httpx.Client) -> None:
    for headers in (
        {"Authorization": ""},
        {"Authorization": "Bearer hst_nope"},
        {"Authorization": "Basic x"},
    ):
        answer = http.get("/v1/samples", params={"type": "stepCount"}, headers=headers)
        assert answer.status_code == 401
        assert answer.json()["name"] == "authorizationDenied"
        assert "hst_nope" not in answer.text
        assert answer.headers["www-authenticate"].startswith("Bearer")


def test_an_upload_keeps_valid_items_and_explains_the_rest(http: httpx.Client) -> None:
    batch = [
        item(10, 0),
        item("ten", 10),
        item(5, 20, unit="kg"),
        {**item(3, 30), "type": "heartRate", "unit": "count/min"},
        item(7, 40, colour="red"),
        item(8, 50),
    ]
    answer = http.post("/v1/samples", json={"samples": batch})
    assert answer.status_code == 200
    data = answer.json()
    assert [r["status"] for r in data["results"]] == [
        "created", "rejected", "rejected", "rejected", "rejected", "created",
    ]  # fmt: skip
    fields = [r["error"]["field"] for r in data["results"] if r["status"] == "rejected"]
    assert fields == ["samples[1].value", "samples[2].unit", "samples[3]", "samples[4].colour"]
    assert data["results"][3]["error"]["name"] == "authorizationNotDetermined"
    assert (data["created"], data["rejected"], data["inserted"]) == (2, 4, 2)
    again = http.post("/v1/samples", json={"samples": batch}).json()
    assert (again["created"], again["duplicate"], again["rejected"]) == (0, 2, 4)


def test_items_without_uuid_are_idempotent(http: httpx.Client) -> None:
    first = http.post("/v1/samples", json={"samples": [item(1), item(2, 10)]}).json()
    second = http.post("/v1/samples", json={"samples": [item(1), item(2, 10)]}).json()
    assert first["created"] == 2 and second["duplicate"] == 2
    assert [r["uuid"] for r in first["results"]] == [r["uuid"] for r in second["results"]]


def test_oversized_batches_and_bodies_get_413(http: httpx.Client) -> None:
    too_many = http.post("/v1/samples", json={"samples": [item(1, i) for i in range(51)]})
    assert too_many.status_code == 413 and too_many.json()["field"] == "samples"
    huge = b'{"samples": [' + b" " * 300_000 + b"]}"
    declared = http.post("/v1/samples", content=huge, headers={"Content-Type": "application/json"})
    assert declared.status_code == 413 and declared.json()["name"] == "dataSizeExceeded"

    def chunks() -> Iterator[bytes]:
        yield b'{"samples": ['
        for _ in range(40):
            yield b" " * 10_000
        yield b"]}"

    streamed = http.post("/v1/samples", content=chunks())
    assert streamed.status_code == 413


def test_errors_are_json_with_healthkit_codes(http: httpx.Client) -> None:
    bad_json = http.post(
        "/v1/samples", content=b"{nope", headers={"Content-Type": "application/json"}
    )
    assert bad_json.status_code == 400 and bad_json.json()["code"] == 3
    unknown = http.get("/v1/samples", params={"type": "stepCounts"})
    assert unknown.status_code == 400 and unknown.json()["field"] == "type"
    missing = http.get("/v1/statistics", params={"type": "stepCount", "start": "x"})
    assert missing.status_code == 400 and set(missing.json()) == {
        "code",
        "name",
        "message",
        "field",
    }
    not_found = http.delete("/v1/observers/obs_missing")
    assert not_found.status_code == 404 and not_found.json()["name"] == "noData"
    conflict_uuid = "0192f4a0-0000-7000-8000-000000000001"
    http.post("/v1/samples", json={"samples": [item(1, uuid=conflict_uuid)]})
    conflict = http.post(
        "/v1/samples", params={"atomic": "true"}, json={"samples": [item(2, uuid=conflict_uuid)]}
    )
    assert conflict.status_code == 409 and conflict.json()["field"] == "objects[0].uuid"


def test_rate_limit_answers_429_with_retry_after(store: HealthStore, token: str) -> None:
    with serve(store, ServerSettings(requests_per_minute=3)) as url:
        headers = {"Authorization": f"Bearer {token}"}
        codes = []
        for _ in range(7):  # a minute boundary can reset the count once, not twice
            answer = httpx.get(f"{url}/v1/sources", params={"type": "stepCount"}, headers=headers)
            codes.append(answer.status_code)
            if answer.status_code == 429:
                assert int(answer.headers["retry-after"]) >= 1
                assert answer.json()["field"] == "token"
                break
        assert codes[-1] == 429 and 3 <= codes.index(429) <= 6


def test_the_rate_limiter_counts_per_key_per_minute() -> None:
    from healthstore.server.errors import Throttled
    from healthstore.server.limits import RateLimiter

    now = [120.0]
    limiter = RateLimiter(2, clock=lambda: now[0])
    limiter.check("a")
    limiter.check("a")
    limiter.check("b")
    with pytest.raises(Throttled) as throttled:
        limiter.check("a")
    assert throttled.value.retry_after_s == 60
    now[0] = 180.0
    limiter.check("a")


def test_cursor_paging_walks_every_sample_once(http: httpx.Client, store: HealthStore) -> None:
    store.save(
        [QuantitySample("stepCount", Quantity(i, "count"), at(i), at(i + 1)) for i in range(23)]
    )
    seen: list[float] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"type": "stepCount", "limit": 5, "sort": "start"}
        if cursor:
            params["cursor"] = cursor
        page = http.get("/v1/samples", params=params).json()
        seen.extend(s["value"] for s in page["samples"])
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == list(range(23))
    assert (
        http.get("/v1/samples", params={"type": "stepCount", "cursor": "garbage"}).status_code
        == 400
    )


def test_predicates_travel_as_json(http: httpx.Client, store: HealthStore) -> None:
    store.save(
        [QuantitySample("stepCount", Quantity(i, "count"), at(i), at(i + 1)) for i in range(10)]
    )
    predicate = {"op": "quantity", "cmp": ">=", "value": 7, "unit": "count"}
    page = http.get("/v1/samples", params={"type": "stepCount", "predicate": json.dumps(predicate)})
    assert sorted(s["value"] for s in page.json()["samples"]) == [7, 8, 9]
    bad = http.get("/v1/samples", params={"type": "stepCount", "predicate": '{"op": "nope"}'})
    assert bad.status_code == 400 and bad.json()["field"].startswith("predicate")


def test_openapi_has_stable_operation_ids(http: httpx.Client) -> None:
    spec = http.get("/openapi.json").json()
    ids = {op["operationId"] for path in spec["paths"].values() for op in path.values()}
    assert {
        "requestAuthorization", "getAuthorizationStatus", "saveSamples", "deleteSamples",
        "querySamples", "getChanges", "getStatistics", "getStatisticsCollection", "getSources",
        "getCharacteristics", "createObserver", "deleteObserver", "acknowledgeObserver",
    } <= ids  # fmt: skip
    assert http.get("/docs").status_code == 200
    landing = http.get("/", follow_redirects=True)  # the web app's sign-in, for a browser
    assert landing.status_code == 200 and "healthstore" in landing.text
    assert 'href="/docs"' in landing.text  # developers still find the API documentation


def test_the_log_holds_no_values_queries_or_tokens(
    http: httpx.Client, token: str, caplog: pytest.LogCaptureFixture
) -> None:
    from healthstore.server.access_log import log

    caplog.set_level(logging.INFO, logger=log.name)
    http.post("/v1/samples", json={"samples": [item(98765)]})
    predicate = json.dumps({"op": "quantity", "cmp": ">", "value": 4242, "unit": "count"})
    http.get("/v1/samples", params={"type": "stepCount", "predicate": predicate})
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "/v1/samples" in text
    assert "98765" not in text and "4242" not in text and token not in text


def test_every_failure_answers_in_the_error_shape(http: httpx.Client) -> None:
    shape = {"code", "name", "message", "field"}
    nowhere = http.get("/v1/nowhere")
    assert nowhere.status_code == 404 and set(nowhere.json()) == shape
    wrong_method = http.put("/v1/samples")
    assert wrong_method.status_code == 405 and set(wrong_method.json()) == shape
    huge_offset = http.get("/v1/samples", params={"type": "stepCount", "offset": 2**63})
    assert huge_offset.status_code == 400 and set(huge_offset.json()) == shape
    deep: dict[str, Any] = {"op": "sources", "bundle_ids": ["a"]}
    for _ in range(600):
        deep = {"op": "not", "part": deep}
    nested = http.get("/v1/samples", params={"type": "stepCount", "predicate": json.dumps(deep)})
    assert nested.status_code == 400 and nested.json()["field"] == "predicate"
    buckets = http.get(
        "/v1/statistics/collection",
        params={
            "type": "stepCount",
            "anchor": at(0).isoformat(),
            "interval": "1min",
            "start": at(0).isoformat(),
            "end": at(60 * 24 * 365 * 5).isoformat(),
            "options": "sum",
        },
    )
    assert buckets.status_code == 413 and buckets.json()["field"] == "interval"


def test_streamed_oversized_bodies_are_413_on_every_route(http: httpx.Client) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"type": "stepCount", "url": "'
        for _ in range(30):
            yield b"a" * 10_000
        yield b'"}'

    for path in ("/v1/observers", "/v1/authorization/requests"):
        answer = http.post(path, content=chunks())
        assert answer.status_code == 413, path
        assert answer.json()["name"] == "dataSizeExceeded"


def test_an_empty_atomic_batch_with_a_live_query_open(http: httpx.Client) -> None:
    params = {
        "type": "stepCount",
        "anchor": at(0).isoformat(),
        "interval": "1h",
        "start": at(0).isoformat(),
        "end": at(120).isoformat(),
        "options": "sum",
    }
    with http.stream("GET", "/v1/statistics/collection/live", params=params) as live:
        lines = live.iter_lines()
        assert next(lines) == "event: initial"
        answer = http.post("/v1/samples", params={"atomic": "true"}, json={"samples": []})
        assert answer.status_code == 200 and answer.json()["created"] == 0
        saved = http.post("/v1/samples", json={"samples": [item(5, 70)]})
        assert saved.json()["created"] == 1
        event = next(line for line in lines if line.startswith("event:"))
        assert event == "event: update"


def test_a_silent_live_stream_sends_keep_alives_at_the_set_interval(
    store: HealthStore, token: str
) -> None:
    params = {
        "type": "stepCount",
        "anchor": at(0).isoformat(),
        "interval": "1h",
        "start": at(0).isoformat(),
        "end": at(120).isoformat(),
        "options": "sum",
    }
    headers = {"Authorization": f"Bearer {token}"}
    with (
        serve(store, ServerSettings(live_keepalive_s=0.01)) as url,
        httpx.Client(base_url=url, headers=headers, timeout=30) as http,
        http.stream("GET", "/v1/statistics/collection/live", params=params) as live,
    ):
        lines = (line for line in live.iter_lines() if line)
        assert next(lines) == "event: initial"
        assert next(lines).startswith("data: ")
        assert [next(lines) for _ in range(3)] == [": keep-alive"] * 3


@pytest.mark.parametrize("seconds", [0, -1.0])
def test_a_keep_alive_interval_must_be_positive(seconds: float) -> None:
    with pytest.raises(ValueError, match="live_keepalive_s"):
        ServerSettings(live_keepalive_s=seconds)


def test_a_store_held_by_another_process_answers_423(
    http: httpx.Client, store: HealthStore
) -> None:
    import sqlite3

    store._backend.execute("PRAGMA busy_timeout = 50")
    assert store.directory is not None  # a store on disk
    database = store.directory / DATABASE_FILE
    holder = sqlite3.connect(database, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        answer = http.post("/v1/samples", json={"samples": [item(1)]})
        assert answer.status_code == 423 and answer.json()["name"] == "databaseInaccessible"
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert http.post("/v1/samples", json={"samples": [item(1)]}).json()["created"] == 1
