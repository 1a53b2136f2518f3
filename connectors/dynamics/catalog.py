"""What the connector reads, declared once per kind of source key (table, grouping column, labels).

A touchpoint kind is counted with one ``$apply`` per table and window, grouped by ``group_by``; each
group's values map to the key's last part through ``key_part``. Tables whose metrics need per-record
values (medians, the active stage) are kept in the record cache with only ``ROW_COLUMNS``.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["BPF_COLUMNS", "ROW_COLUMNS", "TOUCHPOINT_KINDS", "TouchpointKind"]


@dataclass(frozen=True)
class TouchpointKind:
    """One kind of touchpoint key: ``dynamics:<logical>[:<value>]``."""

    logical: str
    group_by: tuple[str, ...]
    noun: str
    channel: str | None
    option_column: str | None = None  # a choice column whose labels make the key's value


TOUCHPOINT_KINDS: tuple[TouchpointKind, ...] = (
    TouchpointKind("phonecall", ("directioncode",), "Phone calls", "phone"),
    TouchpointKind("email", ("directioncode",), "E-mails", "email"),
    TouchpointKind("appointment", ("statecode",), "Appointments", "in_person"),
    TouchpointKind("campaignresponse", ("statecode",), "Campaign responses", "ads"),
    TouchpointKind("socialactivity", ("statecode",), "Social activities", "social"),
    TouchpointKind("incident", ("caseorigincode",), "Cases", None, option_column="caseorigincode"),
    TouchpointKind("lead", ("leadsourcecode",), "Leads", None, option_column="leadsourcecode"),
    TouchpointKind("msfp_surveyresponse", ("_msfp_surveyid_value", "msfp_npsscore"), "Survey responses", "email"),
)
KIND_BY_LOGICAL = {k.logical: k for k in TOUCHPOINT_KINDS}

ROW_COLUMNS: dict[str, tuple[str, ...]] = {
    "incident": ("incidentid", "caseorigincode", "createdon", "_firstresponsebykpiid_value"),
    "slakpiinstance": ("slakpiinstanceid", "status", "succeededon"),
    "incidentresolution": ("activityid", "_incidentid_value", "actualend", "statecode"),
}
BPF_COLUMNS = (
    "businessprocessflowinstanceid",
    "_activestageid_value",
    "activestagestartedon",
    "statecode",
    "createdon",
)
KPI_SUCCEEDED = 4
RESOLUTION_COMPLETED = 1
BPF_ACTIVE = 0

_CHANNELS = {
    "phone": "phone", "email": "email", "e-mail": "email", "web": "web", "facebook": "social", "twitter": "social",
    "social": "social", "chat": "chat", "iot": "app", "partner": "partner", "partner-portal": "partner",
    "advertisement": "ads", "word-of-mouth": "word_of_mouth", "seminar": "event", "trade-show": "event",
    "employee-referral": "word_of_mouth", "external-referral": "word_of_mouth",
}  # fmt: skip


def channel_for(kind: TouchpointKind, value: str | None) -> str | None:
    """A suggested journey channel for a key (by kind, else by option label)."""
    if kind.channel is not None:
        return kind.channel
    return _CHANNELS.get(value or "")
