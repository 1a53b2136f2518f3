"""The HubSpot commands end to end with ``--sandbox``: discover, pull, validate, sync with --crm."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_runner import cli

from cjm_sync.files import load_journey
from cjm_sync.plugins.window import Window, parse_window

JOURNEY = """\
schema_version: 2
id: saas
title: SaaS 旅程
stages:
  - id: consider
    title: Qualified to buy
    sources: [hubspot:deal-stage:default:qualifiedtobuy]   # deals
  - id: use
    title: Use
touchpoints:
  - id: support
    title: Support hotline ☎️
    stage: use
    channel: phone
    sources: [hubspot:calls:INBOUND, hubspot:tickets:PHONE]
  - id: survey
    title: NPS survey
    stage: use
    channel: email
    sources: [hubspot:feedback_submissions:NPS]
  - id: chat
    title: WhatsApp chat
    stage: use
    channel: chat
"""


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CJM_SYNC_CONFIG", raising=False)
    Path("saas.yaml").write_text(JOURNEY, encoding="utf-8")
    Path("cjm-sync.toml").write_text("[connectors.hubspot]\nsandbox_records = 800\n", encoding="utf-8")
    return tmp_path


def test_discover_lists_stages_in_order_and_touchpoint_keys(here: Path) -> None:
    code, out, err = cli("discover", "hubspot", "--sandbox", "--journey", "saas.yaml", "--window", "P90D", "--json")
    assert code == 0, err
    data = json.loads(out)
    keys = [s["key"] for s in data["stages"]]
    assert keys[:7] == [
        f"hubspot:deal-stage:default:{s}"
        for s in ["appointmentscheduled", "qualifiedtobuy", "presentationscheduled", "decisionmakerboughtin",
                  "contractsent", "closedwon", "closedlost"]
    ]  # fmt: skip
    assert "hubspot:lifecycle:1125478932" in keys  # the custom, numeric lifecycle stage
    assert [s["order"] for s in data["stages"][:7]] == list(range(7))
    assert {"key", "label", "order", "entered"} <= set(data["stages"][0])
    tp = {t["key"]: t for t in data["touchpoints"]}
    assert {"key", "label", "count", "count_previous"} <= set(tp["hubspot:calls:INBOUND"])
    assert all(t["count"] or t["count_previous"] for t in data["touchpoints"])
    assert "hubspot:calls:INBOUND" not in data["unassigned"]
    assert "hubspot:communications:WHATS_APP" in data["unassigned"]
    suggested = {(s["key"], s["entity"]): s["reason"] for s in data["suggestions"]}
    assert suggested[("hubspot:communications:WHATS_APP", "touchpoint:chat")] == "channel chat, title words"


def test_pull_fills_metrics_with_provenance_keeping_comments(here: Path) -> None:
    code, out, err = cli("pull", "hubspot", "--journey", "saas.yaml", "--sandbox", "--window", "60d", "--json")
    assert code == 0, err
    report = json.loads(out)
    assert report["api_calls"]["by_connector"]["hubspot"]["by_kind"]["search"] > 0
    journey = load_journey(Path("saas.yaml")).journey
    support = {m.id: m for m in journey.touchpoints[0].metrics}
    assert set(support) == {
        "volume",
        "volume-previous",
        "volume-change",
        "time-to-first-reply",
        "time-to-close",
        "time-to-first-reply-previous",
        "time-to-close-previous",
    }
    assert support["volume"].provenance.source.value == "hubspot"
    assert support["volume"].provenance.window == report["window"]
    start, end = report["window"].split("/")
    as_of = support["volume"].provenance.as_of
    before = Window.ending(as_of, parse_window("60d")).previous
    for metric in ("volume-previous", "time-to-close-previous"):  # a -previous value covers the window before
        assert support[metric].provenance.window == before.iso()
        assert support[metric].provenance.as_of == as_of  # the run's as-of, like every value of the run
    assert support["volume-change"].provenance.window == f"{before.iso().split('/')[0]}/{end}"
    assert before.iso().split("/")[1] == start
    assert "# deals" in Path("saas.yaml").read_text(encoding="utf-8")
    assert journey.touchpoints[2].metrics == []  # no sources, no metrics
    code, out, _ = cli("pull", "hubspot", "--journey", "saas.yaml", "--sandbox", "--dry-run")
    assert code == 0


def test_validate_rejects_malformed_hubspot_keys(here: Path) -> None:
    Path("bad.yaml").write_text(JOURNEY.replace("hubspot:deal-stage:default:qualifiedtobuy", "hubspot:deal-stage:x"))
    code, _, err = cli("validate", "bad.yaml")
    assert code == 2
    assert "bad.yaml:7:" in err
    assert "hubspot:deal-stage:<pipelineId>:<stageId>" in err


def test_sync_with_crm_pulls_then_pushes_the_board(here: Path) -> None:
    code, out, err = cli(
        "sync", "--journey", "saas.yaml", "--board", "uXjVOhub123=", "--sandbox", "--crm", "hubspot", "--json"
    )
    assert code == 0, err + out
    report = json.loads(out)
    assert set(report["api_calls"]["by_connector"]) == {"miro", "hubspot"}
    assert any(c["key"] == "touchpoint:support" for c in report["metric_changes"])
    assert load_journey(Path("saas.yaml")).journey.touchpoints[0].metrics


def test_a_pull_whose_values_did_not_move_says_so_instead_of_printing_them_twice(here: Path) -> None:
    """Moving the as-of by a second moves every window, not the sandbox portal's values: the text names the
    new window rather than showing two identical value lists."""
    assert cli("pull", "hubspot", "--journey", "saas.yaml", "--sandbox", "--as-of", "2026-11-01T00:00:00Z")[0] == 0
    code, out, err = cli("pull", "hubspot", "--journey", "saas.yaml", "--sandbox", "--as-of", "2026-11-01T00:00:01Z")
    assert code == 0, err
    unchanged = [line for line in out.splitlines() if "values unchanged" in line]
    assert unchanged
    assert all("window now 2026-10-02T00:00:01Z/2026-11-01T00:00:01Z" in line for line in unchanged)
    assert not [line for line in out.splitlines() if " → " in line and "metrics:" in line and "values" not in line]
