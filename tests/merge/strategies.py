"""Hypothesis strategies for valid journeys (reusable: ``from tests.merge.strategies import journeys``).

Journeys list their items grouped by stage in stage order (the canonical form ``build_journey``
produces), use ids unique across the whole journey, keep emotions and ratings on their scales, and
mix ASCII, accented, CJK and emoji text.
"""

from __future__ import annotations

from datetime import UTC, datetime
from itertools import count
from typing import Any

from hypothesis import strategies as st
from pydantic import BaseModel

from cjm_sync.schema import (
    Annotations,
    Channel,
    Connection,
    DayStep,
    Direction,
    Emotion,
    Evidence,
    IpaQuadrant,
    Journey,
    Lane,
    LaneKind,
    MapType,
    Metric,
    Note,
    Opportunity,
    OpportunityStatus,
    Owner,
    PainPoint,
    Persona,
    Provenance,
    Rating,
    RatingPair,
    Scale,
    Scenario,
    Scope,
    Segment,
    SegmentKind,
    Source,
    Stage,
    StageKind,
    TargetMetric,
    Touchpoint,
)

_ALPHABET = st.one_of(
    st.characters(codec="utf-8", categories=("L", "N", "P", "Zs")),
    st.sampled_from(list("旅程客户注册支付😀🚀👍🏽🇯🇵 \n")),
)
text = st.text(_ALPHABET, min_size=1, max_size=24)
"""Non-empty text with CJK and emoji."""
words = st.lists(st.sampled_from(["sign up", "注册", "pay 💳", "wait…", "téléphone", "call"]), max_size=4)
"""Short lists of strings (as in actions, thoughts, goals)."""

_ID_STEMS = st.sampled_from(["", "旅程-", "é.", "x_"])


def _maybe(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.none() | strategy


def _floats(low: float, high: float) -> st.SearchStrategy[float]:
    return st.floats(low, high, allow_nan=False, allow_infinity=False)


_times = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC))
provenances = st.builds(
    Provenance,
    source=st.sampled_from(Source),
    method=_maybe(text),
    as_of=_maybe(_times),
    sample_size=_maybe(st.integers(0, 10_000)),
)
_ratings = st.builds(Rating, value=_floats(1, 5), provenance=provenances)
_pairs = _maybe(st.builds(RatingPair, internal=_maybe(_ratings), external=_maybe(_ratings)))
_metrics = st.lists(
    st.builds(
        Metric,
        id=st.sampled_from(["nps", "exit-rate", "csat"]),
        value=_maybe(_floats(-1e6, 1e6)),
        unit=_maybe(st.sampled_from(["%", "ms", "score"])),
        provenance=provenances,
    ),
    max_size=2,
    unique_by=lambda m: m.id,
)
_annotations = st.builds(
    Annotations,
    ipa_quadrant=_maybe(st.sampled_from(IpaQuadrant)),
    importance_gap=_maybe(_floats(-4, 4)),
    priority=_maybe(_floats(0, 100)),
    computed_at=_maybe(_times),
)


@st.composite
def journeys(draw: st.DrawFn, max_items: int = 3) -> Journey:
    """A valid, canonical journey with up to ``max_items`` items of each kind (per stage for staged kinds)."""
    ids = count()
    stem = draw(_ID_STEMS)

    def new_id(kind: str) -> str:
        return f"{stem}{kind}-{next(ids)}"

    def some(strategy: st.SearchStrategy[Any], low: int = 0) -> list[Any]:
        return draw(st.lists(strategy, min_size=low, max_size=max_items))

    segments = [
        Segment(id=new_id("seg"), name=draw(text), kind=draw(st.sampled_from(SegmentKind)), criteria=draw(words))
        for _ in some(st.just(0))
    ]
    personas = [
        Persona(
            id=new_id("persona"),
            name=draw(text),
            segment=draw(_maybe(st.sampled_from([s.id for s in segments]))) if segments else None,
            quote=draw(_maybe(text)),
            goals=draw(words),
            day=draw(st.lists(st.builds(DayStep, time=st.just("07:30"), activity=text), max_size=2)),
        )
        for _ in some(st.just(0))
    ]
    stages = [
        Stage(
            id=new_id("stage"),
            title=draw(text),
            kind=draw(st.sampled_from(StageKind)),
            description=draw(_maybe(text)),
            metrics=draw(_metrics),
        )
        for _ in some(st.just(0), low=1)
    ]
    lanes = [
        Lane(id=new_id("lane"), kind=draw(st.sampled_from(LaneKind)), title=draw(_maybe(text)))
        for _ in some(st.just(0), low=1)
    ]
    touchpoints = [
        Touchpoint(
            id=new_id("tp"),
            title=draw(text),
            stage=stage.id,
            channel=draw(_maybe(st.sampled_from(Channel))),
            direction=draw(_maybe(st.sampled_from(Direction))),
            owner=draw(_maybe(st.builds(Owner, department=_maybe(text), person=_maybe(text)))),
            description=draw(_maybe(text)),
            actions=draw(words),
            thoughts=draw(words),
            emotion=draw(_maybe(st.builds(Emotion, score=_floats(-2, 2), label=_maybe(text)))),
            moment_of_truth=draw(st.booleans()),
            importance=draw(_pairs),
            performance=draw(_pairs),
            metrics=draw(_metrics),
            annotations=draw(_maybe(_annotations)),
        )
        for stage in stages
        for _ in some(st.just(0))
    ]
    tp_ids = [t.id for t in touchpoints]
    for tp in touchpoints:
        others = [i for i in tp_ids if i != tp.id]
        if others:
            tp.connections = draw(
                st.lists(st.builds(Connection, to=st.sampled_from(others), label=_maybe(text)), max_size=2)
            )
    maybe_tp = _maybe(st.sampled_from(tp_ids)) if tp_ids else st.none()
    pain_points = [
        PainPoint(
            id=new_id("pain"),
            title=draw(text),
            stage=stage.id,
            touchpoint=draw(maybe_tp),
            frequency=draw(_maybe(st.integers(0, 1000))),
            severity=draw(_maybe(_floats(0, 10))),
            evidence=draw(st.lists(st.builds(Evidence, text=text, provenance=_maybe(provenances)), max_size=2)),
        )
        for stage in stages
        for _ in some(st.just(0))
    ]
    pain_ids = [p.id for p in pain_points]
    opportunities = [
        Opportunity(
            id=new_id("opp"),
            title=draw(text),
            stage=stage.id,
            touchpoint=draw(maybe_tp),
            action=draw(_maybe(text)),
            status=draw(st.sampled_from(OpportunityStatus)),
            target=draw(_maybe(st.builds(TargetMetric, metric=text, target=_maybe(_floats(0, 100))))),
            addresses=draw(st.lists(st.sampled_from(pain_ids), unique=True, max_size=2)) if pain_ids else [],
        )
        for stage in stages
        for _ in some(st.just(0))
    ]
    notes = [
        Note(
            id=new_id("note"),
            lane=draw(st.sampled_from([lane.id for lane in lanes])),
            stage=stage.id,
            text=draw(text),
            touchpoint=draw(maybe_tp),
        )
        for stage in stages
        for _ in some(st.just(0))
    ]
    return Journey(
        id=new_id("journey"),
        title=draw(text),
        map_type=draw(st.sampled_from(MapType)),
        scenario=draw(st.sampled_from(Scenario)),
        description=draw(_maybe(text)),
        scope=Scope(goals=draw(words), channels=draw(st.lists(st.sampled_from(Channel), max_size=2))),
        emotion_scale=Scale(min=-2, max=2, labels=draw(st.dictionaries(st.sampled_from(["-2", "2"]), text))),
        segments=segments,
        personas=personas,
        stages=stages,
        lanes=lanes,
        touchpoints=touchpoints,
        pain_points=pain_points,
        opportunities=opportunities,
        notes=notes,
    )


_MODELS: dict[str, type[BaseModel]] = {
    "journey": Journey,
    "segment": Segment,
    "persona": Persona,
    "stage": Stage,
    "lane": Lane,
    "touchpoint": Touchpoint,
    "pain_point": PainPoint,
    "opportunity": Opportunity,
    "note": Note,
}
ALL_CARRIED: dict[str, frozenset[str]] = {
    kind: frozenset([*model.model_fields, "order"]) for kind, model in _MODELS.items()
}
"""A ``carried`` table for a board that shows every field of every kind."""
