"""Importance–performance analysis (Martilla & James 1977) over a journey's touchpoints.

Each touchpoint is placed with one view's importance and performance (``external`` falls back to
``internal`` per touchpoint when an external value is missing; ``internal`` uses the team's ratings only).
External values resting on fewer than ``min_sample`` respondents make the touchpoint "insufficient
data" (not placed). Crosshairs: means over the placed touchpoints (``data``), the rating scale's
midpoint (``scale``) or fixed values. A value equal to a crosshair counts as high.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from statistics import fmean

from cjm_sync.analysis.ratings import RatedValue, TouchpointRatings, touchpoint_ratings
from cjm_sync.analysis.settings import AnalysisSettings
from cjm_sync.schema import (
    AnalysisView,
    Crosshair,
    DerivedImportance,
    IpaQuadrant,
    Journey,
    PlacementStatus,
    Scale,
)


@dataclass(frozen=True)
class Placement:
    """Where one touchpoint lands (``quadrant`` None unless placed and a crosshair exists)."""

    touchpoint: str
    status: PlacementStatus
    view: AnalysisView | None
    ratings: TouchpointRatings
    importance: RatedValue | None = None
    performance: RatedValue | None = None
    quadrant: IpaQuadrant | None = None
    reason: str = ""

    @property
    def diagonal_gap(self) -> float | None:
        """Importance minus performance: positive means it performs below how much it matters."""
        if self.importance is None or self.performance is None:
            return None
        return self.importance.value - self.performance.value


@dataclass(frozen=True)
class IpaResult:
    """Placements in journey order and the crosshair used (None when nothing could be placed)."""

    placements: list[Placement]
    crosshair: Crosshair | None

    def by_touchpoint(self) -> dict[str, Placement]:
        """Placements keyed by touchpoint id."""
        return {p.touchpoint: p for p in self.placements}


def quadrant(importance: float, performance: float, crosshair: Crosshair) -> IpaQuadrant:
    """The IPA quadrant of a point; a value equal to a crosshair (within 1e-9) counts as high."""
    high_importance = _at_least(importance, crosshair.importance)
    high_performance = _at_least(performance, crosshair.performance)
    if high_importance:
        return IpaQuadrant.KEEP_UP_THE_GOOD_WORK if high_performance else IpaQuadrant.CONCENTRATE_HERE
    return IpaQuadrant.POSSIBLE_OVERKILL if high_performance else IpaQuadrant.LOW_PRIORITY


def _at_least(value: float, line: float) -> bool:
    return value >= line or math.isclose(value, line, rel_tol=0.0, abs_tol=1e-9)


def _thin(values: list[RatedValue], min_sample: int) -> list[RatedValue]:
    return [v for v in values if v.n is not None and v.n < min_sample]


def _place(touchpoint: str, ratings: TouchpointRatings, settings: AnalysisSettings) -> Placement:
    internal = (ratings.importance_internal, ratings.performance_internal)
    external = (ratings.importance_external, ratings.performance_external)
    if settings.view is AnalysisView.EXTERNAL and external[0] is not None and external[1] is not None:
        thin = _thin([external[0], external[1]], settings.min_sample)
        if thin:
            sizes = ", ".join(f"{v.source}" for v in thin)
            return Placement(
                touchpoint,
                PlacementStatus.INSUFFICIENT_DATA,
                AnalysisView.EXTERNAL,
                ratings,
                reason=f"n below min_sample {settings.min_sample}: {sizes}",
            )
        return Placement(touchpoint, PlacementStatus.PLACED, AnalysisView.EXTERNAL, ratings, external[0], external[1])
    if internal[0] is not None and internal[1] is not None:
        reason = "" if settings.view is AnalysisView.INTERNAL else "external importance or performance missing"
        return Placement(
            touchpoint, PlacementStatus.PLACED, AnalysisView.INTERNAL, ratings, internal[0], internal[1], reason=reason
        )
    missing = "internal" if settings.view is AnalysisView.INTERNAL else "external or internal"
    return Placement(
        touchpoint,
        PlacementStatus.UNRATED,
        None,
        ratings,
        reason=f"needs both importance and performance ({missing})",
    )


def crosshair_for(placed: list[Placement], scale: Scale, settings: AnalysisSettings) -> Crosshair | None:
    """The crosshair for ``settings.crosshair``; None for ``data`` when nothing is placed."""
    policy = settings.crosshair
    if policy == "scale":
        middle = (scale.min + scale.max) / 2
        return Crosshair(policy="scale", importance=middle, performance=middle)
    if policy == "data":
        if not placed:
            return None
        importance = fmean(p.importance.value for p in placed if p.importance is not None)
        performance = fmean(p.performance.value for p in placed if p.performance is not None)
        return Crosshair(policy="data", importance=importance, performance=performance)
    return Crosshair(policy="fixed", importance=policy[0], performance=policy[1])


def check_crosshair(settings: AnalysisSettings, scale: Scale) -> None:
    """Raise ValueError when a fixed crosshair lies outside the rating scale (a value from another scale)."""
    if isinstance(settings.crosshair, tuple):
        for name, value in zip(("importance", "performance"), settings.crosshair, strict=True):
            if not scale.min <= value <= scale.max:
                raise ValueError(
                    f"crosshair {name} {value:g} is outside the journey's rating scale {scale.min:g}..{scale.max:g}"
                )


def analyse_ipa(
    journey: Journey, settings: AnalysisSettings, derived: Mapping[str, DerivedImportance] | None = None
) -> IpaResult:
    """Place every touchpoint of ``journey`` and assign quadrants against the crosshair.

    ``derived``: derived importance per touchpoint id (see :mod:`cjm_sync.analysis.derived`).
    Raises ValueError for a fixed crosshair outside the rating scale.
    Quadrants compare against the exact crosshair (the annotations store it rounded to 4 decimals).
    """
    scale = journey.rating_scale
    check_crosshair(settings, scale)
    placements = [
        _place(tp.id, touchpoint_ratings(tp, scale, (derived or {}).get(tp.id)), settings) for tp in journey.touchpoints
    ]
    placed = [p for p in placements if p.status is PlacementStatus.PLACED]
    cross = crosshair_for(placed, scale, settings)
    if cross is None:
        return IpaResult(placements, None)
    out = [
        replace(p, quadrant=quadrant(p.importance.value, p.performance.value, cross))
        if p.importance is not None and p.performance is not None
        else p
        for p in placements
    ]
    return IpaResult(out, cross)
