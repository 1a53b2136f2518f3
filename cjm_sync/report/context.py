"""What the report shows, computed once for every format: sections of rows whose numbers carry sources.

A :class:`Num` is a number with a footnote: the source text is listed once under "Sources" and shown on
hover (HTML ``title``) next to the number.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from statistics import fmean
from typing import Any

from cjm_sync.analysis import JourneyAnalysis
from cjm_sync.analysis.actions import describe_owner
from cjm_sync.analysis.summary import metric_source
from cjm_sync.report import charts
from cjm_sync.schema import Journey, Metric, PlacementStatus, Provenance


@dataclass(frozen=True)
class Num:
    """A shown number and its footnote number (``note`` 0: no source)."""

    text: str
    note: int
    source: str


@dataclass
class Sources:
    """Footnotes: each distinct source text gets one number, in order of first use."""

    texts: list[str] = field(default_factory=list)

    def num(self, value: float | int | None, source: str, suffix: str = "") -> Num:
        """``value`` formatted (``—`` when None) with the footnote of ``source``."""
        if value is None:
            return Num("—", 0, source)
        text = f"{value:g}{suffix}" if isinstance(value, float) else f"{value}{suffix}"
        if source not in self.texts:
            self.texts.append(source)
        return Num(text, self.texts.index(source) + 1, source)


@dataclass(frozen=True)
class Freshness:
    """How old the facts of one source are."""

    source: str
    values: int
    oldest: str
    newest: str


def _stage_titles(journey: Journey) -> dict[str, str]:
    return {s.id: s.title for s in journey.stages}


def _provenances(journey: Journey) -> Iterable[Provenance]:
    for stage in journey.stages:
        yield from (m.provenance for m in stage.metrics)
    for tp in journey.touchpoints:
        yield from (m.provenance for m in tp.metrics)
        for pair in (tp.importance, tp.performance):
            if pair is not None:
                yield from (r.provenance for r in (pair.internal, pair.external) if r is not None)
    for pp in journey.pain_points:
        yield from (e.provenance for e in pp.evidence if e.provenance is not None)


def freshness(journey: Journey) -> list[Freshness]:
    """Per source kind: how many values, the oldest and newest ``as_of`` (``not stated`` when none)."""
    by_source: dict[str, list[datetime | None]] = {}
    for prov in _provenances(journey):
        by_source.setdefault(prov.source.value, []).append(prov.as_of)
    out = []
    for source, stamps in sorted(by_source.items()):
        known = sorted(s for s in stamps if s is not None)
        oldest = known[0].isoformat() if known else "not stated"
        newest = known[-1].isoformat() if known else "not stated"
        out.append(Freshness(source, len(stamps), oldest, newest))
    computed = sorted(
        t.annotations.computed_at for t in journey.touchpoints if t.annotations and t.annotations.computed_at
    )
    if computed:
        out.append(
            Freshness("annotations (computed)", len(computed), computed[0].isoformat(), computed[-1].isoformat())
        )
    return out


def _metric(metrics: list[Metric], metric_id: str) -> Metric | None:
    return next((m for m in metrics if m.id == metric_id and m.value is not None), None)


def _ipa(journey: Journey, analysis: JourneyAnalysis, src: Sources) -> tuple[list[dict[str, Any]], str]:
    stage = _stage_titles(journey)
    tps = {t.id: t for t in journey.touchpoints}
    cross = analysis.ipa.crosshair
    rows: list[dict[str, Any]] = []
    points: list[charts.Point] = []
    for p in analysis.ipa.placements:
        tp = tps[p.touchpoint]
        r = p.ratings
        quadrant = p.quadrant.value.replace("_", " ") if p.quadrant else p.status.value
        rows.append(
            {
                "id": tp.id,
                "title": tp.title,
                "stage": stage.get(tp.stage, tp.stage),
                "view": p.view.value if p.view else "—",
                "importance": src.num(p.importance.value if p.importance else None, _src(p.importance)),
                "performance": src.num(p.performance.value if p.performance else None, _src(p.performance)),
                "quadrant": quadrant,
                "quadrant_class": p.quadrant.value if p.quadrant else "none",
                "diagonal_gap": src.num(
                    round(p.diagonal_gap, 4) if p.diagonal_gap is not None else None, "importance − performance"
                ),
                "importance_gap": src.num(_gap(r.importance_external, r.importance_internal), "external − internal"),
                "performance_gap": src.num(_gap(r.performance_external, r.performance_internal), "external − internal"),
                "reason": p.reason,
            }
        )
        if p.status is PlacementStatus.PLACED and p.importance and p.performance and p.quadrant:
            tip = f"{tp.title}: importance {p.importance.source}; performance {p.performance.source}"
            points.append(
                charts.Point(
                    f"tp-{len(points)}",
                    tp.title,
                    p.performance.value,
                    p.importance.value,
                    charts.QUADRANT_COLOURS[p.quadrant],
                    tip,
                )
            )
    scale = journey.rating_scale
    svg = charts.ipa_matrix(
        points,
        (cross.importance, cross.performance) if cross else None,
        (scale.min, scale.max),
        "Importance × Performance matrix",
    )
    return rows, svg


def _src(value: Any) -> str:
    return value.source if value is not None else "not placed"


def _gap(external: Any, internal: Any) -> float | None:
    return None if external is None or internal is None else round(external.value - internal.value, 4)


def emotion_series(journey: Journey) -> dict[str, list[float | None]]:
    """Mean emotion per stage (journey order): one series per persona when touchpoints give per-persona
    emotions (a touchpoint without that persona's value counts with its general ``emotion``), else one."""
    named = {p.id: p.name for p in journey.personas}
    who = [p for p in named if any(p in t.persona_emotions for t in journey.touchpoints)]

    def curve(persona: str | None) -> list[float | None]:
        means: list[float | None] = []
        for stage in journey.stages:
            scores = []
            for tp in journey.touchpoints:
                felt = tp.persona_emotions.get(persona) if persona else None
                felt = felt or tp.emotion
                if tp.stage == stage.id and felt is not None:
                    scores.append(felt.score)
            means.append(round(fmean(scores), 2) if scores else None)
        return means

    if not who:
        return {"Mean emotion": curve(None)}
    return {named[p]: curve(p) for p in who}


def _emotion(journey: Journey) -> str:
    scale = journey.emotion_scale
    return charts.emotion_curve(
        [s.title for s in journey.stages],
        emotion_series(journey),
        (scale.min, scale.max),
        "Emotion curve across stages",
    )


def _funnel(journey: Journey, src: Sources) -> tuple[list[dict[str, Any]], str]:
    entered = [_metric(s.metrics, "entered") for s in journey.stages]
    conversion = [_metric(s.metrics, "conversion") for s in journey.stages]
    values: list[float | None]
    if any(entered):
        values = [m.value if m else None for m in entered]
        label = "records entered"
    else:  # 100% enter the first stage with a conversion; each conversion passes its share on
        values, remaining, started = [], 100.0, False
        for c in conversion:
            started = started or c is not None
            values.append(round(remaining, 2) if started else None)
            if c is not None and c.value is not None:
                remaining = remaining * c.value / 100
        label = "% remaining (from conversion)"
    drops = [round(100 - c.value, 2) if c and c.value is not None else None for c in conversion]
    rows = []
    for stage, e, c, d in zip(journey.stages, entered, conversion, drops, strict=True):
        rows.append(
            {
                "title": stage.title,
                "entered": src.num(e.value if e else None, metric_source(e) if e else "no entry counts"),
                "conversion": src.num(c.value if c else None, metric_source(c) if c else "no conversion", "%"),
                "drop_off": src.num(d, "100 − conversion", "%"),
            }
        )
    svg = charts.funnel([s.title for s in journey.stages], values, drops, f"Stage funnel ({label})")
    return rows, svg


def build_context(journey: Journey, analysis: JourneyAnalysis, generated_at: datetime) -> dict[str, Any]:
    """Everything the templates show (charts as SVG strings, numbers as :class:`Num`)."""
    src = Sources()
    stage = _stage_titles(journey)
    ipa_rows, ipa_svg = _ipa(journey, analysis, src)
    funnel_rows, funnel_svg = _funnel(journey, src)
    ranked = analysis.pain_points.ranked
    pain_rows = [
        {
            "rank": i.rank,
            "title": i.pain_point.title,
            "stage": stage.get(i.pain_point.stage, i.pain_point.stage),
            "frequency": src.num(i.pain_point.frequency, f"pain point {i.pain_point.id}: frequency of mention"),
            "severity": src.num(i.pain_point.severity, f"pain point {i.pain_point.id}: severity 0–10"),
            "priority": src.num(i.priority, "frequency × severity"),
            "evidence": [e.text for e in i.pain_point.evidence],
        }
        for i in ranked
    ]
    pain_svg = charts.priorities(
        [i.pain_point.title for i in ranked],
        [i.priority or 0.0 for i in ranked],
        [f"{i.pain_point.title}: {i.pain_point.frequency} × {i.pain_point.severity or 0:g}" for i in ranked],
        "Pain points by priority",
    )
    b = analysis.bottlenecks
    cross = analysis.ipa.crosshair
    settings = analysis.settings
    return {
        "journey": journey,
        "map_type": journey.map_type.value.replace("_", " "),
        "generated_at": generated_at.isoformat(timespec="seconds"),
        "settings": {
            "view": settings.view.value,
            "crosshair": settings.describe_crosshair(),
            "min_sample": settings.min_sample,
        },
        "crosshair": cross,
        "placed": sum(1 for p in analysis.ipa.placements if p.status is PlacementStatus.PLACED),
        "concentrate": [r for r in ipa_rows if r["quadrant_class"] == "concentrate_here"],
        "ipa_rows": ipa_rows,
        "ipa_notes": [r for r in ipa_rows if r["reason"]],
        "charts": {"ipa": ipa_svg, "emotion": _emotion(journey), "funnel": funnel_svg, "pain": pain_svg},
        "funnel_rows": funnel_rows,
        "pain_rows": pain_rows,
        "unscored": [
            {"title": i.pain_point.title, "missing": ", ".join(i.missing)} for i in analysis.pain_points.unscored
        ],
        "drop_off": [
            {"title": f.title, "value": src.num(f.value, "100 − conversion; " + metric_source(f.source), "%")}
            for f in b.drop_off
        ],
        "time_in_stage": [
            {"title": f.title, "value": src.num(f.value, metric_source(f.source), " days")} for f in b.time_in_stage
        ],
        "worsened": [
            {
                "title": w.title,
                "metric": w.metric,
                "previous": src.num(w.previous, f"{w.metric}-previous"),
                "current": src.num(w.current, metric_source(w.source)),
                "change": src.num(w.change, "current − previous"),
                "change_pct": src.num(w.change_pct, "change ÷ previous × 100", "%"),
            }
            for w in b.worsened
        ],
        "moments": analysis.moments,
        "actions": [
            {
                "title": a.title,
                "why": a.why,
                "owner": a.owner,
                "opportunities": [
                    {
                        "title": o.title,
                        "action": o.action,
                        "owner_team": o.owner_team,
                        "target": (
                            f"{o.target.metric} → {o.target.target:g}{o.target.unit or ''}"
                            + (f" by {o.target.by}" if o.target.by else "")
                            if o.target and o.target.target is not None
                            else None
                        ),
                    }
                    for o in a.opportunities
                ],
                "callouts": a.callouts,
            }
            for a in analysis.actions
        ],
        "owners": {s.title: describe_owner(s.owner) for s in journey.stages},
        "freshness": freshness(journey),
        "sources": src.texts,
    }
