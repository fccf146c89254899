"""The API describes itself truthfully: the documented facts, the docs pages offline, and a
schemathesis run with every check against a live server."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from lxml import html

from healthstore import HealthStore, catalogue
from healthstore.catalogue import Kind
from healthstore.server import ServerSettings
from tests.server.test_app_api import BUNDLE, MANIFEST
from tests.server_support import serve

HERE = Path(__file__).parent
SETTINGS = ServerSettings(requests_per_minute=0, deliveries=False)
CHARACTERISTICS = [t.short_name for t in catalogue.all_types(Kind.characteristic)]


@pytest.fixture
def served(store: HealthStore) -> Iterator[tuple[str, str]]:
    """A live server and a token with grants, so authenticated operations run for real."""
    token = store.register_app(MANIFEST)
    read = ["stepCount", *CHARACTERISTICS]
    store.app(BUNDLE).request_authorization(share=["stepCount"], read=read)
    store.grant(BUNDLE, share=["stepCount"], read=read, history=True)
    store.set_characteristic("activityMoveMode", 1)
    with serve(store, SETTINGS) as url:
        yield url, token


def test_schemathesis_finds_no_conformance_failure(served: tuple[str, str], tmp_path: Path) -> None:
    url, token = served
    command = [
        str(Path(sys.executable).with_name("schemathesis")),
        "--config-file",
        str(HERE / "schemathesis.toml"),
        "--no-color",
        "run",
        f"{url}/openapi.json",
        "--checks=all",
        f"--header=Authorization: Bearer {token}",
        "--max-examples=20",
        "--generation-deterministic",
        "--request-timeout=10",
        "--workers=2",
    ]
    # In tmp_path: schemathesis keeps a cache of past failures in its working directory.
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=900, check=False, cwd=tmp_path
    )
    assert done.returncode == 0, done.stdout[-20_000:] + done.stderr[-2_000:]


@pytest.fixture
def description(served: tuple[str, str]) -> dict:
    return httpx.get(served[0] + "/openapi.json").json()


def operations(description: dict) -> Iterator[tuple[str, dict]]:
    for path, methods in description["paths"].items():
        for method, operation in methods.items():
            yield f"{method.upper()} {path}", operation


def test_the_token_is_a_security_scheme(description: dict) -> None:
    assert description["components"]["securitySchemes"]["appToken"] == {
        "type": "http",
        "scheme": "bearer",
        "description": description["components"]["securitySchemes"]["appToken"]["description"],
    }
    secured = {name for name, op in operations(description) if op.get("security")}
    assert "GET /v1/samples" in secured
    assert "POST /v1/store/unlock" not in secured  # the person's passphrase, not a token
    for name, op in operations(description):
        if name in secured:
            assert "401" in op["responses"], name
        names = [p["name"].lower() for p in op.get("parameters", ())]
        assert "authorization" not in names, name


def test_every_error_status_has_the_error_schema(description: dict) -> None:
    error = {"$ref": "#/components/schemas/Error"}
    assert set(description["components"]["schemas"]["Error"]["required"]) == {
        "code", "name", "message", "field",
    }  # fmt: skip
    for name, op in operations(description):
        statuses = op["responses"]
        assert "422" not in statuses, name  # the server answers its own 400
        assert {"400", "500"} <= set(statuses), name
        for status, answer in statuses.items():
            content = answer.get("content", {})
            if int(status) >= 400:
                assert content["application/json"]["schema"] == error, (name, status)
            elif int(status) != 204:
                assert content, (name, status)  # every success body has a schema


def test_request_bodies_are_declared(description: dict) -> None:
    ops = dict(operations(description))
    for name in (
        "POST /v1/workouts/{workout}/samples",
        "POST /v1/samples",
        "POST /v1/observers",
        "POST /v1/authorization/requests",
    ):
        schema = ops[name]["requestBody"]["content"]["application/json"]["schema"]
        assert schema["$ref"].split("/")[-1] in description["components"]["schemas"], name


def test_a_wrong_method_answers_405_with_every_allowed_method(served: tuple[str, str]) -> None:
    answer = httpx.put(served[0] + "/v1/observers")
    assert answer.status_code == 405
    assert answer.headers["allow"] == "GET, HEAD, POST"
    assert answer.json()["name"] == "invalidArgument"


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_the_docs_pages_need_no_internet(served: tuple[str, str], page: str) -> None:
    url = served[0]
    answer = httpx.get(url + page)
    assert answer.status_code == 200
    tree = html.fromstring(answer.text)
    references = [
        value for element in tree.iter() for key in ("src", "href") if (value := element.get(key))
    ]
    assert any(r.endswith(".js") for r in references)
    for reference in references:
        assert urlsplit(reference).netloc in ("", "127.0.0.1"), reference
        asset = httpx.get(url + reference if reference.startswith("/") else reference)
        assert asset.status_code == 200, reference
        assert asset.content, reference
    assert not [s for s in tree.iter("script") if (s.text or "").strip()]  # no inline script


def raw_get(url: str, target: str) -> tuple[str, dict[str, str], bytes]:
    """A GET sent byte for byte (clients refuse URLs this long); the status line, headers
    and body of the answer."""
    host, port = urlsplit(url).netloc.split(":")
    with socket.create_connection((host, int(port)), timeout=30) as sock:
        sock.sendall(f"GET {target} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    status, *lines = head.decode("latin-1").split("\r\n")
    headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines)}
    return status, headers, body


@pytest.mark.parametrize(("length", "status"), [(40_000, "414"), (2_000_000, "400")])
def test_an_over_long_query_string_is_answered_in_the_error_shape(
    served: tuple[str, str], length: int, status: str
) -> None:
    """Past the app's limit: 414; past what the HTTP parser takes: 400; both JSON."""
    line, headers, body = raw_get(served[0], "/v1/samples?type=stepCount&x=" + "a" * length)
    assert line.split()[1] == status
    assert headers["content-type"] == "application/json"
    assert set(json.loads(body)) == {"code", "name", "message", "field"}


def test_an_instant_outside_the_calendar_is_refused_not_a_crash(served: tuple[str, str]) -> None:
    """Year 1 at +23:59 is year 0 in UTC: 400 naming the parameter (was a 500)."""
    url, token = served
    with httpx.Client(
        base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=30
    ) as client:
        answer = client.get(
            "/v1/statistics",
            params={
                "type": "stepCount",
                "options": "sum",
                "start": "0001-01-01T00:00:00+23:59",
                "end": "2024-01-01T00:00:00+00:00",
            },
        )
    assert answer.status_code == 400
    assert answer.json()["field"] == "start"
