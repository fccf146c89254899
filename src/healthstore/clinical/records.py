"""FHIR resources as clinical records, with their identity.

A record's identity is (source, resource type, FHIR id): it is kept as the sample's sync
identifier (``"Observation/abc"``) under the institution's source, and the time it was
received is its sync version, so a later download of a changed resource replaces the stored
one instead of adding a second. The institution becomes a source of its own, named by the
person (``--source``), with a bundle id derived from that name.
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from uuid import UUID

from healthstore.catalogue import ObjectType
from healthstore.clinical.mapping import clinical_type, display_name
from healthstore.errors import InvalidArgument
from healthstore.metadata import SYNC_IDENTIFIER, SYNC_VERSION
from healthstore.model import Source, SourceRevision
from healthstore.records import ClinicalRecord
from healthstore.times import to_micros

BUNDLE_PREFIX = "org.healthstore.clinical."
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'"})


def institution(name: str) -> Source:
    """The source standing for a health institution: one per name, however the name's
    apostrophes and Unicode were written."""
    normal = unicodedata.normalize("NFC", name).translate(_APOSTROPHES).strip()
    if not normal:
        raise InvalidArgument("the source (institution) name is empty", field="source")
    digest = hashlib.sha256(normal.encode("utf-8")).hexdigest()[:12]
    return Source(BUNDLE_PREFIX + digest, normal)


def identity(resource: Mapping[str, Any], full_url: str | None = None) -> str | None:
    """``"Type/id"``; for a resource without an id, ``"Type/<full url>"`` from its Bundle
    entry (``urn:uuid:…``, the same in every copy of the bundle); without either (some
    DSTU2 exports), ``"Type/sha256:<digest of its content>"``, so the same resource imported
    again is recognised (a changed one then counts as new). None without a resourceType."""
    kind, fhir_id = resource.get("resourceType"), resource.get("id")
    if not isinstance(kind, str):
        return None
    if isinstance(fhir_id, str) and fhir_id:
        return f"{kind}/{fhir_id}"
    if full_url:
        return f"{kind}/{full_url}"
    canonical = json.dumps(resource, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return f"{kind}/sha256:{hashlib.sha256(canonical.encode('utf-8')).hexdigest()[:32]}"


def clinical_record(
    resource: Mapping[str, Any],
    *,
    release: str,
    source_name: str,
    source_url: str | None,
    received: datetime,
    full_url: str | None = None,
    type: ObjectType | None = None,
    uuid: UUID | None = None,
) -> ClinicalRecord:
    """The record of a resource: of the clinical type its content maps to, or ``type`` when
    the caller knows better (an Apple export names each record's type); invalidArgument when
    neither gives one."""
    t = type or clinical_type(resource)
    if t is None:
        raise InvalidArgument(
            f"{resource.get('resourceType')} resources are not kept as clinical records",
            field="resourceType",
        )
    key = identity(resource, full_url)
    if key is None:
        raise InvalidArgument("the resource has no resourceType", field="resourceType")
    source = institution(source_name)
    return ClinicalRecord(
        t,
        received,
        resource,
        fhir_release=release,
        display_name=display_name(resource),
        source_name=source.name,
        source_url=source_url,
        source=SourceRevision(source),
        metadata={SYNC_IDENTIFIER: key, SYNC_VERSION: float(to_micros(received))},
        uuid=uuid,
    )
