"""Clinical payload kinds: FHIR resources kept verbatim, verified SMART Health Cards and
C-CDA documents."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from healthstore import limits
from healthstore.catalogue import Kind, ObjectType
from healthstore.errors import InvalidArgument
from healthstore.model import Device, Source, SourceRevision, UUIDLike
from healthstore.records.fields import choice, text_list
from healthstore.records.payload import PayloadSample
from healthstore.times import require_aware

FHIR_RELEASES = ("DSTU2", "R4")


class ClinicalRecord(PayloadSample):
    """A FHIR resource kept verbatim, with where it came from (spec §9). The sample's start
    and end are the time it was received."""

    __slots__ = ("display_name", "fhir_release", "resource", "source_name", "source_url")
    kind = Kind.clinical
    resource: Mapping[str, Any]
    fhir_release: str
    display_name: str
    source_name: str
    source_url: str | None

    def __init__(
        self,
        type: str | ObjectType,
        received: datetime,
        resource: Mapping[str, Any],
        *,
        fhir_release: str,
        display_name: str,
        source_name: str,
        source_url: str | None = None,
        source: Source | SourceRevision | None = None,
        metadata: Mapping[str, Any] | None = None,
        uuid: UUIDLike | None = None,
    ) -> None:
        if not isinstance(resource, Mapping) or not isinstance(resource.get("resourceType"), str):
            raise InvalidArgument(
                "resource must be a FHIR resource with a resourceType", field="resource"
            )
        limits.check_texts(
            {"display_name": display_name, "source_name": source_name, "source_url": source_url}
        )
        self._init_common(type, received, received, source, None, metadata, uuid)
        set_ = object.__setattr__
        set_(self, "resource", dict(resource))
        set_(self, "fhir_release", choice(fhir_release, FHIR_RELEASES, "fhir_release"))
        set_(self, "display_name", display_name)
        set_(self, "source_name", source_name)
        set_(self, "source_url", source_url)

    @property
    def resource_type(self) -> str:
        return str(self.resource["resourceType"])

    @property
    def fhir_id(self) -> str | None:
        value = self.resource.get("id")
        return None if value is None else str(value)

    def payload(self) -> dict[str, Any]:
        return {
            "resource": dict(self.resource),
            "fhir_release": self.fhir_release,
            "display_name": self.display_name,
            "source_name": self.source_name,
            "source_url": self.source_url,
        }

    @classmethod
    def payload_fields(cls, payload: Mapping[str, Any]) -> dict[str, Any]:
        return dict(payload)


class VerifiableClinicalRecord(PayloadSample):
    """A verified SMART Health Card: what it certifies, who issued it, for whom, and the
    signed JWS itself (so it can be shown or verified again). The sample's start and end are
    the time it was issued."""

    __slots__ = (
        "expiration",
        "fhir_bundle",
        "issuer",
        "item_names",
        "jws",
        "record_types",
        "relevant",
        "subject_birth_date",
        "subject_name",
    )
    kind = Kind.verifiableClinicalRecord
    record_types: tuple[str, ...]
    issuer: str
    subject_name: str | None
    subject_birth_date: str | None
    relevant: datetime | None
    expiration: datetime | None
    item_names: tuple[str, ...]
    jws: str
    fhir_bundle: Mapping[str, Any]

    def __init__(
        self,
        issued: datetime,
        *,
        jws: str,
        issuer: str,
        record_types: Sequence[str],
        fhir_bundle: Mapping[str, Any],
        item_names: Sequence[str] = (),
        subject_name: str | None = None,
        subject_birth_date: str | None = None,
        relevant: datetime | None = None,
        expiration: datetime | None = None,
        source: Source | SourceRevision | None = None,
        metadata: Mapping[str, Any] | None = None,
        uuid: UUIDLike | None = None,
    ) -> None:
        if not isinstance(jws, str) or jws.count(".") != 2:
            raise InvalidArgument("jws must be the card's compact JWS", field="jws")
        if not isinstance(issuer, str) or not issuer:
            raise InvalidArgument("issuer must be the issuer's URL", field="issuer")
        if not isinstance(fhir_bundle, Mapping):
            raise InvalidArgument("fhir_bundle must be the card's FHIR Bundle", field="fhir_bundle")
        for name, value in (("relevant", relevant), ("expiration", expiration)):
            if value is not None:
                require_aware(value, name)
        limits.check_texts(
            {
                "issuer": issuer,
                "subject_name": subject_name,
                "subject_birth_date": subject_birth_date,
            }
        )
        self._init_common("verifiableClinicalRecord", issued, issued, source, None, metadata, uuid)
        set_ = object.__setattr__
        set_(self, "jws", jws)
        set_(self, "issuer", issuer)
        set_(self, "record_types", text_list(record_types, "record_types"))
        set_(self, "fhir_bundle", dict(fhir_bundle))
        set_(self, "item_names", text_list(item_names, "item_names"))
        set_(self, "subject_name", subject_name)
        set_(self, "subject_birth_date", subject_birth_date)
        set_(self, "relevant", relevant)
        set_(self, "expiration", expiration)

    def payload(self) -> dict[str, Any]:
        return {
            "jws": self.jws,
            "issuer": self.issuer,
            "record_types": list(self.record_types),
            "fhir_bundle": dict(self.fhir_bundle),
            "item_names": list(self.item_names),
            "subject_name": self.subject_name,
            "subject_birth_date": self.subject_birth_date,
            "relevant": None if self.relevant is None else self.relevant.isoformat(),
            "expiration": None if self.expiration is None else self.expiration.isoformat(),
        }

    @classmethod
    def payload_fields(cls, payload: Mapping[str, Any]) -> dict[str, Any]:
        out = dict(payload)
        out["record_types"] = tuple(payload["record_types"])
        out["item_names"] = tuple(payload["item_names"])
        for name in ("relevant", "expiration"):
            value = payload.get(name)
            out[name] = None if value is None else datetime.fromisoformat(value)
        return out


class CDADocument(PayloadSample):
    """An HL7 C-CDA XML document with the names found in it."""

    __slots__ = ("author_name", "custodian_name", "patient_name", "title", "xml")
    kind = Kind.document
    xml: str
    title: str | None
    patient_name: str | None
    author_name: str | None
    custodian_name: str | None

    def __init__(
        self,
        start: datetime,
        end: datetime,
        xml: str,
        *,
        title: str | None = None,
        patient_name: str | None = None,
        author_name: str | None = None,
        custodian_name: str | None = None,
        source: Source | SourceRevision | None = None,
        device: Device | None = None,
        metadata: Mapping[str, Any] | None = None,
        uuid: UUIDLike | None = None,
    ) -> None:
        if not isinstance(xml, str) or not xml.lstrip().startswith("<"):
            raise InvalidArgument("xml must be the document's XML text", field="xml")
        limits.check_texts(
            {
                "title": title,
                "patient_name": patient_name,
                "author_name": author_name,
                "custodian_name": custodian_name,
            }
        )
        self._init_common("cda", start, end, source, device, metadata, uuid)
        set_ = object.__setattr__
        set_(self, "xml", xml)
        set_(self, "title", title)
        set_(self, "patient_name", patient_name)
        set_(self, "author_name", author_name)
        set_(self, "custodian_name", custodian_name)

    def payload(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__slots__}

    @classmethod
    def payload_fields(cls, payload: Mapping[str, Any]) -> dict[str, Any]:
        return dict(payload)
