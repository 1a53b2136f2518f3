"""Starter journeys for ``cjm-sync init``: stages, lanes and a persona that fit each map type."""

from __future__ import annotations

from cjm_sync.schema import (
    Channel,
    Direction,
    Emotion,
    Journey,
    Lane,
    LaneKind,
    MapType,
    Persona,
    Scenario,
    Scope,
    Segment,
    SegmentKind,
    Stage,
    StageKind,
    Touchpoint,
    slugify,
)

_STANDARD_LANES = [
    LaneKind.ACTIONS,
    LaneKind.TOUCHPOINTS,
    LaneKind.THOUGHTS,
    LaneKind.EMOTIONS,
    LaneKind.PAIN_POINTS,
    LaneKind.OPPORTUNITIES,
]
_BLUEPRINT_LANES = [
    LaneKind.ACTIONS,
    LaneKind.TOUCHPOINTS,
    LaneKind.FRONT_STAGE,
    LaneKind.BACK_STAGE,
    LaneKind.SUPPORT_PROCESSES,
    LaneKind.EVIDENCE,
    LaneKind.EMOTIONS,
    LaneKind.PAIN_POINTS,
    LaneKind.OPPORTUNITIES,
]

_LIFECYCLE = [
    ("awareness", "Awareness", StageKind.STANDARD),
    ("consideration", "Consideration", StageKind.STANDARD),
    ("purchase", "Purchase", StageKind.STANDARD),
    ("use", "Use", StageKind.STANDARD),
    ("loyalty", "Loyalty", StageKind.STANDARD),
    ("complaint", "Complaint or return", StageKind.NON_IDEAL),
    ("exit", "Exit", StageKind.EXIT),
    ("win-back", "Win-back", StageKind.WIN_BACK),
]
_B2B = [
    ("need-recognition", "Need recognition", StageKind.STANDARD),
    ("supplier-search", "Supplier search", StageKind.STANDARD),
    ("evaluation", "Evaluation", StageKind.STANDARD),
    ("decision", "Purchase decision", StageKind.STANDARD),
    ("implementation", "Implementation", StageKind.STANDARD),
    ("usage-support", "Usage and support", StageKind.STANDARD),
    ("renewal", "Renewal", StageKind.STANDARD),
    ("switch-supplier", "Switching supplier", StageKind.EXIT),
    ("win-back", "Win-back", StageKind.WIN_BACK),
]
_STAGES: dict[MapType, list[tuple[str, str, StageKind]]] = {
    MapType.CURRENT_STATE: _LIFECYCLE,
    MapType.FUTURE_STATE: _LIFECYCLE,
    MapType.DAY_IN_THE_LIFE: [
        ("morning", "Morning", StageKind.STANDARD),
        ("commute", "Commute", StageKind.STANDARD),
        ("working-hours", "Working hours", StageKind.STANDARD),
        ("evening", "Evening", StageKind.STANDARD),
    ],
    MapType.SERVICE_BLUEPRINT: [
        ("request", "Request", StageKind.STANDARD),
        ("intake", "Intake", StageKind.STANDARD),
        ("delivery", "Service delivery", StageKind.STANDARD),
        ("follow-up", "Follow-up", StageKind.STANDARD),
        ("complaint", "Complaint", StageKind.NON_IDEAL),
    ],
    MapType.B2B_STRATEGIC: _B2B,
    MapType.B2B_TACTICAL: [
        ("before-demo", "Before the demo", StageKind.STANDARD),
        ("demo", "Product demo", StageKind.STANDARD),
        ("after-demo", "After the demo", StageKind.STANDARD),
    ],
    MapType.B2B_PERFORMANCE: _B2B,
}
_SCENARIO = {
    MapType.DAY_IN_THE_LIFE: Scenario.UX,
    MapType.B2B_TACTICAL: Scenario.MARKETING_SALES,
    MapType.B2B_STRATEGIC: Scenario.MARKETING_SALES,
}
_GOALS = {
    MapType.CURRENT_STATE: "Find the top three pain points of today's journey",
    MapType.FUTURE_STATE: "Describe the journey we want and what must change to get there",
    MapType.DAY_IN_THE_LIFE: "Understand where our product fits into the customer's day",
    MapType.SERVICE_BLUEPRINT: "Expose the processes and systems behind each touchpoint",
    MapType.B2B_STRATEGIC: "Overview of every stage of the business relationship",
    MapType.B2B_TACTICAL: "Understand one cluster of touchpoints in depth",
    MapType.B2B_PERFORMANCE: "Measure performance per step and recommend improvements",
}


MAP_TYPE_NAMES = {
    MapType.CURRENT_STATE: "Current state",
    MapType.FUTURE_STATE: "Future state",
    MapType.DAY_IN_THE_LIFE: "Day in the life",
    MapType.SERVICE_BLUEPRINT: "Service blueprint",
    MapType.B2B_STRATEGIC: "B2B strategic",
    MapType.B2B_TACTICAL: "B2B tactical",
    MapType.B2B_PERFORMANCE: "B2B performance",
}
"""How each map type is written in titles and comments ("B2B", not "B2b")."""


def starter_journey(map_type: MapType, title: str | None = None, persona: str | None = None) -> Journey:
    """A valid starter journey of ``map_type`` with fitting stages, lanes, one persona and one touchpoint."""
    title = title or f"{MAP_TYPE_NAMES[map_type]} journey"
    persona_name = persona or ("Procurement lead" if map_type.value.startswith("b2b") else "New customer")
    b2b = map_type.value.startswith("b2b")
    segment = Segment(
        id="primary-segment",
        name="Mid-size companies" if b2b else "First-time buyers",
        kind=SegmentKind.FIRMOGRAPHIC if b2b else SegmentKind.BEHAVIOURAL,
    )
    lanes = _BLUEPRINT_LANES if map_type is MapType.SERVICE_BLUEPRINT else _STANDARD_LANES
    stages = [Stage(id=sid, title=stitle, kind=kind) for sid, stitle, kind in _STAGES[map_type]]
    first = stages[0]
    return Journey(
        id=slugify(title, fallback="journey"),
        title=title,
        map_type=map_type,
        scenario=_SCENARIO.get(map_type, Scenario.CUSTOMER_EXPERIENCE),
        scope=Scope(goals=[_GOALS[map_type]], channels=[Channel.WEB, Channel.EMAIL, Channel.PHONE]),
        segments=[segment],
        personas=[
            Persona(
                id=slugify(persona_name, fallback="persona"),
                name=persona_name,
                segment=segment.id,
                goals=["Get the job done with as little effort as possible"],
                needs=["Clear information", "A quick answer when stuck"],
            )
        ],
        stages=stages,
        lanes=[Lane(id=kind.value.replace("_", "-"), kind=kind) for kind in lanes],
        touchpoints=[
            Touchpoint(
                id="first-contact",
                title="First contact",
                stage=first.id,
                channel=Channel.WEB,
                direction=Direction.ONE_WAY,
                emotion=Emotion(score=0, label="neutral"),
            )
        ],
    )
