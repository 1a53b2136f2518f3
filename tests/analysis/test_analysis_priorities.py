"""Pain-point priority, bottlenecks, moments of truth and the action plan on a worked example."""

from __future__ import annotations

from pathlib import Path

from cjm_sync.analysis import AnalysisSettings, analyse
from cjm_sync.files import parse_journey
from cjm_sync.schema import Journey

JOURNEY = """\
schema_version: 2
id: support
title: Support
stages:
  - id: ask
    title: Ask
    owner: {department: Support}
    metrics:
      - {id: conversion, value: 60, unit: '%', provenance: {source: hubspot, sample_size: 200}}
      - {id: time-in-stage, value: 2.5, unit: days, provenance: {source: hubspot, sample_size: 120}}
  - id: fix
    title: Fix
    metrics:
      - {id: conversion, value: 85, unit: '%', provenance: {source: hubspot, sample_size: 120}}
      - {id: time-in-stage, value: 6, unit: days, provenance: {source: hubspot, sample_size: 100}}
touchpoints:
  - id: form
    title: Contact form
    stage: ask
    emotion: {score: 1}
    importance: {internal: {value: 5, provenance: {source: manual}}}
    performance: {internal: {value: 1, provenance: {source: manual}}}
    metrics:
      - {id: volume, value: 80, unit: count, provenance: {source: hubspot}}
      - {id: volume-previous, value: 100, unit: count, provenance: {source: hubspot}}
      - {id: time-to-first-reply, value: 30, unit: hours, provenance: {source: hubspot}}
      - {id: time-to-first-reply-previous, value: 20, unit: hours, provenance: {source: hubspot}}
  - id: bot
    title: Chat bot
    stage: ask
    emotion: {score: -1.5}
    importance: {internal: {value: 1, provenance: {source: manual}}}
    performance: {internal: {value: 5, provenance: {source: manual}}}
    metrics:
      - {id: nps, value: 10, unit: score, provenance: {source: hubspot}}
      - {id: nps-previous, value: 5, unit: score, provenance: {source: hubspot}}
  - id: agent
    title: Agent call
    stage: fix
    owner: {person: Li Wei, department: Care}
    moment_of_truth: true
    emotion: {score: -1}
    metrics:
      - {id: negative-share, value: 30, unit: '%', provenance: {source: hubspot}}
pain_points:
  - {id: p1, title: Waits on hold, stage: fix, touchpoint: agent, frequency: 4, severity: 9}
  - {id: p2, title: Form loses input, stage: ask, touchpoint: form, frequency: 12, severity: 3,
     evidence: [{text: "I typed it all twice"}]}
  - {id: p3, title: Bot loops, stage: ask, touchpoint: bot, frequency: 6, severity: 6}
  - {id: p4, title: No status page, stage: fix, frequency: 9, severity: 4}
  - {id: p5, title: Unclear prices, stage: ask, frequency: 3}
  - {id: p6, title: Slow refunds, stage: fix, frequency: 1, severity: 2}
  - {id: p7, title: Lost emails, stage: fix, frequency: 2, severity: 1}
opportunities:
  - {id: o1, title: Autosave the form, stage: ask, touchpoint: form, action: Save drafts every 5 seconds,
     owner_team: Web, target: {metric: time-to-first-reply, baseline: 30, target: 12, unit: hours}}
  - {id: o2, title: Callback queue, stage: fix, addresses: [p1], owner_team: Care}
  - {id: o3, title: Old idea, stage: fix, addresses: [p4], action: Status page, status: dropped}
"""


def _journey() -> Journey:
    return parse_journey(Path("support.yaml"), JOURNEY)[0]


def test_priority_ranking_worked_example() -> None:
    ranking = analyse(_journey(), AnalysisSettings()).pain_points
    # by hand: p1 4×9=36, p2 12×3=36, p3 6×6=36, p4 9×4=36 → all tie at 36: higher frequency first
    # (p2 12, p4 9, p3 6, p1 4); then p7 2×1=2 and p6 1×2=2 tie: p7 (frequency 2) first
    assert [(i.pain_point.id, i.priority, i.rank) for i in ranking.ranked] == [
        ("p2", 36, 1),
        ("p4", 36, 2),
        ("p3", 36, 3),
        ("p1", 36, 4),
        ("p7", 2, 5),
        ("p6", 2, 6),
    ]
    assert [(i.pain_point.id, i.missing) for i in ranking.unscored] == [("p5", ["severity"])]
    assert ranking.ranked[0].pain_point.evidence[0].text == "I typed it all twice"
    assert ranking.by_touchpoint() == {"form": 36, "bot": 36, "agent": 36}


def test_bottlenecks_rank_stages_and_size_worsened_metrics() -> None:
    b = analyse(_journey(), AnalysisSettings()).bottlenecks
    assert [(f.stage, f.value) for f in b.drop_off] == [("ask", 40), ("fix", 15)]
    assert [(f.stage, f.value) for f in b.time_in_stage] == [("fix", 6), ("ask", 2.5)]
    worse = {(w.key, w.metric): (w.previous, w.current, w.change, w.change_pct) for w in b.worsened}
    assert worse == {
        ("touchpoint:form", "time-to-first-reply"): (20, 30, 10, 50.0),
        ("touchpoint:form", "volume"): (100, 80, -20, -20.0),
    }  # the bot's NPS rose: not a worsening


def test_moments_of_truth_keep_flags_and_suggest_with_reasons() -> None:
    moments = {m.touchpoint: m for m in analyse(_journey(), AnalysisSettings()).moments}
    assert moments["agent"].suggested is False
    assert moments["agent"].reasons[0] == "flagged by the team"
    assert any("negative-share 30%" in r for r in moments["agent"].reasons)
    # internal crosshair: importance (5+1)/2=3, performance (1+5)/2=3 → form (5, 1) concentrate here
    assert moments["form"].suggested is True
    assert any("concentrate here" in r for r in moments["form"].reasons)
    # bot: emotion 1 → -1.5 is a swing of 2.5 ≥ 2 (half of the −2..2 scale)
    assert any("emotion swings -2.5" in r for r in moments["bot"].reasons)


def test_action_plan_owner_fallback_and_callouts() -> None:
    plan = {a.subject: a for a in analyse(_journey(), AnalysisSettings()).actions}
    assert list(plan) == [
        "touchpoint:form",
        "pain_point:p2",
        "pain_point:p4",
        "pain_point:p3",
        "pain_point:p1",
        "pain_point:p7",
    ]
    form = plan["touchpoint:form"]
    assert form.owner == "Support"  # no touchpoint owner: the stage's
    assert [o.id for o in form.opportunities] == ["o1"]
    assert form.callouts == []
    p4 = plan["pain_point:p4"]
    assert p4.owner is None  # stage fix has no owner, p4 has no touchpoint
    assert p4.opportunities == []  # o3 was dropped
    assert p4.callouts == ["no owner", "no concrete action"]
    p1 = plan["pain_point:p1"]
    assert p1.owner == "Li Wei (Care)"
    assert [o.id for o in p1.opportunities] == ["o2"]
    assert p1.callouts == ["no concrete action", "no target for 'o2'"]
