"""The CRM side of the engine through the CLI, with a fake connector: validate checks keys, ``pull <crm>``
writes metrics with provenance under a run record, caches and watermarks commit only with success."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cli_runner import cli
from fake_crm import FakeCrm

from cjm_sync.files import load_journey
from cjm_sync.state import open_store

AS_OF = "2026-11-01T00:00:00Z"
T0 = datetime(2026, 11, 1, tzinfo=UTC)

JOURNEY = """\
# the CX team's journey
schema_version: 2
id: trip
title: Trip 旅程
stages:
  - id: aware
    title: Aware
    sources: [analytics:leads]
  - id: buy
    title: Buy
touchpoints:
  - id: call
    title: Call 📞
    stage: aware
    channel: phone
    sources: [analytics:calls, analytics:calls]   # listed twice: counted once
    metrics:
      - id: typed
        value: 3
        provenance: {source: manual}
  - id: mail
    title: Mail
    stage: buy
"""


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CJM_SYNC_CONFIG", raising=False)
    (tmp_path / "trip.yaml").write_text(JOURNEY, encoding="utf-8")
    return tmp_path


def seed(*rows: tuple[str, str, timedelta, timedelta]) -> None:
    FakeCrm.records = [(rid, kind, T0 - at, T0 - modified) for rid, kind, at, modified in rows]


def metrics(entity_id: str) -> dict[str, Any]:
    journey = load_journey(Path("trip.yaml")).journey
    for item in [*journey.stages, *journey.touchpoints]:
        if item.id == entity_id:
            return {m.id: m for m in item.metrics}
    raise KeyError(entity_id)


def test_validate_rejects_malformed_keys_naming_the_line(here: Path) -> None:
    text = JOURNEY.replace("sources: [analytics:leads]", "sources: [analytics:12]").replace(
        "[analytics:calls, analytics:calls]", "[nosuch:thing, analytics:calls]"
    )
    Path("bad.yaml").write_text(text, encoding="utf-8")
    code, _, err = cli("validate", "bad.yaml")
    assert code == 2
    assert "bad.yaml:8:" in err
    assert "stages[0].sources[0]" in err
    assert "analytics:<letters>" in err
    assert "bad.yaml:16:" in err
    assert "unknown CRM connector 'nosuch'" in err
    Path("space.yaml").write_text(JOURNEY.replace("[analytics:leads]", "['analytics: leads']"), encoding="utf-8")
    code, _, err = cli("validate", "space.yaml")
    assert code == 2
    assert "space.yaml:8:" in err
    assert "is not a source key" in err
    assert cli("validate", "trip.yaml")[0] == 0


def test_pull_writes_metrics_with_provenance_and_keeps_comments(here: Path) -> None:
    seed(
        ("1", "calls", timedelta(days=1), timedelta(days=1)),
        ("2", "calls", timedelta(days=40), timedelta(days=40)),
        ("3", "leads", timedelta(hours=1), timedelta(0)),
    )
    code, out, err = cli("pull", "analytics", "--journey", "trip.yaml", "--as-of", AS_OF, "--window", "30d", "--json")
    assert code == 0, err + out
    report = json.loads(out)
    assert report["applied"]
    assert report["file_written"]
    assert report["window"] == "2026-10-02T00:00:00Z/2026-11-01T00:00:00Z"
    assert report["api_calls"]["by_connector"]["analytics"]["calls"] == 1
    assert {c["key"] for c in report["metric_changes"]} == {"stage:aware", "touchpoint:call"}
    call = metrics("call")
    assert call["typed"].value == 3  # a person's metric stays
    volume = call["volume"]
    assert (volume.value, volume.unit, volume.provenance.sample_size) == (1, "count", 1)
    assert volume.provenance.source.value == "analytics"
    assert volume.provenance.as_of == T0
    assert volume.provenance.window == "2026-10-02T00:00:00Z/2026-11-01T00:00:00Z"
    assert metrics("aware")["volume"].value == 1
    assert "value: 1\n" in Path("trip.yaml").read_text(encoding="utf-8")  # counts are integers
    assert "mail" not in {k for k, v in metrics("mail").items()}
    assert "# the CX team's journey" in Path("trip.yaml").read_text(encoding="utf-8")
    assert "# listed twice" in Path("trip.yaml").read_text(encoding="utf-8")
    assert FakeCrm.last_request is not None
    assert [link.sources for link in FakeCrm.last_request.links] == [("analytics:leads",), ("analytics:calls",)]

    store = open_store(".cjm-sync/state.db")
    try:
        (run,) = store.runs("trip")
        assert run.command == "pull"
        assert run.outcome is not None
        assert run.outcome.value == "ok"
        assert run.api_calls["by_connector"]["analytics"]["calls"] == 1
        logged = store.changes("trip", run_id=run.run_id)
        assert {c.key for c in logged} == {"stage:aware", "touchpoint:call"}
        assert {c.author for c in logged} == {"analytics"}
        # the watermark is the newest record's modification, capped at the run's start
        assert store.crm_watermark("trip", "analytics", "records") == T0
        assert store.crm_count("none", "trip", "analytics", "records") == 3
    finally:
        store.close()
    code, out, _ = cli("log", "--json")
    assert code == 0
    assert "touchpoint:call" in out


def test_watermark_is_capped_at_the_run_start(here: Path) -> None:
    future = datetime.now(UTC) + timedelta(days=365)
    FakeCrm.records = [("1", "calls", T0 - timedelta(days=1), future)]
    assert cli("pull", "analytics", "--journey", "trip.yaml", "--as-of", AS_OF)[0] == 0
    store = open_store(".cjm-sync/state.db")
    try:
        (run,) = store.runs("trip")
        assert store.crm_watermark("trip", "analytics", "records") == run.started_at
    finally:
        store.close()


def test_dry_run_plans_without_writing_file_or_state(here: Path) -> None:
    seed(("1", "calls", timedelta(days=1), timedelta(days=1)))
    before = Path("trip.yaml").read_bytes()
    code, out, err = cli("pull", "analytics", "--journey", "trip.yaml", "--as-of", AS_OF, "--dry-run")
    assert code == 0, err + out
    assert "touchpoint:call.metrics" in out
    assert "Plan only" in out
    assert Path("trip.yaml").read_bytes() == before
    store = open_store(".cjm-sync/state.db")
    try:
        assert store.runs("trip") == []
        assert store.crm_watermark("trip", "analytics", "records") is None
        assert store._query("SELECT COUNT(*) FROM crm_staged_records") == [(0,)]
        assert store._query("SELECT COUNT(*) FROM crm_records") == [(0,)]
    finally:
        store.close()


def test_a_failed_pull_leaves_journey_and_cache_untouched(here: Path) -> None:
    seed(("1", "calls", timedelta(days=1), timedelta(days=1)))
    assert cli("pull", "analytics", "--journey", "trip.yaml", "--as-of", AS_OF)[0] == 0
    store = open_store(".cjm-sync/state.db")
    mark = store.crm_watermark("trip", "analytics", "records")
    store.close()
    before = Path("trip.yaml").read_bytes()
    seed(("1", "calls", timedelta(days=1), timedelta(days=1)), ("2", "calls", timedelta(days=2), timedelta(0)))
    FakeCrm.fail_after_put = True
    code, _, err = cli("pull", "analytics", "--journey", "trip.yaml", "--as-of", AS_OF)
    assert code == 1
    assert "daily API limit" in err
    assert Path("trip.yaml").read_bytes() == before
    store = open_store(".cjm-sync/state.db")
    try:
        assert store.crm_watermark("trip", "analytics", "records") == mark
        assert store._query("SELECT record_id FROM crm_records") == [("1",)]
        assert store._query("SELECT COUNT(*) FROM crm_staged_records") == [(0,)]
        assert store.runs("trip")[0].outcome is not None
        assert store.runs("trip")[0].outcome.value == "failed"
    finally:
        store.close()
    FakeCrm.fail_after_put = False
    assert cli("pull", "analytics", "--journey", "trip.yaml", "--as-of", AS_OF)[0] == 0
    assert metrics("call")["volume"].value == 2


def test_incremental_pull_reads_only_changes_and_full_rereads(here: Path) -> None:
    seed(*[(str(i), "calls", timedelta(days=i % 20 + 1), timedelta(days=30)) for i in range(10)])
    assert cli("pull", "analytics", "--journey", "trip.yaml", "--as-of", AS_OF)[0] == 0
    assert FakeCrm.reads == 10
    FakeCrm.records.append(("x", "calls", T0 - timedelta(days=2), T0))
    FakeCrm.reads = 0
    assert cli("pull", "analytics", "--journey", "trip.yaml", "--as-of", AS_OF)[0] == 0
    assert FakeCrm.reads == 1
    assert metrics("call")["volume"].value == 11
    FakeCrm.reads = 0
    assert cli("pull", "analytics", "--journey", "trip.yaml", "--as-of", AS_OF, "--full")[0] == 0
    assert FakeCrm.reads == 11
    assert metrics("call")["volume"].value == 11


def test_removed_source_drops_the_stale_crm_metrics(here: Path) -> None:
    seed(("1", "calls", timedelta(days=1), timedelta(days=1)))
    assert cli("pull", "analytics", "--journey", "trip.yaml", "--as-of", AS_OF)[0] == 0
    text = Path("trip.yaml").read_text(encoding="utf-8")
    assert "sources: [analytics:calls, analytics:calls]   # listed twice" in text  # layout kept
    text = text.replace("    sources: [analytics:calls, analytics:calls]", "    sources: []")
    Path("trip.yaml").write_text(text, encoding="utf-8")
    assert cli("pull", "analytics", "--journey", "trip.yaml", "--as-of", AS_OF)[0] == 0
    assert set(metrics("call")) == {"typed"}


def test_discover_lists_keys_and_unassigned(here: Path) -> None:
    seed(("1", "calls", timedelta(days=1), timedelta(days=1)), ("2", "sms", timedelta(days=35), timedelta(days=1)))
    code, out, err = cli("discover", "analytics", "--journey", "trip.yaml", "--as-of", AS_OF, "--json")
    assert code == 0, err + out
    data = json.loads(out)
    assert [(t["key"], t["count"], t["count_previous"]) for t in data["touchpoints"]] == [
        ("analytics:calls", 1, 0),
        ("analytics:sms", 0, 1),
    ]
    assert data["unassigned"] == ["analytics:sms"]
    assert data["suggestions"] == [{"key": "analytics:sms", "entity": "touchpoint:call", "reason": "channel phone"}]


def test_crm_options_on_a_whiteboard_pull_are_refused(here: Path) -> None:
    code, _, err = cli("pull", "miro", "--journey", "trip.yaml", "--window", "30d")
    assert code == 2
    assert "CRM connectors" in err


def test_sync_with_crm_pulls_metrics_then_pushes_the_board(here: Path) -> None:
    seed(("1", "calls", timedelta(days=1), timedelta(days=1)))
    job = ["--journey", "trip.yaml", "--board", "uXjVOcrm123=", "--sandbox", "--crm", "analytics", "--as-of", AS_OF]
    code, out, err = cli("sync", *job, "--json")
    assert code == 0, err + out
    report = json.loads(out)
    assert report["applied"]
    assert report["board_writes"] > 0
    assert set(report["api_calls"]["by_connector"]) == {"miro", "analytics"}
    assert metrics("call")["volume"].value == 1
    store = open_store(".cjm-sync/state.db")
    try:
        assert store.crm_watermark("trip", "analytics", "records") is not None
        (run,) = store.runs("trip")
        assert run.command == "sync"
        assert any(c.author == "analytics" for c in store.changes("trip", run_id=run.run_id))
    finally:
        store.close()
    code, out, err = cli("sync", *job, "--json")
    assert code == 0, err + out
    assert json.loads(out)["plan"]["file"] == []
    assert json.loads(out)["board_writes"] == 0
    FakeCrm.records.append(("2", "calls", T0 - timedelta(days=3), T0))
    code, out, err = cli("plan", *job, "--json")
    assert code == 0, err + out
    changed = json.loads(out)["metric_changes"]
    assert [c["key"] for c in changed] == ["touchpoint:call"]
    assert metrics("call")["volume"].value == 1  # plan wrote nothing
