"""Metrics, ratings (importance/performance with internal and external views) and annotations."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from cjm_sync.schema.ids import Slug
from cjm_sync.schema.provenance import Provenance


class Metric(BaseModel):
    """A measured value on a touchpoint or stage, e.g. exit rate, NPS, response time."""

    model_config = ConfigDict(extra="forbid")

    id: Slug = Field(description="Stable key of the metric within its touchpoint, e.g. 'nps' or 'exit-rate'.")
    name: str | None = Field(default=None, description="Display name; defaults to the id.")
    value: float | None = Field(description="The measured value (null when the source had no data).")
    unit: str | None = Field(default=None, description="Unit, e.g. '%', 'ms', 'count', 'score'.")
    provenance: Provenance


class Rating(BaseModel):
    """One rating value on the journey's rating scale, with its provenance."""

    model_config = ConfigDict(extra="forbid")

    value: float
    provenance: Provenance


class RatingPair(BaseModel):
    """Internal view (the company's) and external view (the customer's) of one dimension."""

    model_config = ConfigDict(extra="forbid")

    internal: Rating | None = Field(default=None, description="How the company rates it.")
    external: Rating | None = Field(default=None, description="How customers rate it (survey, interview…).")

    @property
    def gap(self) -> float | None:
        """External minus internal, when both are known."""
        if self.internal is None or self.external is None:
            return None
        return self.external.value - self.internal.value


class IpaQuadrant(StrEnum):
    """Importance–performance analysis quadrants (Martilla & James 1977)."""

    CONCENTRATE_HERE = "concentrate_here"
    KEEP_UP_THE_GOOD_WORK = "keep_up_the_good_work"
    LOW_PRIORITY = "low_priority"
    POSSIBLE_OVERKILL = "possible_overkill"


class Annotations(BaseModel):
    """Analyses the sync engine writes onto a touchpoint; recomputed on every sync, never hand-edited."""

    model_config = ConfigDict(extra="forbid")

    ipa_quadrant: IpaQuadrant | None = None
    importance_gap: float | None = Field(default=None, description="External minus internal importance.")
    performance_gap: float | None = Field(default=None, description="External minus internal performance.")
    priority: float | None = Field(default=None, description="Priority score; higher needs attention sooner.")
    computed_at: datetime | None = None
    method: str | None = None
