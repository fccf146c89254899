"""Health Records in the browser: FHIR records by category with a lab result's value and
reference range as its resource says, the resource itself, a verified SMART Health Card,
and a CDA document's sections."""

from __future__ import annotations

import json
from typing import Any

from healthstore.records import CDADocument, ClinicalRecord
from healthstore.server.web.clinical import lab_value
from tests.conftest import shared_path
from tests.web.conftest import Served, shoot

FHIR = "r4-synthea-Judson_Eichmann_34d4fd7e-b2b6-42fc-adb5-09db196b8662.json"


def test_a_lab_result_shows_its_value_range_and_resource(served: Served, page: Any) -> None:
    served.store.import_fhir(shared_path("data", "fhir", FHIR), source="Synthea General")
    labs = [r for r in served.store.samples("labResultRecord") if isinstance(r, ClinicalRecord)]
    lab = next(r for r in labs if r.resource.get("valueQuantity"))
    page.goto(served.sign_in_link())
    page.click("nav >> text=Records")
    shoot(page, "records")
    titles = page.locator("section.panel h2").all_text_contents()
    assert any(t.startswith("Lab Results") for t in titles)
    assert any(t.startswith("Conditions") for t in titles)
    page.goto(f"{served.url}/records/{lab.uuid}")
    quantity = lab.resource["valueQuantity"]
    assert page.text_content("[data-testid=lab-value]").startswith(str(quantity["value"]))
    assert lab_value(lab.resource)["value"] == page.text_content("[data-testid=lab-value]")
    page.click("summary >> text=FHIR resource")
    assert json.loads(page.text_content("[data-testid=fhir]")) == lab.resource
    assert "Synthea General" in page.text_content("main")


def test_a_health_card_and_a_cda_document_are_readable(served: Served, page: Any) -> None:
    (card,) = sorted(shared_path("data", "shc", "examples").glob("example-00-e-file*"))
    results = served.store.import_smart_health_cards(
        [card], trusted_issuers=shared_path("data", "shc", "issuer")
    )
    assert results[0].status == "added"
    cda = shared_path("data", "cda", "HL7-C-CDA-Examples_CCD2_CCD.xml")
    served.store.import_cda([cda], source="Good Health Clinic")
    page.goto(served.sign_in_link())
    page.goto(f"{served.url}/records")
    page.locator("#rec-shc ~ ul a").first.click()
    assert "Signature verified" in page.text_content(".verified")
    page.goto(f"{served.url}/records")
    page.locator("#rec-cda ~ ul a").first.click()
    (doc,) = [d for d in served.store.samples("cda") if isinstance(d, CDADocument)]
    if doc.title:
        assert page.text_content("h1") == doc.title
    assert page.locator("main section.panel h2").count() > 3  # its sections, readable
    shoot(page, "cda")
