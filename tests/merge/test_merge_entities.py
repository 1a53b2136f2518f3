"""Flattening a journey into entities and building it back."""

from __future__ import annotations

import pytest
from hypothesis import given, settings

from cjm_sync.merge import build_journey, flatten
from cjm_sync.schema import Emotion, Journey, Lane, LaneKind, Note, Owner, Stage, Touchpoint
from merge.strategies import journeys

JOURNEY = Journey(
    id="onboarding",
    title="Onboarding 入门",
    stages=[Stage(id="aware", title="Aware"), Stage(id="join", title="Join 加入")],
    lanes=[Lane(id="thoughts", kind=LaneKind.THOUGHTS)],
    touchpoints=[
        Touchpoint(id="ad", title="Ad", stage="aware"),
        Touchpoint(id="form", title="Form", stage="join", owner=Owner(department="Web"), emotion=Emotion(score=-1)),
        Touchpoint(id="mail", title="Mail 📧", stage="join"),
    ],
    notes=[Note(id="n1", lane="thoughts", stage="join", text="hmm")],
)


def test_keys_dotted_fields_and_orders() -> None:
    entities = flatten(JOURNEY)
    assert sorted(entities) == [
        "journey:onboarding",
        "lane:thoughts",
        "note:n1",
        "stage:aware",
        "stage:join",
        "touchpoint:ad",
        "touchpoint:form",
        "touchpoint:mail",
    ]
    form = entities["touchpoint:form"]
    assert (form["owner.department"], form["emotion.score"], form["order"]) == ("Web", -1, 0)
    assert "owner" not in form
    assert "emotion.label" in form
    assert "emotion.score" not in entities["touchpoint:ad"]  # absent model: no keys at all
    assert [entities[f"touchpoint:{t}"]["order"] for t in ("ad", "form", "mail")] == [0, 0, 1]
    assert entities["stage:join"]["order"] == 1
    assert entities["journey:onboarding"]["scope.goals"] == []
    assert "schema_version" not in entities["journey:onboarding"]


def test_build_orders_by_stage_then_order() -> None:
    entities = flatten(JOURNEY)
    entities["touchpoint:mail"]["order"] = -1
    entities["touchpoint:ad"]["stage"] = "join"
    entities["touchpoint:ad"]["order"] = 5
    entities["stage:join"]["order"] = -1
    rebuilt = build_journey(entities)
    assert [s.id for s in rebuilt.stages] == ["join", "aware"]
    assert [t.id for t in rebuilt.touchpoints] == ["mail", "form", "ad"]


def test_interleaved_items_are_grouped_by_stage() -> None:
    interleaved = JOURNEY.model_copy(update={"touchpoints": JOURNEY.touchpoints[::-1]})
    rebuilt = build_journey(flatten(interleaved))
    assert [t.id for t in rebuilt.touchpoints] == ["ad", "mail", "form"]
    assert flatten(rebuilt) == flatten(interleaved)


def test_template_supplies_journey_fields_and_version() -> None:
    entities = flatten(JOURNEY)
    del entities["journey:onboarding"]
    rebuilt = build_journey(entities, JOURNEY.model_copy(update={"schema_version": 1}))
    assert (rebuilt.id, rebuilt.title, rebuilt.schema_version) == ("onboarding", "Onboarding 入门", 1)


@pytest.mark.parametrize(
    ("entities", "message"),
    [
        ({}, "no journey entity"),
        ({"journey:a": {"title": "A"}, "journey:b": {"title": "B"}}, "more than one journey"),
        ({"journey:a": {"title": "A"}, "widget:x": {}}, "unknown entity kind"),
    ],
    ids=["no-journey", "two-journeys", "unknown-kind"],
)
def test_build_errors(entities: dict[str, dict[str, object]], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        build_journey(entities)


def test_duplicate_ids_are_refused() -> None:
    twice = JOURNEY.model_copy(update={"touchpoints": [*JOURNEY.touchpoints, JOURNEY.touchpoints[0]]})
    with pytest.raises(ValueError, match="duplicate id 'ad'"):
        flatten(twice)


@settings(deadline=None)  # example count: the profile in tests/conftest.py
@given(journeys())
def test_round_trip(journey: Journey) -> None:
    assert build_journey(flatten(journey)) == journey
