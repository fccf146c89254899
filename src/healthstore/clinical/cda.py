"""HL7 C-CDA documents: the names a person looks for (title, patient, author, custodian)
and the document's time, read from the document's header."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from lxml import etree

from healthstore.errors import InvalidArgument
from healthstore.model import SourceRevision, stable_uuid
from healthstore.records import CDADocument

_NS = {"cda": "urn:hl7-org:v3"}
_HEADER = "/cda:ClinicalDocument"
# Where each name is, most specific first (the last is for documents that bend the schema).
_PATHS = {
    "title": [f"{_HEADER}/cda:title"],
    "patient_name": [
        f"{_HEADER}/cda:recordTarget[1]/cda:patientRole/cda:patient/cda:name[1]",
        f"{_HEADER}/cda:recordTarget[1]//cda:patient/cda:name[1]",
    ],
    "author_name": [
        f"{_HEADER}/cda:author[1]/cda:assignedAuthor/cda:assignedPerson/cda:name[1]",
        f"{_HEADER}/cda:author[1]/cda:assignedAuthor/cda:representedOrganization/cda:name[1]",
        f"{_HEADER}/cda:author[1]//cda:name[1]",
    ],
    "custodian_name": [
        f"{_HEADER}/cda:custodian/cda:assignedCustodian/"
        "cda:representedCustodianOrganization/cda:name[1]",
        f"{_HEADER}/cda:custodian//cda:name[1]",
    ],
}
# HL7 TS: YYYY[MM[DD[HH[MM[SS[.S…]]]]]][+|-ZZZZ]
_TS = re.compile(r"^(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?(?:\.\d+)?([+-]\d{4})?$")


@dataclass(frozen=True)
class CDAHeader:
    """What a CDA document says about itself."""

    title: str | None
    patient_name: str | None
    author_name: str | None
    custodian_name: str | None
    effective_time: datetime | None


def hl7_time(text: str | None) -> datetime | None:
    """An HL7 timestamp (``20141015103026-0500``, ``201209161910-0400``, ``20120916``…);
    without an offset it is read as UTC. None when absent or malformed."""
    match = _TS.match(text or "")
    if match is None:
        return None
    year, month, day, hour, minute, second, offset = match.groups()
    zone: timezone = UTC
    if offset:
        sign = -1 if offset[0] == "-" else 1
        zone = timezone(sign * timedelta(hours=int(offset[1:3]), minutes=int(offset[3:5])))
    try:
        return datetime(
            int(year), int(month or 1), int(day or 1), int(hour or 0), int(minute or 0),
            int(second or 0), tzinfo=zone,
        )  # fmt: skip
    except ValueError:
        return None


def _text(root: Any, paths: list[str]) -> str | None:
    """The text of the first path that finds any, whitespace collapsed (``<given>Isabella
    </given><family>Jones</family>`` → ``Isabella Jones``)."""
    for path in paths:
        words: list[str] = []
        for node in root.xpath(path, namespaces=_NS):
            words.extend(" ".join(node.itertext()).split())
        if words:
            return " ".join(words)
    return None


def parse_header(data: bytes) -> CDAHeader:
    """The header of one CDA document (invalidArgument when it is not XML or not CDA)."""
    try:
        root = etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError as exc:
        raise InvalidArgument(f"not well-formed XML: {exc}", field="xml") from None
    if etree.QName(root).localname != "ClinicalDocument":
        raise InvalidArgument("not a CDA document (no ClinicalDocument root)", field="xml")
    names = {key: _text(root, paths) for key, paths in _PATHS.items()}
    found: Any = root.xpath(f"{_HEADER}/cda:effectiveTime/@value", namespaces=_NS)
    when = [str(v) for v in found]
    return CDAHeader(
        title=names["title"],
        patient_name=names["patient_name"],
        author_name=names["author_name"],
        custodian_name=names["custodian_name"],
        effective_time=hl7_time(when[0] if when else None),
    )


def cda_document(data: bytes, *, source: SourceRevision, fallback: datetime) -> CDADocument:
    """A stored document: the XML as it came, the names of its header, its own time (else
    ``fallback``), and a uuid derived from its content, so saving it again is a duplicate."""
    header = parse_header(data)
    when = header.effective_time or fallback
    xml = data.decode("utf-8", errors="replace")
    return CDADocument(
        when,
        when,
        xml,
        title=header.title,
        patient_name=header.patient_name,
        author_name=header.author_name,
        custodian_name=header.custodian_name,
        source=source,
        uuid=stable_uuid(when, f"cda\x1f{xml}"),
    )
