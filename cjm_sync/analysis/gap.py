"""GAP analysis: what a future-state map changes relative to the current state, and how far targets are.

Touchpoints and stages are matched by id. A future touchpoint listing ``replaces: [journey-id/tp-id]``
(or a bare ``tp-id``) replaces those current ones. Per touchpoint: ``added`` (only in the future, not a
replacement), ``removed`` (only in the current state and not replaced), ``replaced`` (current ones named
by a future ``replaces``), ``changed`` (same id, some field differs — listed with both values) or
``unchanged``. Stages likewise (added / removed / changed). Analysis output (``annotations``) is ignored.

For each opportunity target (future map first, then current): the current value is the metric of that
id on the opportunity's touchpoint in the current map (or on the touchpoint it replaces), else on its
stage, else the target's ``baseline``; distance = target − current.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from cjm_sync.schema import Journey, Metric, Opportunity

_IGNORED = frozenset({"id", "annotations"})


@dataclass(frozen=True)
class FieldDiff:
    """One field that differs between the current and the future state."""

    field: str
    current: Any
    future: Any


@dataclass(frozen=True)
class EntityGap:
    """How one stage or touchpoint differs; ``status`` is added / removed / replaced / changed / unchanged."""

    kind: str
    id: str
    title: str
    stage: str | None
    status: str
    fields: list[FieldDiff] = field(default_factory=list)
    replaced_by: list[str] = field(default_factory=list)
    replaces: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class TargetGap:
    """An opportunity's target metric: current value (and where it came from), target and distance."""

    opportunity: str
    title: str
    metric: str
    unit: str | None
    current: float | None
    current_source: str
    target: float | None
    distance: float | None
    by: str | None


@dataclass(frozen=True)
class GapReport:
    """The whole comparison; ``notes`` hold mismatches worth knowing (e.g. a replaces id not found)."""

    current: str
    future: str
    stages: list[EntityGap]
    touchpoints: list[EntityGap]
    targets: list[TargetGap]
    notes: list[str]


def _diffs(current: BaseModel, future: BaseModel) -> list[FieldDiff]:
    a, b = current.model_dump(mode="json"), future.model_dump(mode="json")
    return [
        FieldDiff(name, a.get(name), b.get(name))
        for name in sorted(set(a) | set(b))
        if name not in _IGNORED and a.get(name) != b.get(name)
    ]


def _replaced_ids(current: Journey, future: Journey, notes: list[str]) -> dict[str, list[str]]:
    """Current touchpoint id → future touchpoints replacing it."""
    known = {t.id for t in current.touchpoints}
    out: dict[str, list[str]] = {}
    for tp in future.touchpoints:
        for ref in tp.replaces:
            journey_id, slash, tp_id = ref.rpartition("/")
            if slash and journey_id != current.id:
                notes.append(f"touchpoint {tp.id} replaces '{ref}', which is not in journey '{current.id}'")
                continue
            if tp_id not in known:
                notes.append(f"touchpoint {tp.id} replaces '{ref}', but '{current.id}' has no touchpoint '{tp_id}'")
                continue
            out.setdefault(tp_id, []).append(tp.id)
    return out


def _metric(metrics: list[Metric], metric_id: str) -> Metric | None:
    return next((m for m in metrics if m.id == metric_id and m.value is not None), None)


def _target(opp: Opportunity, current: Journey, replaced_by: dict[str, list[str]]) -> TargetGap | None:
    target = opp.target
    if target is None:
        return None
    tps = {t.id: t for t in current.touchpoints}
    stages = {s.id: s for s in current.stages}
    candidates = []
    if opp.touchpoint:
        candidates.append(opp.touchpoint)
        candidates += [old for old, new in replaced_by.items() if opp.touchpoint in new]
    value, source = None, "no current value"
    for tp_id in candidates:
        tp = tps.get(tp_id)
        metric = _metric(tp.metrics, target.metric) if tp else None
        if metric is not None:
            value, source = metric.value, f"current touchpoint {tp_id} metric {target.metric}"
            break
    stage = stages.get(opp.stage)
    if value is None and stage is not None:
        metric = _metric(stage.metrics, target.metric)
        if metric is not None:
            value, source = metric.value, f"current stage {opp.stage} metric {target.metric}"
    if value is None and target.baseline is not None:
        value, source = target.baseline, "the target's baseline"
    distance = None if value is None or target.target is None else round(target.target - value, 4)
    return TargetGap(opp.id, opp.title, target.metric, target.unit, value, source, target.target, distance, target.by)


def gap_analysis(current: Journey, future: Journey) -> GapReport:
    """Compare ``current`` and ``future`` (see the module docstring); pure."""
    notes: list[str] = []
    if future.future_state_of and future.future_state_of != current.id:
        notes.append(f"'{future.id}' is the future state of '{future.future_state_of}', not of '{current.id}'")
    replaced_by = _replaced_ids(current, future, notes)
    stages: list[EntityGap] = []
    cur_stages, fut_stages = {s.id: s for s in current.stages}, {s.id: s for s in future.stages}
    for s in future.stages:
        old = cur_stages.get(s.id)
        if old is None:
            stages.append(EntityGap("stage", s.id, s.title, None, "added"))
        else:
            diffs = _diffs(old, s)
            stages.append(EntityGap("stage", s.id, s.title, None, "changed" if diffs else "unchanged", diffs))
    stages += [EntityGap("stage", s.id, s.title, None, "removed") for s in current.stages if s.id not in fut_stages]

    touchpoints: list[EntityGap] = []
    cur_tps, fut_tps = {t.id: t for t in current.touchpoints}, {t.id: t for t in future.touchpoints}
    for t in future.touchpoints:
        was = cur_tps.get(t.id)
        replaces = [ref.rpartition("/")[2] for ref in t.replaces if ref.rpartition("/")[2] in replaced_by]
        if was is None:
            touchpoints.append(EntityGap("touchpoint", t.id, t.title, t.stage, "added", replaces=replaces))
        else:
            diffs = [d for d in _diffs(was, t) if d.field != "replaces"]
            status = "changed" if diffs else "unchanged"
            touchpoints.append(EntityGap("touchpoint", t.id, t.title, t.stage, status, diffs, replaces=replaces))
    for t in current.touchpoints:
        if t.id in replaced_by:
            touchpoints.append(
                EntityGap("touchpoint", t.id, t.title, t.stage, "replaced", replaced_by=replaced_by[t.id])
            )
        elif t.id not in fut_tps:
            touchpoints.append(EntityGap("touchpoint", t.id, t.title, t.stage, "removed"))

    targets: list[TargetGap] = []
    seen: set[str] = set()
    for opp in [*future.opportunities, *current.opportunities]:
        if opp.id in seen:
            continue
        seen.add(opp.id)
        gap = _target(opp, current, replaced_by)
        if gap is not None:
            targets.append(gap)
    return GapReport(current.id, future.id, stages, touchpoints, targets, notes)


def gap_to_dict(report: GapReport) -> dict[str, Any]:
    """JSON form: ``{"current", "future", "stages": [...], "touchpoints": [...], "targets": [...], "notes"}``."""

    def entity(e: EntityGap) -> dict[str, Any]:
        out: dict[str, Any] = {"id": e.id, "title": e.title, "status": e.status}
        if e.stage is not None:
            out["stage"] = e.stage
        if e.fields:
            out["changes"] = [{"field": d.field, "current": d.current, "future": d.future} for d in e.fields]
        if e.replaced_by:
            out["replaced_by"] = e.replaced_by
        if e.replaces:
            out["replaces"] = e.replaces
        return out

    return {
        "current": report.current,
        "future": report.future,
        "stages": [entity(e) for e in report.stages],
        "touchpoints": [entity(e) for e in report.touchpoints],
        "targets": [
            {
                "opportunity": t.opportunity,
                "title": t.title,
                "metric": t.metric,
                "unit": t.unit,
                "current": t.current,
                "current_source": t.current_source,
                "target": t.target,
                "distance": t.distance,
                "by": t.by,
            }
            for t in report.targets
        ],
        "notes": report.notes,
    }
