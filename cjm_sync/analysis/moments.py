"""Moments of truth: the team's flags are kept; others are suggested, each with its reason.

A touchpoint not flagged is suggested when (any of):
- it is in the "concentrate here" quadrant (high importance, low performance);
- its emotion differs from the previous touchpoint's (journey order) by at least half the emotion
  scale's range (``EMOTION_SWING``, e.g. 2 points on −2…2);
- its ``negative-share`` metric is at least ``NEGATIVE_SHARE`` percent.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from cjm_sync.analysis.ipa import Placement
from cjm_sync.schema import IpaQuadrant, Journey

EMOTION_SWING: Final = 0.5
"""Fraction of the emotion scale's range a swing must reach."""
NEGATIVE_SHARE: Final = 25.0
"""Percent of negative responses from which a touchpoint is suggested."""


@dataclass(frozen=True)
class MomentOfTruth:
    """A flagged (``suggested`` False) or suggested moment of truth with its reasons."""

    touchpoint: str
    title: str
    suggested: bool
    reasons: list[str]


def _fmt(number: float) -> str:
    return f"{number:g}"


def moments_of_truth(journey: Journey, placements: Mapping[str, Placement]) -> list[MomentOfTruth]:
    """Flagged moments of truth and suggestions, in journey order."""
    scale = journey.emotion_scale
    threshold = EMOTION_SWING * (scale.max - scale.min)
    out: list[MomentOfTruth] = []
    previous: tuple[str, float] | None = None
    for tp in journey.touchpoints:
        reasons: list[str] = []
        placement = placements.get(tp.id)
        if placement is not None and placement.quadrant is IpaQuadrant.CONCENTRATE_HERE:
            reasons.append("high importance with low performance (concentrate here)")
        if tp.emotion is not None:
            if previous is not None and abs(tp.emotion.score - previous[1]) >= threshold:
                reasons.append(
                    f"emotion swings {_fmt(tp.emotion.score - previous[1])} from '{previous[0]}' "
                    f"(≥ {_fmt(threshold)}, half the emotion scale)"
                )
            previous = (tp.title, tp.emotion.score)
        negative = next((m for m in tp.metrics if m.id == "negative-share" and m.value is not None), None)
        if negative is not None and negative.value is not None and negative.value >= NEGATIVE_SHARE:
            reasons.append(f"negative-share {_fmt(negative.value)}% (≥ {_fmt(NEGATIVE_SHARE)}%)")
        if tp.moment_of_truth:
            out.append(MomentOfTruth(tp.id, tp.title, False, ["flagged by the team", *reasons]))
        elif reasons:
            out.append(MomentOfTruth(tp.id, tp.title, True, reasons))
    return out
