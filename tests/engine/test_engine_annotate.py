"""The engine's annotate step: runs on the merged journey, shows in plan/--json/change log, no churn."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import count

from engine_support import Env, base_journey, find
from memory_board import CARRIED, MemoryBoard

from cjm_sync.analysis import AnalysisSettings, annotate
from cjm_sync.engine.annotation import HAND_EDIT
from cjm_sync.schema import Journey, Metric, Provenance, Rating, RatingPair, Source

MANUAL = Provenance(source=Source.MANUAL)


def _rated() -> Journey:
    journey = base_journey()
    for tp, (imp, perf) in zip(journey.touchpoints, [(5, 1), (2, 4), (4, 4)], strict=True):
        tp.importance = RatingPair(internal=Rating(value=imp, provenance=MANUAL))
        tp.performance = RatingPair(internal=Rating(value=perf, provenance=MANUAL))
    return journey


def _clock_step() -> tuple[list[datetime], object]:
    ticks = count()
    stamps: list[datetime] = []

    def step(journey: Journey) -> Journey:
        now = datetime(2026, 11, 1, tzinfo=UTC) + timedelta(hours=next(ticks))
        stamps.append(now)
        return annotate(journey, AnalysisSettings(crosshair="scale"), now)[0]

    return stamps, step


def _env(fresh: Env) -> Env:
    fresh.board = MemoryBoard(carried={**CARRIED, "touchpoint": CARRIED["touchpoint"] | {"importance"}})
    fresh.write(_rated())
    return fresh


def test_annotations_are_computed_on_the_merged_journey_and_planned_like_any_change(fresh: Env) -> None:
    env = _env(fresh)
    _, step = _clock_step()
    first = env.sync(annotate=[step])
    changed = {c.key: {f.field for f in c.fields} for c in first.file_changes}
    assert "annotations.ipa_quadrant" in changed["touchpoint:ad"]  # annotation changes reach the plan
    assert find(env.journey(), "touchpoint:ad").annotations.ipa_quadrant.value == "concentrate_here"
    # a person raises the website's importance on the board: the same sync re-places it
    rating = {"internal": {"value": 5.0, "provenance": {"source": "manual"}}}
    env.board.human("mei").edit("touchpoint:web", importance=rating)
    plan = env.sync(annotate=[step], dry_run=True)
    planned = [(c.key, f.field, f.old, f.new) for c in plan.file_changes for f in c.fields]
    assert ("touchpoint:web", "annotations.ipa_quadrant", "possible_overkill", "keep_up_the_good_work") in planned
    report = env.sync(annotate=[step])
    assert find(env.journey(), "touchpoint:web").annotations.ipa_quadrant.value == "keep_up_the_good_work"
    logged = [(c.key, c.field, c.new) for c in env.store.changes("trip", run_id=report.run_id)]
    assert ("touchpoint:web", "annotations.ipa_quadrant", "keep_up_the_good_work") in logged


def test_an_unchanged_rerun_writes_nothing_and_keeps_computed_at(fresh: Env) -> None:
    env = _env(fresh)
    stamps, step = _clock_step()
    env.sync(annotate=[step])
    written = env.bytes()
    report = env.sync(annotate=[step])  # the clock moved an hour: computed_at must not
    assert len(stamps) == 2
    assert not report.has_changes
    assert report.file_written is False
    assert env.bytes() == written
    assert find(env.journey(), "touchpoint:ad").annotations.computed_at == stamps[0]


def test_a_hand_edit_of_annotations_is_overwritten_and_reported(fresh: Env) -> None:
    env = _env(fresh)
    _, step = _clock_step()
    env.sync(annotate=[step])

    def tamper(journey: Journey) -> None:
        ann = find(journey, "touchpoint:ad").annotations
        ann.ipa_quadrant = "low_priority"
        ann.priority = 99.0

    env.edit_file(tamper)
    report = env.sync(annotate=[step])
    over = {(o.field, o.old, o.new) for o in report.overwritten if o.key == "touchpoint:ad"}
    assert ("annotations.ipa_quadrant", "low_priority", "concentrate_here") in over
    assert ("annotations.priority", 99.0, None) in over
    assert {o.reason for o in report.overwritten} == {HAND_EDIT}
    assert find(env.journey(), "touchpoint:ad").annotations.ipa_quadrant.value == "concentrate_here"
    logged = [c for c in env.store.changes("trip", run_id=report.run_id) if c.field == "annotations.ipa_quadrant"]
    assert [(c.old, c.new, c.reason) for c in logged] == [("low_priority", "concentrate_here", HAND_EDIT)]
    assert not env.sync(annotate=[step]).has_changes


def test_without_an_annotate_step_nothing_is_annotated(fresh: Env) -> None:
    env = _env(fresh)
    env.sync()
    assert all(t.annotations is None for t in env.journey().touchpoints)


def test_crm_facts_reach_the_annotations_in_the_same_run(fresh: Env) -> None:
    """The facts step runs before the merge and annotate after it: a CSAT pulled in this run places the
    touchpoint with external performance derived from it (1 + 90/100 × 4 = 4.6)."""
    env = _env(fresh)
    crm = Provenance(source=Source.HUBSPOT, sample_size=40)

    def facts(journey: Journey) -> Journey:
        journey = journey.model_copy(deep=True)
        ad = find(journey, "touchpoint:ad")
        ad.importance = RatingPair(
            external=Rating(value=4, provenance=Provenance(source=Source.SURVEY, sample_size=30))
        )
        ad.metrics = [Metric(id="csat", value=90, unit="%", provenance=crm)]
        return journey

    _, step = _clock_step()
    report = env.sync(facts=[facts], annotate=[step])
    ann = find(env.journey(), "touchpoint:ad").annotations
    assert ann.view.value == "external"
    assert ann.performance == 4.6
    assert "csat 90%" in ann.method
    fields = {f.field for c in report.file_changes if c.key == "touchpoint:ad" for f in c.fields}
    assert {"metrics", "annotations.performance"} <= fields
