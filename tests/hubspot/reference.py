"""An independent, plain-Python computation of the HubSpot metrics (docs/metrics.md) straight over a
generated portal's records — deliberately not using the connector's code."""

from __future__ import annotations

import statistics
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from connectors.hubspot.sandbox import HubSpotSandbox

TIME = {
    "calls": "hs_timestamp",
    "emails": "hs_timestamp",
    "meetings": "hs_timestamp",
    "communications": "hs_timestamp",
    "tickets": "createdate",
    "feedback_submissions": "hs_createdate",
}
VALUE = {
    "calls": "hs_call_direction",
    "emails": "hs_email_direction",
    "meetings": "hs_meeting_outcome",
    "communications": "hs_communication_channel_type",
    "tickets": "source_type",
    "feedback_submissions": "hs_survey_type",
}


def when(text: Any) -> datetime | None:
    if not text:
        return None
    return datetime.strptime(str(text), "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


def r2(x: float | None) -> float | None:
    return None if x is None else float(Decimal(str(x)).quantize(Decimal("0.01"), ROUND_HALF_UP))


def touchpoint(portal: HubSpotSandbox, keys: list[str], start: datetime, end: datetime) -> dict[str, Any]:
    length = end - start
    chosen: dict[str, dict[str, Any]] = {}  # (object, id) -> record, each record once
    kinds = set()
    for key in keys:
        _, obj, value = key.split(":")
        kinds.add(obj)
        for rec in portal.records(obj):
            if rec.get(VALUE[obj]) == value:
                chosen[f"{obj}/{rec['id']}"] = {"_obj": obj, **rec}
    now = [r for r in chosen.values() if start <= when(r[TIME[r["_obj"]]]) < end]
    before = [r for r in chosen.values() if start - length <= when(r[TIME[r["_obj"]]]) < start]
    out: dict[str, Any] = {
        "volume": len(now),
        "volume-previous": len(before),
        "volume-change": r2((len(now) - len(before)) * 100 / len(before)) if before else None,
    }
    out.update(_responses(now, kinds))
    out.update({f"{k}-previous": v for k, v in _responses(before, kinds).items()})
    return out


def _responses(records: list[dict[str, Any]], kinds: set[str]) -> dict[str, Any]:
    """NPS/CSAT/CES/negative share and ticket medians over ``records`` (one window)."""
    out: dict[str, Any] = {}
    if "feedback_submissions" in kinds:
        nps, csat, ces = [], [], []
        for r in records:
            if r["_obj"] != "feedback_submissions":
                continue
            try:
                v = float(r["hs_response_value"])
            except (TypeError, ValueError):
                continue
            kind = r["hs_survey_type"]
            if kind == "NPS" and 0 <= v <= 10:
                nps.append(v)
            elif kind == "CSAT" and 1 <= v <= 5:
                csat.append(v)
            elif kind == "CES" and 1 <= v <= 7:
                ces.append(v)
        out["nps"] = (
            r2(100 * len([v for v in nps if v >= 9]) / len(nps) - 100 * len([v for v in nps if v <= 6]) / len(nps))
            if nps
            else None
        )
        out["csat"] = r2(100 * len([v for v in csat if v >= 4]) / len(csat)) if csat else None
        out["ces"] = r2(sum(ces) / len(ces)) if ces else None
        neg = len([v for v in nps if v <= 6]) + len([v for v in csat if v <= 2]) + len([v for v in ces if v <= 3])
        total = len(nps) + len(csat) + len(ces)
        out["negative-share"] = r2(100 * neg / total) if total else None
    if "tickets" in kinds:
        tickets = [r for r in records if r["_obj"] == "tickets"]
        replies = [int(r["time_to_first_agent_reply"]) for r in tickets if r.get("time_to_first_agent_reply")]
        closes = [int(r["time_to_close"]) for r in tickets if r.get("time_to_close")]
        out["time-to-first-reply"] = r2(statistics.median(replies) / 3_600_000) if replies else None
        out["time-to-close"] = r2(statistics.median(closes) / 3_600_000) if closes else None
    return out


def _entry(rec: dict[str, Any], stage: str, lifecycle: bool) -> datetime | None:
    got = when(rec.get(f"hs_v2_date_entered_{stage}"))
    if got is None and lifecycle:
        got = when(rec.get(f"hs_lifecyclestage_{stage}_date"))
    return got


def stage(portal: HubSpotSandbox, key: str, start: datetime, end: datetime) -> dict[str, Any]:
    """One stage key (single-source stages)."""
    parts = key.split(":")
    if parts[1] == "lifecycle":
        obj, sid, lifecycle = "contacts", parts[2], True
        options = [o["value"] for p in portal.portal.properties["contacts"] for o in p["options"]]
        later = [o for o in options[options.index(sid) + 1 :] if o != "other"]
    else:
        obj = "deals" if parts[1] == "deal-stage" else "tickets"
        sid, lifecycle = parts[3], False
        pipeline = next(p for p in portal.portal.pipelines[obj] if p["id"] == parts[2])
        ordered = sorted(pipeline["stages"], key=lambda s: (s["displayOrder"], s["label"]))
        ids = [s["id"] for s in ordered]
        later = [
            s["id"]
            for s in ordered[ids.index(sid) + 1 :]
            if not (
                obj == "deals" and s["metadata"].get("isClosed") == "true" and float(s["metadata"]["probability"]) == 0
            )
        ]
    entrants = []
    for rec in portal.records(obj):
        entered = _entry(rec, sid, lifecycle)
        if entered is not None and start <= entered < end:
            entrants.append((rec, entered))
    converted = 0
    stays: list[float] = []
    for rec, entered in entrants:
        if any((e := _entry(rec, other, lifecycle)) is not None and e < end for other in later):
            converted += 1
        exited = when(rec.get(f"hs_v2_date_exited_{sid}"))
        if exited is not None and exited >= entered:
            stays.append((exited - entered) / timedelta(days=1))
    return {
        "entered": len(entrants),
        "conversion": r2(100 * converted / len(entrants)) if entrants and later else None,
        "time-in-stage": r2(statistics.median(stays)) if stays else None,
    }
