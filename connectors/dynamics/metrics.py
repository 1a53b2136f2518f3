"""Metric arithmetic shared by every Dynamics metric (pure functions; definitions in docs/metrics.md).

Values are rounded to 2 decimals, half away from zero. Medians of an even count take the mean of the
two middle values. Rates and medians without data are ``None``; counts are ``0``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import ROUND_HALF_UP, Decimal

__all__ = ["change_percent", "median", "nps", "percent", "round2"]


def round2(value: float | None) -> float | None:
    """``value`` rounded to 2 decimals, half away from zero (``None`` stays ``None``)."""
    if value is None:
        return None
    return float(Decimal(repr(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def median(values: Iterable[float]) -> float | None:
    """The median (mean of the two middle values for an even count), ``None`` for no values."""
    ordered = sorted(values)
    n = len(ordered)
    if n == 0:
        return None
    middle = n // 2
    return ordered[middle] if n % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def percent(part: int, whole: int) -> float | None:
    """``part / whole × 100``, ``None`` when ``whole`` is 0."""
    return part / whole * 100 if whole else None


def change_percent(current: int, previous: int) -> float | None:
    """``(current − previous) / previous × 100``, ``None`` when ``previous`` is 0."""
    return (current - previous) / previous * 100 if previous else None


def nps(scores: Mapping[int, int]) -> tuple[float | None, float | None, int]:
    """``(nps, negative_share, n)`` from ``score → responses`` over scores 0–10 (others ignored).

    NPS = % of scores ≥ 9 minus % ≤ 6; negative share = % ≤ 6; both over responses with a score.
    """
    scored = {s: n for s, n in scores.items() if isinstance(s, int) and 0 <= s <= 10}
    total = sum(scored.values())
    promoters = sum(n for s, n in scored.items() if s >= 9)
    detractors = sum(n for s, n in scored.items() if s <= 6)
    if not total:
        return None, None, 0
    return (promoters - detractors) / total * 100, detractors / total * 100, total
