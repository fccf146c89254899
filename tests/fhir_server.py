"""A small FHIR server for the download tests: RESTful search over the Synthea bundles, with
paging (``_count``, capped at ``max_page`` as real servers cap it, ``_offset`` and ``next``
links), a CapabilityStatement, an optional bearer
token, and resource types it can be told not to support."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse


def fhir_app(
    bundles: list[Path],
    *,
    version: str = "4.0.1",
    token: str | None = None,
    unsupported: frozenset[str] = frozenset(),
    max_page: int = 5,
) -> FastAPI:
    resources = [e["resource"] for b in bundles for e in json.loads(b.read_text())["entry"]]
    app = FastAPI()
    app.state.requests = []

    def refuse(request: Request) -> JSONResponse | None:
        app.state.requests.append(str(request.url))
        if token and request.headers.get("authorization") != f"Bearer {token}":
            return JSONResponse({"resourceType": "OperationOutcome"}, status_code=401)
        return None

    @app.get("/metadata")
    def metadata(request: Request) -> Any:
        return refuse(request) or {"resourceType": "CapabilityStatement", "fhirVersion": version}

    @app.get("/{kind}")
    def search(request: Request, kind: str, patient: str | None = None) -> Any:
        refused = refuse(request)
        if refused:
            return refused
        if kind in unsupported:
            return JSONResponse({"resourceType": "OperationOutcome"}, status_code=404)
        count = min(int(request.query_params.get("_count", "50")), max_page)  # as servers cap
        offset = int(request.query_params.get("_offset", "0"))
        matching = [
            r
            for r in resources
            if r["resourceType"] == kind
            and (
                patient is None or json.dumps(r.get("subject", r.get("patient"))).find(patient) >= 0
            )
        ]
        page = matching[offset : offset + count]
        bundle: dict[str, Any] = {
            "resourceType": "Bundle",
            "type": "searchset",
            "total": len(matching),
            "entry": [{"resource": r, "search": {"mode": "match"}} for r in page],
            "link": [{"relation": "self", "url": str(request.url)}],
        }
        if offset + count < len(matching):
            base = str(request.base_url).rstrip("/")
            query = f"_count={count}&_offset={offset + count}"
            if patient:
                query += f"&patient={patient}"
            bundle["link"].append({"relation": "next", "url": f"{base}/{kind}?{query}"})
        return bundle

    return app
