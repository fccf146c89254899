"""Signing in to the web app: the one-time link, the owner password, the passphrase of an
encrypted store, sessions, CSRF, failed attempts, sign out and lock."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from healthstore import HealthStore
from healthstore.server import ServerSettings, create_app
from tests.server_support import serve_app
from tests.web.conftest import ZONE, Served, shoot

PASSWORD = "correct horse battery"


def test_a_page_without_a_session_goes_to_sign_in_and_the_link_opens_it_once(
    served: Served, page: Any
) -> None:
    page.goto(f"{served.url}/browse?q=step")
    assert "/signin?next=%2Fbrowse%3Fq%3Dstep" in page.url
    shoot(page, "signin")
    link = served.sign_in_link()
    page.goto(link)
    assert page.url == f"{served.url}/"
    assert page.get_by_role("heading", name="Summary").is_visible()
    cookie = next(c for c in page.context.cookies() if c["name"] == "hs_session")
    assert cookie["httpOnly"] and cookie["sameSite"] in ("Lax", "Strict")
    page.context.clear_cookies()
    page.goto(link)  # used once already
    assert "used or has expired" in page.text_content("main")


def test_the_owner_password_signs_in_and_returns_to_the_page_asked_for(
    served: Served, page: Any
) -> None:
    served.store.set_owner_password(PASSWORD)
    page.goto(f"{served.url}/types/stepCount?range=M")
    page.fill("#secret", "not it at all")
    page.click("button[type=submit]")
    assert page.text_content("#secret-error") == "That is not the password"
    page.fill("#secret", PASSWORD)
    page.click("button[type=submit]")
    assert page.url == f"{served.url}/types/stepCount?range=M"
    page.click("text=Sign out")
    page.goto(f"{served.url}/")
    assert "/signin" in page.url


def _client(served: Served) -> httpx.Client:
    return httpx.Client(base_url=served.url, follow_redirects=False)


def _signed_in(served: Served) -> tuple[httpx.Client, str]:
    client = _client(served)
    answer = client.get(served.sign_in_link().removeprefix(served.url))
    assert answer.status_code == 303
    page = client.get("/browse").text
    csrf = page.split('data-csrf="', 1)[1].split('"', 1)[0]
    return client, csrf


def test_wrong_passwords_are_limited_per_client_with_retry_after(served: Served) -> None:
    served.store.set_owner_password(PASSWORD)
    with _client(served) as client:
        answers = [client.post("/signin", data={"secret": f"guess {i}"}) for i in range(6)]
        assert [a.status_code for a in answers[:5]] == [200] * 5
        assert answers[5].status_code == 429 and int(answers[5].headers["retry-after"]) >= 1
        # even the right password waits now
        assert client.post("/signin", data={"secret": PASSWORD}).status_code == 429


def test_app_tokens_never_reach_the_owner_endpoints(served: Served) -> None:
    token = served.store.register_app({"bundle_id": "com.example.reader", "name": "Reader"})
    with _client(served) as client:
        bearer = {"Authorization": f"Bearer {token}"}
        chart = client.get("/owner/api/types/stepCount/chart", headers=bearer)
        assert chart.status_code in (401, 403)
        page = client.get("/browse", headers=bearer)  # a token is no session
        assert page.status_code == 303 and page.headers["location"].startswith("/signin")
        assert client.get("/owner/api/types/stepCount/chart").status_code == 401


def test_changes_need_the_sessions_csrf_token(served: Served) -> None:
    client, csrf = _signed_in(served)
    try:
        form = {"value": "70", "unit": "kg", "date": "2020-01-01", "time": "08:00"}
        refused = client.post("/types/bodyMass/add", data=form)
        assert refused.status_code == 403
        assert client.post("/types/bodyMass/add", data=form | {"csrf": "x" * 43}).status_code == 403
        assert client.post("/types/bodyMass/add", data=form | {"csrf": csrf}).status_code == 303
        assert client.post("/signout", data={}).status_code == 403  # not even sign-out
    finally:
        client.close()


def test_security_headers_on_pages_and_long_lived_static_files(served: Served) -> None:
    with _client(served) as client:
        answer = client.get("/signin")
        csp = answer.headers["content-security-policy"]
        assert "default-src 'self'" in csp and "'unsafe-inline'" not in csp
        assert answer.headers["x-frame-options"] == "DENY"
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert answer.headers["referrer-policy"] == "no-referrer"
        css = answer.text.split('href="', 2)[1].split('"', 1)[0]
        static = client.get(css)
        assert static.status_code == 200 and "immutable" in static.headers["cache-control"]


def test_a_sign_in_never_redirects_to_another_site(served: Served) -> None:
    served.store.set_owner_password(PASSWORD)
    with _client(served) as client:
        for bad in ("https://evil.example/", "//evil.example/x", "/\\evil.example"):
            answer = client.post("/signin", data={"secret": PASSWORD, "next": bad})
            assert answer.status_code == 303 and answer.headers["location"] == "/"


@pytest.fixture
def encrypted(tmp_path: Path) -> Any:
    store = HealthStore.create(tmp_path / "sealed", passphrase="a long passphrase")
    app = create_app(store, ServerSettings(deliveries=False), zone=ZONE)
    with serve_app(app) as url:
        yield Served(store, url, app)
    store.close()


def test_an_encrypted_store_signs_in_with_its_passphrase_and_locks(
    encrypted: Served, page: Any
) -> None:
    token = encrypted.store.register_app(
        {
            "bundle_id": "com.example.app",
            "name": "App",
            "usage_descriptions": {"NSHealthShareUsageDescription": "to count steps"},
        }
    )
    encrypted.store.app("com.example.app").request_authorization(read=["stepCount"])
    encrypted.store.grant("com.example.app", read=["stepCount"], history=True)
    page.goto(f"{encrypted.url}/")
    assert page.get_by_label("Passphrase").is_visible()
    page.fill("#secret", "a long passphrase")
    page.click("button[type=submit]")
    assert page.url == f"{encrypted.url}/"
    page.click("text=Lock")
    assert "/signin" in page.url and "The store is locked" in page.text_content("main")
    read = httpx.get(
        f"{encrypted.url}/v1/samples",
        params={"type": "stepCount"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert read.status_code == 423  # reads are refused while locked
    page.goto(f"{encrypted.url}/browse")
    assert "/signin" in page.url  # the lock ended every session
    page.fill("#secret", "a long passphrase")
    page.click("button[type=submit]")
    assert page.url == f"{encrypted.url}/browse" and not encrypted.store.locked
