"""Journeys for the Miro tests: one per map type, with CJK text, and a view of the carried fields."""

from __future__ import annotations

import itertools
from typing import Any

from cjm_sync.schema import (
    Channel,
    Connection,
    Emotion,
    Journey,
    Lane,
    LaneKind,
    MapType,
    Note,
    Opportunity,
    Owner,
    PainPoint,
    Stage,
    StageKind,
    Touchpoint,
)
from connectors.miro.connector import CARRIED

LANES: dict[MapType, list[LaneKind]] = {
    MapType.CURRENT_STATE: [LaneKind.ACTIONS, LaneKind.THOUGHTS],
    MapType.FUTURE_STATE: [LaneKind.ACTIONS, LaneKind.TOUCHPOINTS, LaneKind.OPPORTUNITIES],
    MapType.DAY_IN_THE_LIFE: [LaneKind.ACTIONS, LaneKind.THOUGHTS, LaneKind.EMOTIONS],
    MapType.SERVICE_BLUEPRINT: [
        LaneKind.EVIDENCE,
        LaneKind.ACTIONS,
        LaneKind.FRONT_STAGE,
        LaneKind.BACK_STAGE,
        LaneKind.SUPPORT_PROCESSES,
    ],
    MapType.B2B_STRATEGIC: [LaneKind.TOUCHPOINTS, LaneKind.PAIN_POINTS, LaneKind.THOUGHTS],
    MapType.B2B_TACTICAL: [LaneKind.ACTIONS, LaneKind.EMOTIONS, LaneKind.PAIN_POINTS],
    MapType.B2B_PERFORMANCE: [LaneKind.TOUCHPOINTS, LaneKind.ACTIONS],
}


def journey(map_type: MapType = MapType.CURRENT_STATE, *, touchpoints: int = 4) -> Journey:
    """A journey with three stages, the lanes of ``map_type`` and CJK text throughout."""
    stages = [
        Stage(id="aware", title="认知 Awareness"),
        Stage(id="buy", title="購入 & <purchase>", kind=StageKind.NON_IDEAL),
        Stage(id="leave", title="離脱", kind=StageKind.EXIT),
    ]
    lanes = [
        Lane(id=f"lane-{kind.value}", kind=kind, title="行動 (actions)" if kind is LaneKind.ACTIONS else None)
        for kind in LANES[map_type]
    ]
    channels = list(Channel)
    tps = [
        Touchpoint(
            id=f"tp{i}",
            title=f"触点 {i} — 顧客",
            stage=stages[i % 3].id,
            channel=channels[i % len(channels)] if i % 4 else None,
            moment_of_truth=i % 3 == 0,
            description=f"说明 {i}\nline two" if i % 2 else None,
            actions=[f"行为 {i}"],
            thoughts=["想"] if i % 2 else [],
            owner=Owner(department="客服"),
            emotion=Emotion(score=round(-2 + (i % 5), 2), label="😀" if i % 2 else None) if i % 3 != 2 else None,
        )
        for i in range(touchpoints)
    ]
    for a, b in itertools.pairwise(tps):
        a.connections.append(Connection(to=b.id, label="次へ" if a.id.endswith("0") else None))
    notes = [
        Note(id=f"note-{lane.id}-{s.id}", lane=lane.id, stage=s.id, text=f"{lane.kind.value} 笔记 {s.title}")
        for lane in lanes
        for s in stages[:2]
    ]
    return Journey(
        id="onboarding",
        title="入会ジャーニー",
        map_type=map_type,
        stages=stages,
        lanes=lanes,
        touchpoints=tps,
        pain_points=[
            PainPoint(id="pp-slow", title="太慢了 <slow> & 重い", stage="buy"),
            PainPoint(id="pp-form", title="表单", stage="aware"),
        ],
        opportunities=[Opportunity(id="op-fast", title="一键购买", stage="buy")],
        notes=notes,
    )


def carried(j: Journey) -> dict[str, Any]:
    """The carried fields of every entity by kind and id, plus each stage's order of entities."""
    view: dict[str, Any] = {}
    for kind, entities in (
        ("stage", j.stages),
        ("lane", j.lanes),
        ("touchpoint", j.touchpoints),
        ("pain_point", j.pain_points),
        ("opportunity", j.opportunities),
        ("note", j.notes),
    ):
        fields = CARRIED[kind]
        view[kind] = {e.id: e.model_dump(mode="json", include=set(fields)) for e in entities}
        stages = [(getattr(e, "stage", None), getattr(e, "lane", None)) for e in entities]
        view[f"{kind}-order"] = {
            str(s): [e.id for e, es in zip(entities, stages, strict=True) if es == s] for s in set(stages)
        }
    view["stage-order"] = [s.id for s in j.stages]
    view["lane-order"] = [lane.id for lane in j.lanes]
    return view
