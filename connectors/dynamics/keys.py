"""Dynamics source keys: the documented, stable names of the Dataverse data behind stages and touchpoints.

Touchpoints::

    dynamics:phonecall:incoming|outgoing          directioncode false / true
    dynamics:email:incoming|outgoing              directioncode false / true
    dynamics:appointment  dynamics:campaignresponse  dynamics:socialactivity
    dynamics:incident:<origin>                    caseorigincode label in kebab case (phone, email, web, …)
    dynamics:lead:<source>                        leadsourcecode label in kebab case (trade-show, …)
    dynamics:msfp_surveyresponse:<survey>         Customer Voice survey name in kebab case
    dynamics:msdynmkt_journey:<journey id>        a Customer Insights – Journeys journey (listed, no volume)

Stages::

    dynamics:bpf:<bpf entity set>:<processstageid>

Option values use the option's label in kebab case (lower case; spaces and punctuation become ``-``;
letters with accents and other scripts are kept), the option's number when it has no label, and
``unknown`` when the row has no value.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Literal
from uuid import UUID

__all__ = ["PREFIX", "SourceKey", "check_key", "kebab", "option_key", "parse_key"]

PREFIX = "dynamics"
UNKNOWN = "unknown"
DIRECTIONS = {"incoming": False, "outgoing": True}
PLAIN_ACTIVITIES = ("appointment", "campaignresponse", "socialactivity")
OPTION_KINDS = ("incident", "lead", "msfp_surveyresponse")
_VALUE = re.compile(r"^[^\s:A-Z]+$")
_ENTITY_SET = re.compile(r"^[a-z_][a-z0-9_]*$")


def kebab(label: str) -> str:
    """``"Trade Show"`` → ``trade-show``; ``"Salon Café Pro"`` → ``salon-café-pro``; ``"客户 调查"`` → ``客户-调查``.

    Lower case; every run of characters that are not letters, marks or digits becomes one ``-``; no
    leading or trailing ``-``. An empty result (a label of only punctuation) gives ``""``.
    """
    out: list[str] = []
    dash = False
    for ch in unicodedata.normalize("NFC", label).lower():
        if unicodedata.category(ch)[0] in "LMN":
            if dash and out:
                out.append("-")
            out.append(ch)
            dash = False
        else:
            dash = True
    return "".join(out)


def option_key(value: int | None, labels: dict[int, str | None]) -> str:
    """The key part for an option value: its label in kebab case, else its number, else ``unknown``."""
    if value is None:
        return UNKNOWN
    label = labels.get(value)
    slug = kebab(label) if label else ""
    return slug or str(value)


@dataclass(frozen=True)
class SourceKey:
    """A parsed key: ``kind`` is the table's logical name (``bpf`` for stages), ``parts`` the rest."""

    kind: str
    parts: tuple[str, ...]

    @property
    def text(self) -> str:
        """The key as written."""
        return ":".join((PREFIX, self.kind, *self.parts))


def check_key(key: str, role: Literal["touchpoint", "stage"] | None = None) -> str | None:
    """Why ``key`` is malformed for Dynamics — or, with ``role``, cannot feed that kind of entity (a
    business-process-flow stage on a touchpoint, an activity on a stage) — or ``None`` when its shape is
    right (values not checked). A Customer Insights journey key (listed, no metrics) fits either."""
    message = _shape_problem(key)
    if message or role is None:
        return message
    kind = key.split(":")[1]
    own = None if kind == "msdynmkt_journey" else "stage" if kind == "bpf" else "touchpoint"
    if own is not None and own != role:
        return f"'{key}' is a {own} key; a {role} takes {role} keys (docs/dynamics.md, source keys)"
    return None


def _shape_problem(key: str) -> str | None:
    pieces = key.split(":")
    if len(pieces) < 2 or pieces[0] != PREFIX:
        return f"'{key}' is not a Dynamics key (expected 'dynamics:<kind>:…')"
    kind, rest = pieces[1], pieces[2:]
    if kind in ("phonecall", "email"):
        if len(rest) != 1 or rest[0] not in DIRECTIONS:
            return f"'{key}': a {kind} key is 'dynamics:{kind}:incoming' or 'dynamics:{kind}:outgoing'"
        return None
    if kind in PLAIN_ACTIVITIES:
        return None if not rest else f"'{key}': 'dynamics:{kind}' takes nothing after the kind"
    if kind in OPTION_KINDS:
        if len(rest) != 1 or not _VALUE.match(rest[0]):
            return (
                f"'{key}': expected 'dynamics:{kind}:<value>' with one lower-case kebab-case value "
                "(an option label, its number, or 'unknown')"
            )
        return None
    if kind == "msdynmkt_journey":
        return (
            None
            if len(rest) == 1 and _is_guid(rest[0])
            else f"'{key}': expected 'dynamics:msdynmkt_journey:<journey id (GUID)>'"
        )
    if kind == "bpf":
        if len(rest) != 2 or not _ENTITY_SET.match(rest[0]) or not _is_guid(rest[1]):
            return f"'{key}': a stage key is 'dynamics:bpf:<bpf entity set>:<processstageid>'"
        return None
    known = ", ".join(["phonecall", "email", *PLAIN_ACTIVITIES, *OPTION_KINDS, "msdynmkt_journey", "bpf"])
    return f"'{key}': unknown Dynamics kind '{kind}' (known: {known})"


def parse_key(key: str) -> SourceKey:
    """Parse a key whose shape :func:`check_key` accepts (``ValueError`` otherwise)."""
    problem = check_key(key)
    if problem is not None:
        raise ValueError(problem)
    pieces = key.split(":")
    parts = tuple(pieces[2:])
    if pieces[1] in ("bpf", "msdynmkt_journey"):
        parts = (*parts[:-1], str(UUID(parts[-1])))
    return SourceKey(pieces[1], parts)


def _is_guid(text: str) -> bool:
    try:
        UUID(text)
    except ValueError:
        return False
    return len(text) == 36
