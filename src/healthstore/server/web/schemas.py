"""The wire forms of the person's JSON endpoints (``/owner/api``), for the OpenAPI
description; the views build plain dictionaries of the same shape."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class ChartBucket(BaseModel):
    """One bucket: ``value`` for sums and counts; ``minimum``/``average``/``maximum`` for
    discrete values; ``systolic_*``/``diastolic_*`` for blood pressure. Null: no data."""

    start: str = Field(description="The bucket's start (ISO 8601, the person's time zone)")
    end: str = Field(description="The bucket's end (exclusive)")
    value: float | None = None
    minimum: float | None = None
    average: float | None = None
    maximum: float | None = None
    systolic_minimum: float | None = None
    systolic_average: float | None = None
    systolic_maximum: float | None = None
    diastolic_minimum: float | None = None
    diastolic_average: float | None = None
    diastolic_maximum: float | None = None


class Chart(BaseModel):
    """A type's chart over one window, as its page draws it."""

    type: str = Field(description="The type's short name")
    kind: Literal["sum", "range", "events", "paired"] = Field(
        description="Bars of sums, min–max ranges with averages, event counts, or pairs"
    )
    unit: str = Field(description="The unit of every value")
    units: list[str] = Field(description="Units the person may ask for instead")
    range: str = Field(description="D, W, M, 6M or Y")
    label: str = Field(description="The window as the page titles it")
    interval: str = Field(description="Each bucket's length")
    start: str
    end: str
    buckets: list[ChartBucket]
    headline: dict[str, float | None] = Field(description="What the chart's title states")


class Upload(BaseModel):
    """An import job started from an uploaded file."""

    job: str = Field(description="The import job's id")
    url: str = Field(description="Where the job's progress is shown")
