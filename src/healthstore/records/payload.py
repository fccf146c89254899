"""The base of every payload kind: a sample whose kind-specific content is plain data,
validated at construction and stored as JSON beside the sample row."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from healthstore.model import Sample


class PayloadSample(Sample):
    """A sample whose kind-specific content travels as a JSON payload."""

    __slots__ = ()

    def payload(self) -> dict[str, Any]:
        """The kind-specific content as JSON-ready data."""
        raise NotImplementedError

    @classmethod
    def payload_fields(cls, payload: Mapping[str, Any]) -> dict[str, Any]:
        """Slot values rebuilt from a stored payload."""
        raise NotImplementedError

    def _content(self) -> tuple[Any, ...]:
        return (*super()._content(), self.payload())
