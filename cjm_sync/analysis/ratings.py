"""The importance and performance values IPA can use for one touchpoint, with where each comes from.

External performance may be derived from CRM metrics when no survey value is given (first that exists):
``csat`` (%, 0–100) → ``min + csat / 100 × (max − min)``; ``nps`` (−100…100) →
``min + (nps + 100) / 200 × (max − min)``. Derived importance (respondent-level correlation ``r``)
replaces the stated external importance: ``min + max(r, 0) × (max − min)``.
"""

from __future__ import annotations

from dataclasses import dataclass

from cjm_sync.schema import DerivedImportance, Metric, Rating, RatingPair, Scale, Touchpoint

CSAT = "csat"
NPS = "nps"


@dataclass(frozen=True)
class RatedValue:
    """A value on the rating scale; ``n`` respondents behind it (None: not stated); ``source`` says how."""

    value: float
    n: int | None
    source: str


@dataclass(frozen=True)
class TouchpointRatings:
    """Both views of both dimensions for one touchpoint (None where unknown)."""

    importance_internal: RatedValue | None
    importance_external: RatedValue | None
    performance_internal: RatedValue | None
    performance_external: RatedValue | None


def _fmt(number: float) -> str:
    return f"{number:g}"


def _from_rating(rating: Rating | None, name: str) -> RatedValue | None:
    if rating is None:
        return None
    prov = rating.provenance
    n = prov.sample_size
    stated = f", n={n}" if n is not None else (", n not stated" if name.endswith("external") else "")
    detail = prov.source.value + stated
    return RatedValue(rating.value, n, f"{name} ({detail})")


def _metric(metrics: list[Metric], metric_id: str) -> Metric | None:
    return next((m for m in metrics if m.id == metric_id and m.value is not None), None)


def performance_from_metrics(metrics: list[Metric], scale: Scale) -> RatedValue | None:
    """External performance mapped linearly from ``csat`` (preferred) or ``nps``; None without either."""
    span = scale.max - scale.min
    csat = _metric(metrics, CSAT)
    if csat is not None and csat.value is not None:
        value = scale.min + max(0.0, min(100.0, csat.value)) / 100 * span
        source = (
            f"csat {_fmt(csat.value)}% → {_fmt(round(value, 4))} "
            f"(min + csat/100 × (max − min), {csat.provenance.source.value})"
        )
        return RatedValue(value, csat.provenance.sample_size, source)
    nps = _metric(metrics, NPS)
    if nps is not None and nps.value is not None:
        value = scale.min + (max(-100.0, min(100.0, nps.value)) + 100) / 200 * span
        source = (
            f"nps {_fmt(nps.value)} → {_fmt(round(value, 4))} "
            f"(min + (nps + 100)/200 × (max − min), {nps.provenance.source.value})"
        )
        return RatedValue(value, nps.provenance.sample_size, source)
    return None


def importance_from_derived(derived: DerivedImportance, scale: Scale) -> RatedValue | None:
    """Derived importance on the rating scale (``min + max(r, 0) × (max − min)``); None when not computed."""
    if derived.value is None:
        return None
    value = scale.min + max(derived.value, 0.0) * (scale.max - scale.min)
    source = f"derived {derived.method} r={_fmt(round(derived.value, 4))}, n={derived.n} → {_fmt(round(value, 4))}"
    return RatedValue(value, derived.n, source)


def _pair(pair: RatingPair | None, side: str) -> Rating | None:
    if pair is None:
        return None
    rating: Rating | None = getattr(pair, side)
    return rating


def touchpoint_ratings(touchpoint: Touchpoint, scale: Scale, derived: DerivedImportance | None) -> TouchpointRatings:
    """Resolve the four values of ``touchpoint`` (stated ratings first, then CRM or derived ones)."""
    importance_external = _from_rating(_pair(touchpoint.importance, "external"), "importance.external")
    if derived is not None:
        importance_external = importance_from_derived(derived, scale) or importance_external
    performance_external = _from_rating(_pair(touchpoint.performance, "external"), "performance.external")
    if performance_external is None:
        performance_external = performance_from_metrics(touchpoint.metrics, scale)
    return TouchpointRatings(
        importance_internal=_from_rating(_pair(touchpoint.importance, "internal"), "importance.internal"),
        importance_external=importance_external,
        performance_internal=_from_rating(_pair(touchpoint.performance, "internal"), "performance.internal"),
        performance_external=performance_external,
    )
