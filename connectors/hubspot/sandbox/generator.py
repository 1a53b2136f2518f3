"""A deterministic generator of realistic HubSpot portals: a B2B SaaS and a B2C retail scenario.

``generate(scenario, records, anchor, seed)`` returns pipelines, properties and records (every property
value a string, as HubSpot returns them) spread over the 400 days before ``anchor``: deals walking their
pipeline with stage entries and exits (won, lost or still open), tickets with first-reply and close
times, contacts moving through lifecycle stages (a custom numeric stage in B2B; older contacts carry only
the legacy ``hs_lifecyclestage_<value>_date``), engagements (calls, emails, meetings, communications)
and survey responses with plausible NPS/CSAT/CES distributions. Same inputs, same portal.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

SCENARIOS = ("b2b_saas", "b2c_retail")
HISTORY = timedelta(days=400)
CUSTOM_LIFECYCLE = "1125478932"
"""The custom lifecycle stage's numeric value (B2B: "Product qualified lead")."""
_SHARES = {
    "b2b_saas": {
        "contacts": 0.26, "deals": 0.10, "tickets": 0.10, "calls": 0.13, "emails": 0.16,
        "meetings": 0.08, "communications": 0.05, "feedback_submissions": 0.12,
    },
    "b2c_retail": {
        "contacts": 0.34, "deals": 0.04, "tickets": 0.18, "calls": 0.06, "emails": 0.12,
        "meetings": 0.01, "communications": 0.12, "feedback_submissions": 0.13,
    },
}  # fmt: skip


def iso(moment: datetime) -> str:
    """HubSpot's datetime string form (UTC, milliseconds, ``Z``)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


@dataclass
class Portal:
    """Everything a generated portal holds (plain data; :class:`~.store.PortalStore` serves it)."""

    scenario: str
    anchor: datetime
    pipelines: dict[str, list[dict[str, Any]]]
    properties: dict[str, list[dict[str, Any]]]
    records: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)


def _stage(sid: str, label: str, order: int, metadata: dict[str, str]) -> dict[str, Any]:
    return {
        "id": sid, "label": label, "displayOrder": order, "archived": False, "metadata": metadata,
        "createdAt": "1970-01-01T00:00:00Z", "updatedAt": "2025-01-01T00:00:00Z",
        "writePermissions": "CRM_PERMISSIONS_ENFORCEMENT",
    }  # fmt: skip


def _deal_stage(sid: str, label: str, order: int, probability: str, closed: bool) -> dict[str, Any]:
    return _stage(sid, label, order, {"probability": probability, "isClosed": "true" if closed else "false"})


def _pipeline(pid: str, label: str, order: int, stages: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "id": pid, "label": label, "displayOrder": order, "archived": False, "stages": stages,
        "createdAt": "1970-01-01T00:00:00Z", "updatedAt": "2025-01-01T00:00:00Z",
    }  # fmt: skip


def pipelines_for(scenario: str) -> dict[str, list[dict[str, Any]]]:
    """Deal and ticket pipelines: HubSpot's defaults plus one custom pipeline with numeric ids."""
    sales = _pipeline(
        "default",
        "Sales Pipeline",
        0,
        [
            _deal_stage("appointmentscheduled", "Appointment Scheduled", 0, "0.2", False),
            _deal_stage("qualifiedtobuy", "Qualified To Buy", 1, "0.4", False),
            _deal_stage("presentationscheduled", "Presentation Scheduled", 2, "0.6", False),
            _deal_stage("decisionmakerboughtin", "Decision Maker Bought-In", 3, "0.8", False),
            _deal_stage("contractsent", "Contract Sent", 4, "0.9", False),
            _deal_stage("closedwon", "Closed Won", 5, "1.0", True),
            _deal_stage("closedlost", "Closed Lost", 6, "0.0", True),
        ],
    )
    custom_label = "Expansion" if scenario == "b2b_saas" else "Online orders"
    custom = _pipeline(
        "7654321",
        custom_label,
        1,
        [
            _deal_stage("7654322", "Discovery", 0, "0.3", False),
            _deal_stage("7654323", "Proposal", 1, "0.6", False),
            _deal_stage("7654324", "Won", 2, "1.0", True),
            _deal_stage("7654325", "Lost", 3, "0.0", True),
        ],
    )
    support = _pipeline(
        "0",
        "Support Pipeline",
        0,
        [
            _stage("1", "New", 0, {"ticketState": "OPEN"}),
            _stage("2", "Waiting on contact", 1, {"ticketState": "OPEN"}),
            _stage("3", "Waiting on us", 2, {"ticketState": "OPEN"}),
            _stage("4", "Closed", 3, {"ticketState": "CLOSED"}),
        ],
    )
    return {"deals": [sales, custom], "tickets": [support]}


def _options(pairs: Sequence[tuple[str, str]]) -> list[dict[str, Any]]:
    return [{"value": v, "label": label, "displayOrder": i, "hidden": False} for i, (v, label) in enumerate(pairs)]


def _property(obj: str, name: str, label: str, options: Sequence[tuple[str, str]] = ()) -> dict[str, Any]:
    return {
        "name": name, "label": label, "type": "enumeration" if options else "string",
        "fieldType": "select" if options else "text", "groupName": f"{obj}information", "description": "",
        "options": _options(options), "displayOrder": -1, "hidden": False, "formField": False,
    }  # fmt: skip


def lifecycle_options(scenario: str) -> list[tuple[str, str]]:
    """The lifecycle stages in order (B2B adds a custom numeric stage after lead)."""
    options = [("subscriber", "Subscriber"), ("lead", "Lead")]
    if scenario == "b2b_saas":
        options.append((CUSTOM_LIFECYCLE, "Product qualified lead"))
    options += [
        ("marketingqualifiedlead", "Marketing Qualified Lead"),
        ("salesqualifiedlead", "Sales Qualified Lead"),
        ("opportunity", "Opportunity"),
        ("customer", "Customer"),
        ("evangelist", "Evangelist"),
        ("other", "Other"),
    ]
    return options


TOUCH_VALUES: dict[str, tuple[str, list[tuple[str, str, float]]]] = {
    "calls": ("hs_call_direction", [("INBOUND", "Inbound", 0.4), ("OUTBOUND", "Outbound", 0.6)]),
    "emails": (
        "hs_email_direction",
        [("EMAIL", "Email (logged)", 0.55), ("INCOMING_EMAIL", "Incoming email", 0.4),
         ("FORWARDED_EMAIL", "Forwarded email", 0.05)],
    ),
    "meetings": (
        "hs_meeting_outcome",
        [("COMPLETED", "Completed", 0.6), ("SCHEDULED", "Scheduled", 0.15), ("RESCHEDULED", "Rescheduled", 0.08),
         ("NO_SHOW", "No show", 0.1), ("CANCELED", "Canceled", 0.07)],
    ),
    "communications": (
        "hs_communication_channel_type",
        [("SMS", "SMS", 0.5), ("WHATS_APP", "WhatsApp", 0.35), ("LINKEDIN_MESSAGE", "LinkedIn message", 0.15)],
    ),
    "tickets": (
        "source_type",
        [("EMAIL", "Email", 0.4), ("CHAT", "Chat", 0.3), ("FORM", "Form", 0.18), ("PHONE", "Phone", 0.12)],
    ),
    "feedback_submissions": (
        "hs_survey_type",
        [("NPS", "NPS", 0.45), ("CSAT", "CSAT", 0.3), ("CES", "CES", 0.2), ("CUSTOM", "Custom", 0.05)],
    ),
}  # fmt: skip


def properties_for(scenario: str) -> dict[str, list[dict[str, Any]]]:
    """The property definitions the connector reads (enumerations with their options)."""
    props: dict[str, list[dict[str, Any]]] = {
        obj: [_property(obj, name, name.replace("_", " ").title(), [(v, label) for v, label, _ in values])]
        for obj, (name, values) in TOUCH_VALUES.items()
    }
    props.setdefault("contacts", []).append(
        _property("contacts", "lifecyclestage", "Lifecycle Stage", lifecycle_options(scenario))
    )
    return props


class _Gen:
    def __init__(self, scenario: str, anchor: datetime, seed: int) -> None:
        self.rng = random.Random(f"{scenario}:{seed}")  # noqa: S311 - reproducible test data, not secrets
        self.anchor = anchor
        self.scenario = scenario
        self.next_id = 1000

    def when(self) -> datetime:
        """A creation time in the history, denser towards the anchor (a growing portal)."""
        fraction = self.rng.random() ** 0.8
        moment: datetime = self.anchor - HISTORY + HISTORY * fraction
        return moment - timedelta(seconds=self.rng.randint(0, 3600))

    def pick(self, values: list[tuple[str, str, float]]) -> str:
        return self.rng.choices([v for v, _, _ in values], weights=[w for _, _, w in values])[0]

    def record(
        self, created: datetime, modified: datetime, props: Mapping[str, str | None], *, contact: bool = False
    ) -> dict[str, Any]:
        self.next_id += self.rng.randint(1, 7)
        rid = str(self.next_id)
        modified = max(created, min(modified, self.anchor))
        base = {"hs_object_id": rid, "createdate": iso(created), "hs_lastmodifieddate": iso(modified)}
        if contact:
            base["lastmodifieddate"] = iso(modified)
        return {
            "id": rid,
            "properties": {**base, **props},
            "createdAt": iso(created),
            "updatedAt": iso(modified),
            "archived": False,
        }

    def days(self, mean: float) -> timedelta:
        return timedelta(hours=max(0.5, self.rng.expovariate(1 / (mean * 24))))

    def deal(self, pipelines: list[dict[str, Any]]) -> dict[str, Any]:
        pipeline = pipelines[0] if self.rng.random() < 0.75 else pipelines[1]
        stages = pipeline["stages"]
        open_stages = [s for s in stages if s["metadata"]["isClosed"] == "false"]
        won = next(s for s in stages if s["metadata"]["probability"] == "1.0")
        lost = next(s for s in stages if s["metadata"]["probability"] == "0.0")
        created = self.when()
        at, props, current = created, {}, open_stages[0]
        path = [*open_stages, won]
        for index, stage in enumerate(path):
            current = stage
            props[f"hs_v2_date_entered_{stage['id']}"] = iso(at)
            if stage is won:
                break
            leave = at + self.days(9)
            if leave >= self.anchor:
                break
            props[f"hs_v2_date_exited_{stage['id']}"] = iso(leave)
            at = leave
            roll = self.rng.random()
            if roll < 0.22 - 0.02 * index:
                current = lost
                props[f"hs_v2_date_entered_{lost['id']}"] = iso(at)
                break
        props.update(
            {
                "pipeline": pipeline["id"],
                "dealstage": current["id"],
                "dealname": f"Deal {self.next_id}",
                "amount": str(self.rng.choice([500, 1200, 4800, 12000, 36000])),
            }
        )
        return self.record(created, at, props)

    def ticket(self) -> dict[str, Any]:
        created = self.when()
        props: dict[str, str | None] = {
            "source_type": self.pick(TOUCH_VALUES["tickets"][1]),
            "subject": "Help needed",
            "hs_pipeline": "0",
            "hs_v2_date_entered_1": iso(created),
            "time_to_first_agent_reply": None,
            "time_to_close": None,
        }
        at = created
        if self.rng.random() < 0.85:
            reply = timedelta(hours=self.rng.lognormvariate(1.2, 1.0))
            if created + reply < self.anchor:
                props["time_to_first_agent_reply"] = str(int(reply.total_seconds() * 1000))
                at = created + reply
                props["hs_v2_date_exited_1"] = iso(at)
                props["hs_v2_date_entered_2"] = iso(at)
        stage = "2" if props.get("hs_v2_date_entered_2") else "1"
        if props["time_to_first_agent_reply"] and self.rng.random() < 0.8:
            close = at - created + timedelta(hours=self.rng.lognormvariate(2.5, 1.1))
            if created + close < self.anchor:
                props["time_to_close"] = str(int(close.total_seconds() * 1000))
                props["hs_v2_date_exited_2"] = iso(created + close)
                props["hs_v2_date_entered_4"] = iso(created + close)
                props["closed_date"] = iso(created + close)
                at, stage = created + close, "4"
        props["hs_pipeline_stage"] = stage
        return self.record(created, at, {k: v for k, v in props.items() if v is not None or k.startswith("time_")})

    def contact(self, options: list[tuple[str, str]]) -> dict[str, Any]:
        created = self.when()
        legacy_only = created < self.anchor - timedelta(days=330) and self.rng.random() < 0.6
        ladder = [v for v, _ in options if v != "other"]
        props: dict[str, str | None] = {"email": f"person{self.next_id}@example.com"}
        at, current = created, ladder[0] if self.rng.random() < 0.4 else ladder[1]
        start = ladder.index(current)
        for value in ladder[start:]:
            current = value
            if legacy_only:
                props[f"hs_lifecyclestage_{value}_date"] = iso(at)
            else:
                props[f"hs_v2_date_entered_{value}"] = iso(at)
            if self.rng.random() > 0.62:
                break
            leave = at + self.days(12)
            if leave >= self.anchor:
                break
            if not legacy_only:
                props[f"hs_v2_date_exited_{value}"] = iso(leave)
            at = leave
        if self.rng.random() < 0.03:
            props["hs_v2_date_exited_" + current] = (
                iso(at + timedelta(hours=1)) if at + timedelta(hours=1) < self.anchor else None
            )
            current = "other"
            props["hs_v2_date_entered_other"] = iso(min(at + timedelta(hours=1), self.anchor - timedelta(minutes=1)))
        props["lifecyclestage"] = current
        return self.record(created, at, {k: v for k, v in props.items() if v is not None}, contact=True)

    def engagement(self, obj: str) -> dict[str, Any]:
        at = self.when()
        name, values = TOUCH_VALUES[obj]
        props: dict[str, str | None] = {name: self.pick(values), "hs_timestamp": iso(at)}
        if obj == "calls":
            props["hs_call_duration"] = str(self.rng.randint(20_000, 1_800_000))
        return self.record(at, at + timedelta(minutes=self.rng.randint(0, 90)), props)

    def feedback(self) -> dict[str, Any]:
        at = self.when()
        survey = self.pick(TOUCH_VALUES["feedback_submissions"][1])
        rng = self.rng
        value: str | None
        if survey == "NPS":
            value = str(rng.choices(range(11), weights=[2, 1, 1, 2, 2, 4, 6, 10, 18, 24, 30])[0])
        elif survey == "CSAT":
            value = str(rng.choices(range(1, 6), weights=[5, 7, 15, 38, 35])[0])
        elif survey == "CES":
            value = str(rng.choices(range(1, 8), weights=[3, 4, 8, 12, 20, 28, 25])[0])
        else:
            value = rng.choice(["Great onboarding", "Too slow", "Loved it 😀", "很好"])
        if rng.random() < 0.02:
            value = ""  # an empty answer: counted in volume, not in any score
        return self.record(
            at,
            at,
            {
                "hs_survey_type": survey,
                "hs_response_value": value,
                "hs_createdate": iso(at),
                "hs_survey_channel": "EMAIL",
            },
        )


def generate(scenario: str = "b2b_saas", records: int = 3000, anchor: datetime | None = None, seed: int = 7) -> Portal:
    """A portal of about ``records`` records ending at ``anchor`` (default: today, 00:00 UTC)."""
    if scenario not in SCENARIOS:
        raise ValueError(f"unknown scenario '{scenario}' (known: {', '.join(SCENARIOS)})")
    if anchor is None:
        anchor = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    gen = _Gen(scenario, anchor, seed)
    portal = Portal(scenario, anchor, pipelines_for(scenario), properties_for(scenario))
    lifecycle = lifecycle_options(scenario)
    for obj, share in _SHARES[scenario].items():
        bucket: dict[str, dict[str, Any]] = {}
        for _ in range(max(1, round(records * share))):
            if obj == "deals":
                rec = gen.deal(portal.pipelines["deals"])
            elif obj == "tickets":
                rec = gen.ticket()
            elif obj == "contacts":
                rec = gen.contact(lifecycle)
            elif obj == "feedback_submissions":
                rec = gen.feedback()
            else:
                rec = gen.engagement(obj)
            bucket[rec["id"]] = rec
        portal.records[obj] = bucket
    return portal
