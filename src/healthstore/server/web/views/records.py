"""Health Records: clinical records by category with their institution and date, each
record's FHIR resource, SMART Health Cards with their verification, CDA documents
readable."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from starlette.responses import Response

from healthstore.errors import InvalidArgument, NoData
from healthstore.query import predicates as p
from healthstore.records import CDADocument, ClinicalRecord, VerifiableClinicalRecord
from healthstore.server.deps import Store
from healthstore.server.web.auth import PageSession, web_state
from healthstore.server.web.clinical import RECORD_CATEGORIES, cda_sections, lab_value
from healthstore.server.web.templating import render
from healthstore.store import HealthStore

router = APIRouter(include_in_schema=False)
ALL_TYPES = [name for name, _ in RECORD_CATEGORIES] + ["verifiableClinicalRecord", "cda"]


def _overview(store: HealthStore, zone: Any) -> dict[str, Any]:
    groups = []
    for name, title in RECORD_CATEGORIES:
        items = [r for r in store.samples(name, sort="-start") if isinstance(r, ClinicalRecord)]
        if items:
            rows = [
                {
                    "uuid": str(r.uuid),
                    "name": r.display_name,
                    "institution": r.source_name,
                    "date": r.start.astimezone(zone),
                    **(lab_value(r.resource) if name == "labResultRecord" else {}),
                }
                for r in items
            ]
            groups.append({"type": name, "title": title, "rows": rows})
    cards = [
        r
        for r in store.samples("verifiableClinicalRecord", sort="-start")
        if isinstance(r, VerifiableClinicalRecord)
    ]
    documents = [d for d in store.samples("cda", sort="-start") if isinstance(d, CDADocument)]
    return {"groups": groups, "cards": cards, "documents": documents, "zone": zone}


@router.get("/records")
async def records(request: Request, session: PageSession, store: Store) -> Response:
    context = await run_in_threadpool(_overview, store, web_state(request).zone)
    return render(request, "records.html", context)


def _record(store: HealthStore, uuid: UUID, zone: Any) -> dict[str, Any]:
    found = store.samples(ALL_TYPES, p.uuids(uuid))
    if not found:
        raise NoData(f"no health record {uuid}", field="uuid")
    record = found[0]
    context: dict[str, Any] = {"r": record, "zone": zone, "date": record.start.astimezone(zone)}
    if isinstance(record, ClinicalRecord):
        context["kind"] = "fhir"
        context["category"] = dict(RECORD_CATEGORIES).get(record.type.short_name, "")
        context["lab"] = lab_value(record.resource)
        context["fhir"] = json.dumps(record.resource, indent=2, ensure_ascii=False)
    elif isinstance(record, VerifiableClinicalRecord):
        context["kind"] = "shc"
        now = datetime.now(zone)
        context["expired"] = record.expiration is not None and record.expiration < now
        context["fhir"] = json.dumps(record.fhir_bundle, indent=2, ensure_ascii=False)
    elif isinstance(record, CDADocument):
        context["kind"] = "cda"
        context["sections"] = cda_sections(record.xml)
    return context


@router.get("/records/{uuid}")
async def record(request: Request, session: PageSession, store: Store, uuid: str) -> Response:
    try:
        wanted = UUID(uuid)
    except ValueError:
        raise InvalidArgument(f"{uuid!r} is not a record's uuid", field="uuid") from None
    context = await run_in_threadpool(_record, store, wanted, web_state(request).zone)
    return render(request, "record.html", context)
