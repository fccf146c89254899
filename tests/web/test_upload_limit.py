"""The person's upload has a body limit of its own, much larger than the API's: an Apple
export.zip far over ``max_body_bytes`` is imported, while every other endpoint keeps the
smaller limit and the upload is refused past its own."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from healthstore import HealthStore
from healthstore.demo.apple_export import write_synthetic_export
from healthstore.server import ServerSettings, create_app
from tests.server_support import serve_app
from tests.web.conftest import ZONE

BODY = 50_000
UPLOAD = 5_000_000


@pytest.fixture
def client(tmp_path: Path) -> Iterator[tuple[httpx.Client, str, HealthStore]]:
    settings = ServerSettings(deliveries=False, max_body_bytes=BODY, max_upload_bytes=UPLOAD)
    with HealthStore.create(tmp_path / "store") as store:
        app = create_app(store, settings, zone=ZONE)
        with serve_app(app) as url, httpx.Client(base_url=url, timeout=60) as http:
            link = f"/signin/link?token={app.state.web.links.issue()}"
            assert http.get(link).status_code == 303
            csrf = http.get("/browse").text.split('data-csrf="', 1)[1].split('"', 1)[0]
            yield http, csrf, store


def _chunks(data: bytes) -> Iterator[bytes]:
    for i in range(0, len(data), 16_384):
        yield data[i : i + 16_384]


def test_an_export_over_the_api_limit_uploads_under_its_own(
    client: tuple[httpx.Client, str, HealthStore], tmp_path: Path
) -> None:
    http, csrf, store = client
    export = tmp_path / "export.zip"
    write_synthetic_export(export, records=4000, seed=5)
    data = export.read_bytes()
    assert BODY < len(data) < UPLOAD
    headers = {"X-CSRF-Token": csrf, "Content-Type": "application/octet-stream"}
    # an app endpoint keeps the small limit
    assert http.post("/v1/samples", content=data, headers=headers).status_code == 413
    # the upload, streamed without a Content-Length, is taken whole
    answer = http.post(
        "/owner/api/uploads", params={"kind": "apple"}, content=_chunks(data), headers=headers
    )
    assert answer.status_code == 200, answer.text
    job = answer.json()["url"]
    for _ in range(600):
        if 'data-done="true"' in http.get(job).text:
            break
        time.sleep(0.1)  # polling for the background import, not timing it
    assert sum(int(r["count"]) for r in store.summary()) > 0


def test_an_upload_past_its_own_limit_is_refused(
    client: tuple[httpx.Client, str, HealthStore],
) -> None:
    http, csrf, store = client
    headers = {"X-CSRF-Token": csrf, "Content-Type": "application/octet-stream"}
    big = b"x" * (UPLOAD + 1)
    declared = http.post(
        "/owner/api/uploads", params={"kind": "apple"}, content=big, headers=headers
    )
    assert declared.status_code == 413
    streamed = http.post(
        "/owner/api/uploads", params={"kind": "apple"}, content=_chunks(big), headers=headers
    )
    assert streamed.status_code == 413
    assert not list((store.directory or Path()).glob("web-transfers/upload-*"))
