"""Every Dynamics metric equals an independent computation done here, in plain Python, over the
sandbox generator's rows (not through the connector's code)."""

from __future__ import annotations

import re
import statistics
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest
from dynamics_support import ANCHOR, BASE, MemoryCache

from cjm_sync.http import BearerAuth
from cjm_sync.plugins.crm import DiscoverRequest, PullRequest, SourceLink
from cjm_sync.plugins.window import Window
from connectors.dynamics.connector import DynamicsConnector
from connectors.dynamics.sandbox import DataverseSandbox
from connectors.dynamics.sandbox.generator import OPTION_SETS

WINDOW = Window(ANCHOR - timedelta(days=45), ANCHOR)


def r2(value: float | None) -> float | None:
    return None if value is None else float(Decimal(str(value)).quantize(Decimal("0.01"), ROUND_HALF_UP))


def slug(label: str) -> str:
    return re.sub(r"[\W_]+", "-", label.lower()).strip("-")


def label_key(kind: str, column: str, value: int | None) -> str:
    if value is None:
        return "unknown"
    label = dict(OPTION_SETS[(kind, column)]).get(value)
    return slug(label) if label else str(value)


def in_window(row: dict[str, Any], window: Window = WINDOW) -> bool:
    return window.start <= row["createdon"] < window.end


@pytest.fixture(scope="module")
def env() -> DataverseSandbox:
    return DataverseSandbox(records=6000, seed=21, anchor=ANCHOR, now=lambda: ANCHOR)


@pytest.fixture(scope="module")
def facts(env: DataverseSandbox) -> dict[tuple[str, str], Any]:
    connector = DynamicsConnector.connect(BASE.split("/api/")[0], BearerAuth("t0ken-value"), transport=env.transport())
    links = [SourceLink(f"touchpoint:{key}", "touchpoint", (key,)) for key in _touchpoint_keys(env)]
    for process in env.generated.processes:
        for stage_id, _ in process.stages:
            key = f"dynamics:bpf:{process.entity_set}:{stage_id}"
            links.append(SourceLink(f"stage:{key}", "stage", (key,)))
    links.append(
        SourceLink("touchpoint:calls", "touchpoint", ("dynamics:phonecall:incoming", "dynamics:phonecall:outgoing"))
    )
    result = connector.pull(PullRequest("j", tuple(links), WINDOW), MemoryCache())
    connector.close()
    return {(f.entity, f.metric): f for f in result.facts}


def _surveys(env: DataverseSandbox) -> dict[str, str]:
    return {r["msfp_surveyid"]: slug(r["msfp_name"]) for r in env.rows("msfp_surveys")}


def _touchpoint_keys(env: DataverseSandbox) -> list[str]:
    keys = ["dynamics:phonecall:incoming", "dynamics:email:outgoing", "dynamics:appointment", "dynamics:socialactivity"]
    keys += sorted(
        {
            f"dynamics:incident:{label_key('incident', 'caseorigincode', r['caseorigincode'])}"
            for r in env.rows("incidents")
        }
    )
    keys += sorted(
        {f"dynamics:lead:{label_key('lead', 'leadsourcecode', r['leadsourcecode'])}" for r in env.rows("leads")}
    )
    keys += sorted({f"dynamics:msfp_surveyresponse:{s}" for s in _surveys(env).values()})
    return keys


def _key_of(env: DataverseSandbox) -> dict[str, Callable[[dict[str, Any]], str]]:
    surveys = _surveys(env)
    return {
        "phonecalls": lambda r: "dynamics:phonecall:" + ("outgoing" if r["directioncode"] else "incoming"),
        "emails": lambda r: "dynamics:email:" + ("outgoing" if r["directioncode"] else "incoming"),
        "appointments": lambda r: "dynamics:appointment",
        "socialactivities": lambda r: "dynamics:socialactivity",
        "incidents": lambda r: "dynamics:incident:" + label_key("incident", "caseorigincode", r["caseorigincode"]),
        "leads": lambda r: "dynamics:lead:" + label_key("lead", "leadsourcecode", r["leadsourcecode"]),
        "msfp_surveyresponses": lambda r: "dynamics:msfp_surveyresponse:" + surveys[r["_msfp_surveyid_value"]],
    }


def test_volumes(env: DataverseSandbox, facts: dict[tuple[str, str], Any]) -> None:
    previous = WINDOW.previous
    checked = 0
    for table, key_of in _key_of(env).items():
        now = Counter(key_of(r) for r in env.rows(table) if in_window(r))
        before = Counter(key_of(r) for r in env.rows(table) if in_window(r, previous))
        for key in now | before:
            entity = f"touchpoint:{key}"
            if (entity, "volume") not in facts:
                continue
            checked += 1
            assert facts[entity, "volume"].value == now[key], key
            assert facts[entity, "volume-previous"].value == before[key], key
            change = (now[key] - before[key]) / before[key] * 100 if before[key] else None
            assert facts[entity, "volume-change"].value == r2(change), key
            assert facts[entity, "volume-change"].sample_size == now[key] + before[key]
            assert facts[entity, "volume"].unit == "count"
            assert facts[entity, "volume-change"].unit == "%"
    assert checked > 15
    calls = [r for r in env.rows("phonecalls") if in_window(r)]
    assert facts["touchpoint:calls", "volume"].value == len(calls)


def test_case_times(env: DataverseSandbox, facts: dict[tuple[str, str], Any]) -> None:
    kpis = {k["slakpiinstanceid"]: k for k in env.rows("slakpiinstances")}
    completed: dict[str, datetime] = {}
    for res in env.rows("incidentresolutions"):
        if res["statecode"] == 1:
            case = res["_incidentid_value"]
            completed[case] = max(res["actualend"], completed.get(case, res["actualend"]))
    by_key: dict[str, tuple[list[float], list[float]]] = {}
    for case in env.rows("incidents"):
        if not in_window(case):
            continue
        key = "dynamics:incident:" + label_key("incident", "caseorigincode", case["caseorigincode"])
        first, resolve = by_key.setdefault(key, ([], []))
        kpi = kpis.get(case["_firstresponsebykpiid_value"])
        if kpi and kpi["status"] == 4 and kpi["succeededon"]:
            first.append((kpi["succeededon"] - case["createdon"]).total_seconds() / 3600)
        if case["incidentid"] in completed:
            resolve.append((completed[case["incidentid"]] - case["createdon"]).total_seconds() / 3600)
    assert any(len(f) >= 2 for f, _ in by_key.values())
    for key, (first, resolve) in by_key.items():
        entity = f"touchpoint:{key}"
        ttfr, ttr = facts[entity, "time-to-first-response"], facts[entity, "time-to-resolve"]
        assert ttfr.value == r2(statistics.median(first) if first else None), key
        assert ttfr.sample_size == len(first)
        assert ttr.value == r2(statistics.median(resolve) if resolve else None), key
        assert ttr.sample_size == len(resolve)
        assert ttfr.unit == ttr.unit == "hours"


def test_nps_and_negative_share(env: DataverseSandbox, facts: dict[tuple[str, str], Any]) -> None:
    surveys = _surveys(env)
    for survey in set(surveys.values()):
        scores = [
            r["msfp_npsscore"]
            for r in env.rows("msfp_surveyresponses")
            if in_window(r) and surveys[r["_msfp_surveyid_value"]] == survey and r["msfp_npsscore"] is not None
        ]
        entity = f"touchpoint:dynamics:msfp_surveyresponse:{survey}"
        promoters = sum(s >= 9 for s in scores) / len(scores) * 100
        detractors = sum(s <= 6 for s in scores) / len(scores) * 100
        assert facts[entity, "nps"].value == r2(promoters - detractors)
        assert facts[entity, "negative-share"].value == r2(detractors)
        assert facts[entity, "nps"].sample_size == len(scores)
        assert facts[entity, "nps"].unit == "score"
    assert "客户关系调查-2026" in set(surveys.values())
    assert ("touchpoint:dynamics:appointment", "nps") not in facts


def test_bpf_stage_metrics(env: DataverseSandbox, facts: dict[tuple[str, str], Any]) -> None:
    for process in env.generated.processes:
        order = [s for s, _ in process.stages]
        instances = env.rows(process.entity_set)
        for index, stage in enumerate(order):
            entity = f"stage:dynamics:bpf:{process.entity_set}:{stage}"
            paths = [r["traversedpath"].split(",") for r in instances if in_window(r)]
            reached = [p for p in paths if stage in p]
            assert facts[entity, "reached"].value == len(reached)
            if index + 1 < len(order):
                converted = [p for p in reached if order[index + 1] in p]
                expected = len(converted) / len(reached) * 100 if reached else None
                assert facts[entity, "conversion"].value == r2(expected)
            else:
                assert facts[entity, "conversion"].value is None
            days = [
                (ANCHOR - r["activestagestartedon"]).total_seconds() / 86400
                for r in instances
                if r["statecode"] == 0 and r["_activestageid_value"] == stage and r["activestagestartedon"] < ANCHOR
            ]
            assert facts[entity, "time-in-stage"].value == r2(statistics.median(days) if days else None)
            assert facts[entity, "time-in-stage"].sample_size == len(days)
            assert facts[entity, "time-in-stage"].unit == "days"
            assert facts[entity, "conversion"].unit == "%"


def test_discover_lists_stages_in_process_order_and_counts(env: DataverseSandbox) -> None:
    connector = DynamicsConnector.connect(BASE.split("/api/")[0], BearerAuth("t0ken-value"), transport=env.transport())
    found = connector.discover(DiscoverRequest(WINDOW))
    connector.close()
    for process in env.generated.processes:
        listed = [s for s in found.stages if s.extra["entity_set"] == process.entity_set]
        assert [s.key.rsplit(":", 1)[1] for s in listed] == [sid for sid, _ in process.stages]
        assert [s.label for s in listed] == [name for _, name in process.stages]
        assert [s.order for s in listed] == list(range(1, len(listed) + 1))
    counts = {t.key: (t.count, t.count_previous) for t in found.touchpoints}
    for table, key_of in _key_of(env).items():
        now = Counter(key_of(r) for r in env.rows(table) if in_window(r))
        before = Counter(key_of(r) for r in env.rows(table) if in_window(r, WINDOW.previous))
        for key in now | before:
            assert counts[key] == (now[key], before[key]), key
    journeys = [t for t in found.touchpoints if t.key.startswith("dynamics:msdynmkt_journey:")]
    assert {t.label for t in journeys} == {r["msdynmkt_name"] for r in env.rows("msdynmkt_journeys")}
    assert {t.extra["trigger"] for t in journeys} <= {"Trigger-based", "Segment-based"}
    # custom options (a label with an accent, an option without a label) are among the keys checked
    keys = _touchpoint_keys(env)
    assert "dynamics:lead:salon-café-pro" in keys
    assert "dynamics:incident:100000001" in keys
    assert "dynamics:incident:unknown" in keys
