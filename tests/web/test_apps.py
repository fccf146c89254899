"""Apps and privacy in the browser: answering an app's request, switching its read off
again, and seeing its HTTP reads and its audit log follow."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx

from healthstore.times import from_micros
from tests.web.conftest import ZONE, Served, shoot

READER = "com.example.reader"


def _reads(served: Served, token: str) -> int:
    answer = httpx.get(
        f"{served.url}/v1/samples",
        params={"type": "stepCount"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert answer.status_code == 200
    return len(answer.json()["samples"])


def test_granting_and_revoking_a_read_changes_what_the_app_reads(served: Served, page: Any) -> None:
    token = served.store.register_app(
        {
            "bundle_id": READER,
            "name": "Step Reader",
            "usage_descriptions": {"NSHealthShareUsageDescription": "Counts your steps."},
            "privacy_policy_url": "https://reader.example/privacy",
        }
    )
    served.store.app(READER).request_authorization(read=["stepCount", "heartRate"])
    assert _reads(served, token) == 0  # asked, not answered: nothing
    page.goto(served.sign_in_link())
    page.click("nav >> text=Apps")
    assert "asks for access" in page.text_content("main")
    page.click("text=Step Reader")
    assert "Counts your steps." in page.text_content("main")
    page.check("#read-stepCount")
    page.check("#history")  # and the older data (the fixture holds 40 days)
    page.get_by_role("button", name="Save").click()
    assert served.store.authorizations(READER) == {
        "heartRate": {"read": "denied"},  # answered: left off
        "stepCount": {"read": "authorized"},
    }
    everything = len(served.store.samples("stepCount"))
    assert _reads(served, token) == everything > 0
    page.reload()
    audit = page.locator("table.audit tbody tr").first.locator("td").all_text_contents()
    assert audit[1:] == ["read.samples", "stepCount", str(everything)]
    shoot(page, "app")
    page.uncheck("#read-stepCount")
    page.get_by_role("button", name="Save").click()
    assert served.store.authorizations(READER)["stepCount"] == {"read": "denied"}
    assert _reads(served, token) == 0


def test_turn_all_off_revokes_everything(served: Served, page: Any) -> None:
    served.store.register_app(
        {
            "bundle_id": READER,
            "name": "Step Reader",
            "usage_descriptions": {
                "NSHealthShareUsageDescription": "Counts your steps.",
                "NSHealthUpdateUsageDescription": "Writes steps.",
            },
        }
    )
    served.store.app(READER).request_authorization(share=["stepCount"], read=["stepCount"])
    served.store.grant(READER, share=["stepCount"], read=["stepCount"], history=True)
    page.goto(served.sign_in_link())
    page.goto(f"{served.url}/apps/{READER}")
    assert page.is_checked("#read-stepCount") and page.is_checked("#share-stepCount")
    page.get_by_role("button", name="Turn all off").click()
    assert served.store.authorizations(READER) == {
        "stepCount": {"read": "denied", "share": "denied"}
    }
    assert not page.is_checked("#read-stepCount")


def test_an_apps_observers_are_shown_and_its_audit_log_holds_no_values(
    served: Served, page: Any
) -> None:
    from datetime import datetime, timedelta

    from healthstore import Quantity, QuantitySample

    usage = {"NSHealthShareUsageDescription": "Reads.", "NSHealthUpdateUsageDescription": "Writes."}
    served.store.register_app(
        {
            "bundle_id": READER,
            "name": "Step Reader",
            "usage_descriptions": usage,
            "entitlements": ["healthkit", "background-delivery"],
        }
    )
    served.store.app(READER).request_authorization(share=["bodyMass"], read=["bodyMass"])
    served.store.grant(READER, share=["bodyMass"], read=["bodyMass"])
    app = served.store.app(READER)
    app.add_observer("bodyMass", "http://127.0.0.1:9/hook", "hourly")
    when = datetime.now().astimezone() - timedelta(hours=3)
    app.save(QuantitySample("bodyMass", Quantity(83.456789, "kg"), when))
    app.samples("bodyMass")
    page.goto(served.sign_in_link())
    page.goto(f"{served.url}/apps/{READER}")
    observers = page.locator("#obs-title + ul").text_content()
    assert "bodyMass" in observers and "hourly" in observers
    audit = page.locator("table.audit").text_content()
    assert "bodyMass" in audit and "read.samples" in audit
    assert "83.45" not in audit and "83,45" not in audit


def test_the_history_switch_lifts_and_restores_the_history_limit(served: Served, page: Any) -> None:
    token = served.store.register_app(
        {
            "bundle_id": READER,
            "name": "Step Reader",
            "usage_descriptions": {"NSHealthShareUsageDescription": "Counts your steps."},
        }
    )
    served.store.app(READER).request_authorization(read=["stepCount"])
    served.store.grant(READER, read=["stepCount"])  # history not granted
    first = served.store.history_access(READER).first_read_us
    assert first is not None
    bound = from_micros(first) - timedelta(days=30)
    everything = served.store.samples("stepCount")
    recent = [s for s in everything if s.start >= bound]
    assert 0 < len(recent) < len(everything)  # the fixture holds 40 days
    assert _reads(served, token) == len(recent)
    page.goto(served.sign_in_link())
    page.goto(f"{served.url}/apps/{READER}")
    assert not page.is_checked("#history")
    assert bound.astimezone(ZONE).strftime("%-d %b %Y") in page.text_content("#history-state")
    page.check("#history")
    page.get_by_role("button", name="Save").click()
    assert served.store.history_access(READER).granted
    assert _reads(served, token) == len(everything)
    assert page.is_checked("#history")
    assert "all your history" in page.text_content("#history-state")
    page.uncheck("#history")
    page.get_by_role("button", name="Save").click()
    assert not served.store.history_access(READER).granted
    assert served.store.authorizations(READER) == {"stepCount": {"read": "authorized"}}
    assert _reads(served, token) == len(recent)  # the first grant's time is kept
