"""Pain-point priority: frequency of mention × severity (0–10), ranked.

Ties go to the higher frequency first, then the id (so the order is stable). A pain point missing its
frequency or severity is listed as "unscored", never guessed. The evidence stays attached.
"""

from __future__ import annotations

from dataclasses import dataclass

from cjm_sync.schema import Journey, PainPoint


@dataclass(frozen=True)
class RankedPainPoint:
    """A pain point with its priority (None when unscored) and rank (1 = first; None when unscored)."""

    pain_point: PainPoint
    priority: float | None
    rank: int | None

    @property
    def missing(self) -> list[str]:
        """The inputs an unscored pain point lacks."""
        return [name for name in ("frequency", "severity") if getattr(self.pain_point, name) is None]


@dataclass(frozen=True)
class PainPointRanking:
    """Scored pain points in rank order, and the unscored ones in file order."""

    ranked: list[RankedPainPoint]
    unscored: list[RankedPainPoint]

    def by_touchpoint(self) -> dict[str, float]:
        """Sum of the scored priorities per touchpoint id (the touchpoint's ``priority`` annotation)."""
        out: dict[str, float] = {}
        for item in self.ranked:
            tp = item.pain_point.touchpoint
            if tp is not None and item.priority is not None:
                out[tp] = out.get(tp, 0.0) + item.priority
        return out


def rank_pain_points(journey: Journey) -> PainPointRanking:
    """Rank ``journey``'s pain points by frequency × severity (ties: higher frequency, then id)."""
    scored: list[tuple[float, int, str, PainPoint]] = []
    unscored: list[RankedPainPoint] = []
    for pp in journey.pain_points:
        if pp.frequency is None or pp.severity is None:
            unscored.append(RankedPainPoint(pp, None, None))
            continue
        scored.append((pp.frequency * pp.severity, pp.frequency, pp.id, pp))
    scored.sort(key=lambda item: (-item[0], -item[1], item[2]))
    ranked = [RankedPainPoint(pp, priority, i) for i, (priority, _, _, pp) in enumerate(scored, start=1)]
    return PainPointRanking(ranked, unscored)
