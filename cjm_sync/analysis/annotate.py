"""Run every analysis on a journey and write each touchpoint's ``annotations`` (pure; time passed in).

Annotations are derived data: a rerun on the same inputs returns an equal journey, and ``computed_at``
moves only when some other annotation value moves, so files do not churn in git. A touchpoint with nothing
to report (no ratings, no scored pain points, no derived importance) gets no annotations.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from cjm_sync.analysis.actions import ActionItem, action_plan
from cjm_sync.analysis.bottlenecks import Bottlenecks, find_bottlenecks
from cjm_sync.analysis.derived import Respondent, derive_importance
from cjm_sync.analysis.ipa import IpaResult, Placement, analyse_ipa
from cjm_sync.analysis.moments import MomentOfTruth, moments_of_truth
from cjm_sync.analysis.painpoints import PainPointRanking, rank_pain_points
from cjm_sync.analysis.ratings import RatedValue
from cjm_sync.analysis.settings import AnalysisSettings
from cjm_sync.schema import Annotations, Crosshair, DerivedImportance, Journey, PlacementStatus

DECIMALS = 4
"""Annotation floats are rounded to this many decimals (stable text, no float noise in diffs)."""


@dataclass(frozen=True)
class JourneyAnalysis:
    """Everything the analyses found for one journey (the report and ``annotate --json`` show it)."""

    settings: AnalysisSettings
    ipa: IpaResult
    pain_points: PainPointRanking
    bottlenecks: Bottlenecks
    moments: list[MomentOfTruth]
    actions: list[ActionItem]
    derived: dict[str, DerivedImportance]


@dataclass(frozen=True)
class AnnotationChange:
    """A touchpoint whose annotations changed (``before``/``after`` are JSON dicts, None when absent)."""

    touchpoint: str
    before: dict[str, object] | None
    after: dict[str, object] | None


def analyse(
    journey: Journey, settings: AnalysisSettings, respondents: Sequence[Respondent] | None = None
) -> JourneyAnalysis:
    """All analyses of ``journey`` under ``settings`` (``respondents``: for derived importance)."""
    derived = (
        derive_importance(respondents, [t.id for t in journey.touchpoints], settings.derived, settings.min_sample)
        if respondents
        else {}
    )
    ipa = analyse_ipa(journey, settings, derived)
    placements = ipa.by_touchpoint()
    ranking = rank_pain_points(journey)
    return JourneyAnalysis(
        settings=settings,
        ipa=ipa,
        pain_points=ranking,
        bottlenecks=find_bottlenecks(journey),
        moments=moments_of_truth(journey, placements),
        actions=action_plan(journey, placements, ranking),
        derived=derived,
    )


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, DECIMALS) + 0.0  # + 0.0 turns -0.0 into 0.0


def _gap(external: RatedValue | None, internal: RatedValue | None) -> float | None:
    return None if external is None or internal is None else _round(external.value - internal.value)


def _method(p: Placement, cross: Crosshair | None, placed: int) -> str:
    parts = ["IPA (Martilla & James 1977)"]
    if p.status is PlacementStatus.PLACED and p.importance and p.performance:
        parts.append(f"view {p.view.value if p.view else '-'}" + (f" ({p.reason})" if p.reason else ""))
        parts.append(f"importance: {p.importance.source}")
        parts.append(f"performance: {p.performance.source}")
        if cross is not None:
            what = {"data": f"means over {placed} placed touchpoints", "scale": "rating-scale midpoint"}
            parts.append(f"crosshair {cross.policy} ({what.get(cross.policy, 'fixed values')}); equal counts as high")
    else:
        parts.append(f"{p.status.value}: {p.reason}")
    return "; ".join(parts)


def touchpoint_annotations(p: Placement, analysis: JourneyAnalysis, priority: float | None) -> Annotations | None:
    """The annotations of one placement; None when there is nothing to say."""
    r = p.ratings
    cross = analysis.ipa.crosshair
    placed = p.status is PlacementStatus.PLACED and cross is not None
    derived = analysis.derived.get(p.touchpoint)
    importance_gap = _gap(r.importance_external, r.importance_internal)
    performance_gap = _gap(r.performance_external, r.performance_internal)
    nothing = derived is None and priority is None and importance_gap is None and performance_gap is None
    if p.status is PlacementStatus.UNRATED and nothing:
        return None
    placed_count = sum(1 for q in analysis.ipa.placements if q.status is PlacementStatus.PLACED)
    return Annotations(
        ipa_quadrant=p.quadrant if placed else None,
        status=p.status,
        view=p.view,
        importance=_round(p.importance.value) if p.importance else None,
        performance=_round(p.performance.value) if p.performance else None,
        crosshair=(
            Crosshair(
                policy=cross.policy,
                importance=_round(cross.importance) or 0.0,
                performance=_round(cross.performance) or 0.0,
            )
            if placed and cross is not None
            else None
        ),
        diagonal_gap=_round(p.diagonal_gap) if placed else None,
        importance_gap=importance_gap,
        performance_gap=performance_gap,
        derived_importance=(
            DerivedImportance(value=_round(derived.value), method=derived.method, n=derived.n) if derived else None
        ),
        priority=_round(priority),
        method=_method(p, cross, placed_count),
    )


def _same(a: Annotations | None, b: Annotations | None) -> bool:
    if a is None or b is None:
        return a is b
    return a.model_copy(update={"computed_at": None}) == b.model_copy(update={"computed_at": None})


def annotate(
    journey: Journey,
    settings: AnalysisSettings,
    now: datetime,
    respondents: Sequence[Respondent] | None = None,
) -> tuple[Journey, JourneyAnalysis, list[AnnotationChange]]:
    """``journey`` with fresh annotations, the analysis behind them, and the touchpoints whose
    annotations changed (a hand edit shows up here, overwritten).

    ``now`` becomes ``computed_at`` only where another value changed; elsewhere the old stamp stays.
    """
    analysis = analyse(journey, settings, respondents)
    placements = analysis.ipa.by_touchpoint()
    priorities = analysis.pain_points.by_touchpoint()
    stamp = now.replace(microsecond=0)
    touchpoints, changes = [], []
    for tp in journey.touchpoints:
        fresh = touchpoint_annotations(placements[tp.id], analysis, priorities.get(tp.id))
        if _same(tp.annotations, fresh):
            fresh = tp.annotations
        elif fresh is not None:
            fresh = fresh.model_copy(update={"computed_at": stamp})
        if fresh != tp.annotations:
            changes.append(
                AnnotationChange(
                    tp.id,
                    tp.annotations.model_dump(mode="json", exclude_none=True) if tp.annotations else None,
                    fresh.model_dump(mode="json", exclude_none=True) if fresh else None,
                )
            )
        touchpoints.append(tp if fresh is tp.annotations else tp.model_copy(update={"annotations": fresh}))
    return journey.model_copy(update={"touchpoints": touchpoints}), analysis, changes
