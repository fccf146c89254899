"""Import and export in the browser: a synthetic Apple export uploaded, imported to its
final accounting with progress; a file that is not an export refused with a reason; an
Apple export downloaded."""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

from healthstore.demo.apple_export import write_synthetic_export
from tests.web.conftest import Served, shoot


def _count(served: Served) -> int:
    return sum(int(row["count"]) for row in served.store.summary())


def test_an_uploaded_export_is_imported_to_its_final_accounting(
    served: Served, page: Any, tmp_path: Path
) -> None:
    export = tmp_path / "export.zip"
    write_synthetic_export(export, records=3000, seed=3)
    before = _count(served)
    page.goto(served.sign_in_link())
    page.click("nav >> text=Import & export")
    page.set_input_files("#upload-file", str(export))
    page.get_by_role("button", name="Import").click()
    page.wait_for_url("**/transfer/jobs/**")
    page.wait_for_selector("#job[data-done=true]", timeout=120_000)
    shoot(page, "import")
    added = int(page.text_content("[data-testid=added]").replace(",", ""))
    assert added == _count(served) - before > 0
    rows = page.locator("#job tbody tr th").all_text_contents()
    assert "Record" in rows
    assert not list((served.store.directory or tmp_path).glob("web-transfers/upload-*"))


def test_a_file_that_is_not_an_export_is_refused_with_the_reason(
    served: Served, page: Any, tmp_path: Path
) -> None:
    page.watched.expected.append("status of 400")
    notes = tmp_path / "notes.zip"
    with zipfile.ZipFile(notes, "w") as archive:
        archive.writestr("notes.txt", "not health data")
    before = _count(served)
    page.goto(served.sign_in_link())
    page.goto(f"{served.url}/transfer")
    page.set_input_files("#upload-file", str(notes))
    page.get_by_role("button", name="Import").click()
    page.wait_for_selector("#upload-error:not(:empty)")  # (no eval: the CSP forbids it)
    assert "holds no export.xml" in page.text_content("#upload-error")
    assert _count(served) == before


def test_the_apple_export_downloads(served: Served, page: Any, tmp_path: Path) -> None:
    page.goto(served.sign_in_link())
    page.goto(f"{served.url}/transfer")
    with page.expect_download() as info:
        page.get_by_role("link", name="Apple Health export (export.zip)").click()
    saved = tmp_path / "export.zip"
    info.value.save_as(saved)
    with zipfile.ZipFile(saved) as archive:
        assert any(n.endswith("export.xml") for n in archive.namelist())
