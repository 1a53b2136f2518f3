"""HubSpot source keys (the documented, stable contract users write by hand; docs/metrics.md).

Touchpoints, one record kind each — ``hubspot:<object>:<value>``:

* ``hubspot:calls:<hs_call_direction>`` (INBOUND, OUTBOUND)
* ``hubspot:emails:<hs_email_direction>`` (INCOMING_EMAIL, EMAIL, FORWARDED_EMAIL)
* ``hubspot:meetings:<hs_meeting_outcome>``
* ``hubspot:communications:<hs_communication_channel_type>`` (SMS, WHATS_APP, LINKEDIN_MESSAGE)
* ``hubspot:tickets:<source_type>`` (EMAIL, CHAT, FORM, PHONE, …)
* ``hubspot:feedback_submissions:<hs_survey_type>`` (NPS, CSAT, CES, CUSTOM)

Stages: ``hubspot:deal-stage:<pipelineId>:<stageId>``, ``hubspot:ticket-stage:<pipelineId>:<stageId>``,
``hubspot:lifecycle:<lifecyclestage value>`` (custom lifecycle stages have numeric values).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final, Literal

PREFIX: Final = "hubspot"
_VALUE = re.compile(r"^[^\s:]+$")


@dataclass(frozen=True)
class TouchpointKind:
    """A record kind a touchpoint key can name."""

    object: str
    """HubSpot object type (path segment)."""
    property: str
    """The property whose value the key names."""
    time: str
    """The property that gives a record's time."""
    label: str


TOUCHPOINT_KINDS: Final = {
    k.object: k
    for k in (
        TouchpointKind("calls", "hs_call_direction", "hs_timestamp", "Calls"),
        TouchpointKind("emails", "hs_email_direction", "hs_timestamp", "Emails"),
        TouchpointKind("meetings", "hs_meeting_outcome", "hs_timestamp", "Meetings"),
        TouchpointKind("communications", "hs_communication_channel_type", "hs_timestamp", "Communications"),
        TouchpointKind("tickets", "source_type", "createdate", "Tickets"),
        TouchpointKind("feedback_submissions", "hs_survey_type", "hs_createdate", "Feedback"),
    )
}
STAGE_KINDS: Final = {"deal-stage": "deals", "ticket-stage": "tickets", "lifecycle": "contacts"}
"""Stage key kind → the object whose records enter the stage."""

MODIFIED: Final = {"contacts": "lastmodifieddate"}
"""The modification-time property per object (``hs_lastmodifieddate`` for every other object)."""


def modified_property(obj: str) -> str:
    """``lastmodifieddate`` for contacts, ``hs_lastmodifieddate`` otherwise."""
    return MODIFIED.get(obj, "hs_lastmodifieddate")


@dataclass(frozen=True)
class SourceKey:
    """A parsed key: ``kind`` is a touchpoint object or a stage kind; ``pipeline`` only for pipeline stages."""

    key: str
    role: Literal["touchpoint", "stage"]
    kind: str
    value: str
    pipeline: str | None = None

    @property
    def object(self) -> str:
        """The HubSpot object whose records the key counts."""
        return self.kind if self.role == "touchpoint" else STAGE_KINDS[self.kind]


def problem(key: str, role: Literal["touchpoint", "stage"] | None = None) -> str | None:
    """Why ``key`` is not a well-formed HubSpot key — or, with ``role``, not one for that kind of entity
    (a stage key on a touchpoint) — or ``None``."""
    message = _shape_problem(key)
    if message or role is None:
        return message
    own = "touchpoint" if key.split(":")[1] in TOUCHPOINT_KINDS else "stage"
    if own != role:
        return f"'{key}' is a {own} key; a {role} takes {role} keys (docs/crm.md, source keys)"
    return None


def _shape_problem(key: str) -> str | None:
    parts = key.split(":")
    if parts[0] != PREFIX:
        return f"'{key}' is not a HubSpot key (they start with 'hubspot:')"
    if len(parts) < 3:
        return f"'{key}' needs a kind and a value, e.g. hubspot:calls:INBOUND or hubspot:lifecycle:lead"
    kind, rest = parts[1], parts[2:]
    if kind in TOUCHPOINT_KINDS or kind == "lifecycle":
        shape = f"hubspot:{kind}:<{TOUCHPOINT_KINDS[kind].property if kind in TOUCHPOINT_KINDS else 'lifecyclestage'}>"
        if len(rest) != 1 or not _VALUE.match(rest[0]):
            return f"'{key}' must look like {shape} (one value, no spaces or colons)"
        return None
    if kind in STAGE_KINDS:
        if len(rest) != 2 or not all(_VALUE.match(p) for p in rest):
            return f"'{key}' must look like hubspot:{kind}:<pipelineId>:<stageId>"
        return None
    kinds = ", ".join([*TOUCHPOINT_KINDS, *STAGE_KINDS])
    return f"'{key}' has an unknown kind '{kind}' (known: {kinds})"


def parse(key: str) -> SourceKey:
    """The parsed key; ``ValueError`` with :func:`problem`'s message if malformed."""
    message = problem(key)
    if message:
        raise ValueError(message)
    _, kind, *rest = key.split(":")
    if kind in TOUCHPOINT_KINDS:
        return SourceKey(key, "touchpoint", kind, rest[0])
    if kind == "lifecycle":
        return SourceKey(key, "stage", kind, rest[0])
    return SourceKey(key, "stage", kind, rest[1], pipeline=rest[0])
