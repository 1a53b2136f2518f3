"""Analyses of a journey (pure, no I/O): importance–performance, pain-point priority, bottlenecks,
moments of truth, action plan and GAP analysis. Rules and worked examples: docs/analysis.md."""

from cjm_sync.analysis.annotate import AnnotationChange, JourneyAnalysis, analyse, annotate
from cjm_sync.analysis.derived import Respondent, derive_importance
from cjm_sync.analysis.gap import GapReport, gap_analysis, gap_to_dict
from cjm_sync.analysis.ipa import IpaResult, Placement, analyse_ipa, quadrant
from cjm_sync.analysis.painpoints import PainPointRanking, rank_pain_points
from cjm_sync.analysis.settings import (
    AnalysisSettings,
    CrosshairPolicy,
    parse_crosshair,
    parse_min_sample,
    parse_view,
)
from cjm_sync.analysis.summary import analysis_to_dict

__all__ = [
    "AnalysisSettings",
    "AnnotationChange",
    "CrosshairPolicy",
    "GapReport",
    "IpaResult",
    "JourneyAnalysis",
    "PainPointRanking",
    "Placement",
    "Respondent",
    "analyse",
    "analyse_ipa",
    "analysis_to_dict",
    "annotate",
    "derive_importance",
    "gap_analysis",
    "gap_to_dict",
    "parse_crosshair",
    "parse_min_sample",
    "parse_view",
    "quadrant",
    "rank_pain_points",
]
