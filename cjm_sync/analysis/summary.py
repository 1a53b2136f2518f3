"""The analysis as JSON-able data (``annotate --json``, ``report --format json``), every number with its source."""

from __future__ import annotations

from typing import Any

from cjm_sync.analysis.actions import ActionItem
from cjm_sync.analysis.annotate import DECIMALS, JourneyAnalysis
from cjm_sync.analysis.painpoints import RankedPainPoint
from cjm_sync.analysis.ratings import RatedValue
from cjm_sync.schema import Journey, Metric


def metric_source(metric: Metric) -> str:
    """``hubspot, as of 2026-11-01, n=120, P30D: <method>`` from a metric's provenance."""
    prov = metric.provenance
    parts = [prov.source.value]
    if prov.as_of is not None:
        parts.append(f"as of {prov.as_of.isoformat()}")
    if prov.sample_size is not None:
        parts.append(f"n={prov.sample_size}")
    if prov.window:
        parts.append(prov.window)
    text = ", ".join(parts)
    return f"{text}: {prov.method}" if prov.method else text


def _pain(item: RankedPainPoint) -> dict[str, Any]:
    pp = item.pain_point
    return {
        "id": pp.id,
        "title": pp.title,
        "stage": pp.stage,
        "touchpoint": pp.touchpoint,
        "rank": item.rank,
        "priority": item.priority,
        "frequency": pp.frequency,
        "severity": pp.severity,
        "missing": item.missing,
        "evidence": [e.model_dump(mode="json", exclude_none=True) for e in pp.evidence],
    }


def _action(item: ActionItem) -> dict[str, Any]:
    return {
        "subject": item.subject,
        "title": item.title,
        "why": item.why,
        "owner": item.owner,
        "opportunities": [
            {
                "id": o.id,
                "title": o.title,
                "action": o.action,
                "owner_team": o.owner_team,
                "status": o.status.value,
                "target": o.target.model_dump(mode="json", exclude_none=True) if o.target else None,
            }
            for o in item.opportunities
        ],
        "callouts": item.callouts,
    }


def _gap(external: RatedValue | None, internal: RatedValue | None) -> float | None:
    """External minus internal (placed or not), rounded; None unless both are known."""
    return None if external is None or internal is None else round(external.value - internal.value, DECIMALS) + 0.0


def analysis_to_dict(journey: Journey, analysis: JourneyAnalysis) -> dict[str, Any]:
    """``{"settings", "crosshair", "touchpoints", "pain_points", "unscored_pain_points", "bottlenecks",
    "moments_of_truth", "action_plan"}``; floats rounded to 4 decimals."""
    settings = analysis.settings
    cross = analysis.ipa.crosshair
    titles = {t.id: t.title for t in journey.touchpoints}
    b = analysis.bottlenecks
    return {
        "journey": journey.id,
        "settings": {
            "view": settings.view.value,
            "crosshair": settings.crosshair if isinstance(settings.crosshair, str) else list(settings.crosshair),
            "min_sample": settings.min_sample,
            "derived": settings.derived,
        },
        "crosshair": (
            {
                "policy": cross.policy,
                "importance": round(cross.importance, DECIMALS),
                "performance": round(cross.performance, DECIMALS),
            }
            if cross
            else None
        ),
        "touchpoints": [
            {
                "id": p.touchpoint,
                "title": titles[p.touchpoint],
                "status": p.status.value,
                "view": p.view.value if p.view else None,
                "quadrant": p.quadrant.value if p.quadrant else None,
                "importance": round(p.importance.value, DECIMALS) if p.importance else None,
                "importance_source": p.importance.source if p.importance else None,
                "performance": round(p.performance.value, DECIMALS) if p.performance else None,
                "performance_source": p.performance.source if p.performance else None,
                "diagonal_gap": round(p.diagonal_gap, DECIMALS) if p.diagonal_gap is not None else None,
                "importance_gap": _gap(p.ratings.importance_external, p.ratings.importance_internal),
                "performance_gap": _gap(p.ratings.performance_external, p.ratings.performance_internal),
                "reason": p.reason or None,
            }
            for p in analysis.ipa.placements
        ],
        "pain_points": [_pain(i) for i in analysis.pain_points.ranked],
        "unscored_pain_points": [_pain(i) for i in analysis.pain_points.unscored],
        "bottlenecks": {
            "drop_off": [
                {"stage": f.stage, "title": f.title, "drop_off": f.value, "source": metric_source(f.source)}
                for f in b.drop_off
            ],
            "time_in_stage": [
                {"stage": f.stage, "title": f.title, "days": f.value, "source": metric_source(f.source)}
                for f in b.time_in_stage
            ],
            "worsened": [
                {
                    "key": w.key,
                    "title": w.title,
                    "metric": w.metric,
                    "previous": w.previous,
                    "current": w.current,
                    "change": w.change,
                    "change_pct": w.change_pct,
                    "source": metric_source(w.source),
                }
                for w in b.worsened
            ],
        },
        "moments_of_truth": [
            {"touchpoint": m.touchpoint, "title": m.title, "suggested": m.suggested, "reasons": m.reasons}
            for m in analysis.moments
        ],
        "action_plan": [_action(a) for a in analysis.actions],
    }
