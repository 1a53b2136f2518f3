"""Where a fact on the map comes from: every metric and rating carries its provenance."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class Source(StrEnum):
    """Kinds of sources a fact can come from (a map is never built from one source alone)."""

    MANUAL = "manual"
    HUBSPOT = "hubspot"
    DYNAMICS = "dynamics"
    MIRO = "miro"
    SURVEY = "survey"
    ANALYTICS = "analytics"
    INTERVIEW = "interview"
    EXPERT_REVIEW = "expert_review"
    COMPETITOR_ANALYSIS = "competitor_analysis"
    SOCIAL = "social"
    FEEDBACK = "feedback"
    COMPUTED = "computed"
    OTHER = "other"


class Provenance(BaseModel):
    """Source, method, time and sample behind a value."""

    model_config = ConfigDict(extra="forbid")

    source: Source = Field(description="Where the value comes from.")
    method: str | None = Field(default=None, description="Query, report or research method that produced it.")
    as_of: datetime | None = Field(default=None, description="When the value was measured or pulled.")
    window: str | None = Field(
        default=None, description="Period the value covers, ISO-8601 duration (P30D) or interval."
    )
    sample_size: int | None = Field(default=None, ge=0, description="Respondents, records or sessions behind it.")
    note: str | None = None
