"""``healthstore owner password`` and the owner endpoints' place in OpenAPI (no browser)."""

from __future__ import annotations

from pathlib import Path

import httpx
from typer.testing import CliRunner

from healthstore import HealthStore
from healthstore.cli import app
from healthstore.server import ServerSettings
from tests.server_support import serve


def test_the_owner_password_command_sets_what_sign_in_checks(tmp_path: Path) -> None:
    store = tmp_path / "store"
    HealthStore.create(store).close()
    secret = tmp_path / "pw.txt"
    secret.write_text("short\n")
    runner = CliRunner()
    refused = runner.invoke(
        app, ["owner", "password", "--store", str(store), "--password-file", str(secret)]
    )
    assert refused.exit_code != 0 and "at least 8 characters" in refused.output
    secret.write_text("a fine long password\n")
    done = runner.invoke(
        app, ["owner", "password", "--store", str(store), "--password-file", str(secret)]
    )
    assert done.exit_code == 0, done.output
    with HealthStore.open(store) as opened:
        assert opened.check_owner_password("a fine long password")
        assert not opened.check_owner_password("a fine long passwort")


def test_an_encrypted_store_has_no_owner_password(tmp_path: Path) -> None:
    store = tmp_path / "sealed"
    HealthStore.create(store, passphrase="the passphrase").close()
    phrase, secret = tmp_path / "phrase.txt", tmp_path / "pw.txt"
    phrase.write_text("the passphrase\n")
    secret.write_text("a fine long password\n")
    result = CliRunner().invoke(
        app,
        ["--passphrase-file", str(phrase), "owner", "password", "--store", str(store),
         "--password-file", str(secret)],
    )  # fmt: skip
    assert result.exit_code != 0 and "signs in with its passphrase" in result.output


def test_the_owner_endpoints_are_documented_under_the_owner_tag(tmp_path: Path) -> None:
    with (
        HealthStore.create(tmp_path / "s") as store,
        serve(store, ServerSettings(deliveries=False)) as url,
    ):
        spec = httpx.get(f"{url}/openapi.json").json()
    chart = spec["paths"]["/owner/api/types/{type}/chart"]["get"]
    assert chart["tags"] == ["owner"] and chart["operationId"] == "ownerTypeChart"
    upload = spec["paths"]["/owner/api/uploads"]["post"]
    assert upload["tags"] == ["owner"] and upload["operationId"] == "ownerUpload"
    pages = [p for p in spec["paths"] if p.startswith(("/types", "/signin", "/apps"))]
    assert pages == []  # the pages are HTML, not API
