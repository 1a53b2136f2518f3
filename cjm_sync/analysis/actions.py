"""The action plan: what to do about every "concentrate here" touchpoint and every top-5 pain point.

Each item names the owner (the touchpoint's, else its stage's), the open opportunities that address it
(status not done/dropped; for a touchpoint: opportunities on it or addressing one of its pain points;
for a pain point: opportunities listing it in ``addresses`` or on its touchpoint), with their owner team
and target. Gaps are called out: "no owner", "no concrete action" (no open opportunity with an action),
"no owner team", "no target".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final

from cjm_sync.analysis.ipa import Placement
from cjm_sync.analysis.painpoints import PainPointRanking
from cjm_sync.schema import IpaQuadrant, Journey, Opportunity, OpportunityStatus, Owner

TOP_PAIN_POINTS: Final = 5
_CLOSED = (OpportunityStatus.DONE, OpportunityStatus.DROPPED)


@dataclass(frozen=True)
class ActionItem:
    """One line of the action plan; ``subject`` is an entity key (``touchpoint:x`` or ``pain_point:y``)."""

    subject: str
    title: str
    why: str
    owner: str | None
    opportunities: list[Opportunity]
    callouts: list[str] = field(default_factory=list)


def describe_owner(owner: Owner | None) -> str | None:
    """``person (department, region)`` from whatever parts are set; None when none is."""
    if owner is None:
        return None
    where = ", ".join(p for p in (owner.department, owner.region) if p)
    if owner.person:
        return f"{owner.person} ({where})" if where else owner.person
    return where or None


def _callouts(owner: str | None, opportunities: list[Opportunity]) -> list[str]:
    out = []
    if owner is None:
        out.append("no owner")
    if not any(o.action and o.action.strip() for o in opportunities):
        out.append("no concrete action")
    for o in opportunities:
        if not o.owner_team:
            out.append(f"no owner team for '{o.id}'")
        if o.target is None or o.target.target is None:
            out.append(f"no target for '{o.id}'")
    return out


def action_plan(journey: Journey, placements: Mapping[str, Placement], ranking: PainPointRanking) -> list[ActionItem]:
    """Concentrate-here touchpoints (journey order), then the top-5 scored pain points (rank order)."""
    stage_owner = {s.id: describe_owner(s.owner) for s in journey.stages}
    touchpoints = {t.id: t for t in journey.touchpoints}
    open_ops = [o for o in journey.opportunities if o.status not in _CLOSED]
    pains_of: dict[str, set[str]] = {}
    for pp in journey.pain_points:
        if pp.touchpoint:
            pains_of.setdefault(pp.touchpoint, set()).add(pp.id)

    def owner_of(touchpoint: str | None, stage: str) -> str | None:
        tp = touchpoints.get(touchpoint) if touchpoint else None
        return (describe_owner(tp.owner) if tp else None) or stage_owner.get(stage)

    items: list[ActionItem] = []
    for tp in journey.touchpoints:
        placement = placements.get(tp.id)
        if placement is None or placement.quadrant is not IpaQuadrant.CONCENTRATE_HERE:
            continue
        pains = pains_of.get(tp.id, set())
        ops = [o for o in open_ops if o.touchpoint == tp.id or pains & set(o.addresses)]
        owner = owner_of(tp.id, tp.stage)
        why = "concentrate here: high importance, low performance"
        items.append(ActionItem(f"touchpoint:{tp.id}", tp.title, why, owner, ops, _callouts(owner, ops)))
    for item in ranking.ranked[:TOP_PAIN_POINTS]:
        pp = item.pain_point
        ops = [o for o in open_ops if pp.id in o.addresses or (pp.touchpoint and o.touchpoint == pp.touchpoint)]
        owner = owner_of(pp.touchpoint, pp.stage)
        why = (
            f"pain point #{item.rank}: priority {item.priority or 0:g} "
            f"(frequency {pp.frequency} × severity {pp.severity or 0:g})"
        )
        items.append(ActionItem(f"pain_point:{pp.id}", pp.title, why, owner, ops, _callouts(owner, ops)))
    return items
