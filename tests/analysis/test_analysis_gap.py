"""GAP analysis on a current/future pair: added, removed, replaced, changed; targets vs actuals."""

from __future__ import annotations

from pathlib import Path

import pytest
from analysis_cli import run, run_json

CURRENT = """\
schema_version: 2
id: onboarding
title: Onboarding
stages:
  - {id: signup, title: Sign up}
  - {id: setup, title: Set up}
  - {id: wait, title: Waiting for approval}
touchpoints:
  - id: paper-form
    title: Paper form
    stage: signup
    metrics:
      - {id: completion, value: 40, unit: '%', provenance: {source: analytics}}
  - id: welcome-mail
    title: Welcome mail
    stage: setup
  - id: fax
    title: Fax confirmation
    stage: wait
  - id: kickoff
    title: Kick-off call
    stage: setup
    channel: phone
"""

FUTURE = """\
schema_version: 2
id: onboarding-future
title: Onboarding (future)
map_type: future_state
future_state_of: onboarding
stages:
  - {id: signup, title: Sign up in 2 minutes}
  - {id: setup, title: Set up}
touchpoints:
  - id: web-form
    title: Web form
    stage: signup
    replaces: [onboarding/paper-form]
  - id: welcome-mail
    title: Welcome mail
    stage: setup
  - id: kickoff
    title: Kick-off call
    stage: setup
    channel: chat
  - id: in-app-tour
    title: In-app tour
    stage: setup
opportunities:
  - id: digital-form
    title: Replace the paper form
    stage: signup
    touchpoint: web-form
    target: {metric: completion, target: 85, unit: '%', by: 2027-Q2}
  - id: tour
    title: Guided tour
    stage: setup
    touchpoint: in-app-tour
    target: {metric: activation, baseline: 20, target: 50, unit: '%'}
"""


def test_gap_lists_added_removed_replaced_changed_and_target_distances(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (workdir / "current.yaml").write_text(CURRENT, encoding="utf-8")
    (workdir / "future.yaml").write_text(FUTURE, encoding="utf-8")
    data = run_json(capsys, "gap", "current.yaml", "future.yaml")
    stages = {s["id"]: s["status"] for s in data["stages"]}
    assert stages == {"signup": "changed", "setup": "unchanged", "wait": "removed"}
    tps = {t["id"]: t for t in data["touchpoints"]}
    assert {k: t["status"] for k, t in tps.items()} == {
        "web-form": "added",
        "welcome-mail": "unchanged",
        "kickoff": "changed",
        "in-app-tour": "added",
        "paper-form": "replaced",
        "fax": "removed",
    }
    assert tps["paper-form"]["replaced_by"] == ["web-form"]
    assert tps["web-form"]["replaces"] == ["paper-form"]
    assert tps["kickoff"]["changes"] == [{"field": "channel", "current": "phone", "future": "chat"}]
    targets = {t["opportunity"]: t for t in data["targets"]}
    # completion is measured on the touchpoint the new web form replaces: 40 → 85 is 45 to go
    assert targets["digital-form"]["current"] == 40
    assert targets["digital-form"]["distance"] == 45
    assert "paper-form" in targets["digital-form"]["current_source"]
    assert targets["tour"]["current"] == 20  # no measured value: the baseline
    assert targets["tour"]["distance"] == 30
    assert data["notes"] == []


def test_gap_text_and_a_replaces_that_points_nowhere(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (workdir / "current.yaml").write_text(CURRENT, encoding="utf-8")
    (workdir / "future.yaml").write_text(FUTURE.replace("onboarding/paper-form", "onboarding/telex"), encoding="utf-8")
    code, out = run(capsys, "gap", "current.yaml", "future.yaml")
    assert code == 0
    assert "removed  paper-form" in out
    assert "'onboarding' has no touchpoint 'telex'" in out


def test_gap_on_a_missing_file_is_a_usage_error(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (workdir / "current.yaml").write_text(CURRENT, encoding="utf-8")
    code, out = run(capsys, "gap", "current.yaml", "nope.yaml")
    assert code == 2
    assert "nope.yaml" in out
