"""Profile in the browser: characteristics saved as the library reads them, a bad date
kept with its error, and a new owner password that signs in."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from healthstore import catalogue
from tests.web.conftest import ZONE, Served, shoot


def test_characteristics_saved_in_the_profile_are_what_the_library_reads(
    served: Served, page: Any
) -> None:
    page.goto(served.sign_in_link())
    page.click("nav >> text=Profile")
    page.fill("#dateOfBirth", "1984-02-29")
    page.select_option("#bloodType", label="ONegative")
    page.select_option("#wheelchairUse", label="No")
    page.get_by_role("button", name="Save").click()
    assert served.store.characteristic("dateOfBirth") == date(1984, 2, 29)
    blood = catalogue.object_type("bloodType").value_enum
    assert (
        blood is not None
        and served.store.characteristic("bloodType") == (blood.members["ONegative"])
    )
    assert page.input_value("#dateOfBirth") == "1984-02-29"
    shoot(page, "profile")
    tomorrow = (datetime.now(ZONE) + timedelta(days=2)).date().isoformat()
    page.fill("#dateOfBirth", tomorrow)
    page.get_by_role("button", name="Save").click()
    assert page.text_content("#dateOfBirth-error") == "That is in the future"
    assert page.input_value("#dateOfBirth") == tomorrow
    assert served.store.characteristic("dateOfBirth") == date(1984, 2, 29)


def test_a_new_owner_password_signs_in(served: Served, page: Any) -> None:
    page.goto(served.sign_in_link())
    page.goto(f"{served.url}/profile")
    page.fill("#secret-new", "a brand new password")
    page.fill("#secret-again", "a brand new passwort")
    page.get_by_role("button", name="Change").click()
    assert page.text_content("#secret-again-error") == "The two do not match"
    page.fill("#secret-new", "a brand new password")
    page.fill("#secret-again", "a brand new password")
    page.get_by_role("button", name="Change").click()
    assert served.store.check_owner_password("a brand new password")
    page.click("text=Sign out")
    page.fill("#secret", "a brand new password")
    page.click("button[type=submit]")
    assert page.url == f"{served.url}/"
