"""Deterministic B2B sales-and-service data for the sandbox (same seed and size → same rows).

``generate(store, records=N, seed=S, anchor=T)`` fills about N rows, created over the 400 days before
``anchor``: leads by source, opportunities each with an Opportunity Sales Process instance (and, for
qualified leads, a Lead to Opportunity instance), activities (phone calls and e-mails in both directions,
appointments, campaign responses, social activities), cases by origin with a first-response SLA KPI
instance and resolutions (some reactivated: a cancelled resolution, then a completed one), Customer Voice
responses to a few surveys (NPS 0–10, some without a score), Customer Insights – Journeys journeys, and the
business process flow definitions (``workflows`` with ``clientdata``, ``processstages`` with random keys).
"""

from __future__ import annotations

import json
import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from .store import Store

__all__ = ["OPTION_SETS", "Generated", "Process", "generate"]

SPAN_DAYS = 400

OPTION_SETS: dict[tuple[str, str], list[tuple[int, str | None]]] = {
    ("incident", "caseorigincode"): [
        (1, "Phone"), (2, "Email"), (3, "Web"), (2483, "Facebook"), (3986, "Twitter"), (700610000, "IoT"),
        (100000000, "Partner Portal"), (100000001, None),
    ],
    ("incident", "prioritycode"): [(1, "High"), (2, "Normal"), (3, "Low")],
    ("lead", "leadsourcecode"): [
        (1, "Advertisement"), (2, "Employee Referral"), (3, "External Referral"), (4, "Partner"),
        (5, "Public Relations"), (6, "Seminar"), (7, "Trade Show"), (8, "Web"), (9, "Word of Mouth"),
        (10, "Other"), (100000000, "Salon Café Pro"),
    ],
    ("opportunity", "salesstage"): [(0, "Qualify"), (1, "Develop"), (2, "Propose"), (3, "Close")],
    ("slakpiinstance", "status"): [
        (0, "In Progress"), (1, "Noncompliant"), (2, "Nearing Noncompliance"), (3, "Paused"), (4, "Succeeded"),
        (5, "Canceled"),
    ],
    ("msfp_surveyresponse", "msfp_sentiment"): [(1, "Positive"), (2, "Neutral"), (3, "Negative")],
    ("msdynmkt_journey", "msdynmkt_triggertype"): [(534120000, "Trigger-based"), (534120001, "Segment-based")],
    ("msdynmkt_journey", "statuscode"): [(1, "Draft"), (534120001, "Live"), (534120003, "Completed")],
}  # fmt: skip
SURVEYS = ("Post-case satisfaction (NPS)", "Onboarding NPS", "客户关系调查 2026")
JOURNEYS = (("Welcome series", 534120000, 534120001), ("Renewal nurture", 534120001, 534120001),
            ("Webinar follow-up", 534120000, 534120003))  # fmt: skip
KPI_SUCCEEDED = 4


@dataclass
class Process:
    """A business process flow: its ``workflows`` row and its stages in process order."""

    workflow_id: str
    name: str
    unique_name: str  # the BPF entity's logical name
    entity_set: str
    stages: list[tuple[str, str]]  # (processstageid, stagename) in process order


@dataclass
class Generated:
    """What the generator made that tests and metadata need besides the rows."""

    anchor: datetime
    processes: list[Process] = field(default_factory=list)


class _Ids:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def __call__(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))


def _client_data(process: Process, primary: str) -> str:
    stage_steps = [
        {"__class": "StageStep:#Microsoft.Crm.Workflow.ObjectModel", "stageId": sid, "description": name,
         "name": name, "steps": {"list": []}}
        for sid, name in process.stages
    ]  # fmt: skip
    doc = {
        "__class": "WorkflowStep:#Microsoft.Crm.Workflow.ObjectModel",
        "name": process.name,
        "steps": {"list": [{
            "__class": "EntityStep:#Microsoft.Crm.Workflow.ObjectModel",
            "description": primary,
            "steps": {"list": stage_steps},
        }]},
    }  # fmt: skip
    return json.dumps(doc)


def _processes(store: Store, ids: _Ids, created: datetime) -> list[Process]:
    specs = [
        ("Opportunity Sales Process", "opportunitysalesprocess", "opportunitysalesprocesses", "opportunity",
         ["Qualify", "Develop", "Propose", "Close"]),
        ("Lead to Opportunity Sales Process", "leadtoopportunitysalesprocess", "leadtoopportunitysalesprocesses",
         "lead", ["Qualify", "Develop", "Propose", "Close"]),
    ]  # fmt: skip
    made = []
    for name, unique, entity_set, primary, stage_names in specs:
        process = Process(ids(), name, unique, entity_set, [(ids(), s) for s in stage_names])
        store.load("workflows", {
            "workflowid": process.workflow_id, "name": name, "uniquename": unique, "category": 4, "type": 1,
            "primaryentity": primary, "clientdata": _client_data(process, primary), "statecode": 1, "statuscode": 2,
            "createdon": created, "modifiedon": created,
        })  # fmt: skip
        for category, (sid, stage) in enumerate(process.stages):
            store.load("processstages", {
                "processstageid": sid, "stagename": stage, "stagecategory": category, "_processid_value":
                process.workflow_id, "primaryentitytypecode": primary if category == 0 else "opportunity",
            })  # fmt: skip
        made.append(process)
    return made


def _option(rng: random.Random, key: tuple[str, str], none_share: float = 0.05) -> int | None:
    if rng.random() < none_share:
        return None
    values = [v for v, _ in OPTION_SETS[key]]
    weights = [8 if i < 3 else 1 for i in range(len(values))]
    return rng.choices(values, weights)[0]


class _Builder:
    def __init__(self, store: Store, rng: random.Random, anchor: datetime) -> None:
        self.store, self.rng, self.anchor = store, rng, anchor
        self.ids = _Ids(rng)

    def when(self) -> datetime:
        # more recent days are busier (a growing business); whole seconds like Dataverse
        back = SPAN_DAYS * (1 - self.rng.random() ** 0.8)
        return (self.anchor - timedelta(days=back)).replace(microsecond=0)

    def later(self, start: datetime, hours: float) -> datetime:
        return min(start + timedelta(hours=hours), self.anchor - timedelta(seconds=1)).replace(microsecond=0)

    def activity(self, entity_set: str, extra: dict[str, Any]) -> None:
        created = self.when()
        self.store.load(entity_set, {
            "activityid": self.ids(), "subject": f"{entity_set[:-1]} {self.rng.randrange(10**6)}", "createdon":
            created, "modifiedon": self.later(created, self.rng.random() * 48), "statecode": 1, "statuscode": 2,
            "actualend": created, **extra,
        })  # fmt: skip

    def case(self) -> None:
        rng, created = self.rng, self.when()
        case_id, kpi_id = self.ids(), self.ids()
        status = rng.choices([KPI_SUCCEEDED, 1, 0, 5], [70, 12, 12, 6])[0]
        succeeded = self.later(created, rng.lognormvariate(1.2, 0.9)) if status == KPI_SUCCEEDED else None
        self.store.load("slakpiinstances", {
            "slakpiinstanceid": kpi_id, "name": "First Response By KPI", "status": status, "succeededon": succeeded,
            "failuretime": created + timedelta(hours=8), "_regarding_value": case_id, "createdon": created,
            "modifiedon": succeeded or created,
        })  # fmt: skip
        state = 0
        roll = rng.random()
        if roll < 0.7 or roll > 0.94:
            state = 1
            if roll > 0.94:  # reactivated once: a cancelled resolution, then a completed one
                first = self.later(created, rng.uniform(1, 30))
                self.resolution(case_id, created, first, 2)
                self.resolution(case_id, created, self.later(first, rng.uniform(2, 60)), 1)
            else:
                self.resolution(case_id, created, self.later(created, rng.lognormvariate(3, 1)), 1)
        elif roll > 0.9:
            state = 2  # cancelled case
        elif roll > 0.85:  # reactivated and still open: its only resolution was cancelled
            self.resolution(case_id, created, self.later(created, rng.uniform(1, 20)), 2)
        self.store.load("incidents", {
            "incidentid": case_id, "title": f"Case {rng.randrange(10**6)}", "ticketnumber":
            f"CAS-{rng.randrange(10**5):05d}", "caseorigincode": _option(rng, ("incident", "caseorigincode")),
            "prioritycode": _option(rng, ("incident", "prioritycode"), 0), "statecode": state, "statuscode":
            {0: 1, 1: 5, 2: 6}[state], "_firstresponsebykpiid_value": kpi_id, "_resolvebykpiid_value": None,
            "createdon": created, "modifiedon": self.later(created, 72),
        })  # fmt: skip

    def resolution(self, case_id: str, created: datetime, end: datetime, state: int) -> None:
        self.store.load("incidentresolutions", {
            "activityid": self.ids(), "subject": "Case resolved", "_incidentid_value": case_id, "actualend": end,
            "statecode": state, "statuscode": 2 if state == 1 else 3, "timespent": 30, "createdon": end,
            "modifiedon": end,
        })  # fmt: skip
        del created

    def deal(self, processes: list[Process]) -> None:
        rng, created = self.rng, self.when()
        lead_id, opp_id = self.ids(), self.ids()
        self.store.load("leads", {
            "leadid": lead_id, "subject": "Interested in CRM", "fullname": f"Lead {rng.randrange(10**5)}",
            "leadsourcecode": _option(rng, ("lead", "leadsourcecode"), 0.08), "statecode": 1, "statuscode": 3,
            "_qualifyingopportunityid_value": opp_id, "createdon": created, "modifiedon": created,
        })  # fmt: skip
        opp_created = self.later(created, rng.uniform(1, 96))
        self.store.load("opportunities", {
            "opportunityid": opp_id, "name": f"Deal {rng.randrange(10**5)}", "salesstage": 0, "estimatedvalue":
            rng.randrange(5, 500) * 1000, "stepname": "1-Qualify", "_originatingleadid_value": lead_id,
            "statecode": 0, "statuscode": 1, "createdon": opp_created, "modifiedon": opp_created,
        })  # fmt: skip
        flows = (
            (processes[0], {"_bpf_opportunityid_value": opp_id}),
            (processes[1], {"_leadid_value": lead_id, "_opportunityid_value": opp_id}),
        )
        for process, lookups in flows:
            if process is processes[1] and rng.random() < 0.5:
                continue
            self.bpf_instance(process, created if process is processes[1] else opp_created, lookups)

    def bpf_instance(self, process: Process, created: datetime, lookups: dict[str, Any]) -> None:
        rng = self.rng
        reached = rng.choices([1, 2, 3, 4], [40, 25, 20, 15])[0]
        path = [sid for sid, _ in process.stages[:reached]]
        if reached > 1 and rng.random() < 0.08:  # moved back a stage: the path keeps both visits
            path.append(process.stages[reached - 2][0])
        started = created
        for _ in path[1:]:
            started = self.later(started, rng.uniform(12, 24 * 20))
        finished = reached == len(process.stages) and path[-1] == process.stages[-1][0] and rng.random() < 0.7
        aborted = not finished and rng.random() < 0.15
        state = 1 if finished or aborted else 0
        self.store.load(process.entity_set, {
            "businessprocessflowinstanceid": self.ids(), "name": process.name, "traversedpath": ",".join(path),
            "_activestageid_value": path[-1], "activestagestartedon": started, "_processid_value":
            process.workflow_id, "completedon": self.later(started, 1) if finished else None, "statecode": state,
            "statuscode": 2 if finished else (3 if aborted else 1), "createdon": created, "modifiedon": started,
            **lookups,
        })  # fmt: skip

    def survey_response(self, surveys: list[str]) -> None:
        rng, created = self.rng, self.when()
        score = None if rng.random() < 0.1 else rng.choices(range(11), [2, 1, 1, 2, 2, 4, 6, 10, 18, 24, 30])[0]
        self.store.load("msfp_surveyresponses", {
            "activityid": self.ids(), "subject": "Survey response", "_msfp_surveyid_value": rng.choice(surveys),
            "msfp_npsscore": score, "msfp_submitdate": created, "msfp_sentiment": None if score is None else
            (1 if score >= 9 else 2 if score >= 7 else 3), "statecode": 1, "statuscode": 2, "createdon": created,
            "modifiedon": created, "actualend": created,
        })  # fmt: skip


def generate(store: Store, *, records: int = 2_000, seed: int = 7, anchor: datetime) -> Generated:
    """Fill ``store`` with about ``records`` rows ending just before ``anchor`` (aware UTC)."""
    rng = random.Random(seed)  # noqa: S311 - reproducible test data, not security
    builder = _Builder(store, rng, anchor)
    result = Generated(anchor=anchor, processes=_processes(store, builder.ids, anchor - timedelta(days=SPAN_DAYS + 30)))
    surveys = []
    for name in SURVEYS:
        sid = builder.ids()
        store.load("msfp_surveys", {"msfp_surveyid": sid, "msfp_name": name, "statecode": 0, "statuscode": 1,
                                    "createdon": anchor - timedelta(days=SPAN_DAYS), "modifiedon": anchor})  # fmt: skip
        surveys.append(sid)
    for name, trigger, status in JOURNEYS:
        store.load("msdynmkt_journeys", {
            "msdynmkt_journeyid": builder.ids(), "msdynmkt_name": name, "msdynmkt_triggertype": trigger,
            "msdynmkt_journeystarttime": anchor - timedelta(days=90), "msdynmkt_journeyendtime": None,
            "statecode": 0, "statuscode": status, "createdon": anchor - timedelta(days=120), "modifiedon": anchor,
        })  # fmt: skip
    makers: list[tuple[int, Callable[[], None]]] = [
        (18, lambda: builder.activity("phonecalls", {"directioncode": rng.random() < 0.55, "phonenumber": "555-0100"})),
        (20, lambda: builder.activity("emails", {"directioncode": rng.random() < 0.6})),
        (6, lambda: builder.activity("appointments", {"location": "Teams"})),
        (4, lambda: builder.activity("campaignresponses", {})),
        (3, lambda: builder.activity("socialactivities", {})),
        (4, builder.case),  # a case makes ~3 rows (case, KPI instance, resolution)
        (3, lambda: builder.deal(result.processes)),  # ~3.5 rows (lead, opportunity, BPF instances)
        (9, lambda: builder.survey_response(surveys)),
    ]
    weights = [w for w, _ in makers]
    per_make = sum(w * size for w, size in zip(weights, [1, 1, 1, 1, 1, 3, 3.5, 1], strict=True)) / sum(weights)
    for _ in range(max(1, round(records / per_make))):
        rng.choices(makers, weights)[0][1]()
    return result
