"""A source key feeds one kind of entity: ``validate`` rejects a stage key on a touchpoint and a
touchpoint key on a stage (issue 9: "validate rejects malformed keys — wrong shape for their kind"),
naming the line, for every CRM connector; keys in their place pass."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_runner import cli

BPF = "dynamics:bpf:leadtoopportunitysalesprocesses:3a275c22-fc45-4e89-97fc-41e5ec578743"
TEMPLATE = """\
schema_version: 2
id: roles
title: Roles
stages:
  - id: consider
    title: Consider
    sources: [{stage}]
touchpoints:
  - id: call
    title: Call
    stage: consider
    sources: [{touchpoint}]
"""
CASES = [
    ("hubspot:deal-stage:default:qualifiedtobuy", "hubspot:calls:INBOUND"),
    ("hubspot:lifecycle:lead", "hubspot:feedback_submissions:NPS"),
    ("hubspot:ticket-stage:0:1", "hubspot:tickets:CHAT"),
    (BPF, "dynamics:phonecall:incoming"),
]


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CJM_SYNC_CONFIG", raising=False)
    return tmp_path


@pytest.mark.parametrize(("stage", "touchpoint"), CASES)
def test_keys_in_their_place_pass_and_swapped_keys_are_rejected_at_their_lines(
    here: Path, stage: str, touchpoint: str
) -> None:
    Path("ok.yaml").write_text(TEMPLATE.format(stage=stage, touchpoint=touchpoint), encoding="utf-8")
    code, _, err = cli("validate", "ok.yaml")
    assert code == 0, err
    Path("swapped.yaml").write_text(TEMPLATE.format(stage=touchpoint, touchpoint=stage), encoding="utf-8")
    code, _, err = cli("validate", "swapped.yaml")
    assert code == 2
    lines = {line.split(":")[1]: line for line in err.splitlines() if line.startswith("swapped.yaml:")}
    assert sorted(lines) == ["12", "7"]
    assert "stages[0].sources[0]" in lines["7"]
    assert "is a touchpoint key" in lines["7"]
    assert "touchpoints[0].sources[0]" in lines["12"]
    assert "is a stage key" in lines["12"]


def test_a_customer_insights_journey_key_fits_a_stage_or_a_touchpoint(here: Path) -> None:
    key = "dynamics:msdynmkt_journey:0b8e2f0a-8f7d-4a39-9d4e-2f4f1c2b9a11"
    Path("cij.yaml").write_text(TEMPLATE.format(stage=key, touchpoint=key), encoding="utf-8")
    code, _, err = cli("validate", "cij.yaml")
    assert code == 0, err


def test_a_key_the_schema_rejects_does_not_hide_the_other_bad_keys(here: Path) -> None:
    """One key of the wrong case (the schema's error) and four others wrong for other reasons: all five
    are reported at once, each at its line and column."""
    text = TEMPLATE.format(
        stage="hubspot:calls:INBOUND",
        touchpoint="'HubSpot:Calls:INBOUND', hubspot:deal-stage:default:closedwon, hubspot:calls, nosuch:thing",
    )
    Path("many.yaml").write_text(text, encoding="utf-8")
    code, _, err = cli("validate", "many.yaml")
    assert code == 2
    assert "5 problem(s) found" in err
    for where in ("stages[0].sources[0]", *(f"touchpoints[0].sources[{i}]" for i in range(4))):
        assert sum(where + ":" in line for line in err.splitlines()) == 1, where


def test_a_connector_with_the_one_argument_check_still_validates_shapes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Third-party CRM connectors written against ``check_source_key(cls, key)`` keep working."""
    from fake_crm import FakeCrm

    from cjm_sync.plugins import crm_keys

    class OldStyle(FakeCrm):
        @classmethod
        def check_source_key(cls, key: str) -> str | None:  # type: ignore[override]
            return None if key.endswith(":ok") else f"'{key}' is not analytics:<x>:ok"

    installed = crm_keys.available_connectors()
    monkeypatch.setattr(crm_keys, "available_connectors", lambda: {*installed, "analytics"})
    monkeypatch.setattr(crm_keys, "load_connector", lambda name: OldStyle)
    checker = crm_keys._checker("analytics")
    assert callable(checker)
    assert checker("analytics:a:ok", "stage") is None
    assert checker("analytics:a:no", "touchpoint") == "'analytics:a:no' is not analytics:<x>:ok"
