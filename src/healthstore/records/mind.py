"""Mental wellbeing: states of mind and scored assessments (GAD-7, PHQ-9)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from healthstore.catalogue import Kind
from healthstore.errors import InvalidArgument
from healthstore.model import Device, Source, SourceRevision, UUIDLike
from healthstore.records.fields import choice, finite_number, text_list
from healthstore.records.payload import PayloadSample


class StateOfMind(PayloadSample):
    """How the person felt: a momentary emotion or a daily mood, valence in [-1, 1], with
    labels (e.g. "happy") and associations (e.g. "work")."""

    __slots__ = ("associations", "labels", "valence", "what")
    kind = Kind.stateOfMind
    what: str
    valence: float
    labels: tuple[str, ...]
    associations: tuple[str, ...]

    def __init__(
        self,
        start: datetime,
        *,
        what: str,
        valence: float,
        labels: Sequence[str] = (),
        associations: Sequence[str] = (),
        source: Source | SourceRevision | None = None,
        device: Device | None = None,
        metadata: Mapping[str, Any] | None = None,
        uuid: UUIDLike | None = None,
    ) -> None:
        self._init_common("stateOfMind", start, start, source, device, metadata, uuid)
        set_ = object.__setattr__
        set_(self, "what", choice(what, ("momentaryEmotion", "dailyMood"), "what"))
        set_(self, "valence", finite_number(valence, "valence", -1, 1))
        set_(self, "labels", text_list(labels, "labels"))
        set_(self, "associations", text_list(associations, "associations"))

    def payload(self) -> dict[str, Any]:
        return {
            "what": self.what,
            "valence": self.valence,
            "labels": list(self.labels),
            "associations": list(self.associations),
        }

    @classmethod
    def payload_fields(cls, payload: Mapping[str, Any]) -> dict[str, Any]:
        return {
            "what": payload["what"],
            "valence": payload["valence"],
            "labels": tuple(payload["labels"]),
            "associations": tuple(payload["associations"]),
        }


_ASSESSMENT_QUESTIONS = {"gad7": 7, "phq9": 9}


class ScoredAssessment(PayloadSample):
    """A GAD-7 or PHQ-9 questionnaire: answers 0–3 per question; the score is their sum."""

    __slots__ = ("answers",)
    kind = Kind.scoredAssessment
    answers: tuple[int, ...]

    def __init__(
        self,
        type: str,
        start: datetime,
        answers: Sequence[int],
        *,
        source: Source | SourceRevision | None = None,
        device: Device | None = None,
        metadata: Mapping[str, Any] | None = None,
        uuid: UUIDLike | None = None,
    ) -> None:
        self._init_common(type, start, start, source, device, metadata, uuid)
        expected = _ASSESSMENT_QUESTIONS[self.type.short_name]
        if len(answers) != expected or not all(
            isinstance(a, int) and not isinstance(a, bool) and 0 <= a <= 3 for a in answers
        ):
            raise InvalidArgument(
                f"{self.type.short_name} needs {expected} answers, each 0-3", field="answers"
            )
        object.__setattr__(self, "answers", tuple(answers))

    @property
    def score(self) -> int:
        return sum(self.answers)

    def payload(self) -> dict[str, Any]:
        return {"answers": list(self.answers)}

    @classmethod
    def payload_fields(cls, payload: Mapping[str, Any]) -> dict[str, Any]:
        return {"answers": tuple(payload["answers"])}
