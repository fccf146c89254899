"""The rarer things in a synthetic export: clinical records with their FHIR files, an
audiogram, a vision prescription, electrocardiogram files and ``export_cda.xml``.

:class:`Rare` decides them once (a handful of small objects) and then writes both their
elements in ``export.xml`` and their files beside it.
"""

from __future__ import annotations

import json
import math
import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any, Final

from healthstore.demo.apple_parts import Clock, meta
from healthstore.interop.apple.spelling import attr

if TYPE_CHECKING:
    from healthstore.interop.apple.archive import Archive, ExportCounts

__all__ = ["Rare"]

_JSON: Final = (",", " : ")
ECG_RATE: Final = 512
ECG_SECONDS: Final = 30
_HOSPITALS: Final = (
    ("Hôpital Européen Georges-Pompidou", "https://fhir.aphp.example/api/FHIR/R4"),
    ("Clinique Saint-Jean & Associés", "https://fhir.stjean.example/r4"),
)


@dataclass(frozen=True)
class _Clinical:
    type_id: str
    source: tuple[str, str]
    fhir_version: str
    received: int
    path: str
    resource: dict[str, Any]


def _lab(index: int, value: float, day: date) -> dict[str, Any]:
    return {
        "resourceType": "Observation",
        "id": f"e{index:04d}-hba1c",
        "status": "final",
        "category": [
            {
                "text": "Laboratory",
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/observation-category",
                        "code": "laboratory",
                        "display": "Laboratory",
                    }
                ],
            }
        ],
        "code": {
            "text": "Hemoglobin A1c",
            "coding": [{"system": "http://loinc.org", "code": "4548-4", "display": "HbA1c"}],
        },
        "subject": {"reference": "Patient/3", "display": "Martin, Sam"},
        "effectiveDateTime": f"{day.isoformat()}T08:30:00+01:00",
        "valueQuantity": {"value": value, "unit": "%", "system": "http://unitsofmeasure.org"},
        "referenceRange": [{"text": "4.0 - 5.6 %", "low": {"value": 4.0}, "high": {"value": 5.6}}],
    }


def _medication(day: date) -> dict[str, Any]:
    return {
        "resourceType": "MedicationRequest",
        "id": "m-ramipril-5",
        "status": "active",
        "intent": "order",
        "contained": [
            {
                "resourceType": "Medication",
                "id": "med1",
                "code": {"text": "Ramipril 5 mg tablet", "coding": [{"code": "198188"}]},
            }
        ],
        "medicationReference": {"reference": "#med1"},
        "subject": {"reference": "Patient/3"},
        "authoredOn": day.isoformat(),
        "dosageInstruction": [{"text": "1 tablet by mouth once daily, in the morning & with food"}],
    }


def _immunization(day: date) -> dict[str, Any]:
    return {
        "resourceType": "Immunization",
        "id": "imm-tdap",
        "status": "completed",
        "date": day.isoformat(),
        "vaccineCode": {"text": "Tdap", "coding": [{"code": "115", "display": "Tdap"}]},
        "patient": {"reference": "Patient/3"},
        "wasNotGiven": False,
        "reported": False,
    }


class Rare:
    """The rare elements and files of one synthetic export."""

    def __init__(self, rng: random.Random, clock: Clock, first: date, days: int, records: int):
        self.rng, self.clock, self.first, self.days = rng, clock, first, days
        self.clinical: list[_Clinical] = []
        labs = 1 + records // 200_000
        for i in range(labs):
            day = self.day(i + 1, labs + 2)
            self._add_clinical(
                "LabResultRecord", 0, "4.0.1", day, _lab(i, round(rng.uniform(5.0, 6.2), 1), day)
            )
        day = self.day(labs + 1, labs + 2)
        self._add_clinical("MedicationRecord", 1, "4.0.1", day, _medication(day))
        self._add_clinical("ImmunizationRecord", 0, "1.0.2", day, _immunization(day))
        self.ecgs = [self.day(i + 1, 2 + records // 250_000) for i in range(1 + records // 250_000)]

    def day(self, part: int, parts: int) -> date:
        return self.first + timedelta(days=self.days * part // parts)

    def at(self, day: date, hour: float) -> int:
        midnight = datetime.combine(day, time(), self.clock.zone)
        return int((midnight + timedelta(hours=hour)).timestamp())

    def _add_clinical(
        self, kind: str, hospital: int, version: str, day: date, resource: dict[str, Any]
    ) -> None:
        path = f"clinical-records/{resource['resourceType']}-{resource['id']}.json"
        received = self.at(day, 14.25)
        clinical = _Clinical(
            f"HKClinicalTypeIdentifier{kind}",
            _HOSPITALS[hospital],
            version,
            received,
            path,
            resource,
        )
        self.clinical.append(clinical)

    # -- export.xml ----------------------------------------------------------------------
    def elements(self, counts: ExportCounts) -> str:
        """ClinicalRecord, Audiogram and VisionPrescription elements."""
        c, rng, out = self.clock, self.rng, []
        for record in self.clinical:
            name, url = record.source
            out.append(
                f' <ClinicalRecord type="{record.type_id}" identifier="{record.resource["id"]}" '
                f'sourceName="{attr(name)}" sourceURL="{url}" fhirVersion="{record.fhir_version}" '
                f'receivedDate="{c(record.received)}" resourceFilePath="/{record.path}"/>\n'
            )
        counts.add("ClinicalRecord", len(self.clinical))
        start = self.at(self.day(1, 3), 16.6)
        points = []
        for frequency in (125, 250, 500, 1000, 2000, 4000, 8000):
            left, right = rng.randint(0, 25) + frequency // 800, rng.randint(0, 25)
            points.append(
                f'  <SensitivityPoint frequencyValue="{frequency}" frequencyUnit="Hz" '
                f'leftEarValue="{left}" leftEarUnit="dBHL" leftEarMasked="0" '
                f'rightEarValue="{right}" rightEarUnit="dBHL" rightEarMasked="0"/>\n'
            )
        out.append(
            ' <Audiogram type="HKDataTypeIdentifierAudiogram" sourceName="Mimi Hearing Test" '
            f'sourceVersion="5.2.1" creationDate="{c(start + 700)}" startDate="{c(start)}" '
            f'endDate="{c(start + 640)}">\n{meta("HKWasUserEntered", "0")}{"".join(points)}'
            " </Audiogram>\n"
        )
        counts.add("Audiogram")
        issued = self.at(self.day(2, 3), 11)
        expires = self.at(self.day(2, 3) + timedelta(days=730), 11)
        out.append(
            ' <VisionPrescription type="HKVisionPrescriptionTypeGlasses" '
            'prescriptionType="glasses" sourceName="Health" sourceVersion="17.4" '
            f'dateIssued="{c(issued)}" expirationDate="{c(expires)}" brand="Ray &amp; Co">\n'
            '  <RightEye sphere="-1.25" sphereUnit="D" cylinder="-0.5" cylinderUnit="D" '
            'axis="90" axisUnit="deg" farPD="31.5" farPDUnit="mm"/>\n'
            '  <LeftEye sphere="-1.5" sphereUnit="D" add="1" addUnit="D" farPD="31" '
            'farPDUnit="mm"/>\n'
            '  <Attachment identifier="B2C6D1F0-5E4A-4B43-9D8A-1F0E2C3B4A59"/>\n'
            f"{meta('Optician', 'Lunettes & Co <Lyon>')}"
            " </VisionPrescription>\n"
        )
        counts.add("VisionPrescription")
        return "".join(out)

    # -- the files -----------------------------------------------------------------------
    def write(self, archive: Archive, counts: ExportCounts) -> None:
        """The clinical JSON files, the ECG files and ``export_cda.xml``."""
        for record in self.clinical:
            text = json.dumps(
                record.resource, indent=2, ensure_ascii=False, separators=(",", " : ")
            )
            archive.write(record.path, text.encode("utf-8"))
        for day in self.ecgs:
            archive.write(f"electrocardiograms/ecg_{day.isoformat()}.csv", self.ecg(day))
        counts.add("ElectrocardiogramFile", len(self.ecgs))
        archive.write("export_cda.xml", self.cda())
        counts.add("CDADocument")

    def ecg(self, day: date) -> bytes:
        """An ECG CSV: the Health app's header, then 30 s of a sinus rhythm in µV."""
        rng, c = self.rng, self.clock
        lines = [
            "Name,Sam Martin",
            'Date of Birth,"Jun 12, 1991"',
            f"Recorded Date,{c(self.at(day, 9.3))}",
            "Classification,Sinus Rhythm",
            "Symptoms,",
            "Software Version,1.90",
            'Device,"Watch6,2"',
            f"Sample Rate,{ECG_RATE} hertz",
            "",
            "Lead,Lead I",
            "Unit,µV",
            "",
        ]
        beat = rng.uniform(0.8, 1.0)
        for i in range(ECG_RATE * ECG_SECONDS):
            phase = (i / ECG_RATE) % beat / beat
            spike = 900 * math.exp(-(((phase - 0.3) / 0.012) ** 2))
            wave = 120 * math.exp(-(((phase - 0.6) / 0.06) ** 2))
            lines.append(f"{spike + wave + rng.gauss(0, 8):.3f}")
        return ("\n".join(lines) + "\n").encode("utf-8")

    def cda(self) -> bytes:
        """``export_cda.xml``: the document header the Health app writes, one vital sign."""
        effective = self.clock(self.at(self.day(1, 2), 10)).replace("-", "").replace(":", "")
        effective = effective.replace(" ", "", 1).replace(" ", "")
        return (
            '<?xml version="1.0"?>\n<?xml-stylesheet type="text/xsl" href="CDA.xsl"?>\n'
            '<ClinicalDocument xmlns="urn:hl7-org:v3" xmlns:cda="urn:hl7-org:v3">\n'
            ' <realmCode code="US"/>\n <typeId root="2.16.840.1.113883.1.3" '
            'extension="POCD_HD000040"/>\n <id extension="Health Export CDA" '
            'root="1.1.1.1.1.1.1.1.1"/>\n <code codeSystem="2.16.840.1.113883.6.1" '
            'codeSystemName="LOINC" code="34109-9" displayName="Note"/>\n'
            f' <title>Health Data Export</title>\n <effectiveTime value="{effective}"/>\n'
            " <recordTarget>\n  <patientRole>\n   <patient>\n    <name><given>Sam</given> "
            '<family>Martin</family></name>\n    <birthTime value="19910612"/>\n'
            "   </patient>\n  </patientRole>\n </recordTarget>\n"
            ' <component><observation classCode="OBS" moodCode="EVN">'
            '<code code="8867-4" codeSystem="2.16.840.1.113883.6.1" displayName="Heart rate"/>'
            "<text><sourceName>Sam&#8217;s Apple Watch</sourceName><value>62</value>"
            "<type>HKQuantityTypeIdentifierHeartRate</type><unit>count/min</unit></text>"
            '<value value="62" unit="count/min"/></observation></component>\n'
            "</ClinicalDocument>\n"
        ).encode()
