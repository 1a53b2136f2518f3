"""Metrics, ratings (importance/performance with internal and external views) and annotations."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from cjm_sync.schema.ids import Slug
from cjm_sync.schema.provenance import Provenance


class MetricUnit(StrEnum):
    """Units CRM connectors use for the metrics they pull (exactly these strings; docs/metrics.md)."""

    COUNT = "count"
    PERCENT = "%"
    SCORE = "score"
    HOURS = "hours"
    DAYS = "days"


class Metric(BaseModel):
    """A measured value on a touchpoint or stage, e.g. exit rate, NPS, response time."""

    model_config = ConfigDict(extra="forbid")

    id: Slug = Field(description="Stable key of the metric within its touchpoint, e.g. 'nps' or 'exit-rate'.")
    name: str | None = Field(default=None, description="Display name; defaults to the id.")
    value: int | float | None = Field(
        description="The measured value (null when the source had no data); counts are integers."
    )
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


class AnalysisView(StrEnum):
    """Whose ratings place a touchpoint in the IPA matrix: customers' (external) or the team's (internal)."""

    EXTERNAL = "external"
    INTERNAL = "internal"


class PlacementStatus(StrEnum):
    """Whether a touchpoint was placed in the IPA matrix, and if not, why."""

    PLACED = "placed"
    INSUFFICIENT_DATA = "insufficient data"
    UNRATED = "unrated"


class Crosshair(BaseModel):
    """The IPA crosshairs used: ``policy`` is ``data`` (means), ``scale`` (midpoint) or ``fixed``."""

    model_config = ConfigDict(extra="forbid")

    policy: str
    importance: float
    performance: float


class DerivedImportance(BaseModel):
    """Importance derived from respondent-level scores (correlation or standardised regression weight)."""

    model_config = ConfigDict(extra="forbid")

    value: float | None = Field(description="Coefficient in [-1, 1]; null when n is below the minimum sample.")
    method: str = Field(description="'correlation' (Pearson r) or 'regression' (standardised weight).")
    n: int = Field(ge=0, description="Respondents with both this touchpoint's score and the overall score.")


class Annotations(BaseModel):
    """Analyses the sync engine writes onto a touchpoint; recomputed on every sync, never hand-edited.

    Rules and worked examples: docs/analysis.md.
    """

    model_config = ConfigDict(extra="forbid")

    ipa_quadrant: IpaQuadrant | None = None
    status: PlacementStatus | None = Field(default=None, description="Placed in the IPA matrix, or why not.")
    view: AnalysisView | None = Field(default=None, description="The view whose ratings placed it.")
    importance: float | None = Field(default=None, description="Importance used for placement (rating scale).")
    performance: float | None = Field(default=None, description="Performance used for placement (rating scale).")
    crosshair: Crosshair | None = None
    diagonal_gap: float | None = Field(default=None, description="Importance minus performance (placed values).")
    importance_gap: float | None = Field(default=None, description="External minus internal importance.")
    performance_gap: float | None = Field(default=None, description="External minus internal performance.")
    derived_importance: DerivedImportance | None = None
    priority: float | None = Field(
        default=None,
        description="Sum of frequency × severity of its scored pain points; higher needs attention sooner.",
    )
    computed_at: datetime | None = Field(default=None, description="Moves only when another annotation value moves.")
    method: str | None = None
