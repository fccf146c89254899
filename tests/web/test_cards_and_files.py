"""SMART Health Cards added from the import page (a card file, or the QR code's text, with
the issuer's keys), a tampered card refused with the check that failed, missing keys
named beside their field; CSV and Parquet downloads holding what the library holds."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import pytest

from healthstore.records import VerifiableClinicalRecord
from tests.conftest import shared_path
from tests.web.conftest import Served, shoot


def _cards(served: Served) -> list[Any]:
    return [
        r
        for r in served.store.samples("verifiableClinicalRecord")
        if isinstance(r, VerifiableClinicalRecord)
    ]


def test_a_card_file_with_its_issuers_keys_is_verified_and_added(served: Served, page: Any) -> None:
    (card,) = sorted(shared_path("data", "shc", "examples").glob("example-00-e-file*"))
    page.goto(served.sign_in_link())
    page.goto(f"{served.url}/transfer")
    page.set_input_files("#card-file", str(card))
    page.set_input_files("#keys-file", str(shared_path("data", "shc", "issuer", "jwks.json")))
    _wait_filled(page, "#card-text")  # (no wait_for_function: the CSP forbids eval)
    _wait_filled(page, "#card-keys")
    page.get_by_role("button", name="Verify and add").click()
    result = page.locator("#card-results li")
    assert result.get_attribute("data-status") == "added"
    assert card.name in result.text_content()
    assert len(_cards(served)) == 1
    shoot(page, "card-added")


def _wait_filled(page: Any, selector: str) -> None:
    for _ in range(200):
        if page.input_value(selector):
            return
        page.wait_for_timeout(25)  # the file is read by the page; waiting, not timing
    raise AssertionError(f"{selector} was never filled")


def test_qr_text_is_a_card_and_a_tampered_one_is_refused(served: Served, page: Any) -> None:
    examples = shared_path("data", "shc", "examples")
    qr = (examples / "example-00-f-qr-code-numeric-value-0.txt").read_text().strip()
    keys = shared_path("data", "shc", "issuer", "jwks.json").read_text()
    page.goto(served.sign_in_link())
    page.goto(f"{served.url}/transfer")
    page.fill("#card-text", qr)
    page.fill("#card-keys", keys)
    page.get_by_role("button", name="Verify and add").click()
    assert page.locator("#card-results li").get_attribute("data-status") == "added"
    jws = (examples / "example-00-d-jws.txt").read_text().strip()
    head, payload, signature = jws.split(".")
    tampered = ".".join(
        [head, payload, signature[:-4] + ("AAAA" if signature[-4:] != "AAAA" else "BBBB")]
    )
    page.fill("#card-text", tampered)
    page.fill("#card-keys", keys)
    page.get_by_role("button", name="Verify and add").click()
    refused = page.locator("#card-results li")
    assert refused.get_attribute("data-status") == "refused"
    assert "signature" in refused.text_content()
    assert len(_cards(served)) == 1


def test_a_card_without_keys_says_so_beside_the_field_and_keeps_the_card(
    served: Served, page: Any
) -> None:
    page.watched.expected.append("status of 400")
    page.goto(served.sign_in_link())
    page.goto(f"{served.url}/transfer")
    page.fill("#card-text", "shc:/1234")
    page.fill("#card-keys", "not keys")
    page.get_by_role("button", name="Verify and add").click()
    assert "JWKS" in page.text_content("#card-keys-error")
    assert page.locator("#card-keys").get_attribute("aria-describedby") == "card-keys-error"
    assert page.input_value("#card-text") == "shc:/1234"
    assert page.input_value("#card-keys") == "not keys"
    assert not _cards(served)


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_csv_and_parquet_downloads_hold_the_store(
    served: Served, page: Any, tmp_path: Path, fmt: str
) -> None:
    pytest.importorskip("pyarrow")
    page.goto(served.sign_in_link())
    page.goto(f"{served.url}/transfer")
    with page.expect_download() as info:
        page.get_by_role("link", name=f"{fmt.upper() if fmt == 'csv' else 'Parquet'} files").click()
    saved = tmp_path / f"{fmt}.zip"
    info.value.save_as(saved)
    with zipfile.ZipFile(saved) as archive:
        names = set(archive.namelist())
        assert {f"step_count.{fmt}", f"heart_rate.{fmt}", f"body_mass.{fmt}"} <= names
        data = archive.read(f"step_count.{fmt}")
    if fmt == "csv":
        import pyarrow.csv as pacsv  # type: ignore[import-untyped]  # pyarrow ships no stubs

        table = pacsv.read_csv(io.BytesIO(data))
    else:
        import pyarrow.parquet as pq  # type: ignore[import-untyped]  # pyarrow ships no stubs

        table = pq.read_table(io.BytesIO(data))
    assert table.num_rows == len(served.store.samples("stepCount"))
    assert not list((served.store.directory or tmp_path).glob(f"web-transfers/{fmt}-*"))
