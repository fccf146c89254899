"""FHIR resources from a provider's FHIR server (FHIR RESTful search over HTTP).

For every resource type kept as a clinical record, the reader searches
``{base}/{Type}?patient={id}`` and follows the Bundle's ``next`` links page by page. The
server's CapabilityStatement (``/metadata``) gives its FHIR release. A type the server does
not support is noted and passed over; a refused token stops the download.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import httpx

from healthstore.clinical.fhir import release_from_version
from healthstore.clinical.mapping import MAPPED_RESOURCE_TYPES
from healthstore.errors import AuthorizationDenied, HealthStoreError, InvalidArgument
from healthstore.interop.fhir.files import Found, Unreadable, resources_in

PAGE_SIZE = 100
MAX_PAGES = 10_000
_ONLY_IN = {"MedicationOrder": "DSTU2", "MedicationRequest": "R4"}


class FhirServer:
    """A connection to one FHIR server, for one patient."""

    def __init__(
        self,
        base_url: str,
        *,
        patient: str | None = None,
        token: str | None = None,
        timeout_s: float = 60.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        url = httpx.URL(base_url)
        if url.scheme not in ("http", "https") or not url.host:
            raise InvalidArgument(f"{base_url!r} is not an http(s) URL", field="base_url")
        self.base_url = base_url.rstrip("/")
        self.patient = patient
        headers = {"Accept": "application/fhir+json, application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        self._http = httpx.Client(headers=headers, timeout=timeout_s, transport=transport)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> FhirServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _get(self, url: str, params: Mapping[str, str] | None = None) -> httpx.Response:
        try:
            response = self._http.get(url, params=params)
        except httpx.HTTPError as exc:
            raise HealthStoreError(
                f"cannot reach the FHIR server at {self.base_url}: {type(exc).__name__}"
            ) from None
        if response.status_code in (401, 403):
            raise AuthorizationDenied(
                f"the FHIR server at {self.base_url} refused access (HTTP {response.status_code})",
                field="token",
            )
        return response

    def release(self) -> str | None:
        """The server's FHIR release from its CapabilityStatement, or None when it says
        nothing usable."""
        response = self._get(f"{self.base_url}/metadata")
        if not response.is_success:
            return None
        try:
            version = response.json().get("fhirVersion")
        except ValueError:
            return None
        return release_from_version(version if isinstance(version, str) else None)

    def resources(self, release: str | None) -> Iterator[Found | Unreadable]:
        """Every resource of a mapped type (for the patient), page by page."""
        for kind in MAPPED_RESOURCE_TYPES:
            if release is not None and _ONLY_IN.get(kind, release) != release:
                continue
            yield from self._search(kind)

    def _search(self, kind: str) -> Iterator[Found | Unreadable]:
        params = {"_count": str(PAGE_SIZE)}
        if self.patient:
            params["patient"] = self.patient
        url: str | None = f"{self.base_url}/{kind}"
        seen: set[str] = set()
        page = 0
        while url is not None and page < MAX_PAGES:
            page += 1
            response = self._get(url, params if page == 1 else None)
            where = f"{kind} search page {page}"
            if not response.is_success:
                yield Unreadable(where, f"the server answered HTTP {response.status_code}")
                return
            try:
                bundle = response.json()
            except ValueError:
                yield Unreadable(where, "the answer is not JSON")
                return
            yield from resources_in(_entries_only(bundle), where, self.base_url)
            seen.add(str(response.url))
            url = _next_link(bundle)
            if url is not None and url in seen:
                yield Unreadable(where, "the next link points back to a page already read")
                return


def _entries_only(bundle: Any) -> Any:
    """A search set without its OperationOutcome entries (search mode ``outcome``)."""
    if not isinstance(bundle, Mapping) or not isinstance(bundle.get("entry"), list):
        return bundle
    entries = [
        e
        for e in bundle["entry"]
        if not (isinstance(e, Mapping) and (e.get("search") or {}).get("mode") == "outcome")
    ]
    return {**bundle, "entry": entries}


def _next_link(bundle: Any) -> str | None:
    if not isinstance(bundle, Mapping):
        return None
    for link in bundle.get("link") or ():
        if isinstance(link, Mapping) and link.get("relation") == "next":
            url = link.get("url")
            return url if isinstance(url, str) and url else None
    return None
