"""The HubSpot metrics, computed over plain record values (definitions: docs/metrics.md).

Every function takes already-selected records (the union of an entity's sources, each record once) and
returns :class:`MetricFact` values rounded to 2 decimals, half away from zero. Counts with no records are
``0``; rates, scores and medians are ``None`` then.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from cjm_sync.plugins import MetricFact
from cjm_sync.schema import MetricUnit
from connectors.hubspot.values import median, number, round2

HOUR_MS = 3_600_000
DAY_SECONDS = 86_400
SURVEY_RANGES = {"NPS": (0, 10), "CSAT": (1, 5), "CES": (1, 7)}


def volume_facts(entity: str, current: int, previous: int, method: str) -> list[MetricFact]:
    """``volume``, ``volume-previous`` and ``volume-change`` (%, null when previous is 0)."""
    change = round2((current - previous) / previous * 100) if previous else None
    return [
        MetricFact(entity, "volume", current, MetricUnit.COUNT, f"{method}; in the window", current),
        MetricFact(
            entity, "volume-previous", previous, MetricUnit.COUNT, f"{method}; in the previous window", previous
        ),
        MetricFact(
            entity,
            "volume-change",
            change,
            MetricUnit.PERCENT,
            f"(volume − previous) / previous × 100; {method}",
            current + previous,
        ),
    ]


def previous_window(facts: Iterable[MetricFact]) -> list[MetricFact]:
    """``facts`` computed over the previous window's records, renamed ``<metric>-previous`` (the pairs
    the analysis compares to find metrics that got worse, docs/analysis.md)."""
    return [replace(f, metric=f"{f.metric}-previous", method=f"{f.method}; in the previous window") for f in facts]


def _valid(survey: str, raw: object) -> float | None:
    value = number(raw)
    bounds = SURVEY_RANGES.get(survey)
    if value is None or bounds is None or not bounds[0] <= value <= bounds[1]:
        return None
    return value


def feedback_facts(entity: str, responses: Iterable[tuple[str, object]], method: str) -> list[MetricFact]:
    """``nps``, ``csat``, ``ces`` and ``negative-share`` from ``(hs_survey_type, hs_response_value)`` pairs."""
    scores: dict[str, list[float]] = {"NPS": [], "CSAT": [], "CES": []}
    for survey, raw in responses:
        value = _valid(survey, raw)
        if value is not None:
            scores[survey].append(value)
    nps, csat, ces = scores["NPS"], scores["CSAT"], scores["CES"]
    nps_value = round2((sum(v >= 9 for v in nps) - sum(v <= 6 for v in nps)) / len(nps) * 100) if nps else None
    csat_value = round2(sum(v >= 4 for v in csat) / len(csat) * 100) if csat else None
    ces_value = round2(sum(ces) / len(ces)) if ces else None
    negative = sum(v <= 6 for v in nps) + sum(v <= 2 for v in csat) + sum(v <= 3 for v in ces)
    total = len(nps) + len(csat) + len(ces)
    share = round2(negative / total * 100) if total else None
    prop = f"{method}; hs_response_value"
    return [
        MetricFact(entity, "nps", nps_value, MetricUnit.SCORE, f"{prop}: % NPS ≥ 9 − % ≤ 6", len(nps)),
        MetricFact(entity, "csat", csat_value, MetricUnit.PERCENT, f"{prop}: share of CSAT ≥ 4 (1–5)", len(csat)),
        MetricFact(entity, "ces", ces_value, MetricUnit.SCORE, f"{prop}: mean CES (1–7)", len(ces)),
        MetricFact(
            entity,
            "negative-share",
            share,
            MetricUnit.PERCENT,
            f"{prop}: NPS ≤ 6, CSAT ≤ 2 or CES ≤ 3 over all NPS/CSAT/CES responses",
            total,
        ),
    ]


def ticket_facts(entity: str, tickets: Iterable[tuple[object, object]], method: str) -> list[MetricFact]:
    """``time-to-first-reply`` and ``time-to-close`` (hours, medians) from
    ``(time_to_first_agent_reply, time_to_close)`` millisecond strings; a ticket is closed when it has
    ``time_to_close``."""
    replies: list[float] = []
    closes: list[float] = []
    for reply, close in tickets:
        if (value := number(reply)) is not None:
            replies.append(value)
        if (value := number(close)) is not None:
            closes.append(value)
    reply_median, close_median = median(replies), median(closes)
    return [
        MetricFact(
            entity,
            "time-to-first-reply",
            round2(reply_median / HOUR_MS) if reply_median is not None else None,
            MetricUnit.HOURS,
            f"{method}; median of time_to_first_agent_reply over tickets that have it",
            len(replies),
        ),
        MetricFact(
            entity,
            "time-to-close",
            round2(close_median / HOUR_MS) if close_median is not None else None,
            MetricUnit.HOURS,
            f"{method}; median of time_to_close over closed tickets",
            len(closes),
        ),
    ]


@dataclass(frozen=True)
class Entrant:
    """One record that entered the stage in the window: when, when it left (if it did), and whether it
    entered a later stage before as-of."""

    entered: datetime
    exited: datetime | None
    converted: bool


def stage_facts(entity: str, entrants: Sequence[Entrant], has_later: bool, method: str) -> list[MetricFact]:
    """``entered`` (count), ``conversion`` (%, null without a later stage or entrants) and
    ``time-in-stage`` (days, median over entrants that exited)."""
    count = len(entrants)
    converted = sum(e.converted for e in entrants)
    conversion = round2(converted / count * 100) if count and has_later else None
    stays = [(e.exited - e.entered).total_seconds() for e in entrants if e.exited is not None]
    stay = median(stays)
    return [
        MetricFact(entity, "entered", count, MetricUnit.COUNT, f"{method}; entry in the window", count),
        MetricFact(
            entity,
            "conversion",
            conversion,
            MetricUnit.PERCENT,
            f"{method}; share of entrants that entered a later stage before as-of",
            count,
        ),
        MetricFact(
            entity,
            "time-in-stage",
            round2(stay / DAY_SECONDS) if stay is not None else None,
            MetricUnit.DAYS,
            f"{method}; median of exit − entry over entrants that exited",
            len(stays),
        ),
    ]
